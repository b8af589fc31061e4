/**
 * The vocabulary of budgets: the 16 types, their families, the `per` each type allows, and the
 * unit a threshold is normalised to. Everything else in this folder derives from these tables.
 */

export const BUDGET_FAMILIES = ["latency", "resource", "throughput", "cost"] as const;
export type BudgetFamily = (typeof BUDGET_FAMILIES)[number];

export const BUDGET_TYPES = [
  "latency.total",
  "latency.component",
  "latency.network",
  "latency.processing",
  "resource.cpu",
  "resource.memory",
  "resource.network",
  "resource.storage",
  "throughput.requests",
  "throughput.queries",
  "throughput.transactions",
  "throughput.events",
  "cost.performance",
  "cost.resource",
  "cost.optimization",
  "cost.infrastructure",
] as const;
export type BudgetType = (typeof BUDGET_TYPES)[number];

export const THROUGHPUT_PER = ["second", "trace"] as const;
export const COST_PER = ["request", "1000-requests", "hour", "month"] as const;
export const ALL_PER = [...THROUGHPUT_PER, ...COST_PER] as const;
export type BudgetPer = (typeof ALL_PER)[number];

export const AGGREGATES = ["mean", "max"] as const;
export type BudgetAggregate = (typeof AGGREGATES)[number];

export const DIRECTIONS = ["max", "min"] as const;
export type BudgetDirection = (typeof DIRECTIONS)[number];

/** The `per` values a type accepts; an empty list means the type takes no `per`. */
export const ALLOWED_PER: Readonly<Record<BudgetType, readonly BudgetPer[]>> = {
  "latency.total": [],
  "latency.component": [],
  "latency.network": [],
  "latency.processing": [],
  "resource.cpu": [],
  "resource.memory": [],
  "resource.network": [],
  "resource.storage": [],
  "throughput.requests": THROUGHPUT_PER,
  "throughput.queries": THROUGHPUT_PER,
  "throughput.transactions": THROUGHPUT_PER,
  "throughput.events": THROUGHPUT_PER,
  "cost.performance": ["request", "1000-requests"],
  "cost.resource": ["hour"],
  "cost.optimization": ["month"],
  "cost.infrastructure": ["month"],
};

/**
 * The `per` used when the definition gives none. Throughput defaults to a rate (`second`);
 * cost.performance has no default (a cost per request and per 1000 requests differ by 1000×).
 */
export const DEFAULT_PER: Readonly<Partial<Record<BudgetType, BudgetPer>>> = {
  "throughput.requests": "second",
  "throughput.queries": "second",
  "throughput.transactions": "second",
  "throughput.events": "second",
  "cost.resource": "hour",
  "cost.optimization": "month",
  "cost.infrastructure": "month",
};

/** Types that describe a whole service and so take no `operation` (resource metrics carry no journey). */
export const SERVICE_LEVEL_TYPES: ReadonlySet<BudgetType> = new Set<BudgetType>([
  "resource.cpu",
  "resource.memory",
  "resource.network",
  "resource.storage",
  "cost.resource",
  "cost.optimization",
  "cost.infrastructure",
]);

/** How a threshold of a type is written and parsed. */
export type QuantityKind = "duration" | "cores" | "bytes" | "byteRate" | "count" | "money";

export function budgetFamily(type: BudgetType): BudgetFamily {
  return type.slice(0, type.indexOf(".")) as BudgetFamily;
}

export function isBudgetType(v: unknown): v is BudgetType {
  return typeof v === "string" && (BUDGET_TYPES as readonly string[]).includes(v);
}

export function quantityKind(type: BudgetType): QuantityKind {
  switch (type) {
    case "resource.cpu":
      return "cores";
    case "resource.memory":
    case "resource.storage":
      return "bytes";
    case "resource.network":
      return "byteRate";
    default: {
      const family = budgetFamily(type);
      return family === "latency" ? "duration" : family === "throughput" ? "count" : "money";
    }
  }
}

/**
 * The unit a threshold of this type is normalised to: `ms`, `cores`, `bytes`, `bytes/s`,
 * `<things>/s` or `<things>/trace` for throughput, and the currency code for cost.
 */
export function unitOf(type: BudgetType, per: BudgetPer | undefined, currency: string): string {
  switch (quantityKind(type)) {
    case "duration":
      return "ms";
    case "cores":
      return "cores";
    case "bytes":
      return "bytes";
    case "byteRate":
      return "bytes/s";
    case "money":
      return currency;
    case "count": {
      const things = type.slice(type.indexOf(".") + 1);
      return `${things}/${per === "trace" ? "trace" : "s"}`;
    }
  }
}

/**
 * Whether a budget of this type (and `per`) summarises a distribution and so needs exactly one
 * of `quantile` or `aggregate`: latency, resource and per-trace throughput. A per-second rate
 * and a cost are one value per window.
 */
export function needsStatistic(type: BudgetType, per: BudgetPer | undefined): boolean {
  const family = budgetFamily(type);
  return family === "latency" || family === "resource" || (family === "throughput" && per === "trace");
}
