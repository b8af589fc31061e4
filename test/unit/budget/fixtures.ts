// Shared test helpers for the budget model.
import { expect } from "vitest";
import { parseBudget, type Budget, type BudgetType, type ParseOptions } from "../../../src/budget/index.js";
import type { Problem } from "../../../src/errors/index.js";

/** One valid definition per type, with the normalised threshold, unit and per it must give. */
export const VALID: Record<BudgetType, { def: Record<string, unknown>; threshold: number; unit: string; per?: string }> = {
  "latency.total": { def: { id: "lt", type: "latency.total", service: "frontend", operation: "POST /api/checkout", quantile: 0.99, threshold: "1.2s" }, threshold: 1200, unit: "ms" },
  "latency.component": { def: { id: "lc", type: "latency.component", service: "frontend", component: "payment", aggregate: "mean", threshold: 300 }, threshold: 300, unit: "ms" },
  "latency.network": { def: { id: "ln", type: "latency.network", service: "frontend", edge: "checkout->payment", quantile: 0.95, threshold: "40ms" }, threshold: 40, unit: "ms" },
  "latency.processing": { def: { id: "lp", type: "latency.processing", service: "frontend", aggregate: "max", threshold: "2s" }, threshold: 2000, unit: "ms" },
  "resource.cpu": { def: { id: "rc", type: "resource.cpu", service: "payment", quantile: 0.95, threshold: "500m" }, threshold: 0.5, unit: "cores" },
  "resource.memory": { def: { id: "rm", type: "resource.memory", service: "checkout", aggregate: "max", threshold: "512MiB" }, threshold: 512 * 1024 ** 2, unit: "bytes" },
  "resource.network": { def: { id: "rn", type: "resource.network", service: "frontend", quantile: 0.99, threshold: "10MiB/s" }, threshold: 10 * 1024 ** 2, unit: "bytes/s" },
  "resource.storage": { def: { id: "rs", type: "resource.storage", service: "inventory", aggregate: "max", threshold: "20GB" }, threshold: 20e9, unit: "bytes" },
  "throughput.requests": { def: { id: "tr", type: "throughput.requests", service: "frontend", threshold: "100/s" }, threshold: 100, unit: "requests/s", per: "second" },
  "throughput.queries": { def: { id: "tq", type: "throughput.queries", service: "frontend", per: "trace", quantile: 0.95, threshold: 12 }, threshold: 12, unit: "queries/trace", per: "trace" },
  "throughput.transactions": { def: { id: "tt", type: "throughput.transactions", service: "payment", per: "second", threshold: 200 }, threshold: 200, unit: "transactions/s", per: "second" },
  "throughput.events": { def: { id: "te", type: "throughput.events", service: "checkout", per: "trace", aggregate: "mean", threshold: "3/trace" }, threshold: 3, unit: "events/trace", per: "trace" },
  "cost.performance": { def: { id: "cp", type: "cost.performance", service: "frontend", per: "request", threshold: "$0.002" }, threshold: 0.002, unit: "USD", per: "request" },
  "cost.resource": { def: { id: "cr", type: "cost.resource", service: "payment", threshold: 0.12 }, threshold: 0.12, unit: "USD", per: "hour" },
  "cost.optimization": { def: { id: "co", type: "cost.optimization", service: "inventory", threshold: "50 USD" }, threshold: 50, unit: "USD", per: "month" },
  "cost.infrastructure": { def: { id: "ci", type: "cost.infrastructure", service: "cart", per: "month", threshold: "$400" }, threshold: 400, unit: "USD", per: "month" },
};

/** A valid latency definition to vary in tests. */
export const BASE = { id: "checkout-p99", type: "latency.total", service: "checkout", quantile: 0.99, threshold: "300ms" };

/** Parses a definition that must be valid. */
export function budget(def: Record<string, unknown>, opts?: ParseOptions): Budget {
  const r = parseBudget(def, opts);
  if (!r.ok) throw new Error(`expected a valid budget, got ${JSON.stringify(r.problems)}`);
  return r.budget;
}

/** The problems of a definition that must be invalid. */
export function problemsOf(input: unknown, opts?: ParseOptions): Problem[] {
  const r = parseBudget(input, opts);
  expect(r.ok, `expected problems for ${JSON.stringify(input)}`).toBe(false);
  return r.ok ? [] : r.problems;
}

export function pathsOf(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.path);
}
