/**
 * A bounded map whose entries expire when not touched for `ttlMs`. Entries are kept in order of
 * their last touch (a touch moves the key to the end), so expiry walks only the expired prefix.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; seenMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** When the key was last touched, if it is present. */
  seenMs(key: string): number | undefined {
    return this.entries.get(key)?.seenMs;
  }

  /** Sets and touches `key`; false (nothing stored) when it is new and the map is full. */
  set(key: string, value: V, nowMs: number): boolean {
    const had = this.entries.delete(key);
    if (!had && this.entries.size >= this.capacity) return false;
    this.entries.set(key, { value, seenMs: nowMs });
    return true;
  }

  /**
   * Removes entries last touched before `nowMs - ttlMs`; returns how many. A clock that went
   * backwards expires nothing (entries touched "in the future" are kept until it catches up).
   */
  expire(nowMs: number): number {
    const cutoff = nowMs - this.ttlMs;
    let n = 0;
    for (const [key, e] of this.entries) {
      if (e.seenMs >= cutoff) break;
      this.entries.delete(key);
      n++;
    }
    return n;
  }
}
