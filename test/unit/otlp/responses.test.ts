import { describe, expect, it } from "vitest";
import {
  ExportMetricsServiceResponse,
  ExportTraceServiceResponse,
  encodeMetricsResponse,
  encodeTraceResponse,
  metricsResponseJson,
  traceResponseJson,
} from "../../../src/otlp/index.js";

describe("export responses", () => {
  it("full success is an empty message: no bytes, {} in JSON", () => {
    for (const p of [undefined, { rejected: 0 }, { rejected: 0, errorMessage: "" }]) {
      expect(encodeTraceResponse(p)).toHaveLength(0);
      expect(encodeMetricsResponse(p)).toHaveLength(0);
      expect(traceResponseJson(p)).toBe("{}");
      expect(metricsResponseJson(p)).toBe("{}");
    }
  });

  it("trace partial success carries the rejected count and the message", () => {
    const bytes = encodeTraceResponse({ rejected: 3, errorMessage: "span 1: trace_id is all zero" });
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(bytes), { longs: String });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: "3", errorMessage: "span 1: trace_id is all zero" } });
    expect(JSON.parse(traceResponseJson({ rejected: 3, errorMessage: "why" }))).toEqual({ partialSuccess: { rejectedSpans: "3", errorMessage: "why" } });
  });

  it("metrics partial success carries the rejected count and the message", () => {
    const bytes = encodeMetricsResponse({ rejected: 2 ** 40, errorMessage: "bad point" });
    const decoded = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(bytes), { longs: String });
    expect(decoded).toEqual({ partialSuccess: { rejectedDataPoints: String(2 ** 40), errorMessage: "bad point" } });
    expect(JSON.parse(metricsResponseJson({ rejected: 1 }))).toEqual({ partialSuccess: { rejectedDataPoints: "1" } });
  });

  it("a warning (message, nothing rejected) is sent as partial success with rejected 0", () => {
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(encodeTraceResponse({ rejected: 0, errorMessage: "slow down" })), {
      longs: String,
      defaults: true,
    });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: "0", errorMessage: "slow down" } });
    expect(JSON.parse(metricsResponseJson({ rejected: 0, errorMessage: "slow down" }))).toEqual({ partialSuccess: { errorMessage: "slow down" } });
  });
});
