import { SpanColumns, SpanFlag, type SpanBatch } from "../span/index.js";
import { SpanStore } from "./store.js";
import { DONE, LIVE, TraceTable } from "./trace-table.js";

export interface AssemblerOptions {
  /** A trace whose root has arrived completes after this long without a new span. */
  decisionWaitMs: number;
  /** Any trace completes this long after its first span arrived, root or not. */
  maxTraceAgeMs: number;
  /** Upper bound of buffered spans; past it the oldest traces complete early ("evicted"). */
  maxBufferedSpans: number;
  /** Traces buffered for less than this are never evicted; a request that needs that is refused. */
  minBufferTimeMs: number;
  /** How many completed trace ids are remembered to recognise late spans (default 200 000). */
  rememberCompleted?: number;
}

export type CompletionReason = "decision" | "max-age" | "evicted" | "flush";

/**
 * A completed trace handed to the consumer: its spans as rows `slots[0..count-1]` of `cols`
 * (contiguous, in arrival order). Valid only during the callback: the object and the rows are
 * reused for the next trace.
 */
export interface CompletedTrace {
  key: string;
  cols: SpanColumns;
  slots: Int32Array;
  count: number;
  reason: CompletionReason;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

export type TraceConsumer = (trace: CompletedTrace) => void;

export interface AddResult {
  /** False when the request was refused for lack of room (nothing was buffered). */
  admitted: boolean;
  accepted: number;
  late: number;
}

export interface AssemblerStats {
  bufferedSpans: number;
  bufferedTraces: number;
  spansAccepted: number;
  spansLate: number;
  requestsRefused: number;
  tracesCompleted: number;
  tracesEvicted: number;
  tracesMaxAge: number;
  /** Times the span store gave memory back after a burst. */
  storeShrinks: number;
}

/**
 * Buffers spans by trace id and completes traces (ARCHITECTURE.md §2). Pure: time comes in as
 * `nowMs` (arrival time on the engine's clock, never span timestamps, which may be skewed).
 *
 * Completion: root arrived and nothing new for `decisionWaitMs`; or `maxTraceAgeMs` after the
 * first span (with or without a root); or evicted early when `maxBufferedSpans` would be passed.
 * Spans of a trace that already completed are late: counted and dropped.
 *
 * Timers never scan the buffer: traces sit in two FIFO queues ordered by time — by first arrival
 * (for max age and eviction) and by last arrival (for the decision wait, with stale entries
 * skipped lazily) — so each tick costs only the traces that are due. Traces are integers in a
 * {@link TraceTable}; queue entries carry the index's generation to detect reuse.
 */
export class Assembler {
  readonly store = new SpanStore();
  private readonly t = new TraceTable();
  /** (index, generation) by first arrival. */
  private readonly byFirst = new PairFifo();
  /** (index, generation) and the arrival time it was queued with, by last arrival. */
  private readonly byLast = new PairFifo();
  private readonly byLastMs = new NumFifo();
  /** Completed traces remembered for late spans, oldest first. */
  private readonly completedOrder = new PairFifo();
  private readonly rememberCompleted: number;
  /** Completed traces are gathered here (rows 0..n-1) for the consumer. */
  private readonly gathered = new SpanColumns(1024);
  private identity = Int32Array.from({ length: 1024 }, (_, i) => i);
  /** The one object handed to the consumer (valid only during the call, like the rows). */
  private readonly completion: CompletedTrace = { key: "", cols: this.gathered, slots: this.identity, count: 0, reason: "decision", firstArrivalMs: 0, lastArrivalMs: 0 };
  private epoch = 0;
  private touched = new Int32Array(1024);
  private readonly counters = {
    spansAccepted: 0,
    spansLate: 0,
    requestsRefused: 0,
    tracesCompleted: 0,
    tracesEvicted: 0,
    tracesMaxAge: 0,
    storeShrinks: 0,
  };

  constructor(
    private readonly opts: AssemblerOptions,
    private readonly consume: TraceConsumer,
  ) {
    this.rememberCompleted = opts.rememberCompleted ?? 200_000;
  }

  /**
   * Buffers the spans of one request. When they do not fit, the oldest traces complete early;
   * if that would evict traces younger than `minBufferTimeMs`, nothing is buffered and
   * `admitted` is false (the receiver answers with retryable back-pressure).
   */
  add(batch: SpanBatch, nowMs: number): AddResult {
    const n = batch.length;
    if (!this.makeRoom(n, nowMs)) {
      this.counters.requestsRefused++;
      return { admitted: false, accepted: 0, late: 0 };
    }
    const t = this.t;
    const epoch = ++this.epoch;
    let touchedCount = 0;
    let accepted = 0;
    let late = 0;
    let lastKey = "";
    let idx = -1;
    for (let i = 0; i < n; i++) {
      const key = batch.traceKey[i];
      // Spans of one trace are usually adjacent within a request: skip the lookup then.
      if (key !== lastKey || idx < 0) {
        lastKey = key;
        const h = TraceTable.hashOf(key);
        idx = t.find(key, h);
        if (idx >= 0 && t.state[idx] === DONE) {
          late++;
          idx = -1;
          lastKey = "";
          continue;
        }
        if (idx < 0) {
          idx = t.add(key, h, nowMs);
          this.byFirst.push(idx, t.gen[idx]);
        }
      }
      const slot = this.store.insert(batch, i);
      if (t.tail[idx] < 0) t.head[idx] = slot;
      else this.store.link(t.tail[idx], slot);
      t.tail[idx] = slot;
      t.count[idx]++;
      if ((batch.flags[i] & SpanFlag.HAS_PARENT) === 0) t.hasRoot[idx] = 1;
      t.lastMs[idx] = nowMs;
      if (t.epoch[idx] !== epoch) {
        t.epoch[idx] = epoch;
        if (touchedCount === this.touched.length) {
          const grown = new Int32Array(touchedCount * 2);
          grown.set(this.touched);
          this.touched = grown;
        }
        this.touched[touchedCount++] = idx;
      }
      accepted++;
    }
    for (let k = 0; k < touchedCount; k++) {
      const x = this.touched[k];
      if (t.hasRoot[x]) {
        this.byLast.push(x, t.gen[x]);
        this.byLastMs.push(nowMs);
      }
    }
    this.counters.spansAccepted += accepted;
    this.counters.spansLate += late;
    return { admitted: true, accepted, late };
  }

  /** True if a request of `n` spans would be admitted now (without evicting anything). */
  wouldAdmit(n: number, nowMs: number): boolean {
    let room = this.opts.maxBufferedSpans - this.store.used;
    if (room >= n) return true;
    const t = this.t;
    for (let i = 0; i < this.byFirst.length; i++) {
      const idx = this.byFirst.a(i);
      if (!this.isLive(idx, this.byFirst.b(i))) continue;
      if (nowMs - t.firstMs[idx] < this.opts.minBufferTimeMs) return false;
      room += t.count[idx];
      if (room >= n) return true;
    }
    return false;
  }

  /**
   * Completes the traces due at `nowMs`, at most `limit` of them (so a caller can spread a burst
   * over several event-loop turns); returns how many completed. {@link hasDue} says whether more
   * are waiting.
   */
  tick(nowMs: number, limit = Infinity): number {
    let done = 0;
    const t = this.t;
    const { decisionWaitMs, maxTraceAgeMs } = this.opts;
    while (done < limit && this.byLast.length > 0 && this.byLastMs.peek() + decisionWaitMs <= nowMs) {
      const idx = this.byLast.a(0);
      const gen = this.byLast.b(0);
      this.byLast.shift();
      const at = this.byLastMs.shift();
      // Stale entry: the trace completed already, or got newer spans (queued again later).
      if (!this.isLive(idx, gen) || t.lastMs[idx] !== at) continue;
      this.complete(idx, "decision");
      done++;
    }
    while (done < limit && this.byFirst.length > 0) {
      const idx = this.byFirst.a(0);
      if (!this.isLive(idx, this.byFirst.b(0))) {
        this.byFirst.shift();
        continue;
      }
      if (t.firstMs[idx] + maxTraceAgeMs > nowMs) break;
      this.byFirst.shift();
      this.complete(idx, "max-age");
      done++;
    }
    if (done < limit) {
      this.compactQueues();
      this.shrinkStore();
    }
    return done;
  }

  /**
   * Gives the span store's memory back after a burst: once at most a quarter of it is in use,
   * the live records move into a store sized for twice their number (never below the initial
   * size). Without it, a burst that filled the buffer kept its peak allocation for good (68
   * bytes per span of capacity), and the memory limiter, which counts it, could refuse data
   * long after the load dropped. Shrinking at a quarter and halving at least leaves room for
   * the buffer to double again before it grows, so it does not flap.
   */
  private shrinkStore(): void {
    const store = this.store;
    if (store.capacity <= store.initialCapacity || store.used > store.capacity / 4) return;
    let capacity = store.initialCapacity;
    while (capacity < store.used * 2) capacity *= 2;
    const t = this.t;
    store.relocate(capacity, { heads: t.head, tails: t.tail, n: t.capacity, live: (i) => t.state[i] === LIVE });
    this.counters.storeShrinks++;
  }

  /** True if a trace is due at `nowMs` (possibly behind stale queue entries). */
  hasDue(nowMs: number): boolean {
    return (
      (this.byLast.length > 0 && this.byLastMs.peek() + this.opts.decisionWaitMs <= nowMs) ||
      (this.byFirst.length > 0 && this.t.firstMs[this.byFirst.a(0)] + this.opts.maxTraceAgeMs <= nowMs)
    );
  }

  /**
   * Drops completed traces from the middle of the first-arrival queue when they dominate: a
   * trace waiting for its max age at the front would otherwise keep every later entry queued.
   * (The last-arrival queue needs no such care: its entries fall due in order within the
   * decision wait and drain by themselves.)
   */
  private compactQueues(): void {
    if (this.byFirst.length > 2 * this.t.live + 4096) this.byFirst.retain((idx, gen) => this.isLive(idx, gen));
  }

  /** Completes every buffered trace now (shutdown drain). */
  flush(): number {
    let done = 0;
    while (this.byFirst.length > 0) {
      const idx = this.byFirst.a(0);
      const gen = this.byFirst.b(0);
      this.byFirst.shift();
      if (!this.isLive(idx, gen)) continue;
      this.complete(idx, "flush");
      done++;
    }
    this.byLast.clear();
    this.byLastMs.clear();
    return done;
  }

  get stats(): AssemblerStats {
    return { bufferedSpans: this.store.used, bufferedTraces: this.t.live, ...this.counters };
  }

  /** Milliseconds since the oldest buffered trace's first span, 0 if none. */
  oldestAgeMs(nowMs: number): number {
    while (this.byFirst.length > 0 && !this.isLive(this.byFirst.a(0), this.byFirst.b(0))) this.byFirst.shift();
    return this.byFirst.length > 0 ? nowMs - this.t.firstMs[this.byFirst.a(0)] : 0;
  }

  private isLive(idx: number, gen: number): boolean {
    return this.t.gen[idx] === gen && this.t.state[idx] === LIVE;
  }

  private makeRoom(n: number, nowMs: number): boolean {
    if (this.store.used + n <= this.opts.maxBufferedSpans) return true;
    if (!this.wouldAdmit(n, nowMs)) return false;
    while (this.store.used + n > this.opts.maxBufferedSpans && this.byFirst.length > 0) {
      const idx = this.byFirst.a(0);
      const gen = this.byFirst.b(0);
      this.byFirst.shift();
      if (!this.isLive(idx, gen)) continue;
      this.complete(idx, "evicted");
    }
    return true;
  }

  private complete(idx: number, reason: CompletionReason): void {
    const t = this.t;
    t.markDone(idx);
    const key = t.keys[idx];
    const n = this.store.gather(t.head[idx], t.count[idx], this.gathered);
    const firstMs = t.firstMs[idx];
    const lastMs = t.lastMs[idx];
    this.remember(idx);
    if (this.identity.length < n) this.identity = Int32Array.from({ length: Math.max(n, this.identity.length * 2) }, (_, i) => i);
    this.counters.tracesCompleted++;
    if (reason === "evicted") this.counters.tracesEvicted++;
    else if (reason === "max-age") this.counters.tracesMaxAge++;
    const c = this.completion;
    c.key = key;
    c.slots = this.identity;
    c.count = n;
    c.reason = reason;
    c.firstArrivalMs = firstMs;
    c.lastArrivalMs = lastMs;
    this.consume(c);
  }

  /** Keeps a completed trace findable (its late spans are recognised), the oldest forgotten first. */
  private remember(idx: number): void {
    const t = this.t;
    if (this.rememberCompleted <= 0) {
      t.remove(idx);
      return;
    }
    this.completedOrder.push(idx, t.gen[idx]);
    while (this.completedOrder.length > this.rememberCompleted) {
      const old = this.completedOrder.a(0);
      const gen = this.completedOrder.b(0);
      this.completedOrder.shift();
      if (t.gen[old] === gen && t.state[old] === DONE) t.remove(old);
    }
  }
}

/** A FIFO of (a, b) integer pairs over growable typed ring buffers. */
class PairFifo {
  private as = new Int32Array(1024);
  private bs = new Int32Array(1024);
  private head = 0;
  length = 0;

  push(a: number, b: number): void {
    if (this.length === this.as.length) this.resize();
    const i = (this.head + this.length) & (this.as.length - 1);
    this.as[i] = a;
    this.bs[i] = b;
    this.length++;
  }
  shift(): void {
    this.head = (this.head + 1) & (this.as.length - 1);
    this.length--;
  }
  a(i: number): number {
    return this.as[(this.head + i) & (this.as.length - 1)];
  }
  b(i: number): number {
    return this.bs[(this.head + i) & (this.bs.length - 1)];
  }
  /** Keeps, in order, only the pairs for which `keep` is true. */
  retain(keep: (a: number, b: number) => boolean): void {
    let w = 0;
    const n = this.length;
    const as = new Int32Array(this.as.length);
    const bs = new Int32Array(this.bs.length);
    for (let i = 0; i < n; i++) {
      const a = this.a(i);
      const b = this.b(i);
      if (keep(a, b)) {
        as[w] = a;
        bs[w] = b;
        w++;
      }
    }
    this.as = as;
    this.bs = bs;
    this.head = 0;
    this.length = w;
  }
  clear(): void {
    this.head = 0;
    this.length = 0;
  }
  private resize(): void {
    const as = new Int32Array(this.as.length * 2);
    const bs = new Int32Array(this.bs.length * 2);
    for (let i = 0; i < this.length; i++) {
      as[i] = this.a(i);
      bs[i] = this.b(i);
    }
    this.as = as;
    this.bs = bs;
    this.head = 0;
  }
}

/** A FIFO of numbers (kept beside {@link Fifo} so times stay unboxed). */
class NumFifo {
  private buf = new Float64Array(1024);
  private head = 0;
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) this.resize();
    this.buf[(this.head + this.length) & (this.buf.length - 1)] = v;
    this.length++;
  }
  shift(): number {
    const v = this.buf[this.head];
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.length--;
    return v;
  }
  peek(): number {
    return this.buf[this.head];
  }
  clear(): void {
    this.head = 0;
    this.length = 0;
  }
  private resize(): void {
    const next = new Float64Array(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
