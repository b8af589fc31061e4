// Rules on facts built in code: rounding of proposals, ordering, what each rule skips, and the
// facts collected from a tracker and recent traces.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  RULES,
  collectFacts,
  compareRecommendations,
  forecastExhaustion,
  journeyFacts,
  nPlusOne,
  overProvisioned,
  capacityCandidates,
  proposeValue,
  recommend,
  thresholdTooLoose,
  thresholdTooTight,
  type BudgetFacts,
  type Recommendation,
  type RecommendInput,
} from "../../../src/recommend/index.js";
import { CostModel, GIB } from "../../../src/cost/index.js";
import { StringTables } from "../../../src/span/index.js";
import { budget, T0 } from "../evaluate/helpers.js";
import { attributionAt, loadScenario, PRICES, runScenario, traceHex, WEEK_MS } from "./helpers.js";

const MiB = 2 ** 20;
const scenarios = join(import.meta.dirname, "../../scenarios-recommend");

/** Facts of one budget: `points` per base window (one value each), the same for the last hour. */
function facts(def: Record<string, unknown>, over: Partial<BudgetFacts> & { points?: number[]; status?: BudgetFacts["evaluation"]["status"] } = {}): BudgetFacts {
  const b = budget(def);
  const points = over.points ?? [];
  const observed = points.length > 0 ? Math.max(...points) : null;
  return {
    budget: b,
    evaluation: { status: over.status ?? "ok", observed, threshold: b.threshold ?? null, usage: null },
    lastHour: { observed, samples: points.length, p95: observed, extra: {} },
    history: { base: points.map((v, i) => ({ t: T0 + i * 10_000, observed: v, count: 1 })), minutes: [] },
    exemplars: [],
    ...over,
  };
}

function input(budgets: BudgetFacts[], more: Partial<RecommendInput> = {}): RecommendInput {
  return { service: "frontend", nowMs: T0 + 3_600_000, prices: PRICES, currency: "USD", forecastHorizonMs: WEEK_MS, budgets, journeys: [], ...more };
}

const LAT = { id: "p99", type: "latency.total", service: "frontend", quantile: 0.99, threshold: 100 };

describe("proposeValue", () => {
  it("rounds up to 2 significant digits, bytes in their binary unit, without float noise", () => {
    expect(proposeValue(524.4, "ms")).toBe(530);
    expect(proposeValue(300, "ms")).toBe(300);
    expect(proposeValue(0.2 * 1.2, "cores")).toBe(0.24);
    expect(proposeValue(0.241, "cores")).toBe(0.25);
    expect(proposeValue(1.2 * 7, "queries/trace")).toBe(8.4);
    expect(proposeValue(614.4 * MiB, "bytes")).toBe(620 * MiB);
    expect(proposeValue(1.23 * GIB, "bytes")).toBe(1.3 * GIB);
    expect(proposeValue(900, "bytes")).toBe(900);
    expect(proposeValue(1500, "bytes/s")).toBe(1.5 * 1024);
    expect(proposeValue(0, "ms")).toBe(0);
    expect(proposeValue(Number.NaN, "ms")).toBe(0);
  });
});

describe("ordering", () => {
  const rec = (severity: Recommendation["severity"], kind: Recommendation["kind"], budgetId?: string, title = "t"): Recommendation => ({
    kind,
    severity,
    service: "s",
    ...(budgetId ? { budgetId } : {}),
    title,
    message: "m",
    evidence: {},
  });

  it("is by severity, then kind, then budget id (none last), then title", () => {
    const sorted = [
      rec("critical", "violation-driver", "b"),
      rec("warning", "n-plus-one", "a"),
      rec("warning", "n-plus-one", "b"),
      rec("warning", "n-plus-one", undefined, "x"),
      rec("warning", "n-plus-one", undefined, "y"),
      rec("warning", "threshold-too-tight", "a"),
      rec("info", "over-provisioned", "a"),
    ];
    const shuffled = [sorted[4]!, sorted[6]!, sorted[1]!, sorted[0]!, sorted[5]!, sorted[3]!, sorted[2]!];
    expect([...shuffled].sort(compareRecommendations)).toEqual(sorted);
  });

  it("recommend gives the same list whatever the order of the budgets", () => {
    const a = facts({ ...LAT, id: "a" }, { points: Array(10).fill(250) });
    const b = facts({ ...LAT, id: "b" }, { points: Array(10).fill(20) });
    const c = facts({ id: "cpu", type: "resource.cpu", service: "frontend", quantile: 0.95, threshold: 4 }, { points: Array(10).fill(0.1) });
    const one = recommend(input([a, b, c]));
    expect(one.map((r) => [r.severity, r.kind, r.budgetId])).toEqual([
      ["warning", "threshold-too-tight", "a"],
      ["info", "over-provisioned", "cpu"],
      ["info", "threshold-too-loose", "b"],
    ]);
    expect(recommend(input([c, b, a]))).toEqual(one);
  });
});

describe("threshold rules", () => {
  it("judge only ceilings of their own: not derived children, not floors", () => {
    const child = facts({ id: "child", type: "latency.component", service: "frontend", component: "db", quantile: 0.99, parent: "p99", share: 0.5 }, { points: Array(10).fill(500) });
    child.evaluation.threshold = 50;
    const floor = facts({ id: "floor", type: "throughput.requests", service: "frontend", threshold: 100, direction: "min" }, { points: Array(10).fill(1) });
    expect(thresholdTooTight([child, floor], RULES)).toEqual([]);
    expect(thresholdTooLoose([child, floor], RULES)).toEqual([]);
  });

  it("too tight ignores the budget's own allocation tree when judging the rest of the service", () => {
    const parent = facts(LAT, { points: Array(10).fill(250), status: "violated" });
    const child = facts({ id: "child", type: "latency.component", service: "frontend", component: "db", quantile: 0.99, parent: "p99", share: 0.5 }, { status: "violated" });
    expect(thresholdTooTight([parent, child], RULES).map((r) => r.budgetId)).toEqual(["p99"]);
    const other = facts({ ...LAT, id: "other", threshold: 1000 }, { status: "violated" });
    expect(thresholdTooTight([parent, child, other], RULES)).toEqual([]);
  });

  it("need enough windows", () => {
    expect(thresholdTooTight([facts(LAT, { points: Array(5).fill(250) })], RULES)).toEqual([]);
    expect(thresholdTooTight([facts(LAT, { points: Array(6).fill(250) })], RULES)).toHaveLength(1);
    expect(thresholdTooLoose([facts(LAT, { points: Array(5).fill(10) })], RULES)).toEqual([]);
    expect(thresholdTooLoose([facts(LAT, { points: Array(6).fill(10) })], RULES)).toHaveLength(1);
  });

  it("too tight needs the hour persistently over: 9 of 10 windows is enough, 8 is not", () => {
    const nine = facts(LAT, { points: [...Array(9).fill(250), 50] });
    expect(thresholdTooTight([nine], RULES)[0]?.evidence).toMatchObject({ windowsOver: 9, windows: 10 });
    expect(thresholdTooTight([facts(LAT, { points: [...Array(8).fill(250), 50, 50] })], RULES)).toEqual([]);
  });

  it("too loose proposes nothing for a budget that measured only zeros", () => {
    const zero = facts({ id: "q", type: "throughput.queries", service: "frontend", per: "trace", quantile: 0.9, threshold: 5 }, { points: Array(10).fill(0) });
    expect(thresholdTooLoose([zero], RULES)).toEqual([]);
  });
});

describe("n-plus-one", () => {
  it("comes from the budget's last hour when the recent traces do not show it (e.g. after a restart), without trace ids", () => {
    const f = facts({ id: "q", type: "throughput.queries", service: "frontend", operation: "POST /checkout", per: "trace", quantile: 0.9, threshold: 5 }, { status: "violated" });
    f.evaluation.observed = 12;
    f.lastHour = { ...f.lastHour, extra: { "max.top.stmt:SELECT 1": 12, "top.stmt:SELECT 1": 120, "max.top.stmt:SELECT 2": 2, "top.stmt:SELECT 2": 20 } };
    const recs = nPlusOne("frontend", [f], [], RULES);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ kind: "n-plus-one", severity: "critical", budgetId: "q", operation: "POST /checkout", evidence: { statement: "SELECT 1", maxPerTrace: 12, executions: 120, queriesPerTrace: 12, threshold: 5, traceIds: [] } });
    // The same statement from the recent traces is reported once, with its traces.
    const journey = { operation: "POST /checkout", traces: 10, durationNs: 1e9, components: {}, edges: {}, statements: [{ statement: "SELECT 1", traces: 10, total: 120, maxPerTrace: 12, minPerTrace: 12, traceIds: ["ab"] }] };
    const both = nPlusOne("frontend", [f], [journey], RULES);
    expect(both).toHaveLength(1);
    expect(both[0]!.evidence.traceIds).toEqual(["ab"]);
    expect(both[0]!.message).not.toContain("grows");
  });
});

describe("over-provisioned", () => {
  const model = new CostModel({ prices: PRICES, currency: "USD" });
  it("takes the largest-threshold budget of a resource as its capacity, and never network", () => {
    const small = facts({ id: "cpu-p50", type: "resource.cpu", service: "api", quantile: 0.5, threshold: 1 }, { points: Array(10).fill(0.1) });
    const big = facts({ id: "cpu-max", type: "resource.cpu", service: "api", aggregate: "max", threshold: 2 }, { points: Array(10).fill(0.1) });
    const net = facts({ id: "net", type: "resource.network", service: "api", quantile: 0.95, threshold: "100MiB/s" }, { points: Array(10).fill(1) });
    const floor = facts({ id: "mem-floor", type: "resource.memory", service: "api", quantile: 0.95, threshold: "1GiB", direction: "min" }, { points: Array(10).fill(1) });
    const candidates = capacityCandidates([small, big, net, floor]);
    expect(candidates.map((c) => c.budget.id)).toEqual(["cpu-max"]);
    const recs = overProvisioned(candidates, model, RULES);
    // 0.1 × 1.2 = 0.12 cores; (2 − 0.12) × 0.04 × 730 = 54.896
    expect(recs).toHaveLength(1);
    expect(recs[0]!.evidence.savingsPerMonth).toBeCloseTo(54.896, 10);
  });

  it("needs enough samples", () => {
    const few = facts({ id: "cpu", type: "resource.cpu", service: "api", quantile: 0.95, threshold: 2 }, { points: Array(5).fill(0.1) });
    expect(overProvisioned(capacityCandidates([few]), model, RULES)).toEqual([]);
  });
});

describe("forecast-exhaustion", () => {
  const rising = Array.from({ length: 12 }, (_, i) => 10 + i);
  it("is quiet with too few points, for a violated budget, or beyond the horizon", () => {
    const f = (points: number[], status: BudgetFacts["evaluation"]["status"] = "ok") => facts({ ...LAT, threshold: 30 }, { points, status });
    const now = T0 + 12 * 10_000;
    // 10 + i per 10 s window: 30 is reached at window 20, 80 s after now.
    expect(forecastExhaustion([f(rising)], now, WEEK_MS, RULES)).toHaveLength(1);
    expect(forecastExhaustion([f(rising.slice(0, 5))], now, WEEK_MS, RULES)).toEqual([]);
    expect(forecastExhaustion([f(rising, "violated")], now, WEEK_MS, RULES)).toEqual([]);
    expect(forecastExhaustion([f(rising)], now, 60_000, RULES)).toEqual([]);
  });

  it("does not extrapolate further than 4 × the time the points span", () => {
    const rising = Array.from({ length: 12 }, (_, i) => 10 + i);
    const now = T0 + 12 * 10_000;
    // The points span 110 s. Threshold 75: reached at window 65, 530 s after now (> 440 s): quiet.
    // Threshold 70: window 60, 480 s … still quiet; 64: window 54, 420 s ≤ 440 s: fires.
    const at = (threshold: number) => forecastExhaustion([facts({ ...LAT, threshold }, { points: rising })], now, WEEK_MS, RULES);
    expect(at(75)).toEqual([]);
    expect(at(70)).toEqual([]);
    expect(at(64)).toHaveLength(1);
    expect(at(64)[0]!.evidence).toMatchObject({ inMs: 420_000, dataSpanMs: 110_000 });
  });
});

describe("collected facts", () => {
  it("the healthy scenario is healthy: every budget ok, with data", () => {
    const { tracker, nowMs } = runScenario(loadScenario(join(scenarios, "healthy/quiet.yaml")));
    const evaluations = tracker.evaluate(nowMs).evaluations;
    expect(evaluations).toHaveLength(8);
    for (const e of evaluations) {
      expect(e.status, e.budgetId).toBe("ok");
      expect(e.usage!, e.budgetId).toBeGreaterThan(0.3);
      expect(e.usage!, e.budgetId).toBeLessThan(0.7);
    }
  });

  it("journeys: the service's recent traces only (last hour, by start time), by operation; statements by most per trace", () => {
    const tables = new StringTables();
    const now = T0 + 2 * 3_600_000;
    const ring = [
      attributionAt(tables, { service: "frontend", operation: "POST /checkout", components: { frontend: 100 }, statements: { "SELECT a": 2, "SELECT b": 7 }, key: 1 }, now - 3_700_000),
      attributionAt(tables, { service: "frontend", operation: "POST /checkout", components: { frontend: 100 }, statements: { "SELECT a": 3, "SELECT b": 6 }, key: 2 }, now - 60_000),
      attributionAt(tables, { service: "frontend", operation: "GET /cart", components: { frontend: 50, cart: 30 }, edges: { "frontend->cart": 20 }, key: 3 }, now - 30_000),
      attributionAt(tables, { service: "cart", operation: "GET /items", components: { cart: 10 }, key: 4 }, now - 30_000),
    ];
    const journeys = journeyFacts({ recentTraces: () => ring, tables }, "frontend", now);
    expect(journeys.map((j) => [j.operation, j.traces])).toEqual([
      ["GET /cart", 1],
      ["POST /checkout", 1],
    ]);
    expect(journeys[0]).toMatchObject({ durationNs: 100e6, components: { frontend: 50e6, cart: 30e6 }, edges: { "frontend->cart": { ns: 20e6, traces: 1, traceIds: [traceHex(3)] } } });
    expect(journeys[1]!.statements).toEqual([
      { statement: "SELECT b", traces: 1, total: 6, maxPerTrace: 6, minPerTrace: 6, traceIds: [traceHex(2)] },
      { statement: "SELECT a", traces: 1, total: 3, maxPerTrace: 3, minPerTrace: 3, traceIds: [traceHex(2)] },
    ]);
    expect(journeyFacts({ recentTraces: () => ring, tables }, "never-seen", now)).toEqual([]);
  });

  it("collectFacts passes the prices, horizon and rule overrides on, and the rules apply them", () => {
    const s = loadScenario(join(scenarios, "threshold-too-loose/quiet.yaml"));
    // The quiet search scenario (40 % at most) fires with a looser bound.
    const { recommendations } = runScenario({ ...s, rules: { looseUsage: 0.5 } });
    expect(recommendations.map((r) => r.kind)).toEqual(["threshold-too-loose"]);
    const { tracker, ring, tables, nowMs } = runScenario(s);
    const facts = collectFacts({ tracker, recentTraces: () => ring, tables }, "frontend", nowMs, { prices: PRICES, currency: "EUR", forecastHorizonMs: 1000, rules: { minWindows: 3 } });
    expect(facts).toMatchObject({ service: "frontend", nowMs, currency: "EUR", forecastHorizonMs: 1000, rules: { minWindows: 3 } });
    expect(facts.budgets.map((b) => b.budget.id)).toEqual(["search-p95"]);
    expect(facts.budgets[0]!.history.minutes).toHaveLength(30);
    expect(facts.budgets[0]!.lastHour).toMatchObject({ samples: 180, observed: 400 });
  });
});
