/**
 * The benchmark (`pbe bench`): the engine end to end against the raw transport ceiling, over
 * gRPC and HTTP, memory per buffered span, and micro-benchmarks; see docs/benchmark.md.
 */
export { benchCommand } from "./cli.js";
export { formatResults, judgeGoals, type BenchResults, type Figure, type Goal } from "./results.js";
