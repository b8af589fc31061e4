/** The one sentence a person reads in an alert, and the names of what a budget measures. */
import { formatThreshold, formatValue, formatNumber, type Budget } from "../budget/index.js";
import { formatDurationMs } from "../units/index.js";
import type { ComponentShare } from "./types.js";

type Described = Pick<Budget, "type" | "service" | "operation" | "component" | "edge" | "quantile" | "aggregate" | "per" | "unit" | "family" | "direction">;

/** `p99`, `p99.9`, `mean`, `max`, or "" for budgets without a statistic (per-second rates, cost). */
export function statisticLabel(b: Pick<Budget, "quantile" | "aggregate">): string {
  if (b.quantile !== undefined) return `p${formatNumber(Number((b.quantile * 100).toPrecision(6)))}`;
  return b.aggregate ?? "";
}

const THINGS: Record<string, string> = { requests: "request", queries: "query", transactions: "transaction", events: "event" };
const RESOURCE: Record<string, string> = { cpu: "CPU", memory: "memory", network: "network throughput", storage: "storage" };
const COST: Record<string, string> = { performance: "cost", resource: "resource cost", optimization: "right-sized monthly cost", infrastructure: "infrastructure cost" };

/** What is measured, without the service: `p99 latency`, `mean payment latency`, `p99 network latency checkout->payment`, `request rate`, `p95 queries per trace`. */
export function measureLabel(b: Described): string {
  const kind = b.type.slice(b.type.indexOf(".") + 1);
  let what: string;
  switch (b.family) {
    case "latency":
      what =
        b.type === "latency.component"
          ? `${b.component ?? "component"} latency`
          : b.type === "latency.processing"
            ? b.component !== undefined
              ? `${b.component} processing latency`
              : "processing latency"
            : b.type === "latency.network"
              ? b.edge !== undefined
                ? `network latency ${b.edge}`
                : "network latency"
              : "latency";
      break;
    case "throughput":
      what = b.per === "trace" ? `${kind} per trace` : `${THINGS[kind] ?? kind} rate`;
      break;
    case "resource":
      what = RESOURCE[kind] ?? kind;
      break;
    default:
      what = COST[kind] ?? kind;
  }
  const stat = statisticLabel(b);
  return stat === "" ? what : `${stat} ${what}`;
}

/** A value for a sentence: 3 significant digits in the budget's unit. */
export function displayValue(b: Pick<Budget, "unit" | "family" | "per">, v: number): string {
  const rounded = Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(3)) : v;
  return formatValue(rounded, b.unit, b.family === "cost" ? b.per : undefined);
}

function percent(usage: number | null): string {
  return usage === null ? "" : ` (${Math.round(usage * 100)} %)`;
}

function topText(top: readonly ComponentShare[]): string {
  const first = top[0];
  return first === undefined ? "" : `; top: ${first.component} ${Math.round(first.share * 100)} %`;
}

/**
 * E.g. `checkout p99 latency 412ms is over its 300ms budget (137 %) for POST /checkout; top: payment 61 %`;
 * a floor (`direction: min`) reads `is below its 5 requests/s floor`.
 */
export function firingSummary(b: Described & Pick<Budget, "threshold" | "share" | "pool" | "parent">, observed: number, threshold: number, usage: number | null, top: readonly ComponentShare[]): string {
  const limit = b.direction === "min" ? `is below its ${formatThreshold(b as Budget, threshold)} floor` : `is over its ${formatThreshold(b as Budget, threshold)} budget`;
  const op = b.operation !== undefined ? ` for ${b.operation}` : "";
  return `${b.service} ${measureLabel(b)} ${displayValue(b, observed)} ${limit}${percent(usage)}${op}${topText(top)}`;
}

/** E.g. `checkout p99 latency 250ms is back within its 300ms budget (83 %) for POST /checkout; the incident lasted 4m`. */
export function resolvedSummary(b: Described & Pick<Budget, "threshold" | "share" | "pool" | "parent">, observed: number, threshold: number, usage: number | null, lastedMs: number): string {
  const limit = b.direction === "min" ? `is back above its ${formatThreshold(b as Budget, threshold)} floor` : `is back within its ${formatThreshold(b as Budget, threshold)} budget`;
  const op = b.operation !== undefined ? ` for ${b.operation}` : "";
  return `${b.service} ${measureLabel(b)} ${displayValue(b, observed)} ${limit}${percent(usage)}${op}; the incident lasted ${formatDurationMs(Math.max(0, lastedMs))}`;
}

/** The sentence of an incident closed because its budget was removed. */
export function removedSummary(budgetId: string, service: string, lastedMs: number): string {
  return `budget ${budgetId} of ${service} was removed while its alert was firing; the incident is closed after ${formatDurationMs(Math.max(0, lastedMs))}`;
}
