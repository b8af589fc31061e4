/**
 * The protobufjs static code generated from proto/ (see scripts/gen-proto.mjs), under short
 * names. Values are the generated message classes (`encode`, `decode`, `fromObject`, ...);
 * the `I…` types are their plain-object shapes. 64-bit integers decode as `Long` objects.
 */
import { opentelemetry } from "./generated/otlp.js";

export { opentelemetry };

const v1 = opentelemetry.proto;

export const ExportTraceServiceRequest = v1.collector.trace.v1.ExportTraceServiceRequest;
export const ExportTraceServiceResponse = v1.collector.trace.v1.ExportTraceServiceResponse;
export const ExportMetricsServiceRequest = v1.collector.metrics.v1.ExportMetricsServiceRequest;
export const ExportMetricsServiceResponse = v1.collector.metrics.v1.ExportMetricsServiceResponse;

export type IExportTraceServiceRequest = opentelemetry.proto.collector.trace.v1.IExportTraceServiceRequest;
export type IExportTraceServiceResponse = opentelemetry.proto.collector.trace.v1.IExportTraceServiceResponse;
export type IExportMetricsServiceRequest = opentelemetry.proto.collector.metrics.v1.IExportMetricsServiceRequest;
export type IExportMetricsServiceResponse = opentelemetry.proto.collector.metrics.v1.IExportMetricsServiceResponse;
export type IResourceSpans = opentelemetry.proto.trace.v1.IResourceSpans;
export type ISpan = opentelemetry.proto.trace.v1.ISpan;
export type IKeyValue = opentelemetry.proto.common.v1.IKeyValue;
export type IAnyValue = opentelemetry.proto.common.v1.IAnyValue;
export type IResourceMetrics = opentelemetry.proto.metrics.v1.IResourceMetrics;
export type IMetric = opentelemetry.proto.metrics.v1.IMetric;
