// Cost budget values by hand: the arithmetic of docs/recommendations.md ("Cost budgets").
import { describe, expect, it } from "vitest";
import { costValue, rightSizedCapacity } from "../../../src/costing/index.js";
import { CostModel, GIB, serviceUsage } from "../../../src/cost/index.js";
import type { Recommendation } from "../../../src/recommend/index.js";
import type { ResourceSample } from "../../../src/resource/index.js";
import { budget } from "../evaluate/helpers.js";

const MiB = 2 ** 20;
const model = new CostModel({ prices: { coreHour: 0.04, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 }, currency: "USD" });

function sample(resource: ResourceSample["resource"], value: number, instance = "i-1", timeMs = 1000): ResourceSample {
  return { service: "api", instance, resource, value, timeMs, metric: "test" };
}

/** Two instances of 0.25 cores and 1 GiB each: 0.5 cores and 2 GiB. */
const usage = serviceUsage(
  [sample("cpu", 0.25, "i-1"), sample("cpu", 0.25, "i-2"), sample("memory", GIB, "i-1"), sample("memory", GIB, "i-2")],
  "api",
  0,
  2000,
);

const resource = budget({ id: "r", type: "cost.resource", service: "api", threshold: 0.05 });
const infra = budget({ id: "i", type: "cost.infrastructure", service: "api", threshold: 20 });
const per1k = budget({ id: "k", type: "cost.performance", service: "api", per: "1000-requests", threshold: 0.001 });
const perRequest = budget({ id: "q", type: "cost.performance", service: "api", per: "request", threshold: 0.000001 });
const optimization = budget({ id: "o", type: "cost.optimization", service: "api", threshold: 10 });

describe("cost budget values", () => {
  it("cost.resource: 0.5 cores × 0.04 + 2 GiB × 0.005 = 0.03 per hour", () => {
    expect(usage).toMatchObject({ cores: 0.5, memoryBytes: 2 * GIB, samples: 4, instances: { cpu: 2, memory: 2 } });
    expect(costValue(resource, model, { usage })).toBeCloseTo(0.03, 12);
  });

  it("cost.infrastructure: 0.03 × 730 = 21.9 per month", () => {
    expect(costValue(infra, model, { usage })).toBeCloseTo(21.9, 12);
  });

  it("cost.performance: at 10 requests/s, 0.03 / 36 000 per request, × 1000 per 1000 requests", () => {
    expect(costValue(per1k, model, { usage, requestsPerSec: 10 })).toBeCloseTo(0.03 / 36, 15); // 0.000833…
    expect(costValue(perRequest, model, { usage, requestsPerSec: 10 })).toBeCloseTo(0.03 / 36_000, 18);
  });

  it("every resource counts: network per GiB moved, storage per GiB-month", () => {
    // + 1 MiB/s: 3600 MiB an hour = 3.515625 GiB × 0.09 = 0.31640625; + 73 GiB stored: 73 × 0.1 / 730 = 0.01
    const all = serviceUsage([sample("cpu", 0.5), sample("memory", 2 * GIB), sample("network", MiB), sample("storage", 73 * GIB)], "api", 0, 2000);
    expect(costValue(resource, model, { usage: all })).toBeCloseTo(0.03 + 0.31640625 + 0.01, 12);
    expect(costValue(infra, model, { usage: all })).toBeCloseTo((0.03 + 0.31640625 + 0.01) * 730, 10);
  });

  it("no samples, or no requests, is no value (the budget shows no-data)", () => {
    const none = serviceUsage([], "api", 0, 2000);
    for (const b of [resource, infra, per1k, optimization]) expect(costValue(b, model, { usage: none, requestsPerSec: 10 }), b.id).toBeNull();
    expect(costValue(per1k, model, { usage, requestsPerSec: 0 })).toBeNull();
    expect(costValue(per1k, model, { usage, requestsPerSec: null })).toBeNull();
    expect(costValue(per1k, model, { usage })).toBeNull();
    expect(costValue(optimization, model, { usage })).toBeNull();
  });
});

describe("cost.optimization", () => {
  const cpuBudget = budget({ id: "api-cpu", type: "resource.cpu", service: "api", quantile: 0.95, threshold: 2 });
  const memBudget = budget({ id: "api-mem", type: "resource.memory", service: "api", quantile: 0.95, threshold: "4GiB" });
  const rightSize = (budgetId: string, threshold: number): Recommendation => ({
    kind: "over-provisioned",
    severity: "info",
    service: "api",
    budgetId,
    title: "t",
    message: "m",
    evidence: {},
    proposal: { threshold },
  });

  it("prices the capacity after right-sizing: 0.6 cores (was 2) and 2 GiB used (no memory budget)", () => {
    const capacity = rightSizedCapacity(usage, [{ budget: cpuBudget, resource: "cpu", threshold: 2, p95: 0.5, samples: 30 }], [rightSize("api-cpu", 0.6)]);
    expect(capacity.before).toEqual({ cores: 2, memoryBytes: 2 * GIB, networkBytesPerSec: 0, storageBytes: 0 });
    expect(capacity.after).toEqual({ cores: 0.6, memoryBytes: 2 * GIB, networkBytesPerSec: 0, storageBytes: 0 });
    // 0.6 × 0.04 × 730 + 2 × 0.005 × 730 = 17.52 + 7.3 = 24.82 (before: 58.4 + 7.3 = 65.7)
    expect(costValue(optimization, model, { usage, capacity })).toBeCloseTo(24.82, 10);
    expect(model.monthly(capacity.before).total).toBeCloseTo(65.7, 10);
  });

  it("never prices a capacity below what is used, and keeps a budget's capacity without a right-size", () => {
    // A 0.25-core budget under 0.5 cores used; a 4 GiB memory budget without a recommendation.
    const capacity = rightSizedCapacity(
      usage,
      [
        { budget: cpuBudget, resource: "cpu", threshold: 0.25, p95: 0.5, samples: 30 },
        { budget: memBudget, resource: "memory", threshold: 4 * GIB, p95: GIB, samples: 30 },
      ],
      [rightSize("api-cpu", 0.1), rightSize("other", 1)],
    );
    expect(capacity.before).toMatchObject({ cores: 0.5, memoryBytes: 4 * GIB });
    expect(capacity.after).toMatchObject({ cores: 0.5, memoryBytes: 4 * GIB });
  });
});
