import { parseArgs } from "node:util";
import { parseCount, parseDurationMs } from "../units/index.js";
import { Loadgen, type LoadgenReport } from "./run.js";

const HELP = `Usage: pbe loadgen [flags]

Sends realistic OTLP traces (a simulated 13-service shop, 8 journeys, 5-40 spans per trace,
~8 attributes per span, spans of a trace split across per-service batches of up to 512 spans)
and resource metrics to an OTLP receiver, from pre-encoded requests with fresh trace ids per send.

Flags:
  --target HOST:PORT     receiver address (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)
  --protocol grpc|http   OTLP/gRPC or OTLP/HTTP protobuf (default grpc)
  --rate N               spans per second over all workers, e.g. 50000 or 50k
  --max                  as fast as the receiver answers (the default when --rate is not given)
  --duration D           how long to send, e.g. 30s, 2m (default 30s)
  --workers N            worker processes (default 1)
  --connections N        connections per worker (default 2)
  --concurrency N        requests in flight per connection (default 8; HTTP: sockets per connection)
  --pool-traces N        traces per pre-encoded pool (default 4000, ~60k spans)
  --metrics-interval D   one metrics request per worker every D; 0 = none (default 1s)
  --seed N               seed of the traffic model (default 1)
  --json                 print the report as JSON
  -h, --help             this help

Reports spans/s accepted (answered OK), errors by gRPC status or HTTP status, and the client-side
Export latency p50/p99 (t-digest); exits 0 when the run completed, even with errors.
`;

function parseRate(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(v);
  if (m) return Number(m[1]) * (m[2] === "" ? 1 : m[2]!.toLowerCase() === "k" ? 1e3 : 1e6);
  return parseCount(v);
}

function positiveInt(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

class UsageError extends Error {}

/** `pbe loadgen`: returns the exit code (0 after a completed run, 2 for bad flags). */
export async function loadgenCommand(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        target: { type: "string" },
        protocol: { type: "string", default: "grpc" },
        rate: { type: "string" },
        max: { type: "boolean", default: false },
        duration: { type: "string", default: "30s" },
        workers: { type: "string" },
        connections: { type: "string" },
        concurrency: { type: "string" },
        "pool-traces": { type: "string" },
        "metrics-interval": { type: "string", default: "1s" },
        seed: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`pbe loadgen: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let options;
  let durationMs: number;
  try {
    const protocol = values.protocol;
    if (protocol !== "grpc" && protocol !== "http") throw new UsageError(`--protocol must be grpc or http, got "${protocol}"`);
    if (values.max && values.rate !== undefined) throw new UsageError("give either --rate or --max, not both");
    const rate = values.rate === undefined ? 0 : parseRate(values.rate);
    if (rate === undefined || !(rate >= 0)) throw new UsageError(`--rate must be spans per second (e.g. 50000 or 50k), got "${values.rate}"`);
    const d = parseDurationMs(values.duration);
    if (d === undefined || d <= 0) throw new UsageError(`--duration must be a duration such as 30s, got "${values.duration}"`);
    durationMs = d;
    const metricsIntervalMs = parseDurationMs(values["metrics-interval"]);
    if (metricsIntervalMs === undefined) throw new UsageError(`--metrics-interval must be a duration, got "${values["metrics-interval"]}"`);
    const target = values.target ?? (protocol === "grpc" ? "127.0.0.1:4317" : "127.0.0.1:4318");
    if (!/^.+:\d+$/.test(target)) throw new UsageError(`--target must be HOST:PORT, got "${target}"`);
    options = {
      target,
      protocol,
      rate,
      workers: positiveInt("workers", values.workers, 1),
      connections: positiveInt("connections", values.connections, 2),
      concurrency: positiveInt("concurrency", values.concurrency, 8),
      poolTraces: positiveInt("pool-traces", values["pool-traces"], 4000),
      seed: positiveInt("seed", values.seed, 1),
      metricsIntervalMs,
    } as const;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pbe loadgen: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const lg = await Loadgen.start(options);
  const log = (s: string) => {
    if (!values.json) process.stderr.write(s);
  };
  log(`pbe loadgen: ${options.workers} worker(s) → ${options.protocol}://${options.target}, ${options.rate > 0 ? `${options.rate} spans/s` : "max rate"}, ${durationMs / 1000}s; pool ${lg.pool!.spans} spans in ${lg.pool!.requests} requests (${lg.pool!.meanSpansPerRequest.toFixed(0)} spans/request, ${lg.pool!.meanBytesPerSpan.toFixed(0)} B/span)\n`);
  let last = { spans: 0, at: performance.now() };
  lg.onProgress = (p) => {
    const now = performance.now();
    log(`  ${Math.round((p.spans - last.spans) / ((now - last.at) / 1000))} spans/s, ${p.spans} sent, ${p.errorRequests} failed requests\n`);
    last = { spans: p.spans, at: now };
  };
  let interrupted = false;
  let wake = () => {};
  const onSignal = () => {
    interrupted = true;
    wake();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let report: LoadgenReport;
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, durationMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    report = await lg.stop("now");
  } finally {
    lg.kill();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(formatReport(report, interrupted));
  return 0;
}

export function formatReport(r: LoadgenReport, interrupted = false): string {
  const w = r.window;
  const errors = Object.entries(w.errors).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  return [
    `${interrupted ? "interrupted after" : "sent for"} ${w.elapsedSec.toFixed(1)}s: ${w.spans} spans in ${w.requests} requests (${w.traces} traces)`,
    `  spans/s:          ${w.spansPerSec}`,
    `  errors:           ${errors} (${w.errorSpans} spans not accepted)`,
    `  Export latency:   p50 ${w.latencyMs.p50} ms, p99 ${w.latencyMs.p99} ms, max ${w.latencyMs.max} ms`,
    `  metrics requests: ${w.metricsRequests} (${w.metricsErrors} failed)`,
    `  load generator:   ${w.cpuCores} cores`,
    "",
  ].join("\n");
}
