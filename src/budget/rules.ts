/**
 * The cross-field rules of one budget definition, in one place. Each rule only looks at fields
 * that are valid on their own (an invalid field already has its own problem), so one mistake is
 * reported once.
 */
import type { Problem } from "../errors/index.js";
import { validField } from "./fields.js";
import { parseQuantity } from "./quantity.js";
import {
  ALLOWED_PER,
  DEFAULT_PER,
  SERVICE_LEVEL_TYPES,
  budgetFamily,
  needsStatistic,
  quantityKind,
  type BudgetPer,
  type BudgetType,
} from "./types.js";

const THRESHOLD_EXAMPLE: Record<ReturnType<typeof quantityKind>, string> = {
  duration: `"300ms"`,
  cores: `0.5 or "500m"`,
  bytes: `"512MiB"`,
  byteRate: `"10MiB/s"`,
  count: `100`,
  money: `0.002 or "$1200"`,
};

/** The `per` a definition ends up with: the one given, else the type's default. */
export function effectivePer(type: BudgetType, per: BudgetPer | undefined): BudgetPer | undefined {
  return per ?? DEFAULT_PER[type];
}

/** Every cross-field problem of a definition (an object whose fields zod already checked one by one). */
export function crossFieldProblems(def: Record<string, unknown>, currency: string): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const present = (k: string) => def[k] !== undefined;

  const type = validField(def, "type");
  const perGiven = validField(def, "per");
  const id = validField(def, "id");
  const parent = validField(def, "parent");

  if (type !== undefined) {
    const family = budgetFamily(type);

    // Fields that only some types take.
    if (type === "latency.component" && !present("component")) {
      add("component", `required for latency.component: the component (service or virtual component) to budget, e.g. "payment"`);
    }
    if (present("component") && type !== "latency.component" && type !== "latency.processing") {
      add("component", `only applies to latency.component and latency.processing budgets (this one is ${type}); remove it`);
    }
    if (present("edge") && type !== "latency.network") {
      add("edge", `only applies to latency.network budgets (this one is ${type}); remove it`);
    }
    if (present("operation") && SERVICE_LEVEL_TYPES.has(type)) {
      add("operation", `${type} is measured per service, not per journey; remove operation`);
    }

    // per
    const allowed = ALLOWED_PER[type];
    if (allowed.length === 0 && present("per")) {
      add("per", `${family} budgets take no per; remove it`);
    } else if (perGiven !== undefined && allowed.length > 0 && !allowed.includes(perGiven)) {
      add("per", `"${perGiven}" does not apply to ${type}; use ${allowed.map((p) => `"${p}"`).join(" or ")}`);
    } else if (allowed.length > 0 && !present("per") && DEFAULT_PER[type] === undefined) {
      add("per", `required for ${type}: ${allowed.map((p) => `"${p}"`).join(" or ")}`);
    }
    const per = perGiven !== undefined && allowed.includes(perGiven) ? perGiven : effectivePer(type, undefined);

    // quantile / aggregate
    // Only throughput's need for a statistic depends on per: skip it when per is invalid.
    const perValid = perGiven === undefined || allowed.includes(perGiven) || family !== "throughput";
    if (perValid) {
      if (needsStatistic(type, per)) {
        if (present("quantile") === present("aggregate")) {
          const what = family === "throughput" ? "a per-trace throughput budget" : `a ${family} budget`;
          add(
            "quantile",
            present("quantile")
              ? `give either quantile or aggregate, not both: ${what} summarises its distribution one way`
              : `${what} needs quantile (e.g. 0.99) or aggregate (mean or max); give exactly one`,
          );
        }
      } else {
        const what = family === "cost" ? "a cost" : "a per-second rate";
        for (const k of ["quantile", "aggregate"] as const) {
          if (present(k)) add(k, `${what} is one value per window, so ${type}${family === "throughput" ? " per second" : ""} takes no ${k}; remove it`);
        }
      }
    }

    // Thresholds and bounds in the type's unit.
    const kind = quantityKind(type);
    const ctx = { currency, per };
    const threshold = validField(def, "threshold");
    if (threshold !== undefined) {
      const r = parseQuantity(kind, threshold, ctx);
      if (!r.ok) add("threshold", r.message);
      else if (r.value === 0 && (family === "latency" || family === "resource")) {
        add("threshold", `must be greater than 0; a ${family} limit of 0 can never be met`);
      }
    }
    const bounds: Record<string, number> = {};
    for (const k of ["min", "max"] as const) {
      const v = validField(def, k);
      if (v === undefined) continue;
      const r = parseQuantity(kind, v, ctx);
      if (!r.ok) add(k, r.message);
      else bounds[k] = r.value;
    }
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
      add("min", `is above max; min bounds a derived threshold from below and must not exceed max`);
    }
  }
  if (!present("parent") && !present("threshold")) {
    add("threshold", `required: the limit, e.g. ${type === undefined ? `"300ms"` : THRESHOLD_EXAMPLE[quantityKind(type)]}`);
  }

  // target: meaningful only where the good-event ratio is cdf(threshold).
  if (present("target") && !present("quantile")) {
    add(
      "target",
      `only applies to quantile budgets: the good-event ratio is the share of events within the threshold, which a mean, a max, a rate or a cost does not have; remove target or use quantile`,
    );
  }

  // Allocation.
  if (!present("parent")) {
    for (const k of ["share", "pool", "min", "max"] as const) {
      if (present(k)) add(k, `only applies to a child budget; set parent (the id of the budget this one is part of) or remove ${k}`);
    }
  } else {
    if (id !== undefined && parent !== undefined && id === parent) add("parent", "a budget cannot be its own parent");
    const explicit = present("threshold");
    const derived = present("share") || present("pool");
    if (explicit && derived) {
      const which = ["share", "pool"].filter(present).join(" and ");
      add("threshold", `give the child exactly one of threshold, share or pool; this one has threshold and ${which}`);
    } else if (!explicit && !derived) {
      add("threshold", `a child budget needs exactly one of threshold (explicit), share (a fraction of the parent's threshold) or pool (a shared allotment)`);
    }
    if (explicit) {
      for (const k of ["min", "max"] as const) {
        if (present(k)) add(k, `bounds a derived threshold (share or pool); an explicit threshold needs no ${k}, remove it`);
      }
    }
  }
  return problems;
}

/** The value of a quantity field (threshold, min, max) in base units; the definition must be valid. */
export function quantityOf(type: BudgetType, per: BudgetPer | undefined, currency: string, v: unknown): number {
  const r = parseQuantity(quantityKind(type), v, { currency, per });
  if (!r.ok) throw new Error(`bug: quantity of a validated budget does not parse: ${r.message}`);
  return r.value;
}
