/** JSON Schema of a budget definition, generated from the zod schema (MCP tool inputs, docs). */
import { z } from "zod";
import { BudgetDefinitionSchema } from "./schema.js";
import { ALLOWED_PER, BUDGET_TYPES } from "./types.js";

/**
 * JSON Schema (draft 2020-12) of one budget definition. The field shapes come from the zod
 * schema; the type-dependent rules that JSON Schema can say (component required for
 * latency.component, which types take component, edge and per, and which per values) are added
 * as `allOf` conditions from the same tables. Unit checks, allocation and the other cross-field
 * rules are enforced by `parseBudget` only: a definition the schema accepts may still have
 * problems.
 */
export function budgetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(BudgetDefinitionSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const typeIs = (types: readonly string[]) => ({ properties: { type: { enum: [...types] } }, required: ["type"] });
  const typeIsNot = (types: readonly string[]) => ({ not: typeIs(types) });
  const conditions: unknown[] = [
    { if: typeIs(["latency.component"]), then: { required: ["component"] } },
    { if: typeIsNot(["latency.component", "latency.processing"]), then: { not: { required: ["component"] } } },
    { if: typeIsNot(["latency.network"]), then: { not: { required: ["edge"] } } },
  ];
  for (const t of BUDGET_TYPES) {
    const allowed = ALLOWED_PER[t];
    conditions.push({
      if: typeIs([t]),
      then: allowed.length === 0 ? { not: { required: ["per"] } } : { properties: { per: { enum: [...allowed] } } },
    });
  }
  return {
    ...schema,
    title: "PBE budget definition",
    description: "One performance budget (see docs/budgets.md). A budget file holds `budgets: [ ... ]`.",
    allOf: conditions,
  };
}

/** A budget file: `{ budgets: [ <definition>, … ] }`. */
export function budgetFileJsonSchema(): Record<string, unknown> {
  const { $schema, ...definition } = budgetJsonSchema();
  return {
    $schema,
    title: "PBE budget file",
    type: "object",
    properties: { budgets: { type: "array", items: definition } },
    required: ["budgets"],
    additionalProperties: false,
  };
}
