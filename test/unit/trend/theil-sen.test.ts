import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalCdf, normalQuantile, theilSen, type TrendPoint } from "../../../src/trend/index.js";
import { rng } from "./helpers.js";

const MIN = 60_000;

function olsSlope(pts: TrendPoint[]): number {
  const mt = pts.reduce((a, p) => a + p.t, 0) / pts.length;
  const mv = pts.reduce((a, p) => a + p.v, 0) / pts.length;
  return pts.reduce((a, p) => a + (p.t - mt) * (p.v - mv), 0) / pts.reduce((a, p) => a + (p.t - mt) ** 2, 0);
}

describe("theilSen", () => {
  it("fits an exact line exactly", () => {
    const pts = Array.from({ length: 10 }, (_, i) => ({ t: i * 1000, v: 5 + 2 * i * 1000 }));
    const f = theilSen(pts)!;
    expect(f).toMatchObject({ slopePerMs: 2, intercept: 5, n: 10, kendallTau: 1, centerT: 4500, centerV: 9005 });
    expect(f.confidence).toEqual({ lowSlope: 2, highSlope: 2, level: 0.95 });
    expect(f.pValue).toBeLessThan(0.001);
  });

  it("three points by hand: slopes 1, 1.5, 2", () => {
    const f = theilSen([
      { t: 2, v: 3 },
      { t: 0, v: 0 }, // any order
      { t: 1, v: 1 },
    ])!;
    expect(f.slopePerMs).toBe(1.5);
    expect(f.intercept).toBe(0); // median of 0, 1 − 1.5, 3 − 3
    // N = 3, C = 1.96 · √(3·2·11/18) = 3.75: both ranks fall outside [1, 3] and clamp to the extremes
    expect(f.confidence).toMatchObject({ lowSlope: 1, highSlope: 2 });
    // S = 3, z = (3 − 1) / √(11/3) = 1.0445, p = 2 (1 − Φ(z))
    expect(f.pValue).toBeCloseTo(0.2963, 3);
  });

  it("interpolates the interval's ranks (n = 6, N = 15)", () => {
    // v = t² on t = 0…5: the 15 slopes are the sums i + j for i < j in 0…5
    const f = theilSen(Array.from({ length: 6 }, (_, t) => ({ t, v: t * t })))!;
    // sorted: 1 2 3 3 4 4 5 5 5 6 6 7 7 8 9; median 5
    expect(f.slopePerMs).toBe(5);
    // Var(S) = 6·5·17/18 = 28.33, C = 1.95996 · 5.3229 = 10.4326; ranks (15 − C)/2 = 2.2837 and (15 + C)/2 + 1 = 13.7163
    // low = s2 + 0.2837 (s3 − s2) = 2.2837; high = s13 + 0.7163 (s14 − s13) = 7 + 0.7163 = 7.7163
    expect(f.confidence.lowSlope).toBeCloseTo(2.2837, 3);
    expect(f.confidence.highSlope).toBeCloseTo(7.7163, 3);
  });

  it("resists 20 % outliers where least squares does not", () => {
    const slope = 0.1 / MIN; // 0.1 per minute
    for (let seed = 1; seed <= 10; seed++) {
      const r = rng(seed);
      const pts = Array.from({ length: 50 }, (_, i) => ({ t: i * MIN, v: 100 + slope * i * MIN + (r() - 0.5) * 0.5 }));
      const outliers = new Set<number>();
      while (outliers.size < 10) outliers.add(Math.floor(r() * pts.length));
      for (const i of outliers) pts[i]!.v += 50; // spikes, 10× the whole trend's rise
      const f = theilSen(pts)!;
      expect(Math.abs(f.slopePerMs / slope - 1), `seed ${seed}`).toBeLessThan(0.1);
      expect(Math.abs(olsSlope(pts) / slope - 1), `seed ${seed}`).toBeGreaterThan(0.3);
    }
  });

  it("its 95 % interval covers the true slope about 95 % of the time under noise", () => {
    const r = rng(42);
    const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    let covered = 0;
    const trials = 400;
    for (let k = 0; k < trials; k++) {
      const pts = Array.from({ length: 20 }, (_, i) => ({ t: i * MIN, v: 10 + (0.5 / MIN) * i * MIN + normal() }));
      const { lowSlope, highSlope } = theilSen(pts)!.confidence;
      if (lowSlope <= 0.5 / MIN && 0.5 / MIN <= highSlope) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.995);
  });

  it("a flat series has slope 0, τ 0 and p 1", () => {
    const f = theilSen(Array.from({ length: 8 }, (_, i) => ({ t: i, v: 7 })))!;
    expect(f).toMatchObject({ slopePerMs: 0, intercept: 7, kendallTau: 0, pValue: 1 });
    expect(f.confidence).toMatchObject({ lowSlope: 0, highSlope: 0 });
  });

  it("undefined for fewer than 3 finite points or a single time", () => {
    expect(theilSen([])).toBeUndefined();
    expect(theilSen([{ t: 0, v: 1 }, { t: 1, v: 2 }])).toBeUndefined();
    expect(theilSen([{ t: 0, v: 1 }, { t: 1, v: 2 }, { t: 2, v: Number.NaN }])).toBeUndefined();
    expect(theilSen([{ t: 5, v: 1 }, { t: 5, v: 2 }, { t: 5, v: 3 }])).toBeUndefined();
  });

  it("subsamples beyond maxPoints, evenly over time", () => {
    const pts = Array.from({ length: 2001 }, (_, i) => ({ t: i * 10, v: 3 - 0.5 * i * 10 }));
    const f = theilSen(pts)!;
    expect(f.n).toBe(500);
    expect(f.slopePerMs).toBe(-0.5);
    expect(f.intercept).toBe(3);
    expect(theilSen(pts, { maxPoints: 3 })).toMatchObject({ n: 3, slopePerMs: -0.5, centerT: 10_000 });
  });

  it("refuses a level or maxPoints that cannot work", () => {
    const pts = [{ t: 0, v: 0 }, { t: 1, v: 1 }, { t: 2, v: 2 }];
    expect(() => theilSen(pts, { level: 1 })).toThrow(RangeError);
    expect(() => theilSen(pts, { maxPoints: 2 })).toThrow(RangeError);
    expect(theilSen(pts, { level: 0.5 })!.confidence.level).toBe(0.5);
  });
});

describe("theilSen properties", () => {
  /** Distinct integer times (sorted) with values strictly monotone in them. */
  const monotone = (sign: 1 | -1) =>
    fc
      .uniqueArray(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 3, maxLength: 40 })
      .chain((ts) =>
        fc.array(fc.double({ min: 0.001, max: 1000, noNaN: true }), { minLength: ts.length, maxLength: ts.length }).map((steps) => {
          const sorted = [...ts].sort((a, b) => a - b);
          let v = 0;
          return sorted.map((t, i) => ({ t, v: (v += sign * steps[i]!) }));
        }),
      );

  it("the slope and its whole interval have the sign of a strictly monotone series", () => {
    fc.assert(
      fc.property(monotone(1), (pts) => {
        const f = theilSen(pts)!;
        return f.slopePerMs > 0 && f.confidence.lowSlope > 0 && f.kendallTau === 1;
      }),
    );
    fc.assert(
      fc.property(monotone(-1), (pts) => {
        const f = theilSen(pts)!;
        return f.slopePerMs < 0 && f.confidence.highSlope < 0 && f.kendallTau === -1;
      }),
    );
  });

  it("keeps the line's level exact at epoch-millisecond times (a counterexample fast-check found)", () => {
    const pts = [{ t: 0, v: -1 }, { t: 17, v: -160 }, { t: 3, v: 0 }];
    const a = theilSen(pts)!;
    const b = theilSen(pts.map((p) => ({ t: p.t + 921_752_870_071, v: p.v })))!;
    expect(b.slopePerMs).toBe(a.slopePerMs);
    expect(a.centerV).toBeCloseTo(-29.058823529411768, 12);
    expect(b.centerV).toBe(a.centerV); // was -29.0596: the residuals lost digits to slope × t
  });

  it("shifting every t leaves the slope and interval unchanged and moves the intercept along the line", () => {
    const points = fc.array(fc.record({ t: fc.integer({ min: 0, max: 1e6 }), v: fc.integer({ min: -1000, max: 1000 }) }), { minLength: 3, maxLength: 40 });
    fc.assert(
      fc.property(points, fc.integer({ min: -1e12, max: 1e12 }), (pts, shift) => {
        const a = theilSen(pts);
        const b = theilSen(pts.map((p) => ({ t: p.t + shift, v: p.v })));
        if (a === undefined) return b === undefined;
        expect(b).toBeDefined();
        expect(b!.slopePerMs).toBe(a.slopePerMs);
        expect(b!.confidence).toEqual(a.confidence);
        expect(b!.pValue).toBe(a.pValue);
        expect(b!.centerT).toBe(a.centerT + shift);
        // The line's value at the (shifted) centre is the same.
        expect(b!.centerV).toBeCloseTo(a.centerV, 3);
        return true;
      }),
    );
  });
});

describe("normal distribution", () => {
  it("matches reference values", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
  });
});
