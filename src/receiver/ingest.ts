import type { Engine } from "../engine/index.js";
import { CapacityError, PbeError } from "../errors/index.js";
import {
  decodeMetricsJson,
  decodeMetricsRequest,
  decodeTraceJson,
  decodeTraceRequest,
  type MetricsDecodeResult,
} from "../otlp/index.js";
import { SpanBatch } from "../span/index.js";
import type { MemoryLimiter } from "./limiter.js";
import type { ExportOutcome, IngestPipeline, PayloadFormat } from "./pipeline.js";

/** Receives decoded metrics (resource samples come from them). Must not throw. */
export type MetricsConsumer = (metrics: MetricsDecodeResult, nowMs: number) => void;

export interface IngestCounters {
  metricPointsReceived: number;
  metricPointsRejected: number;
  requestsRefused: number;
  requestsMalformed: number;
}

/**
 * Decodes OTLP payloads into the engine: one reused span batch (requests are handled one at a
 * time on the event loop, decode and buffering are synchronous), back-pressure from the memory
 * limiter and the assembler mapped to {@link CapacityError}.
 */
export class EnginePipeline implements IngestPipeline {
  private readonly batch = new SpanBatch(4096);
  readonly counters: IngestCounters = { metricPointsReceived: 0, metricPointsRejected: 0, requestsRefused: 0, requestsMalformed: 0 };
  /** When a request was last refused with back-pressure (the engine's clock), and why; for readiness. */
  lastRefusal: { atMs: number; reason: string } | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly now: () => number,
    private readonly memory: MemoryLimiter | undefined,
    private readonly consumeMetrics: MetricsConsumer,
  ) {}

  traces(body: Uint8Array, format: PayloadFormat): ExportOutcome {
    this.admit(body.length);
    const batch = this.batch;
    const tables = this.engine.tables;
    let r;
    try {
      r = format === "protobuf" ? decodeTraceRequest(body, batch, tables) : decodeTraceJson(body, batch, tables);
    } catch (err) {
      this.counters.requestsMalformed++;
      throw err;
    }
    if (batch.length > this.engine.opts.maxBufferedSpans) {
      batch.clear();
      throw new PbeError("invalid_argument", `the request holds ${batch.length} spans, more than the whole trace buffer (${this.engine.opts.maxBufferedSpans}); split it`);
    }
    // Buffering these spans may double the span store: that allocation counts against the limit too.
    const growth = this.engine.assembler.store.growthBytes(batch.length);
    if (growth > 0 && this.memory && !this.memory.admit(growth)) {
      batch.clear();
      throw this.refuse(`the trace buffer would grow by ${Math.round(growth / 2 ** 20)} MiB past the memory limit (${Math.round(this.memory.softLimitBytes / 2 ** 20)} MiB); retry later`);
    }
    const added = this.engine.ingestSpans(batch, r.rejected, this.now());
    batch.clear();
    if (!added.admitted) throw this.refuse("the trace buffer is full of traces younger than the minimum buffer time; retry later");
    return { accepted: r.spans, rejected: r.rejected, reason: r.reason };
  }

  metrics(body: Uint8Array, format: PayloadFormat): ExportOutcome {
    this.admit(body.length);
    let m: MetricsDecodeResult;
    try {
      m = format === "protobuf" ? decodeMetricsRequest(body) : decodeMetricsJson(body);
    } catch (err) {
      this.counters.requestsMalformed++;
      throw err;
    }
    this.counters.metricPointsReceived += m.dataPoints;
    this.counters.metricPointsRejected += m.rejected;
    this.consumeMetrics(m, this.now());
    return { accepted: m.dataPoints, rejected: m.rejected, reason: m.reason };
  }

  precheck(): void {
    if (this.memory?.refusing) throw this.refuse(this.memoryReason());
  }

  private memoryReason(): string {
    return `memory use (${Math.round(this.memory!.lastUsedBytes / 2 ** 20)} MiB) is at the soft limit (${Math.round(this.memory!.softLimitBytes / 2 ** 20)} MiB); retry later`;
  }

  /** Refuses the request when the memory limiter says no (its size counted against the limit). */
  private admit(bytes: number): void {
    if (this.memory && !this.memory.admit(bytes)) throw this.refuse(this.memoryReason());
  }

  private refuse(reason: string): CapacityError {
    this.counters.requestsRefused++;
    this.lastRefusal = { atMs: this.now(), reason };
    return new CapacityError(reason, 1);
  }
}
