/**
 * `pbe report`: fetches a report from a running engine's API (`GET /api/v1/report`) and writes
 * it to a file (or stdout with `-o -`).
 */
import { renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatBytes } from "../units/index.js";

const DEFAULT_ENGINE = "http://127.0.0.1:8080";
const TIMEOUT_MS = 60_000;
const FORMATS = ["html", "md", "json"] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: pbe report [flags]

Fetches a report from a running engine and writes it to a file: compliance of every budget,
charts of each budget over time with its threshold and forecast, burn rates, attributed latency
per journey and recommendations. HTML is one self-contained file (no scripts, no external
resources); Markdown has the same sections as tables; JSON is the report's data.

Flags:
  --service S        only this service (default: every service)
  --format F         html, md or json (default: from the -o extension, else html)
  -o, --output FILE  where to write (default report.<format>; - for stdout)
  --engine URL       the engine's API (env PBE_ENGINE_URL; default ${DEFAULT_ENGINE})
  --token T          API token, sent as a bearer token (env PBE_API_TOKEN)
  -h, --help         this text

Exit codes: 0 written, 1 the engine could not be reached or refused (e.g. unknown service), 2 bad flags.
`;

export interface ReportIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

export interface ReportArgs {
  service?: string;
  format: Format;
  output: string;
  engine: string;
  token?: string;
  help: boolean;
}

export class UsageError extends Error {}

const VALUE_FLAGS: Record<string, keyof ReportArgs> = {
  "--service": "service",
  "--format": "format",
  "--output": "output",
  "-o": "output",
  "--engine": "engine",
  "--token": "token",
};

/** Parses the flags (with env fallbacks); throws UsageError with one clear message. */
export function parseReportArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ReportArgs {
  const values: Partial<Record<keyof ReportArgs, string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const key = VALUE_FLAGS[flag];
    if (key === undefined) throw new UsageError(arg.startsWith("-") ? `unknown flag ${flag}` : `unexpected argument "${arg}"`);
    const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
    values[key] = v;
  }
  const fromExt = values.output?.match(/\.(html?|md|markdown|json)$/i)?.[1].toLowerCase();
  const format = values.format ?? (fromExt === undefined ? "html" : fromExt.startsWith("htm") ? "html" : fromExt === "markdown" ? "md" : fromExt);
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}; got "${format}"`);
  const engine = (values.engine ?? env.PBE_ENGINE_URL ?? DEFAULT_ENGINE).replace(/\/+$/, "");
  try {
    const u = new URL(engine);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new UsageError(`--engine must be an http(s) URL, e.g. ${DEFAULT_ENGINE}; got "${engine}"`);
  }
  const token = values.token ?? env.PBE_API_TOKEN;
  return {
    ...(values.service !== undefined ? { service: values.service } : {}),
    format: format as Format,
    output: values.output ?? `report.${format}`,
    engine,
    ...(token ? { token } : {}),
    help,
  };
}

/** Runs `pbe report`; returns the exit code. */
export async function reportCommand(argv: string[], io: ReportIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let args: ReportArgs;
  try {
    args = parseReportArgs(argv, io.env ?? process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`pbe report: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    stdout.write(HELP);
    return 0;
  }
  const query = new URLSearchParams({ format: args.format });
  if (args.service !== undefined) query.set("service", args.service);
  const url = `${args.engine}/api/v1/report?${query}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "*/*", ...(args.token ? { authorization: `Bearer ${args.token}` } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    stderr.write(`pbe report: cannot reach the engine at ${args.engine}: ${cause?.code ?? cause?.message ?? (err as Error).message}\n`);
    return 1;
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const e = JSON.parse(body.toString("utf8")) as { error?: { message?: string } };
      if (e.error?.message) message = `${message}: ${e.error.message}`;
    } catch {
      // not a JSON error
    }
    stderr.write(`pbe report: the engine refused: ${message}\n`);
    return 1;
  }
  if (args.output === "-") {
    stdout.write(body);
    return 0;
  }
  const path = resolve(args.output);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, path);
  stdout.write(`wrote the ${args.format.toUpperCase()} report to ${path} (${formatBytes(body.length)}) from ${args.engine}${args.service !== undefined ? ` for service ${JSON.stringify(args.service)}` : ""}\n`);
  return 0;
}
