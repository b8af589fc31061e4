/**
 * The three trace decoders agree: the hand-written wire reader, the protobufjs-based oracle and
 * the JSON decoder, on generated requests with random services, names, attributes (the keys the
 * engine reads and unrelated ones, values of every type, duplicates), ids (valid and invalid),
 * times (valid, zero, reversed, too long), kinds (in and out of the enum), statuses, unknown
 * fields at every level, shuffled field order and the resource after its spans; the JSON form
 * uses random naming (camel/snake), enum names or integers, times as strings or exact numbers,
 * hex case, and unknown members.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTraceJson, decodeTraceRequest, decodeTraceRequestProtobufjs, type TraceDecodeResult } from "../../../src/otlp/index.js";
import { SpanBatch, StringTables, spanIdToHex, traceKeyToHex, wordsToBigInt } from "../../../src/span/index.js";
import { bv, bytes, cat, dv, fixed32, fixed64, iv, message, sv, varint } from "./pb.js";

type Value =
  | { t: "s"; v: string }
  | { t: "i"; v: bigint }
  | { t: "b"; v: boolean }
  | { t: "d"; v: number }
  | { t: "arr"; v: string[] }
  | { t: "none" };
interface Attr {
  key: string;
  value: Value;
}
interface Unknown {
  at: number;
  bytes: Uint8Array;
}
interface SpanModel {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parent: Uint8Array;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attrs: Attr[];
  status: number | undefined;
  unknown: Unknown[];
  order: number[];
}
interface ResourceModel {
  service: Value | undefined;
  other: Attr[];
  scopes: SpanModel[][];
  resourceLast: boolean;
  unknown: Unknown[];
}
interface JsonStyle {
  snake: boolean;
  timesAsNumbers: boolean;
  enumNames: boolean;
  upperHex: boolean;
  extraMembers: boolean;
}

const KEYS = [
  "http.route", "db.system", "db.system.name", "db.query.text", "db.statement", "peer.service",
  "messaging.system", "server.address", "net.peer.name", "service.name",
  "http.method", "db.name", "server.port", "peer.servic", "http.routes", "",
];
const POOL = ["", "GET /", "/api/orders/{id}", "postgresql", "kafka", "orders-db", "SELECT 1", "ünïcødé 🚀", "a"];

const str = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 500, maxLength: 1100 }) },
);
const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: str.map((v) => ({ t: "s" as const, v })) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ t: "i" as const, v })) },
  { weight: 1, arbitrary: fc.boolean().map((v) => ({ t: "b" as const, v })) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ t: "d" as const, v })) },
  { weight: 1, arbitrary: fc.array(str, { maxLength: 3 }).map((v) => ({ t: "arr" as const, v })) },
  { weight: 1, arbitrary: fc.constant({ t: "none" as const }) },
);
const attr: fc.Arbitrary<Attr> = fc.record({
  key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 16 }) }),
  value,
});

/** Unknown fields: numbers no OTLP trace message declares, every valid wire type. */
const unknownField: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.integer({ min: 17, max: 999 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => varint(f, v)),
  fc.tuple(fc.integer({ min: 17, max: 999 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => fixed64(f, v)),
  fc.tuple(fc.integer({ min: 17, max: 536870911 }), fc.uint8Array({ maxLength: 12 })).map(([f, b]) => bytes(f, b)),
  fc.tuple(fc.integer({ min: 17, max: 999 }), fc.nat()).map(([f, v]) => fixed32(f, v)),
);
const unknowns: fc.Arbitrary<Unknown[]> = fc.array(fc.record({ at: fc.nat(20), bytes: unknownField }), { maxLength: 2 });

const nonZero = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => b.some((x) => x !== 0));
const traceId = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...Array.from({ length: 3 }, (_, i) => Uint8Array.from({ length: 16 }, (_, j) => (i * 37 + j * 11 + 1) & 0xff))) },
  { weight: 6, arbitrary: nonZero(16) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(16)) },
);
const spanId = fc.oneof(
  { weight: 12, arbitrary: nonZero(8) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(8)) },
);
const parentId = fc.oneof(
  { weight: 4, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 6, arbitrary: nonZero(8) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(8)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 10 }) },
);
const times = fc
  .tuple(
    fc.oneof({ weight: 12, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 63n }) }, { weight: 1, arbitrary: fc.constant(0n) }),
    fc.oneof(
      { weight: 12, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 40n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 40n), max: -1n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 60n }) },
    ),
  )
  .map(([start, delta]) => {
    const end = start + delta;
    return { start, end: end < 0n ? 0n : end > 2n ** 64n - 1n ? 2n ** 64n - 1n : end };
  });

const spanModel: fc.Arbitrary<SpanModel> = fc
  .record({
    traceId,
    spanId,
    parent: parentId,
    name: str,
    kind: fc.integer({ min: 0, max: 7 }),
    times,
    attrs: fc.array(attr, { maxLength: 8 }),
    status: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    unknown: unknowns,
    order: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
  })
  .map(({ times: t, ...rest }) => ({ ...rest, start: t.start, end: t.end }));

const resourceModel: fc.Arbitrary<ResourceModel> = fc.record({
  service: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("checkout", "cart", "frontend", "").map((v): Value => ({ t: "s", v })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: value },
  ),
  other: fc.array(attr, { maxLength: 3 }),
  scopes: fc.array(fc.array(spanModel, { maxLength: 5 }), { maxLength: 3 }),
  resourceLast: fc.boolean(),
  unknown: unknowns,
});
const requestModel = fc.array(resourceModel, { maxLength: 3 });

// ---- protobuf encoding of the model (pb.ts helpers) ----

function withUnknown(pieces: Uint8Array[], unknown: Unknown[]): Uint8Array {
  const out = [...pieces];
  for (const u of unknown) out.splice(u.at % (out.length + 1), 0, u.bytes);
  return cat(...out);
}

function anyValue(v: Value): Uint8Array {
  switch (v.t) {
    case "s": return sv(v.v);
    case "i": return iv(v.v);
    case "b": return bv(v.v);
    case "d": return dv(v.v);
    case "arr": return message(5, ...v.v.map((s) => bytes(1, sv(s))));
    case "none": return new Uint8Array(0);
  }
}

const keyValue = (a: Attr) => cat(bytes(1, a.key), message(2, anyValue(a.value)));

function encodeSpan(s: SpanModel): Uint8Array {
  const pieces = [
    bytes(1, s.traceId),
    bytes(2, s.spanId),
    bytes(4, s.parent),
    bytes(5, s.name),
    varint(6, s.kind),
    fixed64(7, s.start),
    fixed64(8, s.end),
    ...(s.status === undefined ? [] : [message(15, bytes(2, "status message"), varint(3, s.status))]),
    cat(...s.attrs.map((a) => bytes(9, keyValue(a)))), // one block: attribute order matters
    fixed32(16, 0x100),
  ];
  // Shuffle the fields (order must not matter), then insert unknown fields.
  const keyed = pieces.map((p, i) => ({ p, k: s.order[i % s.order.length]! * 16 + i }));
  keyed.sort((a, b) => a.k - b.k);
  return withUnknown(keyed.map((x) => x.p), s.unknown);
}

function encodeRequest(m: ResourceModel[]): Uint8Array {
  return cat(
    ...m.map((r) => {
      const kvs = [...r.other];
      if (r.service !== undefined) kvs.splice(r.other.length >> 1, 0, { key: "service.name", value: r.service });
      const resource = message(1, ...kvs.map((a) => bytes(1, keyValue(a))));
      const scopes = r.scopes.map((spans) => message(2, message(1, bytes(1, "scope")), ...spans.map((s) => bytes(2, encodeSpan(s)))));
      return message(1, withUnknown(r.resourceLast ? [...scopes, resource] : [resource, ...scopes], r.unknown));
    }),
  );
}

// ---- JSON encoding of the model ----

const KIND_NAMES = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

function jsonRequest(m: ResourceModel[], st: JsonStyle): string {
  const n = (camel: string, snake: string) => (st.snake ? snake : camel);
  const hexOf = (b: Uint8Array) => {
    const h = Buffer.from(b).toString("hex");
    return st.upperHex ? h.toUpperCase() : h;
  };
  const time = (t: bigint) => (st.timesAsNumbers ? `@@${t}@@` : t.toString());
  const jsonValue = (v: Value): Record<string, unknown> => {
    switch (v.t) {
      case "s": return { [n("stringValue", "string_value")]: v.v };
      case "i": return { [n("intValue", "int_value")]: v.v.toString() };
      case "b": return { [n("boolValue", "bool_value")]: v.v };
      case "d": return { [n("doubleValue", "double_value")]: v.v };
      case "arr": return { [n("arrayValue", "array_value")]: { values: v.v.map((s) => ({ stringValue: s })) } };
      case "none": return {};
    }
  };
  const kvs = (as: Attr[]) => as.map((a) => ({ key: a.key, value: jsonValue(a.value) }));
  const extra = st.extraMembers ? { droppedAttributesCount: 0, "x-unknown": { nested: [1, 2] } } : {};
  const body = {
    [n("resourceSpans", "resource_spans")]: m.map((r) => {
      const attrs = [...r.other];
      if (r.service !== undefined) attrs.splice(r.other.length >> 1, 0, { key: "service.name", value: r.service });
      return {
        ...extra,
        resource: { attributes: kvs(attrs) },
        [n("scopeSpans", "scope_spans")]: r.scopes.map((spans) => ({
          scope: { name: "scope" },
          spans: spans.map((s) => ({
            ...extra,
            [n("traceId", "trace_id")]: hexOf(s.traceId),
            [n("spanId", "span_id")]: hexOf(s.spanId),
            [n("parentSpanId", "parent_span_id")]: hexOf(s.parent),
            name: s.name,
            kind: st.enumNames && s.kind < KIND_NAMES.length ? KIND_NAMES[s.kind] : s.kind,
            [n("startTimeUnixNano", "start_time_unix_nano")]: time(s.start),
            [n("endTimeUnixNano", "end_time_unix_nano")]: time(s.end),
            attributes: kvs(s.attrs),
            ...(s.status === undefined ? {} : { status: { message: "m", code: st.enumNames ? STATUS_NAMES[s.status] : s.status } }),
            flags: 256,
          })),
        })),
      };
    }),
  };
  // Times as exact JSON numbers (beyond 2^53): written as digits, not through a double.
  return JSON.stringify(body).replace(/"@@(\d+)@@"/g, "$1");
}

const jsonStyle: fc.Arbitrary<JsonStyle> = fc.record({
  snake: fc.boolean(),
  timesAsNumbers: fc.boolean(),
  enumNames: fc.boolean(),
  upperHex: fc.boolean(),
  extraMembers: fc.boolean(),
});

// ---- comparison ----

function rows(batch: SpanBatch, tables: StringTables) {
  const s = (id: number) => tables.strings.get(id);
  return Array.from({ length: batch.length }, (_, i) => ({
    trace: traceKeyToHex(batch.traceKey[i]!),
    span: spanIdToHex(batch.spanLo[i]!, batch.spanHi[i]!),
    parent: spanIdToHex(batch.parentLo[i]!, batch.parentHi[i]!),
    start: wordsToBigInt(batch.startLo[i]!, batch.startHi[i]!),
    end: wordsToBigInt(batch.endLo[i]!, batch.endHi[i]!),
    kind: batch.kind[i],
    flags: batch.flags[i],
    service: s(batch.service[i]!),
    name: s(batch.name[i]!),
    route: s(batch.route[i]!),
    peer: s(batch.peer[i]!),
    dbSystem: s(batch.dbSystem[i]!),
    statement: tables.statements.get(batch.statement[i]!),
  }));
}

function run(decode: (b: SpanBatch, t: StringTables) => TraceDecodeResult) {
  const batch = new SpanBatch(2);
  const tables = new StringTables();
  const result = decode(batch, tables);
  return { result, rows: rows(batch, tables) };
}

describe("trace decoders agree", () => {
  it("hand-written reader == protobufjs oracle == JSON decoder", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(requestModel, jsonStyle, (model, style) => {
        const buf = encodeRequest(model);
        const hand = run((b, t) => decodeTraceRequest(buf, b, t));
        const oracle = run((b, t) => decodeTraceRequestProtobufjs(buf, b, t));
        expect(hand).toEqual(oracle);
        const json = run((b, t) => decodeTraceJson(jsonRequest(model, style), b, t));
        expect(json).toEqual(hand);
        accepted += hand.result.spans;
        rejected += hand.result.rejected;
      }),
      { numRuns: 400 },
    );
    // The generators exercise both outcomes.
    expect(accepted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(50);
  });

  it("hand-written reader == protobufjs oracle when sharing one StringTables across calls", () => {
    // Sharing tables across decoders checks the byte cache never returns a stale id.
    const tables = new StringTables();
    fc.assert(
      fc.property(requestModel, (model) => {
        const buf = encodeRequest(model);
        const a = new SpanBatch();
        const b = new SpanBatch();
        const ra = decodeTraceRequest(buf, a, tables);
        const rb = decodeTraceRequestProtobufjs(buf, b, tables);
        expect(ra).toEqual(rb);
        expect(rows(a, tables)).toEqual(rows(b, tables));
        expect(Array.from(a.name.subarray(0, a.length))).toEqual(Array.from(b.name.subarray(0, b.length)));
      }),
      { numRuns: 200 },
    );
  });
});
