import { proposeAllocation, resolveThresholds, type Budget } from "../budget/index.js";
import type { Engine } from "../engine/index.js";
import { NotFoundError } from "../errors/index.js";
import type { BudgetTracker, Evaluation, TrackEntry } from "../evaluate/index.js";
import type { BudgetRegistry } from "../registry/index.js";
import { forecastCrossing, type Forecast } from "../trend/index.js";
import type { Route } from "./http.js";

export interface EvaluationRoutesDeps {
  engine: Engine;
  tracker: BudgetTracker;
  registry: BudgetRegistry;
  now: () => number;
  forecastHorizonMs: number;
}

/** A budget's trend and forecast, from its history (1-minute windows, else base windows). */
export function trendOf(entry: TrackEntry, budget: Budget | undefined, nowMs: number, horizonMs: number): Forecast | undefined {
  const threshold = entry.evaluation.threshold;
  if (!budget || threshold === null) return undefined;
  const pick = entry.history.minutes.filter((p) => p.observed !== null).length >= 3 ? entry.history.minutes : entry.history.base;
  const points = pick.filter((p) => p.observed !== null).map((p) => ({ t: p.t, v: p.observed as number }));
  return forecastCrossing({ points, threshold, direction: budget.direction, nowMs, horizonMs });
}

/** Compliance, track (history, trend, forecast) and allocation proposals. */
export function evaluationRoutes(deps: EvaluationRoutesDeps): Route[] {
  const { engine, tracker, registry } = deps;
  const knownService = (service: string) =>
    registry.budgets().some((b) => b.service === service) || engine.catalogue.hasService(engine.tables.strings, service);
  const requireService = (service: string) => {
    if (!knownService(service)) throw new NotFoundError(`unknown service "${service}": no budget names it and no trace has shown it`);
  };
  const complianceOf = (service: string): Evaluation[] => {
    const last = tracker.lastEvaluations().filter((e) => e.service === service);
    if (last.length > 0 || !registry.budgets().some((b) => b.service === service)) return [...last];
    // Before the first evaluation tick: evaluate on demand (track does not advance alerts).
    return tracker.track(service, deps.now()).map((t) => t.evaluation);
  };
  return [
    {
      method: "GET",
      path: "/api/v1/services/:service/compliance",
      handle: ({ params }) => {
        requireService(params.service);
        const budgets = complianceOf(params.service);
        const violated = budgets.filter((b) => b.status === "violated").length;
        return { body: { service: params.service, compliant: violated === 0, violated, budgets } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/services/:service/track",
      handle: ({ params }) => {
        requireService(params.service);
        const now = deps.now();
        const entries = tracker.track(params.service, now).map((t) => ({
          ...t,
          trend: trendOf(t, registry.get(t.budgetId)?.budget, now, deps.forecastHorizonMs),
        }));
        return { body: { service: params.service, at: new Date(now).toISOString(), budgets: entries } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/budgets/:id/allocation",
      handle: ({ params }) => {
        const entry = registry.get(params.id);
        if (!entry) throw new NotFoundError(`no budget "${params.id}"`);
        const parent = entry.budget;
        const children = registry.budgets().filter((b) => b.parent === parent.id);
        const shares = observedShares(engine, parent);
        const thresholds = resolveThresholds(registry.budgets());
        const parentThreshold = thresholds.get(parent.id);
        const proposal = proposeAllocation(parent, children, shares.shares, { ...(parentThreshold === undefined ? {} : { parentThreshold }), parentObserved: shares.meanDurationMs });
        return {
          body: {
            ...proposal,
            basis: { traces: shares.traces, from: "the most recent attributed traces of the journey", observedShares: Object.fromEntries(shares.shares) },
          },
        };
      },
    },
  ];
}

/**
 * Each component's and edge's share of a journey's latency over the recent traces kept in the
 * attribution ring (keys as `allocationKey`: component name, `caller->callee`, `processing`,
 * `network`).
 */
export function observedShares(engine: Engine, parent: Budget): { shares: Map<string, number>; traces: number; meanDurationMs?: number } {
  const strings = engine.tables.strings;
  const svc = strings.lookup(parent.service);
  const op = parent.operation === undefined ? -1 : strings.lookup(parent.operation);
  const sums = new Map<string, number>();
  let total = 0;
  let traces = 0;
  if (svc >= 0 && (parent.operation === undefined || op >= 0)) {
    for (const a of engine.ring.values()) {
      if (a.journeyService !== svc || (op >= 0 && a.journeyOperation !== op)) continue;
      traces++;
      total += a.durationNs;
      const add = (k: string, v: number) => sums.set(k, (sums.get(k) ?? 0) + v);
      for (let i = 0; i < a.componentIds.length; i++) add(strings.get(a.componentIds[i]), a.componentNs[i]);
      for (let i = 0; i < a.edgeIds.length; i++) add(strings.get(a.edgeIds[i]), a.edgeNs[i]);
      add("processing", a.processingNs);
      add("network", a.networkNs);
    }
  }
  const shares = new Map<string, number>();
  if (total > 0) for (const [k, v] of sums) shares.set(k, v / total);
  return { shares, traces, ...(traces > 0 ? { meanDurationMs: total / traces / 1e6 } : {}) };
}
