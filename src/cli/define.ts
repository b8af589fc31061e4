/**
 * `pbe define -f FILE [--dry-run]`: validates a budget file with the budget model (every problem,
 * with `file:line` where known), then sends each budget to the engine (create or replace),
 * parents before their children. `--dry-run` validates only, offline.
 */
import { readFileSync } from "node:fs";
import { parseBudgetFile, toDefinition, type Budget } from "../budget/index.js";
import { EngineApiError, renderTable, thresholdText, statisticText, type BudgetJson } from "../client/index.js";
import type { Problem } from "../errors/index.js";
import { COMMON_HELP, ENGINE_HELP, EXIT, UsageError, engineErrorText, progressBar, runCommand, type CliIo } from "./common.js";

const HELP = `Usage: pbe define -f FILE [--dry-run] [flags]

Validates the budgets in FILE (YAML or JSON: budgets: [ … ]) and defines each on the engine:
a new id is created, an existing API-defined one replaced (budgets a budgets file gave the
engine at start are refused: change them in that file). Parents are sent before their children.
Every problem is listed with its place (file:line) and field, and nothing is sent while any
exists. FILE "-" reads standard input.

Flags:
  -f, --file FILE       the budget file (required)
  --dry-run             validate only, offline: nothing is sent
${ENGINE_HELP}
${COMMON_HELP}

Exit codes: 0 every budget valid (and defined), 1 invalid definitions (or the engine refused
one: the others are still defined), 2 usage error (no file, unreadable file), 4 engine
unreachable or API error.

Examples:
  pbe define -f budgets.yaml --dry-run
  pbe define -f budgets.yaml --engine http://pbe:8080 --token "$PBE_API_TOKEN"
`;

/** A problem with its place: `file:line` when the line is known. */
export interface PlacedProblem {
  file: string;
  line?: number;
  path: string;
  message: string;
}

const LINE_SUFFIX = / \(line (\d+)\)$/;
const SYNTAX_PATH = /^(.*):(\d+):(\d+)$/;

/** Moves `(line N)` from a file problem's message into `line`; syntax errors (`file:line:col`) too. */
export function placeProblem(file: string, p: Problem): PlacedProblem {
  const m = LINE_SUFFIX.exec(p.message);
  if (m) return { file, line: Number(m[1]), path: p.path, message: p.message.slice(0, m.index) };
  const s = SYNTAX_PATH.exec(p.path);
  if (s && s[1] === file) return { file, line: Number(s[2]), path: `column ${s[3]}`, message: p.message };
  return { file, path: p.path === file ? "" : p.path, message: p.message };
}

/** `budgets.yaml:4: budgets[1].threshold: "fast" is not a duration…`. */
export function problemLine(p: PlacedProblem): string {
  return `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ${p.path === "" ? "" : `${p.path}: `}${p.message}`;
}

/** Parents before children (the engine validates each budget against those it already has); otherwise file order. */
export function parentsFirst(budgets: readonly Budget[]): Budget[] {
  const byId = new Map(budgets.map((b) => [b.id, b]));
  const out: Budget[] = [];
  const seen = new Set<string>();
  const visit = (b: Budget, depth: number) => {
    if (seen.has(b.id) || depth > budgets.length) return;
    const parent = b.parent === undefined ? undefined : byId.get(b.parent);
    if (parent) visit(parent, depth + 1);
    if (!seen.has(b.id)) {
      seen.add(b.id);
      out.push(b);
    }
  };
  for (const b of budgets) visit(b, 0);
  return out;
}

interface DefineOutcome {
  id: string;
  result: "created" | "replaced" | "refused";
  budget?: BudgetJson;
  error?: { code: string; message: string; problems?: Problem[] };
}

export async function defineCommand(argv: string[], io: CliIo = {}): Promise<number> {
  return runCommand("define", argv, io, { values: ["file"], bools: ["dry-run"], short: { f: "file" } }, HELP, async (ctx) => {
    const file = ctx.flags.values.get("file");
    if (file === undefined) throw new UsageError("-f FILE is required: the budget file to define (see pbe define --help)");
    let text: string;
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const name = file === "-" ? "<stdin>" : file;
    const dryRun = ctx.flags.bools.has("dry-run");
    const parsed = parseBudgetFile(text, name);
    if (parsed.problems.length > 0) {
      const problems = parsed.problems.map((p) => placeProblem(name, p));
      if (ctx.engine.json) ctx.printJson({ file: name, valid: false, problems });
      for (const p of problems) ctx.stderr.write(`${problemLine(p)}\n`);
      const n = problems.length;
      ctx.stderr.write(`pbe define: ${n} problem${n === 1 ? "" : "s"} in ${name}; nothing was ${dryRun ? "accepted" : "sent"}\n`);
      return EXIT.FAILED;
    }
    const budgets = parentsFirst(parsed.budgets);
    if (dryRun) {
      if (ctx.engine.json) ctx.printJson({ file: name, valid: true, budgets: budgets.map((b) => toDefinition(b)) });
      else ctx.stdout.write(`${name}: ${budgets.length} budget${budgets.length === 1 ? "" : "s"} valid (dry run: nothing sent)\n`);
      return EXIT.OK;
    }
    if (budgets.length === 0) {
      if (ctx.engine.json) ctx.printJson({ file: name, results: [] });
      else ctx.stdout.write(`${name}: no budgets to define\n`);
      return EXIT.OK;
    }

    const client = ctx.client();
    const bar = progressBar(ctx.stderr, budgets.length);
    const outcomes: DefineOutcome[] = [];
    try {
      for (const b of budgets) {
        try {
          const r = await client.defineBudget(toDefinition(b));
          outcomes.push({ id: b.id, result: r.created ? "created" : "replaced", budget: r.budget });
        } catch (err) {
          if (!(err instanceof EngineApiError) || err.unreachable || (err.status !== 422 && err.status !== 409)) throw err;
          outcomes.push({ id: b.id, result: "refused", error: { code: err.code, message: err.message, ...(err.problems.length ? { problems: err.problems } : {}) } });
        }
        bar.tick(b.id);
      }
    } catch (err) {
      bar.done();
      if (err instanceof EngineApiError) {
        const done = outcomes.filter((o) => o.result !== "refused").length;
        ctx.stderr.write(`pbe define: ${engineErrorText(err)}${done > 0 ? ` (${done} of ${budgets.length} budgets were defined before)` : ""}\n`);
        return EXIT.ENGINE;
      }
      throw err;
    }
    bar.done();

    const refused = outcomes.filter((o) => o.result === "refused");
    if (ctx.engine.json) {
      ctx.printJson({ file: name, results: outcomes });
    } else {
      const byId = new Map(budgets.map((b) => [b.id, b]));
      ctx.stdout.write(
        `${renderTable(
          [{ header: "ID" }, { header: "RESULT" }, { header: "TYPE" }, { header: "SERVICE" }, { header: "STAT" }, { header: "THRESHOLD", align: "right" }],
          outcomes.map((o) => {
            const b = o.budget ?? (toDefinition(byId.get(o.id)!) as BudgetJson);
            const paint = o.result === "refused" ? ctx.style.red : ctx.style.green;
            return [o.id, { text: o.result, paint }, b.type, b.service, statisticText(b), thresholdText(b)];
          }),
          ctx.style,
        )}\n`,
      );
    }
    for (const o of refused) {
      ctx.stderr.write(`pbe define: the engine refused ${o.id}: ${o.error!.message}\n`);
      for (const p of o.error!.problems ?? []) ctx.stderr.write(`  ${p.path}: ${p.message}\n`);
    }
    return refused.length > 0 ? EXIT.FAILED : EXIT.OK;
  });
}
