/**
 * The budget model: the single source of truth for budget definitions. Pure code: parse and
 * validate definitions (one, a set, a file), normalise thresholds to base units, resolve and
 * propose allocations, generate the JSON Schema, format for display.
 */
export {
  BUDGET_TYPES,
  BUDGET_FAMILIES,
  ALLOWED_PER,
  DEFAULT_PER,
  SERVICE_LEVEL_TYPES,
  AGGREGATES,
  DIRECTIONS,
  budgetFamily,
  isBudgetType,
  unitOf,
  needsStatistic,
  quantityKind,
  type BudgetType,
  type BudgetFamily,
  type BudgetPer,
  type BudgetAggregate,
  type BudgetDirection,
  type QuantityKind,
} from "./types.js";
export { FIELD_NAMES, FORBIDDEN_KEYS, ID_PATTERN, LIMITS, DEFAULT_WINDOW } from "./fields.js";
export {
  BudgetSchema,
  BudgetDefinitionSchema,
  budgetDefinitionSchema,
  DEFAULT_CURRENCY,
  type Budget,
  type BudgetDefinition,
} from "./schema.js";
export { parseBudget, toDefinition, formatPath, type ParseOptions, type ParseResult } from "./parse.js";
export { validateBudgetSet, type BudgetSetOptions } from "./set.js";
export {
  resolveThresholds,
  proposeAllocation,
  planAllocation,
  allocationKey,
  isDerived,
  MAX_DEPTH,
  type AllocationPlan,
  type PoolAllocation,
  type AllocationProposal,
  type ChildProposal,
} from "./allocation.js";
export { parseBudgetFile, type BudgetFileResult } from "./file.js";
export { budgetJsonSchema, budgetFileJsonSchema } from "./jsonschema.js";
export { formatThreshold, formatValue, formatMoney, formatNumber } from "./format.js";
export { matchesJourney } from "./journey.js";
