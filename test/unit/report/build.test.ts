// buildReportData from real in-memory objects: a tracker fed with attributions (as the engine feeds
// it), its track entries and trends, the attributions as the ring holds them.
import { describe, expect, it } from "vitest";
import { Catalogue } from "../../../src/engine/index.js";
import { trendOf } from "../../../src/api/index.js";
import { buildReportData, type ReportInput, type TrackedBudget } from "../../../src/report/index.js";
import type { Attribution } from "../../../src/attribution/index.js";
import { budget, makeAttribution, setup, T0 } from "../evaluate/helpers.js";

const S = 1000;
const defs = [
  { id: "checkout-p99", type: "latency.total", service: "frontend", operation: "POST /checkout", quantile: 0.99, threshold: "300ms", window: "1m", target: 0.99, labels: { team: "shop" }, title: "Checkout" },
  { id: "payment-mean", type: "latency.component", service: "frontend", operation: "POST /checkout", component: "payment", aggregate: "mean", threshold: "100ms", window: "1m" },
  { id: "inventory-p90", type: "latency.total", service: "inventory", quantile: 0.9, threshold: "50ms", window: "1m" },
];

function scenario() {
  const { tables, tracker } = setup(defs, { baseMs: 10 * S });
  const ring: Attribution[] = [];
  const catalogue = new Catalogue();
  const feed = (spec: Parameters<typeof makeAttribution>[1], at: number) => {
    const a = makeAttribution(tables, spec);
    a.startHi = Math.floor((at * 1e6) / 4294967296);
    a.startLo = (at * 1e6) % 4294967296;
    tracker.onTrace(a, at);
    ring.push(a);
    catalogue.observe(a, at);
  };
  // 60 s of checkouts: payment 100 → 218 ms (slowing), frontend 50 ms, network 10 ms; a few carts.
  for (let i = 0; i < 60; i++) {
    feed({ service: "frontend", operation: "POST /checkout", components: { frontend: 50, payment: 100 + i * 2, postgresql: 20 }, edges: { "frontend->payment": 10 } }, T0 + i * S);
    if (i % 10 === 0) feed({ service: "frontend", operation: "GET /cart", components: { frontend: 30 }, edges: {} }, T0 + i * S);
  }
  const now = T0 + 60 * S;
  const budgets = defs.map(budget);
  const tracks = (service: string): TrackedBudget[] =>
    tracker.track(service, now).map((t) => ({ ...t, trend: trendOf(t, budgets.find((b) => b.id === t.budgetId), now, 7 * 24 * 3_600_000) }));
  const input: ReportInput = {
    nowMs: now,
    version: "9.9.9",
    forecastHorizonMs: 7 * 24 * 3_600_000,
    budgets,
    catalogue: catalogue.toJson(tables.strings),
    tracks: [...tracks("frontend"), ...tracks("inventory")],
    attributions: ring,
    strings: tables.strings,
  };
  return { input, now };
}

describe("buildReportData", () => {
  it("gathers services, budgets (violated first) with evaluations, history and trends", () => {
    const { input, now } = scenario();
    const data = buildReportData(input);
    expect(data).toMatchObject({ schema: "pbe.report.v1", generatedAtMs: now, generatedAt: new Date(now).toISOString(), engine: { version: "9.9.9" }, scope: {}, recommendationsAvailable: false });
    expect(data.services.map((s) => s.service)).toEqual(["frontend", "inventory"]);
    const frontend = data.services[0];
    // payment mean over the last minute ≈ 159ms > 100ms: violated, listed first.
    expect(frontend.budgets.map((b) => [b.budgetId, b.evaluation.status])).toEqual([
      ["payment-mean", "violated"],
      ["checkout-p99", "ok"],
    ]);
    const p99 = frontend.budgets[1];
    expect(p99).toMatchObject({ measure: "p99 latency", title: "Checkout", labels: { team: "shop" }, target: 0.99, direction: "max", window: "1m", operation: "POST /checkout" });
    expect(p99.evaluation.burnRates).toHaveLength(4);
    expect(p99.history.resolution).toBe("base");
    expect(p99.history.stepMs).toBe(10 * S);
    expect(p99.history.points.length).toBeGreaterThanOrEqual(6);
    expect(p99.history.points[0].observed).not.toBeNull(); // leading empty windows trimmed
    const pay = frontend.budgets[0];
    expect(pay.component).toBe("payment");
    expect(pay.trend?.slopePerHour).toBeGreaterThan(0); // payment slows down
    expect(data.services[1]).toMatchObject({ service: "inventory", journeys: [], budgets: [{ budgetId: "inventory-p90", evaluation: { status: "no-data" } }] });
    expect(data.services[1].lastSeen).toBeUndefined();
    expect(data.summary).toEqual({ services: 2, budgets: 3, ok: 1, violated: 1, noData: 1, recommendations: 0 });
  });

  it("journeys: mean attributed latency per component and edge over the recent traces, most traces first", () => {
    const { input } = scenario();
    const [checkout, cart] = buildReportData(input).services[0].journeys;
    expect(checkout).toMatchObject({ service: "frontend", operation: "POST /checkout", traces: 60, fromMs: T0, toMs: T0 + 59 * S });
    // payment: mean of 100 + 2i over i < 60 = 159.
    expect(checkout.segments).toEqual([
      { category: "processing", name: "payment", meanMs: expect.closeTo(159, 9) },
      { category: "processing", name: "frontend", meanMs: expect.closeTo(50, 9) },
      { category: "processing", name: "postgresql", meanMs: expect.closeTo(20, 9) },
      { category: "network", name: "frontend->payment", meanMs: expect.closeTo(10, 9) },
    ]);
    expect(checkout.meanDurationMs).toBeCloseTo(239, 9);
    expect(checkout.meanProcessingMs + checkout.meanNetworkMs).toBeCloseTo(checkout.meanDurationMs, 9);
    expect(cart).toMatchObject({ operation: "GET /cart", traces: 6, meanDurationMs: expect.closeTo(30, 9), meanNetworkMs: 0 });
  });

  it("limits journeys and segments, summing the rest into `other`", () => {
    const { input } = scenario();
    const data = buildReportData({ ...input, limits: { journeysPerService: 1, segmentsPerCategory: 2 } });
    const s = data.services[0];
    expect(s.journeys.map((j) => j.operation)).toEqual(["POST /checkout"]);
    expect(s.journeysOmitted).toBe(1);
    expect(s.journeys[0].segments.map((x) => [x.name, x.other ?? false])).toEqual([
      ["payment", false],
      ["frontend", false],
      ["other", true],
      ["frontend->payment", false],
    ]);
    expect(s.journeys[0].segments[2].meanMs).toBeCloseTo(20, 9);
  });

  it("a service scope keeps only that service; recommendations per service when the engine has them", () => {
    const { input } = scenario();
    const recs = new Map([["inventory", [{ kind: "threshold-too-loose", severity: "info", service: "inventory", title: "t", message: "m", evidence: { p90: 12 } }]]]);
    const data = buildReportData({ ...input, service: "inventory", recommendations: recs });
    expect(data.scope).toEqual({ service: "inventory" });
    expect(data.services.map((s) => s.service)).toEqual(["inventory"]);
    expect(data.services[0].recommendations).toHaveLength(1);
    expect(data.recommendationsAvailable).toBe(true);
    expect(data.summary).toMatchObject({ services: 1, budgets: 1, recommendations: 1 });
  });

  it("a service with journeys but no budget is listed with its journeys", () => {
    const { input } = scenario();
    const data = buildReportData({ ...input, budgets: [], tracks: [] });
    expect(data.services.map((s) => [s.service, s.budgets.length, s.journeys.length])).toEqual([["frontend", 0, 2]]);
  });
});
