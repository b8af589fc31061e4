/**
 * The zod schemas of budgets: the definition people write (fields checked one by one in
 * `fields.ts`, cross-field rules from `rules.ts`), and the normalised `Budget` the engine uses.
 * Types are inferred from them; the JSON Schema for MCP tool inputs is generated from the
 * definition schema.
 */
import { z } from "zod";
import { FIELDS } from "./fields.js";
import { crossFieldProblems } from "./rules.js";
import { AGGREGATES, ALL_PER, BUDGET_FAMILIES, BUDGET_TYPES, DIRECTIONS } from "./types.js";

export const DEFAULT_CURRENCY = "USD";

const definitionSchemas = new Map<string, ReturnType<typeof makeDefinitionSchema>>();

function makeDefinitionSchema(currency: string) {
  return z.strictObject(FIELDS).superRefine(
    (value, ctx) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return;
      for (const p of crossFieldProblems(value as Record<string, unknown>, currency)) {
        ctx.addIssue({ code: "custom", path: p.path === "" ? [] : p.path.split("."), message: p.message });
      }
    },
    // Cross-field rules run even when a field failed: they only use fields valid on their own,
    // and every problem is reported at once.
    { when: () => true },
  );
}

/**
 * The schema of a budget definition for amounts in `currency` (an ISO code, default USD),
 * including the cross-field rules. Prefer `parseBudget`, which also refuses prototype keys and
 * returns problems with paths; use this for JSON Schema and for type inference.
 */
export function budgetDefinitionSchema(currency: string = DEFAULT_CURRENCY) {
  const code = normaliseCurrency(currency);
  let s = definitionSchemas.get(code);
  if (!s) {
    s = makeDefinitionSchema(code);
    definitionSchemas.set(code, s);
  }
  return s;
}

export const BudgetDefinitionSchema = budgetDefinitionSchema(DEFAULT_CURRENCY);

/** A budget definition as written in a file or sent to the API (before defaults). */
export type BudgetDefinition = z.input<typeof BudgetDefinitionSchema>;

/** An ISO 4217-style code (three letters), upper-cased. Throws for anything else: it is configuration, checked at start-up. */
export function normaliseCurrency(currency: string): string {
  const code = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new RangeError(`currency must be a three-letter code such as USD, got ${JSON.stringify(currency)}`);
  return code;
}

/**
 * A normalised budget: the definition with defaults applied, the threshold (and min/max) in the
 * base unit of `unit`, the text the user wrote kept for display and for `toDefinition`.
 * `threshold` is absent for derived children (share or pool): see `resolveThresholds`.
 */
export const BudgetSchema = z.object({
  id: z.string(),
  type: z.enum(BUDGET_TYPES),
  family: z.enum(BUDGET_FAMILIES),
  service: z.string(),
  operation: z.string().optional(),
  component: z.string().optional(),
  /** `caller->callee` with the sides trimmed. */
  edge: z.string().optional(),
  quantile: z.number().optional(),
  aggregate: z.enum(AGGREGATES).optional(),
  /** In base units of `unit` (ms, cores, bytes, bytes/s, count, currency amount). */
  threshold: z.number().optional(),
  /** What the user wrote (a number as its decimal text). */
  thresholdText: z.string().optional(),
  /** `ms`, `cores`, `bytes`, `bytes/s`, `requests/s`, `queries/trace`, …, or the currency code. */
  unit: z.string(),
  per: z.enum(ALL_PER).optional(),
  direction: z.enum(DIRECTIONS),
  window: z.string(),
  windowMs: z.number(),
  target: z.number().optional(),
  parent: z.string().optional(),
  share: z.number().optional(),
  pool: z.string().optional(),
  min: z.number().optional(),
  minText: z.string().optional(),
  max: z.number().optional(),
  maxText: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  title: z.string().optional(),
  description: z.string().optional(),
});

export type Budget = z.infer<typeof BudgetSchema>;
