import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors/index.js";
import { decodeTraceJson, decodeTraceRequest } from "../../../src/otlp/index.js";
import { SpanBatch, SpanFlag, SpanKind, StringTables, spanIdToHex, traceKeyToHex, wordsToBigInt } from "../../../src/span/index.js";
import { buildTraceRequest } from "../../helpers/otlp.js";

const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";
const PARENT = "eee19b7ec3c1b173";

function decode(body: string | Uint8Array) {
  const batch = new SpanBatch();
  const tables = new StringTables();
  const result = decodeTraceJson(body, batch, tables);
  return { result, batch, tables, str: (id: number) => tables.strings.get(id) };
}

/** A request with one resource (service "svc") and the given spans. */
function body(spans: unknown[], resource: unknown = { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] }): string {
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "s" }, spans }] }] });
}

const base = {
  traceId: TRACE,
  spanId: SPAN,
  name: "op",
  kind: 2,
  startTimeUnixNano: "1700000000000000001",
  endTimeUnixNano: "1700000000000500000",
};

function decodeError(text: string | Uint8Array): DecodeError {
  try {
    decodeTraceJson(text, new SpanBatch(), new StringTables());
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

describe("decodeTraceJson", () => {
  it("reads every column", () => {
    const { result, batch, tables, str } = decode(
      body([
        {
          ...base,
          parentSpanId: PARENT,
          kind: 3,
          status: { code: 2, message: "boom" },
          attributes: [
            { key: "http.route", value: { stringValue: "/r/{id}" } },
            { key: "db.system.name", value: { stringValue: "mysql" } },
            { key: "db.query.text", value: { stringValue: "SELECT ?" } },
            { key: "http.status_code", value: { intValue: "500" } },
          ],
        },
      ]),
    );
    expect(result).toEqual({ spans: 1, rejected: 0 });
    expect(traceKeyToHex(batch.traceKey[0]!)).toBe(TRACE);
    expect(spanIdToHex(batch.spanLo[0]!, batch.spanHi[0]!)).toBe(SPAN);
    expect(spanIdToHex(batch.parentLo[0]!, batch.parentHi[0]!)).toBe(PARENT);
    expect(wordsToBigInt(batch.startLo[0]!, batch.startHi[0]!)).toBe(1700000000000000001n);
    expect(wordsToBigInt(batch.endLo[0]!, batch.endHi[0]!)).toBe(1700000000000500000n);
    expect(batch.kind[0]).toBe(SpanKind.CLIENT);
    expect(batch.flags[0]).toBe(SpanFlag.HAS_PARENT | SpanFlag.ERROR);
    expect([str(batch.service[0]!), str(batch.name[0]!), str(batch.route[0]!), str(batch.dbSystem[0]!), str(batch.peer[0]!)]).toEqual([
      "svc",
      "op",
      "/r/{id}",
      "mysql",
      "mysql",
    ]);
    expect(tables.statements.get(batch.statement[0]!)).toBe("SELECT ?");
  });

  it("accepts snake_case field names", () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: "service.name", value: { string_value: "snake" } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: TRACE,
                  span_id: SPAN,
                  parent_span_id: PARENT,
                  name: "op",
                  start_time_unix_nano: "10",
                  end_time_unix_nano: "20",
                  attributes: [{ key: "peer.service", value: { string_value: "p" } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const { result, batch, str } = decode(text);
    expect(result.spans).toBe(1);
    expect(str(batch.service[0]!)).toBe("snake");
    expect(str(batch.peer[0]!)).toBe("p");
    expect(batch.flags[0]).toBe(SpanFlag.HAS_PARENT);
    expect(wordsToBigInt(batch.endLo[0]!, batch.endHi[0]!)).toBe(20n);
  });

  it("accepts enum names and integers; unknown names read as 0", () => {
    const { batch } = decode(
      body([
        { ...base, spanId: "0000000000000001", kind: "SPAN_KIND_PRODUCER", status: { code: "STATUS_CODE_ERROR" } },
        { ...base, spanId: "0000000000000002", kind: 5, status: { code: 1 } },
        { ...base, spanId: "0000000000000003", kind: "SPAN_KIND_NONSENSE", status: { code: "STATUS_CODE_OK" } },
      ]),
    );
    expect(Array.from(batch.kind.subarray(0, 3))).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.UNSPECIFIED]);
    expect(Array.from(batch.flags.subarray(0, 3))).toEqual([SpanFlag.ERROR, 0, 0]);
  });

  it("reads 64-bit times as strings or numbers, exactly", () => {
    // 2^60 + 1 is not a double: a naive JSON.parse would round it.
    const text = body([{ ...base, startTimeUnixNano: "@S", endTimeUnixNano: "@E" }]).replace('"@S"', "1152921504606846977").replace('"@E"', "1152921504606846999");
    const { batch } = decode(text);
    expect(wordsToBigInt(batch.startLo[0]!, batch.startHi[0]!)).toBe(1152921504606846977n);
    expect(wordsToBigInt(batch.endLo[0]!, batch.endHi[0]!)).toBe(1152921504606846999n);
    const spaced = body([{ ...base, startTimeUnixNano: "@S", endTimeUnixNano: "1152921504606847000" }]).replace('"startTimeUnixNano":"@S"', '"startTimeUnixNano" :\n 1152921504606846977');
    const d = decode(spaced);
    expect(wordsToBigInt(d.batch.startLo[0]!, d.batch.startHi[0]!)).toBe(1152921504606846977n);
    const small = decode(body([{ ...base, startTimeUnixNano: 5, endTimeUnixNano: 7 }]));
    expect(wordsToBigInt(small.batch.endLo[0]!, small.batch.endHi[0]!)).toBe(7n);
  });

  it("does not touch time-like text inside strings", () => {
    const sneaky = '{"startTimeUnixNano":123}, ,"endTimeUnixNano": 5';
    const { batch, str } = decode(body([{ ...base, name: sneaky, attributes: [{ key: "http.route", value: { stringValue: sneaky } }] }]));
    expect(str(batch.name[0]!)).toBe(sneaky);
    expect(str(batch.route[0]!)).toBe(sneaky);
  });

  it("reads hex ids in any case", () => {
    const { batch } = decode(body([{ ...base, traceId: TRACE.toUpperCase(), spanId: "EeE19B7eC3C1B174" }]));
    expect(traceKeyToHex(batch.traceKey[0]!)).toBe(TRACE);
    expect(spanIdToHex(batch.spanLo[0]!, batch.spanHi[0]!)).toBe(SPAN);
  });

  it("ignores unknown fields, nulls and the fields it does not use", () => {
    const { result, batch, str } = decode(
      body([
        {
          ...base,
          traceState: "k=v",
          flags: 257,
          droppedAttributesCount: 1,
          events: [{ timeUnixNano: "1", name: "e", attributes: [{ key: "x", value: { kvlistValue: { values: [] } } }] }],
          links: [{ traceId: TRACE, spanId: SPAN }],
          somethingNew: { deeply: [{ nested: true }] },
          parentSpanId: null,
          attributes: [{ key: "http.route", value: { stringValue: "/x" }, extra: 1 }],
        },
      ]),
    );
    expect(result).toEqual({ spans: 1, rejected: 0 });
    expect(batch.flags[0]).toBe(0);
    expect(str(batch.route[0]!)).toBe("/x");
  });

  it("treats non-string attribute values as absent", () => {
    const { batch } = decode(
      body([
        {
          ...base,
          attributes: [
            { key: "http.route", value: { intValue: 5 } },
            { key: "peer.service", value: { arrayValue: { values: [{ stringValue: "a" }] } } },
            { key: "db.system", value: {} },
            { key: "server.address" },
          ],
        },
      ]),
    );
    expect([batch.route[0], batch.peer[0], batch.dbSystem[0]]).toEqual([0, 0, 0]);
  });

  it("keeps __proto__ keys inert", () => {
    const text =
      '{"__proto__":{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}],"polluted":true},' +
      '"resourceSpans":[{"resource":{"attributes":[{"key":"__proto__","value":{"stringValue":"x"}},{"key":"service.name","value":{"stringValue":"svc"}}]},' +
      '"scopeSpans":[{"__proto__":{"spans":"not an array"},"spans":[' +
      JSON.stringify(base).replace("{", '{"__proto__":{"name":"from proto","kind":3},') +
      "]}]}]}";
    const { result, batch, str } = decode(text);
    expect(result).toEqual({ spans: 1, rejected: 0 });
    expect(text).toContain('{"__proto__":{"name":"from proto"');
    expect(str(batch.name[0]!)).toBe("op");
    expect(batch.kind[0]).toBe(SpanKind.SERVER);
    expect(str(batch.service[0]!)).toBe("svc");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("resourceSpans");
  });

  it("does not read inherited names like constructor or toString", () => {
    const { result } = decode('{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}');
    expect(result).toEqual({ spans: 0, rejected: 0 });
    // A span object that only has inherited members has no fields at all: rejected, not crashed.
    const r = decode(body([{ constructor: "x", toString: 1 }]));
    expect(r.result).toEqual({ spans: 0, rejected: 1, reason: "span 0: trace_id has 0 bytes, want 16" });
  });

  it("decodes bodies given as UTF-8 bytes (BOM and invalid sequences tolerated)", () => {
    const text = body([{ ...base, name: "naïve" }]);
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    const { batch, str } = decode(bytes);
    expect(str(batch.name[0]!)).toBe("naïve");
    const bad = new TextEncoder().encode(body([{ ...base, name: "@" }]));
    bad[bad.indexOf(0x40)] = 0xff;
    const d = decode(bad);
    expect(d.str(d.batch.name[0]!)).toBe("\ufffd");
  });

  it("an empty object is an empty request", () => {
    expect(decode("{}").result).toEqual({ spans: 0, rejected: 0 });
    expect(decode('{"resourceSpans":null}').result).toEqual({ spans: 0, rejected: 0 });
  });

  it("defaults the service to unknown_service", () => {
    const { batch, str } = decode(body([base], null));
    expect(str(batch.service[0]!)).toBe("unknown_service");
    const d = decode(body([base], { attributes: [{ key: "service.name", value: { intValue: "1" } }] }));
    expect(d.str(d.batch.service[0]!)).toBe("unknown_service");
  });
});

describe("decodeTraceJson: rejections", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a trace id that is not hex", { traceId: "zz" + TRACE.slice(2) }, "trace_id is not a hex string"],
    ["a trace id of odd length", { traceId: TRACE.slice(1) }, "trace_id is not a hex string"],
    ["a trace id that is a number", { traceId: 12 }, "trace_id is not a hex string"],
    ["a short trace id", { traceId: TRACE.slice(2) }, "trace_id has 15 bytes, want 16"],
    ["an empty trace id", { traceId: "" }, "trace_id has 0 bytes, want 16"],
    ["an all-zero trace id", { traceId: "0".repeat(32) }, "trace_id is all zero"],
    ["a span id that is not hex", { spanId: "g".repeat(16) }, "span_id is not a hex string"],
    ["a missing span id", { spanId: undefined }, "span_id has 0 bytes, want 8"],
    ["an all-zero span id", { spanId: "0".repeat(16) }, "span_id is all zero"],
    ["a parent that is not hex", { parentSpanId: "xyz" }, "parent_span_id is not a hex string"],
    ["a parent of 4 bytes", { parentSpanId: "01020304" }, "parent_span_id has 4 bytes, want 0 or 8"],
    ["a start time that is not a number", { startTimeUnixNano: "soon" }, "start_time_unix_nano is not an unsigned 64-bit integer"],
    ["a negative start time", { startTimeUnixNano: -5 }, "start_time_unix_nano is not an unsigned 64-bit integer"],
    ["a fractional start time", { startTimeUnixNano: "1.5" }, "start_time_unix_nano is not an unsigned 64-bit integer"],
    ["a start time past 2^64", { startTimeUnixNano: "18446744073709551616" }, "start_time_unix_nano is not an unsigned 64-bit integer"],
    ["a start time of another type", { startTimeUnixNano: { n: 1 } }, "start_time_unix_nano is not an unsigned 64-bit integer"],
    ["a missing start time", { startTimeUnixNano: undefined }, "start_time_unix_nano is 0"],
    ["an end time that is not a number", { endTimeUnixNano: true }, "end_time_unix_nano is not an unsigned 64-bit integer"],
    ["an end before the start", { endTimeUnixNano: "1700000000000000000" }, "end_time_unix_nano is before start_time_unix_nano"],
    ["a duration of 2^53 ns", { startTimeUnixNano: "1", endTimeUnixNano: String(2n ** 53n + 1n) }, "duration is 2^53 ns (about 104 days) or more"],
  ];
  for (const [what, patch, reason] of cases) {
    it(`rejects ${what}`, () => {
      const { result, batch } = decode(body([{ ...base, spanId: "00000000000000aa" }, { ...base, ...patch }]));
      expect(result).toEqual({ spans: 1, rejected: 1, reason: `span 1: ${reason}` });
      expect(batch.length).toBe(1);
    });
  }

  it("accepts exponent notation for an integral time", () => {
    const { result, batch } = decode(body([{ ...base, startTimeUnixNano: "1.5e3", endTimeUnixNano: 2e3 }]));
    expect(result.spans).toBe(1);
    expect(wordsToBigInt(batch.startLo[0]!, batch.startHi[0]!)).toBe(1500n);
  });
});

describe("decodeTraceJson: malformed input", () => {
  const cases: [string, string, RegExp][] = [
    ["a syntax error", '{"resourceSpans": [', /^malformed ExportTraceServiceRequest JSON: /],
    ["an empty body", "", /^malformed ExportTraceServiceRequest JSON/],
    ["a root that is an array", "[]", /^ExportTraceServiceRequest: want an object, got an array$/],
    ["resourceSpans not an array", '{"resourceSpans": {}}', /^ExportTraceServiceRequest.resourceSpans: want an array, got an object$/],
    ["a resource span that is a string", '{"resourceSpans": ["x"]}', /^ExportTraceServiceRequest.resourceSpans\[0\]: want an object, got a string$/],
    ["a resource that is an array", '{"resourceSpans": [{"resource": []}]}', /resourceSpans\[0\].resource: want an object, got an array$/],
    ["spans not an array", '{"resourceSpans": [{"scopeSpans": [{"spans": 5}]}]}', /resourceSpans\[0\].scopeSpans\[0\].spans: want an array, got a number$/],
    ["a span that is null", '{"resourceSpans": [{"scopeSpans": [{"spans": [{}, null]}]}]}', /scopeSpans\[0\].spans\[1\]: want an object, got null$/],
    ["a name that is not a string", body([{ ...base, name: 5 }]), /spans\[0\].name: want a string, got a number$/],
    ["an attribute key that is not a string", body([{ ...base, attributes: [{ key: 1 }] }]), /spans\[0\].attributes\[0\].key: want a string, got a number$/],
    ["an attribute value that is a string", body([{ ...base, attributes: [{ key: "k", value: "v" }] }]), /spans\[0\].attributes\[0\].value: want an object, got a string$/],
    ["a status that is a number", body([{ ...base, status: 2 }]), /spans\[0\].status: want an object, got a number$/],
    ["a kind that is an object", body([{ ...base, kind: {} }]), /spans\[0\].kind: want an enum name or integer, got an object$/],
    ["a resource attribute key that is not a string", body([base], { attributes: [{ key: null }, { key: [] }] }), /resource.attributes\[1\].key: want a string, got an array$/],
  ];
  for (const [what, text, re] of cases) {
    it(`throws DecodeError for ${what}`, () => {
      expect(decodeError(text).message).toMatch(re);
    });
  }

  it("reports the syntax error's position in the body as sent", () => {
    const text = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1700000000000000000,}]}]}]}';
    const original = (() => {
      try {
        JSON.parse(text);
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(decodeError(text).message).toBe(`malformed ExportTraceServiceRequest JSON: ${original}`);
  });

  it("clears the batch when it throws", () => {
    const batch = new SpanBatch();
    const text = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [base] }] }, "bad"] });
    expect(() => decodeTraceJson(text, batch, new StringTables())).toThrow(DecodeError);
    expect(batch.length).toBe(0);
  });
});

describe("test helper round trip", () => {
  it("the builder's protobuf and JSON decode to the same batch", () => {
    const req = buildTraceRequest(
      [
        { spanId: "root", service: "web", name: "GET /", kind: "server", startNs: 10n, endNs: 100n, attributes: { "http.route": "/", retries: 2, ratio: 0.5, cached: false } },
        { spanId: "q", parent: "root", service: "web", name: "SELECT", kind: "client", startNs: 20n, endNs: 40n, attributes: { "db.system": "pg" }, error: true },
        { spanId: "other", traceId: "another", service: "worker", name: "job", startNs: 5n, endNs: 6n },
      ],
      { resources: { web: { "deployment.environment": "test" } } },
    );
    const a = new SpanBatch();
    const b = new SpanBatch();
    const ta = new StringTables();
    const tb = new StringTables();
    expect(decodeTraceRequest(req.protobuf, a, ta)).toEqual({ spans: 3, rejected: 0 });
    expect(decodeTraceJson(req.jsonText, b, tb)).toEqual({ spans: 3, rejected: 0 });
    for (let i = 0; i < 3; i++) {
      expect(a.traceKey[i]).toBe(b.traceKey[i]);
      expect([a.spanLo[i], a.spanHi[i], a.parentLo[i], a.parentHi[i], a.kind[i], a.flags[i]]).toEqual([
        b.spanLo[i], b.spanHi[i], b.parentLo[i], b.parentHi[i], b.kind[i], b.flags[i],
      ]);
      expect(ta.strings.get(a.service[i]!)).toBe(tb.strings.get(b.service[i]!));
      expect(ta.strings.get(a.name[i]!)).toBe(tb.strings.get(b.name[i]!));
    }
    expect(a.flags[1]).toBe(SpanFlag.HAS_PARENT | SpanFlag.ERROR);
    expect(ta.strings.get(a.service[2]!)).toBe("worker");
    expect(a.traceKey[2]).not.toBe(a.traceKey[0]);
  });
});
