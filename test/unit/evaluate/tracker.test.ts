// The tracker's bookkeeping: definitions replaced (history kept or started anew), checkpoints,
// track history, bounded work.
import { describe, expect, it } from "vitest";
import { budget, setup, T0 } from "./helpers.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const DEF = { id: "p", type: "latency.total", service: "frontend", aggregate: "max", threshold: 500, window: "5m" };

describe("setBudgets", () => {
  it("keeps history when only the threshold, statistic or window change; starts anew when the measurement changes", () => {
    const { tracker, feed } = setup([DEF, { ...DEF, id: "q" }, { ...DEF, id: "gone" }]);
    feed({ service: "frontend", operation: "a", durationMs: 200 }, T0);
    tracker.evaluate(T0 + S);
    const r = tracker.setBudgets([budget({ ...DEF, threshold: 100, aggregate: undefined, quantile: 0.5, window: "10m" }), budget({ ...DEF, id: "q", operation: "a" })]);
    expect(r).toEqual({ kept: ["p"], started: ["q"], removed: ["gone"] });
    expect(tracker.takeDroppedSeries()).toEqual(["q", "gone"]);
    expect(tracker.takeDroppedSeries()).toEqual([]);
    const [p, q] = tracker.evaluate(T0 + 2 * S).evaluations;
    expect(p).toMatchObject({ observed: 200, threshold: 100, status: "violated", samples: 1, window: "10m" });
    expect(q).toMatchObject({ status: "no-data", samples: 0 });
  });

  it("drops nothing and routes to nobody for an empty set", () => {
    const { tracker, feed } = setup([DEF]);
    tracker.setBudgets([]);
    feed({ service: "frontend", durationMs: 1 }, T0);
    expect(tracker.evaluate(T0 + S)).toEqual({ evaluations: [], alerts: [], pin: [] });
    expect(tracker.dirtyRows()).toEqual([]);
  });
});

describe("checkpoints", () => {
  it("restores windows of the current budgets only, and the evaluation continues", () => {
    const a = setup([DEF, { ...DEF, id: "other" }]);
    for (let i = 1; i <= 5; i++) a.feed({ service: "frontend", durationMs: i * 100 }, T0 + i * S);
    const rows = a.tracker.dirtyRows();
    expect(new Set(rows.map((r) => r.budgetId))).toEqual(new Set(["p", "other"]));
    const b = setup([DEF]);
    expect(b.tracker.restore(rows)).toBe(rows.filter((r) => r.budgetId === "p").length);
    b.feed({ service: "frontend", durationMs: 50 }, T0 + 6 * S);
    expect(b.evalOf(T0 + 10 * S, "p")).toMatchObject({ observed: 500, samples: 6 });
  });
});

describe("track", () => {
  it("gives each budget of the service its evaluation and per-window history", () => {
    const { tracker, feed } = setup([
      { id: "lat", type: "latency.total", service: "frontend", aggregate: "max", threshold: 500, window: "5m" },
      { id: "rps", type: "throughput.requests", service: "frontend", threshold: 100, window: "5m" },
      { id: "elsewhere", type: "latency.total", service: "cart", aggregate: "max", threshold: 500 },
    ]);
    // 2 h of one trace every 10 s; duration = minute of the hour + 1 (so each minute's max is known).
    for (let t = T0; t < T0 + 2 * H; t += 10 * S) {
      const minute = Math.floor((t - T0) / M) % 60;
      feed({ service: "frontend", durationMs: minute + 1, services: { frontend: { requests: 1 } } }, t);
    }
    const now = T0 + 2 * H + 5 * S;
    const entries = tracker.track("frontend", now);
    expect(entries.map((e) => e.budgetId)).toEqual(["lat", "rps"]);
    const lat = entries[0]!;
    expect(lat.evaluation).toMatchObject({ budgetId: "lat", observed: 60 }); // the last 5 minutes: minutes 55…59 → max 60
    // Base windows of the last hour (starting at or after now − 1h = 1:00:05): 1:00:10 … 1:59:50,
    // one trace each (the open 2:00:00 window holds nothing, so it does not exist): 359.
    expect(lat.history.base).toHaveLength(359);
    expect(lat.history.base[0]!.t).toBe(T0 + H + 10 * S);
    expect(lat.history.base.every((p) => p.count === 1)).toBe(true);
    // Minutes: 120 closed ones; the max of minute m is m + 1.
    expect(lat.history.minutes).toHaveLength(120);
    expect(lat.history.minutes[7]).toEqual({ t: T0 + 7 * M, observed: 8, count: 6 });
    // Hours: two closed ones, max 60 each.
    expect(lat.history.hours).toEqual([
      { t: T0, observed: 60, count: 360 },
      { t: T0 + H, observed: 60, count: 360 },
    ]);
    // A rate per window: 6 requests over 60 observed seconds = 0.1/s per minute.
    const rps = entries[1]!;
    expect(rps.history.minutes[7]).toEqual({ t: T0 + 7 * M, observed: 0.1, count: 6 });
    // Now (2:00:05), 5 m: windows 1:55:10 … 2:00:00 (open): 29 requests over 295 s observed.
    expect(rps.evaluation.observed).toBeCloseTo(29 / 295, 12);
  });

  it("computes a closed window's statistic once", () => {
    const { tracker, feed } = setup([{ id: "q", type: "latency.total", service: "s", quantile: 0.9, threshold: 5 }]);
    for (let i = 0; i < 100; i++) feed({ service: "s", durationMs: i }, T0 + i * 100);
    tracker.evaluate(T0 + M);
    const series = tracker.seriesOf("q")!;
    const w = series.series("base", T0, T0 + 10 * S)[0]!;
    let calls = 0;
    const compute = () => (calls++, 1);
    series.statistic(w, "k", compute);
    series.statistic(w, "k", compute);
    expect(calls).toBe(1);
    series.statistic(w, "other", compute);
    expect(calls).toBe(2);
  });
});

describe("bounded work", () => {
  it("merges a bounded number of windows for a 30-day budget whatever the traffic", () => {
    const { tracker, feed } = setup([{ id: "slo", type: "latency.total", service: "s", quantile: 0.99, threshold: 300, window: "30d", target: 0.99 }]);
    // One trace a minute for 3 days.
    for (let t = T0; t < T0 + 72 * H; t += M) feed({ service: "s", durationMs: 100 }, t);
    const now = T0 + 72 * H + 35 * S;
    const view = tracker.view("slo", now - 30 * 24 * H, now, now)!;
    // 72 hours (71 closed + the current hour's minutes and base windows): far fewer windows than traces.
    expect(view.count).toBe(72 * 60);
    expect(view.windows).toBeLessThanOrEqual(72 + 60 + 6);
    expect(tracker.evaluate(now).evaluations[0]).toMatchObject({ samples: 72 * 60, status: "ok" });
  });
});
