/**
 * One worker's send loop: pool requests, patched per send, over `connections` transports with
 * up to `concurrency` requests in flight on each. Rate control is a token bucket checked per
 * request (one timer at a time while ahead of schedule, none per span); `rate = 0` keeps every
 * slot busy (maximum rate, closed loop).
 */
import { TDigest } from "../digest/index.js";
import { MetricsModel } from "./metrics.js";
import { CyclePatcher, type TrafficPool } from "./pool.js";
import { createTransport, type Protocol, type Transport } from "./transport.js";

export interface SenderOptions {
  target: string;
  protocol: Protocol;
  connections: number;
  /** Requests in flight per connection. */
  concurrency: number;
  /** Spans per second for this sender; 0 = as fast as the server answers. */
  rate: number;
  /** Stop by itself after this many spans were dispatched; 0 = no limit. */
  maxSpans: number;
  /** A metrics request every this many ms; 0 = none. */
  metricsIntervalMs: number;
  worker: number;
  runSalt: readonly [number, number];
}

/** Counters of one interval, in a form that crosses the IPC channel. */
export interface SenderCounters {
  requests: number;
  spans: number;
  /** Traces whose first request succeeded. */
  traces: number;
  errors: Record<string, number>;
  errorRequests: number;
  errorSpans: number;
  metricsRequests: number;
  metricsErrors: number;
  /** Client-side Export latency of successful trace requests, ms (TDigest base64). */
  latencyDigest: string;
  cpuUs: number;
  elapsedMs: number;
}

class Interval {
  requests = 0;
  spans = 0;
  traces = 0;
  errors: Record<string, number> = {};
  errorRequests = 0;
  errorSpans = 0;
  metricsRequests = 0;
  metricsErrors = 0;
  latency = new TDigest(200);
  readonly startMs = performance.now();
  readonly cpu = process.cpuUsage();

  snapshot(): SenderCounters {
    const cpu = process.cpuUsage(this.cpu);
    return {
      requests: this.requests,
      spans: this.spans,
      traces: this.traces,
      errors: { ...this.errors },
      errorRequests: this.errorRequests,
      errorSpans: this.errorSpans,
      metricsRequests: this.metricsRequests,
      metricsErrors: this.metricsErrors,
      latencyDigest: this.latency.toBase64(),
      cpuUs: cpu.user + cpu.system,
      elapsedMs: performance.now() - this.startMs,
    };
  }
}

interface Slot {
  transport: Transport;
  buf: Buffer;
  busy: boolean;
}

export class Sender {
  private readonly transports: Transport[] = [];
  private readonly slots: Slot[] = [];
  private readonly patcher: CyclePatcher;
  private readonly metrics: MetricsModel;
  private total = new Interval();
  private window = new Interval();
  private frozen: SenderCounters | undefined;
  private next = 0;
  private inFlight = 0;
  private dispatchedSpans = 0;
  private startMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private metricsTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopAtCycleEnd = false;
  private idle: (() => void) | undefined;
  private rate: number;
  private finished = false;
  /** Called once when `maxSpans` were dispatched and answered. */
  onFinished: (() => void) | undefined;

  constructor(
    private readonly pool: TrafficPool,
    private readonly opts: SenderOptions,
  ) {
    this.rate = opts.rate;
    this.patcher = new CyclePatcher(pool, opts.worker, opts.runSalt);
    this.metrics = new MetricsModel(opts.worker + 7, Date.now());
    for (let c = 0; c < opts.connections; c++) {
      const t = createTransport(opts.protocol, opts.target, opts.concurrency);
      this.transports.push(t);
      for (let i = 0; i < opts.concurrency; i++) this.slots.push({ transport: t, buf: Buffer.allocUnsafe(pool.maxRequestBytes), busy: false });
    }
  }

  async ready(timeoutMs = 10_000): Promise<void> {
    await Promise.all(this.transports.map((t) => t.ready(timeoutMs)));
  }

  start(): void {
    this.running = true;
    this.startMs = performance.now();
    this.total = new Interval();
    this.window = new Interval();
    if (this.opts.metricsIntervalMs > 0) {
      this.sendMetrics();
      this.metricsTimer = setInterval(() => this.sendMetrics(), this.opts.metricsIntervalMs);
    }
    this.pump();
  }

  /** Starts a new measurement window (the total keeps counting). */
  mark(): void {
    this.window = new Interval();
  }

  /** Counters since start (`total`) and since the last mark (`window`). */
  counters(): { total: SenderCounters; window: SenderCounters } {
    return { total: this.total.snapshot(), window: this.frozen ?? this.window.snapshot() };
  }

  /**
   * Stops sending. `cycle`: finish the current pass over the pool first, so every trace that was
   * started is sent whole. The window's counters are frozen now; the total keeps counting until
   * every request in flight is answered (or `timeoutMs` passes).
   */
  async stop(mode: "now" | "cycle", timeoutMs = 15_000): Promise<void> {
    this.frozen ??= this.window.snapshot();
    if (mode === "now" || this.next === 0) this.running = false;
    else {
      // The rest of the cycle goes out at full speed: a stop is bounded in time at any rate.
      this.stopAtCycleEnd = true;
      this.rate = 0;
    }
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.metricsTimer = undefined;
    this.pump();
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(() => {
        this.idle = undefined;
        resolve();
      }, timeoutMs);
      timeout.unref();
      this.idle = () => {
        clearTimeout(timeout);
        resolve();
      };
      this.checkIdle();
    });
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    for (const t of this.transports) t.close();
  }

  private checkIdle(): void {
    if (!this.finished && this.opts.maxSpans > 0 && this.inFlight === 0 && this.dispatchedSpans >= this.opts.maxSpans) {
      this.finished = true;
      this.onFinished?.();
    }
    if (this.idle && this.inFlight === 0 && !this.running) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }

  /** Fills free slots with requests, as far as the rate allows. */
  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const pool = this.pool;
    const rate = this.rate;
    for (const slot of this.slots) {
      if (!this.running) break;
      if (slot.busy) continue;
      const req = pool.requests[this.next]!;
      if (this.opts.maxSpans > 0 && this.dispatchedSpans >= this.opts.maxSpans) {
        this.running = false;
        break;
      }
      if (rate > 0) {
        // Token bucket: the spans allowed by now, plus one request of burst.
        const allowed = (rate * (performance.now() - this.startMs)) / 1000 + req.spans;
        if (this.dispatchedSpans + req.spans > allowed) {
          const waitMs = ((this.dispatchedSpans + req.spans - allowed) / rate) * 1000;
          this.timer = setTimeout(() => this.pump(), Math.max(1, waitMs));
          break;
        }
      }
      if (this.next === 0) this.patcher.startCycle(Date.now());
      const len = this.patcher.patch(req, slot.buf);
      const index = this.next;
      this.next = this.next + 1 === pool.requests.length ? 0 : this.next + 1;
      if (this.next === 0 && this.stopAtCycleEnd) this.running = false;
      this.dispatchedSpans += req.spans;
      slot.busy = true;
      this.inFlight++;
      const t0 = performance.now();
      const total = this.total;
      slot.transport.send("traces", slot.buf.subarray(0, len), (err) => {
        slot.busy = false;
        this.inFlight--;
        const ms = performance.now() - t0;
        const r = pool.requests[index]!;
        for (const c of this.window === total ? [total] : [total, this.window]) {
          c.requests++;
          if (err === undefined) {
            c.spans += r.spans;
            c.traces += r.firstTraces;
            c.latency.add(ms);
          } else {
            c.errorRequests++;
            c.errorSpans += r.spans;
            c.errors[err] = (c.errors[err] ?? 0) + 1;
          }
        }
        if (this.running) this.pump();
        else this.checkIdle();
      });
    }
  }

  private sendMetrics(): void {
    const body = Buffer.from(this.metrics.encode(Date.now()));
    const t = this.transports[0]!;
    this.inFlight++;
    t.send("metrics", body, (err) => {
      this.inFlight--;
      for (const c of this.window === this.total ? [this.total] : [this.total, this.window]) {
        c.metricsRequests++;
        if (err !== undefined) c.metricsErrors++;
      }
      this.checkIdle();
    });
  }
}
