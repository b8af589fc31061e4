/**
 * The shape of `bench/results.json` and the printed table. Every figure carries its unit
 * (`{value, unit}`); a figure that could not be measured is `null` with a note.
 */
import type { PoolStats } from "../loadgen/index.js";
import type { Machine } from "./proc.js";

export interface Figure {
  value: number | null;
  unit: string;
  note?: string;
}

export function fig(value: number | null | undefined, unit: string, note?: string): Figure {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : round(value);
  return note === undefined ? { value: v, unit } : { value: v, unit, note };
}

function round(x: number): number {
  if (Number.isInteger(x)) return x;
  const a = Math.abs(x);
  const digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 3 : 4;
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

/** Raw transport: the engine's receivers with a do-nothing pipeline. */
export interface TransportPhase {
  protocol: "grpc" | "http";
  durationSec: Figure;
  spansPerSec: Figure;
  serverCpuCores: Figure;
  cpuSecPerMillionSpans: Figure;
  exportLatencyP50: Figure;
  exportLatencyP99: Figure;
  loadgenCpuCores: Figure;
  errors: Record<string, number>;
}

export interface RssSample {
  tSec: number;
  rssMiB: number;
  heapUsedMiB: number;
  arrayBuffersMiB: number;
  bufferedSpans: number;
  acceptedSpans: number;
}

/** The engine end to end (`pbe serve` in its own process). */
export interface EnginePhase {
  protocol: "grpc" | "http";
  /** Offered load: "max" or spans/s. */
  offered: "max" | Figure;
  warmupSec: Figure;
  durationSec: Figure;
  acceptedSpansPerSec: Figure;
  engineCpuCores: Figure;
  cpuSecPerMillionSpans: Figure;
  exportLatencyP50: Figure;
  exportLatencyP99: Figure;
  exportLatencyMax: Figure;
  attributionLagMean: Figure;
  attributionLagMax: Figure;
  decisionWait: Figure;
  tracesSent: number;
  tracesAttributed: number;
  everyTraceAttributed: boolean;
  spansSent: number;
  spansAccepted: number;
  drops: {
    spansLate: number;
    tracesEvicted: number;
    tracesMaxAge: number;
    requestsRefused: number;
    spansRejected: number;
    requestsMalformed: number;
    loadgenErrorSpans: number;
    loadgenErrors: Record<string, number>;
  };
  nothingDropped: boolean;
  /** (heapUsed + arrayBuffers after a full GC − the same before load) / buffered spans, at the end of the window. */
  heapBytesPerBufferedSpan: Figure;
  bufferedSpansAtEnd: Figure;
  rss: { start: Figure; end: Figure; max: Figure; slope: Figure; samples: RssSample[] };
  loadgenCpuCores: Figure;
  metricsRequests: number;
  cpuProfileDir?: string;
}

export interface MemoryPhase {
  spansSent: number;
  bufferedSpans: Figure;
  bufferedTraces: number;
  heapBytesPerBufferedSpan: Figure;
  jsHeapBytesPerBufferedSpan: Figure;
  arrayBufferBytesPerBufferedSpan: Figure;
  rssBytesPerBufferedSpan: Figure;
  sendSec: Figure;
}

export interface MicroRow {
  name: string;
  /** What one unit is (span, trace, value…). */
  per: string;
  /** Median time per unit. */
  nsPer: Figure;
  /** Units per second on one core, from the median. */
  perSec: Figure;
  samples: number;
}

export interface MicroPhase {
  rows: MicroRow[];
  evaluation: Figure;
}

export interface Goal {
  id: string;
  goal: string;
  target: string;
  observed: string;
  /** null: not assessed by this run (the note says why). */
  met: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: "pbe.bench.v1";
  date: string;
  gitCommit: string;
  gitDirty: boolean;
  command: string;
  quick: boolean;
  profiled: boolean;
  machine: Machine;
  loadAverage1mEnd: number;
  settings: {
    durationSec: number;
    warmupSec: number;
    workers: number;
    connections: number;
    concurrency: number;
    poolTraces: number;
    decisionWaitMs: number;
    memorySpans: number;
    phases: string[];
  };
  traffic?: PoolStats;
  phases: {
    rawGrpc?: TransportPhase;
    rawHttp?: TransportPhase;
    grpc?: EnginePhase;
    http?: EnginePhase;
    halfRate?: EnginePhase;
    memory?: MemoryPhase;
    micro?: MicroPhase;
  };
  ratios: Record<string, Figure>;
  goals: Goal[];
  notes: string[];
}

const v = (f: Figure | undefined, digits = 0): string => (f === undefined || f.value === null ? "n/a" : f.value.toLocaleString("en-US", { maximumFractionDigits: digits }));

/** The goals of issue 3, judged on the figures of this run. */
export function judgeGoals(r: BenchResults): Goal[] {
  const goals: Goal[] = [];
  const g = r.phases.grpc;
  const minutes = r.settings.durationSec / 60;
  goals.push({
    id: "cpu-per-million-spans",
    goal: "End to end over OTLP/gRPC at the maximum sustained rate: engine CPU per million spans",
    target: "≤ 3 CPU-s",
    observed: g ? `${v(g.cpuSecPerMillionSpans, 2)} CPU-s at ${v(g.acceptedSpansPerSec)} spans/s` : "not run",
    met: g?.cpuSecPerMillionSpans.value == null ? null : g.cpuSecPerMillionSpans.value <= 3,
  });
  goals.push({
    id: "sustained-no-drops",
    goal: `Sustained for 60 s with realistic traffic, nothing dropped, every trace attributed`,
    target: "60 s, 0 dropped, attributed = sent",
    observed: g ? `${r.settings.durationSec} s, ${g.nothingDropped ? "0 dropped" : "drops (see phases.grpc.drops)"}, ${g.tracesAttributed}/${g.tracesSent} traces attributed` : "not run",
    met: g ? (r.settings.durationSec >= 60 ? g.nothingDropped && g.everyTraceAttributed : null) : null,
    note: g && r.settings.durationSec < 60 ? `a ${r.settings.durationSec} s run does not assess a 60 s goal` : undefined,
  });
  const m = r.phases.memory;
  goals.push({
    id: "heap-per-buffered-span",
    goal: "Heap bytes per buffered span at 1M buffered spans",
    target: "≤ 350 B",
    observed: m ? `${v(m.heapBytesPerBufferedSpan)} B at ${v(m.bufferedSpans)} buffered spans` : "not run",
    met: m?.heapBytesPerBufferedSpan.value == null ? null : m.bufferedSpans.value !== null && m.bufferedSpans.value >= 1_000_000 ? m.heapBytesPerBufferedSpan.value <= 350 : null,
    note: m && (m.bufferedSpans.value ?? 0) < 1_000_000 ? "fewer than 1M spans buffered (quick run)" : undefined,
  });
  goals.push({
    id: "rss-flat",
    goal: "RSS flat over a 10-minute run at constant load",
    target: "flat over 10 min",
    observed: g ? `${v(g.rss.slope, 1)} MiB/min over ${r.settings.durationSec} s (${v(g.rss.start)} → ${v(g.rss.end)} MiB)` : "not run",
    met: g?.rss.slope.value == null ? null : minutes >= 10 ? Math.abs(g.rss.slope.value) * minutes <= Math.max(32, 0.05 * (g.rss.start.value ?? 0)) : null,
    note: minutes < 10 ? "needs --duration 10m; the slope over this run is reported" : "flat: drift over the run ≤ max(32 MiB, 5 % of the start)",
  });
  const h = r.phases.halfRate;
  goals.push({
    id: "export-p99-half-rate",
    goal: "Export p99 at half the maximum sustained rate",
    target: "≤ 50 ms",
    observed: h ? `${v(h.exportLatencyP99, 1)} ms at ${v(h.acceptedSpansPerSec)} spans/s` : "not run",
    met: h?.exportLatencyP99.value == null ? null : h.exportLatencyP99.value <= 50,
  });
  goals.push({
    id: "attribution-lag",
    goal: "A trace's attribution available within decision-wait + 1 s (at half the maximum rate)",
    target: `≤ ${h ? v(h.decisionWait) : "decision-wait"} + 1000 ms after its last span`,
    observed: h ? `max ${v(h.attributionLagMax)} ms, mean ${v(h.attributionLagMean)} ms` : "not run",
    met: h?.attributionLagMax.value == null || h.decisionWait.value === null ? null : h.attributionLagMax.value <= h.decisionWait.value + 1000,
  });
  const ratio = r.ratios.httpVsGrpcCostPerSpan;
  goals.push({
    id: "http-vs-grpc",
    goal: "OTLP/HTTP protobuf cost per span vs OTLP/gRPC",
    target: "≤ 1.5×",
    observed: ratio?.value == null ? "not run" : `${v(ratio, 2)}×`,
    met: ratio?.value == null ? null : ratio.value <= 1.5,
  });
  return goals.map((x) => (x.note === undefined ? (({ note: _n, ...rest }) => rest)(x) : x));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd()).join("\n");
}

/** The human-readable summary printed at the end of a run. */
export function formatResults(r: BenchResults): string {
  const out: string[] = [];
  out.push(`pbe bench ${r.quick ? "(quick) " : ""}— ${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}, ${r.date}, ${r.gitCommit.slice(0, 12)}${r.gitDirty ? "+dirty" : ""}`);
  if (r.traffic) {
    out.push(`traffic: ${r.traffic.spans} spans in ${r.traffic.traces} traces per pool, ${r.traffic.meanSpansPerRequest.toFixed(0)} spans/request, ${r.traffic.meanBytesPerSpan.toFixed(0)} B/span`);
  }
  out.push("");
  const rows: string[][] = [["phase", "spans/s", "CPU cores", "CPU-s/M spans", "p50 ms", "p99 ms", "lag max ms", "drops", "traces ok"]];
  const tp = (name: string, p: TransportPhase | undefined) => {
    if (p) rows.push([name, v(p.spansPerSec), v(p.serverCpuCores, 2), v(p.cpuSecPerMillionSpans, 2), v(p.exportLatencyP50, 1), v(p.exportLatencyP99, 1), "", "", ""]);
  };
  const ep = (name: string, p: EnginePhase | undefined) => {
    if (!p) return;
    const drops = p.drops.spansLate + p.drops.tracesEvicted + p.drops.requestsRefused + p.drops.spansRejected + p.drops.loadgenErrorSpans;
    rows.push([name, v(p.acceptedSpansPerSec), v(p.engineCpuCores, 2), v(p.cpuSecPerMillionSpans, 2), v(p.exportLatencyP50, 1), v(p.exportLatencyP99, 1), v(p.attributionLagMax), String(drops), `${p.tracesAttributed}/${p.tracesSent}`]);
  };
  tp("a. raw gRPC ceiling", r.phases.rawGrpc);
  tp("a. raw HTTP ceiling", r.phases.rawHttp);
  ep("b. engine, gRPC, max", r.phases.grpc);
  ep("c. engine, HTTP, max", r.phases.http);
  ep("d. engine, gRPC, half", r.phases.halfRate);
  out.push(table(rows));
  const g = r.phases.grpc;
  if (g) out.push("", `RSS (gRPC, max): ${v(g.rss.start)} → ${v(g.rss.end)} MiB (max ${v(g.rss.max)}, slope ${v(g.rss.slope, 1)} MiB/min); heap under load ${v(g.heapBytesPerBufferedSpan)} B per buffered span (${v(g.bufferedSpansAtEnd)} buffered)`);
  const m = r.phases.memory;
  if (m) out.push(`e. memory: ${v(m.heapBytesPerBufferedSpan)} B of heap per buffered span at ${v(m.bufferedSpans)} buffered (JS heap ${v(m.jsHeapBytesPerBufferedSpan)} + array buffers ${v(m.arrayBufferBytesPerBufferedSpan)}; RSS ${v(m.rssBytesPerBufferedSpan)})`);
  const micro = r.phases.micro;
  if (micro) {
    out.push("", "f. micro-benchmarks (one core, median)");
    const mr: string[][] = [["benchmark", "ns", "per", "per second"]];
    for (const row of micro.rows) mr.push([row.name, v(row.nsPer, 1), row.per, v(row.perSec)]);
    if (micro.evaluation.value === null) mr.push(["evaluation per budget", "n/a", "budget", ""]);
    out.push(table(mr));
    if (micro.evaluation.value === null && micro.evaluation.note) out.push(`  evaluation per budget: ${micro.evaluation.note}`);
  }
  if (Object.keys(r.ratios).length > 0) {
    out.push("", "ratios (same run)");
    for (const [k, f] of Object.entries(r.ratios)) out.push(`  ${k}: ${f.value === null ? "n/a" : `${f.value}${f.unit === "×" ? "×" : ` ${f.unit}`}`}${f.note ? `  (${f.note})` : ""}`);
  }
  out.push("", "goals (issue 3)");
  for (const goal of r.goals) {
    const mark = goal.met === null ? "–" : goal.met ? "✓" : "✗";
    out.push(`  ${mark} ${goal.goal}: ${goal.observed} (target ${goal.target})${goal.note ? ` — ${goal.note}` : ""}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return `${out.join("\n")}\n`;
}
