/**
 * Cost budgets (ARCHITECTURE.md §5): `CostEvaluator` computes `cost.resource`,
 * `cost.infrastructure`, `cost.performance` and `cost.optimization` from a service's resource
 * samples and the price table at every evaluation tick and feeds them to the budget tracker.
 * Formulas: docs/recommendations.md ("Cost budgets").
 */
export { CostEvaluator, DEFAULT_COST_INTERVAL_MS, type CostEvaluatorOptions, type CostFigures, type CostEvaluatorStats } from "./evaluator.js";
export { costValue, rightSizedCapacity, type CostInputs, type Capacity } from "./figures.js";
export { RequestRates, type RequestKey } from "./requests.js";
