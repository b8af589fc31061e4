import { normalCdf, normalQuantile } from "./normal.js";

/** One observation: `t` a time in ms (any origin), `v` the observed value. */
export interface TrendPoint {
  t: number;
  v: number;
}

export interface TheilSenOptions {
  /** Confidence level of the slope interval, 0 < level < 1; default 0.95. */
  level?: number;
  /** Most points used; beyond it an evenly spaced subsample (by time, first and last kept). Default 500. */
  maxPoints?: number;
}

export interface TheilSenFit {
  /** The median of the pairwise slopes, in value units per ms. */
  slopePerMs: number;
  /** The value of the line at t = 0: the median of `v − slope·t`. */
  intercept: number;
  /** Points used (after dropping non-finite ones and subsampling). */
  n: number;
  /** Sen's confidence interval of the slope. */
  confidence: { lowSlope: number; highSlope: number; level: number };
  /** Kendall's τ-a between t and v: −1 … 1. */
  kendallTau: number;
  /** Two-sided p-value of the Mann–Kendall test for a trend (normal approximation, continuity corrected). */
  pValue: number;
  /** The median t of the points used, and the line's value there: the pivot of the confidence band. */
  centerT: number;
  centerV: number;
}

export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_MAX_POINTS = 500;

/**
 * Theil–Sen regression: the slope is the median of the slopes of all pairs of points with
 * distinct t, so up to ~29 % of arbitrary outliers cannot carry it away (least squares gives way
 * to one). Undefined with fewer than 3 finite points or when all t are equal.
 *
 * The slope's confidence interval is Sen's (1968): with N pairwise slopes sorted and
 * `C = z(1 − (1 − level)/2) · √Var(S)`, where `Var(S) = n(n−1)(2n+5)/18` is the variance of
 * Kendall's S under no trend (ties ignored), the bounds are the slopes of rank `(N − C)/2` and
 * `(N + C)/2 + 1` (interpolated between neighbours, clamped to the smallest and largest slope).
 *
 * O(n² log n): for more than `maxPoints` points an evenly spaced subsample is fitted.
 */
export function theilSen(points: readonly TrendPoint[], options: TheilSenOptions = {}): TheilSenFit | undefined {
  const level = options.level ?? DEFAULT_LEVEL;
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!(Number.isInteger(maxPoints) && maxPoints >= 3)) throw new RangeError(`maxPoints must be an integer ≥ 3, got ${maxPoints}`);

  const pts = subsample(
    points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t),
    maxPoints,
  );
  const n = pts.length;
  if (n < 3) return undefined;

  const slopes = new Float64Array((n * (n - 1)) / 2);
  let count = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = pts[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = pts[j]!;
      const dt = b.t - a.t; // ≥ 0: sorted
      if (dt === 0) continue;
      const dv = b.v - a.v;
      slopes[count++] = dv / dt;
      s += Math.sign(dv);
    }
  }
  if (count === 0) return undefined;
  const sorted = slopes.subarray(0, count).sort();
  const slope = median(sorted);

  // The line's level at the median time, from residuals taken relative to it: with t in epoch
  // milliseconds (~1.7e12), `v - slope * t` would lose the value's low digits to the product.
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = pts[i]!.t;
  const centerT = median(ts); // already sorted
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = pts[i]!.v - slope * (pts[i]!.t - centerT);
  const centerV = median(residuals.sort());
  const intercept = centerV - slope * centerT;

  const varS = (n * (n - 1) * (2 * n + 5)) / 18;
  const c = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(varS);
  const lowSlope = rank(sorted, (count - c) / 2);
  const highSlope = rank(sorted, (count + c) / 2 + 1);

  const z = (s - Math.sign(s)) / Math.sqrt(varS);
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));

  return {
    slopePerMs: slope,
    intercept,
    n,
    confidence: { lowSlope, highSlope, level },
    kendallTau: s / ((n * (n - 1)) / 2),
    pValue,
    centerT,
    centerV,
  };
}

/** `k` points evenly spaced over the sorted `pts` (indices rounded), first and last included. */
function subsample(pts: TrendPoint[], k: number): TrendPoint[] {
  if (pts.length <= k) return pts;
  const out: TrendPoint[] = [];
  for (let i = 0; i < k; i++) out.push(pts[Math.round((i * (pts.length - 1)) / (k - 1))]!);
  return out;
}

function median(sorted: Float64Array): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** The value of 1-based rank `r` in `sorted`, interpolated, clamped to [1, length]. */
function rank(sorted: Float64Array, r: number): number {
  const x = Math.min(Math.max(r, 1), sorted.length) - 1;
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (x - lo) * (sorted[hi]! - sorted[lo]!);
}
