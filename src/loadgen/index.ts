/**
 * The load generator: realistic OTLP traffic from a simulated shop, pre-encoded once and sent
 * with fresh trace ids per pass, from worker processes (`pbe loadgen`, and the bench's driver).
 */
export { Loadgen, type LoadgenOptions, type LoadgenReport, type LoadgenCounters, type LatencySummary, type LoadgenProgress } from "./run.js";
export { TrafficPool, CyclePatcher, type PoolOptions, type PoolRequest, type PoolStats } from "./pool.js";
export { buildTrace, SERVICES, JOURNEY_NAMES, INSTANCES_PER_SERVICE, MIN_SPANS, MAX_SPANS, SpanKindValue, type TraceTemplate, type SpanTemplate } from "./shop.js";
export { MetricsModel } from "./metrics.js";
export { Rng } from "./rand.js";
export type { Protocol } from "./transport.js";
export { loadgenCommand, formatReport } from "./cli.js";
