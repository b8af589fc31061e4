/**
 * `parseBudget`: one definition in, a normalised `Budget` or every problem out. `toDefinition`:
 * the way back, to a clean definition that parses to an equal `Budget`.
 */
import type { z } from "zod";
import type { Problem } from "../errors/index.js";
import { parseDurationMs } from "../units/index.js";
import { FIELD_NAMES, FORBIDDEN_KEYS, type FieldName } from "./fields.js";
import { describeValue, isPlainNumberText } from "./quantity.js";
import { effectivePer, quantityOf } from "./rules.js";
import { budgetDefinitionSchema, normaliseCurrency, DEFAULT_CURRENCY, type Budget, type BudgetDefinition } from "./schema.js";
import { closest } from "./suggest.js";
import { budgetFamily, unitOf, type BudgetPer, type BudgetType } from "./types.js";

export interface ParseOptions {
  /** The currency amounts are configured in (ISO code, default USD); cost thresholds naming another are refused. */
  currency?: string;
}

export type ParseResult = { ok: true; budget: Budget } | { ok: false; problems: Problem[] };

/**
 * Validates and normalises one budget definition. Never throws for any input (except an invalid
 * `opts.currency`, which is configuration); lists every problem with a dotted path
 * (`threshold`, `labels.team`) and a reason a person can act on. Keys `__proto__`,
 * `constructor` and `prototype` are refused wherever they appear; the result is built from
 * fresh objects, never from the input.
 */
export function parseBudget(input: unknown, opts: ParseOptions = {}): ParseResult {
  const currency = normaliseCurrency(opts.currency ?? DEFAULT_CURRENCY);
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [{ path: "", message: `${describeValue(input)} is not a budget; a budget is an object of fields, e.g. { id: checkout-p99, type: latency.total, service: checkout, quantile: 0.99, threshold: 300ms }` }],
    };
  }
  const problems: Problem[] = [];
  const clean = sanitise(input as Record<string, unknown>, problems);
  const r = budgetDefinitionSchema(currency).safeParse(clean);
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: unknownFieldMessage(key) });
      } else if (issue.code === "invalid_key") {
        problems.push({ path: formatPath(issue.path), message: issue.issues[0]?.message ?? issue.message });
      } else {
        problems.push({ path: formatPath(issue.path), message: issue.message });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems: orderProblems(problems) };
  return { ok: true, budget: normalise(r.data!, currency) };
}

function unknownFieldMessage(key: string): string {
  const guess = closest(key, FIELD_NAMES);
  return guess ? `unknown field; did you mean "${guess}"?` : `unknown field; the fields are ${FIELD_NAMES.join(", ")}`;
}

/**
 * A copy of the definition's own string keys into a null-prototype object, without the
 * forbidden keys (each reported, wherever it is nested). `labels` is copied the same way; other
 * nested values are left to the schema, which refuses them by type.
 */
function sanitise(input: Record<string, unknown>, problems: Problem[]): Record<string, unknown> {
  reportForbiddenKeys(input, problems);
  const clean = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const v = input[key];
    if (key === "labels" && typeof v === "object" && v !== null && !Array.isArray(v)) {
      const labels = Object.create(null) as Record<string, unknown>;
      for (const k of Object.keys(v)) if (!FORBIDDEN_KEYS.has(k)) labels[k] = (v as Record<string, unknown>)[k];
      clean[key] = labels;
    } else {
      clean[key] = v;
    }
  }
  return clean;
}

const MAX_SCANNED_NODES = 10_000;

/**
 * Breadth-first scan (no recursion: inputs may be nested arbitrarily deep) for forbidden keys.
 * Each queued node points at its parent; a path is built only for a key that is reported, so a
 * deeply nested input costs linear time (copying the path at every level made a 10 000-deep
 * object take ~0.6 s: a denial of service through a 1 MiB API body).
 */
function reportForbiddenKeys(root: object, problems: Problem[]): void {
  const values: object[] = [root];
  const parents: number[] = [-1];
  const keys: Array<string | number> = [""];
  const seen = new Set<object>();
  const pathOf = (i: number, last: string): Array<string | number> => {
    const out: Array<string | number> = [last];
    for (let j = i; j > 0; j = parents[j]!) out.push(keys[j]!);
    return out.reverse();
  };
  for (let i = 0; i < values.length && i < MAX_SCANNED_NODES; i++) {
    const value = values[i]!;
    if (seen.has(value)) continue;
    seen.add(value);
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({ path: formatPath(pathOf(i, key)), message: `"${key}" is a reserved name and is refused (it could reach an object's prototype)` });
        continue;
      }
      if (typeof child === "object" && child !== null) {
        values.push(child);
        parents.push(i);
        keys.push(Array.isArray(value) ? Number(key) : key);
      }
    }
  }
}

/** `threshold`, `labels.team`, `labels["app.kubernetes.io"]`, `[3]`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (typeof s === "string" && /^[A-Za-z0-9_-]+$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

function orderProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rank = (p: Problem) => {
    const head = /^[^.[]*/.exec(p.path)![0];
    const i = FIELD_NAMES.indexOf(head as FieldName);
    return i === -1 ? (head === "" ? -1 : FIELD_NAMES.length) : i;
  };
  return unique.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p);
}

type ValidDefinition = z.output<ReturnType<typeof budgetDefinitionSchema>>;

function textOf(v: string | number): string {
  return typeof v === "number" ? String(v) : v.trim();
}

function normalise(def: ValidDefinition, currency: string): Budget {
  const type = def.type as BudgetType;
  const per = effectivePer(type, def.per as BudgetPer | undefined);
  // Assigned in the canonical order, so that JSON of a Budget reads like its definition.
  return {
    id: def.id,
    type,
    family: budgetFamily(type),
    service: def.service.trim(),
    ...(def.operation !== undefined && { operation: def.operation.trim() }),
    ...(def.component !== undefined && { component: def.component.trim() }),
    ...(def.edge !== undefined && { edge: def.edge.split("->").map((s) => s.trim()).join("->") }),
    ...(def.quantile !== undefined && { quantile: def.quantile }),
    ...(def.aggregate !== undefined && { aggregate: def.aggregate }),
    ...(def.threshold !== undefined && {
      threshold: quantityOf(type, per, currency, def.threshold),
      thresholdText: textOf(def.threshold),
    }),
    unit: unitOf(type, per, currency),
    ...(per !== undefined && { per }),
    direction: def.direction,
    window: textOf(def.window),
    windowMs: parseDurationMs(def.window)!,
    ...(def.target !== undefined && { target: def.target }),
    ...(def.parent !== undefined && { parent: def.parent }),
    ...(def.share !== undefined && { share: def.share }),
    ...(def.pool !== undefined && { pool: def.pool }),
    ...(def.min !== undefined && { min: quantityOf(type, per, currency, def.min), minText: textOf(def.min) }),
    ...(def.max !== undefined && { max: quantityOf(type, per, currency, def.max), maxText: textOf(def.max) }),
    ...(def.labels !== undefined && { labels: Object.fromEntries(Object.entries(def.labels)) }),
    ...(def.title !== undefined && { title: def.title.trim() }),
    ...(def.description !== undefined && { description: def.description }),
  };
}

/**
 * The definition of a budget, as stored and served by the API: the fields the user wrote (the
 * threshold, window and bounds as written), defaults made explicit (`direction`, `window`,
 * `per`). `parseBudget(toDefinition(b), sameOptions)` gives a budget equal to `b`.
 */
export function toDefinition(budget: Budget): BudgetDefinition {
  const q = (text: string | undefined, value: number | undefined): string | number | undefined =>
    text === undefined ? value : isPlainNumberText(text) ? Number(text) : text;
  const threshold = q(budget.thresholdText, budget.threshold);
  const min = q(budget.minText, budget.min);
  const max = q(budget.maxText, budget.max);
  return {
    id: budget.id,
    type: budget.type,
    service: budget.service,
    ...(budget.operation !== undefined && { operation: budget.operation }),
    ...(budget.component !== undefined && { component: budget.component }),
    ...(budget.edge !== undefined && { edge: budget.edge }),
    ...(budget.quantile !== undefined && { quantile: budget.quantile }),
    ...(budget.aggregate !== undefined && { aggregate: budget.aggregate }),
    ...(threshold !== undefined && { threshold }),
    ...(budget.per !== undefined && { per: budget.per }),
    direction: budget.direction,
    window: isPlainNumberText(budget.window) ? Number(budget.window) : budget.window,
    ...(budget.target !== undefined && { target: budget.target }),
    ...(budget.parent !== undefined && { parent: budget.parent }),
    ...(budget.share !== undefined && { share: budget.share }),
    ...(budget.pool !== undefined && { pool: budget.pool }),
    ...(min !== undefined && { min }),
    ...(max !== undefined && { max }),
    ...(budget.labels !== undefined && { labels: Object.fromEntries(Object.entries(budget.labels)) }),
    ...(budget.title !== undefined && { title: budget.title }),
    ...(budget.description !== undefined && { description: budget.description }),
  };
}
