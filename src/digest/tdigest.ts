/**
 * The engine's merging t-digest (after Dunning & Ertl, "Computing extremely accurate quantiles
 * using t-digests"). Points go to a Float64Array buffer of ⌈δ⌉ points (grown by doubling on
 * first use, so a window with few points stays small); when it is full it is sorted and merged
 * with the centroids in one pass under the k2 scale function (see scale.ts), so `add` is
 * amortised O(1) and allocation-free once the buffer has reached its size. Memory is the
 * centroids (16 bytes each, at most `capacityFor(δ)`) plus the buffer: 12.6 KB at δ = 600.
 *
 * Properties the engine relies on:
 *  - Deterministic: no randomness; the same adds and merges give byte-identical `toBytes()`.
 *  - Reads are pure: `quantile`, `cdf`, `centroidCount`, `toBytes` never change the state, so
 *    querying a window does not change what it serialises to.
 *  - The observable state is what `toBytes` holds: `a.merge(b)` gives the same bytes as
 *    `fromBytes(a.toBytes()).merge(fromBytes(b.toBytes()))`; `a.merge(b)` and `b.merge(a)` give
 *    the same bytes (same compression); `mergeAll` gives the same bytes for any input order.
 *  - Bad input is counted, not thrown: NaN, ±Infinity and weights that are not finite numbers
 *    > 0 are not added and are counted in `rejected`.
 *
 * Accuracy at the default compression (600), worst relative error of p50/p90/p99/p99.9 over
 * seeds of 1M values, for one digest and for 100 windows merged with `mergeAll`: 0.26 % for
 * lognormal, uniform, exponential, bimodal, constant and sorted (ascending or descending) input
 * (8 seeds), 0.39 % for Pareto α = 1.5 and 0.28 % for α = 2 (16 seeds). Pareto α ≤ 1.16 misses at
 * p99.9 (α = 1.16: 0.52 %, α = 1: 0.62 %; at compression 1000 0.46 % and 0.53 %): one rank there
 * is 0.1 % of the value, and the sampling noise of the ~50 points in a tail centroid dominates.
 *
 * Merging one digest at a time is order-insensitive within the bound when the digests overlap
 * (windows of the same stream). Digests of disjoint value ranges (a trend cut into windows)
 * merged one at a time out of order can reach ~2.4 %: an early merge of far-apart ranges makes
 * centroids that straddle a gap later digests fill. Roll up with `mergeAll`, which is exactly
 * order-insensitive, or merge in time order.
 */

import { decodeDigest, encodeDigest, fromBase64, toBase64 } from "./codec.js";
import { capacityFor, k2Growth, k2Limit } from "./scale.js";
import { sortPairs } from "./sort.js";

/** Chosen from measurements (see the class comment and `bench/digest.bench.ts`). */
export const DEFAULT_COMPRESSION = 600;
export const MIN_COMPRESSION = 10;
export const MAX_COMPRESSION = 100_000;
/** The buffer grows by doubling from this size up to ⌈compression⌉ points. */
const INITIAL_BUFFER = 32;

/**
 * Shared scratch for merge passes and cached read views. JS runs one pass at a time and every
 * pass is synchronous, so one scratch per process suffices and no digest carries a second
 * centroid array. `owner`/`gen`/`bufN` say whose view it holds.
 */
const scratch = { m: new Float64Array(1024), w: new Float64Array(1024), owner: 0, gen: 0, bufN: 0, n: 0 };
let nextId = 1;
let ones = new Float64Array(0);

function ensureScratch(size: number): void {
  if (scratch.m.length >= size) return;
  let len = scratch.m.length;
  while (len < size) len *= 2;
  scratch.m = new Float64Array(len);
  scratch.w = new Float64Array(len);
  scratch.owner = 0;
}

function unitWeights(n: number): Float64Array {
  if (ones.length < n) {
    ones = new Float64Array(Math.max(n, ones.length * 2));
    ones.fill(1);
  }
  return ones;
}

/**
 * Compresses `n` items of (m, w), sorted by mean, in place into centroids of total weight
 * `total`; returns their count (output in [0, count)). A centroid starting at cumulative weight
 * `before` takes items while its end stays within total·limit(before/total); a reverse pass does
 * the same from the top (k2 is symmetric). Emitted means are clamped into [first, last] item of
 * the centroid, so they stay non-decreasing despite rounding.
 */
function compressSorted(m: Float64Array, w: Float64Array, n: number, total: number, compression: number, reverse = false): number {
  if (n === 0) return 0;
  const growth = k2Growth(compression, total);
  if (reverse) {
    let out = n - 1;
    let cm = m[n - 1]!;
    let cw = w[n - 1]!;
    let lo = cm;
    let hi = cm;
    let after = 0;
    let limitW = 0;
    for (let i = n - 2; i >= 0; i--) {
      const x = m[i]!;
      const wi = w[i]!;
      if (after + cw + wi <= limitW) {
        cw += wi;
        const r = wi / cw;
        const d = cm - x;
        cm = d === Infinity ? cm * (1 - r) + x * r : cm - d * r;
        lo = x;
      } else {
        m[out] = cm < lo ? lo : cm > hi ? hi : cm;
        w[out] = cw;
        out--;
        after += cw;
        limitW = total * k2Limit(after / total, growth);
        cm = lo = hi = x;
        cw = wi;
      }
    }
    m[out] = cm < lo ? lo : cm > hi ? hi : cm;
    w[out] = cw;
    m.copyWithin(0, out, n);
    w.copyWithin(0, out, n);
    return n - out;
  }
  let out = 0;
  let cm = m[0]!;
  let cw = w[0]!;
  let lo = cm;
  let hi = cm;
  let before = 0;
  let limitW = 0; // k2Limit(0) = 0: the first item is a centroid of its own (and so is the last)
  for (let i = 1; i < n; i++) {
    const x = m[i]!;
    const wi = w[i]!;
    if (before + cw + wi <= limitW) {
      cw += wi;
      const r = wi / cw;
      const d = x - cm;
      cm = d === Infinity ? cm * (1 - r) + x * r : cm + d * r; // d overflows only past ±1.8e308
      hi = x;
    } else {
      m[out] = cm < lo ? lo : cm > hi ? hi : cm;
      w[out] = cw;
      out++;
      before += cw;
      limitW = total * k2Limit(before / total, growth);
      cm = lo = hi = x;
      cw = wi;
    }
  }
  m[out] = cm < lo ? lo : cm > hi ? hi : cm;
  w[out] = cw;
  return out + 1;
}

/** Merges sorted (am, aw)[0..an) and (bm, bw)[0..bn) into (om, ow), ties by weight. */
function mergeSorted(am: Float64Array, aw: Float64Array, an: number, bm: Float64Array, bw: Float64Array, bn: number, om: Float64Array, ow: Float64Array): void {
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < an && j < bn) {
    const a = am[i]!;
    const b = bm[j]!;
    if (a < b || (a === b && aw[i]! <= bw[j]!)) {
      om[o] = a;
      ow[o++] = aw[i++]!;
    } else {
      om[o] = b;
      ow[o++] = bw[j++]!;
    }
  }
  for (; i < an; i++, o++) {
    om[o] = am[i]!;
    ow[o] = aw[i]!;
  }
  for (; j < bn; j++, o++) {
    om[o] = bm[j]!;
    ow[o] = bw[j]!;
  }
}

/** Centroids to read: the digest's own arrays or the shared scratch, valid until the next pass. */
interface View {
  m: Float64Array;
  w: Float64Array;
  n: number;
}

export class TDigest {
  readonly compression: number;

  private readonly id = nextId++;
  private readonly capacity: number;
  private readonly maxBuffer: number;
  /** Committed centroids, sorted by mean; `n` used, `merged` their total weight. */
  private means = new Float64Array(0);
  private weights = new Float64Array(0);
  private n = 0;
  private merged = 0;
  /** Buffered points; `bufW` exists only once a weight other than 1 was added. */
  private buf = new Float64Array(0);
  private bufW: Float64Array | null = null;
  private bufN = 0;
  private buffered = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private total = 0;
  private nRejected = 0;
  /** Bumped whenever the committed centroids change or the buffer is emptied. */
  private gen = 0;
  /** Direction of the next buffer pass: passes alternate, which cancels the drift one-way
   * passes give mid quantiles (uniform p50: 0.11 % → 0.04 %). Merges always run forward. */
  private reverse = false;

  /**
   * `compression` (δ) sets the size: about 0.7·δ centroids for a million points, never more
   * than `capacityFor(δ)`; more centroids, better accuracy (figures in the class comment).
   * Throws RangeError outside [10, 100000].
   */
  constructor(compression = DEFAULT_COMPRESSION) {
    if (!(compression >= MIN_COMPRESSION && compression <= MAX_COMPRESSION)) {
      throw new RangeError(`t-digest compression must be a number in [${MIN_COMPRESSION}, ${MAX_COMPRESSION}], got ${compression}`);
    }
    this.compression = compression;
    this.capacity = capacityFor(compression);
    this.maxBuffer = Math.ceil(compression);
  }

  /** Total weight added (the number of points when all weights are 1). */
  get count(): number {
    return this.merged + this.buffered;
  }
  /** Σ weight·value, summed in the order added (merges add the digests' sums). */
  get sum(): number {
    return this.total;
  }
  /** sum / count; NaN when empty. */
  get mean(): number {
    const c = this.count;
    return c === 0 ? NaN : this.total / c;
  }
  /** Exact smallest value added; NaN when empty. */
  get min(): number {
    return this.count === 0 ? NaN : this.lo;
  }
  /** Exact largest value added; NaN when empty. */
  get max(): number {
    return this.count === 0 ? NaN : this.hi;
  }
  get isEmpty(): boolean {
    return this.count === 0;
  }
  /** Points not added: NaN, ±Infinity, or a weight that is not a finite number > 0. */
  get rejected(): number {
    return this.nRejected;
  }
  /** Centroids of the digest as serialised (buffered points merged in). */
  get centroidCount(): number {
    return this.view().n;
  }
  /** Bytes this digest holds in typed arrays (the process-wide scratch is not counted). */
  get memoryBytes(): number {
    return this.means.byteLength + this.weights.byteLength + this.buf.byteLength + (this.bufW?.byteLength ?? 0);
  }

  /**
   * Adds `x` with `weight` (default 1; fractional weights are allowed). NaN, ±Infinity and a
   * weight that is not a finite number > 0 are counted in `rejected` and not added.
   */
  add(x: number, weight = 1): void {
    if (weight !== 1 || x - x !== 0) {
      this.addSlow(x, weight);
      return;
    }
    let i = this.bufN;
    if (i === this.buf.length) i = this.makeRoom();
    this.buf[i] = x;
    if (this.bufW !== null) this.bufW[i] = 1;
    this.bufN = i + 1;
    this.buffered += 1;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    this.total += x;
  }

  /** Adds every value with weight 1 (same rules as `add`). */
  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  private addSlow(x: number, weight: number): void {
    if (x - x !== 0 || !(weight > 0 && weight < Infinity)) {
      this.nRejected++;
      return;
    }
    let i = this.bufN;
    if (i === this.buf.length) i = this.makeRoom();
    if (this.bufW === null) {
      this.bufW = new Float64Array(this.buf.length);
      this.bufW.fill(1, 0, i);
    }
    this.buf[i] = x;
    this.bufW[i] = weight;
    this.bufN = i + 1;
    this.buffered += weight;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    this.total += x * weight;
  }

  /** Grows the buffer (up to ⌈δ⌉) or folds it into the centroids; returns the index to write. */
  private makeRoom(): number {
    const len = this.buf.length;
    if (len < this.maxBuffer) {
      const grown = new Float64Array(Math.min(this.maxBuffer, Math.max(INITIAL_BUFFER, len * 2)));
      grown.set(this.buf);
      this.buf = grown;
      if (this.bufW !== null) {
        const gw = new Float64Array(grown.length);
        gw.set(this.bufW);
        this.bufW = gw;
      }
      return this.bufN;
    }
    const n = this.passIntoScratch();
    scratch.owner = 0;
    this.setCentroids(scratch.m, scratch.w, n, this.merged + this.buffered);
    this.reverse = !this.reverse;
    return 0;
  }

  /** Sorts the buffer (reordering it is unobservable), merges it with the centroids and
   * compresses the lot into the scratch; returns the centroid count there. */
  private passIntoScratch(): number {
    if (this.bufW === null) this.buf.subarray(0, this.bufN).sort();
    else sortPairs(this.buf, this.bufW, 0, this.bufN);
    const items = this.n + this.bufN;
    ensureScratch(items);
    mergeSorted(this.means, this.weights, this.n, this.buf, this.bufW ?? unitWeights(this.bufN), this.bufN, scratch.m, scratch.w);
    return compressSorted(scratch.m, scratch.w, items, this.merged + this.buffered, this.compression, this.reverse);
  }

  /** Makes (m, w)[0..n) the committed centroids of total weight `weight`; empties the buffer. */
  private setCentroids(m: Float64Array, w: Float64Array, n: number, weight: number): void {
    if (this.means.length < n) {
      const len = Math.max(n, Math.min(this.capacity, Math.max(16, this.means.length * 2)));
      this.means = new Float64Array(len);
      this.weights = new Float64Array(len);
    }
    this.means.set(m.subarray(0, n));
    this.weights.set(w.subarray(0, n));
    this.n = n;
    this.merged = weight;
    this.bufN = 0;
    this.buffered = 0;
    this.gen++;
  }

  /**
   * The centroids of everything added: the committed ones when the buffer is empty, else the
   * pass a commit would make, computed into the shared scratch and cached there until this
   * digest changes or the scratch is used for something else.
   */
  private view(): View {
    if (this.bufN === 0) return { m: this.means, w: this.weights, n: this.n };
    if (scratch.owner !== this.id || scratch.gen !== this.gen || scratch.bufN !== this.bufN) {
      scratch.owner = 0;
      scratch.n = this.passIntoScratch();
      scratch.owner = this.id;
      scratch.gen = this.gen;
      scratch.bufN = this.bufN;
    }
    return { m: scratch.m, w: scratch.w, n: scratch.n };
  }

  /** The view, copied out of the scratch if it lives there. */
  private ownView(): View {
    const v = this.view();
    return v.m === scratch.m ? { m: v.m.slice(0, v.n), w: v.w.slice(0, v.n), n: v.n } : v;
  }

  /**
   * The value at quantile q ∈ [0, 1]; NaN when empty; RangeError for q outside [0, 1] (a caller
   * bug). q = 0 is the exact min and q = 1 the exact max. Model: centroid i covers ranks
   * [L, L + wᵢ); a singleton (weight ≤ 1) is exact there, a heavier centroid's mean sits at its
   * centre L + wᵢ/2; min and max are exact at ranks [0, 1) and [n − 1, n]; between these anchors
   * values are interpolated linearly. While every centroid is a singleton (small digests) this
   * is exactly sorted[min(n − 1, ⌊q·n⌋)].
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
    const total = this.count;
    if (total === 0) return NaN;
    const t = q * total;
    if (q === 0 || t < 1) return this.lo;
    if (q === 1 || t >= total - 1) return this.hi;
    const { m, w, n } = this.view();
    let prevT = 1;
    let prevV = this.lo;
    let left = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      const mi = m[i]!;
      if (wi <= 1) {
        if (t < left) return interpolate(t, prevT, prevV, left, mi);
        if (t < left + wi) return mi < this.lo ? this.lo : mi > this.hi ? this.hi : mi;
        prevT = left + wi;
      } else {
        const c = left + wi / 2;
        if (t < c) return interpolate(t, prevT, prevV, c, mi);
        prevT = c;
      }
      prevV = mi;
      left += wi;
    }
    return interpolate(t, prevT, prevV, total - 1, this.hi);
  }

  /**
   * The fraction of the weight ≤ x under the same model as `quantile`, of which it is the
   * inverse (the share of ranks whose quantile is ≤ x, so cdf(quantile(q)) ≥ q, equal where the
   * quantile function rises). NaN when empty or x is NaN; exactly 0 below min and 1 at or above
   * max; for small digests (all singletons) exactly #{values ≤ x}/n.
   */
  cdf(x: number): number {
    const total = this.count;
    if (total === 0 || Number.isNaN(x)) return NaN;
    if (x < this.lo) return 0;
    if (x >= this.hi) return 1;
    const { m, w, n } = this.view();
    let prevT = 1;
    let prevV = this.lo;
    let left = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      const mi = m[i]!;
      const anchor = wi <= 1 ? left : left + wi / 2;
      if (mi > x) return inverse(x, prevT, prevV, anchor, mi) / total;
      prevT = wi <= 1 ? left + wi : anchor;
      prevV = mi;
      left += wi;
    }
    return inverse(x, prevT, prevV, total - 1, this.hi) / total;
  }

  /**
   * Merges `other` into this digest (`other` is not changed; merging a digest into itself
   * doubles it). The result keeps this digest's compression and depends only on the two
   * digests' serialised states; see the class comment.
   */
  merge(other: TDigest): this {
    const o = other === this ? this.clone() : other;
    this.mergeFrom([this.ownView(), o.ownView()], [this, o]);
    return this;
  }

  /**
   * A new digest of everything in `digests` (none is changed), with `compression` (default: the
   * largest of the inputs', or the default when there are none). Any order of the inputs gives
   * the same bytes.
   */
  static mergeAll(digests: Iterable<TDigest>, compression?: number): TDigest {
    const list = [...digests];
    let c = compression ?? (list.length === 0 ? DEFAULT_COMPRESSION : 0);
    if (compression === undefined) for (const d of list) c = Math.max(c, d.compression);
    const out = new TDigest(c);
    out.mergeFrom(
      list.map((d) => d.ownView()),
      list,
    );
    return out;
  }

  private mergeFrom(views: View[], digests: TDigest[]): void {
    let rejected = 0;
    for (const d of digests) rejected += d.nRejected;
    const live: number[] = [];
    for (let i = 0; i < digests.length; i++) if (digests[i]!.count > 0) live.push(i);
    if (live.length === 0 || (live.length === 1 && digests[live[0]!] === this)) {
      this.nRejected = rejected;
      return;
    }
    // Sums and counts added smallest first, so the input order does not matter.
    const sums = live.map((i) => digests[i]!.total).sort((a, b) => a - b);
    const counts = live.map((i) => digests[i]!.count).sort((a, b) => a - b);
    let total = 0;
    for (const s of sums) total += s;
    let weight = 0;
    for (const c of counts) weight += c;
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of live) {
      lo = Math.min(lo, digests[i]!.lo);
      hi = Math.max(hi, digests[i]!.hi);
    }
    const only = digests[live[0]!]!;
    if (live.length === 1 && only.compression === this.compression) {
      const v = views[live[0]!]!;
      this.setCentroids(v.m.slice(0, v.n), v.w.slice(0, v.n), v.n, weight);
    } else {
      let items = 0;
      for (const i of live) items += views[i]!.n;
      ensureScratch(items);
      scratch.owner = 0;
      let at = 0;
      for (const i of live) {
        const v = views[i]!;
        scratch.m.set(v.m.subarray(0, v.n), at);
        scratch.w.set(v.w.subarray(0, v.n), at);
        at += v.n;
      }
      sortPairs(scratch.m, scratch.w, 0, items);
      const n = compressSorted(scratch.m, scratch.w, items, weight, this.compression);
      this.setCentroids(scratch.m, scratch.w, n, weight);
    }
    this.lo = lo;
    this.hi = hi;
    this.total = total;
    this.nRejected = rejected;
  }

  /** An independent copy with the same state: the same future calls give the same bytes. */
  clone(): TDigest {
    const c = new TDigest(this.compression);
    c.means = this.means.slice();
    c.weights = this.weights.slice();
    c.n = this.n;
    c.merged = this.merged;
    c.buf = this.buf.slice();
    c.bufW = this.bufW === null ? null : this.bufW.slice();
    c.bufN = this.bufN;
    c.buffered = this.buffered;
    c.lo = this.lo;
    c.hi = this.hi;
    c.total = this.total;
    c.nRejected = this.nRejected;
    c.reverse = this.reverse;
    return c;
  }

  /** Empties the digest (rejected included), keeping its arrays. */
  reset(): void {
    this.n = 0;
    this.merged = 0;
    this.bufN = 0;
    this.buffered = 0;
    this.bufW = null;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.total = 0;
    this.nRejected = 0;
    this.reverse = false;
    this.gen++;
  }

  /** The compact binary form, format version 1 (layout in codec.ts). */
  toBytes(): Uint8Array {
    const v = this.view();
    return encodeDigest({ compression: this.compression, count: this.count, min: this.lo, max: this.hi, sum: this.total, rejected: this.nRejected, m: v.m, w: v.w, n: v.n });
  }

  /** Decodes `toBytes` output; throws DecodeError (code `decode_failed`) saying what is wrong. */
  static fromBytes(bytes: Uint8Array): TDigest {
    const s = decodeDigest(bytes, capacityFor, MIN_COMPRESSION, MAX_COMPRESSION);
    const d = new TDigest(s.compression);
    if (s.n > 0) {
      d.setCentroids(s.m, s.w, s.n, s.count);
      d.lo = s.min;
      d.hi = s.max;
    }
    d.total = s.sum;
    d.nRejected = s.rejected;
    return d;
  }

  /** `toBytes` as standard padded base64. */
  toBase64(): string {
    return toBase64(this.toBytes());
  }

  /** Decodes `toBase64` output; DecodeError for anything else. */
  static fromBase64(text: string): TDigest {
    return TDigest.fromBytes(fromBase64(text));
  }
}

/** Linear interpolation from (t0, v0) to (t1, v1) at t ∈ [t0, t1), clamped to [v0, v1]. */
function interpolate(t: number, t0: number, v0: number, t1: number, v1: number): number {
  if (t1 <= t0) return v1;
  const f = (t - t0) / (t1 - t0);
  const d = v1 - v0;
  const v = d === Infinity ? v0 * (1 - f) + v1 * f : v0 + f * d;
  return v < v0 ? v0 : v > v1 ? v1 : v;
}

/** The t ∈ [t0, t1] at which the segment (t0, v0)–(t1, v1) reaches x ∈ [v0, v1). */
function inverse(x: number, t0: number, v0: number, t1: number, v1: number): number {
  if (t1 <= t0 || !(v1 > v0)) return t0;
  const d = v1 - v0;
  const f = d === Infinity ? (x / 2 - v0 / 2) / (v1 / 2 - v0 / 2) : (x - v0) / d;
  const t = t0 + f * (t1 - t0);
  return t < t0 ? t0 : t > t1 ? t1 : t;
}
