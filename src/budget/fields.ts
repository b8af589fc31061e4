/**
 * One zod schema per definition field: the shape and the rules a field has on its own, with
 * messages a person can act on. Rules that involve several fields (which fields a type allows,
 * thresholds in the type's unit, allocation) live in `rules.ts`.
 */
import { z } from "zod";
import { parseDurationMs } from "../units/index.js";
import { describeValue } from "./quantity.js";
import { closest } from "./suggest.js";
import { AGGREGATES, ALL_PER, BUDGET_TYPES, DIRECTIONS } from "./types.js";

export const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const POOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const LABEL_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Keys refused anywhere in a definition: they could reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export const LIMITS = {
  serviceChars: 256,
  operationChars: 512,
  componentChars: 256,
  titleChars: 200,
  descriptionChars: 2000,
  labels: 32,
  labelKeyChars: 128,
  labelValueChars: 256,
  minWindowMs: 10_000,
  maxWindowMs: 90 * 86_400_000,
} as const;

export const DEFAULT_WINDOW = "5m";

type Issue = { input?: unknown; code?: string };

/**
 * Runs a check only while its field has no problem yet, so a field gets one message. (Not
 * `abort`: an explicitly aborted issue would also skip the object's cross-field rules.)
 */
const noIssueYet = (payload: { issues: readonly unknown[] }) => payload.issues.length === 0;
// zod runs `when` on every check; its typings only declare it for refinements.
const once = <P extends object>(params: P): P => ({ ...params, when: noIssueYet });

/** Message for a value of the wrong type (or a missing required one). */
function typeError(what: string, example: string) {
  return (iss: Issue) =>
    iss.input === undefined ? `required: ${what}, e.g. ${example}` : `${describeValue(iss.input)} is not ${what}; write e.g. ${example}`;
}

function text(what: string, example: string, maxChars: number) {
  return z
    .string({ error: typeError(what, example) })
    .min(1, once({ error: "is empty; give a value or remove the field" }))
    .max(maxChars, once({ error: (iss) => `is ${String((iss.input as string).length)} characters long; at most ${maxChars} are allowed` }))
    .refine((v) => v.trim() !== "", once({ error: "is empty; give a value or remove the field" }));
}

const id = (what: string) =>
  z
    .string({ error: typeError(what, `"checkout-p99"`) })
    .regex(ID_PATTERN, {
      error: (iss) =>
        `${describeValue(iss.input)} is not a valid id; use 1 to 64 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit`,
    });

/** A limit (threshold, min, max): a number or a text with a unit; its unit is checked per type in `rules.ts`. */
const quantity = (example: string) =>
  z.union([z.number(), z.string()], { error: typeError("a number or a quantity with a unit", example) });

const fraction = (what: string, example: string, inclusiveMax: boolean) => {
  const base = z
    .number({
      error: (iss) =>
        iss.input === undefined
          ? `required: ${what}, e.g. ${example}`
          : typeof iss.input === "string" && /^\s*\d+(\.\d+)?\s*%\s*$/.test(iss.input)
            ? `${describeValue(iss.input)} is a percentage; write ${what} as a fraction, e.g. ${Number.parseFloat(iss.input) / 100}`
            : `${describeValue(iss.input)} is not a number; write ${what} as a fraction, e.g. ${example}`,
    })
    .gt(0, once({ error: (iss) => `${describeValue(iss.input)} is out of range; ${what} is a fraction above 0, e.g. ${example}` }));
  const tooBig = {
    error: (iss: Issue) => {
      const v = iss.input as number;
      const hint = v > 1 && v <= 100 ? `; did you mean ${v / 100}?` : `, e.g. ${example}`;
      return `${describeValue(v)} is out of range; ${what} is a fraction ${inclusiveMax ? "up to and including 1" : "below 1"}${hint}`;
    },
  };
  return inclusiveMax ? base.lte(1, tooBig) : base.lt(1, tooBig);
};

const enumOf = <const T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, {
    error: (iss) => {
      const list = values.map((v) => `"${v}"`).join(", ");
      if (iss.input === undefined) return `required: ${what}, one of ${list}`;
      const guess = typeof iss.input === "string" ? closest(iss.input, values) : undefined;
      return `${describeValue(iss.input)} is not ${what}; ${guess ? `did you mean "${guess}"?` : `use one of ${list}`}`;
    },
  });

const window = z
  .union([z.number(), z.string()], { error: typeError("a duration", `"5m" or "1h"`) })
  .default(DEFAULT_WINDOW)
  .superRefine((v, ctx) => {
    const ms = typeof v === "string" && /^\s*[+-]?[\d.]+\s*$/.test(v) ? undefined : parseDurationMs(v);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `${describeValue(v)} is not a duration; write e.g. "5m", "1h" or "30d"` });
    } else if (ms < LIMITS.minWindowMs || ms > LIMITS.maxWindowMs) {
      ctx.addIssue({ code: "custom", message: `${describeValue(v)} is out of range; a window is between 10s and 90d` });
    }
  });

const labels = z
  .record(
    z
      .string()
      .max(LIMITS.labelKeyChars, once({ error: `a label key has at most ${LIMITS.labelKeyChars} characters` }))
      .regex(
        LABEL_KEY_PATTERN,
        once({ error: (iss) => `${describeValue(iss.input)} is not a valid label key; start with a letter or "_", then letters, digits, "_", "." or "-"` }),
      )
      .refine((k) => !FORBIDDEN_KEYS.has(k), once({ error: (iss) => `${describeValue(iss.input)} is a reserved name; choose another label key` })),
    z
      .string({ error: (iss) => `${describeValue(iss.input)} is not a string; label values are text (quote numbers, e.g. "1")` })
      .max(LIMITS.labelValueChars, { error: `a label value has at most ${LIMITS.labelValueChars} characters` }),
    { error: (iss) => `${describeValue(iss.input)} is not a map of labels; write e.g. { team: payments, tier: "1" }` },
  )
  .superRefine((v, ctx) => {
    const n = Object.keys(v).length;
    if (n > LIMITS.labels) ctx.addIssue({ code: "custom", message: `has ${n} entries; at most ${LIMITS.labels} labels are allowed` });
  });

const edge = text("an edge", `"checkout->payment"`, LIMITS.componentChars * 2 + 2).refine(
  (v) => {
    const parts = v.split("->");
    return parts.length === 2 && parts[0]!.trim() !== "" && parts[1]!.trim() !== "";
  },
  { error: (iss) => `${describeValue(iss.input)} is not an edge; write "caller->callee", e.g. "checkout->payment"` },
);

/** The definition fields, in the order `toDefinition` writes them. */
export const FIELDS = {
  id: id("an id").describe("Unique id: 1-64 characters of a-z, 0-9, _ . -, starting with a letter or digit."),
  type: enumOf("a budget type", BUDGET_TYPES).describe("The budget type (family.kind)."),
  service: text("a service name", `"checkout"`, LIMITS.serviceChars).describe("The service; for latency budgets the journey's root service."),
  operation: text("an operation", `"POST /checkout"`, LIMITS.operationChars)
    .optional()
    .describe("The journey's root operation (span name or http.route); absent = every journey of the service."),
  component: text("a component", `"payment" or "postgresql"`, LIMITS.componentChars)
    .optional()
    .describe("latency.component (required) / latency.processing (optional): a service or virtual component."),
  edge: edge.optional().describe('latency.network: "caller->callee"; absent = all network time of the journey.'),
  quantile: fraction("a quantile", "0.99", false).optional().describe("Quantile of the distribution, 0 < q < 1 (e.g. 0.99); or aggregate."),
  aggregate: enumOf("an aggregate", AGGREGATES).optional().describe("mean or max over the window, instead of a quantile."),
  threshold: quantity(`"300ms", "512MiB", 0.5 or "$0.002"`)
    .optional()
    .describe('The limit in the type\'s unit: a duration ("300ms"; a bare number = ms), cores, bytes, bytes/s, a count or money.'),
  per: enumOf("a per", ALL_PER).optional().describe("throughput: second | trace; cost: request | 1000-requests | hour | month."),
  direction: enumOf("a direction", DIRECTIONS).default("max").describe("max: stay under the threshold (default); min: stay over it."),
  window: window.describe('Evaluation window, between 10s and 90d (default "5m").'),
  target: fraction("a target", "0.99", false).optional().describe("SLO target for the good-event ratio (quantile budgets only), 0 < t < 1."),
  parent: id("a parent id").optional().describe("Allocation: the id of the parent budget."),
  share: fraction("a share", "0.4", true).optional().describe("Allocation: fraction of the parent's threshold, 0 < share <= 1."),
  pool: z
    .string({ error: typeError("a pool name", `"backends"`) })
    .regex(POOL_PATTERN, { error: (iss) => `${describeValue(iss.input)} is not a pool name; use 1 to 64 letters, digits, "_", "." or "-"` })
    .optional()
    .describe("Allocation: children of one parent with the same pool share one allotment."),
  min: quantity(`"50ms"`).optional().describe("Allocation: lower bound of a derived (share or pool) threshold, in the child's unit."),
  max: quantity(`"400ms"`).optional().describe("Allocation: upper bound of a derived (share or pool) threshold, in the child's unit."),
  labels: labels.optional().describe(`Free key/values carried into alerts and metrics (at most ${LIMITS.labels}).`),
  title: text("a title", `"Checkout p99"`, LIMITS.titleChars).optional().describe("Human label."),
  description: z
    .string({ error: typeError("a description", `"Checkout must feel instant"`) })
    .max(LIMITS.descriptionChars, { error: `is too long; at most ${LIMITS.descriptionChars} characters are allowed` })
    .optional()
    .describe("Free text."),
};

export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

/** The value of a field if it is present and valid on its own, else `undefined`. */
export function validField<K extends FieldName>(obj: Record<string, unknown>, key: K): z.output<(typeof FIELDS)[K]> | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  const r = FIELDS[key].safeParse(v);
  return r.success ? (r.data as z.output<(typeof FIELDS)[K]>) : undefined;
}
