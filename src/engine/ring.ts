import type { Attribution } from "../attribution/index.js";

/**
 * The most recent attributions by trace key, bounded (oldest dropped first), plus pinned ones
 * (exemplars an alert refers to) kept in a second bounded map so they outlive the ring.
 */
export class AttributionRing {
  private readonly recent = new Map<string, Attribution>();
  private readonly pinned = new Map<string, Attribution>();

  constructor(
    readonly capacity: number,
    readonly pinnedCapacity = 1000,
  ) {}

  add(a: Attribution): void {
    if (this.capacity <= 0) return;
    this.recent.delete(a.traceKey);
    this.recent.set(a.traceKey, a);
    if (this.recent.size > this.capacity) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
  }

  get(traceKey: string): Attribution | undefined {
    return this.recent.get(traceKey) ?? this.pinned.get(traceKey);
  }

  /** Keeps `traceKey` retrievable after it leaves the ring (bounded, oldest unpinned first). */
  pin(traceKey: string): boolean {
    const a = this.get(traceKey);
    if (!a) return false;
    this.pinned.delete(traceKey);
    this.pinned.set(traceKey, a);
    if (this.pinned.size > this.pinnedCapacity) this.pinned.delete(this.pinned.keys().next().value as string);
    return true;
  }

  get size(): number {
    return this.recent.size;
  }

  /** Recent attributions, newest last. */
  values(): IterableIterator<Attribution> {
    return this.recent.values();
  }
}
