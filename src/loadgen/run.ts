/**
 * The load generator's parent side: forks N workers (each a process with its own pool and
 * connections), starts them together, and merges their counters and latency digests.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TDigest } from "../digest/index.js";
import type { PoolStats } from "./pool.js";
import type { SenderCounters } from "./sender.js";
import type { Protocol } from "./transport.js";
import type { ToWorker, WorkerInit } from "./worker.js";

export interface LoadgenOptions {
  /** host:port of the OTLP/gRPC or OTLP/HTTP receiver. */
  target: string;
  protocol: Protocol;
  /** Spans per second over all workers; 0 = maximum (every slot kept busy). */
  rate: number;
  workers: number;
  connections: number;
  concurrency: number;
  /** Stop by itself after this many spans in total (0 = until stopped). */
  maxSpans?: number;
  poolTraces?: number;
  seed?: number;
  metricsIntervalMs?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadgenCounters {
  elapsedSec: number;
  requests: number;
  spans: number;
  spansPerSec: number;
  traces: number;
  errorRequests: number;
  errorSpans: number;
  errors: Record<string, number>;
  metricsRequests: number;
  metricsErrors: number;
  /** Client-side Export latency of successful trace requests, ms. */
  latencyMs: LatencySummary;
  /** CPU used by the workers, in cores (CPU-seconds per second). */
  cpuCores: number;
}

export interface LoadgenReport {
  options: LoadgenOptions;
  pool: PoolStats;
  /** Since the last `mark()` (or the start) up to `stop()`. */
  window: LoadgenCounters;
  /** Everything, including what was sent to finish a cycle and answered after stop(). */
  total: LoadgenCounters;
}

type FromWorker =
  | { type: "ready"; pool: PoolStats }
  | { type: "progress"; total: SenderCounters }
  | { type: "finished" }
  | { type: "report"; total: SenderCounters; window: SenderCounters }
  | { type: "error"; message: string };

const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

/** Progress since start over all workers (updated every second). */
export interface LoadgenProgress {
  spans: number;
  requests: number;
  errorRequests: number;
}

export class Loadgen {
  private readonly children: ChildProcess[] = [];
  private readonly progressBy = new Map<number, SenderCounters>();
  private finishedCount = 0;
  private finishedResolve: (() => void) | undefined;
  private failure: Error | undefined;
  /** Resolves when every worker has sent `maxSpans` (only with maxSpans). */
  readonly finished: Promise<void>;
  pool: PoolStats | undefined;
  onProgress: ((p: LoadgenProgress) => void) | undefined;

  private constructor(readonly options: LoadgenOptions) {
    this.finished = new Promise((resolve) => (this.finishedResolve = resolve));
  }

  /** Forks the workers, waits until each has built its pool and connected, then starts them. */
  static async start(options: LoadgenOptions): Promise<Loadgen> {
    const lg = new Loadgen(options);
    try {
      await lg.launch();
    } catch (err) {
      lg.kill();
      throw err;
    }
    return lg;
  }

  private async launch(): Promise<void> {
    const o = this.options;
    const salt = randomBytes(8);
    const runSalt: [number, number] = [salt.readUInt32LE(0), salt.readUInt32LE(4)];
    const readies: Promise<void>[] = [];
    for (let w = 0; w < o.workers; w++) {
      // execArgv: [] so a profiled or inspected parent does not profile its workers.
      const child = fork(WORKER, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      this.children.push(child);
      const init: WorkerInit = {
        target: o.target,
        protocol: o.protocol,
        connections: o.connections,
        concurrency: o.concurrency,
        rate: o.rate > 0 ? o.rate / o.workers : 0,
        maxSpans: o.maxSpans ? Math.ceil(o.maxSpans / o.workers) : 0,
        metricsIntervalMs: o.metricsIntervalMs ?? 1000,
        worker: w,
        runSalt,
        poolTraces: o.poolTraces ?? 4000,
        seed: o.seed ?? 1,
      };
      readies.push(
        new Promise<void>((resolve, reject) => {
          child.on("message", (m: FromWorker) => {
            if (m.type === "ready") {
              this.pool ??= m.pool;
              resolve();
            } else if (m.type === "progress") {
              this.progressBy.set(w, m.total);
              if (this.progressBy.size === o.workers) this.onProgress?.(this.progress());
            } else if (m.type === "finished") {
              if (++this.finishedCount === o.workers) this.finishedResolve?.();
            } else if (m.type === "error") {
              this.failure = new Error(`load generator worker ${w}: ${m.message}`);
              reject(this.failure);
            }
          });
          child.once("exit", (code) => reject(new Error(`load generator worker ${w} exited (${code}) before it was ready`)));
        }),
      );
      this.post(child, { type: "init", options: init });
    }
    await Promise.all(readies);
    for (const c of this.children) this.post(c, { type: "go" });
  }

  private post(child: ChildProcess, msg: ToWorker): void {
    if (child.connected) child.send(msg);
  }

  private progress(): LoadgenProgress {
    let spans = 0;
    let requests = 0;
    let errorRequests = 0;
    for (const c of this.progressBy.values()) {
      spans += c.spans;
      requests += c.requests;
      errorRequests += c.errorRequests;
    }
    return { spans, requests, errorRequests };
  }

  /** Starts the measurement window now. */
  mark(): void {
    for (const c of this.children) this.post(c, { type: "mark" });
  }

  /**
   * Stops every worker and merges their reports. `cycle` finishes each worker's current pass
   * over its pool first, so every trace started is sent whole (see Sender.stop).
   */
  async stop(mode: "now" | "cycle" = "now"): Promise<LoadgenReport> {
    if (this.failure) {
      this.kill();
      throw this.failure;
    }
    const reports = await Promise.all(
      this.children.map(
        (child, w) =>
          new Promise<{ total: SenderCounters; window: SenderCounters }>((resolve, reject) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              reject(new Error(`load generator worker ${w} exited early (${child.exitCode ?? child.signalCode})`));
              return;
            }
            const timer = setTimeout(() => reject(new Error(`load generator worker ${w} did not report within 30 s`)), 30_000);
            child.on("message", (m: FromWorker) => {
              if (m.type === "report") {
                clearTimeout(timer);
                resolve({ total: m.total, window: m.window });
              }
            });
            child.once("exit", () => {
              clearTimeout(timer);
              reject(new Error(`load generator worker ${w} exited without a report`));
            });
            this.post(child, { type: "stop", mode });
          }),
      ),
    ).finally(() => this.kill());
    return {
      options: this.options,
      pool: this.pool!,
      window: merge(reports.map((r) => r.window)),
      total: merge(reports.map((r) => r.total)),
    };
  }

  /** Kills every worker that is still running (idempotent, synchronous). */
  kill(): void {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }
  }
}

function merge(parts: SenderCounters[]): LoadgenCounters {
  const errors: Record<string, number> = {};
  const digests: TDigest[] = [];
  let elapsedMs = 0;
  let cpuUs = 0;
  const sum = (f: (c: SenderCounters) => number) => parts.reduce((a, c) => a + f(c), 0);
  for (const p of parts) {
    for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
    digests.push(TDigest.fromBase64(p.latencyDigest));
    elapsedMs = Math.max(elapsedMs, p.elapsedMs);
    cpuUs += p.cpuUs;
  }
  const d = TDigest.mergeAll(digests);
  const q = (x: number) => (d.count === 0 ? 0 : round3(d.quantile(x)));
  const spans = sum((c) => c.spans);
  const elapsedSec = elapsedMs / 1000;
  return {
    elapsedSec: round3(elapsedSec),
    requests: sum((c) => c.requests),
    spans,
    spansPerSec: elapsedSec > 0 ? Math.round(spans / elapsedSec) : 0,
    traces: sum((c) => c.traces),
    errorRequests: sum((c) => c.errorRequests),
    errorSpans: sum((c) => c.errorSpans),
    errors,
    metricsRequests: sum((c) => c.metricsRequests),
    metricsErrors: sum((c) => c.metricsErrors),
    latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: d.count === 0 ? 0 : round3(d.max), mean: d.count === 0 ? 0 : round3(d.mean) },
    cpuCores: elapsedMs > 0 ? Math.round((cpuUs / 1000 / elapsedMs) * 1000) / 1000 : 0,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
