/**
 * Sorting of parallel (mean, weight) arrays, used on the rare paths (weighted adds, merging
 * many digests). Heapsort: O(n log n) worst case, in place, no allocation. The order is total —
 * by mean, then by weight — so the result does not depend on the input order, which is what
 * makes `TDigest.mergeAll` order-insensitive bit for bit.
 */

function greater(m: Float64Array, w: Float64Array, i: number, j: number): boolean {
  const a = m[i]!;
  const b = m[j]!;
  return a > b || (a === b && w[i]! > w[j]!);
}

function siftDown(m: Float64Array, w: Float64Array, start: number, root: number, end: number): void {
  // Heap over m[start..end), indices relative to `start`.
  let r = root;
  for (;;) {
    let child = 2 * r + 1;
    if (child >= end - start) return;
    if (child + 1 < end - start && greater(m, w, start + child + 1, start + child)) child++;
    if (!greater(m, w, start + child, start + r)) return;
    swap(m, w, start + r, start + child);
    r = child;
  }
}

function swap(m: Float64Array, w: Float64Array, i: number, j: number): void {
  const tm = m[i]!;
  m[i] = m[j]!;
  m[j] = tm;
  const tw = w[i]!;
  w[i] = w[j]!;
  w[j] = tw;
}

/** Sorts `m[start..end)` ascending, carrying `w` along; ties broken by ascending weight. */
export function sortPairs(m: Float64Array, w: Float64Array, start: number, end: number): void {
  const n = end - start;
  if (n < 2) return;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(m, w, start, i, end);
  for (let last = n - 1; last > 0; last--) {
    swap(m, w, start, start + last);
    siftDown(m, w, start, 0, start + last);
  }
}
