import { describe, expect, it } from "vitest";
import {
  BUDGET_TYPES,
  budgetFamily,
  formatMoney,
  formatNumber,
  formatThreshold,
  formatValue,
  matchesJourney,
  unitOf,
  type BudgetType,
} from "../../../src/budget/index.js";
import { VALID, budget } from "./fixtures.js";

describe("formatThreshold", () => {
  const expected: Record<BudgetType, string> = {
    "latency.total": "1.2s",
    "latency.component": "300ms",
    "latency.network": "40ms",
    "latency.processing": "2s",
    "resource.cpu": "0.5 cores",
    "resource.memory": "512MiB",
    "resource.network": "10MiB/s",
    "resource.storage": "18.6GiB",
    "throughput.requests": "100 requests/s",
    "throughput.queries": "12 queries/trace",
    "throughput.transactions": "200 transactions/s",
    "throughput.events": "3 events/trace",
    "cost.performance": "$0.002/request",
    "cost.resource": "$0.12/hour",
    "cost.optimization": "$50/month",
    "cost.infrastructure": "$400/month",
  };
  it.each(BUDGET_TYPES.map((t) => [t, expected[t]]))("shows a %s threshold as %s", (type, text) => {
    expect(formatThreshold(budget(VALID[type].def))).toBe(text);
  });

  it("shows an effective threshold, and a derived child without one", () => {
    const share = budget({ id: "c", type: "latency.component", service: "s", component: "x", quantile: 0.9, parent: "p", share: 0.35 });
    const pool = budget({ id: "d", type: "latency.component", service: "s", component: "y", quantile: 0.9, parent: "p", pool: "backends" });
    expect(formatThreshold(share)).toBe("35% of p");
    expect(formatThreshold(pool)).toBe(`pool "backends" of p`);
    expect(formatThreshold(share, 350)).toBe("350ms");
  });

  it("names other currencies by code and shows cents whenever there is a fraction", () => {
    expect(formatThreshold(budget({ ...VALID["cost.resource"].def, threshold: 0.1 }, { currency: "CHF" }))).toBe("0.10 CHF/hour");
    expect(formatMoney(12.5, "USD")).toBe("$12.50");
    expect(formatMoney(0.002, "EUR")).toBe("€0.002");
    expect(formatMoney(1200, "GBP")).toBe("£1200");
    expect(formatValue(1, "cores")).toBe("1 core");
    expect(formatValue(0.3, "USD", "1000-requests")).toBe("$0.30/1000 requests");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
  });
});

describe("helpers", () => {
  it("budgetFamily is the part before the dot", () => {
    expect(BUDGET_TYPES.map(budgetFamily)).toEqual([
      ...Array<string>(4).fill("latency"),
      ...Array<string>(4).fill("resource"),
      ...Array<string>(4).fill("throughput"),
      ...Array<string>(4).fill("cost"),
    ]);
  });

  it("unitOf names per-second and per-trace throughput and the currency", () => {
    expect(unitOf("throughput.events", "second", "USD")).toBe("events/s");
    expect(unitOf("throughput.events", "trace", "USD")).toBe("events/trace");
    expect(unitOf("cost.resource", "hour", "EUR")).toBe("EUR");
    expect(unitOf("resource.network", undefined, "USD")).toBe("bytes/s");
  });

  it("matchesJourney: the service, and the operation when the budget names one", () => {
    const journey = budget(VALID["latency.total"].def);
    expect(matchesJourney(journey, "frontend", "POST /api/checkout")).toBe(true);
    expect(matchesJourney(journey, "frontend", "GET /api/cart")).toBe(false);
    expect(matchesJourney(journey, "frontend")).toBe(false);
    expect(matchesJourney(journey, "cart", "POST /api/checkout")).toBe(false);
    const service = budget(VALID["latency.processing"].def);
    expect(matchesJourney(service, "frontend", "anything")).toBe(true);
    expect(matchesJourney(service, "frontend")).toBe(true);
    expect(matchesJourney(service, "checkout", "anything")).toBe(false);
  });
});
