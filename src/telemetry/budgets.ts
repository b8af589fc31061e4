/**
 * The budget gauges (`pbe.budget.*`), from the latest evaluations.
 *
 * They are gauges read at collection time, like observable gauges, but produced here rather than
 * through SDK ObservableGauges: with cumulative temporality the SDK keeps exporting every
 * attribute set an observable instrument ever reported, with its last value (checked against
 * sdk-metrics 2.12.0), so a deleted budget, or a budget that went to no data, would keep its old
 * value on the dashboards until a restart, and its series would count against the cardinality
 * limit for ever. Here a collection holds exactly the points of the latest `update`.
 *
 * Edge cases: a null `usage`, `observed` or `threshold` and an absent `errorBudgetRemaining`
 * give no point; `pbe.budget.compliant` has no point for `no-data` (so averages of it are over
 * the budgets that have data) and `pbe.budget.status` says which of the three states holds
 * (1 for the current state, 0 for the others). Past `cardinalityLimit − 1` attribute sets in one
 * metric, further points go to the overflow series (`otel.metric.overflow=true`) with the last
 * value written there, as the SDK's last-value aggregation does.
 */
import type { Attributes } from "@opentelemetry/api";
import type { Evaluation, EvaluationStatus } from "../evaluate/index.js";
import { formatDurationMs } from "../units/index.js";
import { OVERFLOW_ATTRIBUTES } from "./latency.js";

export type BudgetGaugeName =
  | "pbe.budget.usage"
  | "pbe.budget.observed"
  | "pbe.budget.threshold"
  | "pbe.budget.compliant"
  | "pbe.budget.status"
  | "pbe.budget.burn_rate"
  | "pbe.budget.error_budget.remaining";

export interface GaugeSpec {
  name: BudgetGaugeName;
  unit: string;
  description: string;
}

/** The budget gauges in the order they are exported. Instrument units are fixed; see {@link ucumUnit} for `pbe.unit`. */
export const BUDGET_GAUGES: readonly GaugeSpec[] = [
  { name: "pbe.budget.usage", unit: "1", description: "Observed value over threshold (threshold over observed for direction min): above 1 is over budget." },
  { name: "pbe.budget.observed", unit: "", description: "The budget's observed statistic over its window, in the budget's unit (attribute pbe.unit)." },
  { name: "pbe.budget.threshold", unit: "", description: "The budget's effective threshold (after allocation), in the budget's unit (attribute pbe.unit)." },
  { name: "pbe.budget.compliant", unit: "1", description: "1 when the budget is met, 0 when violated; no point when there is no data." },
  { name: "pbe.budget.status", unit: "1", description: "1 for the budget's current status (attribute pbe.status: ok, violated, no-data), 0 for the others." },
  { name: "pbe.budget.burn_rate", unit: "1", description: "Error-budget burn rate over a window of a multi-window pair (pbe.burn.window long/short, pbe.burn.range, pbe.burn.factor)." },
  { name: "pbe.budget.error_budget.remaining", unit: "1", description: "Share of the error budget left over the window (1 − bad share / (1 − target)); negative once overspent." },
];

const STATUSES: readonly EvaluationStatus[] = ["ok", "violated", "no-data"];

const UCUM: Readonly<Record<string, string>> = {
  ms: "ms",
  s: "s",
  cores: "{core}",
  bytes: "By",
  "bytes/s": "By/s",
};

const SINGULAR: Readonly<Record<string, string>> = {
  requests: "request",
  queries: "query",
  transactions: "transaction",
  events: "event",
};

/**
 * The UCUM (as OpenTelemetry writes it) of a budget unit: `ms`, `{core}`, `By`, `By/s`,
 * `{request}/s`, `{query}/{trace}`; a currency code `USD` becomes `{USD}`. Anything else is kept.
 */
export function ucumUnit(unit: string): string {
  const known = UCUM[unit];
  if (known !== undefined) return known;
  const m = /^([a-z]+)\/(s|trace)$/.exec(unit);
  if (m) return `{${SINGULAR[m[1]!] ?? m[1]}}/${m[2] === "s" ? "s" : "{trace}"}`;
  if (/^[A-Z]{3}$/.test(unit)) return `{${unit}}`;
  return unit;
}

/** `pbe.burn.window` of a pair: the scaled long and short windows, e.g. `1h/5m`, `2m/10s`. */
export function burnWindowLabel(longWindowMs: number, shortWindowMs: number): string {
  return `${formatDurationMs(longWindowMs)}/${formatDurationMs(shortWindowMs)}`;
}

export interface GaugePoint {
  attributes: Attributes;
  value: number;
}

/** Per budget, the attribute objects of its points, built once per distinct budget identity. */
interface BudgetAttributes {
  base: Attributes;
  withUnit: Attributes;
  status: Record<EvaluationStatus, Attributes>;
  /** Keyed by `<pair index>:<long|short>` with the pair's windows and factor. */
  burn: Map<string, Attributes>;
}

/** Keeps the latest evaluations and turns them into gauge points at collection. */
export class BudgetGauges {
  private evaluations: readonly Evaluation[] = [];
  private attrs = new Map<string, BudgetAttributes>();

  constructor(private readonly cardinalityLimit: number) {}

  /** Replaces the evaluations; budgets absent from `evaluations` have no points from now on. */
  update(evaluations: readonly Evaluation[]): void {
    const next = new Map<string, BudgetAttributes>();
    for (const e of evaluations) {
      const key = identity(e);
      if (!next.has(key)) next.set(key, this.attrs.get(key) ?? baseAttributes(e));
    }
    this.attrs = next;
    this.evaluations = evaluations.slice();
  }

  get size(): number {
    return this.evaluations.length;
  }

  /** The points of every budget gauge, at most `cardinalityLimit` per gauge. */
  points(): Map<BudgetGaugeName, GaugePoint[]> {
    const out = new Map<BudgetGaugeName, Bounded>();
    for (const g of BUDGET_GAUGES) out.set(g.name, new Bounded(this.cardinalityLimit));
    const put = (name: BudgetGaugeName, attributes: Attributes, value: number) => out.get(name)!.add(attributes, value);
    for (const e of this.evaluations) {
      const a = this.attrs.get(identity(e))!;
      if (e.usage !== null && Number.isFinite(e.usage)) put("pbe.budget.usage", a.base, e.usage);
      if (e.observed !== null && Number.isFinite(e.observed)) put("pbe.budget.observed", a.withUnit, e.observed);
      if (e.threshold !== null && Number.isFinite(e.threshold)) put("pbe.budget.threshold", a.withUnit, e.threshold);
      if (e.status !== "no-data") put("pbe.budget.compliant", a.base, e.status === "ok" ? 1 : 0);
      for (const s of STATUSES) put("pbe.budget.status", a.status[s], s === e.status ? 1 : 0);
      e.burnRates?.forEach((b, i) => {
        put("pbe.budget.burn_rate", burnAttributes(a, i, "long", b.longWindowMs, b.shortWindowMs, b.factor), b.longRate);
        put("pbe.budget.burn_rate", burnAttributes(a, i, "short", b.longWindowMs, b.shortWindowMs, b.factor), b.shortRate);
      });
      if (e.errorBudgetRemaining !== undefined && Number.isFinite(e.errorBudgetRemaining)) {
        put("pbe.budget.error_budget.remaining", a.base, e.errorBudgetRemaining);
      }
    }
    return new Map([...out].map(([k, b]) => [k, b.points()]));
  }
}

/** Points of one gauge with the cardinality limit: the overflow series takes the last value beyond it. */
class Bounded {
  private readonly list: GaugePoint[] = [];
  private overflow: GaugePoint | undefined;

  constructor(private readonly limit: number) {}

  add(attributes: Attributes, value: number): void {
    if (this.list.length < this.limit - 1) this.list.push({ attributes, value });
    else if (this.overflow) this.overflow.value = value;
    else this.overflow = { attributes: OVERFLOW_ATTRIBUTES, value };
  }

  points(): GaugePoint[] {
    return this.overflow ? [...this.list, this.overflow] : this.list;
  }
}

function identity(e: Evaluation): string {
  return `${e.budgetId}\u0000${e.type}\u0000${e.service}\u0000${e.operation ?? ""}\u0000${e.unit}`;
}

function baseAttributes(e: Evaluation): BudgetAttributes {
  const common: Attributes = {
    "budget.id": e.budgetId,
    "budget.type": e.type,
    "service.name": e.service,
    ...(e.operation !== undefined && e.operation !== "" ? { "pbe.operation": e.operation } : {}),
  };
  return {
    base: Object.freeze({ ...common }),
    withUnit: Object.freeze({ ...common, "pbe.unit": ucumUnit(e.unit) }),
    status: {
      ok: Object.freeze({ ...common, "pbe.status": "ok" }),
      violated: Object.freeze({ ...common, "pbe.status": "violated" }),
      "no-data": Object.freeze({ ...common, "pbe.status": "no-data" }),
    },
    burn: new Map(),
  };
}

function burnAttributes(a: BudgetAttributes, index: number, range: "long" | "short", longMs: number, shortMs: number, factor: number): Attributes {
  const key = `${index}:${range}:${longMs}:${shortMs}:${factor}`;
  let out = a.burn.get(key);
  if (out === undefined) {
    out = Object.freeze({ ...a.base, "pbe.burn.window": burnWindowLabel(longMs, shortMs), "pbe.burn.range": range, "pbe.burn.factor": factor });
    a.burn.set(key, out);
  }
  return out;
}
