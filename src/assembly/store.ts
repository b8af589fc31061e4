import { SpanColumns, type SpanBatch } from "../span/index.js";

/** Words of one span record in {@link SpanStore} (one 64-byte cache line). */
const STRIDE = 16;
const W_SPAN_LO = 0;
const W_SPAN_HI = 1;
const W_PARENT_LO = 2;
const W_PARENT_HI = 3;
const W_START_LO = 4;
const W_START_HI = 5;
const W_END_LO = 6;
const W_END_HI = 7;
/** kind | flags << 8 */
const W_KIND_FLAGS = 8;
const W_SERVICE = 9;
const W_NAME = 10;
const W_ROUTE = 11;
const W_PEER = 12;
const W_DB = 13;
const W_STATEMENT = 14;
/** The next slot of the same trace, or NIL. */
const W_NEXT = 15;
const NIL = 0xffffffff;

/**
 * The assembler's span storage: one 16-word record per span (a 64-byte cache line) in a single
 * Uint32Array, addressed by slot, with a free list and a `next` word chaining a trace's spans in
 * arrival order. Row-per-record, not column-per-field, because spans of one trace arrive
 * interleaved with thousands of others and sit at scattered slots: touching a span costs one
 * cache miss instead of one per field (measured: inserting and attributing from 16 scattered
 * columns was ~25 % of the engine's CPU). A completed trace is gathered into contiguous
 * {@link SpanColumns} rows for attribution.
 */
export class SpanStore {
  private words: Uint32Array;
  private free: Int32Array;
  private freeTop = 0;
  private highWater = 0;
  capacity: number;
  /** Records in use. */
  used = 0;

  readonly initialCapacity: number;

  constructor(initialCapacity = 4096) {
    this.initialCapacity = initialCapacity;
    this.capacity = initialCapacity;
    this.words = new Uint32Array(initialCapacity * STRIDE);
    this.free = new Int32Array(initialCapacity);
  }

  /** Copies row `i` of `batch` into a fresh slot (its `next` empty) and returns the slot. */
  insert(batch: SpanBatch, i: number): number {
    let slot: number;
    if (this.freeTop > 0) {
      slot = this.free[--this.freeTop];
    } else {
      slot = this.highWater++;
      if (slot >= this.capacity) this.grow(slot + 1);
    }
    const w = this.words;
    const o = slot * STRIDE;
    w[o + W_SPAN_LO] = batch.spanLo[i];
    w[o + W_SPAN_HI] = batch.spanHi[i];
    w[o + W_PARENT_LO] = batch.parentLo[i];
    w[o + W_PARENT_HI] = batch.parentHi[i];
    w[o + W_START_LO] = batch.startLo[i];
    w[o + W_START_HI] = batch.startHi[i];
    w[o + W_END_LO] = batch.endLo[i];
    w[o + W_END_HI] = batch.endHi[i];
    w[o + W_KIND_FLAGS] = batch.kind[i] | (batch.flags[i] << 8);
    w[o + W_SERVICE] = batch.service[i];
    w[o + W_NAME] = batch.name[i];
    w[o + W_ROUTE] = batch.route[i];
    w[o + W_PEER] = batch.peer[i];
    w[o + W_DB] = batch.dbSystem[i];
    w[o + W_STATEMENT] = batch.statement[i];
    w[o + W_NEXT] = NIL;
    this.used++;
    return slot;
  }

  /** Chains `slot` after `prev` in a trace. */
  link(prev: number, slot: number): void {
    this.words[prev * STRIDE + W_NEXT] = slot;
  }

  /**
   * Copies the chain starting at `head` (at most `count` records) into rows 0.. of `out` (grown
   * as needed), releases the slots, and returns how many rows were written.
   */
  gather(head: number, count: number, out: SpanColumns): number {
    if (out.capacity < count) out.grow(count);
    const w = this.words;
    let s = head;
    let n = 0;
    while (s !== -1 && n < count) {
      const o = s * STRIDE;
      out.spanLo[n] = w[o + W_SPAN_LO];
      out.spanHi[n] = w[o + W_SPAN_HI];
      out.parentLo[n] = w[o + W_PARENT_LO];
      out.parentHi[n] = w[o + W_PARENT_HI];
      out.startLo[n] = w[o + W_START_LO];
      out.startHi[n] = w[o + W_START_HI];
      out.endLo[n] = w[o + W_END_LO];
      out.endHi[n] = w[o + W_END_HI];
      const kf = w[o + W_KIND_FLAGS];
      out.kind[n] = kf & 0xff;
      out.flags[n] = kf >>> 8;
      out.service[n] = w[o + W_SERVICE];
      out.name[n] = w[o + W_NAME];
      out.route[n] = w[o + W_ROUTE];
      out.peer[n] = w[o + W_PEER];
      out.dbSystem[n] = w[o + W_DB];
      out.statement[n] = w[o + W_STATEMENT];
      const next = w[o + W_NEXT];
      this.free[this.freeTop++] = s;
      this.used--;
      n++;
      s = next === NIL ? -1 : next;
    }
    return n;
  }

  /**
   * Moves every live record into a store of `capacity` records (at least `used`), so memory
   * held after a burst is given back. `chains` lists the live chains: `heads[i]`/`tails[i]` for
   * each `i` with `live(i)`, rewritten in place to the new slots. Records keep their order
   * within a chain; the free list restarts after the moved records.
   */
  relocate(capacity: number, chains: { heads: Int32Array; tails: Int32Array; n: number; live: (i: number) => boolean }): void {
    if (capacity < this.used) throw new RangeError(`cannot relocate ${this.used} records into ${capacity}`);
    const from = this.words;
    const to = new Uint32Array(capacity * STRIDE);
    let next = 0;
    for (let i = 0; i < chains.n; i++) {
      if (!chains.live(i)) continue;
      let s = chains.heads[i]!;
      if (s < 0) continue;
      let prev = -1;
      while (s !== -1) {
        const slot = next++;
        const o = slot * STRIDE;
        to.set(from.subarray(s * STRIDE, s * STRIDE + STRIDE), o);
        to[o + W_NEXT] = NIL;
        if (prev < 0) chains.heads[i] = slot;
        else to[prev * STRIDE + W_NEXT] = slot;
        prev = slot;
        const link = from[s * STRIDE + W_NEXT]!;
        s = link === NIL ? -1 : link;
      }
      chains.tails[i] = prev;
    }
    if (next !== this.used) throw new Error(`relocated ${next} records, ${this.used} in use`);
    this.words = to;
    this.free = new Int32Array(capacity);
    this.freeTop = 0;
    this.highWater = next;
    this.capacity = capacity;
  }

  /**
   * Bytes a new allocation would take if `n` more records came in now (the store doubles when
   * full), 0 when they fit: the memory limiter counts it before admitting a request.
   */
  growthBytes(n: number): number {
    if (this.freeTop + (this.capacity - this.highWater) >= n) return 0;
    let cap = this.capacity * 2;
    while (cap < this.used + n) cap *= 2;
    return cap * (STRIDE * 4 + 4);
  }

  /** Bytes held by the records and the free list (for the memory figures). */
  get bytes(): number {
    return this.words.byteLength + this.free.byteLength;
  }

  private grow(min: number): void {
    let cap = this.capacity * 2;
    while (cap < min) cap *= 2;
    const words = new Uint32Array(cap * STRIDE);
    words.set(this.words);
    this.words = words;
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeTop));
    this.free = free;
    this.capacity = cap;
  }
}
