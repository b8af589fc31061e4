/**
 * The facts `recommend` reads, collected from the running engine's pure parts: the budget
 * tracker (evaluations, history, last-hour and last-day views) and the recent attributed traces
 * (the engine's ring). No I/O; time is `nowMs`.
 */
import type { Attribution } from "../attribution/index.js";
import type { Budget } from "../budget/index.js";
import type { Prices } from "../cost/index.js";
import { evaluationRange, observeView, statisticOf, type BudgetTracker } from "../evaluate/index.js";
import { traceKeyToHex, wordsToBigInt, type Interner } from "../span/index.js";
import { DAY_MS } from "../window/index.js";
import { RULES, type BudgetFacts, type JourneyFacts, type RangeFacts, type RecommendInput, type RecommendRules, type StatementFacts } from "./types.js";

export interface FactSources {
  tracker: BudgetTracker;
  /** The recent attributed traces (the engine's ring), any order. */
  recentTraces: () => Iterable<Attribution>;
  /** The engine's string tables: names and statement texts. */
  tables: { strings: Interner; statements: Interner };
}

export interface CollectOptions {
  prices: Prices;
  currency: string;
  forecastHorizonMs: number;
  rules?: Partial<RecommendRules>;
}

/** A budget's statistic, p95, count and counters over the base windows of `[now − lengthMs, now]` (as `evaluationRange`). */
export function rangeFacts(tracker: BudgetTracker, budget: Budget, lengthMs: number, nowMs: number): RangeFacts {
  const { fromMs, toMs } = evaluationRange(nowMs, lengthMs, tracker.baseMs);
  const view = tracker.view(budget.id, fromMs, toMs, nowMs);
  if (view === undefined) return { observed: null, samples: 0, p95: null, extra: {} };
  const d = view.digest;
  return {
    observed: observeView(view, statisticOf(budget), Math.min(tracker.baseMs, budget.windowMs)),
    samples: view.count,
    p95: d !== null && d.count > 0 ? d.quantile(0.95) : null,
    extra: view.extra,
  };
}

/** The facts of every budget of `service`: evaluation now, history, the last hour and day, exemplars. */
export function budgetFacts(tracker: BudgetTracker, service: string, nowMs: number, rules: RecommendRules = RULES): BudgetFacts[] {
  const byId = new Map(tracker.getBudgets().map((b) => [b.id, b]));
  const out: BudgetFacts[] = [];
  for (const entry of tracker.track(service, nowMs)) {
    const budget = byId.get(entry.budgetId);
    if (budget === undefined) continue;
    const ev = entry.evaluation;
    const { fromMs } = evaluationRange(nowMs, rules.recentMs, tracker.baseMs);
    const exemplars = tracker.seriesOf(budget.id)?.exemplars(fromMs, nowMs + 1, rules.traceIds) ?? [];
    out.push({
      budget,
      evaluation: { status: ev.status, observed: ev.observed, threshold: ev.threshold, usage: ev.usage },
      lastHour: rangeFacts(tracker, budget, rules.recentMs, nowMs),
      lastDay: rangeFacts(tracker, budget, DAY_MS, nowMs),
      history: { base: [...entry.history.base], minutes: [...entry.history.minutes] },
      exemplars: exemplars.map((e) => traceKeyToHex(e.traceKey)),
    });
  }
  return out;
}

/** The `k` best (highest score; ties: smallest trace id) of what is offered. */
class Top {
  private items: Array<{ traceKey: string; score: number }> = [];
  constructor(private readonly k: number) {}
  offer(traceKey: string, score: number): void {
    const items = this.items;
    if (items.length >= this.k && score <= items[items.length - 1]!.score) return;
    items.push({ traceKey, score });
    items.sort((a, b) => b.score - a.score || (a.traceKey < b.traceKey ? -1 : a.traceKey > b.traceKey ? 1 : 0));
    if (items.length > this.k) items.pop();
  }
  ids(): string[] {
    return this.items.map((i) => traceKeyToHex(i.traceKey));
  }
}

interface JourneyAcc {
  traces: number;
  durationNs: number;
  components: Map<string, number>;
  edges: Map<string, { ns: number; traces: number; top: Top }>;
  statements: Map<number, { traces: number; total: number; max: number; min: number; top: Top }>;
}

/**
 * The journeys rooted at `service` over the recent traces that started in the last
 * `rules.recentMs` (by the root span's start time): per journey the traces, Σ duration, Σ time
 * per component and per edge, and the statements each trace ran with their counts. Journeys are
 * ordered by operation, statements by most executions in one trace.
 */
export function journeyFacts(src: Omit<FactSources, "tracker">, service: string, nowMs: number, rules: RecommendRules = RULES): JourneyFacts[] {
  const strings = src.tables.strings;
  const svc = strings.lookup(service);
  if (svc < 0) return [];
  const sinceNs = BigInt(Math.floor(nowMs - rules.recentMs)) * 1_000_000n;
  const byOp = new Map<number, JourneyAcc>();
  for (const a of src.recentTraces()) {
    if (a.journeyService !== svc || wordsToBigInt(a.startLo, a.startHi) < sinceNs) continue;
    let j = byOp.get(a.journeyOperation);
    if (!j) byOp.set(a.journeyOperation, (j = { traces: 0, durationNs: 0, components: new Map(), edges: new Map(), statements: new Map() }));
    j.traces++;
    j.durationNs += a.durationNs;
    for (let i = 0; i < a.componentIds.length; i++) {
      const name = strings.get(a.componentIds[i]!);
      j.components.set(name, (j.components.get(name) ?? 0) + a.componentNs[i]!);
    }
    for (let i = 0; i < a.edgeIds.length; i++) {
      const name = strings.get(a.edgeIds[i]!);
      const ns = a.edgeNs[i]!;
      let e = j.edges.get(name);
      if (!e) j.edges.set(name, (e = { ns: 0, traces: 0, top: new Top(rules.traceIds) }));
      e.ns += ns;
      e.traces++;
      e.top.offer(a.traceKey, ns);
    }
    for (let i = 0; i < a.statementIds.length; i++) {
      const id = a.statementIds[i]!;
      const n = a.statementCounts[i]!;
      let s = j.statements.get(id);
      if (!s) j.statements.set(id, (s = { traces: 0, total: 0, max: 0, min: Infinity, top: new Top(rules.traceIds) }));
      s.traces++;
      s.total += n;
      s.max = Math.max(s.max, n);
      s.min = Math.min(s.min, n);
      s.top.offer(a.traceKey, n);
    }
  }
  const out: JourneyFacts[] = [];
  for (const [op, j] of byOp) {
    const statements: StatementFacts[] = [...j.statements].map(([id, s]) => ({
      statement: statementText(src.tables.statements, id),
      traces: s.traces,
      total: s.total,
      maxPerTrace: s.max,
      minPerTrace: s.min,
      traceIds: s.top.ids(),
    }));
    statements.sort((x, y) => y.maxPerTrace - x.maxPerTrace || y.total - x.total || (x.statement < y.statement ? -1 : 1));
    out.push({
      operation: strings.get(op),
      traces: j.traces,
      durationNs: j.durationNs,
      components: Object.fromEntries(j.components),
      edges: Object.fromEntries([...j.edges].map(([k, e]) => [k, { ns: e.ns, traces: e.traces, traceIds: e.top.ids() }])),
      statements,
    });
  }
  return out.sort((x, y) => (x.operation < y.operation ? -1 : x.operation > y.operation ? 1 : 0));
}

function statementText(statements: Interner, id: number): string {
  try {
    return statements.get(id);
  } catch {
    return `#${id}`;
  }
}

/** Everything `recommend` needs for `service` at `nowMs`. */
export function collectFacts(src: FactSources, service: string, nowMs: number, opts: CollectOptions): RecommendInput {
  const rules = { ...RULES, ...opts.rules };
  return {
    service,
    nowMs,
    prices: opts.prices,
    currency: opts.currency,
    forecastHorizonMs: opts.forecastHorizonMs,
    budgets: budgetFacts(src.tracker, service, nowMs, rules),
    journeys: journeyFacts(src, service, nowMs, rules),
    ...(opts.rules ? { rules: opts.rules } : {}),
  };
}
