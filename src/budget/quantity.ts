/**
 * Thresholds (and `min`/`max` bounds) in the unit of their budget type, parsed to the base unit
 * with a message a person can act on when the text is not of the expected form.
 */
import { parseByteRate, parseBytes, parseCores, parseCount, parseDurationMs, parseMoney } from "../units/index.js";
import type { BudgetPer, QuantityKind } from "./types.js";

export type QuantityResult = { ok: true; value: number } | { ok: false; message: string };

const EXAMPLES: Record<QuantityKind, string> = {
  duration: `a duration; write e.g. "300ms" or "1.5s" (a bare number is milliseconds)`,
  cores: `a CPU quantity; write cores, e.g. 0.5, "2 cores" or "500m" (millicores)`,
  bytes: `a size; write e.g. "512MiB", "1.5GB" or a number of bytes`,
  byteRate: `a byte rate; write e.g. "10MiB/s", "1.5MB/s" or a number of bytes per second`,
  count: `a count; write a non-negative number, e.g. 12, "100/s" or "12/trace"`,
  money: `an amount of money; write e.g. 0.002, "$1200" or "12.50 EUR"`,
};

/** What the value is not, for messages: `"300" is not a duration; write e.g. …`. */
export function notA(kind: QuantityKind, v: unknown): string {
  return `${describeValue(v)} is not ${EXAMPLES[kind]}`;
}

const PLAIN_NUMBER_STRING = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;
const PER_SECOND_SUFFIX = /\/\s*s(ec(ond)?)?\s*$/i;
const PER_TRACE_SUFFIX = /\/\s*trace\s*$/i;

/**
 * Parses `v` as a quantity of `kind`. Rules beyond the unit parsers:
 * - a duration written as a string must carry a unit (`"300"` is refused: a quoted number is
 *   more likely a mistake than a deliberate millisecond count; a bare number is milliseconds);
 * - a count whose text says `/s` or `/trace` must agree with the budget's `per`;
 * - money naming a currency must name the configured one.
 */
export function parseQuantity(
  kind: QuantityKind,
  v: unknown,
  ctx: { currency: string; per?: BudgetPer | undefined },
): QuantityResult {
  if (typeof v === "number" && !Number.isFinite(v)) return { ok: false, message: `${describeValue(v)} is not a finite number` };
  if (typeof v === "number" && v < 0) return { ok: false, message: `${describeValue(v)} is negative; a limit is a non-negative quantity` };
  if (typeof v !== "number" && typeof v !== "string") return { ok: false, message: notA(kind, v) };
  switch (kind) {
    case "duration": {
      if (typeof v === "string" && PLAIN_NUMBER_STRING.test(v)) return { ok: false, message: notA(kind, v) };
      return wrap(kind, v, parseDurationMs(v));
    }
    case "cores":
      return wrap(kind, v, parseCores(v));
    case "bytes":
      return wrap(kind, v, parseBytes(v));
    case "byteRate":
      return wrap(kind, v, parseByteRate(v));
    case "count": {
      const n = parseCount(v);
      if (n === undefined) return { ok: false, message: notA(kind, v) };
      if (typeof v === "string") {
        if (PER_SECOND_SUFFIX.test(v) && ctx.per === "trace") {
          return { ok: false, message: `${describeValue(v)} is a rate per second but per is "trace"; write a count per trace, e.g. "12"` };
        }
        if (PER_TRACE_SUFFIX.test(v) && ctx.per !== "trace") {
          return { ok: false, message: `${describeValue(v)} is a count per trace but per is "${ctx.per ?? "second"}"; set per: trace` };
        }
      }
      return { ok: true, value: n };
    }
    case "money": {
      const m = parseMoney(v);
      if (m === undefined) return { ok: false, message: notA(kind, v) };
      if (m.currency !== undefined && m.currency !== ctx.currency) {
        return { ok: false, message: `${describeValue(v)} is in ${m.currency} but amounts are configured in ${ctx.currency}; write the amount in ${ctx.currency}` };
      }
      return { ok: true, value: m.amount };
    }
  }
}

function wrap(kind: QuantityKind, v: unknown, n: number | undefined): QuantityResult {
  return n === undefined || !Number.isFinite(n) ? { ok: false, message: notA(kind, v) } : { ok: true, value: n };
}

/** A short, never-throwing rendering of any input value for messages. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    case "undefined":
      return "nothing";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      if (v === null) return "an empty value (null)";
      return Array.isArray(v) ? "a list" : "an object";
  }
}

/** Whether a text is exactly how JavaScript writes that number (`"12"`, `"0.5"`, `"1e-7"`): such text round-trips as a number. */
export function isPlainNumberText(s: string): boolean {
  const n = Number(s);
  return Number.isFinite(n) && String(n) === s;
}
