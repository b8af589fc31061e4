/** `pbe explain TRACE_ID`: one trace's attribution as a critical-path table. */
import { renderAttribution } from "../client/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, EXIT_HELP, UsageError, runCommand, type CliIo } from "./common.js";

const HELP = `Usage: pbe explain TRACE_ID [--max-segments N] [flags]

Explains one trace's latency: the journey, processing and network time, each component's and
edge's share, and the critical path segment by segment. The engine keeps the most recent
traces (10 000 by default) and every exemplar of a violated budget (pbe compliance lists them).

Flags:
  --max-segments N      critical-path rows to show (default 50)
${ENGINE_HELP}
${COMMON_HELP}

${EXIT_HELP} (an unknown trace is an API error: 4)
`;

export async function explainCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("explain", argv, io, { values: ["max-segments"], positionals: [1, 1], positionalNames: ["TRACE_ID"] }, HELP, async (ctx) => {
    const m = ctx.flags.values.get("max-segments");
    const max = m === undefined ? 50 : Number(m);
    if (m !== undefined && (!/^\d+$/.test(m) || max < 1)) throw new UsageError(`--max-segments "${m}" is not a positive whole number`);
    const traceId = ctx.flags.positionals[0]!.trim();
    if (!/^[0-9a-fA-F]{32}$/.test(traceId)) throw new UsageError(`"${traceId.slice(0, 64)}" is not a trace id: 32 hex digits`);
    const a = await ctx.client().trace(traceId);
    if (ctx.engine.json) ctx.printJson(a);
    else ctx.stdout.write(`${renderAttribution(a, ctx.style, max)}\n`);
    return EXIT.OK;
  });
}
