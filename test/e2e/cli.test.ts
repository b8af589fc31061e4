// The CLI as processes (`node dist/cli/bin.js …`) against a real engine: define -f (good file,
// bad file with every problem and its line, --dry-run offline), budgets, compliance exit codes
// (0 ok, 1 violated: real OTLP traffic with an N+1 pattern), track, recommendations, explain,
// --json, --help everywhere, unknown command, unreachable engine, tokens.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTraceRequest, checkoutTrace, type SpanSpec } from "../helpers/otlp.js";
import { BIN, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-cli-"));
const tag = `${process.pid}-${Date.now() % 100000}`;
const healthy = `clihealthy-${tag}`;
const leaky = `clileaky-${tag}`;
const OP = "POST /checkout";

const good = join(dir, "good.yaml");
writeFileSync(
  good,
  `budgets:
  # children are listed before their parent on purpose: pbe define sends parents first
  - { id: leaky-net, type: latency.network, service: ${leaky}, operation: ${OP}, parent: leaky-p99, quantile: 0.99, share: 0.5 }
  - { id: leaky-p99, type: latency.total, service: ${leaky}, operation: ${OP}, quantile: 0.99, threshold: 800ms, window: 10s }
  - { id: leaky-queries, type: throughput.queries, per: trace, service: ${leaky}, operation: ${OP}, quantile: 0.9, threshold: 5, window: 10s }
  - { id: healthy-p99, type: latency.total, service: ${healthy}, operation: ${OP}, quantile: 0.99, threshold: 500ms, window: 10s }
  - { id: healthy-queries, type: throughput.queries, per: trace, service: ${healthy}, operation: ${OP}, quantile: 0.9, threshold: 5, window: 10s }
`,
);
const bad = join(dir, "bad.yaml");
writeFileSync(
  bad,
  `budgets:
  - id: bad-one
    type: latency.total
    service: ${healthy}
    quantile: 0.99
    threshold: fast
  - id: bad-two
    type: latency.totl
    service: ${healthy}
    treshold: 300ms
`,
);

let engine: EngineProcess;

/** A port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pbe(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", PBE_ENGINE: engine?.api ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const traces: string[] = [];
function checkout(service: string, queries: number): SpanSpec[] {
  const traceId = randomBytes(16).toString("hex");
  traces.push(traceId);
  return checkoutTrace({ traceId, service, operation: OP, queries });
}

async function send(): Promise<void> {
  const spans = [...Array.from({ length: 4 }, () => checkout(healthy, 2)), ...Array.from({ length: 4 }, () => checkout(leaky, 12))].flat();
  const res = await fetch(`http://127.0.0.1:${engine.ports.http}/v1/traces`, { method: "POST", body: buildTraceRequest(spans).protobuf, headers: { "content-type": "application/x-protobuf" } });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--window", "1s", "--eval-interval", "1s", "--decision-wait", "200ms"] });
});
afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("pbe CLI", () => {
  it("prints --help for every command with exit 0; an unknown command exits 2", async () => {
    for (const cmd of ["define", "budgets", "compliance", "track", "recommendations", "explain", "mcp"]) {
      const r = await pbe([cmd, "--help"]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain(`Usage: pbe ${cmd}`);
      expect(r.stdout).toContain("--engine URL");
    }
    const top = await pbe(["--help"]);
    for (const cmd of ["define", "budgets", "compliance", "track", "recommendations", "explain", "mcp"]) expect(top.stdout).toMatch(new RegExp(`^  ${cmd}\\s`, "m"));
    const unknown = await pbe(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it("refuses bad flags and arguments with exit 2", async () => {
    expect((await pbe(["compliance"])).code).toBe(2);
    expect((await pbe(["compliance", "a", "b"])).code).toBe(2);
    const flag = await pbe(["budgets", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown flag --colour");
    expect((await pbe(["define"])).stderr).toContain("-f FILE is required");
    const missing = await pbe(["define", "-f", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    expect((await pbe(["explain", "xyz"])).code).toBe(2);
    expect((await pbe(["budgets", "--engine", "ftp://x"])).code).toBe(2);
  });

  it("define --dry-run validates offline", async () => {
    const r = await pbe(["define", "-f", good, "--dry-run", "--engine", "http://127.0.0.1:1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("5 budgets valid (dry run: nothing sent)");
    const json = await pbe(["define", "-f", good, "--dry-run", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, budgets: [{ id: "leaky-p99" }, { id: "leaky-net" }, { id: "leaky-queries" }, { id: "healthy-p99" }, { id: "healthy-queries" }] });
  });

  it("define lists every problem of a bad file with file:line, exits 1 and sends nothing", async () => {
    for (const extra of [["--dry-run"], []]) {
      const r = await pbe(["define", "-f", bad, ...extra]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:6: budgets\\[0\\]\\.threshold: "fast" is not a duration`)),
          expect.stringMatching(/:8: budgets\[1\]\.type: /),
          expect.stringMatching(/:10: budgets\[1\]\.treshold: unknown field; did you mean "threshold"\?/),
        ]),
      );
      expect(lines[lines.length - 1]).toMatch(/^pbe define: \d+ problems in .*bad\.yaml; nothing was (sent|accepted)$/);
    }
    const json = await pbe(["define", "-f", bad, "--json"]);
    const doc = JSON.parse(json.stdout) as { valid: boolean; problems: { line?: number; path: string }[] };
    expect(doc.valid).toBe(false);
    expect(doc.problems).toEqual(expect.arrayContaining([expect.objectContaining({ line: 6, path: "budgets[0].threshold" })]));
    expect((await engine.get("/api/v1/budgets/bad-one")).status).toBe(404);
  });

  it("define sends a good file (parents first), then replaces on a second run", async () => {
    const r = await pbe(["define", "-f", good]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+RESULT\s+TYPE/);
    expect(r.stdout).toMatch(/leaky-p99\s+created\s+latency\.total/);
    expect(r.stdout.indexOf("leaky-p99")).toBeLessThan(r.stdout.indexOf("leaky-net"));
    expect(r.stdout).toMatch(/leaky-net\s+created\s+latency\.network\s+\S+\s+p99\s+50% of leaky-p99/);
    const again = await pbe(["define", "-f", good, "--json"]);
    expect(again.code).toBe(0);
    const results = (JSON.parse(again.stdout) as { results: { id: string; result: string }[] }).results;
    expect(results).toHaveLength(5);
    expect(results.every((x) => x.result === "replaced")).toBe(true);
  });

  it("budgets lists them as a table and as JSON", async () => {
    const r = await pbe(["budgets", "--service", leaky]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+TYPE\s+SERVICE/);
    expect(r.stdout).toMatch(/leaky-queries\s+throughput\.queries\s+\S+\s+POST \/checkout\s+p90\s+5\/trace\s+10s\s+api/);
    expect(r.stdout).not.toContain("healthy-p99");
    const json = await pbe(["budgets", "--json"]);
    const ids = (JSON.parse(json.stdout) as { budgets: { id: string }[] }).budgets.map((b) => b.id);
    expect(ids).toEqual(expect.arrayContaining(["leaky-p99", "leaky-net", "leaky-queries", "healthy-p99", "healthy-queries"]));
  });

  it("compliance exits 0 when every budget is ok and 1 when one is violated", async () => {
    const deadline = Date.now() + 40_000;
    let ok: Run | undefined;
    let violated: Run | undefined;
    for (;;) {
      await send();
      ok = await pbe(["compliance", healthy]);
      violated = await pbe(["compliance", leaky]);
      if (ok.code === 0 && ok.stdout.includes("within budget") && !ok.stdout.includes("no-data") && violated.code === 1 && violated.stdout.includes("violated")) break;
      if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(ok)} ${JSON.stringify(violated)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(ok.stdout).toContain(`${healthy}: 2 budgets within budget`);
    expect(ok.stdout).toMatch(/healthy-p99\s+latency\.total\s+ok\s+120ms\s+500ms\s+24%/);
    expect(violated.stdout).toContain(`${leaky}: 1 of 3 budgets violated`);
    expect(violated.stdout).toMatch(/leaky-queries\s+throughput\.queries\s+violated\s+12 queries\/trace\s+5 queries\/trace\s+240%/);
    expect(violated.stdout).not.toContain("\u001b["); // not a terminal: no colours

    const json = await pbe(["compliance", leaky, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ service: leaky, compliant: false, violated: 1 });
  }, 60_000);

  it("compliance --fail-on-no-data exits 3 while a budget has no data", async () => {
    const file = join(dir, "nodata.yaml");
    writeFileSync(file, `budgets:\n  - { id: quiet-p99, type: latency.total, service: quiet-${tag}, quantile: 0.99, threshold: 1s }\n`);
    expect((await pbe(["define", "-f", file])).code).toBe(0);
    const plain = await pbe(["compliance", `quiet-${tag}`]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("no data yet");
    expect((await pbe(["compliance", `quiet-${tag}`, "--fail-on-no-data"])).code).toBe(3);
  });

  it("an unknown service exits 4 and names the known services", async () => {
    const r = await pbe(["compliance", "no-such-service"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('unknown service "no-such-service"');
    expect(r.stderr).toContain(leaky);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("track shows a sparkline and the trend per budget", async () => {
    const r = await pbe(["track", leaky, "--points", "10"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/BUDGET\s+STATUS\s+NOW\s+THRESHOLD\s+USAGE\s+HISTORY \(last 10\)\s+RANGE\s+STEP\s+TREND \/ FORECAST/);
    const line = r.stdout.split("\n").find((l) => l.startsWith("leaky-queries"))!;
    expect(line).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(line).toContain("12 queries/trace");
    const json = await pbe(["track", leaky, "--json"]);
    const doc = JSON.parse(json.stdout) as { budgets: { budgetId: string; history: { base: unknown[] } }[] };
    expect(doc.budgets.find((b) => b.budgetId === "leaky-queries")!.history.base.length).toBeGreaterThan(0);
    expect((await pbe(["track", leaky, "--points", "3"])).code).toBe(2);
  });

  it("recommendations prints them with evidence; --json parses", async () => {
    const r = await pbe(["recommendations", leaky]);
    expect(r.code).toBe(0);
    const json = await pbe(["recommendations", leaky, "--json"]);
    const doc = JSON.parse(json.stdout) as { service: string; recommendations: { title: string }[] };
    expect(doc.service).toBe(leaky);
    if (doc.recommendations.length === 0) expect(r.stdout).toContain("no recommendations");
    else {
      expect(r.stdout).toContain(`${doc.recommendations.length} recommendation`);
      expect(r.stdout).toContain("evidence:");
    }
  });

  it("explain renders a trace's critical path; an unknown trace exits 4", async () => {
    const id = traces[0]!;
    const r = await pbe(["explain", id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`trace ${id}: journey ${healthy} ${OP}`);
    expect(r.stdout).toContain("total 120ms = processing 110ms (91.7%) + network 10ms (8.3%)");
    expect(r.stdout).toMatch(/payment\s+50ms\s+41\.7%\s+█/);
    expect(r.stdout).toMatch(/Critical path \(\d+ segments\):/);
    const json = await pbe(["explain", id, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ traceId: id, durationNs: 120_000_000, networkNs: 10_000_000 });
    const unknown = await pbe(["explain", "0123456789abcdef0123456789abcdef"]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("0123456789abcdef0123456789abcdef");
  });

  it("an unreachable engine is one clear line and exit 4", async () => {
    const closed = await closedPort();
    for (const args of [["budgets"], ["compliance", healthy], ["define", "-f", good]]) {
      const r = await pbe([...args, "--engine", `http://127.0.0.1:${closed}`, "--timeout", "3s"]);
      expect(r.code, args.join(" ")).toBe(4);
      expect(r.stderr).toMatch(new RegExp(`^pbe \\w+: cannot reach the engine at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(is the engine running\\?`));
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });
});

describe("pbe CLI with API tokens", () => {
  let secured: EngineProcess;
  beforeAll(async () => {
    secured = await startEngineProcess({ env: { PBE_API_TOKEN: "cli-admin", PBE_API_TOKENS: "cli-reader:read" } });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it("sends --token / PBE_API_TOKEN; a missing token or a read token fails with exit 4 and a hint", async () => {
    const none = await pbe(["budgets", "--engine", secured.api]);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain("--token or PBE_API_TOKEN");
    expect((await pbe(["budgets", "--engine", secured.api, "--token", "cli-reader"])).code).toBe(0);
    const reader = await pbe(["define", "-f", good, "--engine", secured.api], { PBE_API_TOKEN: "cli-reader" });
    expect(reader.code).toBe(4);
    expect(reader.stderr).toContain("admin role");
    const admin = await pbe(["define", "-f", good, "--engine", secured.api], { PBE_API_TOKEN: "cli-admin" });
    expect(admin.code).toBe(0);
  });
});
