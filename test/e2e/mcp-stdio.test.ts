// MCP over stdio, end to end: the MCP SDK client spawns `node dist/cli/bin.js mcp --engine <api>`
// against a real engine process (with API tokens), lists the tools and calls a few, including a
// define that the engine refuses for a read token and an unreachable engine.
import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const ADMIN = "stdio-admin-token";
const READER = "stdio-read-token";

let engine: EngineProcess;
const clients: Client[] = [];

async function spawnMcp(args: string[], env: Record<string, string> = {}): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp", ...args],
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "pbe-e2e-stdio", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

beforeAll(async () => {
  engine = await startEngineProcess({ env: { PBE_API_TOKEN: ADMIN, PBE_API_TOKENS: `${READER}:read` } });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await engine?.stop();
});

describe("pbe mcp (stdio)", () => {
  it("lists the tools and defines, lists and checks budgets through the engine's API", async () => {
    const { client, stderr } = await spawnMcp(["--engine", engine.api, "--token", ADMIN]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ["budget_compliance", "budget_define", "budget_delete", "budget_list", "budget_recommendations", "budget_report", "budget_track", "trace_explain"].sort(),
    );
    expect(tools.find((t) => t.name === "budget_define")!.title).toBe("budget.define");

    const define = await call(client, "budget_define", { id: "stdio-p95", type: "latency.total", service: "stdio-shop", quantile: 0.95, threshold: "250ms" });
    expect(define.isError, text(define)).toBeFalsy();
    expect(define.structuredContent).toMatchObject({ created: true, budget: { id: "stdio-p95", source: "api" } });
    expect((await engine.get("/api/v1/budgets/stdio-p95", { authorization: `Bearer ${READER}` })).status).toBe(200);

    const bad = await call(client, "budget_define", { id: "stdio-bad", type: "latency.total", service: "stdio-shop", aggregate: "median", threshold: -3 });
    expect(bad.isError).toBe(true);
    const problems = (bad.structuredContent as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(problems).toEqual(expect.arrayContaining(["aggregate", "threshold"]));

    const list = await call(client, "budget_list", { service: "stdio-shop" });
    expect(list.structuredContent).toMatchObject({ count: 1, budgets: [{ id: "stdio-p95" }] });

    const compliance = await call(client, "budget_compliance", { service: "stdio-shop" });
    expect(compliance.isError, text(compliance)).toBeFalsy();
    expect(compliance.structuredContent).toMatchObject({ service: "stdio-shop", compliant: true, violated: 0, noData: 1, budgets: [{ budgetId: "stdio-p95", status: "no-data", thresholdText: "250ms" }] });
    expect(text(compliance)).toContain("no data yet");

    const unknown = await call(client, "budget_track", { service: "elsewhere" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('Unknown service "elsewhere"');
    expect(text(unknown)).toContain("stdio-shop");

    const trace = await call(client, "trace_explain", { traceId: "ffffffffffffffffffffffffffffffff" });
    expect(trace.isError).toBe(true);
    expect(text(trace)).toContain("Unknown trace");

    const del = await call(client, "budget_delete", { id: "stdio-p95" });
    expect(del.isError, text(del)).toBeFalsy();
    expect(stderr()).toContain(`serving MCP on stdio for the engine at ${engine.api}`);
  });

  it("with a read token, the engine refuses budget_define: an isError result naming the admin role", async () => {
    const { client } = await spawnMcp(["--engine", engine.api], { PBE_API_TOKEN: READER });
    const r = await call(client, "budget_define", { id: "stdio-x", type: "latency.total", service: "stdio-shop", quantile: 0.95, threshold: "1s" });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain("needs the admin role");
    expect((await call(client, "budget_list")).isError).toBeFalsy();
  });

  it("reports an unreachable engine in the tool result", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const { client, stderr } = await spawnMcp(["--engine", `http://127.0.0.1:${port}`, "--timeout", "2s"]);
    const r = await call(client, "budget_list");
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(`cannot reach the engine at http://127.0.0.1:${port}: ECONNREFUSED`);
    await expect.poll(() => stderr(), { timeout: 5000 }).toContain("warning: cannot reach the engine");
    await client.close();
  });

  it("exits 0 when its standard input closes", async () => {
    const child = spawn(process.execPath, [BIN, "mcp", "--engine", engine.api], { stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })}\n`);
    const first = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString())));
    expect(JSON.parse(first)).toMatchObject({ jsonrpc: "2.0", id: 1, result: {} });
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    expect(await exited).toBe(0);
    clearTimeout(timer);
  });
});
