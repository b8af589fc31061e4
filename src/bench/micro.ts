/**
 * f. Micro-benchmarks on one core (tinybench, median of the samples), on the load generator's
 * own traffic so they match the end-to-end phases:
 * - decode: the hand-written wire reader vs protobufjs 7 (full decode, then into a SpanBatch),
 *   on the same full 512-span requests;
 * - assembly: Assembler.add of every request of one pool pass, then the tick that completes
 *   every trace (consumer does nothing), per span;
 * - attribution: Attributor.attribute over every trace of one pass, per trace and per span;
 * - the whole in-process pipeline without transport (EnginePipeline.traces: decode + buffer,
 *   then the tick that completes and attributes), per span; and the load generator's per-send
 *   patch, which that figure includes;
 * - digest insert: the engine's TDigest vs the npm `tdigest`, per value;
 * - budget tracking and evaluation (src/evaluate, found by a dynamic import: "n/a" without it):
 *   BudgetTracker.onTrace per attributed trace, and evaluate() per budget, with the budgets of
 *   examples/budgets.yaml (the load generator's shop matches their services and journeys).
 *
 * tinybench and the npm tdigest are dev dependencies: they are loaded here, lazily, so the CLI
 * works without them (the phase then reports why it did not run).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Assembler, type AssemblerOptions } from "../assembly/index.js";
import { Attributor, type Attribution, type TraceSpans } from "../attribution/index.js";
import { parseBudgetFile, type Budget } from "../budget/index.js";
import { TDigest } from "../digest/index.js";
import { Engine } from "../engine/index.js";
import { CyclePatcher, Rng, TrafficPool } from "../loadgen/index.js";
import { decodeTraceRequest, decodeTraceRequestProtobufjs } from "../otlp/index.js";
import { EnginePipeline } from "../receiver/index.js";
import { SpanBatch, SpanColumns, StringTables } from "../span/index.js";
import { fig, type Figure, type MicroPhase, type MicroRow } from "./results.js";

interface NpmTDigest {
  push(x: number, n?: number): void;
}

type TinyBench = typeof import("tinybench");

const ASSEMBLY: AssemblerOptions = { decisionWaitMs: 5000, maxTraceAgeMs: 30_000, maxBufferedSpans: 50_000_000, minBufferTimeMs: 1000 };

/** What the bench uses of src/evaluate's BudgetTracker (checked at run time: the module is optional). */
interface TrackerLike {
  setBudgets(budgets: readonly Budget[]): unknown;
  onTrace(a: Attribution, nowMs: number): void;
  evaluate(nowMs: number): unknown;
}
type TrackerCtor = new (opts: { tables: StringTables }) => TrackerLike;

const EXAMPLE_BUDGETS = new URL("../../examples/budgets.yaml", import.meta.url);

export async function runMicro(opts: { quick: boolean; poolTraces: number; log: (s: string) => void }): Promise<MicroPhase> {
  let tb: TinyBench;
  try {
    tb = await import("tinybench");
  } catch (err) {
    throw new Error(`tinybench is not installed (a dev dependency): ${(err as Error).message}`, { cause: err });
  }
  const bench = new tb.Bench({
    time: opts.quick ? 60 : 1500,
    warmupTime: opts.quick ? 20 : 300,
    iterations: opts.quick ? 2 : 8,
    warmupIterations: opts.quick ? 1 : 4,
  });
  const units = new Map<string, { per: string; count: number }>();
  const add = (name: string, per: string, count: number, fn: () => void, beforeEach?: () => void) => {
    units.set(name, { per, count });
    bench.add(name, fn, beforeEach ? { beforeEach } : undefined);
  };

  const pool = new TrafficPool({ traces: opts.poolTraces, seed: 1 });
  const patcher = new CyclePatcher(pool, 0, [0x1234, 0x5678]);
  patcher.startCycle(Date.now());
  const patched = pool.requests.map((r) => {
    const b = Buffer.allocUnsafe(r.bytes.length);
    patcher.patch(r, b);
    return b;
  });

  // Decode: full 512-span requests (or the largest there are).
  const largest = Math.max(...pool.requests.map((r) => r.spans));
  const full = patched.filter((_, i) => pool.requests[i]!.spans === largest).slice(0, 8);
  const fullSpans = full.length * largest;
  const tables = new StringTables();
  const batch = new SpanBatch(1024);
  add("decode: hand-written wire reader", "span", fullSpans, () => {
    for (const b of full) decodeTraceRequest(b, batch, tables);
  });
  add("decode: protobufjs 7 full decode", "span", fullSpans, () => {
    for (const b of full) decodeTraceRequestProtobufjs(b, batch, tables);
  });

  // Assembly over one pool pass, decoded once into batches of their own.
  const batches = patched.map((b, i) => {
    const sb = new SpanBatch(pool.requests[i]!.spans);
    decodeTraceRequest(b, sb, tables);
    return sb;
  });
  let now = 1_000_000;
  // rememberCompleted 0: the same trace keys come back every iteration and must not count as late.
  const asm = new Assembler({ ...ASSEMBLY, rememberCompleted: 0 }, () => {});
  add("assembly: add + tick", "span", pool.spanCount, () => {
    now += 60_000;
    for (const b of batches) asm.add(b, now);
    asm.tick(now + ASSEMBLY.decisionWaitMs + 1);
  });

  // Attribution over the traces of one pass, each copied out of the assembler's store.
  const traces: TraceSpans[] = [];
  const collect = new Assembler(ASSEMBLY, (t) => {
    const cols = new SpanColumns(t.count);
    for (let i = 0; i < t.count; i++) cols.copyRow(t.cols, t.slots[i]!, i);
    traces.push({ key: t.key, cols, slots: Int32Array.from({ length: t.count }, (_, i) => i), count: t.count });
  });
  for (const b of batches) collect.add(b, 0);
  collect.flush();
  const attributor = new Attributor(tables.strings);
  add("attribution: per trace", "trace", traces.length, () => {
    for (const t of traces) attributor.attribute(t);
  });

  // The in-process pipeline (what a receiver calls, then the completion tick), fresh ids per pass.
  const engine = new Engine({ ...ASSEMBLY, maxBufferedSpans: 10_000_000, recentTraces: 10_000, maxKeysPerService: 1000, maxStrings: 100_000 });
  let enow = 1_000_000;
  const pipeline = new EnginePipeline(engine, () => enow, undefined, () => {});
  const pipePatcher = new CyclePatcher(pool, 1, [0x9abc, 0xdef0]);
  const out = Buffer.allocUnsafe(pool.maxRequestBytes);
  add("pipeline in process: patch + decode + assemble + attribute", "span", pool.spanCount, () => {
    enow += 60_000;
    pipePatcher.startCycle(Date.now());
    for (const r of pool.requests) pipeline.traces(out.subarray(0, pipePatcher.patch(r, out)), "protobuf");
    engine.tick(enow + ASSEMBLY.decisionWaitMs + 1);
  });
  const patchOnly = new CyclePatcher(pool, 2, [1, 2]);
  add("load generator patch (included above)", "span", pool.spanCount, () => {
    patchOnly.startCycle(Date.now());
    for (const r of pool.requests) patchOnly.patch(r, out);
  });

  // Digest inserts.
  const n = 100_000;
  const rng = new Rng(7);
  const values = Float64Array.from({ length: n }, () => rng.durationNs(40, 0.8) / 1e6);
  add("digest insert: TDigest (ours)", "value", n, () => {
    const d = new TDigest();
    for (let i = 0; i < n; i++) d.add(values[i]!);
  });
  let npm: (new () => NpmTDigest) | undefined;
  try {
    npm = (createRequire(import.meta.url)("tdigest") as { TDigest: new () => NpmTDigest }).TDigest;
  } catch {
    opts.log("  npm tdigest not installed: its row is skipped");
  }
  if (npm) {
    const Npm = npm;
    add("digest insert: npm tdigest 0.1.3", "value", n, () => {
      const d = new Npm();
      for (let i = 0; i < n; i++) d.push(values[i]!);
    });
  }

  // Budget tracking and evaluation, when src/evaluate exists in this build.
  let evaluation: Figure = fig(null, "ns/budget", "n/a: src/evaluate does not exist in this build");
  let budgetCount = 0;
  let Tracker: TrackerCtor | undefined;
  try {
    const spec = "../evaluate/index.js";
    const mod = (await import(spec)) as { BudgetTracker?: TrackerCtor };
    if (typeof mod.BudgetTracker === "function") Tracker = mod.BudgetTracker;
    else evaluation = fig(null, "ns/budget", "n/a: src/evaluate exports no BudgetTracker");
  } catch {
    // No evaluate module in this build.
  }
  if (Tracker) {
    // The examples name journeys "POST /api/checkout"; the engine names a journey by its root's
    // http.route when present, which the semantic conventions (and the load generator) give
    // without the method: "/api/checkout". Rewritten so the budgets see the generated traffic.
    const text = readFileSync(EXAMPLE_BUDGETS, "utf8").replace(/(operation:\s*)(?:GET|POST|PUT|PATCH|DELETE) \//g, "$1/");
    const parsed = parseBudgetFile(text, "examples/budgets.yaml");
    const budgets = parsed.budgets;
    budgetCount = budgets.length;
    const attributions = traces.map((t) => attributor.attribute(t));
    const tracker = new Tracker({ tables });
    tracker.setBudgets(budgets);
    let tnow = Date.now();
    // Every base window of the budgets gets data before evaluation is timed.
    for (const a of attributions) tracker.onTrace(a, (tnow += 1));
    add("budget tracking: onTrace per trace", "trace", attributions.length, () => {
      for (const a of attributions) tracker.onTrace(a, (tnow += 1));
    });
    add("evaluation: per budget", "budget", budgetCount, () => {
      tracker.evaluate((tnow += 10_000));
    });
  }

  opts.log(`  ${bench.tasks.length} micro-benchmarks, ~${opts.quick ? "0.1" : "2"} s each`);
  await bench.run();
  const rows: MicroRow[] = [];
  for (const task of bench.tasks) {
    const r = task.result;
    const u = units.get(task.name)!;
    if (r.state !== "completed") {
      rows.push({ name: task.name, per: u.per, nsPer: fig(null, `ns/${u.per}`, r.state === "errored" ? r.error.message : r.state), perSec: fig(null, `${u.per}s/s`), samples: 0 });
      continue;
    }
    const nsPer = (r.latency.p50 * 1e6) / u.count;
    const row = { name: task.name, per: u.per, nsPer: fig(nsPer, `ns/${u.per}`), perSec: fig(1e9 / nsPer, `${u.per}s/s`), samples: r.latency.samplesCount ?? task.runs };
    if (task.name === "evaluation: per budget") evaluation = fig(row.nsPer.value, "ns/budget", `${budgetCount} budgets of examples/budgets.yaml (journey operations as http.route)`);
    rows.push(row);
    if (task.name === "attribution: per trace") {
      const perSpan = (r.latency.p50 * 1e6) / pool.spanCount;
      rows.push({ name: "attribution: per span", per: "span", nsPer: fig(perSpan, "ns/span"), perSec: fig(1e9 / perSpan, "spans/s"), samples: row.samples });
    }
  }
  return { rows, evaluation };
}
