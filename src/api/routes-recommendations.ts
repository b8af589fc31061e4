import type { CostModel } from "../cost/index.js";
import type { Engine } from "../engine/index.js";
import { NotFoundError } from "../errors/index.js";
import type { BudgetTracker } from "../evaluate/index.js";
import { collectFacts, recommend, type RecommendRules } from "../recommend/index.js";
import type { BudgetRegistry } from "../registry/index.js";
import type { Route } from "./http.js";

export interface RecommendationRoutesDeps {
  engine: Engine;
  tracker: BudgetTracker;
  registry: BudgetRegistry;
  /** The price table and currency (the cost evaluator's model). */
  costModel: CostModel;
  now: () => number;
  forecastHorizonMs: number;
  rules?: Partial<RecommendRules>;
}

/**
 * `GET /api/v1/services/{service}/recommendations` → `{ service, at, recommendations }`, computed
 * on demand from the tracker and the recent traces (docs/recommendations.md). 404 for a service
 * that no budget names and no trace has shown (as compliance).
 */
export function recommendationRoutes(deps: RecommendationRoutesDeps): Route[] {
  const { engine, tracker, registry, costModel } = deps;
  return [
    {
      method: "GET",
      path: "/api/v1/services/:service/recommendations",
      handle: ({ params }) => {
        const service = params.service;
        const known = registry.budgets().some((b) => b.service === service) || engine.catalogue.hasService(engine.tables.strings, service);
        if (!known) throw new NotFoundError(`unknown service "${service}": no budget names it and no trace has shown it`);
        const now = deps.now();
        const input = collectFacts({ tracker, recentTraces: () => engine.ring.values(), tables: engine.tables }, service, now, {
          prices: costModel.prices,
          currency: costModel.currency,
          forecastHorizonMs: deps.forecastHorizonMs,
          ...(deps.rules ? { rules: deps.rules } : {}),
        });
        return { body: { service, at: new Date(now).toISOString(), recommendations: recommend(input) } };
      },
    },
  ];
}
