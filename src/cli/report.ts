/**
 * `pbe report`: fetches a report from a running engine's API (`GET /api/v1/report`) through the
 * {@link EngineClient} and writes it to a file (or stdout with `-o -`).
 */
import { renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { formatBytes } from "../units/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, UsageError, clientFor, runCommand, type CliIo, type ParsedFlags } from "./common.js";

/** A report can take longer than a lookup: the default per-request timeout of this command. */
const REPORT_TIMEOUT_MS = 60_000;
const FORMATS = ["html", "md", "json"] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: pbe report [flags]

Fetches a report from a running engine and writes it to a file: compliance of every budget,
charts of each budget over time with its threshold and forecast, burn rates, attributed latency
per journey and recommendations. HTML is one self-contained file (no scripts, no external
resources); Markdown has the same sections as tables; JSON is the report's data.

Flags:
  --service S           only this service (default: every service)
  --format F            html, md or json (default: from the -o extension, else html)
  -o, --output FILE     where to write (default report.<format>; - for stdout)
${ENGINE_HELP.replace(/\(default 10s\)/, `(default ${REPORT_TIMEOUT_MS / 1000}s)`)}
${COMMON_HELP.replace("print the API's JSON instead of a table", "print what was written as JSON")}

Exit codes: 0 written, 2 usage error, 4 engine unreachable or API error (e.g. unknown service, bad token).
`;

export interface ReportTarget {
  service?: string;
  format: Format;
  /** A path, or `-` for stdout. */
  output: string;
}

/** `--service`, `--format` (else from the `-o` extension, else html) and `-o` (default `report.<format>`). */
export function reportTarget(flags: ParsedFlags): ReportTarget {
  const output = flags.values.get("output");
  const ext = output?.match(/\.(html?|md|markdown|json)$/i)?.[1].toLowerCase();
  const fromExt = ext === undefined ? undefined : ext.startsWith("htm") ? "html" : ext === "markdown" ? "md" : ext;
  const format = flags.values.get("format") ?? fromExt ?? "html";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}; got "${format}"`);
  if (output === "") throw new UsageError("-o needs a file name (or - for stdout)");
  const service = flags.values.get("service");
  if (service === "") throw new UsageError("--service needs a service name");
  return { ...(service !== undefined ? { service } : {}), format: format as Format, output: output ?? `report.${format}` };
}

/** Runs `pbe report`; returns the exit code. */
export async function reportCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("report", argv, io, { values: ["service", "format", "output"], short: { o: "output" } }, HELP, async (ctx) => {
    const target = reportTarget(ctx.flags);
    const client = clientFor({ ...ctx.engine, timeoutMs: ctx.flags.values.has("timeout") ? ctx.engine.timeoutMs : REPORT_TIMEOUT_MS });
    const scope = target.service !== undefined ? { service: target.service } : {};
    const text =
      target.format === "json" ? `${JSON.stringify(await client.reportJson(scope), null, 2)}\n` : await client.reportText({ ...scope, format: target.format });
    if (target.output === "-") {
      ctx.stdout.write(text);
      return EXIT.OK;
    }
    const path = resolve(target.output);
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } catch (err) {
      throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const bytes = Buffer.byteLength(text);
    if (ctx.engine.json) ctx.printJson({ file: path, format: target.format, bytes, engine: client.baseUrl, ...scope });
    else ctx.stdout.write(`wrote the ${target.format.toUpperCase()} report to ${path} (${formatBytes(bytes)}) from ${client.baseUrl}${target.service !== undefined ? ` for service ${JSON.stringify(target.service)}` : ""}\n`);
    return EXIT.OK;
  });
}
