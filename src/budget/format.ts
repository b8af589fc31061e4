/** Display of thresholds and values in a budget's unit. */
import { formatBytes, formatDurationMs } from "../units/index.js";
import type { Budget } from "./schema.js";
import type { BudgetPer } from "./types.js";

const SYMBOLS: Record<string, string> = { USD: "$", EUR: "€", GBP: "£" };

/** A number with at most 6 significant digits and no float noise: `0.3`, `12345.7`, `1200`. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** Money: `$0.002`, `$0.40`, `$12.50`, `$1200`, `€3`, `12.50 CHF` (cents shown whenever there is a fraction). */
export function formatMoney(amount: number, currency: string): string {
  let digits = formatNumber(amount);
  if (/\.\d$/.test(digits)) digits += "0";
  const symbol = SYMBOLS[currency];
  return symbol ? `${amount < 0 ? "-" : ""}${symbol}${digits.replace(/^-/, "")}` : `${digits} ${currency}`;
}

const PER_TEXT: Record<BudgetPer, string> = {
  second: "s",
  trace: "trace",
  request: "request",
  "1000-requests": "1000 requests",
  hour: "hour",
  month: "month",
};

/**
 * A value in a unit for people: `312ms`, `1.5 cores`, `512MiB`, `10MiB/s`, `120 requests/s`,
 * `12 queries/trace`, `$0.002/request`. A unit that is not one of the budget units is read as a
 * currency code.
 */
export function formatValue(value: number, unit: string, per?: BudgetPer): string {
  switch (unit) {
    case "ms":
      return formatDurationMs(value);
    case "cores":
      return `${formatNumber(value)} ${value === 1 ? "core" : "cores"}`;
    case "bytes":
      return formatBytes(value);
    case "bytes/s":
      return `${formatBytes(value)}/s`;
    default:
      if (unit.includes("/")) return `${formatNumber(value)} ${unit}`;
      return per === undefined ? formatMoney(value, unit) : `${formatMoney(value, unit)}/${PER_TEXT[per]}`;
  }
}

/**
 * A budget's threshold for display, e.g. `300ms`, `$0.002/request`; `value` (an effective
 * threshold from `resolveThresholds`) replaces the budget's own. A derived child without a
 * value reads `40% of checkout-p99` or `pool "backends" of checkout-p99`.
 */
export function formatThreshold(budget: Budget, value: number | undefined = budget.threshold): string {
  if (value !== undefined) return formatValue(value, budget.unit, budget.family === "cost" ? budget.per : undefined);
  if (budget.share !== undefined && budget.pool === undefined) return `${formatNumber(budget.share * 100)}% of ${budget.parent ?? "parent"}`;
  if (budget.pool !== undefined) return `pool "${budget.pool}" of ${budget.parent ?? "parent"}`;
  return "no threshold";
}
