/**
 * Resource samples from OTLP metrics: {@link ResourceMapper} maps semantic-convention (and
 * configured) metrics to per-service, per-instance CPU (cores), memory and storage (bytes) and
 * network (bytes/s) samples, with rates from cumulative and delta sums, resets, unit conversion
 * and bounded per-series state. Pure: no I/O, no clock. See docs/resources.md.
 */
export { ResourceMapper, DEFAULT_SERIES_TTL_MS, DEFAULT_MAX_SERIES, DEFAULT_INSTANCE, CPU_COUNT_ATTRIBUTES, INSTANCE_ATTRIBUTES } from "./mapper.js";
export { DEFAULT_RESOURCE_MAPPINGS } from "./defaults.js";
export {
  RESOURCE_KINDS,
  RESOURCE_UNITS,
  type ResourceKind,
  type ResourceSample,
  type ResourceMapping,
  type ResourceMapperOptions,
  type ResourceMapperStats,
} from "./types.js";
