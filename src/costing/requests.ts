/**
 * Request rates for `cost.performance`, counted from the attributed traces. What a request is:
 * - a budget without `operation`: a SERVER span of the service, in any trace (its
 *   `serviceRequests` count);
 * - a budget with `operation`: a trace of that journey (rooted at the service with that
 *   operation), one request each.
 * Counts are kept per second for the services and journeys asked for (`want`), for the last
 * `intervalMs`. Observed time starts, per key, at the first trace (any trace) seen while it is
 * wanted: before traffic flows there is no rate. Pure; time is `nowMs`.
 */
import type { Attribution } from "../attribution/index.js";
import type { TraceObserver } from "../engine/index.js";
import type { Interner } from "../span/index.js";

const SECOND_MS = 1000;

/** What to count: a service's SERVER spans, or a journey's traces. */
export interface RequestKey {
  service: string;
  operation?: string;
}

interface Counter {
  key: RequestKey;
  serviceId: number;
  /** -1: any operation (SERVER spans of the service); -2: not resolved yet. */
  operationId: number;
  /** The first trace seen while this key was wanted (observed time starts there): NaN before. */
  sinceMs: number;
  /** Per-second buckets, oldest first: start (ms) and count. */
  starts: number[];
  counts: number[];
}

const keyOf = (k: RequestKey) => (k.operation === undefined ? k.service : `${k.service}\u0000${k.operation}`);

export class RequestRates implements TraceObserver {
  private counters = new Map<string, Counter>();
  private unresolved: Counter[] = [];
  private seenSize = -1;

  constructor(
    private readonly strings: Interner,
    readonly intervalMs: number,
  ) {
    if (!(intervalMs >= SECOND_MS)) throw new RangeError(`the request-rate interval must be at least 1 s, got ${intervalMs} ms`);
  }

  /** Sets what is counted; counters of keys still wanted keep their counts. */
  want(keys: Iterable<RequestKey>): void {
    const next = new Map<string, Counter>();
    for (const key of keys) {
      const k = keyOf(key);
      if (next.has(k)) continue;
      next.set(k, this.counters.get(k) ?? { key: { ...key }, serviceId: -2, operationId: key.operation === undefined ? -1 : -2, sinceMs: Number.NaN, starts: [], counts: [] });
    }
    this.counters = next;
    this.unresolved = [...next.values()].filter((c) => c.serviceId === -2 || c.operationId === -2);
    this.seenSize = -1;
  }

  onTrace(a: Attribution, nowMs: number): void {
    if (this.counters.size === 0) return;
    if (this.unresolved.length > 0 && this.strings.size !== this.seenSize) this.resolve();
    for (const c of this.counters.values()) {
      if (Number.isNaN(c.sinceMs)) c.sinceMs = nowMs;
      if (c.serviceId < 0) continue;
      let n = 0;
      if (c.operationId === -1) {
        for (let i = 0; i < a.serviceIds.length; i++) if (a.serviceIds[i] === c.serviceId) n += a.serviceRequests[i]!;
      } else if (a.journeyService === c.serviceId && a.journeyOperation === c.operationId) n = 1;
      if (n > 0) this.add(c, n, nowMs);
    }
  }

  /**
   * Requests per second over the last `intervalMs` at `nowMs`: the requests counted in the
   * per-second buckets starting at or after `cut = alignDown(now − interval, 1 s)`, divided by the
   * observed seconds `now − max(cut, since)`, where `since` is the first trace (of any journey)
   * seen while the key was wanted. Null for a key not wanted, or with less than one second
   * observed (no traffic at all yet); 0 when traffic flows but none of these requests.
   */
  rate(key: RequestKey, nowMs: number): number | null {
    const c = this.counters.get(keyOf(key));
    if (c === undefined || Number.isNaN(c.sinceMs)) return null;
    const cut = Math.floor((nowMs - this.intervalMs) / SECOND_MS) * SECOND_MS;
    this.prune(c, cut);
    const observedMs = nowMs - Math.max(cut, c.sinceMs);
    if (observedMs < SECOND_MS) return null;
    let n = 0;
    for (let i = 0; i < c.starts.length; i++) if (c.starts[i]! >= cut && c.starts[i]! <= nowMs) n += c.counts[i]!;
    return (n * SECOND_MS) / observedMs;
  }

  private add(c: Counter, n: number, nowMs: number): void {
    const start = Math.floor(nowMs / SECOND_MS) * SECOND_MS;
    const last = c.starts.length - 1;
    if (last >= 0 && c.starts[last] === start) c.counts[last]! += n;
    else if (last >= 0 && c.starts[last]! > start) {
      // A clock that went back: count it in the latest bucket.
      c.counts[last]! += n;
    } else {
      c.starts.push(start);
      c.counts.push(n);
      // Bound the buckets (one per second of the interval, plus the edges).
      if (c.starts.length > this.intervalMs / SECOND_MS + 2) this.prune(c, start - this.intervalMs - SECOND_MS);
    }
  }

  private prune(c: Counter, beforeMs: number): void {
    let i = 0;
    while (i < c.starts.length && c.starts[i]! < beforeMs) i++;
    if (i > 0) {
      c.starts.splice(0, i);
      c.counts.splice(0, i);
    }
  }

  private resolve(): void {
    this.seenSize = this.strings.size;
    this.unresolved = this.unresolved.filter((c) => {
      if (c.serviceId === -2) {
        const id = this.strings.lookup(c.key.service);
        if (id >= 0) c.serviceId = id;
      }
      if (c.operationId === -2) {
        const id = this.strings.lookup(c.key.operation!);
        if (id >= 0) c.operationId = id;
      }
      return c.serviceId === -2 || c.operationId === -2;
    });
  }
}
