// Test data for the digest tests: seeded generators (so every run sees the same values) and exact
// quantiles of a sorted array under the digest's convention.

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
import { mulberry32 as rng } from "../../../src/random/index.js";

export { rng };

function normal(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export const DISTRIBUTIONS = [
  "lognormal", // latency-like: median 50, σ = 1
  "uniform", // [0, 1000)
  "exponential", // mean 100
  "bimodal", // 70 % lognormal(20, 0.3), 30 % lognormal(200, 0.5): cache hit / miss
  "constant", // 42
  "pareto", // α = 1.5, xm = 1: heavy tail, infinite variance
  "ascending", // the lognormal values, sorted ascending
  "descending", // and descending
] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export function generate(dist: Distribution, n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (dist) {
      case "lognormal":
      case "ascending":
      case "descending":
        a[i] = Math.exp(Math.log(50) + normal(r));
        break;
      case "uniform":
        a[i] = r() * 1000;
        break;
      case "exponential":
        a[i] = -Math.log(1 - r()) * 100;
        break;
      case "bimodal":
        a[i] = r() < 0.7 ? Math.exp(Math.log(20) + 0.3 * normal(r)) : Math.exp(Math.log(200) + 0.5 * normal(r));
        break;
      case "constant":
        a[i] = 42;
        break;
      case "pareto":
        a[i] = Math.pow(1 - r(), -1 / 1.5);
        break;
    }
  }
  if (dist === "ascending") a.sort();
  if (dist === "descending") a.sort().reverse();
  return a;
}

export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The exact quantile under the digest's convention: sorted[min(n − 1, ⌊q·n⌋)]. */
export function exactQuantile(s: Float64Array, q: number): number {
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** The exact fraction of values ≤ x. */
export function exactCdf(s: Float64Array, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / s.length;
}

export function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

/** Fisher–Yates with a seeded PRNG. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
