// History and budgets survive a restart: windows are checkpointed to SQLite (and at SIGTERM),
// and restored at start.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTraceRequest } from "../helpers/otlp.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-restart-"));
const dataDir = join(dir, "data");
const budgets = join(dir, "budgets.yaml");
writeFileSync(budgets, `budgets:\n  - { id: api-mean, type: latency.total, service: api, aggregate: mean, threshold: 1s, window: 1h }\n`);
let engine: EngineProcess | undefined;

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const start = () => startEngineProcess({ dataDir, args: ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "100ms", "--checkpoint-interval", "1s"] });

describe("restart", () => {
  it("keeps budgets and window history", async () => {
    engine = await start();
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const spans = [1, 2, 3].map((i) => ({ traceId: `restart-${i}`, spanId: "r", service: "api", name: "GET /x", kind: "server" as const, startNs: t0, endNs: t0 + BigInt(i * 100) * 1_000_000n }));
    const res = await fetch(`http://127.0.0.1:${engine.ports.http}/v1/traces`, { method: "POST", body: buildTraceRequest(spans).protobuf, headers: { "content-type": "application/x-protobuf" } });
    expect(res.status).toBe(200);
    const observed = async () => {
      const r = await engine!.get("/api/v1/services/api/compliance");
      const b = (r.body as { budgets: { budgetId: string; observed: number | null; samples: number }[] }).budgets.find((x) => x.budgetId === "api-mean");
      return b && b.samples === 3 ? b.observed : undefined;
    };
    expect(await eventually(observed)).toBe(200);
    expect(await engine.stop()).toBe(0);

    engine = await start();
    // Same observed mean over the 1 h window, from restored history, without new traffic.
    expect(await eventually(observed, 5000)).toBe(200);
    const logs = engine.logs.find((l) => l.msg === "history restored") as { windows: number };
    expect(logs.windows).toBeGreaterThan(0);
  });
});
