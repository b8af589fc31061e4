import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forecastCrossing, type TrendPoint } from "../../../src/trend/index.js";
import { rng } from "./helpers.js";

const H = 3_600_000;
const T = 1_700_000_000_000; // a realistic origin (Unix ms)

/** Hourly points v(h) for h = 0…last. */
const hourly = (last: number, v: (h: number) => number): TrendPoint[] => Array.from({ length: last + 1 }, (_, h) => ({ t: T + h * H, v: v(h) }));

describe("forecastCrossing", () => {
  it("a rising line meets a max threshold: when, in how long, and a band that collapses for an exact line", () => {
    // 50 + 4/h: at h = 10 it is 90, and reaches 100 at h = 12.5
    const f = forecastCrossing({ points: hourly(10, (h) => 50 + 4 * h), threshold: 100, direction: "max", nowMs: T + 10 * H, horizonMs: 24 * H });
    expect(f.status).toBe("will-cross");
    expect(f.slopePerHour).toBeCloseTo(4, 9);
    expect(f.valueNow).toBeCloseTo(90, 6);
    expect(f.atMs).toBeCloseTo(T + 12.5 * H, -1);
    expect(f.inMs).toBeCloseTo(2.5 * H, -1);
    expect(f.earliestMs).toBeCloseTo(f.atMs!, -1);
    expect(f.latestMs).toBeCloseTo(f.atMs!, -1);
    expect(f.confidence).toMatchObject({ level: 0.95, significant: true });
    expect(f.n).toBe(11);
  });

  it("beyond the horizon: not-within-horizon, still saying when", () => {
    const f = forecastCrossing({ points: hourly(10, (h) => 50 + 4 * h), threshold: 100, direction: "max", nowMs: T + 10 * H, horizonMs: H });
    expect(f.status).toBe("not-within-horizon");
    expect(f.inMs).toBeCloseTo(2.5 * H, -1);
  });

  it("already over: crossed, with the time it crossed", () => {
    const f = forecastCrossing({ points: hourly(20, (h) => 50 + 4 * h), threshold: 100, direction: "max", nowMs: T + 20 * H, horizonMs: 24 * H });
    expect(f.status).toBe("crossed");
    expect(f.atMs).toBeCloseTo(T + 12.5 * H, -1);
    expect(f.inMs).toBeUndefined();
    // over but coming down: still crossed, no crossing time
    const down = forecastCrossing({ points: hourly(5, (h) => 150 - h), threshold: 100, direction: "max", nowMs: T + 5 * H, horizonMs: 24 * H });
    expect(down).toMatchObject({ status: "crossed", slopePerHour: expect.closeTo(-1, 9) });
    expect(down.atMs).toBeUndefined();
  });

  it("decreasing under a max threshold is improving; flat is not within the horizon", () => {
    const down = forecastCrossing({ points: hourly(10, (h) => 90 - 2 * h), threshold: 100, direction: "max", nowMs: T + 10 * H, horizonMs: 24 * H });
    expect(down.status).toBe("improving");
    expect(down.atMs).toBeUndefined();
    const flat = forecastCrossing({ points: hourly(10, () => 80), threshold: 100, direction: "max", nowMs: T + 10 * H, horizonMs: 24 * H });
    expect(flat).toMatchObject({ status: "not-within-horizon", slopePerHour: 0, valueNow: 80 });
    expect(flat.atMs).toBeUndefined();
  });

  it("a min threshold: falling towards it will cross; rising is improving; under it is crossed", () => {
    // throughput 100 − 5/h, floor 50: reached at h = 10
    const falling = forecastCrossing({ points: hourly(5, (h) => 100 - 5 * h), threshold: 50, direction: "min", nowMs: T + 5 * H, horizonMs: 24 * H });
    expect(falling.status).toBe("will-cross");
    expect(falling.inMs).toBeCloseTo(5 * H, -1);
    expect(falling.earliestMs).toBeCloseTo(T + 10 * H, -1);
    const rising = forecastCrossing({ points: hourly(5, (h) => 60 + h), threshold: 50, direction: "min", nowMs: T + 5 * H, horizonMs: 24 * H });
    expect(rising.status).toBe("improving");
    const under = forecastCrossing({ points: hourly(5, (h) => 40 + h), threshold: 50, direction: "min", nowMs: T + 5 * H, horizonMs: 24 * H });
    expect(under.status).toBe("crossed");
  });

  it("with noise: the band brackets the crossing, and a weak trend leaves the latest crossing open", () => {
    const r = rng(7);
    const noisy = hourly(48, (h) => 50 + h + (r() - 0.5) * 4);
    const f = forecastCrossing({ points: noisy, threshold: 120, direction: "max", nowMs: T + 48 * H, horizonMs: 7 * 24 * H });
    expect(f.status).toBe("will-cross");
    expect(f.earliestMs!).toBeGreaterThanOrEqual(T + 48 * H);
    expect(f.earliestMs!).toBeLessThanOrEqual(f.atMs!);
    expect(f.latestMs!).toBeGreaterThanOrEqual(f.atMs!);
    expect(f.latestMs! - f.earliestMs!).toBeGreaterThan(0);
    expect(f.confidence!.significant).toBe(true);

    const weak = hourly(12, (h) => 50 + 0.05 * h + (r() - 0.5) * 20);
    const w = forecastCrossing({ points: weak, threshold: 1000, direction: "max", nowMs: T + 12 * H, horizonMs: 24 * H });
    expect(w.confidence!.significant).toBe(false);
    expect(w.latestMs).toBeUndefined();
  });

  it("spikes do not move the forecast much", () => {
    const clean = hourly(30, (h) => 50 + h);
    const spiky = clean.map((p, i) => (i % 5 === 3 ? { ...p, v: p.v + 500 } : p)); // 6 of 31
    const args = { threshold: 100, direction: "max" as const, nowMs: T + 30 * H, horizonMs: 48 * H };
    const a = forecastCrossing({ points: clean, ...args });
    const b = forecastCrossing({ points: spiky, ...args });
    expect(a.inMs).toBeCloseTo(20 * H, -1);
    expect(b.status).toBe("will-cross");
    expect(Math.abs(b.inMs! - a.inMs!)).toBeLessThan(2 * H);
  });

  it("insufficient data below 3 points", () => {
    expect(forecastCrossing({ points: hourly(1, (h) => h), threshold: 1, direction: "max", nowMs: T, horizonMs: H })).toEqual({
      status: "insufficient-data",
      slopePerHour: null,
      n: 2,
    });
  });

  it("shifting time (points and now together) changes no status and no distance", () => {
    const series = fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 3, maxLength: 30 });
    fc.assert(
      fc.property(series, fc.integer({ min: 0, max: 300 }), fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom<"max" | "min">("max", "min"), (vs, threshold, shiftH, direction) => {
        const pts = vs.map((v, h) => ({ t: h * H, v }));
        const nowMs = (vs.length - 1) * H;
        const a = forecastCrossing({ points: pts, threshold, direction, nowMs, horizonMs: 24 * H });
        const shift = shiftH * H;
        const b = forecastCrossing({ points: pts.map((p) => ({ t: p.t + shift, v: p.v })), threshold, direction, nowMs: nowMs + shift, horizonMs: 24 * H });
        expect(b.status).toBe(a.status);
        expect(b.slopePerHour).toBe(a.slopePerHour);
        if (a.inMs === undefined) expect(b.inMs).toBeUndefined();
        else expect(Math.abs(b.inMs! - a.inMs)).toBeLessThan(Math.max(1, Math.abs(a.inMs) * 1e-6));
        return true;
      }),
    );
  });
});
