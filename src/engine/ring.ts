import { packInto, packedLength, unpackFrom, type Attribution, type PackedAttribution } from "../attribution/index.js";

/** Doubles of arena per ring slot at first (a 13-span trace packs into ~100). */
const INITIAL_DOUBLES_PER_TRACE = 128;
/**
 * The arena grows (doubling) up to this many doubles per ring slot (8 KiB: 80 MiB for the
 * default 10 000 traces); past it, large traces make the ring keep fewer than `capacity`.
 */
const MAX_DOUBLES_PER_TRACE = 1024;

/**
 * The most recent attributions by trace key, bounded (oldest dropped first), plus pinned ones
 * (exemplars an alert refers to) kept in a second bounded map so they outlive the ring.
 *
 * Entries are packed (see `packInto`) one after another into one Float64Array arena used as a
 * circular log: the oldest entries sit right after the write position and are evicted as it
 * passes over them. One typed array per trace, as before, made every trace an off-heap
 * ArrayBuffer that outlived the young generation (measured at 200k spans/s: 3× the scavenges).
 * Entries are unpacked (copied) when read.
 *
 * Slots are kept in insertion order in a ring of twice the capacity: a trace added again leaves
 * its old slot dead (skipped, freed in turn) so replacing never drops another trace.
 */
export class AttributionRing {
  /** Slot of each live trace key. */
  private readonly index = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly offs: Int32Array;
  private readonly ends: Int32Array;
  /** The oldest slot and the slots in use (live or dead), in insertion order. */
  private head = 0;
  private count = 0;
  private arena: Float64Array;
  /** Where the next entry goes. */
  private w = 0;
  private readonly pinned = new Map<string, PackedAttribution>();

  constructor(
    readonly capacity: number,
    readonly pinnedCapacity = 1000,
  ) {
    const slots = Math.max(0, 2 * capacity);
    this.keys = new Array<string | undefined>(slots);
    this.offs = new Int32Array(slots);
    this.ends = new Int32Array(slots);
    this.arena = new Float64Array(Math.max(0, capacity) * INITIAL_DOUBLES_PER_TRACE);
  }

  /** Adds (or replaces) a trace's attribution, dropping the oldest past capacity. */
  add(a: Attribution): void {
    if (this.capacity <= 0) return;
    const len = packedLength(a);
    const old = this.index.get(a.traceKey);
    if (old !== undefined) {
      this.keys[old] = undefined; // dead: skipped, freed in turn
      this.index.delete(a.traceKey);
    } else {
      while (this.index.size >= this.capacity) this.evict();
    }
    if (this.count === this.keys.length) this.evict();
    this.reserve(len);
    const slot = (this.head + this.count) % this.keys.length;
    this.count++;
    this.keys[slot] = a.traceKey;
    this.offs[slot] = this.w;
    this.ends[slot] = this.w + len;
    packInto(a, this.arena, this.w);
    this.w += len;
    this.index.set(a.traceKey, slot);
  }

  /**
   * Makes `[w, w + len)` free in the arena. Live entries lie in insertion order from the oldest's
   * offset round to `w`, so only the oldest entries can be in the way: those ahead of `w` (the
   * arena wrapped since they were written). Past the end, `w` wraps to 0 once every entry ahead
   * of it is gone. The arena grows instead of evicting while fewer than `capacity` traces are
   * kept (traces larger than planned), up to MAX_DOUBLES_PER_TRACE per slot.
   */
  private reserve(len: number): void {
    if (len > this.arena.length) this.grow(len);
    while (this.count > 0) {
      const oldest = this.offs[this.head];
      const ahead = oldest >= this.w;
      if (this.w + len > this.arena.length) {
        if (!ahead) {
          this.w = 0;
          continue;
        }
      } else if (!ahead || oldest >= this.w + len) {
        return;
      }
      if (this.keys[this.head] !== undefined && this.index.size < this.capacity && this.roomToGrow(len)) {
        this.grow(len);
      } else {
        this.evict();
      }
    }
    if (this.w + len > this.arena.length) this.w = 0;
  }

  /** The doubles live entries take. */
  private liveDoubles(): number {
    let used = 0;
    for (let i = 0; i < this.count; i++) {
      const s = (this.head + i) % this.keys.length;
      if (this.keys[s] !== undefined) used += this.ends[s] - this.offs[s];
    }
    return used;
  }

  /**
   * Whether {@link grow} may run: below the size limit, or at it when compacting leaves at least
   * half the arena free (so compaction, O(arena), happens at most once per half an arena added).
   */
  private roomToGrow(len: number): boolean {
    if (this.arena.length < this.capacity * MAX_DOUBLES_PER_TRACE) return true;
    return this.liveDoubles() + len <= this.arena.length / 2;
  }

  /**
   * Compacts the live entries in order to the start of a new arena: twice the size (at least
   * enough for `len` more), or the same size once at the limit.
   */
  private grow(len: number): void {
    const used = this.liveDoubles() + len;
    let size = this.arena.length;
    if (size < this.capacity * MAX_DOUBLES_PER_TRACE || used > size) {
      size = Math.max(size * 2, 1024);
      while (size < used) size *= 2;
    }
    const next = new Float64Array(size);
    let o = 0;
    let kept = 0;
    const n = this.count;
    const slots = this.keys.length;
    for (let i = 0; i < n; i++) {
      const s = (this.head + i) % slots;
      const key = this.keys[s];
      if (key === undefined) continue;
      const d = (this.head + kept) % slots;
      next.set(this.arena.subarray(this.offs[s], this.ends[s]), o);
      this.keys[d] = key;
      this.ends[d] = o + this.ends[s] - this.offs[s];
      this.offs[d] = o;
      this.index.set(key, d);
      o = this.ends[d];
      kept++;
    }
    for (let i = kept; i < n; i++) this.keys[(this.head + i) % slots] = undefined;
    this.count = kept;
    this.arena = next;
    this.w = o;
  }

  /** Drops the oldest slot. */
  private evict(): void {
    const h = this.head;
    const key = this.keys[h];
    if (key !== undefined) {
      this.index.delete(key);
      this.keys[h] = undefined;
    }
    this.head = (h + 1) % this.keys.length;
    this.count--;
  }

  private packed(traceKey: string): PackedAttribution | undefined {
    const at = this.index.get(traceKey);
    if (at !== undefined) return { traceKey, data: this.arena.slice(this.offs[at], this.ends[at]) };
    return this.pinned.get(traceKey);
  }

  get(traceKey: string): Attribution | undefined {
    const at = this.index.get(traceKey);
    if (at !== undefined) return unpackFrom(traceKey, this.arena, this.offs[at], this.ends[at]);
    const p = this.pinned.get(traceKey);
    return p && unpackFrom(traceKey, p.data, 0, p.data.length);
  }

  /** Keeps `traceKey` retrievable after it leaves the ring (bounded, oldest unpinned first). */
  pin(traceKey: string): boolean {
    const p = this.packed(traceKey);
    if (!p) return false;
    this.pinned.delete(traceKey);
    this.pinned.set(traceKey, p);
    if (this.pinned.size > this.pinnedCapacity) this.pinned.delete(this.pinned.keys().next().value as string);
    return true;
  }

  get size(): number {
    return this.index.size;
  }

  /** Recent attributions, oldest first (unpacked one at a time). */
  *values(): IterableIterator<Attribution> {
    for (let i = 0; i < this.count; i++) {
      const s = (this.head + i) % this.keys.length;
      const key = this.keys[s];
      if (key !== undefined) yield unpackFrom(key, this.arena, this.offs[s], this.ends[s]);
    }
  }
}
