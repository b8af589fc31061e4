/**
 * Derived metrics (ARCHITECTURE.md §7): budget gauges, the attributed-latency histogram and the
 * engine's health through the OpenTelemetry metrics SDK, served at `GET /metrics` (Prometheus)
 * and pushed by OTLP/gRPC. Instruments, names and limits: docs/metrics.md.
 */
export {
  DerivedMetrics,
  PROMETHEUS_CONTENT_TYPE,
  type DerivedMetricsOptions,
  type DerivedMetricsStats,
} from "./derived-metrics.js";
export { HEALTH_COUNTERS, HEALTH_GAUGES, type HealthSnapshot } from "./health.js";
export { BUDGET_GAUGES, ucumUnit, burnWindowLabel, type BudgetGaugeName } from "./budgets.js";
export { DEFAULT_LATENCY_BOUNDARIES_SEC, OVERFLOW_ATTRIBUTES, type NameTable } from "./latency.js";
export { LATENCY_METRIC, JOURNEY_TRACES_METRIC } from "./producer.js";
export { ExpoHistogram, expoIndex, EXPO_MAX_SCALE, EXPO_MAX_SIZE, type ExpoBuckets } from "./expo-histogram.js";
