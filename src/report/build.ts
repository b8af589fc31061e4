import type { Attribution } from "../attribution/index.js";
import type { Budget } from "../budget/index.js";
import type { ServiceInfo } from "../engine/index.js";
import { measureLabel, type TrackEntry } from "../evaluate/index.js";
import type { Forecast } from "../trend/index.js";
import { REPORT_SCHEMA, type ReportBudget, type ReportData, type ReportJourney, type ReportRecommendation, type ReportSegment, type ReportService } from "./types.js";

/** One budget's track entry with its trend (as `GET …/track` answers them). */
export interface TrackedBudget extends TrackEntry {
  trend?: Forecast;
}

export interface ReportInput {
  nowMs: number;
  version: string;
  forecastHorizonMs: number;
  /** Limit to this service (the caller has checked it exists); absent = every service. */
  service?: string;
  /** The budgets in force, in the registry's order. */
  budgets: readonly Budget[];
  /** The catalogue (`engine.catalogue.toJson(strings)`). */
  catalogue: readonly ServiceInfo[];
  /** Track entries with trends, of the services in scope. */
  tracks: readonly TrackedBudget[];
  /** Recent attributions (the engine's ring), with the string table their ids refer to. */
  attributions: Iterable<Attribution>;
  strings: { get(id: number): string };
  /** Recommendations per service; undefined = the engine offers none. */
  recommendations?: ReadonlyMap<string, readonly ReportRecommendation[]>;
  limits?: Partial<ReportLimits>;
}

export interface ReportLimits {
  /** Journeys per service (most traces first); the rest are counted in `journeysOmitted`. */
  journeysPerService: number;
  /** Named segments per category per journey; the rest are summed into `other`. */
  segmentsPerCategory: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = { journeysPerService: 12, segmentsPerCategory: 8 };

const STATUS_ORDER = { violated: 0, "no-data": 1, ok: 2 } as const;

/**
 * Gathers everything a report shows, from in-memory data only (pure, time is `nowMs`).
 * Services are those with a budget or a journey rooted at them (in scope), sorted by name;
 * budgets are listed violated first, then no-data, then ok, in registry order within a status.
 * Journeys aggregate the recent attributions: mean ms per component and per edge.
 */
export function buildReportData(input: ReportInput): ReportData {
  const limits = { ...DEFAULT_REPORT_LIMITS, ...input.limits };
  const inScope = (s: string) => input.service === undefined || s === input.service;
  const budgetsById = new Map(input.budgets.map((b) => [b.id, b]));
  const catalogueBy = new Map(input.catalogue.map((s) => [s.service, s]));

  const names = new Set<string>();
  for (const b of input.budgets) if (inScope(b.service)) names.add(b.service);
  for (const s of input.catalogue) if (inScope(s.service) && s.journeys.length > 0) names.add(s.service);
  if (input.service !== undefined) names.add(input.service);

  const journeys = aggregateJourneys(input.attributions, input.strings, (s) => names.has(s), limits.segmentsPerCategory);
  const order = new Map(input.budgets.map((b, i) => [b.id, i]));

  const services: ReportService[] = [...names].sort(compareText).map((service) => {
    const budgets = input.tracks
      .filter((t) => t.evaluation.service === service)
      .map((t) => reportBudget(t, budgetsById.get(t.budgetId)))
      .sort((a, b) => STATUS_ORDER[a.evaluation.status] - STATUS_ORDER[b.evaluation.status] || (order.get(a.budgetId) ?? 0) - (order.get(b.budgetId) ?? 0));
    const own = (journeys.get(service) ?? []).sort((a, b) => b.traces - a.traces || compareText(a.operation, b.operation));
    const info = catalogueBy.get(service);
    return {
      service,
      ...(info ? { lastSeen: info.lastSeen } : {}),
      budgets,
      journeys: own.slice(0, limits.journeysPerService),
      journeysOmitted: Math.max(0, own.length - limits.journeysPerService),
      recommendations: [...(input.recommendations?.get(service) ?? [])],
    };
  });

  const all = services.flatMap((s) => s.budgets);
  return {
    schema: REPORT_SCHEMA,
    generatedAt: new Date(input.nowMs).toISOString(),
    generatedAtMs: input.nowMs,
    engine: { name: "Performance Budget Engine", version: input.version },
    scope: input.service === undefined ? {} : { service: input.service },
    forecastHorizonMs: input.forecastHorizonMs,
    summary: {
      services: services.length,
      budgets: all.length,
      ok: all.filter((b) => b.evaluation.status === "ok").length,
      violated: all.filter((b) => b.evaluation.status === "violated").length,
      noData: all.filter((b) => b.evaluation.status === "no-data").length,
      recommendations: services.reduce((n, s) => n + s.recommendations.length, 0),
    },
    services,
    recommendationsAvailable: input.recommendations !== undefined,
  };
}

function reportBudget(t: TrackedBudget, b: Budget | undefined): ReportBudget {
  const ev = t.evaluation;
  const observedMinutes = t.history.minutes.filter((p) => p.observed !== null).length;
  const resolution = observedMinutes >= 3 ? "minutes" : "base";
  const points = resolution === "minutes" ? t.history.minutes : t.history.base;
  return {
    budgetId: t.budgetId,
    type: ev.type,
    service: ev.service,
    ...(ev.operation !== undefined ? { operation: ev.operation } : {}),
    ...(b?.component !== undefined ? { component: b.component } : {}),
    ...(b?.edge !== undefined ? { edge: b.edge } : {}),
    measure: b ? measureLabel(b) : ev.type,
    ...(b?.title !== undefined ? { title: b.title } : {}),
    ...(b?.description !== undefined ? { description: b.description } : {}),
    ...(b?.labels !== undefined && Object.keys(b.labels).length > 0 ? { labels: { ...b.labels } } : {}),
    ...(b?.per !== undefined ? { per: b.per } : {}),
    direction: b?.direction ?? "max",
    ...(b?.quantile !== undefined ? { quantile: b.quantile } : {}),
    ...(b?.aggregate !== undefined ? { aggregate: b.aggregate } : {}),
    ...(b?.target !== undefined ? { target: b.target } : {}),
    window: ev.window,
    evaluation: ev,
    history: { resolution, stepMs: stepOf(points), points: trimLeadingEmpty(points) },
    ...(t.trend !== undefined ? { trend: t.trend } : {}),
  };
}

/** The smallest gap between consecutive points (the window width), 0 for fewer than two. */
function stepOf(points: readonly { t: number }[]): number {
  let step = Infinity;
  for (let i = 1; i < points.length; i++) step = Math.min(step, points[i].t - points[i - 1].t);
  return Number.isFinite(step) ? step : 0;
}

/** Drops the windows before the first one with a value (an hour of nothing reads as a flat chart). */
function trimLeadingEmpty<T extends { observed: number | null }>(points: readonly T[]): T[] {
  const first = points.findIndex((p) => p.observed !== null);
  return first < 0 ? [] : points.slice(first);
}

interface JourneyAcc {
  service: string;
  operation: string;
  traces: number;
  fromMs: number;
  toMs: number;
  durationNs: number;
  processingNs: number;
  networkNs: number;
  components: Map<string, number>;
  edges: Map<string, number>;
}

/** Mean attributed latency per journey of the services `want` accepts, by component and by edge. */
function aggregateJourneys(attributions: Iterable<Attribution>, strings: { get(id: number): string }, want: (service: string) => boolean, segments: number): Map<string, ReportJourney[]> {
  const accs = new Map<string, JourneyAcc>();
  const serviceOk = new Map<number, boolean>();
  for (const a of attributions) {
    let ok = serviceOk.get(a.journeyService);
    if (ok === undefined) {
      ok = want(strings.get(a.journeyService));
      serviceOk.set(a.journeyService, ok);
    }
    if (!ok) continue;
    const key = `${a.journeyService}:${a.journeyOperation}`;
    let acc = accs.get(key);
    const startMs = (a.startHi * 4294967296 + a.startLo) / 1e6;
    if (acc === undefined) {
      acc = {
        service: strings.get(a.journeyService),
        operation: strings.get(a.journeyOperation),
        traces: 0,
        fromMs: startMs,
        toMs: startMs,
        durationNs: 0,
        processingNs: 0,
        networkNs: 0,
        components: new Map(),
        edges: new Map(),
      };
      accs.set(key, acc);
    }
    acc.traces++;
    acc.fromMs = Math.min(acc.fromMs, startMs);
    acc.toMs = Math.max(acc.toMs, startMs);
    acc.durationNs += a.durationNs;
    acc.processingNs += a.processingNs;
    acc.networkNs += a.networkNs;
    for (let i = 0; i < a.componentIds.length; i++) add(acc.components, strings.get(a.componentIds[i]), a.componentNs[i]);
    for (let i = 0; i < a.edgeIds.length; i++) add(acc.edges, strings.get(a.edgeIds[i]), a.edgeNs[i]);
  }
  const out = new Map<string, ReportJourney[]>();
  for (const acc of accs.values()) {
    const n = acc.traces;
    const journey: ReportJourney = {
      service: acc.service,
      operation: acc.operation,
      traces: n,
      fromMs: acc.fromMs,
      toMs: acc.toMs,
      meanDurationMs: acc.durationNs / n / 1e6,
      meanProcessingMs: acc.processingNs / n / 1e6,
      meanNetworkMs: acc.networkNs / n / 1e6,
      segments: [...topSegments(acc.components, "processing", n, segments), ...topSegments(acc.edges, "network", n, segments)],
    };
    const list = out.get(acc.service);
    if (list) list.push(journey);
    else out.set(acc.service, [journey]);
  }
  return out;
}

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function topSegments(sums: Map<string, number>, category: ReportSegment["category"], traces: number, limit: number): ReportSegment[] {
  const sorted = [...sums].filter(([, ns]) => ns > 0).sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  const out: ReportSegment[] = sorted.slice(0, limit).map(([name, ns]) => ({ category, name, meanMs: ns / traces / 1e6 }));
  const rest = sorted.slice(limit).reduce((s, [, ns]) => s + ns, 0);
  if (rest > 0) out.push({ category, name: "other", meanMs: rest / traces / 1e6, other: true });
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
