/**
 * Export responses, for the receivers: OTLP says a server that accepted only part of a request
 * answers success with `partial_success` set (rejected count + a human-readable message, which
 * clients must not retry), and an empty response when everything was accepted. A message with
 * rejected = 0 is a warning, and is sent as such.
 */
import { ExportMetricsServiceResponse, ExportTraceServiceResponse } from "./proto.js";

export interface PartialSuccess {
  /** Spans (traces) or data points (metrics) rejected. */
  rejected: number;
  /** Why; for OTLP's `error_message`. */
  errorMessage?: string;
}

function isEmpty(p: PartialSuccess | undefined): p is undefined {
  return p === undefined || (p.rejected === 0 && !p.errorMessage);
}

function partial(p: PartialSuccess, countField: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.rejected !== 0) out[countField] = String(p.rejected); // int64: a string in JSON
  if (p.errorMessage) out.errorMessage = p.errorMessage;
  return out;
}

/** `ExportTraceServiceResponse` as protobuf bytes (empty when nothing was rejected). */
export function encodeTraceResponse(p?: PartialSuccess): Uint8Array {
  if (isEmpty(p)) return new Uint8Array(0);
  return ExportTraceServiceResponse.encode({
    partialSuccess: { rejectedSpans: p.rejected, errorMessage: p.errorMessage ?? "" },
  }).finish();
}

/** `ExportTraceServiceResponse` as OTLP/JSON: `{}` or `{"partialSuccess":{"rejectedSpans":"3","errorMessage":"…"}}`. */
export function traceResponseJson(p?: PartialSuccess): string {
  return isEmpty(p) ? "{}" : JSON.stringify({ partialSuccess: partial(p, "rejectedSpans") });
}

/** `ExportMetricsServiceResponse` as protobuf bytes (empty when nothing was rejected). */
export function encodeMetricsResponse(p?: PartialSuccess): Uint8Array {
  if (isEmpty(p)) return new Uint8Array(0);
  return ExportMetricsServiceResponse.encode({
    partialSuccess: { rejectedDataPoints: p.rejected, errorMessage: p.errorMessage ?? "" },
  }).finish();
}

/** `ExportMetricsServiceResponse` as OTLP/JSON: `{}` or `{"partialSuccess":{"rejectedDataPoints":"3","errorMessage":"…"}}`. */
export function metricsResponseJson(p?: PartialSuccess): string {
  return isEmpty(p) ? "{}" : JSON.stringify({ partialSuccess: partial(p, "rejectedDataPoints") });
}
