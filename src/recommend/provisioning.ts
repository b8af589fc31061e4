/** `over-provisioned`: a resource held far above what the service uses, and what it costs. */
import type { Budget } from "../budget/index.js";
import { CostModel, type ResourceUsage } from "../cost/index.js";
import { budgetName, money, pct, proposeValue, show } from "./format.js";
import type { BudgetFacts, Recommendation, RecommendRules } from "./types.js";

/** The resources whose capacity is paid whether used or not (network is paid per byte moved). */
export const RIGHT_SIZED_RESOURCES = ["cpu", "memory", "storage"] as const;
export type RightSizedResource = (typeof RIGHT_SIZED_RESOURCES)[number];

const FIELD: Record<RightSizedResource | "network", keyof ResourceUsage> = { cpu: "cores", memory: "memoryBytes", network: "networkBytesPerSec", storage: "storageBytes" };

/** A resource budget taken as the capacity of its resource, with its last hour of samples. */
export interface CapacityCandidate {
  budget: Budget;
  resource: RightSizedResource;
  /** The effective threshold: the capacity. */
  threshold: number;
  p95: number | null;
  samples: number;
}

/**
 * The capacity budget of each resource of a service: among its `resource.cpu|memory|storage`
 * budgets with `direction: max` and an effective threshold, the one with the largest threshold
 * (ties: the first). That threshold is read as what the service holds (its request/limit).
 */
export function capacityCandidates(budgets: readonly BudgetFacts[]): CapacityCandidate[] {
  const best = new Map<RightSizedResource, CapacityCandidate>();
  for (const f of budgets) {
    const b = f.budget;
    const resource = b.type.slice("resource.".length) as RightSizedResource;
    if (b.family !== "resource" || !RIGHT_SIZED_RESOURCES.includes(resource) || b.direction !== "max") continue;
    const threshold = f.evaluation.threshold;
    if (threshold === null || !(threshold > 0)) continue;
    const old = best.get(resource);
    if (old && old.threshold >= threshold) continue;
    best.set(resource, { budget: b, resource, threshold, p95: f.lastHour.p95, samples: f.lastHour.samples });
  }
  return RIGHT_SIZED_RESOURCES.flatMap((r) => (best.has(r) ? [best.get(r)!] : []));
}

const usageOf = (resource: RightSizedResource, v: number): ResourceUsage => ({ cores: 0, memoryBytes: 0, networkBytesPerSec: 0, storageBytes: 0, [FIELD[resource]]: v });

/**
 * Right-sizing: a capacity budget whose p95 over the last hour (≥ `minSamples` samples) is under
 * `overProvisionedUsage` × its threshold. Proposes the p95 × `headroom` (rounded up to 2
 * significant digits) and prices the difference with the cost model per month (730 h). Info.
 */
export function overProvisioned(candidates: readonly CapacityCandidate[], model: CostModel, rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  for (const c of candidates) {
    const b = c.budget;
    if (c.p95 === null || c.samples < rules.minSamples || !(c.p95 < rules.overProvisionedUsage * c.threshold)) continue;
    const proposed = proposeValue(c.p95 * rules.headroom, b.unit);
    if (!(proposed > 0 && proposed < c.threshold)) continue;
    const current = model.monthly(usageOf(c.resource, c.threshold)).total;
    const after = model.monthly(usageOf(c.resource, proposed)).total;
    const savings = current - after;
    out.push({
      kind: "over-provisioned",
      severity: "info",
      service: b.service,
      budgetId: b.id,
      title: `${b.service}: ${c.resource} is over-provisioned — right-size to ${show(b, proposed)}, save ${money(savings, model.currency)}/month`,
      message:
        `${budgetName(b)}: the p95 over the last hour is ${show(b, c.p95)}, ${pct(c.p95 / c.threshold)} of the ${show(b, c.threshold)} held: ` +
        `right-size to ${show(b, proposed)} (p95 + ${pct(rules.headroom - 1)} headroom) to save ${money(savings, model.currency)} a month ` +
        `(${money(current, model.currency)} → ${money(after, model.currency)} at the configured prices).`,
      evidence: {
        resource: c.resource,
        p95: c.p95,
        threshold: c.threshold,
        usage: c.p95 / c.threshold,
        samples: c.samples,
        currentMonthly: current,
        proposedMonthly: after,
        savingsPerMonth: savings,
        currency: model.currency,
      },
      proposal: { resource: c.resource, threshold: proposed, thresholdText: show(b, proposed), savingsPerMonth: savings, currency: model.currency },
    });
  }
  return out;
}
