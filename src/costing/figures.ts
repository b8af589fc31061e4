/**
 * The value of a cost budget, as pure arithmetic over a service's usage (see docs/recommendations.md,
 * "Cost budgets"):
 * - `cost.resource` (per hour): the hourly cost of the usage — cpu + memory + network + storage;
 * - `cost.infrastructure` (per month): the same × 730 h;
 * - `cost.performance` (per request or per 1000 requests): hourly cost ÷ (requests/s × 3600)
 *   (× 1000);
 * - `cost.optimization` (per month): the monthly cost of the service's capacity after the open
 *   right-sizing recommendations are applied (`rightSizedCapacity`).
 * Null — no observation, the budget shows no-data — without samples in the interval, or (per
 * request) without requests.
 */
import type { Budget } from "../budget/index.js";
import type { CostModel, ResourceUsage, WindowUsage } from "../cost/index.js";
import type { CapacityCandidate, Recommendation } from "../recommend/index.js";

export interface CostInputs {
  /** The service's usage over the interval (`serviceUsage`). */
  usage: WindowUsage;
  /** cost.performance: requests per second over the interval; null when unknown. */
  requestsPerSec?: number | null;
  /** cost.optimization: the capacity before and after right-sizing. */
  capacity?: Capacity;
}

export interface Capacity {
  /** What the service holds: per resource its capacity budget's threshold, else its usage. */
  before: ResourceUsage;
  /** The same with every open right-size applied. */
  after: ResourceUsage;
}

export function costValue(budget: Budget, model: CostModel, inputs: CostInputs): number | null {
  const { usage } = inputs;
  if (usage.samples === 0) return null;
  switch (budget.type) {
    case "cost.resource":
      return model.hourly(usage).total;
    case "cost.infrastructure":
      return model.monthly(usage).total;
    case "cost.performance": {
      const rps = inputs.requestsPerSec;
      if (rps === null || rps === undefined) return null;
      const hourly = model.hourly(usage).total;
      return budget.per === "1000-requests" ? model.per1000Requests(hourly, rps) : model.perRequest(hourly, rps);
    }
    case "cost.optimization":
      return inputs.capacity === undefined ? null : model.monthly(inputs.capacity.after).total;
    default:
      return null;
  }
}

const FIELD = { cpu: "cores", memory: "memoryBytes", storage: "storageBytes" } as const;

/**
 * The capacity of a service, before and after right-sizing. Per resource:
 * - before: the capacity budget's threshold (`capacityCandidates`), never below the usage; a
 *   resource without one (and network, paid per byte) counts at its usage;
 * - after: the `over-provisioned` recommendation's proposed threshold for that budget, never
 *   below the usage; otherwise as before.
 */
export function rightSizedCapacity(usage: ResourceUsage, candidates: readonly CapacityCandidate[], rightSizes: readonly Recommendation[]): Capacity {
  const before: ResourceUsage = { cores: usage.cores, memoryBytes: usage.memoryBytes, networkBytesPerSec: usage.networkBytesPerSec, storageBytes: usage.storageBytes };
  const after: ResourceUsage = { ...before };
  for (const c of candidates) {
    const f = FIELD[c.resource];
    before[f] = Math.max(c.threshold, usage[f]);
    const rec = rightSizes.find((r) => r.kind === "over-provisioned" && r.budgetId === c.budget.id);
    const proposed = rec?.proposal?.threshold;
    after[f] = typeof proposed === "number" ? Math.max(proposed, usage[f]) : before[f];
  }
  return { before, after };
}
