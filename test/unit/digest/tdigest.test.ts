// Behaviour of the t-digest API: empty and small digests, bad input, quantile/cdf contracts,
// determinism, pure reads, merging and memory.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_COMPRESSION, TDigest } from "../../../src/digest/index.js";
import { capacityFor } from "../../../src/digest/scale.js";
import { exactCdf, exactQuantile, generate, relativeError, rng, sorted } from "./helpers.js";

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function digestOf(values: ArrayLike<number>, compression?: number): TDigest {
  const d = new TDigest(compression);
  d.addAll(values);
  return d;
}

/** Values with ties: integers 0..20 and a few fractions. */
function tiedValues(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() < 0.7 ? Math.round(r() * 20) : r() * 20 - 5));
}

describe("an empty digest", () => {
  it("has count 0, sum 0, NaN statistics, NaN quantiles and cdf, no centroids", () => {
    const d = new TDigest();
    expect(d.isEmpty).toBe(true);
    expect(d.count).toBe(0);
    expect(d.sum).toBe(0);
    expect(d.mean).toBeNaN();
    expect(d.min).toBeNaN();
    expect(d.max).toBeNaN();
    expect(d.quantile(0)).toBeNaN();
    expect(d.quantile(0.5)).toBeNaN();
    expect(d.quantile(1)).toBeNaN();
    expect(d.cdf(0)).toBeNaN();
    expect(d.centroidCount).toBe(0);
    expect(d.rejected).toBe(0);
  });
});

describe("construction", () => {
  it("defaults to the measured compression", () => {
    expect(DEFAULT_COMPRESSION).toBe(600);
    expect(new TDigest().compression).toBe(DEFAULT_COMPRESSION);
  });

  it("accepts [10, 100000] and throws RangeError outside it", () => {
    expect(new TDigest(10).compression).toBe(10);
    expect(new TDigest(100_000).compression).toBe(100_000);
    for (const bad of [9.99, 100_001, NaN, -1, Infinity]) expect(() => new TDigest(bad)).toThrow(RangeError);
  });
});

describe("bad input is counted, not added", () => {
  it("rejects NaN, ±Infinity and weights that are not finite numbers > 0", () => {
    const d = new TDigest();
    d.add(NaN);
    d.add(Infinity);
    d.add(-Infinity);
    d.add(1, 0);
    d.add(1, -1);
    d.add(1, NaN);
    d.add(1, Infinity);
    d.add(NaN, 2);
    expect(d.rejected).toBe(8);
    expect(d.isEmpty).toBe(true);
    expect(d.sum).toBe(0);
    d.addAll([1, NaN, 2, Infinity, 3]);
    expect(d.rejected).toBe(10);
    expect(d.count).toBe(3);
    expect(d.sum).toBe(6);
    expect([d.min, d.max]).toEqual([1, 3]);
  });

  it("keeps the rejected count through merge and serialisation, and clears it on reset", () => {
    const a = new TDigest();
    a.add(NaN);
    const b = new TDigest();
    b.add(Infinity);
    b.add(2);
    a.merge(b);
    expect(a.rejected).toBe(2);
    expect(TDigest.fromBytes(a.toBytes()).rejected).toBe(2);
    expect(TDigest.mergeAll([a, b]).rejected).toBe(3);
    a.reset();
    expect(a.rejected).toBe(0);
  });
});

describe("small digests give exact answers", () => {
  // While every centroid is a singleton (up to δ/3 points: 200 at the default compression)
  // quantile(q) is exactly sorted[min(n − 1, ⌊q·n⌋)] and cdf(x) exactly #{values ≤ x}/n.
  it.each([1, 2, 3, 7, 50, 200])("n = %i (with ties)", (n) => {
    const values = tiedValues(n, n);
    const d = digestOf(values);
    const s = sorted(values);
    expect(d.centroidCount).toBe(n);
    const qs = [0, 1];
    for (let i = 0; i <= 1000; i++) qs.push(i / 1000);
    for (let k = 0; k <= n; k++) qs.push(k / n, Math.max(0, k / n - 1e-12), Math.min(1, k / n + 1e-12));
    for (const q of qs) expect(d.quantile(q)).toBe(exactQuantile(s, q));
    const xs = [s[0]! - 1, s[n - 1]! + 1];
    for (let i = 0; i < n; i++) xs.push(s[i]!, s[i]! + 0.25, s[i]! - 0.25);
    for (const x of xs) expect(d.cdf(x)).toBe(exactCdf(s, x));
  });

  it("the first merged centroid appears past δ/3 points", () => {
    expect(digestOf(tiedValues(200, 1)).centroidCount).toBe(200);
    expect(digestOf(tiedValues(201, 1)).centroidCount).toBeLessThan(201);
    expect(digestOf(tiedValues(33, 1), 100).centroidCount).toBe(33);
    expect(digestOf(tiedValues(34, 1), 100).centroidCount).toBeLessThan(34);
  });
});

describe("quantile and cdf", () => {
  const values = generate("lognormal", 100_000, 5);
  const d = digestOf(values);
  const s = sorted(values);
  const n = values.length;

  it("throws RangeError for q outside [0, 1]", () => {
    for (const q of [-0.01, 1.01, NaN, -Infinity]) expect(() => d.quantile(q)).toThrow(RangeError);
  });

  it("gives the exact min at q = 0 and max at q = 1", () => {
    expect(d.quantile(0)).toBe(s[0]);
    expect(d.quantile(1)).toBe(s[n - 1]);
    expect(d.quantile(1e-9)).toBe(s[0]);
    expect(d.quantile(1 - 1e-9)).toBe(s[n - 1]);
  });

  it("cdf is 0 below min, 1 at and above max, NaN for NaN, in between exact for the extreme singletons", () => {
    expect(d.cdf(s[0]! - 1e-9)).toBe(0);
    expect(d.cdf(-Infinity)).toBe(0);
    expect(d.cdf(s[n - 1]!)).toBe(1);
    expect(d.cdf(Infinity)).toBe(1);
    expect(d.cdf(NaN)).toBeNaN();
    expect(d.cdf(s[0]!)).toBe(1 / n);
    expect(d.cdf(s[n - 2]!)).toBe((n - 1) / n);
  });

  it("is monotone: quantile in q, cdf in x", () => {
    let prev = -Infinity;
    for (let i = 0; i <= 20_000; i++) {
      const v = d.quantile(i / 20_000);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    prev = 0;
    for (let i = 0; i < n; i += 7) {
      const c = d.cdf(s[i]!);
      expect(c).toBeGreaterThanOrEqual(prev);
      expect(c).toBeLessThanOrEqual(1);
      prev = c;
    }
  });

  it("cdf inverts quantile: q ≤ cdf(quantile(q)) ≤ q + 1/n", () => {
    for (let i = 1; i < 2000; i++) {
      const q = i / 2000;
      const c = d.cdf(d.quantile(q));
      expect(c).toBeGreaterThanOrEqual(q - 1e-12);
      expect(c).toBeLessThanOrEqual(q + 1 / n + 1e-12);
    }
  });

  it("cdf is 1 at max and quantile(1) is max when the extreme values carry weight", () => {
    const w = new TDigest();
    w.add(1, 4);
    w.add(2);
    w.add(3, 5);
    expect(w.cdf(3)).toBe(1);
    expect(w.cdf(2.999)).toBeLessThan(1);
    expect(w.cdf(0.999)).toBe(0);
    expect(w.quantile(1)).toBe(3);
    expect(w.quantile(0)).toBe(1);
    expect(w.quantile(0.05)).toBe(1);
  });

  it("handles atoms: a constant stream and a two-valued stream", () => {
    const c = digestOf(new Float64Array(10_000).fill(42));
    for (const q of [0, 0.001, 0.5, 0.999, 1]) expect(c.quantile(q)).toBe(42);
    expect(c.cdf(42)).toBe(1);
    expect(c.cdf(41.999)).toBe(0);
    const two = new TDigest();
    for (let i = 0; i < 5000; i++) {
      two.add(1);
      two.add(2);
    }
    expect(two.quantile(0.25)).toBe(1);
    expect(two.quantile(0.75)).toBe(2);
    // Centroid means only: the half of the last centroid at 1 counts as above 1.
    expect(Math.abs(two.cdf(1) - 0.5)).toBeLessThanOrEqual(0.01);
  });

  it("stays finite and ordered across the whole float64 range", () => {
    const e = digestOf([-1.7e308, -1e-300, -0, 0, 5e-324, 1, 1e300, 1.7e308, 1.6e308, -1.6e308]);
    let prev = -Infinity;
    for (let i = 0; i <= 100; i++) {
      const v = e.quantile(i / 100);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    for (const x of [-1e308, 0, 1e308]) expect(e.cdf(x)).toBeGreaterThanOrEqual(0);
  });
});

describe("count, sum, mean, min, max", () => {
  it("are exact, with weights", () => {
    const d = new TDigest();
    d.add(10, 2);
    d.add(20, 0.5);
    d.add(30);
    expect(d.count).toBe(3.5);
    expect(d.sum).toBe(60);
    expect(d.mean).toBe(60 / 3.5);
    expect([d.min, d.max]).toEqual([10, 30]);
  });

  it("weight w behaves like w unit points", () => {
    const values = generate("lognormal", 20_000, 9);
    const weighted = new TDigest();
    const repeated = new TDigest();
    for (const v of values) {
      weighted.add(v, 3);
      for (let k = 0; k < 3; k++) repeated.add(v);
    }
    expect(weighted.count).toBe(repeated.count);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999]) expect(relativeError(weighted.quantile(q), repeated.quantile(q))).toBeLessThanOrEqual(0.005);
  });
});

describe("determinism and pure reads", () => {
  const values = generate("lognormal", 200_000, 11);

  it("the same adds give the same bytes; different adds do not", () => {
    expect(same(digestOf(values).toBytes(), digestOf(values).toBytes())).toBe(true);
    expect(same(digestOf(values).toBytes(), digestOf(generate("lognormal", 200_000, 12)).toBytes())).toBe(false);
  });

  it("matches the recorded bytes (a change here changes every stored digest: bump the format deliberately)", () => {
    const hash = createHash("sha256").update(digestOf(generate("lognormal", 100_000, 42)).toBytes()).digest("hex");
    expect(hash).toBe(GOLDEN_SHA256);
  });

  it("reads between adds do not change the bytes", () => {
    const quiet = digestOf(values);
    const queried = new TDigest();
    for (let i = 0; i < values.length; i++) {
      queried.add(values[i]!);
      if (i % 37 === 0) {
        queried.quantile(0.99);
        queried.cdf(values[i]!);
        void queried.centroidCount;
      }
      if (i % 4999 === 0) queried.toBytes();
    }
    expect(same(queried.toBytes(), quiet.toBytes())).toBe(true);
  });

  it("reads of several buffered digests in turn see their own data", () => {
    const a = digestOf(generate("uniform", 1234, 1));
    const b = digestOf(generate("exponential", 2345, 2));
    const qa = a.quantile(0.5);
    const qb = b.quantile(0.5);
    expect(a.quantile(0.5)).toBe(qa);
    expect(b.quantile(0.5)).toBe(qb);
    a.add(5000);
    expect(a.max).toBe(5000);
    for (const q of [0.1, 0.5, 0.99]) {
      expect(a.quantile(q)).toBe(TDigest.fromBytes(a.toBytes()).quantile(q));
      expect(b.quantile(q)).toBe(TDigest.fromBytes(b.toBytes()).quantile(q));
    }
  });

  it("a clone is independent and continues identically", () => {
    const d = digestOf(values.subarray(0, 12_345));
    const before = d.toBytes();
    const c = d.clone();
    expect(same(c.toBytes(), before)).toBe(true);
    c.addAll(values.subarray(12_345, 50_000));
    expect(same(d.toBytes(), before)).toBe(true);
    d.addAll(values.subarray(12_345, 50_000));
    expect(same(c.toBytes(), d.toBytes())).toBe(true);
  });

  it("reset gives a digest that behaves as a new one", () => {
    const d = digestOf(values);
    d.add(NaN);
    d.reset();
    expect(d.isEmpty).toBe(true);
    expect(d.rejected).toBe(0);
    expect(d.quantile(0.5)).toBeNaN();
    d.addAll(values.subarray(0, 30_000));
    expect(same(d.toBytes(), digestOf(values.subarray(0, 30_000)).toBytes())).toBe(true);
  });
});

describe("merge", () => {
  const va = generate("lognormal", 30_000, 21);
  const vb = generate("pareto", 17_777, 22);

  it("adds counts, sums and rejected; takes min and max", () => {
    const a = digestOf(va);
    const b = digestOf(vb);
    b.add(NaN);
    const sum = a.sum + b.sum;
    a.merge(b);
    expect(a.count).toBe(va.length + vb.length);
    expect(a.sum).toBe(sum);
    expect(a.rejected).toBe(1);
    expect(a.min).toBe(Math.min(...va, ...vb));
    expect(a.max).toBe(Math.max(...va, ...vb));
    expect(b.count).toBe(vb.length);
  });

  it("is symmetric: a.merge(b) and b.merge(a) give the same bytes", () => {
    const ab = digestOf(va).merge(digestOf(vb));
    const ba = digestOf(vb).merge(digestOf(va));
    expect(same(ab.toBytes(), ba.toBytes())).toBe(true);
  });

  it("depends only on the serialised states", () => {
    const a = digestOf(va);
    const b = digestOf(vb);
    const direct = a.clone().merge(b);
    const viaBytes = TDigest.fromBytes(a.toBytes()).merge(TDigest.fromBytes(b.toBytes()));
    expect(same(direct.toBytes(), viaBytes.toBytes())).toBe(true);
  });

  it("with an empty digest is the identity", () => {
    const a = digestOf(va);
    const before = a.toBytes();
    a.merge(new TDigest());
    expect(same(a.toBytes(), before)).toBe(true);
    expect(same(new TDigest().merge(a).toBytes(), before)).toBe(true);
    expect(same(TDigest.mergeAll([new TDigest(), a, new TDigest()]).toBytes(), before)).toBe(true);
  });

  it("with itself doubles the weight and keeps the quantiles", () => {
    const a = digestOf(va);
    const q = a.quantile(0.9);
    a.merge(a);
    expect(a.count).toBe(2 * va.length);
    expect(relativeError(a.quantile(0.9), q)).toBeLessThanOrEqual(0.005);
  });

  it("mergeAll adds sums in an order-free way (0.1 + 0.2 + 0.3 in any order)", () => {
    const parts = [0.1, 0.2, 0.3].map((x) => digestOf([x]));
    const sums = [parts, [...parts].reverse(), [parts[1]!, parts[2]!, parts[0]!]].map((p) => TDigest.mergeAll(p).sum);
    expect(new Set(sums).size).toBe(1);
  });

  it("mergeAll leaves its inputs unchanged and picks the compression", () => {
    const a = digestOf(va, 100);
    const b = digestOf(vb, 300);
    const [ba, bb] = [a.toBytes(), b.toBytes()];
    const m = TDigest.mergeAll([a, b]);
    expect(m.compression).toBe(300);
    expect(same(a.toBytes(), ba) && same(b.toBytes(), bb)).toBe(true);
    expect(TDigest.mergeAll([a, b], 50).compression).toBe(50);
    expect(TDigest.mergeAll([]).compression).toBe(DEFAULT_COMPRESSION);
    expect(TDigest.mergeAll([]).isEmpty).toBe(true);
  });

  it("into a smaller compression stays within that digest's capacity", () => {
    const small = digestOf(va, 50).merge(digestOf(generate("uniform", 100_000, 3), 5000));
    expect(small.compression).toBe(50);
    expect(small.centroidCount).toBeLessThanOrEqual(capacityFor(50));
    expect(small.count).toBe(130_000);
  });
});

describe("memory", () => {
  // Typed arrays only: centroids (2 × 8 bytes, grown by doubling up to the capacity) and the
  // buffer (8 bytes × ⌈δ⌉). A deserialised digest holds exactly its centroids.
  const bound = (c: number) => 16 * capacityFor(c) + 8 * c;

  it.each([10_000, 1_000_000])("after %i values stays within 16·capacity + 8·δ bytes", (n) => {
    const d = digestOf(generate("lognormal", n, 3));
    expect(d.memoryBytes).toBeLessThanOrEqual(bound(DEFAULT_COMPRESSION));
    expect(d.centroidCount).toBeLessThanOrEqual(capacityFor(DEFAULT_COMPRESSION));
  });

  it("a deserialised digest holds 16 bytes per centroid", () => {
    const d = TDigest.fromBytes(digestOf(generate("lognormal", 50_000, 3)).toBytes());
    expect(d.memoryBytes).toBe(16 * d.centroidCount);
  });
});

// sha256 of toBytes() for 100k lognormal values (seed 42) at the default compression: 386 centroids, 3680 bytes.
const GOLDEN_SHA256 = "1b58770c75348ad676e246438edae0127dfba953a38a18f9155735702728b0eb";
