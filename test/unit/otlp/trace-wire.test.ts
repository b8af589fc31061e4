import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors/index.js";
import { decodeTraceRequest, decodeTraceRequestProtobufjs, MAX_NAME_CHARS, MAX_STATEMENT_CHARS } from "../../../src/otlp/index.js";
import {
  SpanBatch,
  SpanFlag,
  SpanKind,
  StringTables,
  hexToTraceKey,
  spanIdToHex,
  traceKeyToHex,
} from "../../../src/span/index.js";
import { buildTraceRequest } from "../../helpers/otlp.js";
import {
  PARENT,
  SPAN,
  TRACE,
  attrs,
  bv,
  bytes,
  cat,
  dv,
  fixed32,
  fixed64,
  hex,
  iv,
  kv,
  message,
  nestedArrayValue,
  rawVarint,
  request,
  span,
  sv,
  tag,
  varint,
} from "./pb.js";

function decode(buf: Uint8Array) {
  const batch = new SpanBatch(4);
  const tables = new StringTables();
  const result = decodeTraceRequest(buf, batch, tables);
  const str = (id: number) => tables.strings.get(id);
  return { result, batch, tables, str };
}

function decodeError(buf: Uint8Array): DecodeError {
  try {
    decodeTraceRequest(buf, new SpanBatch(), new StringTables());
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

describe("decodeTraceRequest: fields", () => {
  it("reads every column of a hand-built span", () => {
    const { result, batch, tables, str } = decode(
      request(
        "checkout",
        span(
          [
            attrs(
              kv("http.route", sv("/api/orders/{id}")),
              kv("http.request.method", sv("GET")),
              kv("db.system", sv("postgresql")),
              kv("db.statement", sv("SELECT * FROM orders WHERE id = $1")),
              kv("peer.service", sv("orders-db")),
            ),
            message(15, bytes(2, "boom"), varint(3, 2)),
          ],
          { parent: PARENT, name: "GET /api/orders/{id}", kind: 3, start: 0x1234_5678_9abc_def0n, end: 0x1234_5678_9abd_0000n },
        ),
      ),
    );
    expect(result).toEqual({ spans: 1, rejected: 0 });
    expect(batch.length).toBe(1);
    expect(traceKeyToHex(batch.traceKey[0]!)).toBe(TRACE);
    expect(spanIdToHex(batch.spanLo[0]!, batch.spanHi[0]!)).toBe(SPAN);
    expect(spanIdToHex(batch.parentLo[0]!, batch.parentHi[0]!)).toBe(PARENT);
    expect([batch.startLo[0], batch.startHi[0]]).toEqual([0x9abc_def0, 0x1234_5678]);
    expect([batch.endLo[0], batch.endHi[0]]).toEqual([0x9abd_0000, 0x1234_5678]);
    expect(batch.kind[0]).toBe(SpanKind.CLIENT);
    expect(batch.flags[0]).toBe(SpanFlag.HAS_PARENT | SpanFlag.ERROR);
    expect(str(batch.service[0]!)).toBe("checkout");
    expect(str(batch.name[0]!)).toBe("GET /api/orders/{id}");
    expect(str(batch.route[0]!)).toBe("/api/orders/{id}");
    expect(str(batch.dbSystem[0]!)).toBe("postgresql");
    expect(str(batch.peer[0]!)).toBe("orders-db");
    expect(tables.statements.get(batch.statement[0]!)).toBe("SELECT * FROM orders WHERE id = $1");
  });

  it("defaults: no parent, no attributes, unset status, unknown_service", () => {
    const { result, batch, str } = decode(request(undefined, span()));
    expect(result.spans).toBe(1);
    expect(batch.flags[0]).toBe(0);
    expect([batch.parentLo[0], batch.parentHi[0]]).toEqual([0, 0]);
    expect(str(batch.service[0]!)).toBe("unknown_service");
    expect([batch.route[0], batch.peer[0], batch.dbSystem[0], batch.statement[0]]).toEqual([0, 0, 0, 0]);
  });

  it("an all-zero parent means no parent; status OK is not an error", () => {
    const { batch } = decode(request("s", span([message(15, varint(3, 1))], { parent: "0000000000000000" })));
    expect(batch.flags[0]).toBe(0);
  });

  it("maps kinds, and kinds outside the enum to UNSPECIFIED", () => {
    for (const [wire, want] of [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 0], [-1, 0], [2 ** 32 + 2, 2]] as const) {
      const { batch } = decode(request("s", span([], { kind: 0 }), span([varint(6, wire)], { id: PARENT })));
      expect(batch.kind[1], `kind ${wire}`).toBe(want);
    }
  });

  it("picks db.system.name over db.system and db.query.text over db.statement", () => {
    const { batch, str, tables } = decode(
      request("s", span([attrs(kv("db.system", sv("old")), kv("db.system.name", sv("new")), kv("db.statement", sv("s1")), kv("db.query.text", sv("s2")))])),
    );
    expect(str(batch.dbSystem[0]!)).toBe("new");
    expect(tables.statements.get(batch.statement[0]!)).toBe("s2");
    expect(str(batch.peer[0]!)).toBe("new");
  });

  it("peer: peer.service > db system > messaging.system > server.address > net.peer.name", () => {
    const chain: [string, string][] = [
      ["peer.service", "p"],
      ["db.system", "d"],
      ["messaging.system", "m"],
      ["server.address", "a"],
      ["net.peer.name", "n"],
    ];
    for (let i = 0; i < chain.length; i++) {
      const present = chain.slice(i).reverse().map(([k, v]) => kv(k, sv(v)));
      const { batch, str } = decode(request("s", span([attrs(...present)])));
      expect(str(batch.peer[0]!), chain[i]![0]).toBe(chain[i]![1]);
    }
  });

  it("keeps string values only; non-string, empty and nested values count as absent", () => {
    const { batch } = decode(
      request(
        "s",
        span([
          attrs(
            kv("http.route", iv(5)),
            kv("peer.service", sv("")),
            kv("db.system", message(5, message(1, sv("x")))), // array_value
            kv("server.address", bv(true)),
            kv("net.peer.name", dv(1.5)),
            kv("messaging.system", message(6)), // empty kvlist
          ),
        ]),
      ),
    );
    expect([batch.route[0], batch.peer[0], batch.dbSystem[0]]).toEqual([0, 0, 0]);
  });

  it("a duplicated key: the last occurrence wins, even when it is not a string", () => {
    const a = decode(request("s", span([attrs(kv("http.route", sv("/a")), kv("http.route", sv("/b")))])));
    expect(a.str(a.batch.route[0]!)).toBe("/b");
    const b = decode(request("s", span([attrs(kv("http.route", sv("/a")), kv("http.route", iv(1)))])));
    expect(b.batch.route[0]).toBe(0);
  });

  it("AnyValue oneof: the member that comes last wins", () => {
    const a = decode(request("s", span([attrs(kv("http.route", iv(1), sv("/x")))])));
    expect(a.str(a.batch.route[0]!)).toBe("/x");
    const b = decode(request("s", span([attrs(kv("http.route", sv("/x"), iv(1)))])));
    expect(b.batch.route[0]).toBe(0);
  });

  it("does not look inside the values of attributes it does not keep", () => {
    const { result } = decode(request("s", span([attrs(kv("user.id", varint(1, 5)), kv("http.route", sv("/r")))])));
    expect(result.spans).toBe(1);
  });

  it("a repeated key field: the last key names the value, even one skipped at first", () => {
    const { batch, str } = decode(request("s", span([bytes(9, cat(bytes(1, "user.id"), message(2, sv("/late")), bytes(1, "http.route")))])));
    expect(str(batch.route[0]!)).toBe("/late");
    const oracle = new SpanBatch();
    const tables = new StringTables();
    decodeTraceRequestProtobufjs(request("s", span([bytes(9, cat(bytes(1, "user.id"), message(2, sv("/late")), bytes(1, "http.route")))])), oracle, tables);
    expect(tables.strings.get(oracle.route[0]!)).toBe("/late");
    const back = decode(request("s", span([bytes(9, cat(bytes(1, "http.route"), message(2, sv("/x")), bytes(1, "user.id")))])));
    expect(back.batch.route[0]).toBe(0);
  });

  it("key after value, and keys that only resemble the interesting ones", () => {
    const { batch, str } = decode(
      request(
        "s",
        span([
          bytes(9, cat(message(2, sv("/r")), bytes(1, "http.route"))),
          attrs(kv("http.routE", sv("no")), kv("db.systeX", sv("no")), kv("peer.servicf", sv("no")), kv("dc.statement", sv("no"))),
        ]),
      ),
    );
    expect(str(batch.route[0]!)).toBe("/r");
    expect([batch.dbSystem[0], batch.peer[0], batch.statement[0]]).toEqual([0, 0, 0]);
  });

  it("truncates statements to 1024 UTF-16 units without splitting a surrogate pair", () => {
    const long = "x".repeat(1023) + "😀" + "y".repeat(5000);
    const { batch, tables } = decode(request("s", span([attrs(kv("db.query.text", sv(long)))])));
    const st = tables.statements.get(batch.statement[0]!);
    expect(st).toBe("x".repeat(1023));
    const ascii = "z".repeat(9000);
    const d = decode(request("s", span([attrs(kv("db.statement", sv(ascii)))])));
    expect(d.tables.statements.get(d.batch.statement[0]!)).toBe("z".repeat(MAX_STATEMENT_CHARS));
  });

  it("cuts names to 256 UTF-16 units (service, span name, route, peer, db system), as the protobufjs oracle does, however long the value", () => {
    const huge = "n".repeat(10 * 2 ** 20); // 10 MiB
    const pair = "x".repeat(MAX_NAME_CHARS - 1) + "😀" + "tail";
    const buf = request(
      huge,
      span([attrs(kv("http.route", sv(pair)), kv("db.system", sv("é".repeat(5000))))], { name: huge }),
    );
    const { batch, str } = decode(buf);
    expect(str(batch.service[0]!)).toBe("n".repeat(MAX_NAME_CHARS));
    expect(str(batch.name[0]!)).toBe("n".repeat(MAX_NAME_CHARS));
    expect(str(batch.route[0]!)).toBe("x".repeat(MAX_NAME_CHARS - 1));
    expect(str(batch.dbSystem[0]!)).toBe("é".repeat(MAX_NAME_CHARS));
    expect(str(batch.peer[0]!)).toBe("é".repeat(MAX_NAME_CHARS));
    const oracle = new SpanBatch(4);
    const tables = new StringTables();
    decodeTraceRequestProtobufjs(buf, oracle, tables);
    for (const col of ["service", "name", "route", "peer", "dbSystem"] as const) {
      expect(tables.strings.get(oracle[col][0]!)).toBe(str(batch[col][0]!));
    }
  });

  it("reads the resource even after the spans, merging repeated resources (last service.name wins)", () => {
    const rs = cat(
      message(2, bytes(2, span())),
      message(1, bytes(1, kv("service.name", sv("first")))),
      message(1, bytes(1, kv("host.name", sv("h")))),
      message(1, bytes(1, kv("service.name", sv("second")))),
    );
    const { batch, str } = decode(message(1, rs));
    expect(str(batch.service[0]!)).toBe("second");
  });

  it("service.name that is not a string or empty falls back to unknown_service", () => {
    for (const value of [iv(3), sv("")]) {
      const rs = cat(message(1, bytes(1, kv("service.name", value))), message(2, bytes(2, span())));
      const { batch, str } = decode(message(1, rs));
      expect(str(batch.service[0]!)).toBe("unknown_service");
    }
  });

  it("merges repeated status messages: the last code wins", () => {
    const a = decode(request("s", span([message(15, varint(3, 2)), message(15, bytes(2, "msg only"))])));
    expect(a.batch.flags[0]! & SpanFlag.ERROR).toBe(SpanFlag.ERROR);
    const b = decode(request("s", span([message(15, varint(3, 2)), message(15, varint(3, 0))])));
    expect(b.batch.flags[0]! & SpanFlag.ERROR).toBe(0);
  });

  it("skips unknown fields of every wire type at every level, and the fields it does not use", () => {
    const unknown = cat(varint(99, 123456789n), fixed64(98, 7n), bytes(97, "junk"), fixed32(96, 5), varint(2000, 1));
    const sp = span([
      unknown,
      bytes(3, "tracestate"),
      varint(10, 1),
      message(11, fixed64(1, 5n), bytes(2, "event"), attrs(kv("x", sv("y")))),
      varint(12, 0),
      message(13, bytes(1, hex(TRACE)), bytes(2, hex(SPAN))),
      varint(14, 2),
      fixed32(16, 0x301),
      attrs(cat(kv("http.route", sv("/u")), unknown)),
    ]);
    const rs = cat(
      unknown,
      message(1, unknown, bytes(1, cat(kv("service.name", sv("svc")), unknown)), varint(2, 3)),
      message(2, unknown, message(1, bytes(1, "scope"), bytes(2, "1.0")), bytes(2, sp), bytes(3, "schema")),
      bytes(3, "https://opentelemetry.io/schemas/1.21.0"),
    );
    const { result, batch, str } = decode(cat(unknown, message(1, rs), unknown));
    expect(result).toEqual({ spans: 1, rejected: 0 });
    expect(str(batch.service[0]!)).toBe("svc");
    expect(str(batch.route[0]!)).toBe("/u");
  });

  it("skips deeply nested attribute values by their length (no recursion)", () => {
    const nested = nestedArrayValue(100_000); // array of array of ...
    const { result, batch, str } = decode(request("s", span([attrs(kv("deep", nested), kv("http.route", sv("/ok")))])));
    expect(result.spans).toBe(1);
    expect(str(batch.route[0]!)).toBe("/ok");
  });

  it("replaces invalid UTF-8 with U+FFFD", () => {
    const bad = Uint8Array.from([0x61, 0xff, 0x62, 0xe2, 0x82, 0x63, 0xed, 0xa0, 0x80]);
    const { batch, str } = decode(request("s", span([attrs(kv("http.route", sv(bad)))], { name: "ok" })));
    expect(str(batch.route[0]!)).toBe("a\ufffdb\ufffdc\ufffd\ufffd\ufffd");
    expect(str(batch.route[0]!)).toBe(new TextDecoder().decode(bad));
  });

  it("accepts non-canonical (padded) varints for lengths and enums", () => {
    const name = Uint8Array.from([...tag(5, 2), 0x82, 0x80, 0x80, 0x00, 0x6f, 0x70]); // length 2 in 4 bytes
    const kind = Uint8Array.from([...tag(6, 0), 0x83, 0x80, 0x00]);
    const { batch, str } = decode(request("s", cat(bytes(1, hex(TRACE)), bytes(2, hex(SPAN)), name, kind, fixed64(7, 1n), fixed64(8, 2n))));
    expect(str(batch.name[0]!)).toBe("op");
    expect(batch.kind[0]).toBe(3);
  });

  it("clears the batch and reuses it across calls; many spans grow it", () => {
    const batch = new SpanBatch(2);
    const tables = new StringTables();
    const spans = Array.from({ length: 50 }, (_, i) => span([], { id: (i + 1).toString(16).padStart(16, "0"), name: `n${i % 3}` }));
    expect(decodeTraceRequest(request("s", ...spans), batch, tables).spans).toBe(50);
    expect(batch.length).toBe(50);
    expect(tables.strings.get(batch.name[49]!)).toBe("n1");
    expect(decodeTraceRequest(request("s", span()), batch, tables).spans).toBe(1);
    expect(batch.length).toBe(1);
    expect(decodeTraceRequest(new Uint8Array(0), batch, tables)).toEqual({ spans: 0, rejected: 0 });
    expect(batch.length).toBe(0);
  });

  it("gives consecutive spans of one trace the same key, and other traces their own", () => {
    const other = "0102030405060708090a0b0c0d0e0f10";
    const { batch } = decode(
      request("s", span([], { id: "0000000000000001" }), span([], { id: "0000000000000002" }), span([], { trace: other, id: "0000000000000003" }), span([], { id: "0000000000000004" })),
    );
    expect(batch.traceKey.map(traceKeyToHex)).toEqual([TRACE, TRACE, other, TRACE]);
    expect(batch.traceKey[0]).toBe(hexToTraceKey(TRACE));
  });

  it("keeps string ids stable across requests and tables (cache bound per interner)", () => {
    const tablesA = new StringTables();
    const tablesB = new StringTables();
    tablesB.strings.intern("something else first");
    const batch = new SpanBatch();
    const buf = request("svc", span([], { name: "same" }));
    decodeTraceRequest(buf, batch, tablesA);
    expect(tablesA.strings.get(batch.name[0]!)).toBe("same");
    decodeTraceRequest(buf, batch, tablesB);
    expect(tablesB.strings.get(batch.name[0]!)).toBe("same");
    decodeTraceRequest(buf, batch, tablesA);
    expect(tablesA.strings.get(batch.name[0]!)).toBe("same");
  });

  it("folds names into the overflow id when the string table is full", () => {
    const tables = new StringTables({ maxStrings: 4 });
    const batch = new SpanBatch();
    const spans = ["a", "b", "c", "d", "b"].map((n, i) => span([], { id: (i + 1).toString(16).padStart(16, "0"), name: n }));
    decodeTraceRequest(request("svc", ...spans), batch, tables);
    const names = Array.from(batch.name.subarray(0, 5), (id) => tables.strings.get(id));
    // ids 0,1 reserved; "unknown_service" and "svc" take the two free slots.
    expect(names).toEqual(["__overflow__", "__overflow__", "__overflow__", "__overflow__", "__overflow__"]);
  });
});

describe("decodeTraceRequest: rejections", () => {
  const cases: [string, Uint8Array, string][] = [
    ["trace id of 15 bytes", span([], { trace: TRACE.slice(2) }), "span 0: trace_id has 15 bytes, want 16"],
    ["missing trace id", cat(bytes(2, hex(SPAN)), fixed64(7, 1n), fixed64(8, 2n)), "span 0: trace_id has 0 bytes, want 16"],
    ["all-zero trace id", span([], { trace: "0".repeat(32) }), "span 0: trace_id is all zero"],
    ["span id of 9 bytes", span([], { id: SPAN + "00" }), "span 0: span_id has 9 bytes, want 8"],
    ["all-zero span id", span([], { id: "0".repeat(16) }), "span 0: span_id is all zero"],
    ["parent of 4 bytes", span([], { parent: "01020304" }), "span 0: parent_span_id has 4 bytes, want 0 or 8"],
    ["start time 0", span([], { start: 0n, end: 5n }), "span 0: start_time_unix_nano is 0"],
    ["end before start", span([], { start: 10n, end: 9n }), "span 0: end_time_unix_nano is before start_time_unix_nano"],
    ["end before start (high word)", span([], { start: 2n ** 33n, end: 2n ** 32n + 5n }), "span 0: end_time_unix_nano is before start_time_unix_nano"],
    ["duration of 2^53 ns", span([], { start: 1n, end: 1n + 2n ** 53n }), "span 0: duration is 2^53 ns (about 104 days) or more"],
  ];
  for (const [what, bad, reason] of cases) {
    it(`rejects a span with ${what}, keeping the others`, () => {
      const good = span([], { id: "00000000000000aa" });
      const { result, batch } = decode(request("s", good, bad, good));
      expect(result).toEqual({ spans: 2, rejected: 1, reason: reason.replace("span 0", "span 1") });
      expect(batch.length).toBe(2);
    });
  }

  it("accepts the edges: empty parent, end == start, duration 2^53 - 1", () => {
    const { result } = decode(request("s", span([], { start: 5n, end: 5n }), span([], { start: 1n, end: 2n ** 53n })));
    expect(result).toEqual({ spans: 2, rejected: 0 });
  });

  it("reports the first reason and counts every rejection", () => {
    const { result } = decode(request("s", span(), span([], { start: 0n }), span([], { id: "0".repeat(16) })));
    expect(result).toEqual({ spans: 1, rejected: 2, reason: "span 1: start_time_unix_nano is 0" });
  });
});

describe("decodeTraceRequest: malformed input", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["truncated varint", Uint8Array.from([0x0a, 0x80]), /truncated varint at byte 1/],
    ["truncated tag", Uint8Array.from([0x80]), /truncated varint at byte 0/],
    ["varint longer than 10 bytes", cat(request("s", span([Uint8Array.from([0x30, ...new Array<number>(10).fill(0x80), 0x01])]))), /varint longer than 10 bytes at byte \d+ in Span.kind/],
    ["length past the end of the input", Uint8Array.from([0x0a, 0x05, 0x00]), /length 5 of ExportTraceServiceRequest.resource_spans at byte 1 runs past the end of the input \(3 bytes\)/],
    [
      "length past its enclosing message",
      cat(message(1, Uint8Array.from([0x12, 0x05, 0x0a, 0x00])), bytes(7, "padding-after")),
      /length 5 of ResourceSpans field 2 at byte 3 runs past the end of its enclosing message \(byte 6\)/,
    ],
    ["wrong wire type (varint for resource_spans)", varint(1, 3), /wrong wire type 0 for ExportTraceServiceRequest field 1 \(want 2\) at byte 0/],
    ["wrong wire type for Span.kind", request("s", span([bytes(6, "x")])), /wrong wire type 2 for Span field 6 \(want 0\)/],
    ["wrong wire type for a start time", request("s", span([varint(7, 1)])), /wrong wire type 0 for Span field 7 \(want 1\)/],
    ["wrong wire type for Span.flags", request("s", span([fixed64(16, 1n)])), /wrong wire type 1 for Span field 16 \(want 5\)/],
    ["wrong wire type inside an AnyValue", request("s", span([attrs(kv("http.route", varint(1, 5)))])), /wrong wire type 0 for AnyValue field 1 \(want 2\)/],
    ["wrong wire type for KeyValue.value", request("s", span([attrs(cat(bytes(1, "k"), varint(2, 1)))])), /wrong wire type 0 for KeyValue field 2 \(want 2\)/],
    ["wrong wire type for Status.code", request("s", span([message(15, fixed32(3, 2))])), /wrong wire type 5 for Status field 3 \(want 0\)/],
    ["wire type 3 (start group)", cat(tag(50, 3)), /invalid wire type 3 for field 50 at byte 0/],
    ["wire type 4 (end group)", request("s", span([tag(50, 4)])), /invalid wire type 4 for field 50/],
    ["wire type 6", cat(tag(1, 6)), /invalid wire type 6 for field 1 at byte 0/],
    ["wire type 7", cat(tag(1, 7)), /invalid wire type 7/],
    ["field number 0", Uint8Array.from([0x02, 0x00]), /field number 0 at byte 0 in ExportTraceServiceRequest/],
    ["field number 0 in a span", request("s", span([Uint8Array.from([0x00])])), /field number 0 at byte \d+ in Span/],
    ["fixed64 cut short", request("s", cat(bytes(1, hex(TRACE)), tag(7, 1), Uint8Array.from([1, 2, 3]))), /Span.start_time_unix_nano at byte \d+ needs 8 bytes but its message ends at byte \d+/],
    ["fixed32 of an unknown field cut short", request("s", cat(span(), tag(99, 5), Uint8Array.from([1]))), /Span field 99 at byte \d+ needs 4 bytes/],
    ["tag varint longer than 5 bytes", Uint8Array.from([0x88, 0x80, 0x80, 0x80, 0x80, 0x01]), /tag varint longer than 5 bytes at byte 0/],
  ];
  for (const [what, buf, re] of cases) {
    it(`throws DecodeError for ${what}`, () => {
      const err = decodeError(buf);
      expect(err.code).toBe("decode_failed");
      expect(err.message).toMatch(re);
    });
  }

  it("clears the batch when it throws", () => {
    const batch = new SpanBatch();
    const tables = new StringTables();
    const bad = cat(request("s", span()), Uint8Array.from([0x0a, 0x7f]));
    expect(() => decodeTraceRequest(bad, batch, tables)).toThrow(DecodeError);
    expect(batch.length).toBe(0);
  });

  it("truncated at every byte: DecodeError or a consistent result, never a crash or a hang", () => {
    const full = buildTraceRequest(
      Array.from({ length: 6 }, (_, i) => ({
        spanId: `s${i}`,
        parent: i === 0 ? undefined : "s0",
        service: i % 2 ? "a" : "b",
        name: `op${i}`,
        kind: "client" as const,
        startNs: 1_000_000n + BigInt(i),
        endNs: 2_000_000n,
        attributes: { "http.route": "/r", "db.system": "pg", n: i, f: 1.5, b: true },
        error: i === 3,
      })),
    ).protobuf;
    expect(decode(full).result).toEqual({ spans: 6, rejected: 0 });
    // The ends of the top-level ResourceSpans (one per service): the only places to cut a
    // request into a shorter valid one.
    const boundaries = new Set([0]);
    for (let p = 0; p < full.length; ) {
      expect(full[p]).toBe(0x0a);
      let len = 0;
      let shift = 0;
      let b: number;
      p++;
      do {
        b = full[p++]!;
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80);
      p += len;
      boundaries.add(p);
    }
    expect(boundaries.size).toBe(3);
    const decodable: number[] = [];
    for (let k = 0; k < full.length; k++) {
      const batch = new SpanBatch();
      try {
        const r = decodeTraceRequest(full.subarray(0, k), batch, new StringTables());
        expect(batch.length).toBe(r.spans);
        expect(r.rejected).toBe(0);
        decodable.push(k);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
      }
    }
    // Every other cut lands inside a length-prefixed message and is detected.
    expect(decodable).toEqual([...boundaries].filter((b) => b < full.length).sort((a, b) => a - b));
  });

  it("random corruption never throws anything but DecodeError", () => {
    const base = buildTraceRequest([
      { spanId: "a", service: "x", name: "n", kind: "server", startNs: 5n, endNs: 9n, attributes: { "http.route": "/x", k: 3 } },
      { spanId: "b", parent: "a", service: "y", name: "m", startNs: 6n, endNs: 8n, attributes: { "peer.service": "p" } },
    ]).protobuf;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
        const buf = Uint8Array.from(base);
        for (const [at, v] of edits) buf[at] = v;
        const batch = new SpanBatch();
        try {
          const r = decodeTraceRequest(buf, batch, new StringTables());
          expect(batch.length).toBe(r.spans);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("random bytes never throw anything but DecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (buf) => {
        try {
          decodeTraceRequest(buf, new SpanBatch(), new StringTables());
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("the protobufjs decoder wraps its errors in DecodeError too", () => {
    expect(() => decodeTraceRequestProtobufjs(Uint8Array.from([0x0a, 0x05, 0x00]), new SpanBatch(), new StringTables())).toThrow(DecodeError);
    // protobufjs stops at 100 levels (protoc's default recursion limit).
    const nested = nestedArrayValue(200);
    expect(() => decodeTraceRequestProtobufjs(request("s", span([attrs(kv("deep", nested))])), new SpanBatch(), new StringTables())).toThrow(
      /malformed ExportTraceServiceRequest: .*nesting/,
    );
  });

  it("a 10-byte negative varint is read as its low 32 bits", () => {
    const { batch } = decode(request("s", span([varint(6, -1n)])));
    expect(rawVarint(-1n).length).toBe(10);
    expect(batch.kind[0]).toBe(0);
  });
});
