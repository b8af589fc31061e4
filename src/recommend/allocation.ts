/** `reallocate`: a parent budget whose children's allotments do not match where the time goes. */
import { formatThreshold, proposeAllocation } from "../budget/index.js";
import { pct } from "./format.js";
import type { BudgetFacts, JourneyFacts, Recommendation, RecommendRules } from "./types.js";

/**
 * Observed shares of the journeys' latency (keys as `allocationKey`: component, `caller->callee`,
 * `processing`, `network`, `total`) over `journeys` (those of the parent's operation, or all).
 */
export function journeyShares(journeys: readonly JourneyFacts[]): { shares: Map<string, number>; traces: number; meanDurationMs: number | null } {
  const sums = new Map<string, number>();
  let total = 0;
  let traces = 0;
  let processing = 0;
  let network = 0;
  for (const j of journeys) {
    traces += j.traces;
    total += j.durationNs;
    for (const [k, ns] of Object.entries(j.components)) {
      sums.set(k, (sums.get(k) ?? 0) + ns);
      processing += ns;
    }
    for (const [k, e] of Object.entries(j.edges)) {
      sums.set(k, (sums.get(k) ?? 0) + e.ns);
      network += e.ns;
    }
  }
  const shares = new Map<string, number>();
  if (total > 0) {
    for (const [k, ns] of sums) shares.set(k, ns / total);
    shares.set("processing", processing / total);
    shares.set("network", network / total);
    shares.set("total", 1);
  }
  return { shares, traces, meanDurationMs: traces > 0 ? total / traces / 1e6 : null };
}

/**
 * For each latency parent with children: the children's allotments (effective threshold ÷ the
 * parent's) against their observed shares of the parent's journeys (≥ `minTraces` recent
 * traces). Fires when a child's allotted and observed shares differ by a factor of at least
 * `reallocateRatio` and by at least `reallocateMinDelta`; proposes `proposeAllocation`. Warning
 * when a child is violated now, else info.
 */
export function reallocate(budgets: readonly BudgetFacts[], journeys: readonly JourneyFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  const byId = new Map(budgets.map((f) => [f.budget.id, f]));
  for (const parentFacts of budgets) {
    const parent = parentFacts.budget;
    const parentThreshold = parentFacts.evaluation.threshold;
    if (parent.family !== "latency" || parentThreshold === null || !(parentThreshold > 0)) continue;
    const children = budgets.filter((f) => f.budget.parent === parent.id && f.budget.family === "latency");
    if (children.length === 0) continue;
    const mine = journeys.filter((j) => parent.operation === undefined || j.operation === parent.operation);
    const { shares, traces, meanDurationMs } = journeyShares(mine);
    if (traces < rules.minTraces || shares.size === 0) continue;
    const current = new Map<string, number>();
    for (const c of children) if (c.evaluation.threshold !== null) current.set(c.budget.id, c.evaluation.threshold);
    const proposal = proposeAllocation(
      parent,
      children.map((c) => c.budget),
      shares,
      { parentThreshold, current, ...(meanDurationMs !== null ? { parentObserved: meanDurationMs } : {}) },
    );
    const off: Array<{ id: string; allotted: number; observed: number; delta: number }> = [];
    for (const p of proposal.children) {
      const now = current.get(p.id);
      if (p.basis !== "observed" || p.observedShare === undefined || now === undefined) continue;
      const allotted = now / parentThreshold;
      const observed = p.observedShare;
      const lo = Math.min(allotted, observed);
      const hi = Math.max(allotted, observed);
      if ((lo > 0 && hi / lo < rules.reallocateRatio) || hi - lo < rules.reallocateMinDelta) continue;
      off.push({ id: p.id, allotted, observed, delta: hi - lo });
    }
    // The child furthest off leads the sentence (ties: by id).
    off.sort((a, b) => b.delta - a.delta || (a.id < b.id ? -1 : 1));
    const worst = off[0];
    if (!worst) continue;
    const child = byId.get(worst.id)!.budget;
    const proposedChild = proposal.children.find((c) => c.id === worst.id)!;
    const violated = children.some((c) => c.evaluation.status === "violated");
    const list = proposal.children.map((c) => `${c.id} ${pct(c.share)} (${formatThreshold(byId.get(c.id)!.budget, c.threshold)})`).join(", ");
    out.push({
      kind: "reallocate",
      severity: violated ? "warning" : "info",
      service: parent.service,
      budgetId: parent.id,
      title: `${parent.id}: re-allocate to its children by observed shares`,
      message:
        `${child.id} is allotted ${pct(worst.allotted)} of ${parent.id}'s ${formatThreshold(parent, parentThreshold)} but ${proposedChild.key} takes ${pct(worst.observed)} of the latency of ` +
        `${parent.operation ?? `${parent.service}'s journeys`} (${traces} recent traces): re-allocate by observed shares — ${list}.`,
      evidence: {
        parentThreshold,
        traces,
        meanDurationMs,
        child: child.id,
        childrenOff: off.length,
        allottedShare: worst.allotted,
        observedShare: worst.observed,
        proposedThreshold: proposedChild.threshold,
      },
      proposal: { ...proposal },
    });
  }
  return out;
}
