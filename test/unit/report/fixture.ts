/**
 * A fixed ReportData for the renderer tests: two services, a violated latency budget with a
 * target (burn rates) and a rising trend that will cross, an ok throughput budget, a no-data
 * cost budget, two journeys with components and network edges, two recommendations. Every
 * user-supplied string can be replaced (the escaping property test puts hostile text in each).
 */
import type { Evaluation, TrackPoint } from "../../../src/evaluate/index.js";
import type { ReportBudget, ReportData } from "../../../src/report/index.js";

export const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
const MIN = 60_000;

export interface UserStrings {
  service: string;
  other: string;
  operation: string;
  budgetId: string;
  title: string;
  description: string;
  labelKey: string;
  labelValue: string;
  component: string;
  edge: string;
  journey: string;
  segment: string;
  segmentEdge: string;
  recKind: string;
  recSeverity: string;
  recTitle: string;
  recMessage: string;
  evidenceKey: string;
  evidenceValue: string;
  proposalValue: string;
  window: string;
}

export const DEFAULT_STRINGS: UserStrings = {
  service: "checkout",
  other: "inventory",
  operation: "POST /checkout",
  budgetId: "checkout-p99",
  title: "Checkout stays fast",
  description: "The p99 of the checkout journey.",
  labelKey: "team",
  labelValue: "payments",
  component: "payment",
  edge: "checkout->payment",
  journey: "POST /checkout",
  segment: "payment",
  segmentEdge: "checkout->payment",
  recKind: "violation-driver",
  recSeverity: "warning",
  recTitle: "payment drives the violations",
  recMessage: "payment takes 61 % of the violating traces.",
  evidenceKey: "shareInViolations",
  evidenceValue: "postgresql",
  proposalValue: "250ms",
  window: "5m",
};

function evaluation(over: Partial<Evaluation> & Pick<Evaluation, "budgetId" | "type" | "service" | "unit">): Evaluation {
  return {
    status: "ok",
    observed: null,
    threshold: null,
    usage: null,
    window: "5m",
    windowMs: 5 * MIN,
    samples: 0,
    evaluatedAt: new Date(NOW).toISOString(),
    ...over,
  };
}

/** A rising series: 12 one-minute windows from 180ms to 345ms, one window without data. */
export function risingHistory(): TrackPoint[] {
  return Array.from({ length: 12 }, (_, i) => ({ t: NOW - (12 - i) * MIN, observed: i === 4 ? null : 180 + i * 15, count: i === 4 ? 0 : 40 }));
}

export function makeReport(partial: Partial<UserStrings> = {}): ReportData {
  const s = { ...DEFAULT_STRINGS, ...partial };
  const latency: ReportBudget = {
    budgetId: s.budgetId,
    type: "latency.total",
    service: s.service,
    operation: s.operation,
    measure: "p99 latency",
    title: s.title,
    description: s.description,
    labels: { [s.labelKey]: s.labelValue },
    direction: "max",
    quantile: 0.99,
    target: 0.99,
    window: s.window,
    evaluation: evaluation({
      budgetId: s.budgetId,
      type: "latency.total",
      service: s.service,
      operation: s.operation,
      unit: "ms",
      status: "violated",
      observed: 412.3456,
      threshold: 300,
      usage: 412.3456 / 300,
      window: s.window,
      samples: 480,
      goodRatio: 0.97,
      errorBudgetRemaining: -2,
      burnRates: [
        { longWindowMs: 10 * 1000, shortWindowMs: 1000, factor: 14.4, longRate: 3, shortRate: 16.2, alerting: false },
        { longWindowMs: 60 * 1000, shortWindowMs: 5000, factor: 6, longRate: 7.5, shortRate: 9, alerting: true },
        { longWindowMs: 4 * MIN, shortWindowMs: 20_000, factor: 3, longRate: 2, shortRate: 1.5, alerting: false },
        { longWindowMs: 12 * MIN, shortWindowMs: MIN, factor: 1, longRate: 0.5, shortRate: 0, alerting: false },
      ],
    }),
    history: { resolution: "minutes", stepMs: MIN, points: risingHistory() },
    trend: {
      status: "crossed",
      slopePerHour: 900,
      valueNow: 352.5,
      n: 11,
      confidence: { lowPerHour: 800, highPerHour: 1000, level: 0.95, significant: true },
      atMs: NOW - 8 * MIN,
    },
  };
  const component: ReportBudget = {
    budgetId: `${s.budgetId}-component`,
    type: "latency.component",
    service: s.service,
    operation: s.operation,
    component: s.component,
    measure: `p95 ${s.component} latency`,
    direction: "max",
    quantile: 0.95,
    window: s.window,
    evaluation: evaluation({ budgetId: `${s.budgetId}-component`, type: "latency.component", service: s.service, operation: s.operation, unit: "ms", status: "ok", observed: 120, threshold: 200, usage: 0.6, window: s.window, samples: 480 }),
    history: { resolution: "minutes", stepMs: MIN, points: risingHistory().map((p) => ({ ...p, observed: p.observed === null ? null : p.observed / 3 })) },
    trend: { status: "will-cross", slopePerHour: 300, valueNow: 120, atMs: NOW + 16 * MIN, inMs: 16 * MIN, n: 11 },
  };
  const network: ReportBudget = {
    budgetId: `${s.budgetId}-network`,
    type: "latency.network",
    service: s.service,
    operation: s.operation,
    edge: s.edge,
    measure: `p95 network latency ${s.edge}`,
    direction: "max",
    quantile: 0.95,
    window: s.window,
    evaluation: evaluation({ budgetId: `${s.budgetId}-network`, type: "latency.network", service: s.service, unit: "ms", status: "ok", observed: 12, threshold: 50, usage: 0.24, window: s.window, samples: 480 }),
    history: { resolution: "base", stepMs: 10_000, points: Array.from({ length: 30 }, (_, i) => ({ t: NOW - (30 - i) * 10_000, observed: 12 - i * 0.1, count: 8 })) },
    trend: { status: "improving", slopePerHour: -36, valueNow: 9, n: 30 },
  };
  const queries: ReportBudget = {
    budgetId: "queries-per-checkout",
    type: "throughput.queries",
    service: s.service,
    measure: "p90 queries per trace",
    direction: "max",
    quantile: 0.9,
    window: "1m",
    evaluation: evaluation({ budgetId: "queries-per-checkout", type: "throughput.queries", service: s.service, unit: "queries/trace", status: "ok", observed: 2, threshold: 5, usage: 0.4, window: "1m", samples: 90 }),
    history: { resolution: "base", stepMs: 10_000, points: [{ t: NOW - 20_000, observed: 2, count: 30 }, { t: NOW - 10_000, observed: 2, count: 30 }] },
    trend: { status: "insufficient-data", slopePerHour: null, n: 2 },
  };
  const cost: ReportBudget = {
    budgetId: "inventory-cost",
    type: "cost.resource",
    service: s.other,
    measure: "resource cost",
    per: "hour",
    direction: "max",
    window: "1h",
    evaluation: evaluation({ budgetId: "inventory-cost", type: "cost.resource", service: s.other, unit: "USD", status: "no-data", threshold: 0.4, window: "1h" }),
    history: { resolution: "base", stepMs: 10_000, points: [] },
  };
  return {
    schema: "pbe.report.v1",
    generatedAt: new Date(NOW).toISOString(),
    generatedAtMs: NOW,
    engine: { name: "Performance Budget Engine", version: "0.1.0" },
    scope: {},
    forecastHorizonMs: 7 * 24 * 3_600_000,
    summary: { services: 2, budgets: 5, ok: 3, violated: 1, noData: 1, recommendations: 2 },
    recommendationsAvailable: true,
    services: [
      {
        service: s.service,
        lastSeen: new Date(NOW - 1000).toISOString(),
        budgets: [latency, component, network, queries],
        journeys: [
          {
            service: s.service,
            operation: s.journey,
            traces: 240,
            fromMs: NOW - 10 * MIN,
            toMs: NOW - 1000,
            meanDurationMs: 250,
            meanProcessingMs: 230,
            meanNetworkMs: 20,
            segments: [
              { category: "processing", name: s.segment, meanMs: 150 },
              { category: "processing", name: s.service, meanMs: 60 },
              { category: "processing", name: "postgresql", meanMs: 20 },
              { category: "network", name: s.segmentEdge, meanMs: 15 },
              { category: "network", name: "other", meanMs: 5, other: true },
            ],
          },
          {
            service: s.service,
            operation: "GET /cart",
            traces: 80,
            fromMs: NOW - 10 * MIN,
            toMs: NOW - 2000,
            meanDurationMs: 40,
            meanProcessingMs: 36,
            meanNetworkMs: 4,
            segments: [
              { category: "processing", name: s.service, meanMs: 36 },
              { category: "network", name: s.segmentEdge, meanMs: 4 },
            ],
          },
        ],
        journeysOmitted: 3,
        recommendations: [
          {
            kind: s.recKind,
            severity: s.recSeverity,
            service: s.service,
            budgetId: s.budgetId,
            operation: s.operation,
            title: s.recTitle,
            message: s.recMessage,
            evidence: { [s.evidenceKey]: 0.61, component: s.evidenceValue, traceIds: ["0af7651916cd43dd8448eb211c80319c", s.evidenceValue] },
            proposal: { threshold: s.proposalValue, rows: [{ component: s.evidenceValue, share: 0.5 }] },
          },
          { kind: "n-plus-one", severity: "critical", service: s.service, title: "N+1 queries", message: "12 queries per trace of the same statement." },
        ],
      },
      {
        service: s.other,
        budgets: [cost],
        journeys: [],
        journeysOmitted: 0,
        recommendations: [],
      },
    ],
  };
}
