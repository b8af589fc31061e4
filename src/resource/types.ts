/** The vocabulary of resource samples: the four resources, a sample, a mapping, the mapper's options and counters. */
import type { AttributeValue } from "../otlp/index.js";

export const RESOURCE_KINDS = ["cpu", "memory", "network", "storage"] as const;
/** What a resource budget measures; each has one base unit (see {@link ResourceSample}). */
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The base unit of each resource's sample values (the budget units of `resource.*`). */
export const RESOURCE_UNITS: Readonly<Record<ResourceKind, "cores" | "bytes" | "bytes/s">> = {
  cpu: "cores",
  memory: "bytes",
  network: "bytes/s",
  storage: "bytes",
};

/**
 * One measurement of one resource of one instance of a service, in the base unit: cpu in
 * cores, memory and storage in bytes, network in bytes per second. Series of one metric that
 * share an instance and a timestamp (e.g. `process.cpu.time` by `cpu.mode`, network by
 * direction) are already summed into one sample.
 */
export interface ResourceSample {
  service: string;
  instance: string;
  resource: ResourceKind;
  /** ≥ 0, finite, in the resource's base unit. */
  value: number;
  /** The point's time (for a rate: the end of its interval), Unix ms. */
  timeMs: number;
  /** The metric the sample comes from. */
  metric: string;
}

/**
 * How one metric becomes a resource. The config file's `metricMappings` entries have this
 * shape (`where` aside), so `Config.metricMappings` can be passed as is.
 */
export interface ResourceMapping {
  /** The metric name, exactly. */
  metric: string;
  resource: ResourceKind;
  /**
   * Filter: every entry must equal the attribute of the point, or, when the point lacks that
   * attribute, of its resource (values compared as strings). Empty or absent: every point.
   */
  attributes?: Readonly<Record<string, string>>;
  /**
   * Factor applied after the unit conversion (default 1). For a CPU utilization metric (a
   * name ending in `.utilization`) it is instead the CPU count used when the resource says none.
   */
  scale?: number;
  /**
   * `gauge`: the value as it is (histograms: the mean of the interval); `rate`: per second
   * (cumulative: Δvalue/Δt; delta: value / interval). Default: `rate` for monotonic sums,
   * `gauge` for everything else (gauges, non-monotonic sums such as memory usage, histograms).
   */
  mode?: "gauge" | "rate";
  /**
   * A further filter in code (built-in mappings use it for e.g. "not idle CPU"): `get` reads an
   * attribute of the point, falling back to its resource.
   */
  where?: (get: (key: string) => AttributeValue | undefined) => boolean;
}

export interface ResourceMapperOptions {
  /** Added to the built-in mappings; one with a built-in metric's name replaces it entirely. */
  mappings?: readonly ResourceMapping[];
  /** Resource attribute that names the service (default `service.name`, which is also the fallback). */
  serviceAttribute?: string;
  /** A series or source not seen for this long (by `nowMs`) is forgotten; default 10 minutes. */
  seriesTtlMs?: number;
  /** Most series (and, separately, instance sources) kept; beyond it new ones are counted and dropped. Default 100 000. */
  maxSeries?: number;
}

/** Counters since the mapper was made (points of mapped metrics unless said otherwise). */
export interface ResourceMapperStats {
  /** Points of mapped metrics examined. */
  points: number;
  /** Samples returned. */
  samples: number;
  /** Points of metrics that no mapping names (not an error). */
  unmapped: number;
  /** Points left out by a mapping's attribute filter. */
  filtered: number;
  /** Points that cannot be used: negative or non-finite values, no interval, no histogram sum, unspecified temporality. */
  invalid: number;
  /** Points of a metric whose unit contradicts its resource (e.g. `s` for memory). */
  badUnit: number;
  /** Points of a metric whose unit is unknown, taken as the base unit (× scale). */
  unknownUnit: number;
  /** First points of a cumulative series (they set the baseline and give no value). */
  baselines: number;
  /** Cumulative series that dropped or restarted (new start time); the point is a new baseline. */
  resets: number;
  /** Points not newer than the series' last point (duplicates, out of order): ignored. */
  outOfOrder: number;
  /** Values left out because a preferred metric measures the same instance and resource. */
  shadowed: number;
  /** Points of new series (or new instance sources) refused because `maxSeries` was reached. */
  overflow: number;
  /** Series and sources forgotten after `seriesTtlMs` without points. */
  evicted: number;
}
