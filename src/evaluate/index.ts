/**
 * Evaluation (ARCHITECTURE.md §6): budgets' windows fed by attributed traces and samples,
 * compliance (observed vs effective threshold, good ratio, error budget, burn rates), the alert
 * state machine and the track history. Pure: no I/O, no timers; time is always `nowMs`.
 */
export { BudgetTracker, type BudgetTrackerOptions } from "./tracker.js";
export { AlertTracker, AlertStateSchema, type AlertState, type AlertOptions } from "./alerts.js";
export { BURN_PAIRS, SLO_REFERENCE_WINDOW_MS, burnWindows, scaledWindowMs, evaluationRange } from "./burn.js";
export { statisticOf, statisticKey, observeView, observeWindow, type Statistic } from "./statistic.js";
export {
  componentShares,
  violationDrivers,
  topStatements,
  ComponentSplit,
  StatementTop,
  GOOD_COUNT,
  BAD_COUNT,
  GOOD_NS,
  BAD_NS,
  GOOD_COMPONENT,
  BAD_COMPONENT,
  STATEMENT_GROUP,
} from "./accumulators.js";
export { incidentId } from "./incident.js";
export { firingSummary, resolvedSummary, removedSummary, measureLabel, statisticLabel, displayValue } from "./summary.js";
export type {
  Evaluation,
  EvaluationStatus,
  EvaluateResult,
  BurnRate,
  ComponentShare,
  AlertEvent,
  TrackEntry,
  TrackPoint,
} from "./types.js";
