/** `pbe recommendations SERVICE`: evidence-based recommendations for a service's budgets. */
import { renderRecommendations } from "../client/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, EXIT_HELP, runCommand, serviceCall, type CliIo } from "./common.js";

const HELP = `Usage: pbe recommendations SERVICE [flags]

Recommendations for the budgets of SERVICE, each with its evidence and, when there is one, a
proposal: thresholds too tight or loose against observed quantiles, re-allocation by observed
share, the component that drives violations, N+1 queries, network-heavy edges, over-provisioned
resources and what they cost.

Flags:
${ENGINE_HELP}
${COMMON_HELP}

${EXIT_HELP}
`;

export async function recommendationsCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("recommendations", argv, io, { positionals: [1, 1], positionalNames: ["SERVICE"] }, HELP, async (ctx) => {
    const r = await serviceCall(ctx, "recommendations", () => ctx.client().recommendations(ctx.flags.positionals[0]!));
    if (typeof r === "number") return r;
    if (ctx.engine.json) ctx.printJson(r);
    else ctx.stdout.write(`${renderRecommendations(r, ctx.style)}\n`);
    return EXIT.OK;
  });
}
