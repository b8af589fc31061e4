// Properties of WindowSeries over random traffic: any range read matches brute force exactly on
// counts, min and max; reading merges a bounded number of windows; rows round-trip.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WindowSeries, alignDown, alignUp, HOUR_MS, MINUTE_MS } from "../../../src/window/index.js";

const T0 = Date.UTC(2024, 0, 1);

const traffic = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * MINUTE_MS }), fc.double({ min: 0, max: 1e4, noNaN: true })), { minLength: 1, maxLength: 300 });
const range = fc.tuple(fc.integer({ min: -HOUR_MS, max: 20 * HOUR_MS }), fc.integer({ min: 0, max: 20 * HOUR_MS }));

describe("WindowSeries properties", () => {
  it("over() agrees with brute force, merges a bounded number of windows, and survives a round trip", () => {
    fc.assert(
      fc.property(traffic, fc.array(range, { minLength: 1, maxLength: 10 }), fc.constantFrom(5_000, 10_000, 30_000), (adds, ranges, baseMs) => {
        // Retention long enough that nothing is pruned in these ≤ 20 h: every range is fully held.
        const s = new WindowSeries("p", { baseMs, retentionBaseMs: 24 * HOUR_MS });
        const seen: Array<[number, number]> = [];
        let t = T0;
        for (const [dt, v] of adds) {
          t += dt;
          s.add(v, t);
          seen.push([t, v]);
        }
        s.advance(t);
        const rows = s.dirtyRows();
        const copy = new WindowSeries("p", { baseMs, retentionBaseMs: 24 * HOUR_MS });
        copy.restore(rows);
        copy.advance(t);
        for (const [a, len] of ranges) {
          const from = T0 + a;
          const to = from + len;
          const lo = alignUp(from, baseMs);
          const want = seen.filter(([at]) => alignDown(at, baseMs) >= lo && alignDown(at, baseMs) < to).map(([, v]) => v);
          const v = s.over(from, to);
          expect(v.count).toBe(want.length);
          if (want.length > 0) {
            expect(v.min).toBe(Math.min(...want));
            expect(v.max).toBe(Math.max(...want));
            expect(v.digest!.count).toBe(want.length);
          }
          // Base windows only at the two edges (< 1 minute each), minutes only around the hours.
          const hours = Math.ceil(len / HOUR_MS) + 1;
          expect(v.windows).toBeLessThanOrEqual(2 * (MINUTE_MS / baseMs) + 2 * 60 + hours);
          const c = copy.over(from, to);
          expect(c.count).toBe(v.count);
          expect(c.min).toEqual(v.min);
          expect(c.max).toEqual(v.max);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("stays within its retention bound", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 * MINUTE_MS }), { minLength: 1, maxLength: 400 }), (gaps) => {
        const s = new WindowSeries("p", { retentionBaseMs: 5 * MINUTE_MS, retentionMinutesMs: HOUR_MS, retentionHoursMs: 3 * HOUR_MS });
        let t = T0;
        for (const g of gaps) {
          t += g;
          s.add(1, t);
          const z = s.sizes();
          expect(z.base).toBeLessThanOrEqual(5 * 6 + 1);
          expect(z.minutes).toBeLessThanOrEqual(60 + 1);
          expect(z.hours).toBeLessThanOrEqual(3 + 1);
        }
      }),
      { numRuns: 100 },
    );
  });
});
