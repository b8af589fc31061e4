/**
 * Recommendations (ARCHITECTURE.md §6): evidence-based, actionable advice per service — thresholds
 * too tight or too loose, re-allocation by observed shares, the component that drives violations,
 * N+1 queries, network-heavy edges, over-provisioned resources with the money they cost, and
 * forecast exhaustion. Pure: `collectFacts` reads the tracker and the recent traces, `recommend`
 * turns facts into a deterministic list. The rules are documented in docs/recommendations.md.
 */
export { recommend, compareRecommendations } from "./recommend.js";
export { collectFacts, budgetFacts, journeyFacts, rangeFacts, type FactSources, type CollectOptions } from "./facts.js";
export { capacityCandidates, overProvisioned, RIGHT_SIZED_RESOURCES, type CapacityCandidate, type RightSizedResource } from "./provisioning.js";
export { thresholdTooTight, thresholdTooLoose } from "./thresholds.js";
export { reallocate, journeyShares } from "./allocation.js";
export { violationDriver } from "./drivers.js";
export { nPlusOne } from "./queries.js";
export { networkHeavyEdge } from "./network.js";
export { forecastExhaustion, trendPoints } from "./forecast.js";
export { proposeValue } from "./format.js";
export {
  RULES,
  RECOMMENDATION_KINDS,
  SEVERITIES,
  type Recommendation,
  type RecommendationKind,
  type Severity,
  type Evidence,
  type RecommendInput,
  type RecommendRules,
  type BudgetFacts,
  type RangeFacts,
  type WindowPoint,
  type JourneyFacts,
  type StatementFacts,
  type EdgeFacts,
} from "./types.js";
