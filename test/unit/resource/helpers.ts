// Builders of decoded OTLP metrics (MetricsDecodeResult) for the resource mapping tests.
import type {
  Attributes,
  HistogramPoint,
  MetricData,
  MetricsDecodeResult,
  NumberPoint,
  ResourceMetricsData,
  Temporality,
} from "../../../src/otlp/index.js";

/** Unix seconds used as the time origin of the tests. */
export const T0 = 1_700_000_000;
const NS = 1_000_000_000n;

/** A null-prototype attribute record, as the decoders make. */
export function attrs(a: Record<string, string | number | boolean> = {}): Attributes {
  return Object.assign(Object.create(null) as Attributes, a);
}

/** Unix ns of `T0 + sec` (sec may have a fraction down to the ms). */
export function ns(sec: number): bigint {
  return BigInt(T0) * NS + BigInt(Math.round(sec * 1000)) * 1_000_000n;
}

/** Unix ms of `T0 + sec`. */
export const ms = (sec: number): number => T0 * 1000 + Math.round(sec * 1000);

export interface PointSpec {
  /** Seconds after T0. */
  at: number;
  /** Start, seconds after T0; absent = unset (0). */
  start?: number;
  attributes?: Record<string, string | number | boolean>;
}

export function point(value: number, spec: PointSpec): NumberPoint {
  return {
    value,
    timeUnixNano: ns(spec.at),
    startTimeUnixNano: spec.start === undefined ? 0n : ns(spec.start),
    attributes: attrs(spec.attributes),
  };
}

export function histPoint(count: number, sum: number | undefined, spec: PointSpec): HistogramPoint {
  return {
    count,
    ...(sum === undefined ? {} : { sum }),
    bucketCounts: [],
    explicitBounds: [],
    timeUnixNano: ns(spec.at),
    startTimeUnixNano: spec.start === undefined ? 0n : ns(spec.start),
    attributes: attrs(spec.attributes),
  };
}

export function gauge(name: string, unit: string, points: NumberPoint[]): MetricData {
  return { name, unit, description: "", type: "gauge", points };
}

export function sum(
  name: string,
  unit: string,
  points: NumberPoint[],
  opts: { monotonic?: boolean; temporality?: Temporality } = {},
): MetricData {
  return { name, unit, description: "", type: "sum", monotonic: opts.monotonic ?? true, temporality: opts.temporality ?? "cumulative", points };
}

export function histogram(name: string, unit: string, points: HistogramPoint[], temporality: Temporality = "cumulative"): MetricData {
  return { name, unit, description: "", type: "histogram", temporality, points };
}

export function resource(attributes: Record<string, string | number | boolean>, ...metrics: MetricData[]): ResourceMetricsData {
  return { attributes: attrs(attributes), scopes: [{ name: "test", metrics }] };
}

export function exportOf(...resources: ResourceMetricsData[]): MetricsDecodeResult {
  const dataPoints = resources.reduce((n, r) => n + r.scopes.reduce((m, s) => m + s.metrics.reduce((k, x) => k + x.points.length, 0), 0), 0);
  return { resources, dataPoints, rejected: 0 };
}

/** The resource attributes of one instance of `checkout`. */
export const CHECKOUT = { "service.name": "checkout", "service.instance.id": "i-1" };
