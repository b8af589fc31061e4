/** The evaluator's results: compliance entries (CONTRACT.md "Results"), alert events (CONTRACT.md "NATS"), track data. */
import type { BudgetType } from "../budget/index.js";

export type EvaluationStatus = "ok" | "violated" | "no-data";

/** One multi-window burn-rate pair (SRE workbook), with windows scaled to the budget's window. */
export interface BurnRate {
  longWindowMs: number;
  shortWindowMs: number;
  factor: number;
  /** Bad fraction over the window / (1 − target); 0 when the window holds no sample. */
  longRate: number;
  shortRate: number;
  /** Both rates are above `factor`. */
  alerting: boolean;
}

/** A component's (for `latency.network` budgets: an edge's) share of the violating traces' latency. */
export interface ComponentShare {
  component: string;
  share: number;
}

/** The compliance of one budget at one evaluation (CONTRACT.md "Compliance"). */
export interface Evaluation {
  budgetId: string;
  type: BudgetType;
  service: string;
  operation?: string;
  status: EvaluationStatus;
  /** In the budget's unit; null when there is no data. */
  observed: number | null;
  /** The effective threshold (after allocation); null when it cannot be determined. */
  threshold: number | null;
  unit: string;
  /**
   * `observed / threshold` for `direction: max`, `threshold / observed` for `direction: min`
   * (so above 1 means over budget either way); null without an observed value or when the
   * division is undefined (a zero divisor).
   */
  usage: number | null;
  /** The budget's window as written (`5m`, `30d`). */
  window: string;
  windowMs: number;
  /** Values in the window (for per-second rates: events counted). */
  samples: number;
  /** Quantile budgets with a target: the share of good values in the window. */
  goodRatio?: number;
  /** 1 − (1 − goodRatio) / (1 − target); negative once the error budget is overspent. */
  errorBudgetRemaining?: number;
  burnRates?: BurnRate[];
  /** ISO 8601 of the evaluation time. */
  evaluatedAt: string;
  /** Latency budgets with violating traces in the window: the components' shares of their latency, largest first. */
  topComponents?: ComponentShare[];
  /** Latency budgets: hex trace ids of the worst violating traces in the window (base windows still held). */
  exemplars?: string[];
}

/** An alert event (CONTRACT.md "NATS", schema `pbe.alert.v1`). `id` is the same for every event of one incident. */
export interface AlertEvent {
  schema: "pbe.alert.v1";
  id: string;
  state: "firing" | "resolved";
  budgetId: string;
  type: BudgetType;
  service: string;
  operation?: string;
  observed: number;
  threshold: number;
  unit: string;
  usage: number | null;
  window: string;
  /** ISO 8601: when the incident started (its first violated evaluation). */
  startedAt: string;
  /** ISO 8601: this event's evaluation time. */
  at: string;
  topComponents: ComponentShare[];
  exemplars: string[];
  summary: string;
}

export interface EvaluateResult {
  /** One per budget, in the order of `setBudgets`. */
  evaluations: Evaluation[];
  /** The alerts that changed state at this evaluation. */
  alerts: AlertEvent[];
  /** Trace keys (16-byte latin1 strings) of the exemplars of the alerts that fired now: pin them in the attribution ring. */
  pin: string[];
}

/** One point of a history chart: the budget's statistic over one window. */
export interface TrackPoint {
  /** The window's start, Unix ms. */
  t: number;
  observed: number | null;
  count: number;
}

/** `GET /api/v1/services/{service}/track`: per budget of the service, its evaluation and history. */
export interface TrackEntry {
  budgetId: string;
  evaluation: Evaluation;
  history: {
    /** Base windows of the last hour. */
    base: TrackPoint[];
    /** 1-minute windows of the last day. */
    minutes: TrackPoint[];
    /** 1-hour windows of the last 30 days. */
    hours: TrackPoint[];
  };
}
