// MCP over Streamable HTTP, end to end: the real engine process and the real MCP SDK client at
// http://127.0.0.1:<api>/mcp. Lists the tools and calls each one, with good and bad input, after
// real OTLP traffic (a healthy latency budget and an N+1 query pattern that violates a
// queries-per-trace budget); then bearer tokens: no token → 401, a read token cannot define.
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTraceRequest, checkoutTrace, type SpanSpec } from "../helpers/otlp.js";
import { startEngineProcess, type EngineProcess } from "../helpers/server.js";

const service = `mcpshop-${process.pid}-${Date.now() % 100000}`;
const OP = "POST /checkout";

let engine: EngineProcess;
let client: Client;
const sentTraces: string[] = [];

function checkout(queries: number): SpanSpec[] {
  const traceId = randomBytes(16).toString("hex");
  sentTraces.push(traceId);
  return checkoutTrace({ traceId, service, operation: OP, queries, statement: "SELECT * FROM items WHERE id = ?" });
}

async function send(queries: number, traces = 5): Promise<void> {
  const spans = Array.from({ length: traces }, () => checkout(queries)).flat();
  const res = await fetch(`http://127.0.0.1:${engine.ports.http}/v1/traces`, { method: "POST", body: buildTraceRequest(spans).protobuf, headers: { "content-type": "application/x-protobuf" } });
  expect(res.status).toBe(200);
}

async function call(name: string, args: Record<string, unknown> = {}, c: Client = client): Promise<CallToolResult> {
  return (await c.callTool({ name, arguments: args })) as CallToolResult;
}

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

async function connect(api: string, token?: string): Promise<Client> {
  const c = new Client({ name: "pbe-e2e", version: "1.0.0" });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${api}/mcp`), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : undefined));
  return c;
}

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--window", "1s", "--eval-interval", "1s", "--decision-wait", "200ms"] });
  client = await connect(engine.api);
});
afterAll(async () => {
  await client?.close();
  await engine?.stop();
});

describe("MCP over Streamable HTTP (/mcp)", () => {
  it("lists the tools with titles, input schemas and output schemas", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    const expected: Record<string, string> = {
      budget_define: "budget.define",
      budget_track: "budget.track",
      budget_compliance: "budget.compliance",
      budget_recommendations: "budget.recommendations",
      budget_list: "budget.list",
      budget_delete: "budget.delete",
      budget_report: "budget.report",
      trace_explain: "trace.explain",
    };
    for (const [name, title] of Object.entries(expected)) {
      const t = byName.get(name);
      expect(t, name).toBeDefined();
      expect(t!.title).toBe(title);
      expect(t!.inputSchema.type).toBe("object");
      expect(t!.outputSchema?.type, `${name} output schema`).toBe("object");
      expect(t!.description?.length ?? 0).toBeGreaterThan(20);
    }
    // budget_define advertises the budget model's JSON Schema plus dryRun.
    const define = byName.get("budget_define")!.inputSchema as { properties: Record<string, { enum?: string[] }>; required?: string[] };
    expect(Object.keys(define.properties)).toEqual(expect.arrayContaining(["id", "type", "service", "threshold", "quantile", "window", "dryRun"]));
    expect(define.properties.type.enum).toContain("latency.total");
    expect(define.required).toEqual(["id", "type", "service"]);
    expect(byName.get("budget_compliance")!.inputSchema.required).toEqual(["service"]);
  });

  it("budget_define validates with dryRun (storing nothing), then creates and replaces", async () => {
    const def = { id: "mcp-p99", type: "latency.total", service, operation: OP, quantile: 0.99, threshold: "500ms", window: "10s", target: 0.99 };
    const dry = await call("budget_define", { ...def, dryRun: true });
    expect(dry.isError).toBeFalsy();
    expect(dry.structuredContent).toMatchObject({ dryRun: true, valid: true, budget: { id: "mcp-p99" } });
    expect(text(dry)).toContain("nothing stored");
    expect((await engine.get("/api/v1/budgets/mcp-p99")).status).toBe(404);

    const created = await call("budget_define", def);
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ dryRun: false, valid: true, created: true, budget: { id: "mcp-p99", service, threshold: "500ms", source: "api" } });
    expect(text(created)).toMatch(/^Created budget mcp-p99: latency\.total p99 of .* ≤ 500ms over 10s/);
    expect((await engine.get("/api/v1/budgets/mcp-p99")).status).toBe(200);

    const replaced = await call("budget_define", { ...def, threshold: "400ms" });
    expect(replaced.structuredContent).toMatchObject({ created: false, budget: { threshold: "400ms" } });
    expect(text(replaced)).toMatch(/^Replaced/);

    const queries = await call("budget_define", { id: "mcp-queries", type: "throughput.queries", per: "trace", service, operation: OP, quantile: 0.9, threshold: 5, window: "10s" });
    expect(queries.isError).toBeFalsy();
  });

  it("budget_define refuses a bad definition with every problem, in text and structured content", async () => {
    const r = await call("budget_define", { id: "Bad Id!", type: "latency.totl", service, threshold: "fast", treshold: "3ms" });
    expect(r.isError).toBe(true);
    const s = r.structuredContent as { valid: boolean; problems: { path: string; message: string }[] };
    expect(s.valid).toBe(false);
    const paths = s.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["id", "type", "treshold"]));
    for (const p of s.problems) expect(text(r)).toContain(`- ${p.path}: ${p.message}`);
    expect(text(r)).toMatch(/refused with \d+ problems; nothing was stored/);
    expect(s.problems.find((p) => p.path === "treshold")!.message).toContain('did you mean "threshold"');
    expect((await engine.get(`/api/v1/budgets?service=${encodeURIComponent(service)}`)).body).toMatchObject({ budgets: [{ id: "mcp-p99" }, { id: "mcp-queries" }] });
  });

  it("budget_compliance shows ok and violated budgets after real traffic (an N+1 pattern)", async () => {
    let last: CallToolResult | undefined;
    const deadline = Date.now() + 40_000;
    for (;;) {
      await send(12);
      last = await call("budget_compliance", { service });
      const s = last.structuredContent as { budgets: { budgetId: string; status: string }[] };
      const status = Object.fromEntries(s.budgets.map((b) => [b.budgetId, b.status]));
      if (status["mcp-queries"] === "violated" && status["mcp-p99"] === "ok") break;
      if (Date.now() > deadline) throw new Error(`not violated in time: ${text(last)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(last.isError).toBeFalsy();
    const s = last.structuredContent as {
      compliant: boolean;
      violated: number;
      budgets: { budgetId: string; observed: number; observedText: string; thresholdText: string; usage: number; usageText: string; burnRates?: unknown[] }[];
    };
    expect(s.compliant).toBe(false);
    expect(s.violated).toBe(1);
    const q = s.budgets.find((b) => b.budgetId === "mcp-queries")!;
    expect(q).toMatchObject({ observed: 12, observedText: "12 queries/trace", thresholdText: "5 queries/trace", usageText: "240%" });
    const p99 = s.budgets.find((b) => b.budgetId === "mcp-p99")!;
    expect(p99).toMatchObject({ observed: 120, observedText: "120ms", thresholdText: "400ms" });
    expect(p99.burnRates).toHaveLength(4);
    const t = text(last);
    expect(t).toContain("1 of 2 budgets violated");
    expect(t).toMatch(/mcp-queries\s+throughput\.queries\s+violated\s+12 queries\/trace\s+5 queries\/trace\s+240%/);
  }, 60_000);

  it("budget_track summarises history with a sparkline and the trend", async () => {
    const r = await call("budget_track", { service, points: 10 });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { budgets: { budgetId: string; history: { withData: number; recent: (number | null)[]; max?: number }; sparkline: string; trendText: string }[] };
    const q = s.budgets.find((b) => b.budgetId === "mcp-queries")!;
    expect(q.history.withData).toBeGreaterThan(0);
    expect(q.history.recent.length).toBeLessThanOrEqual(10);
    expect(q.history.max).toBe(12);
    expect(q.sparkline).toHaveLength(q.history.recent.length);
    expect(q.sparkline).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(q.trendText.length).toBeGreaterThan(0);
    expect(text(r)).toContain("HISTORY (last 10)");
    expect(text(r)).toContain("TREND / FORECAST");
  });

  it("budget_recommendations returns evidence-based recommendations", async () => {
    const r = await call("budget_recommendations", { service });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { service: string; count: number; recommendations: { kind: string; title: string; evidence: unknown }[] };
    expect(s.service).toBe(service);
    expect(s.count).toBe(s.recommendations.length);
    expect(s.count).toBeGreaterThan(0);
    for (const rec of s.recommendations) {
      expect(rec.evidence).toBeTypeOf("object");
      expect(text(r)).toContain(rec.title.replace(/[\r\n]+/g, " "));
    }
  });

  it("answers an unknown service with an error naming it and listing the known ones", async () => {
    for (const tool of ["budget_compliance", "budget_track", "budget_recommendations"]) {
      const r = await call(tool, { service: "no-such-service" });
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toContain('Unknown service "no-such-service"');
      expect(text(r)).toContain(service);
    }
  });

  it("budget_list lists the budgets (all, or of one service)", async () => {
    const all = await call("budget_list");
    const ids = (all.structuredContent as { budgets: { id: string }[] }).budgets.map((b) => b.id);
    expect(ids).toEqual(expect.arrayContaining(["mcp-p99", "mcp-queries"]));
    const mine = await call("budget_list", { service });
    expect(mine.structuredContent).toMatchObject({ count: 2 });
    expect(text(mine)).toMatch(/mcp-queries\s+throughput\.queries\s+\S+\s+POST \/checkout\s+p90\s+5\/trace/);
  });

  it("budget_report returns the service's markdown report", async () => {
    const r = await call("budget_report", { service });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { markdown: string; format: string; service: string };
    expect(s.format).toBe("markdown");
    expect(s.service).toBe(service);
    expect(s.markdown).toContain("mcp-queries");
    expect(s.markdown).toMatch(/^#/m);
    expect(text(r)).toBe(s.markdown);
    const unknown = await call("budget_report", { service: "no-such-service" });
    expect(unknown.isError).toBe(true);
  });

  it("trace_explain renders a sent trace's critical path; unknown and malformed ids are errors", async () => {
    const id = sentTraces[sentTraces.length - 6]!; // a trace of an earlier batch: complete by now
    const r = await call("trace_explain", { traceId: id });
    expect(r.isError, text(r)).toBeFalsy();
    const s = r.structuredContent as {
      traceId: string;
      durationMs: number;
      processingMs: number;
      networkMs: number;
      components: { component: string; durationMs: number; share: number }[];
      edges: { edge: string; durationMs: number }[];
      criticalPath: { durationMs: number }[];
      segments: number;
    };
    expect(s.traceId).toBe(id);
    expect(s.durationMs).toBe(120);
    expect(s.networkMs).toBe(10);
    expect(s.edges).toEqual([{ edge: `${service}->payment`, durationMs: 10, share: expect.closeTo(10 / 120, 5) }]);
    const payment = s.components.find((c) => c.component === "payment")!;
    expect(payment.durationMs).toBe(50);
    expect(payment.share).toBeCloseTo(50 / 120, 5);
    expect(s.components.reduce((a, c) => a + c.durationMs, 0)).toBeCloseTo(s.processingMs, 6);
    expect(s.criticalPath.reduce((a, c) => a + c.durationMs, 0)).toBeCloseTo(120, 6);
    expect(s.segments).toBe(s.criticalPath.length);
    expect(text(r)).toContain(`Critical path (${s.segments} segments)`);
    expect(text(r)).toMatch(/payment\s+50ms\s+41\.7%/);

    const unknown = await call("trace_explain", { traceId: "0123456789abcdef0123456789abcdef" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain("Unknown trace 0123456789abcdef0123456789abcdef");
    const bad = await call("trace_explain", { traceId: "not-a-trace" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("32 hex digits");
  });

  it("serves budgets and reports as resources", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(["pbe://budgets", "pbe://schema/budget", "pbe://budgets/mcp-p99", `pbe://services/${service}/report`]));
    const one = await client.readResource({ uri: "pbe://budgets/mcp-p99" });
    expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ id: "mcp-p99", service });
    const report = await client.readResource({ uri: `pbe://services/${service}/report` });
    expect(report.contents[0]!.mimeType).toBe("text/markdown");
    expect((report.contents[0] as { text: string }).text).toContain("mcp-p99");
  });

  it("budget_delete deletes a budget; an unknown id is an error listing the budgets", async () => {
    const r = await call("budget_delete", { id: "mcp-p99" });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ deleted: "mcp-p99" });
    expect((await engine.get("/api/v1/budgets/mcp-p99")).status).toBe(404);
    const again = await call("budget_delete", { id: "mcp-p99" });
    expect(again.isError).toBe(true);
    expect(text(again)).toContain('No budget "mcp-p99"');
    expect(text(again)).toContain("mcp-queries");
  });

  it("answers GET /mcp with 405 (stateless server) and a malformed body with a JSON-RPC parse error", async () => {
    const get = await fetch(`${engine.api}/mcp`, { headers: { accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    const bad = await fetch(`${engine.api}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });
});

describe("MCP over Streamable HTTP with API tokens", () => {
  const ADMIN = "mcp-admin-token";
  const READER = "mcp-read-token";
  let secured: EngineProcess;
  beforeAll(async () => {
    secured = await startEngineProcess({ env: { PBE_API_TOKEN: ADMIN, PBE_API_TOKENS: `${READER}:read` } });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it("needs a bearer token (401 without one)", async () => {
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } };
    const res = await fetch(`${secured.api}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(init) });
    expect(res.status).toBe(401);
    const wrong = await fetch(`${secured.api}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer nope" }, body: JSON.stringify(init) });
    expect(wrong.status).toBe(401);
    await expect(connect(secured.api)).rejects.toThrow();
  });

  it("lets a read token read but refuses budget_define and budget_delete", async () => {
    const reader = await connect(secured.api, READER);
    try {
      expect((await reader.listTools()).tools.length).toBeGreaterThanOrEqual(8);
      const list = await call("budget_list", {}, reader);
      expect(list.isError).toBeFalsy();
      const define = await call("budget_define", { id: "x-p99", type: "latency.total", service: "x", quantile: 0.99, threshold: "1s" }, reader);
      expect(define.isError).toBe(true);
      expect(text(define)).toContain("needs the admin role");
      const del = await call("budget_delete", { id: "x-p99" }, reader);
      expect(del.isError).toBe(true);
      expect(text(del)).toContain("needs the admin role");
      expect((await secured.get("/api/v1/budgets/x-p99", { authorization: `Bearer ${ADMIN}` })).status).toBe(404);
    } finally {
      await reader.close();
    }
  });

  it("lets an admin token define", async () => {
    const admin = await connect(secured.api, ADMIN);
    try {
      const define = await call("budget_define", { id: "x-p99", type: "latency.total", service: "x", quantile: 0.99, threshold: "1s" }, admin);
      expect(define.isError, text(define)).toBeFalsy();
      expect((await secured.get("/api/v1/budgets/x-p99", { authorization: `Bearer ${READER}` })).status).toBe(200);
    } finally {
      await admin.close();
    }
  });
});
