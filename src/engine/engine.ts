import { Assembler, type AddResult, type AssemblerOptions, type CompletedTrace } from "../assembly/index.js";
import { Attributor, emptyAttribution, type Attribution } from "../attribution/index.js";
import { StringTables, type SpanBatch } from "../span/index.js";
import { AttributionRing } from "./ring.js";
import { Catalogue } from "./catalogue.js";
import { KeyLimiter } from "./limiter.js";

export interface EngineOptions extends AssemblerOptions {
  /** Attributions kept for the trace API (the ring). */
  recentTraces: number;
  maxKeysPerService: number;
  maxStrings: number;
  maxStatements?: number;
}

/**
 * Something that consumes every attributed trace (windows, derived metrics…). Must not throw,
 * and must not keep `a` or its arrays: the engine reuses them for the next trace.
 */
export interface TraceObserver {
  onTrace(a: Attribution, nowMs: number): void;
}

export interface EngineCounters {
  spansReceived: number;
  spansRejected: number;
  tracesAttributed: number;
  /** Completion time minus the trace's last span arrival, summed, for the mean lag. */
  attributionLagMsSum: number;
  attributionLagMsMax: number;
  observerErrors: number;
}

/**
 * The pure core, composed: spans in, attributed traces out to observers. No I/O; the caller
 * passes the time (`nowMs`, the engine's wall clock in ms) to every call.
 */
export class Engine {
  readonly tables: StringTables;
  readonly assembler: Assembler;
  readonly attributor: Attributor;
  readonly ring: AttributionRing;
  readonly catalogue = new Catalogue();
  readonly limiter: KeyLimiter;
  readonly counters: EngineCounters = {
    spansReceived: 0,
    spansRejected: 0,
    tracesAttributed: 0,
    attributionLagMsSum: 0,
    attributionLagMsMax: 0,
    observerErrors: 0,
  };
  private readonly observers: TraceObserver[] = [];
  /** One attribution object reused for every trace (observers copy what they keep). */
  private readonly scratch = emptyAttribution();
  private now = 0;

  constructor(readonly opts: EngineOptions) {
    this.tables = new StringTables({ maxStrings: opts.maxStrings, maxStatements: opts.maxStatements });
    this.attributor = new Attributor(this.tables.strings);
    this.ring = new AttributionRing(opts.recentTraces);
    this.limiter = new KeyLimiter(opts.maxKeysPerService);
    this.assembler = new Assembler(opts, (t) => this.complete(t));
  }

  addObserver(o: TraceObserver): void {
    this.observers.push(o);
  }

  /** Buffers one decoded request. `rejected` counts spans the decoder refused. */
  ingestSpans(batch: SpanBatch, rejected: number, nowMs: number): AddResult {
    this.now = nowMs;
    const r = this.assembler.add(batch, nowMs);
    if (r.admitted) {
      this.counters.spansReceived += batch.length;
      this.counters.spansRejected += rejected;
    }
    return r;
  }

  /** Completes the traces due at `nowMs` (at most `limit`; see {@link Assembler.tick}). */
  tick(nowMs: number, limit = Infinity): number {
    this.now = nowMs;
    return this.assembler.tick(nowMs, limit);
  }

  /** True if traces are due at `nowMs`. */
  hasDue(nowMs: number): boolean {
    return this.assembler.hasDue(nowMs);
  }

  /** Completes every buffered trace (shutdown). */
  drain(nowMs: number): number {
    this.now = nowMs;
    return this.assembler.flush();
  }

  private complete(t: CompletedTrace): void {
    const a = this.attributor.attribute({ key: t.key, cols: t.cols, slots: t.slots, count: t.count }, this.scratch);
    this.limiter.apply(a);
    const now = this.now;
    const lag = now - t.lastArrivalMs;
    this.counters.tracesAttributed++;
    this.counters.attributionLagMsSum += lag;
    if (lag > this.counters.attributionLagMsMax) this.counters.attributionLagMsMax = lag;
    this.ring.add(a);
    this.catalogue.observe(a, now);
    for (const o of this.observers) {
      try {
        o.onTrace(a, now);
      } catch {
        // An observer's bug must not lose the trace for the others; it is counted.
        this.counters.observerErrors++;
      }
    }
  }
}
