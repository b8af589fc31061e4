// Invariants of the t-digest over arbitrary inputs (fast-check, fixed seed so runs repeat).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TDigest } from "../../../src/digest/index.js";
import { capacityFor } from "../../../src/digest/scale.js";

const RUNS = { numRuns: 200, seed: 7_331 };

/** Finite doubles, from tiny to ±1.7e308, with duplicates; long enough to pass the δ/3
 * singleton range and the buffer at small compressions. */
const values = fc.oneof(
  fc.float64Array({ noNaN: true, noDefaultInfinity: true, maxLength: 3000 }),
  fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 3000 }).map((a) => Float64Array.from(a)),
  fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { maxLength: 3000 }).map((a) => Float64Array.from(a)),
);
const compression = fc.constantFrom(10, 25, 100, 600);
const qs = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 50 });

function digestOf(v: Float64Array, c: number): TDigest {
  const d = new TDigest(c);
  d.addAll(v);
  return d;
}

function seqSum(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

describe("t-digest invariants", () => {
  it("quantile is monotone in q and within [min, max]; q = 0 and 1 give the exact extremes", () => {
    fc.assert(
      fc.property(values, compression, qs, (v, c, q) => {
        fc.pre(v.length > 0);
        const d = digestOf(v, c);
        const lo = v.reduce((a, b) => Math.min(a, b), Infinity);
        const hi = v.reduce((a, b) => Math.max(a, b), -Infinity);
        expect(d.quantile(0)).toBe(lo);
        expect(d.quantile(1)).toBe(hi);
        let prev = -Infinity;
        for (const p of [...q].sort((a, b) => a - b)) {
          const x = d.quantile(p);
          expect(x).toBeGreaterThanOrEqual(prev);
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(hi);
          prev = x;
        }
      }),
      RUNS,
    );
  });

  it("cdf is monotone in x, within [0, 1], 0 below min and 1 at max", () => {
    fc.assert(
      fc.property(values, compression, (v, c) => {
        fc.pre(v.length > 0);
        const d = digestOf(v, c);
        const xs = Float64Array.from(v).sort();
        let prev = 0;
        for (const x of xs) {
          const p = d.cdf(x);
          expect(p).toBeGreaterThanOrEqual(prev);
          expect(p).toBeLessThanOrEqual(1);
          prev = p;
        }
        expect(d.cdf(xs[xs.length - 1]!)).toBe(1);
        expect(d.cdf(-Infinity)).toBe(0);
      }),
      RUNS,
    );
  });

  it("count and sum are exact; centroids stay within capacity", () => {
    fc.assert(
      fc.property(values, compression, (v, c) => {
        const d = digestOf(v, c);
        expect(d.count).toBe(v.length);
        expect(d.sum).toStrictEqual(seqSum(v));
        expect(d.centroidCount).toBeLessThanOrEqual(Math.min(v.length, capacityFor(c)));
      }),
      RUNS,
    );
  });

  it("merge: count is the sum of counts, sum of sums, min of mins, max of maxes; symmetric bytes", () => {
    fc.assert(
      fc.property(values, values, compression, (va, vb, c) => {
        const a = digestOf(va, c);
        const b = digestOf(vb, c);
        const ab = a.clone().merge(b);
        expect(ab.count).toBe(a.count + b.count);
        expect(ab.sum).toStrictEqual(a.sum + b.sum);
        if (ab.count > 0) {
          expect(ab.min).toBe(Math.min(...[a.min, b.min].filter((x) => !Number.isNaN(x))));
          expect(ab.max).toBe(Math.max(...[a.max, b.max].filter((x) => !Number.isNaN(x))));
        }
        expect(Buffer.from(ab.toBytes()).equals(Buffer.from(b.clone().merge(a).toBytes()))).toBe(true);
        expect(ab.centroidCount).toBeLessThanOrEqual(capacityFor(c));
      }),
      RUNS,
    );
  });

  it("mergeAll: any order gives the same bytes; count is the sum of counts", () => {
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 6 }), compression, fc.nat(), (parts, c, seed) => {
        const ds = parts.map((p) => digestOf(p, c));
        const order = ds.map((d, i) => [d, (i * 7919 + seed) % 101] as const).sort((x, y) => x[1] - y[1]).map(([d]) => d);
        const m = TDigest.mergeAll(ds);
        expect(m.count).toBe(parts.reduce((n, p) => n + p.length, 0));
        expect(Buffer.from(TDigest.mergeAll(order).toBytes()).equals(Buffer.from(m.toBytes()))).toBe(true);
      }),
      RUNS,
    );
  });

  it("serialisation round-trips byte-identically and reads do not change the bytes", () => {
    fc.assert(
      fc.property(values, compression, qs, (v, c, q) => {
        const d = digestOf(v, c);
        const bytes = d.toBytes();
        for (const p of q) d.quantile(p);
        expect(Buffer.from(d.toBytes()).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(TDigest.fromBytes(bytes).toBytes()).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(TDigest.fromBase64(d.toBase64()).toBytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      RUNS,
    );
  });
});
