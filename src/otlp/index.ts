/**
 * OTLP decoding: the `.proto`-generated protobufjs code, the trace decoders that fill a
 * SpanBatch (hand-written wire reader on the hot path; protobufjs and JSON), the metrics
 * decoders (normalised plain objects), and export-response builders for the receivers.
 */
export { decodeTraceRequest } from "./trace-wire.js";
export { decodeTraceRequestProtobufjs } from "./trace-protobufjs.js";
export { decodeTraceJson } from "./trace-json.js";
export { UNKNOWN_SERVICE, MAX_STATEMENT_CHARS, MAX_NAME_CHARS, type TraceDecodeResult } from "./span-rules.js";
export { decodeMetricsRequest, decodeMetricsJson } from "./metrics.js";
export type {
  AttributeValue,
  Attributes,
  Temporality,
  NumberPoint,
  HistogramPoint,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  QuantileValue,
  SummaryPoint,
  MetricData,
  ScopeMetricsData,
  ResourceMetricsData,
  MetricsDecodeResult,
} from "./metrics-types.js";
export {
  encodeTraceResponse,
  traceResponseJson,
  encodeMetricsResponse,
  metricsResponseJson,
  type PartialSuccess,
} from "./responses.js";
export { encodeTraceRequest, encodeMetricsRequest } from "./encode.js";
export {
  opentelemetry,
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  ExportMetricsServiceRequest,
  ExportMetricsServiceResponse,
  type IExportTraceServiceRequest,
  type IExportTraceServiceResponse,
  type IExportMetricsServiceRequest,
  type IExportMetricsServiceResponse,
  type IResourceSpans,
  type ISpan,
  type IKeyValue,
  type IAnyValue,
  type IResourceMetrics,
  type IMetric,
} from "./proto.js";
