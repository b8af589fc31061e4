import { CostModel } from "../cost/index.js";
import { violationDriver } from "./drivers.js";
import { forecastExhaustion } from "./forecast.js";
import { networkHeavyEdge } from "./network.js";
import { capacityCandidates, overProvisioned } from "./provisioning.js";
import { nPlusOne } from "./queries.js";
import { reallocate } from "./allocation.js";
import { thresholdTooLoose, thresholdTooTight } from "./thresholds.js";
import { RULES, SEVERITIES, type Recommendation, type RecommendInput } from "./types.js";

/**
 * Every recommendation for one service, from its facts (see `collectFacts`). Pure and
 * deterministic: the same input gives the same list, ordered by severity (critical, warning,
 * info), then kind (alphabetically), then budget id (recommendations without one last), then
 * title. The rules and their constants are in the rule files and docs/recommendations.md.
 */
export function recommend(input: RecommendInput): Recommendation[] {
  const rules = { ...RULES, ...input.rules };
  const model = new CostModel({ prices: input.prices, currency: input.currency });
  const { budgets, journeys, service } = input;
  const all = [
    ...thresholdTooTight(budgets, rules),
    ...thresholdTooLoose(budgets, rules),
    ...reallocate(budgets, journeys, rules),
    ...violationDriver(budgets, rules),
    ...nPlusOne(service, budgets, journeys, rules),
    ...networkHeavyEdge(service, budgets, journeys, rules),
    ...overProvisioned(capacityCandidates(budgets), model, rules),
    ...forecastExhaustion(budgets, input.nowMs, input.forecastHorizonMs, rules),
  ];
  return all.sort(compareRecommendations);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Severity (critical first), kind, budget id (none last), title. */
export function compareRecommendations(a: Recommendation, b: Recommendation): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    cmp(a.kind, b.kind) ||
    (a.budgetId === undefined ? (b.budgetId === undefined ? 0 : 1) : b.budgetId === undefined ? -1 : cmp(a.budgetId, b.budgetId)) ||
    cmp(a.title, b.title)
  );
}
