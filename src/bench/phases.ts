/**
 * The bench's end-to-end phases. Each starts its own server process (fresh heap and counters),
 * drives it with the load generator's worker processes, and measures the server from outside:
 * CPU from the server process's own counters over a window that excludes warm-up, memory after
 * a forced full GC, latency on the client side.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Loadgen, type LoadgenOptions, type LoadgenReport } from "../loadgen/index.js";
import { startEngine, startNullServer, type EngineProcess, type EngineStats, type NullServerProcess } from "./children.js";
import { procUsage } from "./proc.js";
import { fig, type EnginePhase, type MemoryPhase, type RssSample, type TransportPhase } from "./results.js";

export interface PhaseContext {
  durationMs: number;
  warmupMs: number;
  workers: number;
  connections: number;
  concurrency: number;
  poolTraces: number;
  /** The engine's --decision-wait (default 5 s; quick runs shorten it to drain fast). */
  decisionWaitMs: number;
  cpuProfDir?: string;
  signal: AbortSignal;
  log: (line: string) => void;
  /** The pool statistics of the first load generator started (for the results file). */
  onPool?: (report: LoadgenReport["pool"]) => void;
}

const MIB = 1024 * 1024;

function loadgenOptions(ctx: PhaseContext, target: string, protocol: "grpc" | "http", rate: number, extra: Partial<LoadgenOptions> = {}): LoadgenOptions {
  return {
    target,
    protocol,
    rate,
    workers: ctx.workers,
    connections: ctx.connections,
    concurrency: ctx.concurrency,
    poolTraces: ctx.poolTraces,
    metricsIntervalMs: 1000,
    ...extra,
  };
}

async function startLoadgen(ctx: PhaseContext, o: LoadgenOptions): Promise<Loadgen> {
  const lg = await Loadgen.start(o);
  if (lg.pool) ctx.onPool?.(lg.pool);
  // A Ctrl-C during the phase kills the workers at once.
  ctx.signal.addEventListener("abort", () => lg.kill(), { once: true });
  return lg;
}

/** a. The raw transport ceiling: the engine's receivers with a do-nothing pipeline. */
export async function runRawCeiling(ctx: PhaseContext, server: NullServerProcess, protocol: "grpc" | "http"): Promise<TransportPhase> {
  const port = protocol === "grpc" ? server.ports.grpc : server.ports.http;
  const lg = await startLoadgen(ctx, loadgenOptions(ctx, `127.0.0.1:${port}`, protocol, 0));
  try {
    // The null server keeps no state: a short warm-up (JIT, connections) is enough.
    await sleep(Math.min(ctx.warmupMs, 5000), undefined, { signal: ctx.signal });
    lg.mark();
    const c0 = procUsage(server.pid);
    const t0 = performance.now();
    await sleep(ctx.durationMs, undefined, { signal: ctx.signal });
    const c1 = procUsage(server.pid);
    const wallSec = (performance.now() - t0) / 1000;
    const cpuSec = c0 && c1 ? c1.cpuSec - c0.cpuSec : NaN;
    const w = (await lg.stop("now")).window;
    const cores = cpuSec / wallSec;
    return {
      protocol,
      durationSec: fig(wallSec, "s"),
      spansPerSec: fig(w.spansPerSec, "spans/s"),
      serverCpuCores: fig(cores, "cores", Number.isNaN(cpuSec) ? "no /proc on this platform" : undefined),
      cpuSecPerMillionSpans: fig(cores / (w.spansPerSec / 1e6), "CPU-s per 1M spans"),
      exportLatencyP50: fig(w.latencyMs.p50, "ms"),
      exportLatencyP99: fig(w.latencyMs.p99, "ms"),
      loadgenCpuCores: fig(w.cpuCores, "cores"),
      errors: w.errors,
    };
  } finally {
    lg.kill();
  }
}

/** Starts the null server for the raw phases. */
export function nullServer(): Promise<NullServerProcess> {
  return startNullServer();
}

/** Samples the engine's stats every second until stopped (sequential: never piles up). */
class Sampler {
  readonly samples: RssSample[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(engine: EngineProcess, private readonly t0: number) {
    this.done = (async () => {
      while (this.running) {
        try {
          const s = await engine.stats();
          this.samples.push({
            tSec: Math.round((performance.now() - this.t0) / 100) / 10,
            rssMiB: Math.round((s.process.rssBytes / MIB) * 10) / 10,
            heapUsedMiB: Math.round((s.process.heapUsedBytes / MIB) * 10) / 10,
            arrayBuffersMiB: Math.round((s.process.arrayBuffersBytes / MIB) * 10) / 10,
            bufferedSpans: s.assembler.bufferedSpans,
            acceptedSpans: s.assembler.spansAccepted,
          });
        } catch {
          // The engine is stopping; the phase notices on its own.
        }
        await sleep(1000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Least-squares slope of y over x (per unit of x); NaN with fewer than 3 points. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 3) return NaN;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const d = n * sxx - sx * sx;
  return d === 0 ? NaN : (n * sxy - sx * sy) / d;
}

/** `p`, or a rejection after `ms` or on abort; the timer never outlives the race. */
async function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal, message: string): Promise<T> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([
      p,
      sleep(ms, undefined, { signal: local.signal }).then(() => {
        throw new Error(message);
      }),
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
    local.abort();
  }
}

const memOf = (s: EngineStats) => s.process.heapUsedBytes + s.process.arrayBuffersBytes;
const cpuUsOf = (s: EngineStats) => s.process.cpuUserUs + s.process.cpuSystemUs;

export interface EnginePhaseOptions {
  protocol: "grpc" | "http";
  /** Offered spans/s; 0 = maximum. */
  rate: number;
  /** Force a GC after the window to read heap per buffered span under load (perturbs the lag). */
  measureHeap: boolean;
  /** Subdirectory of the CPU-profile directory for this phase (when profiling). */
  profileName: string;
}

/**
 * b/c/d. The engine end to end: `pbe serve` as a child process on free ports, warm-up (the
 * trace buffer fills for a decision wait before traces complete, so the window is the steady
 * state), a measured window, then the load generator finishes its current pass over the pool
 * (every trace sent whole) and the engine drains, so every trace sent can be checked attributed.
 */
export async function runEngine(ctx: PhaseContext, o: EnginePhaseOptions): Promise<EnginePhase> {
  const maxBuffered = 8_000_000;
  const flags = ["--max-buffered-spans", String(maxBuffered), "--decision-wait", `${ctx.decisionWaitMs}ms`, "--log-level", "info"];
  const profileDir = ctx.cpuProfDir ? `${ctx.cpuProfDir}/${o.profileName}` : undefined;
  const engine = await startEngine({ flags, cpuProfDir: profileDir, signal: ctx.signal });
  let lg: Loadgen | undefined;
  let sampler: Sampler | undefined;
  try {
    await engine.gc();
    const base = await engine.stats();
    const target = `127.0.0.1:${o.protocol === "grpc" ? engine.ports.grpc : engine.ports.http}`;
    lg = await startLoadgen(ctx, loadgenOptions(ctx, target, o.protocol, o.rate));
    const tLoad = performance.now();
    sampler = new Sampler(engine, tLoad);
    await sleep(ctx.warmupMs, undefined, { signal: ctx.signal });
    lg.mark();
    const s0 = await engine.stats();
    await sleep(ctx.durationMs, undefined, { signal: ctx.signal });
    const s1 = await engine.stats();
    const rep = await lg.stop("cycle");
    let heapPerSpan = NaN;
    let bufferedAtEnd = s1.assembler.bufferedSpans;
    if (o.measureHeap) {
      await engine.gc();
      const sg = await engine.stats();
      bufferedAtEnd = sg.assembler.bufferedSpans;
      heapPerSpan = (memOf(sg) - memOf(base)) / sg.assembler.bufferedSpans;
    }
    // Drain: every trace has its root, so all complete one decision wait after their last span.
    const deadline = performance.now() + ctx.decisionWaitMs + 10_000;
    let s2 = await engine.stats();
    while (s2.assembler.bufferedSpans > 0 && performance.now() < deadline) {
      await sleep(250, undefined, { signal: ctx.signal });
      s2 = await engine.stats();
    }
    await sampler.stop();

    const windowSec = s1.process.uptimeSec - s0.process.uptimeSec;
    const spans = s1.assembler.spansAccepted - s0.assembler.spansAccepted;
    const cpuSec = (cpuUsOf(s1) - cpuUsOf(s0)) / 1e6;
    const inWindow = sampler.samples.filter((x) => x.tSec * 1000 >= ctx.warmupMs && x.tSec * 1000 <= ctx.warmupMs + ctx.durationMs + 500);
    const rssSlopePerMin = slope(inWindow.map((x) => [x.tSec / 60, x.rssMiB]));
    const rssAll = sampler.samples.map((x) => x.rssMiB);
    const w = rep.window;
    const t = rep.total;
    const drops = {
      spansLate: s2.assembler.spansLate,
      tracesEvicted: s2.assembler.tracesEvicted,
      tracesMaxAge: s2.assembler.tracesMaxAge,
      requestsRefused: s2.assembler.requestsRefused + (s2.ingest?.requestsRefused ?? 0),
      spansRejected: s2.engine.spansRejected,
      requestsMalformed: s2.ingest?.requestsMalformed ?? 0,
      loadgenErrorSpans: t.errorSpans,
      loadgenErrors: t.errors,
    };
    const nothingDropped = drops.spansLate === 0 && drops.tracesEvicted === 0 && drops.requestsRefused === 0 && drops.spansRejected === 0 && drops.requestsMalformed === 0 && drops.loadgenErrorSpans === 0;
    const attributed = s2.engine.tracesAttributed;
    return {
      protocol: o.protocol,
      offered: o.rate > 0 ? fig(o.rate, "spans/s") : "max",
      warmupSec: fig(ctx.warmupMs / 1000, "s"),
      durationSec: fig(windowSec, "s"),
      acceptedSpansPerSec: fig(spans / windowSec, "spans/s"),
      engineCpuCores: fig(cpuSec / windowSec, "cores"),
      cpuSecPerMillionSpans: fig(cpuSec / (spans / 1e6), "CPU-s per 1M spans"),
      exportLatencyP50: fig(w.latencyMs.p50, "ms"),
      exportLatencyP99: fig(w.latencyMs.p99, "ms"),
      exportLatencyMax: fig(w.latencyMs.max, "ms"),
      attributionLagMean: fig(attributed > 0 ? s2.engine.attributionLagMsSum / attributed : NaN, "ms", "completion − the trace's last span arrival, over the whole phase"),
      attributionLagMax: fig(s2.engine.attributionLagMsMax, "ms"),
      decisionWait: fig(ctx.decisionWaitMs, "ms"),
      tracesSent: t.traces,
      tracesAttributed: attributed,
      everyTraceAttributed: attributed === t.traces && s2.assembler.bufferedTraces === 0,
      spansSent: t.spans,
      spansAccepted: s2.assembler.spansAccepted,
      drops,
      nothingDropped,
      heapBytesPerBufferedSpan: fig(heapPerSpan, "B/span", o.measureHeap ? "(heapUsed + arrayBuffers after a full GC − before load) / buffered spans, right after the window" : "not measured in this phase"),
      bufferedSpansAtEnd: fig(bufferedAtEnd, "spans"),
      rss: {
        start: fig(inWindow[0]?.rssMiB, "MiB"),
        end: fig(inWindow[inWindow.length - 1]?.rssMiB, "MiB"),
        max: fig(rssAll.length > 0 ? Math.max(...rssAll) : NaN, "MiB"),
        slope: fig(rssSlopePerMin, "MiB/min", "least squares over the measured window"),
        samples: sampler.samples,
      },
      loadgenCpuCores: fig(w.cpuCores, "cores"),
      metricsRequests: t.metricsRequests,
      ...(profileDir ? { cpuProfileDir: profileDir } : {}),
    };
  } finally {
    lg?.kill();
    await sampler?.stop();
    await engine.stop();
  }
}

/**
 * e. Memory at N buffered spans: an engine whose traces never complete during the phase
 * (decision wait and max age 10 min), N spans sent at full speed, then a full GC; the heap
 * (JS heap + array buffers, where span columns live) above the same reading before load,
 * divided by the spans buffered.
 */
export async function runMemory(ctx: PhaseContext, spans: number): Promise<MemoryPhase> {
  const flags = ["--max-buffered-spans", String(Math.ceil(spans * 1.5) + 100_000), "--decision-wait", "10m", "--max-trace-age", "10m", "--log-level", "info"];
  const engine = await startEngine({ flags, signal: ctx.signal });
  let lg: Loadgen | undefined;
  try {
    await engine.gc();
    const base = await engine.stats();
    lg = await startLoadgen(ctx, loadgenOptions(ctx, `127.0.0.1:${engine.ports.grpc}`, "grpc", 0, { maxSpans: spans, metricsIntervalMs: 0 }));
    const t0 = performance.now();
    await withTimeout(lg.finished, 300_000, ctx.signal, `sending ${spans} spans took more than 5 minutes`);
    const sendSec = (performance.now() - t0) / 1000;
    const rep = await lg.stop("now");
    await engine.gc();
    const s = await engine.stats();
    const n = s.assembler.bufferedSpans;
    return {
      spansSent: rep.total.spans,
      bufferedSpans: fig(n, "spans"),
      bufferedTraces: s.assembler.bufferedTraces,
      heapBytesPerBufferedSpan: fig((memOf(s) - memOf(base)) / n, "B/span", "(heapUsed + arrayBuffers) after a full GC, minus the same before load, / buffered spans"),
      jsHeapBytesPerBufferedSpan: fig((s.process.heapUsedBytes - base.process.heapUsedBytes) / n, "B/span"),
      arrayBufferBytesPerBufferedSpan: fig((s.process.arrayBuffersBytes - base.process.arrayBuffersBytes) / n, "B/span"),
      rssBytesPerBufferedSpan: fig((s.process.rssBytes - base.process.rssBytes) / n, "B/span"),
      sendSec: fig(sendSec, "s"),
    };
  } finally {
    lg?.kill();
    await engine.stop();
  }
}
