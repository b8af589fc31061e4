/** `violation-driver`: the component whose share grows when a journey goes over budget. */
import { formatThreshold } from "../budget/index.js";
import { violationDrivers } from "../evaluate/index.js";
import { budgetName, pct } from "./format.js";
import type { BudgetFacts, Recommendation, RecommendRules } from "./types.js";

/**
 * For journey-wide latency budgets (`latency.total`, `latency.processing` without a component,
 * `latency.network` without an edge — a component or edge budget's driver would be itself):
 * over the last hour's violations split, the component (for network budgets: the edge) whose
 * share of the over-budget traces' latency exceeds its share of the within-budget ones by at
 * least `driverMinDelta` and by a factor of at least `driverMinRatio`, with at least
 * `driverMinTraces` traces on each side. Critical when the budget is violated now, else warning.
 * Evidence: `component` (an edge `caller->callee` for network budgets), both shares, the trace
 * counts and the worst violating traces.
 */
export function violationDriver(budgets: readonly BudgetFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  for (const f of budgets) {
    const b = f.budget;
    const journeyWide = b.type === "latency.total" || (b.type === "latency.processing" && b.component === undefined) || (b.type === "latency.network" && b.edge === undefined);
    if (!journeyWide) continue;
    const top = violationDrivers(f.lastHour.extra)[0];
    if (!top || top.violatingTraces < rules.driverMinTraces || top.goodTraces < rules.driverMinTraces) continue;
    if (top.badShare - top.goodShare < rules.driverMinDelta || top.badShare < rules.driverMinRatio * top.goodShare) continue;
    const threshold = f.evaluation.threshold;
    const limit = threshold === null ? "threshold" : formatThreshold(b, threshold);
    out.push({
      kind: "violation-driver",
      severity: f.evaluation.status === "violated" ? "critical" : "warning",
      service: b.service,
      budgetId: b.id,
      ...(b.operation !== undefined ? { operation: b.operation } : {}),
      title: `${b.id}: ${top.component} drives the violations`,
      message:
        `In the last hour ${top.component} took ${pct(top.badShare)} of the latency of the ${top.violatingTraces} traces over ${b.id}'s ${limit} ` +
        `but ${pct(top.goodShare)} of the ${top.goodTraces} within it (${budgetName(b)}): look at ${top.component} first` +
        (f.exemplars.length > 0 ? `, starting with trace ${f.exemplars[0]}.` : "."),
      evidence: {
        component: top.component,
        badShare: top.badShare,
        goodShare: top.goodShare,
        violatingTraces: top.violatingTraces,
        goodTraces: top.goodTraces,
        threshold,
        traceIds: f.exemplars.slice(0, rules.traceIds),
      },
    });
  }
  return out;
}
