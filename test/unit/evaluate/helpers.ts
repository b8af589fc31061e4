// Test helpers for the evaluator: attributions built from a few numbers, budgets parsed from
// definitions, a tracker over a fresh strings table.
import { parseBudget, type Budget } from "../../../src/budget/index.js";
import type { Attribution, TraceCounts } from "../../../src/attribution/index.js";
import { BudgetTracker, type BudgetTrackerOptions } from "../../../src/evaluate/index.js";
import { StringTables } from "../../../src/span/index.js";

export interface TraceSpec {
  /** Journey root service and operation. */
  service: string;
  operation?: string;
  /** Processing ms per component; default `{ [service]: durationMs ?? 100 }`. */
  components?: Record<string, number>;
  /** Network ms per edge `caller->callee`. */
  edges?: Record<string, number>;
  /** Used only when `components` is absent. */
  durationMs?: number;
  counts?: Partial<TraceCounts>;
  /** Per-service SERVER / db CLIENT / PRODUCER+CONSUMER span counts. */
  services?: Record<string, { requests?: number; queries?: number; events?: number }>;
  /** Statement text → executions in the trace. */
  statements?: Record<string, number>;
  /** Trace number (the key's last bytes); default: a fresh one. */
  key?: number;
}

let nextKey = 1;

/** A 16-byte latin1 trace key from a number (big-endian in the last 6 bytes). */
export function traceKey(n: number): string {
  let s = "";
  for (let j = 0; j < 16; j++) s += String.fromCharCode(j < 10 ? 0 : Math.floor(n / 256 ** (15 - j)) % 256);
  return s;
}

/** The hex id of `traceKey(n)`. */
export function traceHex(n: number): string {
  return n.toString(16).padStart(32, "0");
}

const ns = (ms: number) => Math.round(ms * 1e6);

/** An attribution as the attributor would produce it (names interned in `tables`). */
export function makeAttribution(tables: StringTables, spec: TraceSpec): Attribution {
  const s = tables.strings;
  const components = spec.components ?? { [spec.service]: spec.durationMs ?? 100 };
  const edges = spec.edges ?? {};
  const componentIds = Object.keys(components).map((c) => s.intern(c));
  const componentNs = Object.values(components).map(ns);
  const edgeIds = Object.keys(edges).map((e) => s.intern(e));
  const edgeNs = Object.values(edges).map(ns);
  const processingNs = componentNs.reduce((a, b) => a + b, 0);
  const networkNs = edgeNs.reduce((a, b) => a + b, 0);
  const services = spec.services ?? {};
  const statements = spec.statements ?? {};
  return {
    traceKey: traceKey(spec.key ?? nextKey++),
    startLo: 0,
    startHi: 0,
    rootSpanLo: 0,
    rootSpanHi: 0,
    journeyService: s.intern(spec.service),
    journeyOperation: s.intern(spec.operation ?? ""),
    durationNs: processingNs + networkNs,
    processingNs,
    networkNs,
    componentIds,
    componentNs,
    edgeIds,
    edgeNs,
    path: new Float64Array(0),
    counts: { spans: 1, reachable: 1, duplicates: 0, async: 0, downstreamCalls: 0, dbQueries: 0, messagingEvents: 0, errors: 0, ...spec.counts },
    serviceIds: Object.keys(services).map((n) => s.intern(n)),
    serviceRequests: Object.values(services).map((c) => c.requests ?? 0),
    serviceQueries: Object.values(services).map((c) => c.queries ?? 0),
    serviceEvents: Object.values(services).map((c) => c.events ?? 0),
    statementIds: Object.keys(statements).map((t) => tables.statements.intern(t)),
    statementCounts: Object.values(statements),
    rootMissing: false,
  };
}

/** Parses a definition that must be valid. */
export function budget(def: Record<string, unknown>): Budget {
  const r = parseBudget(def);
  if (!r.ok) throw new Error(`invalid budget ${JSON.stringify(def)}: ${JSON.stringify(r.problems)}`);
  return r.budget;
}

/** A tracker over a fresh strings table, with the given budgets. */
export function setup(defs: Array<Record<string, unknown>>, opts: Partial<BudgetTrackerOptions> = {}) {
  const tables = new StringTables();
  const tracker = new BudgetTracker({ tables, ...opts });
  tracker.setBudgets(defs.map(budget));
  const feed = (spec: TraceSpec, nowMs: number, times = 1) => {
    for (let i = 0; i < times; i++) tracker.onTrace(makeAttribution(tables, { ...spec, key: times > 1 ? undefined : spec.key }), nowMs);
  };
  const evalOf = (nowMs: number, id: string) => {
    const r = tracker.evaluate(nowMs);
    const e = r.evaluations.find((x) => x.budgetId === id);
    if (!e) throw new Error(`no evaluation for ${id}`);
    return e;
  };
  return { tables, tracker, feed, evalOf };
}

/** Unix ms of a round time, so windows are easy to reason about: 2024-01-01T00:00:00Z + offset. */
export const T0 = Date.UTC(2024, 0, 1);
