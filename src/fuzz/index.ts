/**
 * The fuzzer (issue 8: hostile input). Targets: the three OTLP trace decoders, both metrics
 * decoders, budget definitions and files, configuration loading and the budget API's bodies.
 * `scripts/fuzz.mjs` runs it from dist/ (a million cases, worker threads, a hang watchdog);
 * `test/unit/fuzz.test.ts` runs a fast slice. Needs the dev dependency fast-check.
 */
export { buildTargets, FuzzFailure, SECRET_MARK, checkTraceBatch, checkMetrics, type FuzzTarget, type FuzzCase, type Outcome } from "./targets.js";
export { runTarget, planCases, checkPrototypes, type TargetReport, type RunOptions, type SlowestCase } from "./run.js";
export { buildCorpus, type Corpus } from "./corpus.js";
