import { SpanColumns, type SpanBatch } from "../span/index.js";

/**
 * The assembler's span storage: {@link SpanColumns} rows addressed by slot, a free list, and a
 * `next` link chaining the slots of one trace in arrival order. Grows by doubling up to the
 * needed size; never shrinks (the high-water mark is bounded by maxBufferedSpans + one request).
 */
export class SpanStore extends SpanColumns {
  next: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  /** Slots handed out so far (the high-water mark); slots below it are in use or free. */
  private highWater = 0;
  /** Rows in use. */
  used = 0;

  constructor(initialCapacity = 4096) {
    super(initialCapacity);
    this.next = new Int32Array(initialCapacity);
    this.free = new Int32Array(initialCapacity);
  }

  override grow(min: number): void {
    const before = this.capacity;
    super.grow(min);
    if (this.capacity === before) return;
    const next = new Int32Array(this.capacity);
    next.set(this.next);
    this.next = next;
    const free = new Int32Array(this.capacity);
    free.set(this.free.subarray(0, this.freeTop));
    this.free = free;
  }

  /** Copies row `i` of `batch` into a fresh slot and returns the slot. */
  insert(batch: SpanBatch, i: number): number {
    let slot: number;
    if (this.freeTop > 0) {
      slot = this.free[--this.freeTop];
    } else {
      slot = this.highWater++;
      if (slot >= this.capacity) this.grow(slot + 1);
    }
    this.copyRow(batch, i, slot);
    this.next[slot] = -1;
    this.used++;
    return slot;
  }

  release(slot: number): void {
    this.free[this.freeTop++] = slot;
    this.used--;
  }

  /** Bytes held by the columns (for the memory figures of the benchmark). */
  get bytes(): number {
    return this.capacity * (SpanColumns.BYTES_PER_ROW + 8);
  }
}
