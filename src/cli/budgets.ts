/** `pbe budgets [--service S]`: the defined budgets as a table (or the API's JSON). */
import { renderBudgets } from "../client/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, EXIT_HELP, runCommand, type CliIo } from "./common.js";

const HELP = `Usage: pbe budgets [--service S] [flags]

Lists the budgets the engine has: id, type, service and scope (operation, component, edge),
statistic, threshold, window and where each comes from (api, or the budgets file).

Flags:
  --service S           only the budgets of service S
${ENGINE_HELP}
${COMMON_HELP}

${EXIT_HELP}
`;

export async function budgetsCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("budgets", argv, io, { values: ["service"] }, HELP, async (ctx) => {
    const service = ctx.flags.values.get("service");
    const budgets = await ctx.client().listBudgets(service === undefined ? {} : { service });
    if (ctx.engine.json) ctx.printJson({ budgets });
    else ctx.stdout.write(`${renderBudgets(budgets, ctx.style)}\n`);
    return EXIT.OK;
  });
}
