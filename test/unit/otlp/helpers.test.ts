import { describe, expect, it } from "vitest";
import { ExportTraceServiceRequest } from "../../../src/otlp/index.js";
import { DEFAULT_TRACE_ID, buildTraceRequest, spanIdHex, traceIdHex } from "../../helpers/otlp.js";

describe("test/helpers/otlp builder", () => {
  it("ids: hex passes through (lowercased), names hash to stable distinct ids", () => {
    expect(spanIdHex("00F067AA0BA902B7")).toBe("00f067aa0ba902b7");
    expect(spanIdHex("root")).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdHex("root")).toBe(spanIdHex("root"));
    expect(spanIdHex("root")).not.toBe(spanIdHex("db"));
    expect(traceIdHex("t1")).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdHex(DEFAULT_TRACE_ID)).toBe(DEFAULT_TRACE_ID);
  });

  it("groups spans by service into ResourceSpans, in order of first appearance", () => {
    const req = buildTraceRequest(
      [
        { spanId: "a", service: "web", name: "1", startNs: 1n, endNs: 2n },
        { spanId: "b", parent: "a", service: "db", name: "2", kind: "client", startNs: 1n, endNs: 2n, attributes: { n: 3, f: 0.5, ok: true, s: "x" } },
        { spanId: "c", service: "web", name: "3", startNs: 1n, endNs: 2n, error: true },
      ],
      { resources: { db: { "db.system": "pg" } } },
    );
    const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(req.protobuf), { longs: String, bytes: String });
    const rs = decoded.resourceSpans as { resource: { attributes: { key: string }[] }; scopeSpans: { spans: { name: string; kind: number; attributes?: unknown[] }[] }[] }[];
    expect(rs.map((r) => r.resource.attributes.map((a) => a.key))).toEqual([["service.name"], ["service.name", "db.system"]]);
    expect(rs.map((r) => r.scopeSpans[0]!.spans.map((s) => s.name))).toEqual([["1", "3"], ["2"]]);
    expect(rs[1]!.scopeSpans[0]!.spans[0]!.attributes).toEqual([
      { key: "n", value: { intValue: "3" } },
      { key: "f", value: { doubleValue: 0.5 } },
      { key: "ok", value: { boolValue: true } },
      { key: "s", value: { stringValue: "x" } },
    ]);
    const jsonSpan = (req.json.resourceSpans as { scopeSpans: { spans: Record<string, unknown>[] }[] }[])[1]!.scopeSpans[0]!.spans[0]!;
    expect(jsonSpan).toMatchObject({ traceId: DEFAULT_TRACE_ID, spanId: spanIdHex("b"), parentSpanId: spanIdHex("a"), kind: 3, startTimeUnixNano: "1" });
    expect(JSON.parse(req.jsonText)).toEqual(req.json);
  });
});
