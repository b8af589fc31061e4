/** `network-heavy-edge`: a call whose wire time is a large part of a journey. */
import { formatDurationMs } from "../units/index.js";
import { pct } from "./format.js";
import type { BudgetFacts, JourneyFacts, Recommendation, RecommendRules } from "./types.js";

/**
 * An edge `caller->callee` whose network time (on the critical path, summed over the journey's
 * recent traces) is above `networkShareBound` of the journey's summed latency, with at least
 * `minTraces` traces. Linked to a `latency.network` budget of that edge (or of the journey's
 * whole network time) when there is one. Warning.
 */
export function networkHeavyEdge(service: string, budgets: readonly BudgetFacts[], journeys: readonly JourneyFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  const networkBudgets = budgets.filter((f) => f.budget.type === "latency.network");
  for (const j of journeys) {
    if (j.traces < rules.minTraces || !(j.durationNs > 0)) continue;
    for (const edge of Object.keys(j.edges).sort()) {
      const e = j.edges[edge]!;
      const share = e.ns / j.durationNs;
      if (share <= rules.networkShareBound) continue;
      const covers = (f: BudgetFacts) => f.budget.operation === undefined || f.budget.operation === j.operation;
      const f = networkBudgets.find((x) => x.budget.edge === edge && covers(x)) ?? networkBudgets.find((x) => x.budget.edge === undefined && covers(x));
      const meanMs = e.ns / j.traces / 1e6;
      const meanDurationMs = j.durationNs / j.traces / 1e6;
      const [caller, callee] = edge.split("->");
      out.push({
        kind: "network-heavy-edge",
        severity: "warning",
        service,
        ...(f ? { budgetId: f.budget.id } : {}),
        operation: j.operation,
        title: `${j.operation}: the network of ${edge} is ${pct(share)} of the journey`,
        message:
          `In ${j.operation}, time on the wire between ${caller} and ${callee} is ${pct(share)} of the latency ` +
          `(${formatDurationMs(Number(meanMs.toPrecision(3)))} of ${formatDurationMs(Number(meanDurationMs.toPrecision(3)))} per trace on average, ${j.traces} recent traces): ` +
          `batch the calls (fewer, larger requests), cache, or co-locate ${callee} with ${caller}.`,
        evidence: {
          edge,
          share,
          meanNetworkMs: meanMs,
          meanDurationMs,
          traces: j.traces,
          tracesWithEdge: e.traces,
          bound: rules.networkShareBound,
          traceIds: e.traceIds.slice(0, rules.traceIds),
        },
      });
    }
  }
  return out;
}
