import { SpanColumns, SpanFlag, type SpanBatch } from "../span/index.js";
import { SpanStore } from "./store.js";

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
 * (contiguous, in arrival order). Valid only during the callback: the rows are reused.
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
}

interface TraceState {
  key: string;
  head: number;
  tail: number;
  count: number;
  hasRoot: boolean;
  done: boolean;
  firstMs: number;
  lastMs: number;
  /** The add() call that last touched the trace (to queue it once per request). */
  epoch: number;
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
 * skipped lazily) — so each tick costs only the traces that are due.
 */
export class Assembler {
  readonly store = new SpanStore();
  private readonly traces = new Map<string, TraceState>();
  private readonly byFirst = new Fifo<TraceState>();
  private readonly byLast = new Fifo<TraceState>();
  private readonly byLastMs = new NumFifo();
  private readonly completed = new Set<string>();
  private readonly completedOrder = new Fifo<string>();
  private readonly rememberCompleted: number;
  /** Completed traces are gathered here (rows 0..n-1) for the consumer. */
  private readonly gathered = new SpanColumns(1024);
  private identity = Int32Array.from({ length: 1024 }, (_, i) => i);
  private epoch = 0;
  private touched: TraceState[] = [];
  private readonly counters = {
    spansAccepted: 0,
    spansLate: 0,
    requestsRefused: 0,
    tracesCompleted: 0,
    tracesEvicted: 0,
    tracesMaxAge: 0,
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
    const epoch = ++this.epoch;
    const touched = this.touched;
    touched.length = 0;
    let accepted = 0;
    let late = 0;
    let lastKey = "";
    let state: TraceState | undefined;
    for (let i = 0; i < n; i++) {
      const key = batch.traceKey[i];
      // Spans of one trace are usually adjacent within a request: skip the map lookup then.
      if (key !== lastKey || state === undefined) {
        lastKey = key;
        state = this.traces.get(key);
        if (state === undefined) {
          if (this.completed.has(key)) {
            late++;
            state = undefined;
            lastKey = "";
            continue;
          }
          state = { key, head: -1, tail: -1, count: 0, hasRoot: false, done: false, firstMs: nowMs, lastMs: nowMs, epoch: 0 };
          this.traces.set(key, state);
          this.byFirst.push(state);
        }
      }
      const slot = this.store.insert(batch, i);
      if (state.tail < 0) state.head = slot;
      else this.store.link(state.tail, slot);
      state.tail = slot;
      state.count++;
      if ((batch.flags[i] & SpanFlag.HAS_PARENT) === 0) state.hasRoot = true;
      state.lastMs = nowMs;
      if (state.epoch !== epoch) {
        state.epoch = epoch;
        touched.push(state);
      }
      accepted++;
    }
    for (const t of touched) {
      if (t.hasRoot) {
        this.byLast.push(t);
        this.byLastMs.push(nowMs);
      }
    }
    touched.length = 0;
    this.counters.spansAccepted += accepted;
    this.counters.spansLate += late;
    return { admitted: true, accepted, late };
  }

  /** True if a request of `n` spans would be admitted now (without evicting anything). */
  wouldAdmit(n: number, nowMs: number): boolean {
    let room = this.opts.maxBufferedSpans - this.store.used;
    if (room >= n) return true;
    for (let i = 0; i < this.byFirst.length; i++) {
      const t = this.byFirst.at(i);
      if (t.done) continue;
      if (nowMs - t.firstMs < this.opts.minBufferTimeMs) return false;
      room += t.count;
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
    const { decisionWaitMs, maxTraceAgeMs } = this.opts;
    while (done < limit && this.byLast.length > 0 && this.byLastMs.peek() + decisionWaitMs <= nowMs) {
      const t = this.byLast.shift();
      const at = this.byLastMs.shift();
      // Stale entry: the trace completed already, or got newer spans (queued again later).
      if (t.done || t.lastMs !== at) continue;
      this.complete(t, "decision");
      done++;
    }
    while (done < limit && this.byFirst.length > 0) {
      const t = this.byFirst.peek();
      if (t.done) {
        this.byFirst.shift();
        continue;
      }
      if (t.firstMs + maxTraceAgeMs > nowMs) break;
      this.byFirst.shift();
      this.complete(t, "max-age");
      done++;
    }
    if (done < limit) this.compactQueues();
    return done;
  }

  /** True if a trace is due at `nowMs` (possibly behind stale queue entries). */
  hasDue(nowMs: number): boolean {
    return (
      (this.byLast.length > 0 && this.byLastMs.peek() + this.opts.decisionWaitMs <= nowMs) ||
      (this.byFirst.length > 0 && this.byFirst.peek().firstMs + this.opts.maxTraceAgeMs <= nowMs)
    );
  }

  /**
   * Drops completed traces from the middle of the first-arrival queue when they dominate: a
   * trace waiting for its max age at the front would otherwise keep every later, already
   * completed trace alive. (The last-arrival queue needs no such care: its entries fall due in
   * order within the decision wait and drain by themselves.)
   */
  private compactQueues(): void {
    if (this.byFirst.length > 2 * this.traces.size + 4096) this.byFirst.retain((t) => !t.done);
  }

  /** Completes every buffered trace now (shutdown drain). */
  flush(): number {
    let done = 0;
    while (this.byFirst.length > 0) {
      const t = this.byFirst.shift();
      if (t.done) continue;
      this.complete(t, "flush");
      done++;
    }
    this.byLast.clear();
    this.byLastMs.clear();
    return done;
  }

  get stats(): AssemblerStats {
    return { bufferedSpans: this.store.used, bufferedTraces: this.traces.size, ...this.counters };
  }

  /** Milliseconds since the oldest buffered trace's first span, 0 if none. */
  oldestAgeMs(nowMs: number): number {
    while (this.byFirst.length > 0 && this.byFirst.peek().done) this.byFirst.shift();
    return this.byFirst.length > 0 ? nowMs - this.byFirst.peek().firstMs : 0;
  }

  private makeRoom(n: number, nowMs: number): boolean {
    if (this.store.used + n <= this.opts.maxBufferedSpans) return true;
    if (!this.wouldAdmit(n, nowMs)) return false;
    while (this.store.used + n > this.opts.maxBufferedSpans && this.byFirst.length > 0) {
      const t = this.byFirst.shift();
      if (t.done) continue;
      this.complete(t, "evicted");
    }
    return true;
  }

  private complete(t: TraceState, reason: CompletionReason): void {
    t.done = true;
    this.traces.delete(t.key);
    this.remember(t.key);
    const n = this.store.gather(t.head, t.count, this.gathered);
    if (this.identity.length < n) this.identity = Int32Array.from({ length: Math.max(n, this.identity.length * 2) }, (_, i) => i);
    this.counters.tracesCompleted++;
    if (reason === "evicted") this.counters.tracesEvicted++;
    else if (reason === "max-age") this.counters.tracesMaxAge++;
    this.consume({
      key: t.key,
      cols: this.gathered,
      slots: this.identity,
      count: n,
      reason,
      firstArrivalMs: t.firstMs,
      lastArrivalMs: t.lastMs,
    });
  }

  private remember(key: string): void {
    this.completed.add(key);
    this.completedOrder.push(key);
    while (this.completedOrder.length > this.rememberCompleted) this.completed.delete(this.completedOrder.shift());
  }
}

/** A FIFO queue over a growable ring buffer (Array.shift is O(n)). */
class Fifo<T> {
  private buf: (T | undefined)[] = new Array(1024);
  private head = 0;
  length = 0;

  push(v: T): void {
    if (this.length === this.buf.length) this.resize();
    this.buf[(this.head + this.length) & (this.buf.length - 1)] = v;
    this.length++;
  }
  shift(): T {
    const v = this.buf[this.head] as T;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.length--;
    return v;
  }
  peek(): T {
    return this.buf[this.head] as T;
  }
  at(i: number): T {
    return this.buf[(this.head + i) & (this.buf.length - 1)] as T;
  }
  /** Keeps, in order, only the entries for which `keep` is true. */
  retain(keep: (v: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.length; i++) {
      const v = this.at(i);
      if (keep(v)) kept.push(v);
    }
    this.clear();
    for (const v of kept) this.push(v);
  }
  clear(): void {
    this.buf = new Array(1024);
    this.head = 0;
    this.length = 0;
  }
  private resize(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
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
