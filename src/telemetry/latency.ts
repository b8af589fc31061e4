/**
 * `pbe.latency.attributed` and `pbe.journey.traces`, aggregated locally on the hot path.
 *
 * Every attributed trace adds each of its components' processing time and each of its edges'
 * network time to a series keyed by (journey, component or edge, category). A series keeps the
 * count, sum, min and max, the explicit-bucket counts the Prometheus endpoint serves and (when an
 * OTLP push is configured) a base-2 exponential histogram; collection copies them out. Nothing is
 * built per trace: series are found through maps keyed by interned ids, and their frozen
 * attribute objects are made once, when the series is created. Measured in docs/metrics.md.
 *
 * Cardinality: at most `cardinalityLimit` series per metric, the overflow series
 * (`otel.metric.overflow=true`) included, as the SDK does: once `cardinalityLimit − 1` series
 * exist, further keys are recorded into the overflow series. A journey past the limit of the
 * journey counter records all its components into the histogram's overflow series too. Series
 * live as long as the process (cumulative temporality); the id maps are bounded by the engine's
 * strings table and per-service key limits.
 */
import type { Attributes } from "@opentelemetry/api";
import type { Attribution } from "../attribution/index.js";
import { ExpoHistogram, type ExpoBuckets } from "./expo-histogram.js";

/** Names of interned ids (the engine's strings table, `engine.tables.strings`). */
export interface NameTable {
  get(id: number): string;
}

export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ "otel.metric.overflow": true });

/** Default explicit bucket boundaries of `pbe.latency.attributed` on `/metrics`, in seconds. */
export const DEFAULT_LATENCY_BOUNDARIES_SEC: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

export class LatencySeries {
  count = 0;
  sumNs = 0;
  minNs = Infinity;
  maxNs = -Infinity;
  /** Explicit-bucket counts: `counts[i]` holds values in `(bounds[i−1], bounds[i]]`, the last one above every bound. */
  readonly counts: Float64Array;
  readonly expo: ExpoHistogram | undefined;

  constructor(
    readonly attributes: Attributes,
    readonly startMs: number,
    private readonly boundsNs: Float64Array,
    exponential: boolean,
  ) {
    this.counts = new Float64Array(boundsNs.length + 1);
    this.expo = exponential ? new ExpoHistogram() : undefined;
  }

  record(ns: number): void {
    if (!(ns >= 0) || ns === Infinity) return;
    this.count++;
    this.sumNs += ns;
    if (ns < this.minNs) this.minNs = ns;
    if (ns > this.maxNs) this.maxNs = ns;
    const b = this.boundsNs;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ns <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]! += 1;
    this.expo?.record(ns * 1e-9);
  }
}

interface Journey {
  /** Null for the journeys folded into the counter's overflow series. */
  label: string | null;
  traces: number;
  readonly startMs: number;
  readonly attributes: Attributes;
  readonly processing: Map<number, LatencySeries>;
  readonly network: Map<number, LatencySeries>;
}

export interface LatencySnapshot {
  series: Array<{
    attributes: Attributes;
    startMs: number;
    count: number;
    sumSec: number;
    minSec: number;
    maxSec: number;
    /** Explicit-bucket counts (not cumulative), one more than the boundaries. */
    counts: number[];
    expo?: ExpoBuckets;
  }>;
  journeys: Array<{ attributes: Attributes; startMs: number; traces: number }>;
}

export interface LatencyAggregatorOptions {
  names: NameTable;
  cardinalityLimit: number;
  boundariesSec: readonly number[];
  /** Keep exponential histograms too (an OTLP push is configured). */
  exponential: boolean;
}

export class LatencyAggregator {
  readonly boundariesSec: readonly number[];
  private readonly boundsNs: Float64Array;
  private readonly journeys = new Map<number, Map<number, Journey>>();
  private readonly seriesList: LatencySeries[] = [];
  private readonly journeyList: Journey[] = [];
  private overflowSeries: LatencySeries | undefined;
  private overflowJourney: Journey | undefined;
  /** New keys (journeys, components, edges) that went to an overflow series. */
  overflowed = 0;

  constructor(private readonly opts: LatencyAggregatorOptions) {
    this.boundariesSec = Object.freeze([...opts.boundariesSec]);
    this.boundsNs = Float64Array.from(opts.boundariesSec, (s) => Math.round(s * 1e9));
  }

  /** Series of `pbe.latency.attributed` (the overflow series included). */
  get seriesCount(): number {
    return this.seriesList.length + (this.overflowSeries ? 1 : 0);
  }

  get journeyCount(): number {
    return this.journeyList.length + (this.overflowJourney ? 1 : 0);
  }

  /** The hot path: once per attributed trace. */
  onTrace(a: Attribution, nowMs: number): void {
    let ops = this.journeys.get(a.journeyService);
    if (ops === undefined) {
      ops = new Map();
      this.journeys.set(a.journeyService, ops);
    }
    let j = ops.get(a.journeyOperation);
    if (j === undefined) {
      j = this.newJourney(a.journeyService, a.journeyOperation, nowMs);
      ops.set(a.journeyOperation, j);
    }
    j.traces++;
    const cids = a.componentIds;
    const cns = a.componentNs;
    for (let i = 0; i < cids.length; i++) {
      const id = cids[i]!;
      let s = j.processing.get(id);
      if (s === undefined) {
        s = this.newSeries(j, id, "processing", nowMs);
        j.processing.set(id, s);
      }
      s.record(cns[i]!);
    }
    const eids = a.edgeIds;
    const ens = a.edgeNs;
    for (let i = 0; i < eids.length; i++) {
      const id = eids[i]!;
      let s = j.network.get(id);
      if (s === undefined) {
        s = this.newSeries(j, id, "network", nowMs);
        j.network.set(id, s);
      }
      s.record(ens[i]!);
    }
  }

  /** Copies of every series, for one collection. */
  snapshot(): LatencySnapshot {
    const all = this.overflowSeries ? [...this.seriesList, this.overflowSeries] : this.seriesList;
    const journeys = this.overflowJourney ? [...this.journeyList, this.overflowJourney] : this.journeyList;
    return {
      series: all.map((s) => ({
        attributes: s.attributes,
        startMs: s.startMs,
        count: s.count,
        sumSec: s.sumNs / 1e9,
        minSec: s.count > 0 ? s.minNs / 1e9 : 0,
        maxSec: s.count > 0 ? s.maxNs / 1e9 : 0,
        counts: Array.from(s.counts),
        ...(s.expo ? { expo: s.expo.snapshot() } : {}),
      })),
      journeys: journeys.map((j) => ({ attributes: j.attributes, startMs: j.startMs, traces: j.traces })),
    };
  }

  private newJourney(service: number, operation: number, nowMs: number): Journey {
    if (this.journeyList.length >= this.opts.cardinalityLimit - 1) {
      this.overflowed++;
      return (this.overflowJourney ??= {
        label: null,
        traces: 0,
        startMs: nowMs,
        attributes: OVERFLOW_ATTRIBUTES,
        processing: new Map(),
        network: new Map(),
      });
    }
    // The only string built for a journey, once: `<service> <operation>`.
    const label = `${this.opts.names.get(service)} ${this.opts.names.get(operation)}`;
    const j: Journey = {
      label,
      traces: 0,
      startMs: nowMs,
      attributes: Object.freeze({ "pbe.journey": label }),
      processing: new Map(),
      network: new Map(),
    };
    this.journeyList.push(j);
    return j;
  }

  private newSeries(j: Journey, id: number, category: "processing" | "network", nowMs: number): LatencySeries {
    if (j.label === null || this.seriesList.length >= this.opts.cardinalityLimit - 1) {
      this.overflowed++;
      return (this.overflowSeries ??= new LatencySeries(OVERFLOW_ATTRIBUTES, nowMs, this.boundsNs, this.opts.exponential));
    }
    const attributes = Object.freeze({
      "pbe.journey": j.label,
      "pbe.component": this.opts.names.get(id),
      "pbe.category": category,
    });
    const s = new LatencySeries(attributes, nowMs, this.boundsNs, this.opts.exponential);
    this.seriesList.push(s);
    return s;
  }
}
