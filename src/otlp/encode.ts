/**
 * Request encoders over the generated code, for tests, the load generator and the demo: take
 * the protobufjs plain-object shape (`fromObject` accepts ids as Uint8Array or base64, 64-bit
 * integers as numbers, strings or Longs, enums as numbers or names).
 */
import {
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  type IExportMetricsServiceRequest,
  type IExportTraceServiceRequest,
} from "./proto.js";

/** Encodes an `ExportTraceServiceRequest` to protobuf bytes. */
export function encodeTraceRequest(req: IExportTraceServiceRequest): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(req)).finish();
}

/** Encodes an `ExportMetricsServiceRequest` to protobuf bytes. */
export function encodeMetricsRequest(req: IExportMetricsServiceRequest): Uint8Array {
  return ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(req)).finish();
}
