// Scenario runner for the recommendation rules: budgets and traffic (traces and samples) fed to a
// real BudgetTracker with a fake clock, the traces kept as the engine's ring would keep them,
// then collectFacts + recommend at one instant. Format: test/scenarios-recommend/README.md.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { Attribution } from "../../../src/attribution/index.js";
import { BudgetTracker } from "../../../src/evaluate/index.js";
import { collectFacts, recommend, type Recommendation, type RecommendRules } from "../../../src/recommend/index.js";
import { bigIntToWords, StringTables } from "../../../src/span/index.js";
import { parseDurationMs } from "../../../src/units/index.js";
import { budget, makeAttribution, T0, traceHex, type TraceSpec } from "../evaluate/helpers.js";

export { T0, traceHex };

/** The default price table (docs/configuration.md). */
export const PRICES = { coreHour: 0.04, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 };
export const WEEK_MS = 7 * 86_400_000;

export interface Step {
  at: string;
  repeat?: number;
  every?: string;
  trace?: TraceSpec;
  observe?: { budget: string; value: number; step?: number };
}

export interface Scenario {
  description?: string;
  service: string;
  budgets: Array<Record<string, unknown>>;
  steps: Step[];
  /** When the recommendations are asked for (offset from T0). */
  at: string;
  horizon?: string;
  rules?: Partial<RecommendRules>;
  expected: ExpectedRecommendation[];
}

export interface ExpectedRecommendation {
  kind: string;
  severity: string;
  budgetId?: string | null;
  operation?: string;
  evidence?: Record<string, unknown>;
  proposal?: Record<string, unknown>;
  /** Trace numbers (the runner's trace keys: 1 for the first trace of the scenario, …), in order. */
  traceIds?: number[];
  /** Substrings the message must contain. */
  message?: string[];
}

export function ms(text: string | number): number {
  const v = parseDurationMs(text);
  if (v === undefined) throw new Error(`not a duration: ${String(text)}`);
  return v;
}

export function loadScenario(file: string): Scenario {
  return parse(readFileSync(file, "utf8")) as Scenario;
}

/** An attribution of `spec` that started at `tMs` (the ring's time filter reads the root's start). */
export function attributionAt(tables: StringTables, spec: TraceSpec, tMs: number): Attribution {
  const a = makeAttribution(tables, spec);
  [a.startLo, a.startHi] = bigIntToWords(BigInt(tMs) * 1_000_000n);
  return a;
}

/** Runs the traffic and returns the recommendations at `at`, with the tracker and ring used. */
export function runScenario(s: Scenario): { recommendations: Recommendation[]; tracker: BudgetTracker; ring: Attribution[]; tables: StringTables; nowMs: number } {
  const tables = new StringTables();
  const tracker = new BudgetTracker({ tables });
  tracker.setBudgets(s.budgets.map(budget));
  const ring: Attribution[] = [];
  const events: Array<{ t: number; order: number; k: number; step: Step }> = [];
  s.steps.forEach((step, i) => {
    const n = step.repeat ?? 1;
    const every = step.every === undefined ? 0 : ms(step.every);
    for (let k = 0; k < n; k++) events.push({ t: T0 + ms(step.at) + k * every, order: i, k, step });
  });
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  let key = 0;
  for (const { t, k, step } of events) {
    if (step.trace) {
      const a = attributionAt(tables, { ...step.trace, key: ++key }, t);
      ring.push(a);
      tracker.onTrace(a, t);
    }
    if (step.observe) tracker.observe(step.observe.budget, step.observe.value + (step.observe.step ?? 0) * k, t);
  }
  const nowMs = T0 + ms(s.at);
  tracker.evaluate(nowMs);
  const input = collectFacts({ tracker, recentTraces: () => ring, tables }, s.service, nowMs, {
    prices: PRICES,
    currency: "USD",
    forecastHorizonMs: s.horizon === undefined ? WEEK_MS : ms(s.horizon),
    ...(s.rules ? { rules: s.rules } : {}),
  });
  return { recommendations: recommend(input), tracker, ring, tables, nowMs };
}
