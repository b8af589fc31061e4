/**
 * The report's data model (`GET /api/v1/report?format=json` answers it as is). Every string in
 * it that came from a user, a budget file or telemetry (service, operation, budget id, title,
 * labels, component and edge names, recommendation texts) is untrusted: renderers escape it.
 */
import type { BudgetType } from "../budget/index.js";
import type { Evaluation, TrackPoint } from "../evaluate/index.js";
import type { Forecast } from "../trend/index.js";

export const REPORT_SCHEMA = "pbe.report.v1";

export interface ReportData {
  schema: typeof REPORT_SCHEMA;
  /** ISO 8601 of when the report was built. */
  generatedAt: string;
  generatedAtMs: number;
  engine: { name: string; version: string };
  /** The service the report is limited to; absent = every service. */
  scope: { service?: string };
  /** How far ahead forecasts look (the engine's `--forecast-horizon`). */
  forecastHorizonMs: number;
  summary: ReportSummary;
  services: ReportService[];
  /** False when the engine offers no recommendations (then each service's list is empty). */
  recommendationsAvailable: boolean;
}

export interface ReportSummary {
  services: number;
  budgets: number;
  ok: number;
  violated: number;
  noData: number;
  recommendations: number;
}

export interface ReportService {
  service: string;
  /** ISO 8601 of the last trace that showed the service; absent when no trace has. */
  lastSeen?: string;
  budgets: ReportBudget[];
  journeys: ReportJourney[];
  /** Journeys rooted at the service that are not in `journeys` (beyond the report's limit). */
  journeysOmitted: number;
  recommendations: ReportRecommendation[];
}

export interface ReportBudget {
  budgetId: string;
  type: BudgetType;
  service: string;
  operation?: string;
  component?: string;
  edge?: string;
  /** What is measured, for people: `p99 latency`, `payment latency`, `queries per trace`. */
  measure: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  /** Cost budgets: what the amount is per (`request`, `hour`, `month`). */
  per?: string;
  direction: "max" | "min";
  quantile?: number;
  aggregate?: string;
  target?: number;
  window: string;
  evaluation: Evaluation;
  /** The series the trend was fitted on: 1-minute windows when there are at least 3 of them, else base windows. */
  history: ReportHistory;
  /** Trend and forecast of the observed value; absent without a threshold. */
  trend?: Forecast;
}

export interface ReportHistory {
  resolution: "base" | "minutes";
  /** The width of one window, ms. */
  stepMs: number;
  points: TrackPoint[];
}

/** One journey's latency over its recent traces, split as the attribution splits it. */
export interface ReportJourney {
  service: string;
  operation: string;
  /** Recent traces the means are over. */
  traces: number;
  /** Start times (Unix ms) of the oldest and newest of those traces. */
  fromMs: number;
  toMs: number;
  meanDurationMs: number;
  meanProcessingMs: number;
  meanNetworkMs: number;
  /**
   * Mean attributed latency per component (`processing`) and per edge `caller->callee`
   * (`network`), largest first; the rest beyond the report's limit summed into one `other`
   * entry per category. Σ meanMs == meanDurationMs (up to float rounding).
   */
  segments: ReportSegment[];
}

export interface ReportSegment {
  category: "processing" | "network";
  /** A component, an edge `caller->callee`, or `other` (with `other: true`). */
  name: string;
  meanMs: number;
  other?: boolean;
}

/** A recommendation, as the engine's recommendations answer them. */
export interface ReportRecommendation {
  kind: string;
  severity: string;
  service: string;
  budgetId?: string;
  /** The journey's operation, for journey-level findings. */
  operation?: string;
  title: string;
  message: string;
  /** Free-form evidence (numbers, shares, statements); rendered as a key/value list. */
  evidence?: unknown;
  /** A proposed change (e.g. a budget definition), rendered like evidence. */
  proposal?: unknown;
}
