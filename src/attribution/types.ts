import type { SpanColumns } from "../span/index.js";

/** The spans of one trace: rows `slots[0..count-1]` of `cols` (the assembler's store or a batch). */
export interface TraceSpans {
  key: string;
  cols: SpanColumns;
  slots: ArrayLike<number>;
  count: number;
}

export const Category = {
  PROCESSING: 0,
  NETWORK: 1,
} as const;
export type CategoryValue = (typeof Category)[keyof typeof Category];

/** Fields of one critical-path segment in {@link Attribution.path} (stride {@link PATH_STRIDE}). */
export const PathField = {
  SPAN_LO: 0,
  SPAN_HI: 1,
  SERVICE: 2,
  NAME: 3,
  CATEGORY: 4,
  /** Component id (processing) or edge id (network), in the strings table. */
  KEY: 5,
  START_NS: 6,
  DURATION_NS: 7,
} as const;
export const PATH_STRIDE = 8;

/**
 * One trace's attribution (ARCHITECTURE.md §3). Strings are ids in the engine's strings table.
 * Invariants (tested on every input): `processingNs + networkNs == durationNs`,
 * Σ componentNs == processingNs, Σ edgeNs == networkNs, and the path's segments, in time order,
 * partition `[0, durationNs]` (offsets from the root's start).
 */
export interface Attribution {
  traceKey: string;
  /** The root's start, Unix nanoseconds as 32-bit words. */
  startLo: number;
  startHi: number;
  rootSpanLo: number;
  rootSpanHi: number;
  /** Journey: the root's service and operation (`http.route`, else the span name). */
  journeyService: number;
  journeyOperation: number;
  durationNs: number;
  processingNs: number;
  networkNs: number;
  /** Components (services and virtual components) with their processing time, parallel arrays. */
  componentIds: number[];
  componentNs: number[];
  /** Edges `caller->callee` (ids of the interned edge names) with their network time. */
  edgeIds: number[];
  edgeNs: number[];
  /** The critical path in time order, {@link PATH_STRIDE} numbers per segment ({@link PathField}). */
  path: Float64Array;
  counts: TraceCounts;
  /** Per-service counts for throughput budgets, parallel arrays. */
  serviceIds: number[];
  serviceRequests: number[];
  serviceQueries: number[];
  serviceEvents: number[];
  /** Database statements (ids in the statements table) and how often the trace ran each. */
  statementIds: number[];
  statementCounts: number[];
  /** The root span had a parent id that is not in the trace (attributed from the top-most span). */
  rootMissing: boolean;
}

export interface TraceCounts {
  /** Spans received for the trace. */
  spans: number;
  /** Spans under the chosen root (the rest are orphans of other subtrees or duplicates). */
  reachable: number;
  duplicates: number;
  /** Spans under the root that started after their parent ended (not on the critical path). */
  async: number;
  /** CLIENT spans (calls to other services or virtual components). */
  downstreamCalls: number;
  /** CLIENT spans with `db.system`. */
  dbQueries: number;
  /** PRODUCER and CONSUMER spans. */
  messagingEvents: number;
  /** Spans with status ERROR. */
  errors: number;
}
