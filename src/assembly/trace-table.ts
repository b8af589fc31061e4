/**
 * The assembler's traces: per-trace state in typed arrays indexed by a small integer, and an
 * open-addressing hash table (linear probing, backward-shift deletion) from trace key to index.
 * No object per trace and no Map: measured, a `Map<string, object>` lookup was ~60 % of the
 * assembler's time at a hundred thousand buffered traces (string hashing and comparison, and an
 * object per trace that lives for the decision wait and dies in the old generation).
 *
 * An index is either free, `LIVE` (buffering spans) or `DONE` (completed and remembered, so its
 * late spans are recognised). `gen` changes whenever an index is reused, so queue entries that
 * name an index can tell whether they still refer to the same trace.
 */
export const FREE = 0;
export const LIVE = 1;
export const DONE = 2;

export class TraceTable {
  capacity = 0;
  keys: string[] = [];
  hash = new Int32Array(0);
  state = new Uint8Array(0);
  hasRoot = new Uint8Array(0);
  head = new Int32Array(0);
  tail = new Int32Array(0);
  count = new Int32Array(0);
  epoch = new Int32Array(0);
  gen = new Int32Array(0);
  firstMs = new Float64Array(0);
  lastMs = new Float64Array(0);
  /** Indices in use (LIVE or DONE). */
  size = 0;
  live = 0;
  private table = new Int32Array(0);
  private mask = 0;
  private free = new Int32Array(0);
  private freeTop = 0;

  constructor(initialCapacity = 4096) {
    this.grow(initialCapacity);
  }

  /** FNV-1a of the key's char codes (a trace key is 16 latin1 characters). */
  static hashOf(key: string): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return h;
  }

  /** The index of `key` (any state but FREE), or -1. */
  find(key: string, h: number): number {
    const table = this.table;
    const mask = this.mask;
    let p = h & mask;
    for (;;) {
      const e = table[p];
      if (e === 0) return -1;
      const idx = e - 1;
      if (this.hash[idx] === h && this.keys[idx] === key) return idx;
      p = (p + 1) & mask;
    }
  }

  /** Adds `key` (not present) as LIVE and returns its index. */
  add(key: string, h: number, nowMs: number): number {
    if (this.freeTop === 0) this.grow(this.capacity * 2);
    const idx = this.free[--this.freeTop];
    this.keys[idx] = key;
    this.hash[idx] = h;
    this.state[idx] = LIVE;
    this.hasRoot[idx] = 0;
    this.head[idx] = -1;
    this.tail[idx] = -1;
    this.count[idx] = 0;
    this.epoch[idx] = 0;
    this.firstMs[idx] = nowMs;
    this.lastMs[idx] = nowMs;
    this.size++;
    this.live++;
    this.place(idx, h);
    return idx;
  }

  /** Marks a LIVE trace DONE (it stays findable until {@link remove}). */
  markDone(idx: number): void {
    this.state[idx] = DONE;
    this.live--;
  }

  /** Removes an index from the table and frees it. */
  remove(idx: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.hash[idx] & mask;
    while (table[i] !== idx + 1) i = (i + 1) & mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when their
    // home slot does not lie cyclically in (hole, position].
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = table[j];
      if (e === 0) break;
      const home = this.hash[e - 1] & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        table[i] = e;
        i = j;
      }
    }
    table[i] = 0;
    if (this.state[idx] === LIVE) this.live--;
    this.state[idx] = FREE;
    this.keys[idx] = "";
    this.gen[idx]++;
    this.size--;
    this.free[this.freeTop++] = idx;
  }

  private place(idx: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let p = h & mask;
    while (table[p] !== 0) p = (p + 1) & mask;
    table[p] = idx + 1;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.keys.length = capacity;
    this.keys.fill("", old);
    this.hash = growI32(this.hash, capacity);
    this.state = growU8(this.state, capacity);
    this.hasRoot = growU8(this.hasRoot, capacity);
    this.head = growI32(this.head, capacity);
    this.tail = growI32(this.tail, capacity);
    this.count = growI32(this.count, capacity);
    this.epoch = growI32(this.epoch, capacity);
    this.gen = growI32(this.gen, capacity);
    this.firstMs = growF64(this.firstMs, capacity);
    this.lastMs = growF64(this.lastMs, capacity);
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeTop));
    // Fresh indices are handed out lowest first.
    for (let i = capacity - 1; i >= old; i--) free[this.freeTop++] = i;
    this.free = free;
    this.capacity = capacity;
    // Load factor at most 1/2.
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < old; i++) if (this.state[i] !== FREE) this.place(i, this.hash[i]);
  }
}

function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
