/** `pbe track SERVICE`: per budget the value now, a sparkline of its history and the trend/forecast. */
import { renderTrack } from "../client/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, EXIT_HELP, UsageError, runCommand, serviceCall, type CliIo } from "./common.js";

const HELP = `Usage: pbe track SERVICE [--points N] [flags]

Tracks every budget of SERVICE: the value now against the threshold, a sparkline of its recent
history (1-minute windows when there are enough, else the evaluation windows) with the range,
and the trend (Theil–Sen slope per hour) with the forecast of when it crosses the threshold.

Flags:
  --points N            history windows in the sparkline (default 30, 5–120)
${ENGINE_HELP}
${COMMON_HELP}

${EXIT_HELP}
`;

export async function trackCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("track", argv, io, { values: ["points"], positionals: [1, 1], positionalNames: ["SERVICE"] }, HELP, async (ctx) => {
    const p = ctx.flags.values.get("points");
    const points = p === undefined ? 30 : Number(p);
    if (!/^\d+$/.test(p ?? "30") || points < 5 || points > 120) throw new UsageError(`--points "${p}" is not a whole number from 5 to 120`);
    const t = await serviceCall(ctx, "track", () => ctx.client().track(ctx.flags.positionals[0]!));
    if (typeof t === "number") return t;
    if (ctx.engine.json) ctx.printJson(t);
    else ctx.stdout.write(`${renderTrack(t, ctx.style, points)}\n`);
    return EXIT.OK;
  });
}
