/** `pbe demo`: see src/demo and docs/demo.md. */
import { runDemo } from "../demo/index.js";
import { parseDurationMs } from "../units/index.js";
import { UsageError, parseFlags } from "./common.js";

const HELP = `Usage: pbe demo [flags]

Starts the engine and a simulated shop (frontend, cart, checkout, payment, inventory, with
PostgreSQL and the external payment API stripe-api) that sends real OTLP through the
OpenTelemetry SDK, plays a scripted incident (payment slows down, then the cart starts an N+1
query pattern, then both recover), shows the budgets live and the alerts as they fire and
resolve, and writes an HTML report at the end. See docs/demo.md.

Flags:
  --duration D     length of the run: 90s (default), 2m, or a number of seconds; 10s to 1h
  --nats URL       also publish alerts to NATS (pbe.alert.>) when a server answers there
                   (env PBE_NATS, NATS_URL; --nats= turns it off)
  --report FILE    where the HTML report is written (default report.html)
  --data-dir DIR   keep the engine's store and log (engine.log) there (default: a temporary
                   directory, removed at the end)
  --rate N         requests per second of the simulated shop (default 40; 5 to 500)
  --quiet          no live table: only alerts and the summary at the end
  --no-color       no colours (also when NO_COLOR is set or the output is not a terminal)
  -h, --help       this text

Ctrl-C ends the run early; the summary and the report are still written (exit 0).
Exit codes: 0 done, 1 the demo failed, 2 bad flags.
`;

interface DemoArgs {
  durationMs: number;
  nats: string | undefined;
  report: string;
  dataDir: string | undefined;
  rate: number;
  quiet: boolean;
  color: boolean;
  help: boolean;
}

const VALUE_FLAGS = ["duration", "nats", "report", "data-dir", "rate"];
const BOOL_FLAGS = ["quiet", "no-color"];

/** `90s`, `2m`, `1m30s`, or a bare number of seconds. */
export function parseDemoDuration(text: string): number | undefined {
  const t = text.trim();
  const ms = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : parseDurationMs(t);
  return ms === undefined || !Number.isFinite(ms) ? undefined : ms;
}

/** Parses the demo's flags (with the CLI's shared parser) and their env fallbacks; throws UsageError. */
export function parseDemoArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DemoArgs {
  const { values, bools } = parseFlags("demo", argv, { values: VALUE_FLAGS, bools: BOOL_FLAGS, standalone: true });
  let durationMs = 90_000;
  if (values.has("duration")) {
    const d = parseDemoDuration(values.get("duration")!);
    if (d === undefined) throw new UsageError(`--duration: "${values.get("duration")}" is not a duration; write e.g. 90s, 2m or 45`);
    if (d < 10_000 || d > 3_600_000) throw new UsageError(`--duration: must be between 10s and 1h, got ${values.get("duration")}`);
    durationMs = d;
  }
  let rate = 40;
  if (values.has("rate")) {
    rate = Number(values.get("rate"));
    if (!Number.isFinite(rate) || rate < 5 || rate > 500) throw new UsageError(`--rate: must be a number of requests per second from 5 to 500, got "${values.get("rate")}"`);
  }
  const natsRaw = values.has("nats") ? values.get("nats")! : env.PBE_NATS || env.NATS_URL || undefined;
  const report = values.get("report") ?? "report.html";
  if (report.trim() === "") throw new UsageError("--report: needs a file name");
  const dataDir = values.get("data-dir");
  if (dataDir !== undefined && dataDir.trim() === "") throw new UsageError("--data-dir: needs a directory");
  return {
    durationMs,
    nats: natsRaw === undefined || natsRaw.trim() === "" ? undefined : natsRaw.trim(),
    report,
    dataDir,
    rate,
    quiet: bools.has("quiet"),
    color: !bools.has("no-color") && !env.NO_COLOR && env.TERM !== "dumb",
    help: bools.has("help"),
  };
}

/** `pbe demo [flags]`: runs the demo; 0 when it ran (also when stopped early with Ctrl-C). */
export async function demoCommand(argv: string[]): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`pbe demo: ${err.message}\n\nRun 'pbe demo --help' for the flags.\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const tty = process.stdout.isTTY === true;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) stop.abort();
    else {
      // A second Ctrl-C: no waiting for the report (the live table hid the cursor).
      if (tty) process.stdout.write("\x1b[?25h\n");
      process.exit(130);
    }
  };
  // The reader went away (`pbe demo | head`): end early, still writing the report.
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") stop.abort();
    else throw err;
  };
  process.stdout.on("error", onOutputError);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const code = await runDemo({
      durationMs: args.durationMs,
      ...(args.nats !== undefined ? { nats: args.nats } : {}),
      reportPath: args.report,
      ...(args.dataDir !== undefined ? { dataDir: args.dataDir } : {}),
      quiet: args.quiet,
      requestsPerSecond: args.rate,
      out: process.stdout,
      tty,
      color: tty && args.color,
      columns: () => process.stdout.columns ?? 100,
      rows: () => process.stdout.rows ?? 50,
      cwd: process.cwd(),
      signal: stop.signal,
    });
    // Everything is closed by now; should a library keep a handle open, do not hang the terminal.
    setTimeout(() => process.exit(code), 5000).unref();
    return code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
