// Issue "Resource and cost budgets…", end to end: the real server process receives OTLP traces
// (checkouts with an N+1 pattern and, in one of five, a slow payment) and OTLP metrics
// (`process.cpu.time` rising 0.2 s per second = 0.2 cores, `process.memory.usage` 512MiB). Cost
// budgets evaluate to the hand-computed figures; the recommendations route names the N+1
// statement, the slow component and the over-provisioned resources with their savings.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeMetricsRequest, type IExportMetricsServiceRequest } from "../../src/otlp/index.js";
import { buildTraceRequest, checkoutTrace, type SpanSpec } from "../helpers/otlp.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-recommendations-"));
const budgets = join(dir, "budgets.yaml");
const service = `shop-${process.pid}-${Date.now()}`;
const STATEMENT = "SELECT * FROM items WHERE id = ?";
const MiB = 2 ** 20;
writeFileSync(
  budgets,
  `budgets:
  - { id: checkout-p90, type: latency.total, service: ${service}, operation: POST /checkout, quantile: 0.9, threshold: 300ms, window: 10s }
  - { id: queries-per-checkout, type: throughput.queries, per: trace, service: ${service}, operation: POST /checkout, quantile: 0.9, threshold: 5, window: 10s }
  - { id: shop-cpu, type: resource.cpu, service: ${service}, quantile: 0.95, threshold: 2, window: 10s }
  - { id: shop-memory, type: resource.memory, service: ${service}, quantile: 0.95, threshold: 4GiB, window: 10s }
  - { id: shop-hourly, type: cost.resource, service: ${service}, threshold: 0.05, window: 10s }
  - { id: shop-monthly, type: cost.infrastructure, service: ${service}, threshold: 5, window: 10s }
  - { id: shop-per-1k, type: cost.performance, per: 1000-requests, service: ${service}, threshold: 0.01, window: 10s }
  - { id: shop-optimized, type: cost.optimization, service: ${service}, threshold: 10, window: 10s }
`,
);

let engine: EngineProcess;
const timers: NodeJS.Timeout[] = [];
let tracesSent = 0;
let firstTraceMs = 0;
const failures: string[] = [];

let seq = 0;
/**
 * One checkout: frontend → payment (50ms, or 400ms when slow), then 12 queries of the same
 * statement (one per item: N+1). Fast: 120ms; slow: 470ms.
 */
function checkout(slow: boolean): SpanSpec[] {
  return checkoutTrace({ traceId: `t-${service}-${seq++}`, service, paymentMs: slow ? 400 : 50, queries: 12, queryName: "SELECT items", statement: STATEMENT });
}

async function post(path: string, body: Uint8Array): Promise<void> {
  try {
    const res = await fetch(`http://127.0.0.1:${engine.ports.http}${path}`, { method: "POST", body, headers: { "content-type": "application/x-protobuf" } });
    if (res.status !== 200) failures.push(`${path}: ${res.status}`);
  } catch (err) {
    failures.push(`${path}: ${String(err)}`);
  }
}

/** Four fast checkouts and a slow one. */
async function sendTraces(): Promise<void> {
  const spans = [false, false, false, false, true].flatMap(checkout);
  if (firstTraceMs === 0) firstTraceMs = Date.now();
  tracesSent += 5;
  await post("/v1/traces", buildTraceRequest(spans).protobuf);
}

const metricsStartMs = Date.now();
/** process.cpu.time (cumulative, 0.2 s of CPU per second since the start) and process.memory.usage (512MiB). */
async function sendMetrics(): Promise<void> {
  const nowMs = Date.now();
  const timeUnixNano = (BigInt(nowMs) * 1_000_000n).toString();
  const req = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }, { key: "service.instance.id", value: { stringValue: "i-1" } }] },
        scopeMetrics: [
          {
            scope: { name: "e2e" },
            metrics: [
              {
                name: "process.cpu.time",
                unit: "s",
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [{ key: "cpu.mode", value: { stringValue: "user" } }],
                      startTimeUnixNano: (BigInt(metricsStartMs) * 1_000_000n).toString(),
                      timeUnixNano,
                      asDouble: (0.2 * (nowMs - metricsStartMs)) / 1000,
                    },
                  ],
                },
              },
              { name: "process.memory.usage", unit: "By", gauge: { dataPoints: [{ timeUnixNano, asInt: 512 * MiB }] } },
            ],
          },
        ],
      },
    ],
  } as unknown as IExportMetricsServiceRequest;
  await post("/v1/metrics", encodeMetricsRequest(req));
}

type Compliance = Record<string, { status: string; observed: number | null; threshold: number | null; unit: string }>;
async function compliance(): Promise<Compliance> {
  const r = await engine.get(`/api/v1/services/${encodeURIComponent(service)}/compliance`);
  const body = r.body as { budgets: Array<{ budgetId: string; status: string; observed: number | null; threshold: number | null; unit: string }> };
  return Object.fromEntries(body.budgets.map((b) => [b.budgetId, b]));
}

interface Rec {
  kind: string;
  severity: string;
  service: string;
  budgetId?: string;
  title: string;
  message: string;
  evidence: Record<string, unknown> & { traceIds?: string[] };
  proposal?: Record<string, unknown>;
}
async function recommendations(): Promise<{ status: number; body: { service: string; at: string; recommendations: Rec[] } }> {
  const r = await engine.get(`/api/v1/services/${encodeURIComponent(service)}/recommendations`);
  return r as { status: number; body: { service: string; at: string; recommendations: Rec[] } };
}

const close = (a: number | null | undefined, b: number, digits = 9) => a !== null && a !== undefined && Math.abs(a - b) < 10 ** -digits;

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "200ms"] });
  await sendMetrics();
  timers.push(setInterval(() => void sendMetrics(), 500));
  timers.push(setInterval(() => void sendTraces(), 250));
});
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("cost budgets and recommendations, end to end", () => {
  it("evaluates the cost budgets with the hand-computed figures", async () => {
    // Per hour: 0.2 cores × $0.04 + 0.5 GiB × $0.005 = 0.008 + 0.0025 = $0.0105; per month × 730 = $7.665.
    // Right-sized (p95 0.2 cores < 30 % of 2 → 0.24; 512MiB < 30 % of 4GiB → 620MiB):
    //   0.24 × 0.04 × 730 + 620/1024 × 0.005 × 730 = 7.008 + 2.2099609375 = $9.2179609375 a month.
    // (Early ticks, before the first CPU rate or six samples, leave the 10 s windows after 10 s.)
    const c = await eventually(
      async () => {
        const got = await compliance();
        return close(got["shop-hourly"]?.observed, 0.0105) && close(got["shop-monthly"]?.observed, 7.665) && close(got["shop-optimized"]?.observed, 9.2179609375) ? got : undefined;
      },
      45_000,
      500,
    );
    expect(c["shop-hourly"]).toMatchObject({ status: "ok", threshold: 0.05, unit: "USD" });
    expect(c["shop-monthly"]).toMatchObject({ status: "violated", threshold: 5 });
    expect(c["shop-optimized"]).toMatchObject({ status: "ok", threshold: 10 });
    // Per 1000 requests: $0.0105 / (requests/s × 3600) × 1000, requests = the shop's SERVER spans
    // (one per checkout). The test sends 20 checkouts a second; the engine's rate is over the time
    // it observed, so allow ±35 % for timers and start-up.
    const rps = (tracesSent * 1000) / (Date.now() - firstTraceMs);
    const expected = (0.0105 / (rps * 3600)) * 1000;
    const perK = c["shop-per-1k"]!.observed!;
    expect(perK).toBeGreaterThan(expected * 0.65);
    expect(perK).toBeLessThan(expected * 1.35);
    expect(c["shop-per-1k"]!.status).toBe("ok");
    expect(failures).toEqual([]);
  }, 60_000);

  it("recommends fixing the N+1 statement, looking at the slow component, and right-sizing with the savings", async () => {
    const r = await eventually(
      async () => {
        const got = await recommendations();
        const kinds = new Set(got.body.recommendations.map((x) => x.kind));
        return ["n-plus-one", "violation-driver", "over-provisioned"].every((k) => kinds.has(k)) && got.body.recommendations.filter((x) => x.kind === "over-provisioned").length === 2 ? got : undefined;
      },
      30_000,
      500,
    );
    expect(r.status).toBe(200);
    expect(r.body.service).toBe(service);
    expect(Math.abs(Date.parse(r.body.at) - Date.now())).toBeLessThan(60_000);
    const recs = r.body.recommendations;

    const n1 = recs.find((x) => x.kind === "n-plus-one")!;
    expect(n1).toMatchObject({ severity: "critical", budgetId: "queries-per-checkout", operation: "POST /checkout" });
    expect(n1.evidence).toMatchObject({ statement: STATEMENT, maxPerTrace: 12, minPerTrace: 12, meanPerTrace: 12, queriesPerTrace: 12, threshold: 5 });
    expect(n1.evidence.traceIds!.length).toBeGreaterThan(0);
    expect(n1.evidence.traceIds!.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(n1.message).toContain(STATEMENT);
    // A trace id given as evidence is one the trace API explains.
    expect((await engine.get(`/api/v1/traces/${n1.evidence.traceIds![0]}`)).status).toBe(200);

    const driver = recs.find((x) => x.kind === "violation-driver")!;
    expect(driver).toMatchObject({ severity: "critical", budgetId: "checkout-p90" });
    expect(driver.evidence.component).toBe("payment");
    // Over budget: payment 400 of 470ms; within: 50 of 120ms.
    expect(driver.evidence.badShare as number).toBeCloseTo(400 / 470, 2);
    expect(driver.evidence.goodShare as number).toBeCloseTo(50 / 120, 2);
    expect(driver.evidence.violatingTraces as number).toBeGreaterThanOrEqual(3);
    expect(driver.evidence.traceIds!.length).toBeGreaterThan(0);

    const cpu = recs.find((x) => x.kind === "over-provisioned" && x.budgetId === "shop-cpu")!;
    // 0.2 cores of 2: right-size to 0.24; (2 − 0.24) × 0.04 × 730 = $51.392 a month.
    expect(cpu.evidence.p95 as number).toBeCloseTo(0.2, 9);
    expect(cpu.evidence.savingsPerMonth as number).toBeCloseTo(51.392, 6);
    expect(cpu.proposal).toMatchObject({ resource: "cpu", threshold: 0.24, currency: "USD" });
    expect(cpu.message).toContain("$51.39");
    const memory = recs.find((x) => x.kind === "over-provisioned" && x.budgetId === "shop-memory")!;
    // 512MiB of 4GiB: right-size to 620MiB; (4 − 620/1024) × 0.005 × 730 = $12.3900390625 a month.
    expect(memory.evidence.savingsPerMonth as number).toBeCloseTo(12.3900390625, 6);
    expect(memory.proposal).toMatchObject({ resource: "memory", threshold: 620 * MiB, thresholdText: "620MiB" });

    // Ordered by severity, then kind.
    const rank = { critical: 0, warning: 1, info: 2 } as Record<string, number>;
    for (let i = 1; i < recs.length; i++) {
      const a = recs[i - 1]!;
      const b = recs[i]!;
      expect(rank[a.severity]! < rank[b.severity]! || (a.severity === b.severity && a.kind <= b.kind)).toBe(true);
    }
  }, 45_000);

  it("answers 404 for an unknown service", async () => {
    const r = await engine.get("/api/v1/services/nope-never-seen/recommendations");
    expect(r.status).toBe(404);
    expect((r.body as { error: { code: string } }).error.code).toBe("not_found");
  });
});
