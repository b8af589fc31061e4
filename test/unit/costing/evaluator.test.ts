// CostEvaluator with a real tracker: values computed at the tick, observed, then evaluated like
// any budget, with the figures of a hand computation.
import { describe, expect, it } from "vitest";
import { CostEvaluator } from "../../../src/costing/index.js";
import { GIB } from "../../../src/cost/index.js";
import type { ResourceSample } from "../../../src/resource/index.js";
import { setup, T0, makeAttribution } from "../evaluate/helpers.js";

const PRICES = { coreHour: 0.04, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 };
const S = 1000;

const BUDGETS = [
  { id: "api-hourly", type: "cost.resource", service: "api", threshold: 0.05 },
  { id: "api-monthly", type: "cost.infrastructure", service: "api", threshold: 20 },
  { id: "api-per-1k", type: "cost.performance", service: "api", per: "1000-requests", threshold: 0.001 },
  { id: "checkout-per-request", type: "cost.performance", service: "api", operation: "POST /checkout", per: "request", threshold: 0.00001 },
  { id: "api-optimized", type: "cost.optimization", service: "api", threshold: 30 },
  { id: "api-cpu", type: "resource.cpu", service: "api", quantile: 0.95, threshold: 2 },
  { id: "idle-hourly", type: "cost.resource", service: "idle", threshold: 1 },
];

/** 5 minutes of api: 0.5 cores and 2 GiB sampled every 10 s; a checkout trace every second with 10 SERVER spans of api. */
function run() {
  const s = setup(BUDGETS);
  const samples: ResourceSample[] = [];
  const costs = new CostEvaluator({ tracker: s.tracker, strings: s.tables.strings, prices: PRICES, currency: "USD", samplesOf: (svc) => samples.filter((x) => x.service === svc) });
  for (let t = 0; t < 300; t++) {
    const now = T0 + t * S;
    const a = makeAttribution(s.tables, { service: "api", operation: "POST /checkout", services: { api: { requests: 10 } } });
    s.tracker.onTrace(a, now);
    costs.onTrace(a, now);
    if (t % 10 === 0) {
      samples.push({ service: "api", instance: "i-1", resource: "cpu", value: 0.5, timeMs: now, metric: "process.cpu.time" });
      samples.push({ service: "api", instance: "i-1", resource: "memory", value: 2 * GIB, timeMs: now, metric: "process.memory.usage" });
      s.tracker.observe("api-cpu", 0.5, now); // as the resource router does
    }
  }
  return { ...s, costs };
}

describe("CostEvaluator", () => {
  it("computes each cost budget at the tick and the tracker evaluates it", () => {
    const { costs, tracker } = run();
    // Between window boundaries, as the evaluation loop's ticks are (a value observed exactly on
    // a boundary counts from the next evaluation on).
    const now = T0 + 300 * S + 500;
    const figures = costs.tick(now);
    expect(figures.map((f) => f.budgetId)).toEqual(["api-hourly", "api-monthly", "api-per-1k", "checkout-per-request", "api-optimized", "idle-hourly"]);
    const byId = Object.fromEntries(tracker.evaluate(now).evaluations.map((e) => [e.budgetId, e]));
    // Hourly: 0.5 × 0.04 + 2 × 0.005 = 0.03; monthly × 730 = 21.9 (over 20: violated).
    expect(byId["api-hourly"]).toMatchObject({ status: "ok", samples: 1, unit: "USD" });
    expect(byId["api-hourly"]!.observed).toBeCloseTo(0.03, 12);
    expect(byId["api-monthly"]!.status).toBe("violated");
    expect(byId["api-monthly"]!.observed).toBeCloseTo(21.9, 12);
    // Usage: the samples of (now − 5 min, now]: 10 s … 290 s, still 0.5 cores and 2 GiB.
    expect(figures[0]!.usage).toMatchObject({ cores: 0.5, memoryBytes: 2 * GIB, samples: 58 });
    // Requests: 300 traces × 10 api SERVER spans over the 300.5 s observed since the first trace
    // (the interval's cut, aligned down to a second, is the first trace's time T0):
    // 9.983… requests/s; per 1000: 0.03 / (rps × 3600) × 1000.
    const rps = 3000 / 300.5;
    expect(figures[2]!.requestsPerSec).toBeCloseTo(rps, 12);
    expect(byId["api-per-1k"]!.observed).toBeCloseTo((0.03 / (rps * 3600)) * 1000, 15);
    // One checkout a second (300 over 300.5 s): 0.03 / (checkouts/s × 3600) per checkout.
    expect(figures[3]!.requestsPerSec).toBeCloseTo(300 / 300.5, 12);
    expect(byId["checkout-per-request"]!.observed).toBeCloseTo(0.03 / ((300 / 300.5) * 3600), 15);
    // Right-sized: cpu p95 0.5 < 0.3 × 2 → 0.6 cores; memory has no budget: its 2 GiB used.
    // 0.6 × 0.04 × 730 + 2 × 0.005 × 730 = 17.52 + 7.3 = 24.82 ≤ 30: ok.
    expect(figures[4]!.rightSizes?.map((r) => r.budgetId)).toEqual(["api-cpu"]);
    expect(figures[4]!.capacity?.before.cores).toBe(2);
    expect(byId["api-optimized"]!.status).toBe("ok");
    expect(byId["api-optimized"]!.observed).toBeCloseTo(24.82, 10);
    // A service without samples: no observation, no data.
    expect(figures[5]!.value).toBeNull();
    expect(byId["idle-hourly"]).toMatchObject({ status: "no-data", observed: null, samples: 0 });
    expect(costs.stats).toEqual({ ticks: 1, observations: 5, noData: 1 });
  });

  it("each tick adds one value; the budget's statistic is their mean over its window", () => {
    const { costs, tracker } = run();
    costs.tick(T0 + 300 * S + 500);
    costs.tick(T0 + 310 * S + 500);
    const e = tracker.evaluate(T0 + 310 * S + 500).evaluations.find((x) => x.budgetId === "api-hourly")!;
    expect(e.samples).toBe(2);
    expect(e.observed).toBeCloseTo(0.03, 12);
  });

  it("takes usage from the last interval only", () => {
    const { costs } = run();
    // 10 minutes later: every sample is older than the 5-minute interval.
    const later = costs.tick(T0 + 900 * S);
    expect(later.every((f) => f.value === null)).toBe(true);
    expect(costs.intervalMs).toBe(5 * 60 * S);
  });

  it("follows budget changes: a cost.performance budget added later counts from then on", () => {
    const { costs, tracker, tables } = run();
    tracker.setBudgets([...tracker.getBudgets().filter((b) => b.id !== "api-per-1k")]);
    const now = T0 + 300 * S;
    expect(costs.tick(now).some((f) => f.budgetId === "api-per-1k")).toBe(false);
    // Re-adding it: counting restarts from the next trace.
    tracker.setBudgets([...tracker.getBudgets(), ...setup([BUDGETS[2]!]).tracker.getBudgets()]);
    for (let t = 300; t < 310; t++) costs.onTrace(makeAttribution(tables, { service: "api", operation: "POST /checkout", services: { api: { requests: 2 } } }), T0 + t * S);
    const f = costs.tick(T0 + 310 * S).find((x) => x.budgetId === "api-per-1k")!;
    expect(f.requestsPerSec).toBeCloseTo(2, 12);
  });
});
