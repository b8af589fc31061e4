// Good ratio, error budget and multi-window burn rates, checked by hand.
import { describe, expect, it } from "vitest";
import { burnWindows, scaledWindowMs } from "../../../src/evaluate/index.js";
import { setup, T0 } from "./helpers.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("burn-rate windows", () => {
  it("are the SRE workbook pairs for a 30-day window and longer", () => {
    const pairs = [
      { longWindowMs: H, shortWindowMs: 5 * M, factor: 14.4 },
      { longWindowMs: 6 * H, shortWindowMs: 30 * M, factor: 6 },
      { longWindowMs: D, shortWindowMs: 2 * H, factor: 3 },
      { longWindowMs: 3 * D, shortWindowMs: 6 * H, factor: 1 },
    ];
    expect(burnWindows(30 * D, 10 * S)).toEqual(pairs);
    expect(burnWindows(90 * D, 10 * S)).toEqual(pairs);
  });

  it("scale by window / 30 d, rounded to base windows and never under one", () => {
    // 1 h window: scale 1/720. 1h → 5 s → one base window (10 s); 5 m → 0.42 s → 10 s;
    // 6 h → 30 s; 30 m → 2.5 s → 10 s; 1 d → 120 s; 2 h → 10 s; 3 d → 360 s; 6 h → 30 s.
    expect(burnWindows(H, 10 * S).map((p) => [p.longWindowMs / S, p.shortWindowMs / S, p.factor])).toEqual([
      [10, 10, 14.4],
      [30, 10, 6],
      [120, 10, 3],
      [360, 30, 1],
    ]);
    // 1 d window: scale 1/30. 1 h → 120 s; 5 m → 10 s; 6 h → 720 s; 30 m → 60 s; 1 d → 2880 s; 2 h → 240 s; 3 d → 8640 s.
    expect(burnWindows(D, 10 * S).map((p) => [p.longWindowMs / S, p.shortWindowMs / S])).toEqual([
      [120, 10],
      [720, 60],
      [2880, 240],
      [8640, 720],
    ]);
    expect(scaledWindowMs(7 * M, 30 * D, 10 * S)).toBe(7 * M);
  });
});

describe("compliance of a quantile budget with a target", () => {
  const def = { id: "slo", type: "latency.total", service: "frontend", quantile: 0.99, threshold: "300ms", window: "30d", target: 0.99 };

  it("gives the good ratio, the error budget left and the burn rates", () => {
    const { feed, evalOf } = setup([def]);
    const now = T0 + 3 * H; // an hour boundary
    // 50 good traces 40 minutes ago (in the last hour, not in the last 30 minutes): 1…50 ms.
    for (let i = 1; i <= 50; i++) feed({ service: "frontend", durationMs: i }, now - 40 * M);
    // 100 traces in the last 5 minutes: 97 good (51…147 ms) and 3 over 300 ms.
    for (let i = 0; i < 100; i++) feed({ service: "frontend", durationMs: i < 97 ? 51 + i : 500 + i }, now - 290 * S + i * S);
    const e = evalOf(now, "slo");
    // Window (30 d): 150 traces, 3 bad → good ratio 147/150 = 0.98.
    expect(e.samples).toBe(150);
    expect(e.goodRatio).toBeCloseTo(0.98, 12);
    // Error budget left: 1 − (1 − 0.98) / (1 − 0.99) = 1 − 0.02 / 0.01 = −1 (overspent twice).
    expect(e.errorBudgetRemaining).toBeCloseTo(-1, 9);
    // p99 = sorted[⌊0.99 · 150⌋] = sorted[148] = 598 (the second bad one): violated.
    expect(e).toMatchObject({ status: "violated", observed: 598 });
    const rates = e.burnRates!.map((b) => [b.longWindowMs, b.shortWindowMs, b.factor, b.alerting]);
    expect(rates).toEqual([
      [H, 5 * M, 14.4, false],
      [6 * H, 30 * M, 6, false],
      [D, 2 * H, 3, false],
      [3 * D, 6 * H, 1, true],
    ]);
    // 5 m: 3 bad of 100 = 3 % → rate 0.03 / 0.01 = 3; 1 h: 3 of 150 = 2 % → rate 2.
    const [fast, medium, slow, slowest] = e.burnRates!;
    expect(fast!.shortRate).toBeCloseTo(3, 9);
    expect(fast!.longRate).toBeCloseTo(2, 9);
    // 30 m: the same 100 traces as the last 5 m → 3; 6 h, 1 d, 3 d: all 150 → 2; 2 h and 6 h short: 2.
    expect(medium!.shortRate).toBeCloseTo(3, 9);
    expect(medium!.longRate).toBeCloseTo(2, 9);
    expect(slow!.shortRate).toBeCloseTo(2, 9);
    // Alerting needs both above the factor: 1× over 3 d and 6 h (2 > 1 and 2 > 1) only.
    expect(slowest!.longRate).toBeCloseTo(2, 9);
    expect(slowest!.shortRate).toBeCloseTo(2, 9);
  });

  it("scales the pairs for a 1 h window and reads them on the scaled ranges", () => {
    const { feed, evalOf } = setup([{ ...def, window: "1h" }]);
    const now = T0 + H;
    // 25 s before the end: 10 good ones (in the 30 s and longer ranges only).
    for (let i = 0; i < 10; i++) feed({ service: "frontend", durationMs: 20 + i }, now - 25 * S);
    // The last base window (10 s): 10 traces, 5 bad → 50 % bad → rate 0.5 / 0.01 = 50.
    for (let i = 0; i < 10; i++) feed({ service: "frontend", durationMs: i < 5 ? 10 + i : 400 + i }, now - 10 * S + i * 100);
    const e = evalOf(now, "slo");
    const [p1, p2] = e.burnRates!;
    expect([p1!.longWindowMs, p1!.shortWindowMs]).toEqual([10 * S, 10 * S]);
    expect(p1!.longRate).toBeCloseTo(50, 9);
    expect(p1!.shortRate).toBeCloseTo(50, 9);
    expect(p1!.alerting).toBe(true); // 50 > 14.4 on both
    // 30 s long window: 20 traces, 5 bad = 25 % → 25; short (10 s): 50.
    expect(p2!.longWindowMs).toBe(30 * S);
    expect(p2!.longRate).toBeCloseTo(25, 9);
    expect(p2!.shortRate).toBeCloseTo(50, 9);
  });

  it("reads a floor's good ratio as the share above it", () => {
    const { tracker } = setup([{ id: "cpu-floor", type: "resource.cpu", service: "p", quantile: 0.5, threshold: 1, direction: "min", target: 0.9, window: "1m" }]);
    for (const v of [0.5, 2, 3, 4]) tracker.observe("cpu-floor", v, T0);
    const e = tracker.evaluate(T0 + S).evaluations[0]!;
    // cdf(1) = 1/4; good = 1 − 1/4 = 0.75; error budget 1 − 0.25 / 0.1 = −1.5. p50 = 3 ≥ 1: ok; usage 1/3.
    expect(e.goodRatio).toBe(0.75);
    expect(e.errorBudgetRemaining).toBeCloseTo(-1.5, 12);
    expect(e).toMatchObject({ status: "ok", observed: 3 });
    expect(e.usage).toBeCloseTo(1 / 3, 12);
  });

  it("has no good ratio or burn rates without a target", () => {
    const { feed, evalOf } = setup([{ ...def, target: undefined }]);
    feed({ service: "frontend", durationMs: 10 }, T0);
    const e = evalOf(T0 + S, "slo");
    expect(e.goodRatio).toBeUndefined();
    expect(e.burnRates).toBeUndefined();
  });
});
