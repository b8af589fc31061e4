/**
 * `BudgetTracker`: the budgets' windows and their evaluation (ARCHITECTURE.md §4, §6), as a
 * `TraceObserver` of the engine. Pure: no I/O, no timers; time is always `nowMs`, the engine's
 * wall clock in ms, and the tracker's clock never goes back (an earlier `nowMs` counts as the
 * latest seen).
 *
 * **Routing.** Budgets name services, operations, components and edges; traces carry interned
 * ids. Names are resolved with `Interner.lookup` (never interned by the tracker); a name not seen
 * yet is retried whenever the strings table has grown, so a budget may be defined before its
 * service is seen. Traces are routed by an index on the journey's service id (latency, per-trace
 * throughput, transactions) and on the service ids of the per-service counts (requests, queries,
 * events per second): per trace only the matching budgets are visited, with no string work.
 *
 * **What a budget records** (latency in milliseconds; values in the budget's unit):
 * - `latency.total`: the trace's duration; `latency.component` (and `latency.processing` with a
 *   `component`): that component's processing time in the trace, 0 when it is not on the critical
 *   path; `latency.processing`: all processing time; `latency.network`: the edge's network time
 *   (0 when absent) with an `edge`, else all network time. Journeys rooted at `service` (and
 *   `operation` when set).
 * - per-trace throughput, for journeys rooted at `service`/`operation`: queries =
 *   `counts.dbQueries`, requests = `counts.downstreamCalls`, events = `counts.messagingEvents`,
 *   transactions = 1.
 * - per-second throughput: events counted per window. `requests` = SERVER spans of `service`,
 *   `queries` = database CLIENT spans of `service`, `events` = PRODUCER/CONSUMER spans of
 *   `service`, in any trace — or, when the budget names an `operation`, only in journeys rooted at
 *   `service` with that operation; `transactions` = journeys rooted at `service`/`operation`.
 * - `observe(budgetId, value, nowMs)`: a sample from elsewhere (resource metrics, cost): for a
 *   per-second budget `value` events, otherwise one value.
 *
 * **Evaluation window.** A budget with window W is evaluated at `now` on the base windows that
 * start in `[alignUp(now − W), now)` (see `evaluationRange`): on a window boundary the last
 * ⌈W / base⌉ closed windows, between boundaries the open one too (W − base to W of data). Read
 * with `WindowSeries.over` (hours, minutes and base windows: a bounded number of merges whatever
 * the traffic).
 *
 * **Rates.** A per-second rate is the events counted in the range divided by the seconds the
 * engine observed in it. Observed time is tracked per window (`extra["cov.ms"]`): from the first
 * trace the tracker receives (before it, the pipeline is not flowing yet and time is not
 * counted), every call credits the time since the previous one, unless the gap exceeds
 * `coverageMaxGapMs` (a pause, e.g. a restart, is not observed time). A rate with less than one
 * base window of observed time (min(base, W)) is `no-data`; afterwards an empty window is a rate
 * of 0, which violates a floor (`direction: min`): no traffic is what a floor is there to catch.
 *
 * **Definitions change.** `setBudgets` keeps the windows of a budget whose measured quantity is
 * unchanged (type, service, operation, component, edge, per): a change of threshold, statistic,
 * window, target or labels keeps them. A changed measurement starts new windows; the old ones are
 * listed by `takeDroppedSeries` (the store deletes that budget's rows before it writes the next
 * `dirtyRows`). The alert state follows the budget id: kept while the id exists (an open
 * incident resolves by the new definition's evaluations); a removed budget's firing alert is
 * resolved at the next evaluation.
 *
 * **Violations split.** Latency budgets also record, per base window, the components' time in
 * the traces over the effective threshold and within it (see accumulators.ts), and keep the
 * worst 5 violating traces as exemplars (in memory). The threshold is the one in effect when the
 * trace was recorded (updated at each evaluation).
 */
import type { Attribution } from "../attribution/index.js";
import { resolveThresholds, type Budget } from "../budget/index.js";
import type { TraceObserver } from "../engine/index.js";
import { hexToTraceKey, traceKeyToHex, type Interner } from "../span/index.js";
import {
  WindowSeries,
  MINUTE_MS,
  HOUR_MS,
  DAY_MS,
  alignDown,
  type WindowRow,
  type WindowSeriesOptions,
  type WindowView,
  type PendingExtra,
  type Window,
} from "../window/index.js";
import { ComponentSplit, StatementTop, componentShares } from "./accumulators.js";
import { AlertTracker, type AlertState } from "./alerts.js";
import { burnWindows, evaluationRange } from "./burn.js";
import { observeView, observeWindow, statisticKey, statisticOf, type Statistic } from "./statistic.js";
import type { BurnRate, EvaluateResult, Evaluation, TrackEntry, TrackPoint } from "./types.js";

export interface BudgetTrackerOptions extends Omit<WindowSeriesOptions, "coverageMaxGapMs"> {
  /** The engine's string tables: `strings` for names, `statements` for N+1 statement texts. */
  tables: { strings: Interner; statements?: Interner };
  /** Consecutive violated evaluations before an alert fires. Default 1. */
  fireAfter?: number;
  /** Consecutive ok evaluations before a firing alert resolves. Default 3. */
  resolveAfter?: number;
  /** Longest gap between calls still counted as observed time for rates. Default 5 min. */
  coverageMaxGapMs?: number;
  /** Components listed in `topComponents`. Default 5. */
  topComponents?: number;
}

/** Route kinds: what one budget takes from a trace. */
const K = {
  LAT_TOTAL: 1,
  LAT_COMPONENT: 2,
  LAT_PROCESSING: 3,
  LAT_NETWORK: 4,
  LAT_EDGE: 5,
  TRACE_QUERIES: 6,
  TRACE_REQUESTS: 7,
  TRACE_EVENTS: 8,
  TRACE_TRANSACTIONS: 9,
  RATE_TRANSACTIONS: 10,
  RATE_REQUESTS: 11,
  RATE_QUERIES: 12,
  RATE_EVENTS: 13,
  /** Not from traces (resource, cost): `observe` only. */
  SAMPLES: 14,
} as const;

/** An id not constrained (no operation / component / edge in the budget). */
const ANY = -2;
/** A name not seen yet. */
const UNRESOLVED = -1;

interface Route {
  budget: Budget;
  kind: number;
  stat: Statistic;
  series: WindowSeries;
  /** Per-service counts (requests/queries/events per second) rather than journeys. */
  perService: boolean;
  serviceId: number;
  operationId: number;
  /** Component or edge id. */
  keyId: number;
  keyName: string | undefined;
  indexed: boolean;
  /** The effective threshold used for the violations split (NaN: unknown). */
  threshold: number;
  max: boolean;
  split: ComponentSplit | null;
  statements: StatementTop | null;
  measureKey: string;
}

/** Several accumulators flushed into one window. */
class Pendings implements PendingExtra {
  constructor(private readonly parts: PendingExtra[]) {}
  flushInto(w: Window): void {
    for (const p of this.parts) p.flushInto(w);
  }
}

export class BudgetTracker implements TraceObserver {
  readonly baseMs: number;
  private readonly strings: Interner;
  private readonly statements: Interner | undefined;
  private readonly seriesOpts: WindowSeriesOptions;
  private readonly topN: number;
  private readonly coverageMaxGapMs: number;
  private readonly alerts: AlertTracker;
  private budgets: Budget[] = [];
  private budgetsById = new Map<string, Budget>();
  private routes = new Map<string, Route>();
  private readonly byJourney = new Map<number, Route[]>();
  private readonly byService = new Map<number, Route[]>();
  private pending: Route[] = [];
  private seenSize = -1;
  private flowing = false;
  private clock = -Infinity;
  private dropped: string[] = [];
  private last: Evaluation[] = [];

  constructor(opts: BudgetTrackerOptions) {
    this.strings = opts.tables.strings;
    this.statements = opts.tables.statements;
    this.seriesOpts = {
      baseMs: opts.baseMs,
      retentionBaseMs: opts.retentionBaseMs,
      retentionMinutesMs: opts.retentionMinutesMs,
      retentionHoursMs: opts.retentionHoursMs,
      compression: opts.compression,
      exemplarsPerWindow: opts.exemplarsPerWindow,
    };
    // Validates the window options once, here (a RangeError names the problem).
    this.baseMs = new WindowSeries("", this.seriesOpts).baseMs;
    this.topN = opts.topComponents ?? 5;
    this.coverageMaxGapMs = opts.coverageMaxGapMs ?? 5 * MINUTE_MS;
    this.alerts = new AlertTracker({ fireAfter: opts.fireAfter, resolveAfter: opts.resolveAfter });
  }

  // ---------------------------------------------------------------- definitions

  /**
   * Replaces the budgets (already validated as a set). Returns which kept their history, which
   * start a new one (added, or measurement changed) and which were removed.
   */
  setBudgets(budgets: readonly Budget[]): { kept: string[]; started: string[]; removed: string[] } {
    const next = new Map<string, Route>();
    const kept: string[] = [];
    const started: string[] = [];
    const list: Budget[] = [];
    for (const b of budgets) {
      if (next.has(b.id)) continue; // duplicate ids: the first wins (validation refuses them)
      list.push(b);
      const key = measureKeyOf(b);
      const old = this.routes.get(b.id);
      if (old !== undefined && old.measureKey === key) {
        old.budget = b;
        old.stat = statisticOf(b);
        old.max = b.direction !== "min";
        next.set(b.id, old);
        kept.push(b.id);
      } else {
        if (old !== undefined) this.dropped.push(b.id);
        next.set(b.id, this.makeRoute(b, key));
        started.push(b.id);
      }
    }
    const removed: string[] = [];
    for (const id of this.routes.keys()) {
      if (!next.has(id)) {
        removed.push(id);
        this.dropped.push(id);
      }
    }
    this.routes = next;
    this.budgets = list;
    this.budgetsById = new Map(list.map((b) => [b.id, b]));
    this.reindex();
    const lastObserved = new Map(this.last.map((e) => [e.budgetId, e.observed]));
    this.applyThresholds(resolveThresholds(list, (id) => lastObserved.get(id) ?? undefined));
    return { kept, started, removed };
  }

  /** The current budgets, in the order given. */
  getBudgets(): readonly Budget[] {
    return this.budgets;
  }

  /** Budget ids whose stored windows are obsolete (removed, or measurement changed) since the last call. */
  takeDroppedSeries(): string[] {
    const out = this.dropped;
    this.dropped = [];
    return out;
  }

  // ---------------------------------------------------------------- recording (hot path)

  onTrace(a: Attribution, nowMs: number): void {
    const now = this.tick(nowMs);
    if (!this.flowing) this.startFlowing(now);
    if (this.pending.length > 0 && this.strings.size !== this.seenSize) this.resolvePending();
    const journey = this.byJourney.get(a.journeyService);
    if (journey !== undefined) {
      for (let i = 0; i < journey.length; i++) {
        const r = journey[i]!;
        if (r.operationId !== ANY && r.operationId !== a.journeyOperation) continue;
        this.record(r, a, now);
      }
    }
    if (this.byService.size > 0) {
      const ids = a.serviceIds;
      for (let i = 0; i < ids.length; i++) {
        const rs = this.byService.get(ids[i]!);
        if (rs === undefined) continue;
        for (let j = 0; j < rs.length; j++) {
          const r = rs[j]!;
          if (r.operationId !== ANY && (a.journeyService !== r.serviceId || a.journeyOperation !== r.operationId)) continue;
          const n = r.kind === K.RATE_REQUESTS ? a.serviceRequests[i]! : r.kind === K.RATE_QUERIES ? a.serviceQueries[i]! : a.serviceEvents[i]!;
          if (n > 0) r.series.addCount(n, now);
        }
      }
    }
  }

  /**
   * A sample that does not come from a trace (resource metrics, cost, an external rate): for a
   * per-second budget `value` events, otherwise one value of the budget's statistic. False for
   * an unknown budget.
   */
  observe(budgetId: string, value: number, nowMs: number): boolean {
    const r = this.routes.get(budgetId);
    if (r === undefined) return false;
    const now = this.tick(nowMs);
    if (r.stat.kind === "rate") r.series.addCount(value, now);
    else r.series.add(value, now);
    return true;
  }

  private record(r: Route, a: Attribution, now: number): void {
    let v: number;
    switch (r.kind) {
      case K.LAT_TOTAL:
        v = a.durationNs / 1e6;
        break;
      case K.LAT_COMPONENT:
        v = nsOf(a.componentIds, a.componentNs, r.keyId) / 1e6;
        break;
      case K.LAT_PROCESSING:
        v = a.processingNs / 1e6;
        break;
      case K.LAT_NETWORK:
        v = a.networkNs / 1e6;
        break;
      case K.LAT_EDGE:
        v = nsOf(a.edgeIds, a.edgeNs, r.keyId) / 1e6;
        break;
      case K.TRACE_QUERIES:
        v = a.counts.dbQueries;
        break;
      case K.TRACE_REQUESTS:
        v = a.counts.downstreamCalls;
        break;
      case K.TRACE_EVENTS:
        v = a.counts.messagingEvents;
        break;
      case K.TRACE_TRANSACTIONS:
        v = 1;
        break;
      case K.RATE_TRANSACTIONS:
        r.series.addCount(1, now);
        return;
      default:
        return;
    }
    r.series.add(v, now);
    if (r.split !== null && r.threshold === r.threshold) {
      const bad = r.max ? v > r.threshold : v < r.threshold;
      r.split.record(a, bad);
      if (bad) r.series.addExemplar(a.traceKey, v, r.max ? v : -v, now);
    }
    if (r.statements !== null) r.statements.record(a);
  }

  // ---------------------------------------------------------------- evaluation

  /**
   * Evaluates every budget at `nowMs` and advances the alert state machines. Cost: per budget a
   * bounded number of window merges (the budget window and, with a target, 8 burn-rate windows).
   */
  evaluate(nowMs: number): EvaluateResult {
    const now = this.tick(nowMs);
    const evaluations = this.compute(now);
    this.last = evaluations;
    const alerts = this.alerts.step(evaluations, this.budgetsById, now);
    const pin: string[] = [];
    for (const e of alerts) {
      if (e.state !== "firing") continue;
      for (const hex of e.exemplars) {
        const key = hexToTraceKey(hex);
        if (key !== undefined) pin.push(key);
      }
    }
    return { evaluations, alerts, pin };
  }

  /** The evaluations of the last `evaluate` (empty before the first). */
  lastEvaluations(): readonly Evaluation[] {
    return this.last;
  }

  /**
   * Per budget of `service`: its evaluation now (computed afresh; the alert state is not
   * advanced) and its history — base windows of the last hour, minutes of the last day, hours of
   * the last 30 days — each point the budget's statistic over one window.
   */
  track(service: string, nowMs: number): TrackEntry[] {
    const now = this.tick(nowMs);
    const evaluations = this.compute(now);
    const out: TrackEntry[] = [];
    const end = alignDown(now, this.baseMs) + this.baseMs;
    for (const ev of evaluations) {
      if (ev.service !== service) continue;
      const r = this.routes.get(ev.budgetId)!;
      const points = (res: "base" | "1m" | "1h", spanMs: number): TrackPoint[] => {
        const key = statisticKey(r.stat);
        return r.series.series(res, now - spanMs, end).map((w) => ({ t: w.startMs, observed: r.series.statistic(w, key, (x) => observeWindow(x, r.stat)), count: w.count }));
      };
      out.push({ budgetId: ev.budgetId, evaluation: ev, history: { base: points("base", HOUR_MS), minutes: points("1m", DAY_MS), hours: points("1h", 30 * DAY_MS) } });
    }
    return out;
  }

  /** The merged windows of a budget over `[fromMs, toMs)` (for recommendations: `extra` holds the violations split and N+1 statements). */
  view(budgetId: string, fromMs: number, toMs: number, nowMs: number): WindowView | undefined {
    const r = this.routes.get(budgetId);
    if (r === undefined) return undefined;
    const now = this.tick(nowMs);
    this.advanceRoute(r, now);
    return r.series.over(fromMs, toMs);
  }

  private compute(now: number): Evaluation[] {
    const evaluatedAt = new Date(now).toISOString();
    const staged: Array<{ r: Route; view: WindowView; observed: number | null; fromMs: number; toMs: number }> = [];
    const observedById = new Map<string, number>();
    for (const b of this.budgets) {
      const r = this.routes.get(b.id)!;
      this.advanceRoute(r, now);
      const { fromMs, toMs } = evaluationRange(now, b.windowMs, this.baseMs);
      const view = r.series.over(fromMs, toMs);
      const observed = observeView(view, r.stat, Math.min(this.baseMs, b.windowMs));
      if (observed !== null) observedById.set(b.id, observed);
      staged.push({ r, view, observed, fromMs, toMs });
    }
    const thresholds = resolveThresholds(this.budgets, (id) => observedById.get(id));
    this.applyThresholds(thresholds);
    return staged.map(({ r, view, observed, fromMs, toMs }) => this.complete(r, view, observed, thresholds.get(r.budget.id), now, evaluatedAt, fromMs, toMs));
  }

  private complete(r: Route, view: WindowView, observed: number | null, thr: number | undefined, now: number, evaluatedAt: string, fromMs: number, toMs: number): Evaluation {
    const b = r.budget;
    const threshold = thr !== undefined && Number.isFinite(thr) ? thr : null;
    let status: Evaluation["status"] = "no-data";
    let usage: number | null = null;
    if (observed !== null && threshold !== null) {
      status = r.max ? (observed > threshold ? "violated" : "ok") : observed < threshold ? "violated" : "ok";
      const u = r.max ? observed / threshold : threshold / observed;
      usage = Number.isFinite(u) ? u : null;
    }
    const ev: Evaluation = {
      budgetId: b.id,
      type: b.type,
      service: b.service,
      ...(b.operation !== undefined && { operation: b.operation }),
      status,
      observed,
      threshold,
      unit: b.unit,
      usage,
      window: b.window,
      windowMs: b.windowMs,
      samples: view.count,
      evaluatedAt,
    };
    if (r.stat.kind === "quantile" && b.target !== undefined && threshold !== null) {
      const good = goodRatioOf(view, threshold, r.max);
      if (good !== null) {
        ev.goodRatio = good;
        ev.errorBudgetRemaining = 1 - (1 - good) / (1 - b.target);
      }
      ev.burnRates = this.burnRates(r, b.target, threshold, now);
    }
    if (r.split !== null) {
      const top = componentShares(view.extra, "bad", this.topN);
      if (top.length > 0) ev.topComponents = top;
      const ex = r.series.exemplars(fromMs, toMs);
      if (ex.length > 0) ev.exemplars = ex.map((e) => traceKeyToHex(e.traceKey));
    }
    return ev;
  }

  private burnRates(r: Route, target: number, threshold: number, now: number): BurnRate[] {
    return burnWindows(r.budget.windowMs, this.baseMs).map((w) => {
      const rate = (lengthMs: number) => {
        const { fromMs, toMs } = evaluationRange(now, lengthMs, this.baseMs);
        const good = goodRatioOf(r.series.over(fromMs, toMs), threshold, r.max);
        return good === null ? 0 : (1 - good) / (1 - target);
      };
      const longRate = rate(w.longWindowMs);
      const shortRate = rate(w.shortWindowMs);
      return { ...w, longRate, shortRate, alerting: longRate > w.factor && shortRate > w.factor };
    });
  }

  // ---------------------------------------------------------------- alert state and checkpoints

  /** Every budget's alert state, to checkpoint with the windows. */
  alertStates(): Array<{ budgetId: string; state: AlertState }> {
    return this.alerts.snapshot();
  }

  /** Restores checkpointed alert states (call after `setBudgets`); invalid entries are skipped. Returns the states taken. */
  restoreAlertStates(entries: Iterable<{ budgetId: string; state: unknown }> | ReadonlyMap<string, unknown>): number {
    return this.alerts.restore(entries);
  }

  /** Trace keys of the exemplars of every open incident, to keep pinned in the engine's attribution ring. */
  pinnedTraceKeys(): string[] {
    return this.alerts.pinnedTraceKeys();
  }

  /** The windows changed since the last call, of every budget, as store rows. */
  dirtyRows(): WindowRow[] {
    const out: WindowRow[] = [];
    for (const r of this.routes.values()) for (const row of r.series.dirtyRows()) out.push(row);
    return out;
  }

  /** Restores store rows into the current budgets' windows (call after `setBudgets`, before traffic). Returns the rows taken. */
  restore(rows: Iterable<WindowRow>): number {
    const byBudget = new Map<string, WindowRow[]>();
    for (const row of rows) {
      if (!this.routes.has(row.budgetId)) continue;
      let list = byBudget.get(row.budgetId);
      if (!list) byBudget.set(row.budgetId, (list = []));
      list.push(row);
    }
    let taken = 0;
    for (const [id, list] of byBudget) taken += this.routes.get(id)!.series.restore(list);
    return taken;
  }

  /** The window series of a budget (read access for recommendations and reports). */
  seriesOf(budgetId: string): WindowSeries | undefined {
    return this.routes.get(budgetId)?.series;
  }

  // ---------------------------------------------------------------- internals

  private tick(nowMs: number): number {
    if (nowMs > this.clock) this.clock = nowMs;
    return this.clock;
  }

  private startFlowing(now: number): void {
    this.flowing = true;
    for (const r of this.routes.values()) if (r.stat.kind === "rate") r.series.touch(now);
  }

  private advanceRoute(r: Route, now: number): void {
    // Rates count observed time only once traces flow (see the module comment).
    r.series.advance(now, r.stat.kind !== "rate" || this.flowing);
  }

  private makeRoute(b: Budget, measureKey: string): Route {
    const kind = kindOf(b);
    const stat = statisticOf(b);
    const series = new WindowSeries(b.id, { ...this.seriesOpts, coverageMaxGapMs: stat.kind === "rate" ? this.coverageMaxGapMs : 0 });
    const keyName = kind === K.LAT_COMPONENT ? b.component : kind === K.LAT_EDGE ? b.edge : undefined;
    const split = b.family === "latency" ? new ComponentSplit(this.strings, b.type === "latency.network") : null;
    const statements = kind === K.TRACE_QUERIES && this.statements !== undefined ? new StatementTop(this.statements) : null;
    const parts = [split, statements].filter((p): p is ComponentSplit | StatementTop => p !== null);
    if (parts.length > 0) series.pending = parts.length === 1 ? parts[0]! : new Pendings(parts);
    if (this.flowing && stat.kind === "rate") series.touch(this.clock);
    return {
      budget: b,
      kind,
      stat,
      series,
      perService: kind === K.RATE_REQUESTS || kind === K.RATE_QUERIES || kind === K.RATE_EVENTS,
      serviceId: UNRESOLVED,
      operationId: b.operation === undefined ? ANY : UNRESOLVED,
      keyId: keyName === undefined ? ANY : UNRESOLVED,
      keyName,
      indexed: false,
      threshold: NaN,
      max: b.direction !== "min",
      split,
      statements,
      measureKey,
    };
  }

  /** Rebuilds the indexes and the list of routes waiting for names. */
  private reindex(): void {
    this.byJourney.clear();
    this.byService.clear();
    this.pending = [];
    for (const r of this.routes.values()) {
      r.indexed = false;
      if (r.kind === K.SAMPLES) continue;
      if (r.serviceId >= 0) this.index(r);
      if (r.serviceId === UNRESOLVED || r.operationId === UNRESOLVED || r.keyId === UNRESOLVED) this.pending.push(r);
    }
    this.resolvePending();
  }

  private index(r: Route): void {
    const map = r.perService ? this.byService : this.byJourney;
    let list = map.get(r.serviceId);
    if (!list) map.set(r.serviceId, (list = []));
    list.push(r);
    r.indexed = true;
  }

  /** Looks up the names not seen yet; indexes routes whose service became known. */
  private resolvePending(): void {
    this.seenSize = this.strings.size;
    const still: Route[] = [];
    for (const r of this.pending) {
      if (r.serviceId === UNRESOLVED) {
        const id = this.strings.lookup(r.budget.service);
        if (id >= 0) {
          r.serviceId = id;
          this.index(r);
        }
      }
      if (r.operationId === UNRESOLVED) {
        const id = this.strings.lookup(r.budget.operation!);
        if (id >= 0) r.operationId = id;
      }
      if (r.keyId === UNRESOLVED) {
        const id = this.strings.lookup(r.keyName!);
        if (id >= 0) r.keyId = id;
      }
      if (r.serviceId === UNRESOLVED || r.operationId === UNRESOLVED || r.keyId === UNRESOLVED) still.push(r);
    }
    this.pending = still;
  }

  private applyThresholds(thresholds: ReadonlyMap<string, number>): void {
    for (const r of this.routes.values()) r.threshold = thresholds.get(r.budget.id) ?? NaN;
  }
}

/** The fields that decide what a budget measures: history is kept while they stay the same. */
function measureKeyOf(b: Budget): string {
  return JSON.stringify([b.type, b.service, b.operation ?? null, b.component ?? null, b.edge ?? null, b.per ?? null]);
}

function kindOf(b: Budget): number {
  switch (b.type) {
    case "latency.total":
      return K.LAT_TOTAL;
    case "latency.component":
      return K.LAT_COMPONENT;
    case "latency.processing":
      return b.component !== undefined ? K.LAT_COMPONENT : K.LAT_PROCESSING;
    case "latency.network":
      return b.edge !== undefined ? K.LAT_EDGE : K.LAT_NETWORK;
    case "throughput.requests":
      return b.per === "trace" ? K.TRACE_REQUESTS : K.RATE_REQUESTS;
    case "throughput.queries":
      return b.per === "trace" ? K.TRACE_QUERIES : K.RATE_QUERIES;
    case "throughput.events":
      return b.per === "trace" ? K.TRACE_EVENTS : K.RATE_EVENTS;
    case "throughput.transactions":
      return b.per === "trace" ? K.TRACE_TRANSACTIONS : K.RATE_TRANSACTIONS;
    default:
      return K.SAMPLES;
  }
}

function nsOf(ids: readonly number[], ns: readonly number[], id: number): number {
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return ns[i]!;
  return 0;
}

/**
 * The share of good values at `threshold`: `cdf(threshold)` for `direction: max` (values ≤ the
 * threshold are good), `1 − cdf(threshold)` for `min` (values above it are good; a value equal to
 * a floor counts as bad here). Null without data.
 */
function goodRatioOf(view: WindowView, threshold: number, max: boolean): number | null {
  if (view.digest === null || view.digest.count === 0) return null;
  const c = view.digest.cdf(threshold);
  if (Number.isNaN(c)) return null;
  return max ? c : 1 - c;
}
