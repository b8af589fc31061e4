/**
 * The normalised shape of an OTLP metrics export, the same whether it arrived as protobuf or
 * JSON. Metrics are low-volume (one point per series per export interval), so plain objects.
 */

/** An attribute value: arrays and key/value lists are rendered as JSON strings, bytes as hex. */
export type AttributeValue = string | number | boolean;

/**
 * Attributes as a null-prototype record: any key, including `__proto__`, is plain data.
 * Duplicated keys: the last wins. Values without a member set are left out.
 */
export type Attributes = Record<string, AttributeValue>;

export type Temporality = "delta" | "cumulative" | "unspecified";

interface PointBase {
  attributes: Attributes;
  /** Unix ns; 0 when unset (gauges usually leave it unset). */
  startTimeUnixNano: bigint;
  /** Unix ns; never 0 (such points are rejected). */
  timeUnixNano: bigint;
}

/** A gauge or sum point; `as_int` values become numbers (exact up to 2^53). */
export interface NumberPoint extends PointBase {
  value: number;
}

/** An explicit-bucket histogram point: `bucketCounts` has `explicitBounds.length + 1` entries, or none. */
export interface HistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts: number[];
  explicitBounds: number[];
}

/** Consecutive exponential buckets: `bucketCounts[i]` counts bucket index `offset + i`. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

/** A base-2 exponential histogram point (absent bucket ranges are `{offset: 0, bucketCounts: []}`). */
export interface ExponentialHistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface QuantileValue {
  quantile: number;
  value: number;
}

/** A summary point. */
export interface SummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantileValues: QuantileValue[];
}

interface MetricBase {
  name: string;
  unit: string;
  description: string;
  /** Sums only. */
  monotonic?: boolean;
  /** Sums, histograms and exponential histograms. */
  temporality?: Temporality;
}

/** One metric; `type` says which kind of points it holds. */
export type MetricData =
  | (MetricBase & { type: "gauge"; points: NumberPoint[] })
  | (MetricBase & { type: "sum"; monotonic: boolean; temporality: Temporality; points: NumberPoint[] })
  | (MetricBase & { type: "histogram"; temporality: Temporality; points: HistogramPoint[] })
  | (MetricBase & { type: "exponentialHistogram"; temporality: Temporality; points: ExponentialHistogramPoint[] })
  | (MetricBase & { type: "summary"; points: SummaryPoint[] });

export interface ScopeMetricsData {
  /** The instrumentation scope's name ("" if unknown). */
  name: string;
  metrics: MetricData[];
}

export interface ResourceMetricsData {
  attributes: Attributes;
  scopes: ScopeMetricsData[];
}

export interface MetricsDecodeResult {
  resources: ResourceMetricsData[];
  /** Data points accepted (present in `resources`). */
  dataPoints: number;
  /** Data points rejected (not present); report as `partial_success.rejected_data_points`. */
  rejected: number;
  /** The first rejection's reason, human readable. */
  reason?: string;
}
