/**
 * The scale function of the engine's t-digest: Dunning & Ertl's k2,
 *
 *   k(q) = δ/Z(n) · ln(q / (1 − q)),   Z(n) = 4·ln(n/δ) + 24   (n/δ clamped to ≥ 1),
 *
 * under which a centroid may span at most 1 in k. Its centroids shrink in proportion to
 * q(1 − q), i.e. to the distance from the nearer end, so relative resolution is the same at p99,
 * p99.9 and p99.99, which is what budgets on tail latency need; k1 (arcsine, size ∝ √(q(1−q)))
 * leaves end centroids of ~π²/δ² of the data, far too coarse at p99.9 (measured: with 350
 * centroids, k1 misses p99.9 by 0.6–6 % where k2 stays below 0.3 %; see `bench/digest.bench.ts`).
 *
 * The merge pass only needs the limit k⁻¹(k(q0) + 1) of a centroid that starts at q0; for k2 that
 * is q0·g / (1 − q0 + q0·g) with g = e^{Z/δ}: one `exp` and one `log` per pass, plain arithmetic
 * per centroid. (V8's `Math.exp`/`Math.log` are the fdlibm algorithms, identical on every platform,
 * which byte-identical serialisation relies on.)
 */

/** e^{Z(n)/δ}: the factor by which q/(1 − q) may grow across one centroid. */
export function k2Growth(compression: number, total: number): number {
  const z = 4 * Math.log(Math.max(1, total / compression)) + 24;
  return Math.exp(z / compression);
}

/** The cumulative fraction a centroid starting at q0 may extend to (∈ [q0, 1]). */
export function k2Limit(q0: number, growth: number): number {
  const gq = growth * q0;
  return gq / (1 - q0 + gq);
}

/**
 * Largest number of centroids a merge pass can produce for compression δ. Two adjacent centroids
 * always span more than 1 in k, so there are at most 2·(k-range) + 2 of them. Over q ∈ [1/n, 1 − 1/n]
 * the k2 range is 2δ·ln(n)/Z(n), largest at n = δ when ln δ > 6 (δ·ln(δ)/12), else below δ/2; and
 * never more centroids than points.
 */
export function capacityFor(compression: number): number {
  return Math.ceil(compression * Math.max(1, Math.log(compression) / 6)) + 8;
}
