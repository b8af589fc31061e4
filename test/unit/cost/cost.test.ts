import { describe, expect, it } from "vitest";
import { formatMoney } from "../../../src/budget/index.js";
import { configSchema } from "../../../src/config/index.js";
import { CostModel, GIB, HOURS_PER_MONTH, serviceUsage, type CostBreakdown } from "../../../src/cost/index.js";
import type { ResourceSample } from "../../../src/resource/index.js";

const MiB = 2 ** 20;
const prices = { coreHour: 0.04, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 };
const model = new CostModel({ prices, currency: "USD" });
// 2 cores, 4 GiB of memory, 1 MiB/s of network, 73 GiB stored
const usage = { cores: 2, memoryBytes: 4 * GIB, networkBytesPerSec: MiB, storageBytes: 73 * GIB };

function expectCost(actual: CostBreakdown, expected: CostBreakdown): void {
  for (const k of ["total", "cpu", "memory", "network", "storage"] as const) expect(actual[k], k).toBeCloseTo(expected[k], 10);
}

describe("CostModel", () => {
  it("prices one hour by hand", () => {
    // cpu 2 × 0.04; memory 4 GiB × 0.005; network 3600 MiB = 3.515625 GiB × 0.09; storage 73 × 0.1 / 730
    expectCost(model.hourly(usage), { cpu: 0.08, memory: 0.02, network: 0.31640625, storage: 0.01, total: 0.42640625 });
  });

  it("a month is 730 hours", () => {
    expect(HOURS_PER_MONTH).toBe(730);
    // storage per month is simply GiB × price
    expectCost(model.monthly(usage), { cpu: 58.4, memory: 14.6, network: 230.9765625, storage: 7.3, total: 311.2765625 });
    expect(formatMoney(model.monthly(usage).total, model.currency)).toBe("$311.277");
  });

  it("nothing used costs nothing", () => {
    expect(model.hourly({ cores: 0, memoryBytes: 0, networkBytesPerSec: 0, storageBytes: 0 })).toEqual({ total: 0, cpu: 0, memory: 0, network: 0, storage: 0 });
  });

  it("per request and per 1000 requests; null without throughput", () => {
    // $0.36 per hour at 100 requests/s = 360 000 requests per hour
    expect(model.perRequest(0.36, 100)).toBeCloseTo(0.000001, 15);
    expect(model.per1000Requests(0.36, 100)).toBeCloseTo(0.001, 15);
    expect(model.perRequest(0.36, 0)).toBeNull();
    expect(model.perRequest(0.36, Number.NaN)).toBeNull();
    expect(model.per1000Requests(0.36, -1)).toBeNull();
    expect(model.perRequest(Number.NaN, 100)).toBeNull();
  });

  it("savings of a right-size, per hour and per month; negative where the proposal costs more", () => {
    const current = { cores: 4, memoryBytes: 8 * GIB, networkBytesPerSec: 0, storageBytes: 0 };
    const proposed = { cores: 1, memoryBytes: 2 * GIB, networkBytesPerSec: 0, storageBytes: 10 * GIB };
    const s = model.savings(current, proposed);
    // cpu 3 × 0.04 = 0.12; memory 6 × 0.005 = 0.03; storage −10 × 0.1 / 730
    expectCost(s.hourly, { cpu: 0.12, memory: 0.03, network: 0, storage: -1 / 730, total: 0.15 - 1 / 730 });
    expectCost(s.monthly, { cpu: 87.6, memory: 21.9, network: 0, storage: -1, total: 108.5 });
  });

  it("takes the configured price table", () => {
    const config = configSchema.parse({ currency: "EUR", prices: { coreHour: "0.05 EUR" } });
    const m = new CostModel({ prices: config.prices, currency: config.currency });
    expect(m.hourly({ cores: 10, memoryBytes: 0, networkBytesPerSec: 0, storageBytes: 0 }).total).toBeCloseTo(0.5, 12);
    expect(m.currency).toBe("EUR");
  });

  it("refuses negative prices and usage (bugs upstream)", () => {
    expect(() => new CostModel({ prices: { ...prices, networkGiB: -1 }, currency: "USD" })).toThrow(RangeError);
    expect(() => model.hourly({ ...usage, cores: Number.NaN })).toThrow(RangeError);
  });
});

describe("serviceUsage", () => {
  const s = (instance: string, resource: ResourceSample["resource"], value: number, timeMs: number, service = "shop"): ResourceSample => ({
    service,
    instance,
    resource,
    value,
    timeMs,
    metric: "m",
  });

  it("is the mean per instance over the window, summed over instances", () => {
    const samples = [
      s("a", "cpu", 1, 1000),
      s("a", "cpu", 3, 2000),
      s("b", "cpu", 0.5, 1500),
      s("a", "memory", 100, 1000),
      s("b", "memory", 300, 1000),
      s("b", "memory", 500, 2000),
      s("a", "network", 1000, 1000),
      s("a", "cpu", 100, 999), // before the window
      s("a", "cpu", 100, 3000), // at its end: [from, to)
      s("c", "cpu", 100, 1500, "other"), // another service
    ];
    const u = serviceUsage(samples, "shop", 1000, 3000);
    expect(u).toEqual({
      cores: 2 + 0.5,
      memoryBytes: 100 + 400,
      networkBytesPerSec: 1000,
      storageBytes: 0,
      instances: { cpu: 2, memory: 2, network: 1, storage: 0 },
      samples: 7,
    });
    // and priced: 2.5 cores × 0.04 + 500 B of memory + 1000 B/s of network
    expect(model.hourly(u).cpu).toBeCloseTo(0.1, 12);
    expect(model.hourly(u).network).toBeCloseTo((1000 * 3600 * 0.09) / GIB, 15);
  });

  it("no samples: zero usage", () => {
    expect(serviceUsage([], "shop", 0, 1)).toMatchObject({ cores: 0, memoryBytes: 0, samples: 0 });
  });
});
