// Issue "Budgets", end to end: budgets for a journey's p99, a component, the network and
// queries per trace; traffic that violates only the queries budget (an N+1 pattern), then
// recovers. The real server process, real NATS: exactly one incident, firing then resolved.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildTraceRequest, checkoutTrace, type SpanSpec } from "../helpers/otlp.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-lifecycle-"));
const budgets = join(dir, "budgets.yaml");
const service = `shop-${process.pid}-${Date.now()}`;
writeFileSync(
  budgets,
  `budgets:
  - { id: checkout-p99, type: latency.total, service: ${service}, operation: POST /checkout, quantile: 0.99, threshold: 500ms, window: 10s, target: 0.99 }
  - { id: payment-p95, type: latency.component, service: ${service}, operation: POST /checkout, component: payment, quantile: 0.95, threshold: 200ms, window: 10s }
  - { id: network-p95, type: latency.network, service: ${service}, operation: POST /checkout, quantile: 0.95, threshold: 100ms, window: 10s }
  - { id: queries-per-checkout, type: throughput.queries, per: trace, service: ${service}, operation: POST /checkout, quantile: 0.9, threshold: 5, window: 10s }
`,
);

let engine: EngineProcess;
let nc: NatsConnection;
const received: Record<string, unknown>[] = [];

beforeAll(async () => {
  const natsUrl = inject("natsUrl");
  nc = await connect({ servers: natsUrl });
  const sub = nc.subscribe(`pbe.alert.${service.replace(/[^A-Za-z0-9_-]/g, "_")}.>`);
  void (async () => {
    for await (const m of sub) received.push(m.json());
  })();
  engine = await startEngineProcess({
    args: ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "200ms", "--nats", natsUrl],
  });
});
afterAll(async () => {
  await engine?.stop();
  await nc?.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
/** One checkout trace: frontend → payment (network 10 ms), `queries` database calls in the frontend. */
function checkout(queries: number): SpanSpec[] {
  return checkoutTrace({ traceId: `t-${service}-${seq++}`, service, queries, statement: "SELECT * FROM items WHERE id = ?" });
}

async function send(queries: number, traces = 5): Promise<void> {
  const spans = Array.from({ length: traces }, () => checkout(queries)).flat();
  const res = await fetch(`http://127.0.0.1:${engine.ports.http}/v1/traces`, { method: "POST", body: buildTraceRequest(spans).protobuf, headers: { "content-type": "application/x-protobuf" } });
  expect(res.status).toBe(200);
}

async function compliance(): Promise<Record<string, { status: string; observed: number | null; burnRates?: unknown[]; usage: number | null }>> {
  const r = await engine.get(`/api/v1/services/${encodeURIComponent(service)}/compliance`);
  const body = r.body as { budgets: { budgetId: string; status: string; observed: number | null; burnRates?: unknown[]; usage: number | null }[] };
  return Object.fromEntries(body.budgets.map((b) => [b.budgetId, b]));
}

/** Sends traffic every 200 ms until `until` holds (checked each second). */
async function drive(queries: number, until: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    await send(queries);
    if (Date.now() - last > 1000) {
      last = Date.now();
      if (await until()) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("condition not reached in time");
}

/** Every message of PBE_ALERTS on `subject`, oldest first (an ephemeral pull consumer). */
async function streamMessages(subject: string): Promise<Record<string, unknown>[]> {
  const jsm = await jetstreamManager(nc);
  const name = `t_${randomUUID().replace(/-/g, "")}`;
  await jsm.consumers.add("PBE_ALERTS", { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, filter_subject: subject, inactive_threshold: nanos(60_000) });
  try {
    const c = await jetstream(nc).consumers.get("PBE_ALERTS", name);
    const pending = (await c.info()).num_pending;
    const out: Record<string, unknown>[] = [];
    if (pending === 0) return out;
    for await (const m of (await c.fetch({ max_messages: pending, expires: 5000 })) as AsyncIterable<JsMsg>) {
      out.push(m.json<Record<string, unknown>>());
      if (out.length === pending) break;
    }
    return out;
  } finally {
    await jsm.consumers.delete("PBE_ALERTS", name).catch(() => undefined);
  }
}

describe("budget lifecycle", () => {
  it("is ok on healthy traffic, fires one incident on an N+1 pattern, and resolves it on recovery", async () => {
    // Healthy: 2 queries per checkout; latency 120 ms, payment 50 ms, network 10 ms.
    await drive(2, async () => Object.values(await compliance()).every((b) => b.status === "ok"));
    const ok = await compliance();
    expect(ok["checkout-p99"].observed).toBe(120);
    expect(ok["payment-p95"].observed).toBe(50);
    expect(ok["network-p95"].observed).toBe(10);
    expect(ok["queries-per-checkout"].observed).toBe(2);
    expect(ok["checkout-p99"].burnRates).toHaveLength(4);

    // The cart starts an N+1 pattern: 12 queries per checkout.
    await drive(12, async () => (await compliance())["queries-per-checkout"].status === "violated");
    const bad = await compliance();
    expect(bad["queries-per-checkout"].observed).toBe(12);
    expect(bad["queries-per-checkout"].usage).toBeCloseTo(12 / 5, 10);
    // Only that budget is violated.
    for (const id of ["checkout-p99", "payment-p95", "network-p95"]) expect(bad[id].status).toBe("ok");
    await eventually(async () => (received.some((e) => e.state === "firing") ? true : undefined), 10_000);

    // Recovery: back to 2 queries; the bad traces leave the 10 s window, then 3 ok evaluations.
    await drive(2, async () => received.some((e) => e.state === "resolved"), 40_000);
    const firing = received.filter((e) => e.state === "firing");
    const resolved = received.filter((e) => e.state === "resolved");
    expect(firing).toHaveLength(1);
    expect(resolved).toHaveLength(1);
    expect(firing[0]).toMatchObject({ schema: "pbe.alert.v1", budgetId: "queries-per-checkout", service, type: "throughput.queries", threshold: 5, unit: "queries/trace" });
    expect(resolved[0].id).toBe(firing[0].id);
    expect(String(firing[0].summary).length).toBeGreaterThan(10);
    // The same two events are in the JetStream stream PBE_ALERTS, once each (de-duplicated by id).
    const subject = `pbe.alert.${service.replace(/[^A-Za-z0-9_-]/g, "_")}.queries-per-checkout`;
    const stored = await eventually(async () => {
      const m = await streamMessages(subject);
      return m.length >= 2 ? m : undefined;
    }, 10_000);
    expect(stored.map((m) => m.state)).toEqual(["firing", "resolved"]);
    expect(stored.map((m) => m.id)).toEqual([firing[0].id, firing[0].id]);
    // The alert history is also in the store, behind the API's engine.
    const stats = (await engine.get("/api/v1/stats")).body as { evaluation: { alertsFired: number; alertsResolved: number } };
    expect(stats.evaluation).toMatchObject({ alertsFired: 1, alertsResolved: 1 });
  }, 120_000);

  it("tracks history per budget", async () => {
    const r = await engine.get(`/api/v1/services/${encodeURIComponent(service)}/track`);
    expect(r.status).toBe(200);
    const body = r.body as { budgets: { budgetId: string; history: { base: { observed: number | null }[] }; trend?: { status: string } }[] };
    const q = body.budgets.find((b) => b.budgetId === "queries-per-checkout")!;
    const observed = q.history.base.map((p) => p.observed).filter((v) => v !== null);
    expect(observed).toContain(12);
    expect(observed).toContain(2);
    expect(q.trend?.status).toBeDefined();
  });

  it("answers 404 for an unknown service", async () => {
    expect((await engine.get("/api/v1/services/nope-never-seen/compliance")).status).toBe(404);
  });
});
