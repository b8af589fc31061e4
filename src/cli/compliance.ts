/**
 * `pbe compliance SERVICE`: every budget of a service against its threshold. A CI gate: exit 1
 * when any budget is violated (and, with `--fail-on-no-data`, 3 when one has no data).
 */
import { renderCompliance } from "../client/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, runCommand, serviceCall, type CliIo } from "./common.js";

const HELP = `Usage: pbe compliance SERVICE [flags]

Shows the compliance of every budget of SERVICE: status (ok, violated, no-data), the observed
value against the threshold in the budget's unit, usage (observed/threshold), burn rates, error
budget left, and for violated latency budgets the components driving it and exemplar traces.

Flags:
  --fail-on-no-data     exit 3 when no budget is violated but one has no data
${ENGINE_HELP}
${COMMON_HELP}

Exit codes: 0 no budget violated, 1 a budget is violated, 2 usage error, 3 a budget has no data
(only with --fail-on-no-data), 4 engine unreachable, unknown service or API error.

Examples:
  pbe compliance checkout || echo "checkout is over budget"
  pbe compliance checkout --json | jq '.budgets[] | select(.status == "violated")'
`;

export async function complianceCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("compliance", argv, io, { bools: ["fail-on-no-data"], positionals: [1, 1], positionalNames: ["SERVICE"] }, HELP, async (ctx) => {
    const service = ctx.flags.positionals[0]!;
    const c = await serviceCall(ctx, "compliance", () => ctx.client().compliance(service));
    if (typeof c === "number") return c;
    if (ctx.engine.json) ctx.printJson(c);
    else ctx.stdout.write(`${renderCompliance(c, ctx.style)}\n`);
    if (c.budgets.some((b) => b.status === "violated")) return EXIT.FAILED;
    if (ctx.flags.bools.has("fail-on-no-data") && c.budgets.some((b) => b.status === "no-data")) return EXIT.NO_DATA;
    return EXIT.OK;
  });
}
