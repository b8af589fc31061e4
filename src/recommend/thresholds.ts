/**
 * `threshold-too-tight` and `threshold-too-loose`: a budget's threshold against what its service
 * actually does, so a budget neither cries wolf nor sleeps.
 */
import { formatThreshold, isDerived, type Budget } from "../budget/index.js";
import { budgetName, pct, proposeValue, show } from "./format.js";
import type { BudgetFacts, Recommendation, RecommendRules, WindowPoint } from "./types.js";

const TIGHT_FAMILIES = new Set(["latency", "resource", "throughput"]);
/** Resource budgets far under their threshold are `over-provisioned` (with the money), not "too loose". */
const LOOSE_FAMILIES = new Set(["latency", "throughput"]);

/** Budgets the threshold rules judge: a ceiling of their own (not a derived child), of a judged family. */
function judged(f: BudgetFacts, families: ReadonlySet<string>): f is BudgetFacts & { evaluation: { threshold: number } } {
  const b = f.budget;
  return families.has(b.family) && b.direction === "max" && !isDerived(b) && f.evaluation.threshold !== null && f.evaluation.threshold > 0;
}

const withData = (points: readonly WindowPoint[]) => points.filter((p): p is WindowPoint & { observed: number } => p.observed !== null && Number.isFinite(p.observed));

/** Ids of the budget's ancestors and descendants (its allocation tree), which measure parts of the same thing. */
function relatives(b: Budget, all: readonly BudgetFacts[]): Set<string> {
  const byId = new Map(all.map((f) => [f.budget.id, f.budget]));
  const out = new Set<string>();
  for (let p = b.parent; p !== undefined && !out.has(p); p = byId.get(p)?.parent) out.add(p);
  const queue = [b.id];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const f of all) {
      if (f.budget.parent === id && !out.has(f.budget.id) && f.budget.id !== b.id) {
        out.add(f.budget.id);
        queue.push(f.budget.id);
      }
    }
  }
  return out;
}

/**
 * Too tight: over the last hour the budget's statistic is at least `tightFactor` × the threshold,
 * at least `tightPersistence` of the last hour's windows (≥ `minWindows` with data) are over it,
 * and no other budget of the service (outside its allocation tree) is violated — the service is
 * healthy otherwise, so the threshold, not the service, is what is wrong. Proposes the last
 * hour's value × `headroom`.
 */
export function thresholdTooTight(budgets: readonly BudgetFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  for (const f of budgets) {
    if (!judged(f, TIGHT_FAMILIES)) continue;
    const b = f.budget;
    const threshold = f.evaluation.threshold;
    const observed = f.lastHour.observed;
    if (observed === null || observed < rules.tightFactor * threshold) continue;
    const points = withData(f.history.base);
    if (points.length < rules.minWindows) continue;
    const over = points.filter((p) => p.observed > threshold).length;
    if (over / points.length < rules.tightPersistence) continue;
    const rel = relatives(b, budgets);
    const violatedElsewhere = budgets.filter((o) => o.budget.id !== b.id && !rel.has(o.budget.id) && o.evaluation.status === "violated");
    if (violatedElsewhere.length > 0) continue;
    const proposed = proposeValue(observed * rules.headroom, b.unit);
    out.push({
      kind: "threshold-too-tight",
      severity: "warning",
      service: b.service,
      budgetId: b.id,
      title: `${b.id}: threshold ${formatThreshold(b, threshold)} is below what ${b.service} does`,
      message:
        `${budgetName(b)} has been ${show(b, observed)} over the last hour, ${pct(observed / threshold)} of its ${formatThreshold(b, threshold)} threshold, ` +
        `with ${over} of ${points.length} windows over it while the service's other budgets are met: ` +
        `raise the threshold to ${formatThreshold(b, proposed)} (the observed value + ${pct(rules.headroom - 1)} headroom), or fix the service if ${formatThreshold(b, threshold)} is a hard requirement.`,
      evidence: {
        threshold,
        observedLastHour: observed,
        usage: observed / threshold,
        windowsOver: over,
        windows: points.length,
        samplesLastHour: f.lastHour.samples,
        ...(f.lastDay?.observed != null ? { observedLastDay: f.lastDay.observed } : {}),
      },
      proposal: { threshold: proposed, thresholdText: formatThreshold(b, proposed) },
    });
  }
  return out;
}

/**
 * Too loose: no recent window's statistic exceeds `looseUsage` × the threshold — the 1-minute
 * windows of the last day when there are at least `minWindows` of them with data, else the base
 * windows of the last hour (again at least `minWindows`). Proposes the largest window value ×
 * `headroom` (nothing when that value is 0).
 */
export function thresholdTooLoose(budgets: readonly BudgetFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  for (const f of budgets) {
    if (!judged(f, LOOSE_FAMILIES)) continue;
    const b = f.budget;
    const threshold = f.evaluation.threshold;
    const minutes = withData(f.history.minutes);
    const useMinutes = minutes.length >= rules.minWindows;
    const points = useMinutes ? minutes : withData(f.history.base);
    if (points.length < rules.minWindows) continue;
    const max = points.reduce((m, p) => Math.max(m, p.observed), -Infinity);
    if (!(max > 0) || max > rules.looseUsage * threshold) continue;
    const proposed = proposeValue(max * rules.headroom, b.unit);
    const span = useMinutes ? `${points.length} one-minute windows of the last day` : `${points.length} windows of the last hour`;
    out.push({
      kind: "threshold-too-loose",
      severity: "info",
      service: b.service,
      budgetId: b.id,
      title: `${b.id}: threshold ${formatThreshold(b, threshold)} is never approached`,
      message:
        `${budgetName(b)} has stayed at or under ${show(b, max)} (${pct(max / threshold)} of its ${formatThreshold(b, threshold)} threshold) in all ${span}: ` +
        `tighten it to ${formatThreshold(b, proposed)} (the highest window + ${pct(rules.headroom - 1)} headroom) so that a regression is caught.`,
      evidence: {
        threshold,
        maxObserved: max,
        maxUsage: max / threshold,
        windows: points.length,
        resolution: useMinutes ? "1m" : "base",
        ...(f.lastDay?.observed != null ? { observedLastDay: f.lastDay.observed } : {}),
      },
      proposal: { threshold: proposed, thresholdText: formatThreshold(b, proposed) },
    });
  }
  return out;
}
