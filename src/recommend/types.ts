/**
 * The vocabulary of recommendations: what `recommend` returns, the facts it reads, and the rules'
 * constants. Facts are plain data (no tracker, no engine), so a scenario can be written by hand
 * and every rule is a pure function of them.
 */
import type { Budget } from "../budget/index.js";
import type { Prices } from "../cost/index.js";
import type { EvaluationStatus } from "../evaluate/index.js";

export const RECOMMENDATION_KINDS = [
  "forecast-exhaustion",
  "n-plus-one",
  "network-heavy-edge",
  "over-provisioned",
  "reallocate",
  "threshold-too-loose",
  "threshold-too-tight",
  "violation-driver",
] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What a recommendation rests on: numbers (in the budget's unit unless the key says otherwise:
 * `…Ms`, `…Share` fractions 0…1, money in the input's currency), a few names (`component`,
 * `edge`, `statement`, `resource`, `currency`) and the hex ids of traces that show it.
 */
export interface Evidence {
  [key: string]: number | string | null | string[] | undefined;
  traceIds?: string[];
}

export interface Recommendation {
  kind: RecommendationKind;
  severity: Severity;
  service: string;
  /** The budget the recommendation is about (or is linked to), when there is one. */
  budgetId?: string;
  /** The journey's operation, for journey-level findings (N+1, network-heavy edge). */
  operation?: string;
  title: string;
  /** One sentence a person can act on, with the numbers and their units. */
  message: string;
  evidence: Evidence;
  /** A concrete change: a threshold, an allocation, a right-size. */
  proposal?: Record<string, unknown>;
}

/** One window's statistic (as the track history gives it). */
export interface WindowPoint {
  /** The window's start, Unix ms. */
  t: number;
  observed: number | null;
  count: number;
}

/** A budget's data over a range (the last hour, the last day). */
export interface RangeFacts {
  /** The budget's own statistic over the range; null without data. */
  observed: number | null;
  /** Values in the range (per-second budgets: events counted). */
  samples: number;
  /** The 95th percentile of the values in the range; null without values. */
  p95: number | null;
  /** The merged windows' counters: violations split (latency) and statements (queries per trace). */
  extra: Readonly<Record<string, number>>;
}

/** What is known of one budget of the service. */
export interface BudgetFacts {
  budget: Budget;
  /** The evaluation now; `threshold` is the effective one (after allocation). */
  evaluation: { status: EvaluationStatus; observed: number | null; threshold: number | null; usage: number | null };
  lastHour: RangeFacts;
  lastDay?: RangeFacts;
  /** Per-window statistic: base windows of the last hour, 1-minute windows of the last day. */
  history: { base: WindowPoint[]; minutes: WindowPoint[] };
  /** Hex ids of the worst violating traces of the last hour (latency budgets), worst first. */
  exemplars: string[];
}

/** One database statement of a journey, over its recent traces. */
export interface StatementFacts {
  statement: string;
  /** Traces that ran it. */
  traces: number;
  /** Executions in all those traces. */
  total: number;
  /** Most and fewest executions in one trace (of the traces that ran it). */
  maxPerTrace: number;
  minPerTrace: number;
  /** Hex ids of the traces that ran it most, most first. */
  traceIds: string[];
}

/** One edge `caller->callee` of a journey, over its recent traces. */
export interface EdgeFacts {
  /** Network time on the critical path, summed over the journey's traces. */
  ns: number;
  /** Traces in which the edge was on the critical path. */
  traces: number;
  /** Hex ids of the traces where it took the most time, most first. */
  traceIds: string[];
}

/** A journey rooted at the service (root operation), over its recent attributed traces. */
export interface JourneyFacts {
  operation: string;
  traces: number;
  /** Σ end-to-end durations of those traces. */
  durationNs: number;
  /** Σ processing time per component on their critical paths. */
  components: Readonly<Record<string, number>>;
  edges: Readonly<Record<string, EdgeFacts>>;
  statements: StatementFacts[];
}

export interface RecommendInput {
  service: string;
  nowMs: number;
  /** The price table and its currency (right-sizing savings). */
  prices: Prices;
  currency: string;
  /** How far ahead a forecast crossing is worth a recommendation. */
  forecastHorizonMs: number;
  /** The service's budgets. */
  budgets: BudgetFacts[];
  /** The journeys rooted at the service (recent traces). */
  journeys: JourneyFacts[];
  /** Overrides of {@link RULES} (tests, tuning). */
  rules?: Partial<RecommendRules>;
}

const HOUR_MS = 3_600_000;

/**
 * The rules' constants (docs/recommendations.md explains each rule with them):
 * - `minWindows`: windows with data a threshold rule needs;
 * - `tightFactor`, `tightPersistence`: too tight when the last hour's statistic is at least
 *   `tightFactor` × the threshold and at least `tightPersistence` of the last hour's windows are over it;
 * - `looseUsage`: too loose when no recent window's statistic exceeds `looseUsage` × the threshold;
 * - `headroom`: a proposed threshold is the observed value × `headroom`, rounded up to 2 significant digits;
 * - `reallocateRatio`, `reallocateMinDelta`: a child's allotted and observed shares differ by at
 *   least this factor and this many share points;
 * - `minTraces`: recent traces a journey needs for shares (re-allocation, network edges);
 * - `driverMinDelta`, `driverMinRatio`, `driverMinTraces`: a component's share in over-budget
 *   traces exceeds its share in within-budget ones by this much and this factor, with at least
 *   this many traces on each side;
 * - `nPlusOneMinExecutions`: one statement run at least this often in one trace;
 * - `networkShareBound`: an edge above this share of its journey's latency;
 * - `overProvisionedUsage`, `minSamples`: the p95 of a resource under this fraction of its budget, over at least this many samples;
 * - `forecastMinPoints`, `forecastCriticalMs`: points a forecast needs; a crossing sooner than this is critical;
 * - `forecastMaxExtrapolation`: a crossing further ahead than this many times the time the
 *   points span is not forecast (a few minutes of data say nothing of next week);
 * - `recentMs`: what "recent" means for traces and the last-hour views;
 * - `traceIds`: trace ids given as evidence.
 */
export interface RecommendRules {
  minWindows: number;
  tightFactor: number;
  tightPersistence: number;
  looseUsage: number;
  headroom: number;
  reallocateRatio: number;
  reallocateMinDelta: number;
  minTraces: number;
  driverMinDelta: number;
  driverMinRatio: number;
  driverMinTraces: number;
  nPlusOneMinExecutions: number;
  networkShareBound: number;
  overProvisionedUsage: number;
  minSamples: number;
  forecastMinPoints: number;
  forecastCriticalMs: number;
  forecastMaxExtrapolation: number;
  recentMs: number;
  traceIds: number;
}

export const RULES: Readonly<RecommendRules> = Object.freeze({
  minWindows: 6,
  tightFactor: 2,
  tightPersistence: 0.9,
  looseUsage: 0.3,
  headroom: 1.2,
  reallocateRatio: 2,
  reallocateMinDelta: 0.1,
  minTraces: 10,
  driverMinDelta: 0.2,
  driverMinRatio: 1.5,
  driverMinTraces: 3,
  nPlusOneMinExecutions: 5,
  networkShareBound: 0.3,
  overProvisionedUsage: 0.3,
  minSamples: 6,
  forecastMinPoints: 6,
  forecastCriticalMs: 24 * HOUR_MS,
  forecastMaxExtrapolation: 4,
  recentMs: HOUR_MS,
  traceIds: 5,
});
