import { setMaxListeners } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDurationMs } from "../units/index.js";
import { killAll } from "./children.js";
import { runMicro } from "./micro.js";
import { nullServer, runEngine, runMemory, runRawCeiling, type PhaseContext } from "./phases.js";
import { gitInfo, machine } from "./proc.js";
import { fig, formatResults, judgeGoals, type BenchResults, type Figure } from "./results.js";

const PHASES = ["raw-grpc", "raw-http", "grpc", "http", "half-rate", "memory", "micro"] as const;
type Phase = (typeof PHASES)[number];

const HELP = `Usage: pbe bench [flags]

Measures the engine side by side in one run (the machine is shared and noisy: compare ratios):
  a. raw-grpc, raw-http  the transport ceiling: the engine's receivers with a do-nothing pipeline
  b. grpc                the engine end to end (pbe serve in its own process) at the maximum rate
  c. http                the same over OTLP/HTTP protobuf
  d. half-rate           gRPC at half of b's rate: Export latency and attribution lag
  e. memory              heap per buffered span with 1M spans buffered
  f. micro               decode, assembly, attribution, pipeline, digest (tinybench, one core)
Load comes from 'pbe loadgen' worker processes; CPU is read from the server process itself over
the measured window (warm-up excluded). Writes a results file and prints a table.

Flags:
  --quick            CI smoke run: seconds per phase, small pool, 100k spans for memory;
                     every phase still runs; no figure is asserted
  --duration D       measured window of phases a-d (default 60s; quick 2s)
  --warmup D         warm-up before each engine window, longer than the decision wait so the
                     window is the steady state (default 15s; quick 1s; raw phases: at most 5s)
  --out FILE         results file (default bench/results.json)
  --json             print the results JSON instead of the table (progress goes to stderr)
  --only LIST        comma-separated phases to run: ${PHASES.join(",")}
  --workers N        load generator processes (default 1)
  --connections N    connections per worker (default 2)
  --concurrency N    requests in flight per connection (default 8)
  --memory-spans N   spans buffered in phase e (default 1000000; quick 100000)
  -h, --help         this help
`;

class UsageError extends Error {}

function int(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function duration(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const ms = parseDurationMs(v);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 60s, got "${v}"`);
  return ms;
}

/** `pbe bench`: returns the exit code (0 ran, 1 a phase failed, 2 bad flags, 130 interrupted). */
export async function benchCommand(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean", default: false },
        duration: { type: "string" },
        warmup: { type: "string" },
        out: { type: "string", default: "bench/results.json" },
        json: { type: "boolean", default: false },
        only: { type: "string" },
        workers: { type: "string" },
        connections: { type: "string" },
        concurrency: { type: "string" },
        "memory-spans": { type: "string" },
        // Hidden: profile the engine processes of phases b-d (node --cpu-prof into DIR/<phase>).
        "cpu-prof": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`pbe bench: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const quick = values.quick;
  let ctx: PhaseContext;
  let phases: Phase[];
  let memorySpans: number;
  const controller = new AbortController();
  // Every phase's children listen for the abort.
  setMaxListeners(100, controller.signal);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    phases = values.only === undefined ? [...PHASES] : values.only.split(",").map((p) => p.trim()) as Phase[];
    for (const p of phases) if (!PHASES.includes(p)) throw new UsageError(`--only: unknown phase "${p}"; phases are ${PHASES.join(", ")}`);
    memorySpans = int("memory-spans", values["memory-spans"], quick ? 100_000 : 1_000_000);
    ctx = {
      durationMs: duration("duration", values.duration, quick ? 2000 : 60_000),
      warmupMs: duration("warmup", values.warmup, quick ? 1000 : 15_000),
      workers: int("workers", values.workers, 1),
      connections: int("connections", values.connections, 2),
      concurrency: int("concurrency", values.concurrency, 8),
      poolTraces: quick ? 1000 : 4000,
      decisionWaitMs: quick ? 1000 : 5000,
      cpuProfDir: values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]),
      signal: controller.signal,
      log,
    };
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pbe bench: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const git = gitInfo();
  const results: BenchResults = {
    schema: "pbe.bench.v1",
    date: new Date().toISOString(),
    gitCommit: git.commit,
    gitDirty: git.dirty,
    command: `pbe bench ${argv.join(" ")}`.trim(),
    quick,
    profiled: ctx.cpuProfDir !== undefined,
    machine: machine(),
    loadAverage1mEnd: 0,
    settings: {
      durationSec: ctx.durationMs / 1000,
      warmupSec: ctx.warmupMs / 1000,
      workers: ctx.workers,
      connections: ctx.connections,
      concurrency: ctx.concurrency,
      poolTraces: ctx.poolTraces,
      decisionWaitMs: ctx.decisionWaitMs,
      memorySpans,
      phases,
    },
    phases: {},
    ratios: {},
    goals: [],
    notes: [],
  };
  ctx.onPool = (p) => (results.traffic ??= p);
  if (results.profiled) results.notes.push("engine processes ran under node --cpu-prof: CPU figures include the profiler's overhead");
  if (quick) results.notes.push("quick run: seconds per phase, shortened decision wait (1 s); the figures are a smoke test, not measurements");

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log("pbe bench: interrupted; stopping child processes");
    controller.abort();
    void killAll();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failed = false;
  const run = async <T>(name: Phase, title: string, f: () => Promise<T>): Promise<T | undefined> => {
    if (!phases.includes(name) || interrupted) return undefined;
    log(`pbe bench: ${title}`);
    const t0 = performance.now();
    try {
      const r = await f();
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    } catch (err) {
      if (interrupted) return undefined;
      failed = true;
      const msg = err instanceof Error ? err.message : String(err);
      results.notes.push(`phase ${name} failed: ${msg}`);
      log(`  phase ${name} failed: ${msg}`);
      return undefined;
    }
  };
  const win = `${ctx.warmupMs / 1000} s warm-up + ${ctx.durationMs / 1000} s`;
  const rawWin = `${Math.min(ctx.warmupMs, 5000) / 1000} s warm-up + ${ctx.durationMs / 1000} s`;
  try {
    if (phases.includes("raw-grpc") || phases.includes("raw-http")) {
      const server = await nullServer();
      try {
        results.phases.rawGrpc = await run("raw-grpc", `a. raw gRPC ceiling (${rawWin})`, () => runRawCeiling(ctx, server, "grpc"));
        results.phases.rawHttp = await run("raw-http", `a. raw HTTP ceiling (${rawWin})`, () => runRawCeiling(ctx, server, "http"));
      } finally {
        await server.stop();
      }
    }
    results.phases.grpc = await run("grpc", `b. engine over gRPC at max rate (${win} + drain)`, () => runEngine(ctx, { protocol: "grpc", rate: 0, measureHeap: true, profileName: "grpc" }));
    results.phases.http = await run("http", `c. engine over HTTP at max rate (${win} + drain)`, () => runEngine(ctx, { protocol: "http", rate: 0, measureHeap: false, profileName: "http" }));
    const maxRate = results.phases.grpc?.acceptedSpansPerSec.value;
    if (phases.includes("half-rate") && !maxRate) results.notes.push("phase half-rate skipped: it needs the maximum rate from phase grpc");
    else {
      results.phases.halfRate = await run("half-rate", `d. engine over gRPC at half the max rate, ${Math.round(maxRate! / 2)} spans/s (${win} + drain)`, () =>
        runEngine(ctx, { protocol: "grpc", rate: Math.round(maxRate! / 2), measureHeap: false, profileName: "half-rate" }));
    }
    results.phases.memory = await run("memory", `e. memory with ${memorySpans} spans buffered`, () => runMemory(ctx, memorySpans));
    results.phases.micro = await run("micro", "f. micro-benchmarks", () => runMicro({ quick, poolTraces: ctx.poolTraces, log }));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await killAll();
  }
  if (interrupted) return 130;

  results.loadAverage1mEnd = machine().loadAverage1m;
  results.ratios = ratios(results);
  results.goals = judgeGoals(results);
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(formatResults(results));
  log(`pbe bench: results written to ${out}`);
  if (ctx.cpuProfDir) log(`pbe bench: CPU profiles in ${ctx.cpuProfDir}/<phase>; summarise with: node bench/profile-summary.mjs ${ctx.cpuProfDir}/grpc`);
  return failed ? 1 : 0;
}

function ratio(a: number | null | undefined, b: number | null | undefined, note: string): Figure {
  return fig(a != null && b != null && b !== 0 ? a / b : null, "×", note);
}

function ratios(r: BenchResults): Record<string, Figure> {
  const p = r.phases;
  const out: Record<string, Figure> = {};
  const micro = (name: string) => p.micro?.rows.find((x) => x.name === name)?.perSec.value;
  const microNs = (name: string) => p.micro?.rows.find((x) => x.name === name)?.nsPer.value;
  if (p.grpc && p.rawGrpc) {
    out.grpcThroughputVsRawCeiling = ratio(p.grpc.acceptedSpansPerSec.value, p.rawGrpc.spansPerSec.value, "engine spans/s ÷ raw gRPC spans/s");
    out.grpcCostPerSpanVsRawCeiling = ratio(p.grpc.cpuSecPerMillionSpans.value, p.rawGrpc.cpuSecPerMillionSpans.value, "engine CPU per span ÷ raw gRPC server CPU per span");
  }
  if (p.http && p.grpc) out.httpVsGrpcCostPerSpan = ratio(p.http.cpuSecPerMillionSpans.value, p.grpc.cpuSecPerMillionSpans.value, "CPU per span over HTTP ÷ over gRPC (goal ≤ 1.5)");
  if (p.http && p.rawHttp) out.httpCostPerSpanVsRawHttp = ratio(p.http.cpuSecPerMillionSpans.value, p.rawHttp.cpuSecPerMillionSpans.value, "engine CPU per span over HTTP ÷ raw HTTP server CPU per span");
  if (p.micro) {
    out.decodeHandWrittenVsProtobufjs = ratio(micro("decode: hand-written wire reader"), micro("decode: protobufjs 7 full decode"), "spans/s, same 512-span requests");
    out.digestOursVsNpmTdigest = ratio(micro("digest insert: TDigest (ours)"), micro("digest insert: npm tdigest 0.1.3"), "inserts/s");
    const inProcess = microNs("pipeline in process: patch + decode + assemble + attribute");
    if (p.grpc && inProcess != null && p.grpc.cpuSecPerMillionSpans.value != null) {
      out.endToEndVsInProcessCostPerSpan = ratio(p.grpc.cpuSecPerMillionSpans.value * 1000, inProcess, "engine CPU per span over gRPC ÷ in-process pipeline time per span: what transport, event loop and GC add");
    }
  }
  return out;
}
