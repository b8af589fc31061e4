import type { Attribution } from "../attribution/index.js";
import type { Budget } from "../budget/index.js";
import { CostModel, serviceUsage, type CostBreakdown, type Prices, type WindowUsage } from "../cost/index.js";
import type { TraceObserver } from "../engine/index.js";
import type { BudgetTracker } from "../evaluate/index.js";
import { capacityCandidates, overProvisioned, rangeFacts, RULES, type BudgetFacts, type Recommendation, type RecommendRules } from "../recommend/index.js";
import type { ResourceSample } from "../resource/index.js";
import type { Interner } from "../span/index.js";
import { costValue, rightSizedCapacity, type Capacity } from "./figures.js";
import { RequestRates } from "./requests.js";

/** The interval of usage and requests a cost is computed from, by default. */
export const DEFAULT_COST_INTERVAL_MS = 5 * 60_000;

export interface CostEvaluatorOptions {
  /** The tracker: its budgets, and where the values go (`observe`). */
  tracker: BudgetTracker;
  /** The engine's names (to count requests by interned id). */
  strings: Interner;
  prices: Prices;
  currency: string;
  /** The recent resource samples of a service (the resource router keeps them). */
  samplesOf: (service: string) => Iterable<ResourceSample>;
  /** Usage and requests are taken over the last `intervalMs` (default 5 min). */
  intervalMs?: number;
  /** Overrides of the right-sizing rule's constants (cost.optimization). */
  rules?: Partial<RecommendRules>;
}

/** A cost budget's value and what it was computed from. */
export interface CostFigures {
  budgetId: string;
  service: string;
  /** Null: no observation (no samples in the interval, or no requests for a per-request cost). */
  value: number | null;
  usage: WindowUsage;
  hourly: CostBreakdown;
  requestsPerSec?: number | null;
  capacity?: Capacity;
  rightSizes?: Recommendation[];
}

export interface CostEvaluatorStats {
  ticks: number;
  observations: number;
  noData: number;
}

/**
 * Cost budgets: at every evaluation tick (call `tick` before the tracker evaluates) each cost
 * budget's value is computed from its service's resource samples over the last interval with
 * the cost model and given to the tracker (`observe`), whose window statistic (the mean of these
 * values) is then evaluated like any budget. A budget whose value is null gets no observation
 * and shows no-data. Also a trace observer: it counts the requests of `cost.performance` budgets.
 * Pure apart from the tracker it feeds; time is `nowMs`.
 */
export class CostEvaluator implements TraceObserver {
  readonly model: CostModel;
  readonly requests: RequestRates;
  readonly intervalMs: number;
  readonly stats: CostEvaluatorStats = { ticks: 0, observations: 0, noData: 0 };
  private readonly rules: RecommendRules;
  private synced: readonly Budget[] | undefined;

  constructor(private readonly opts: CostEvaluatorOptions) {
    this.model = new CostModel({ prices: opts.prices, currency: opts.currency });
    this.intervalMs = opts.intervalMs ?? DEFAULT_COST_INTERVAL_MS;
    this.requests = new RequestRates(opts.strings, this.intervalMs);
    this.rules = { ...RULES, ...opts.rules };
  }

  onTrace(a: Attribution, nowMs: number): void {
    this.sync();
    this.requests.onTrace(a, nowMs);
  }

  /** Computes every cost budget and feeds the tracker; returns the figures (null values were not observed). */
  tick(nowMs: number): CostFigures[] {
    this.sync();
    this.stats.ticks++;
    const out: CostFigures[] = [];
    for (const b of this.opts.tracker.getBudgets()) {
      if (b.family !== "cost") continue;
      const f = this.figures(b, nowMs);
      if (f.value !== null && Number.isFinite(f.value)) {
        this.opts.tracker.observe(b.id, f.value, nowMs);
        this.stats.observations++;
      } else this.stats.noData++;
      out.push(f);
    }
    return out;
  }

  /** One cost budget's value at `nowMs` and its parts (nothing is observed). */
  figures(b: Budget, nowMs: number): CostFigures {
    const usage = serviceUsage(this.opts.samplesOf(b.service), b.service, nowMs - this.intervalMs, nowMs + 1);
    const out: CostFigures = { budgetId: b.id, service: b.service, value: null, usage, hourly: this.model.hourly(usage) };
    if (b.type === "cost.performance") {
      out.requestsPerSec = this.requests.rate(b.operation === undefined ? { service: b.service } : { service: b.service, operation: b.operation }, nowMs);
    } else if (b.type === "cost.optimization") {
      const candidates = capacityCandidates(this.resourceFacts(b.service, nowMs));
      out.rightSizes = overProvisioned(candidates, this.model, this.rules);
      out.capacity = rightSizedCapacity(usage, candidates, out.rightSizes);
    }
    out.value = costValue(b, this.model, out);
    return out;
  }

  /** The facts the right-sizing rule reads, for the resource budgets of `service` only. */
  private resourceFacts(service: string, nowMs: number): BudgetFacts[] {
    const { tracker } = this.opts;
    const mine = tracker.getBudgets().filter((b) => b.service === service && b.family === "resource");
    if (mine.length === 0) return [];
    const thresholds = new Map(tracker.lastEvaluations().map((e) => [e.budgetId, e.threshold]));
    return mine.map((budget) => {
      const threshold = thresholds.get(budget.id) ?? budget.threshold ?? null;
      return {
        budget,
        evaluation: { status: "no-data" as const, observed: null, threshold, usage: null },
        lastHour: rangeFacts(tracker, budget, this.rules.recentMs, nowMs),
        history: { base: [], minutes: [] },
        exemplars: [],
      };
    });
  }

  /** Follows the tracker's budgets: the requests counted are those of its cost.performance budgets. */
  private sync(): void {
    const budgets = this.opts.tracker.getBudgets();
    if (budgets === this.synced) return;
    this.synced = budgets;
    this.requests.want(
      budgets.filter((b) => b.type === "cost.performance").map((b) => (b.operation === undefined ? { service: b.service } : { service: b.service, operation: b.operation })),
    );
  }
}
