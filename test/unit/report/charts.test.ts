import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { burnRateChart, downsample, forecastLine, lineChart, niceTicks, stackedBars } from "../../../src/report/index.js";
import type { Forecast } from "../../../src/trend/index.js";
import { outside, svgsOf } from "./svg.js";

const NOW = Date.UTC(2025, 0, 31, 12);
const MIN = 60_000;
const H = 3_600_000;

describe("niceTicks", () => {
  it("steps of 1, 2 or 5 × 10^k from 0 to at least the max", () => {
    expect(niceTicks(630)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(4.2)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(0.037)).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });
});

describe("downsample", () => {
  it("keeps every point under the limit, else each bucket's lowest and highest in time order, gaps kept", () => {
    const pts = Array.from({ length: 10 }, (_, i) => ({ t: i, v: i % 3 === 0 ? null : i }));
    expect(downsample(pts, 20)).toEqual(pts);
    const out = downsample(Array.from({ length: 100 }, (_, i) => ({ t: i, v: i < 50 ? (i === 7 ? 99 : 1) : null })), 20);
    expect(out.length).toBeLessThanOrEqual(20);
    expect(out[0]).toEqual({ t: 0, v: 1 });
    expect(out[1]).toEqual({ t: 7, v: 99 }); // the spike survives
    expect(out.filter((p) => p.v === null).length).toBe(5); // the empty half stays a gap
  });
});

describe("forecastLine", () => {
  const f = (over: Partial<Forecast>): Forecast => ({ status: "will-cross", slopePerHour: 60, valueNow: 100, n: 10, ...over });

  it("ends at the crossing when it is within the drawn part", () => {
    const line = forecastLine(f({ atMs: NOW + 10 * MIN, inMs: 10 * MIN }), NOW, 7 * 24 * H, 30 * MIN, MIN)!;
    expect(line.crossingT).toBe(NOW + 10 * MIN);
    expect(line.to.t).toBe(NOW + 10 * MIN);
    expect(line.to.v).toBeCloseTo(110, 9); // 60/h for 10 minutes
  });

  it("stops at the horizon, or at the span of the history so that stays readable", () => {
    const far = forecastLine(f({ atMs: NOW + 48 * H, inMs: 48 * H, status: "not-within-horizon" }), NOW, 24 * H, 30 * MIN, MIN)!;
    expect(far.crossingT).toBeUndefined();
    expect(far.to.t).toBe(NOW + 30 * MIN);
    const horizon = forecastLine(f({ atMs: NOW + 48 * H }), NOW, 5 * MIN, 30 * MIN, MIN)!;
    expect(horizon.to.t).toBe(NOW + 5 * MIN);
  });

  it("is cut at zero, and absent without a trend", () => {
    const down = forecastLine(f({ status: "improving", slopePerHour: -600, valueNow: 50 }), NOW, 24 * H, 30 * MIN, MIN)!;
    expect(down.to.v).toBe(0);
    expect(down.to.t).toBe(NOW + 5 * MIN);
    expect(forecastLine(f({ status: "insufficient-data", slopePerHour: null }), NOW, H, MIN, MIN)).toBeUndefined();
    expect(forecastLine(undefined, NOW, H, MIN, MIN)).toBeUndefined();
  });
});

describe("lineChart", () => {
  it("places the threshold where it belongs on the value axis", () => {
    const svg = svgsOf(lineChart({ idPrefix: "c", title: "t", description: "d", points: [{ t: NOW - 2 * MIN, v: 100 }, { t: NOW - MIN, v: 200 }], stepMs: MIN, threshold: 300, nowMs: NOW, format: (v) => `${v}ms` }))[0];
    // ticks 0..400 (max 300 × 1.05 = 315 → step 100): plot from y=16 to 182, 300 at 16 + 166/4.
    const m = /<path class="threshold" d="M66 ([\d.]+) L526 ([\d.]+)"/.exec(svg.markup)!;
    expect(Number(m[1])).toBeCloseTo(16 + 166 / 4, 1);
    expect(svg.markup).toContain(">400ms</text>");
    expect(svg.markup).toContain("threshold 300ms");
  });

  it("property: any series, threshold and forecast stays inside the viewBox", () => {
    const value = fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1e9, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 0, maxLength: 400 }),
        fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: null }),
        fc.option(fc.record({ slope: fc.double({ min: -1e9, max: 1e9, noNaN: true }), now: fc.double({ min: 0, max: 1e9, noNaN: true }), at: fc.integer({ min: -600, max: 100_000 }) }), { nil: undefined }),
        fc.integer({ min: 1000, max: 3_600_000 }),
        (values, threshold, fcast, step) => {
          const points = values.map((v, i) => ({ t: NOW - (values.length - i) * step, v }));
          const forecast = fcast
            ? forecastLine({ status: "will-cross", slopePerHour: fcast.slope, valueNow: fcast.now, atMs: NOW + fcast.at * 1000, n: 5 }, NOW, 7 * 24 * H, values.length * step, step)
            : undefined;
          const markup = lineChart({ idPrefix: "p", title: "t", description: "d", points, stepMs: step, threshold, ...(forecast ? { forecast } : {}), nowMs: NOW, format: String });
          const [svg] = svgsOf(markup);
          expect(outside(svg)).toEqual([]);
          expect(markup).not.toMatch(/NaN|Infinity/);
          if (values.some((v) => v !== null)) expect(markup).toContain(`class="observed"`);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("burnRateChart and stackedBars", () => {
  it("burn bars stop at twice the factor; huge or zero rates stay inside", () => {
    const svg = svgsOf(
      burnRateChart({
        idPrefix: "b",
        title: "burn",
        rates: [{ longWindowMs: H, shortWindowMs: 5 * MIN, factor: 14.4, longRate: 1e9, shortRate: 0, alerting: true }],
        windowText: () => "1h / 5m",
      }),
    )[0];
    expect(outside(svg)).toEqual([]);
    expect(svg.markup).toContain(`<rect class="burn-long" x="110" y="25" width="290"`);
    expect(svg.markup).toContain(`<rect class="burn-short" x="110" y="36" width="0"`);
    expect(svg.markup).toContain("alerting");
  });

  it("stacked bars: zero-length journeys and many segments stay inside", () => {
    const svg = svgsOf(
      stackedBars({
        idPrefix: "s",
        title: "journeys",
        journeys: [
          { service: "a", operation: "x".repeat(200), traces: 1, fromMs: 0, toMs: 0, meanDurationMs: 0, meanProcessingMs: 0, meanNetworkMs: 0, segments: [] },
          { service: "a", operation: "GET /", traces: 3, fromMs: 0, toMs: 0, meanDurationMs: 10, meanProcessingMs: 10, meanNetworkMs: 0, segments: Array.from({ length: 20 }, (_, i) => ({ category: "processing" as const, name: `c${i}`, meanMs: 0.5 })) },
        ],
        colors: new Map(),
        formatMs: (ms) => `${ms}ms`,
      }),
    )[0];
    expect(outside(svg)).toEqual([]);
    expect(svg.markup).toContain(`${"x".repeat(33)}…`);
    expect(svg.markup.match(/class="segment /g)).toHaveLength(20);
  });
});
