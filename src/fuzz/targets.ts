/**
 * What the fuzzer attacks and what each case must satisfy. A target is an arbitrary of cases and
 * a `run` that feeds one case to the code under test and checks the outcome: either accepted
 * (then the result's invariants hold) or refused with the documented error (`DecodeError` for
 * OTLP, problems for budgets, `ConfigError` for configuration, a 4xx JSON error for the API) —
 * never another exception. Violations throw {@link FuzzFailure}.
 */
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import fc from "fast-check";
import YAML from "yaml";
import { Router, budgetRoutes } from "../api/index.js";
import { FORBIDDEN_KEYS, ID_PATTERN, parseBudget, parseBudgetFile } from "../budget/index.js";
import { SETTINGS, loadConfig } from "../config/index.js";
import { ConfigError, DecodeError } from "../errors/index.js";
import { routerTransport } from "../mcp/dispatch.js";
import {
  decodeMetricsJson,
  decodeMetricsRequest,
  decodeTraceJson,
  decodeTraceRequest,
  decodeTraceRequestProtobufjs,
  MAX_NAME_CHARS,
  MAX_STATEMENT_CHARS,
  type MetricsDecodeResult,
  type TraceDecodeResult,
} from "../otlp/index.js";
import { BudgetRegistry, MemoryBudgetPersistence } from "../registry/index.js";
import { yamlTooDeep } from "../yaml/index.js";
import { SpanBatch, SpanFlag, StringTables } from "../span/index.js";
import { BUDGET_SEEDS, CONFIG_SEEDS, buildCorpus, type Corpus } from "./corpus.js";
import {
  applyByteMutations,
  applyTextMutations,
  applyTreeMutations,
  byteMutations,
  cloneJson,
  hostileValue,
  nestedText,
  textMutations,
  treeMutations,
  withOwn,
} from "./mutate.js";
import { bytes, cat, concat, double, fixed32, fixed64, kvString, message, nestedAnyValue, varint } from "./pb.js";

/** An invariant the code under test broke. */
export class FuzzFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FuzzFailure";
  }
}

export type Outcome = "accepted" | "refused";

export interface FuzzCase {
  /** What kind of case it is (for the slowest-case report), e.g. `seed 3 + truncate+flip`. */
  label: string;
  /** Input size in bytes or characters, for the report. */
  size: number;
}

export interface FuzzTarget<C extends FuzzCase = FuzzCase> {
  name: string;
  /** Share of the cases of a run. */
  weight: number;
  what: string;
  arbitrary: fc.Arbitrary<C>;
  /** Synchronous, except for targets that go through promises (the API routes). */
  run(c: C): Outcome | Promise<Outcome>;
  /** A few expensive cases (10 MB values, 100 000-deep nesting) run once per run, timed. */
  heavy(): C[];
}

const fail = (msg: string): never => {
  throw new FuzzFailure(msg);
};

function expectDocumented(err: unknown, want: abstract new (...args: never[]) => Error, what: string): Outcome {
  if (err instanceof FuzzFailure) throw err;
  if (!(err instanceof want)) {
    throw new FuzzFailure(`${what} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of ${want.name}`, { cause: err });
  }
  if (typeof err.message !== "string" || err.message.length === 0) fail(`${what}: ${want.name} without a message`);
  return "refused";
}

// ---- traces ----

const TWO32 = 4294967296;
const TWO53 = 2 ** 53;

/** Invariants of a decoded trace request: every accepted span is valid. */
export function checkTraceBatch(r: TraceDecodeResult, batch: SpanBatch, tables: StringTables, expectedSpans?: number): void {
  if (r.spans !== batch.length) fail(`result.spans ${r.spans} != batch.length ${batch.length}`);
  if (!Number.isInteger(r.rejected) || r.rejected < 0) fail(`rejected ${r.rejected}`);
  if ((r.reason !== undefined) !== (r.rejected > 0)) fail(`reason ${JSON.stringify(r.reason)} with ${r.rejected} rejected`);
  if (expectedSpans !== undefined && r.spans + r.rejected !== expectedSpans) fail(`${r.spans} accepted + ${r.rejected} rejected != ${expectedSpans} spans sent`);
  for (let i = 0; i < batch.length; i++) {
    const key = batch.traceKey[i]!;
    if (typeof key !== "string" || key.length !== 16) fail(`span ${i}: trace key of length ${key?.length}`);
    let zero = true;
    for (let j = 0; j < 16; j++) {
      const c = key.charCodeAt(j);
      if (c > 255) fail(`span ${i}: trace key char ${c}`);
      if (c !== 0) zero = false;
    }
    if (zero) fail(`span ${i}: all-zero trace id accepted`);
    if (batch.spanLo[i] === 0 && batch.spanHi[i] === 0) fail(`span ${i}: all-zero span id accepted`);
    const hasParent = (batch.flags[i]! & SpanFlag.HAS_PARENT) !== 0;
    if (hasParent && batch.parentLo[i] === 0 && batch.parentHi[i] === 0) fail(`span ${i}: HAS_PARENT with a zero parent`);
    if (batch.startLo[i] === 0 && batch.startHi[i] === 0) fail(`span ${i}: start time 0 accepted`);
    const d = (batch.endHi[i]! - batch.startHi[i]!) * TWO32 + (batch.endLo[i]! - batch.startLo[i]!);
    if (!(d >= 0 && d < TWO53)) fail(`span ${i}: duration ${d} ns accepted`);
    if (batch.kind[i]! > 5) fail(`span ${i}: kind ${batch.kind[i]}`);
    if (batch.service[i] === 0) fail(`span ${i}: no service`);
    for (const col of ["service", "name", "route", "peer", "dbSystem"] as const) {
      const s = tables.strings.get(batch[col][i]!); // throws for an unknown id
      if (s.length > MAX_NAME_CHARS) fail(`span ${i}: ${col} of ${s.length} chars kept`);
    }
    const st = tables.statements.get(batch.statement[i]!);
    if (st.length > MAX_STATEMENT_CHARS) fail(`span ${i}: statement of ${st.length} chars kept`);
  }
}

type TraceDecoder = (input: Uint8Array | string, batch: SpanBatch, tables: StringTables) => TraceDecodeResult;

interface TraceCase extends FuzzCase {
  input: Uint8Array | string;
  spans?: number;
}

function traceRunner(decode: TraceDecoder, what: string): (c: TraceCase) => Outcome {
  const batch = new SpanBatch(64);
  // Shared across cases: fills up and overflows (the cardinality limit is exercised too).
  const tables = new StringTables({ maxStrings: 50_000, maxStatements: 5_000 });
  return (c) => {
    let r: TraceDecodeResult;
    try {
      r = decode(c.input, batch, tables);
    } catch (err) {
      const out = expectDocumented(err, DecodeError, what);
      if (batch.length !== 0) fail(`${what}: ${batch.length} spans left in the batch after a DecodeError`);
      return out;
    }
    checkTraceBatch(r, batch, tables, c.spans);
    return "accepted";
  };
}

const utf8 = new TextEncoder();
const KEPT_KEYS = ["http.route", "db.system", "db.system.name", "db.statement", "db.query.text", "peer.service", "messaging.system", "server.address", "net.peer.name"];
const BAD_STRINGS = [Uint8Array.from([0xff, 0xfe]), Uint8Array.from([0x61, 0xed, 0xa0, 0x80]), Uint8Array.from([0xc3]), Uint8Array.from([0xf0, 0x9f, 0x98])];

const strBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }).map((s) => utf8.encode(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_STRINGS) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 2000 }).map((n) => utf8.encode("é".repeat(n))) },
);
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 1_700_000_000_000_000_000n),
);
const idOf = (n: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ minLength: n, maxLength: n }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: n + 4 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(n)) },
  );
const anyValueBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: strBytes.map((b) => bytes(1, b)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((v) => varint(3, v)) },
  { weight: 1, arbitrary: fc.double().map((v) => double(4, v)) },
  { weight: 1, arbitrary: fc.boolean().map((v) => varint(2, v ? 1 : 0)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((d) => nestedAnyValue(d)) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
);
const spanBytes = fc
  .record({
    trace: idOf(16),
    id: idOf(8),
    parent: fc.oneof(fc.constant(new Uint8Array(0)), idOf(8)),
    name: strBytes,
    kind: fc.oneof(fc.integer({ min: 0, max: 7 }).map(BigInt), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })),
    start: u64,
    delta: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 40n }), u64, fc.bigInt({ min: -(2n ** 40n), max: 0n })),
    attrs: fc.array(fc.record({ key: fc.oneof(fc.constantFrom(...KEPT_KEYS), fc.string({ maxLength: 12 })), value: anyValueBytes }), { maxLength: 6 }),
    status: fc.option(fc.bigInt({ min: -1n, max: 2n ** 32n }), { nil: undefined }),
  })
  .map((s) =>
    cat(
      bytes(1, s.trace),
      bytes(2, s.id),
      bytes(4, s.parent),
      bytes(5, s.name),
      varint(6, s.kind),
      fixed64(7, s.start),
      fixed64(8, BigInt.asUintN(64, s.start + s.delta)),
      ...s.attrs.map((a) => message(9, bytes(1, a.key), message(2, a.value))),
      ...(s.status === undefined ? [] : [message(15, varint(3, s.status))]),
      fixed32(16, 0x100),
    ),
  );
/** A structurally valid request with hostile field values; the span count is known. */
const structuredTraces: fc.Arbitrary<TraceCase> = fc
  .array(fc.record({ service: fc.option(strBytes, { nil: undefined }), spans: fc.array(spanBytes, { maxLength: 6 }), last: fc.boolean() }), { maxLength: 3 })
  .map((resources) => {
    let spans = 0;
    const input = cat(
      ...resources.map((r) => {
        spans += r.spans.length;
        const resource = message(1, ...(r.service === undefined ? [] : [message(1, kvString("service.name", r.service))]));
        const scope = message(2, message(1, bytes(1, "scope")), ...r.spans.map((s) => bytes(2, s)));
        return message(1, ...(r.last ? [scope, resource] : [resource, scope]));
      }),
    );
    return { label: "structured", size: input.length, input, spans };
  });

function protobufTraceCases(corpus: Corpus): fc.Arbitrary<TraceCase> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => ({ label: "random bytes", size: b.length, input: b })) },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.nat(corpus.traces.length - 1), byteMutations).map(([i, ms]) => {
        const input = applyByteMutations(corpus.traces[i]!.protobuf, ms);
        return { label: `seed + ${ms.map((m) => m.op).join("+")}`, size: input.length, input };
      }),
    },
    { weight: 3, arbitrary: structuredTraces },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom("http.route", "custom.key")).map(([depth, key]) => {
        const span = cat(bytes(1, Uint8Array.from({ length: 16 }, (_, i) => i + 1)), bytes(2, Uint8Array.from({ length: 8 }, (_, i) => i + 1)), fixed64(7, 1n), fixed64(8, 2n), message(9, bytes(1, key), message(2, nestedAnyValue(depth))));
        const input = message(1, message(2, bytes(2, span)));
        return { label: `nested AnyValue depth ${depth}`, size: input.length, input, spans: depth < 100 ? 1 : undefined };
      }),
    },
  );
}

/** A request with one span carrying `value` as the string of `key` (or as its name when key is "name"). */
function oneSpanRequest(key: string, value: Uint8Array): Uint8Array {
  const span = cat(
    bytes(1, Uint8Array.from({ length: 16 }, (_, i) => i + 1)),
    bytes(2, Uint8Array.from({ length: 8 }, (_, i) => i + 1)),
    bytes(5, key === "name" ? value : "op"),
    fixed64(7, 1_700_000_000_000_000_000n),
    fixed64(8, 1_700_000_000_000_000_001n),
    ...(key === "name" || key === "service.name" ? [] : [message(9, kvString(key, value))]),
  );
  const resource = message(1, message(1, kvString("service.name", key === "service.name" ? value : "svc")));
  return message(1, resource, message(2, bytes(2, span)));
}

const MB10 = 10 * 2 ** 20;

function heavyProtobufTraces(): TraceCase[] {
  const big = new Uint8Array(MB10).fill(0x61);
  const cases: TraceCase[] = [];
  for (const key of ["name", "service.name", "http.route", "db.statement", "custom.key"]) {
    const input = oneSpanRequest(key, big);
    cases.push({ label: `10 MB ${key}`, size: input.length, input, spans: 1 });
  }
  const nested = message(1, message(2, bytes(2, cat(bytes(1, new Uint8Array(16).fill(1)), bytes(2, new Uint8Array(8).fill(1)), fixed64(7, 1n), fixed64(8, 2n), message(9, bytes(1, "http.route"), message(2, nestedAnyValue(100_000)))))));
  cases.push({ label: "AnyValue nested 100 000 deep", size: nested.length, input: nested });
  const random = new Uint8Array(MB10);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  cases.push({ label: "10 MB of pseudo-random bytes", size: random.length, input: random });
  const spans: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) {
    const id = new Uint8Array(8);
    new DataView(id.buffer).setUint32(0, i + 1, true);
    spans.push(bytes(2, cat(bytes(1, new Uint8Array(16).fill(7)), bytes(2, id), bytes(5, "op"), fixed64(7, 1_000_000n), fixed64(8, 2_000_000n))));
  }
  const many = message(1, bytes(2, concat(spans)));
  cases.push({ label: "100 000 spans in one request", size: many.length, input: many, spans: 100_000 });
  return cases;
}

function jsonTraceCases(corpus: Corpus): fc.Arbitrary<TraceCase> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }).map((s) => ({ label: "random text", size: s.length, input: s })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ label: "random bytes", size: b.length, input: b })) },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.nat(corpus.traces.length - 1), treeMutations, fc.option(textMutations, { nil: undefined }), fc.boolean()).map(([i, tm, xm, asBytes]) => {
        let text = json(applyTreeMutations(cloneJson(corpus.traces[i]!.json), tm));
        if (xm) text = applyTextMutations(text, xm);
        const input = asBytes ? utf8.encode(text) : text;
        return { label: `seed + ${tm.map((m) => m.op).join("+")}${xm ? " + text" : ""}`, size: text.length, input };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean(), fc.boolean()).map(([depth, array, closed]) => {
        const input = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"http.route","value":{"arrayValue":${nestedText(depth, array, closed)}}}]}]}]}]}`;
        return { label: `nested JSON depth ${depth}`, size: input.length, input };
      }),
    },
  );
}

function heavyJsonTraces(): TraceCase[] {
  const big = "a".repeat(MB10);
  const span = (attrs: string, name = "op") =>
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":${JSON.stringify(name)},"startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[${attrs}]}]}]}]}`;
  return [
    { label: "10 MB span name (JSON)", size: MB10, input: span("", big), spans: 1 },
    { label: "10 MB http.route (JSON)", size: MB10, input: span(`{"key":"http.route","value":{"stringValue":"${big}"}}`), spans: 1 },
    { label: "JSON nested 100 000 deep", size: 200_000, input: span(`{"key":"k","value":{"arrayValue":${nestedText(100_000, true, true)}}}`) },
    { label: "JSON nested 100 000 deep, unclosed", size: 100_000, input: span(`{"key":"k","value":{"arrayValue":${nestedText(100_000, false, false)}}}`) },
    { label: "10 MB of digits as a time", size: MB10, input: `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","startTimeUnixNano":${"9".repeat(MB10)}}]}]}]}`, spans: 1 },
  ];
}

// ---- metrics ----

interface MetricsCase extends FuzzCase {
  input: Uint8Array | string;
}

/** Invariants of decoded metrics: accepted points are finite, timed, shaped as documented. */
export function checkMetrics(m: MetricsDecodeResult): void {
  if (!Number.isInteger(m.rejected) || m.rejected < 0) fail(`rejected ${m.rejected}`);
  if ((m.reason !== undefined) !== (m.rejected > 0)) fail(`reason ${JSON.stringify(m.reason)} with ${m.rejected} rejected`);
  const finite = (v: unknown, what: string) => {
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`${what} = ${String(v)}`);
  };
  const count = (v: unknown, what: string) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= 2 ** 64) fail(`${what} = ${String(v)} is not a uint64 count`);
  };
  let points = 0;
  for (const res of m.resources) {
    if (Object.getPrototypeOf(res.attributes) !== null) fail("resource attributes have a prototype");
    for (const s of res.scopes) {
      for (const metric of s.metrics) {
        for (const p of metric.points) {
          points++;
          if (Object.getPrototypeOf(p.attributes) !== null) fail("point attributes have a prototype");
          if (typeof p.timeUnixNano !== "bigint" || p.timeUnixNano <= 0n) fail(`time ${String(p.timeUnixNano)}`);
          if (typeof p.startTimeUnixNano !== "bigint" || p.startTimeUnixNano < 0n) fail(`start ${String(p.startTimeUnixNano)}`);
          for (const v of Object.values(p.attributes)) if (!["string", "number", "boolean"].includes(typeof v)) fail(`attribute of type ${typeof v}`);
          switch (metric.type) {
            case "gauge":
            case "sum":
              finite((p as { value: number }).value, "value");
              break;
            case "histogram": {
              const h = p as import("../otlp/index.js").HistogramPoint;
              count(h.count, "count");
              for (const b of h.explicitBounds) finite(b, "bound");
              for (const c of h.bucketCounts) count(c, "bucket count");
              if (h.bucketCounts.length !== 0 && h.bucketCounts.length !== h.explicitBounds.length + 1) fail("bucket counts vs bounds");
              for (const k of ["sum", "min", "max"] as const) if (h[k] !== undefined) finite(h[k], k);
              break;
            }
            case "exponentialHistogram": {
              const e = p as import("../otlp/index.js").ExponentialHistogramPoint;
              count(e.count, "count");
              count(e.zeroCount, "zero count");
              finite(e.zeroThreshold, "zero threshold");
              const int32 = (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
              if (!int32(e.scale)) fail(`scale ${e.scale}`);
              for (const b of [e.positive, e.negative]) {
                if (!int32(b.offset)) fail(`offset ${b.offset}`);
                for (const c of b.bucketCounts) count(c, "bucket count");
              }
              break;
            }
            case "summary": {
              const q = p as import("../otlp/index.js").SummaryPoint;
              count(q.count, "count");
              finite(q.sum, "sum");
              for (const v of q.quantileValues) {
                finite(v.value, "quantile value");
                if (!(v.quantile >= 0 && v.quantile <= 1)) fail(`quantile ${v.quantile}`);
              }
            }
          }
        }
      }
    }
  }
  if (points !== m.dataPoints) fail(`dataPoints ${m.dataPoints} != ${points} points present`);
}

function metricsRunner(decode: (input: Uint8Array | string) => MetricsDecodeResult, what: string): (c: MetricsCase) => Outcome {
  return (c) => {
    let m: MetricsDecodeResult;
    try {
      m = decode(c.input);
    } catch (err) {
      return expectDocumented(err, DecodeError, what);
    }
    checkMetrics(m);
    return "accepted";
  };
}

function protobufMetricsCases(corpus: Corpus): fc.Arbitrary<MetricsCase> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => ({ label: "random bytes", size: b.length, input: b })) },
    {
      weight: 5,
      arbitrary: fc.tuple(fc.nat(corpus.metrics.length - 1), byteMutations).map(([i, ms]) => {
        const input = applyByteMutations(corpus.metrics[i]!.protobuf, ms);
        return { label: `seed + ${ms.map((m) => m.op).join("+")}`, size: input.length, input };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 400 }).map((depth) => {
        // ExportMetricsServiceRequest.resource_metrics[0].resource.attributes[0] = {k: nested}
        const input = message(1, message(1, message(1, bytes(1, "k"), message(2, nestedAnyValue(depth)))));
        return { label: `nested AnyValue depth ${depth}`, size: input.length, input };
      }),
    },
  );
}

function jsonMetricsCases(corpus: Corpus): fc.Arbitrary<MetricsCase> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }).map((s) => ({ label: "random text", size: s.length, input: s })) },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.nat(corpus.metrics.length - 1), treeMutations, fc.option(textMutations, { nil: undefined }), fc.boolean()).map(([i, tm, xm, asBytes]) => {
        let text = json(applyTreeMutations(cloneJson(corpus.metrics[i]!.json), tm));
        if (xm) text = applyTextMutations(text, xm);
        return { label: `seed + ${tm.map((m) => m.op).join("+")}${xm ? " + text" : ""}`, size: text.length, input: asBytes ? utf8.encode(text) : text };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([depth, array]) => {
        const value = array
          ? `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${"]}}".repeat(depth)}`
          : `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"x"}${"}]}}".repeat(depth)}`;
        const input = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${value}}]}}]}`;
        return { label: `nested ${array ? "array" : "kvlist"} depth ${depth}`, size: input.length, input };
      }),
    },
  );
}

function heavyMetrics(json: boolean): MetricsCase[] {
  const big = "m".repeat(MB10);
  if (json) {
    return [
      { label: "10 MB attribute value (JSON)", size: MB10, input: `{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"${big}"}}]},"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":1}]}}]}]}]}` },
      { label: "JSON nested 100 000 deep", size: 200_000, input: `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":${nestedText(100_000, true, true)}}}}]}}]}` },
      { label: "100 000 bucket counts", size: 0, input: `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"dataPoints":[{"timeUnixNano":"1","count":"1","bucketCounts":[${"1,".repeat(99_999)}1],"explicitBounds":[${Array.from({ length: 99_999 }, (_, i) => i).join(",")}]}]}}]}]}]}` },
    ];
  }
  const input = message(1, message(1, message(1, kvString("service.name", big))));
  const nested = message(1, message(1, message(1, bytes(1, "k"), message(2, nestedAnyValue(100_000)))));
  return [
    { label: "10 MB attribute value", size: input.length, input },
    { label: "AnyValue nested 100 000 deep", size: nested.length, input: nested },
  ];
}

// ---- budgets ----

interface BudgetCase extends FuzzCase {
  input: unknown;
}

/** The paths of own forbidden keys anywhere in `v` (iterative, bounded). */
function forbiddenKeyPresent(v: unknown): boolean {
  const queue: unknown[] = [v];
  for (let i = 0; i < queue.length && i < 100_000; i++) {
    const x = queue[i];
    if (typeof x !== "object" || x === null) continue;
    for (const k of Object.keys(x)) {
      if (FORBIDDEN_KEYS.has(k)) return true;
      queue.push((x as Record<string, unknown>)[k]);
    }
  }
  return false;
}

function checkProblems(problems: unknown, what: string): void {
  if (!Array.isArray(problems)) fail(`${what}: problems is not an array`);
  for (const p of problems as unknown[]) {
    const q = p as { path?: unknown; message?: unknown };
    if (typeof q?.path !== "string" || typeof q.message !== "string" || q.message === "") fail(`${what}: malformed problem ${JSON.stringify(p)}`);
  }
}

function checkBudgetObject(b: unknown): void {
  if (typeof b !== "object" || b === null) fail("budget is not an object");
  const proto = Object.getPrototypeOf(b);
  if (proto !== Object.prototype && proto !== null) fail("budget has an unexpected prototype");
  if (forbiddenKeyPresent(b)) fail("a budget kept a forbidden key");
  const id = (b as { id?: unknown }).id;
  if (typeof id !== "string" || !ID_PATTERN.test(id)) fail(`budget id ${JSON.stringify(id)}`);
}

const budgetSeed = fc.nat(BUDGET_SEEDS.length - 1).map((i) => cloneJson(BUDGET_SEEDS[i]!));

const budgetCases: fc.Arbitrary<BudgetCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(budgetSeed, treeMutations).map(([b, ms]) => ({ label: `seed + ${ms.map((m) => m.op).join("+")}`, size: 0, input: applyTreeMutations(b, ms) })),
  },
  { weight: 1, arbitrary: budgetSeed.map((b) => ({ label: "valid seed", size: 0, input: b })) },
  { weight: 1, arbitrary: hostileValue.map((v) => ({ label: "hostile value", size: 0, input: v })) },
  {
    weight: 2,
    arbitrary: fc
      .anything({ key: fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "id", "type", "threshold", "labels", "service"), fc.string({ maxLength: 6 })), withBigInt: true, withNullPrototype: true, withMap: true, withDate: true, withTypedArray: true, maxDepth: 4 })
      .map((v) => ({ label: "anything", size: 0, input: v })),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 200 }).map((s) => {
      // JSON text with prototype keys, parsed as the API does (own __proto__ properties).
      const text = `{"__proto__":{"polluted":1},"id":"a","constructor":{"prototype":{"polluted":1}},"labels":{"__proto__":"x"},"x":${JSON.stringify(s)}}`;
      return { label: "parsed JSON with prototype keys", size: text.length, input: JSON.parse(text) as unknown };
    }),
  },
);

function runBudget(c: BudgetCase): Outcome {
  let r;
  try {
    r = parseBudget(c.input);
  } catch (err) {
    throw new FuzzFailure(`parseBudget threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
  if (r.ok) {
    if (forbiddenKeyPresent(c.input)) fail("parseBudget accepted a definition with a forbidden key");
    checkBudgetObject(r.budget);
    return "accepted";
  }
  if (r.problems.length === 0) fail("refused without a problem");
  checkProblems(r.problems, "parseBudget");
  return "refused";
}

// ---- budget files ----

interface FileCase extends FuzzCase {
  text: string;
  fileName: string;
}

const HOSTILE_YAML = [
  // Billion laughs: aliases expanding exponentially.
  'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nbudgets: [*e]\n',
  "budgets: &x [*x]\n",
  "budgets:\n  - &b { id: a, type: latency.total, service: s, quantile: 0.9, threshold: 1s }\n  - <<: *b\n    __proto__: { polluted: true }\n",
  "budgets:\n  - !!js/function 'function(){}'\n  - !!binary aGVsbG8=\n  - !<tag:yaml.org,2002:set> { a, b }\n",
  "__proto__:\n  polluted: true\nbudgets: []\n",
  "budgets:\n  - id: a\n    type: latency.total\n    service: s\n    quantile: .nan\n    threshold: .inf\n",
  "budgets:\n  - ? [complex, key]\n    : value\n",
  "%YAML 1.1\n---\nbudgets: []\n...\n---\nsecond: doc\n",
];

const fileCases: fc.Arbitrary<FileCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(budgetSeed, fc.option(treeMutations, { nil: undefined })), { maxLength: 6 }), fc.option(textMutations, { nil: undefined }), fc.constantFrom("budgets.yaml", "budgets.json", "b.yml", "budgets", "b.txt"), fc.boolean())
      .map(([items, xm, fileName, asJson]) => {
        const doc = { budgets: items.map(([b, ms]) => (ms ? applyTreeMutations(b, ms) : b)) };
        let text = asJson || fileName.endsWith(".json") ? json(doc, 1) : yamlOrJson(doc);
        if (xm) text = applyTextMutations(text, xm);
        return { label: `${items.length} budgets${xm ? " + text" : ""}`, size: text.length, text, fileName };
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_YAML).map((text) => ({ label: "hostile YAML", size: text.length, text, fileName: "b.yaml" })) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map((text) => ({ label: "random text", size: text.length, text, fileName: "b.yaml" })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean(), fc.boolean()).map(([depth, array, closed]) => {
      const text = `budgets: ${nestedText(depth, array, closed)}\n`;
      return { label: `nested depth ${depth}`, size: text.length, text, fileName: "b.yaml" };
    }),
  },
);

/** YAML text of `doc`; the yaml library's stringifier recurses, so very deep documents are written as JSON (valid YAML too). */
function yamlOrJson(doc: unknown): string {
  // The yaml stringifier recurses and is slow on deep trees (minutes in a worker thread, whose
  // stack is larger): deep documents are written as JSON, which is YAML too.
  const text = json(doc);
  if (yamlTooDeep(text, 64)) return text;
  try {
    return YAML.stringify(doc);
  } catch {
    return text;
  }
}

/** JSON text of a mutated tree; several nest mutations can go deeper than JSON.stringify recurses. */
function json(v: unknown, space?: number): string {
  try {
    return JSON.stringify(v, null, space) ?? "null";
  } catch {
    return nestedText(20_000, true, true);
  }
}

function runBudgetFile(c: FileCase): Outcome {
  let r;
  try {
    r = parseBudgetFile(c.text, c.fileName);
  } catch (err) {
    throw new FuzzFailure(`parseBudgetFile threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
  if (!Array.isArray(r.budgets)) fail("budgets is not an array");
  checkProblems(r.problems, "parseBudgetFile");
  for (const b of r.budgets) checkBudgetObject(b);
  return r.problems.length === 0 ? "accepted" : "refused";
}

// ---- configuration ----

interface ConfigCase extends FuzzCase {
  argv: string[];
  env: Record<string, string>;
  file: string | undefined;
}

/** A marker placed only in secret settings: it must never appear in an error message. */
export const SECRET_MARK = "S3cr3tMark";

const FLAGS = SETTINGS.filter((s) => s.flag !== undefined);
const VALUES = [
  "", "0", "1", "-1", "65536", "4317", "abc", "5s", "0s", "-5s", "1e3", "NaN", "Infinity", "1GiB", "16MiB", "0.5", "true", "false", "yes",
  "nats://localhost:4222", "nats://u:p@h:1,tls://x", "http://collector:4317", "ftp://x", "/tmp/x.pem", "../../etc/passwd", "debug", "silent",
  "USD", "EUR", "tok:read,tok2:admin", "tok:root", ":read", "\u0000", "😀", "9".repeat(50), "a=b", "--grpc-port",
];
/**
 * Secret values by the kind of setting: anything for a password or token; the token part of
 * `token:role` lists; the credentials of URLs (valid and broken ones). The marker must never
 * appear in an error message (config errors quote values otherwise).
 */
const SECRET_BY_KIND: Record<string, string[]> = {
  secret: [SECRET_MARK, `${SECRET_MARK} with spaces`, `${SECRET_MARK}\n`, `nats://u:${SECRET_MARK}@h`],
  tokens: [`${SECRET_MARK}:read`, `${SECRET_MARK}:root`, `a:read,${SECRET_MARK}:bogus`, `${SECRET_MARK}`, `${SECRET_MARK} x:admin`, `:read,${SECRET_MARK}:admin:x`],
  "nats-url": [`nats://user:${SECRET_MARK}@localhost:4222`, `nats://${SECRET_MARK}@localhost:4222`, `nats://u:${SECRET_MARK}@[bad`, `nats://u:${SECRET_MARK}@h:99999`, `nats://u:${SECRET_MARK}@h:1, bad url`, `u:${SECRET_MARK}@h:4222`, `ftp://u:${SECRET_MARK}@h`],
  "http-url": [`http://u:${SECRET_MARK}@collector:4317`, `http://u:${SECRET_MARK}@[bad`, `ftp://u:${SECRET_MARK}@h`, `http://${SECRET_MARK}@h:99999`],
};
const secretKind = (s: (typeof SETTINGS)[number]): string | undefined => (s.secret ? "secret" : s.kind in SECRET_BY_KIND ? s.kind : undefined);
const SECRET_SETTINGS = SETTINGS.filter((s) => secretKind(s) !== undefined);
const secretFlag = fc.constantFrom(...SECRET_SETTINGS.filter((s) => s.flag !== undefined)).chain((s) => fc.constantFrom(...SECRET_BY_KIND[secretKind(s)!]!).map((v) => [`--${s.flag!}`, v]));
const secretEnv = fc.constantFrom(...SECRET_SETTINGS.filter((s) => s.env.length > 0)).chain((s) => fc.tuple(fc.constantFrom(...s.env), fc.constantFrom(...SECRET_BY_KIND[secretKind(s)!]!)));
const secretFileEntry = fc.constantFrom(...SECRET_SETTINGS.filter((s) => s.inFile && s.path.length === 1)).chain((s) =>
  fc.constantFrom(...SECRET_BY_KIND[secretKind(s)!]!).map((v): [string, unknown] => [s.path[0]!, s.kind === "tokens" ? [{ token: v.split(":")[0], role: v.split(":")[1] ?? "x" }] : v]),
);
const flagArg = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...FLAGS.map((s) => s.flag!)), fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 10 })), fc.boolean()).map(([f, v, inline]) => (inline ? [`--${f}=${v}`] : [`--${f}`, v])) },
  { weight: 2, arbitrary: secretFlag },
  { weight: 1, arbitrary: fc.constantFrom(["--"], ["-x"], ["--no-grpc-port"], ["--help"], ["positional"], ["--unknown-flag", "1"], ["--no-otlp-tls-client-auth"], ["--config"]) },
);
const ENV_NAMES = [...new Set(SETTINGS.flatMap((s) => s.env))];
const FILE_KEYS_ALL = [...new Set(SETTINGS.map((s) => s.path[0]!))];

const configFile: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CONFIG_SEEDS), fc.option(textMutations, { nil: undefined })).map(([t, m]) => (m ? applyTextMutations(t, m) : t)) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          { weight: 4, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...FILE_KEYS_ALL), fc.constantFrom("__proto__", "constructor", "prototype", "config", "unknownKey")), fc.oneof(fc.constantFrom(...VALUES), hostileValue, fc.constant(withOwn({ coreHour: "x" }, "__proto__", 1)))) },
          { weight: 1, arbitrary: secretFileEntry },
        ),
        { maxLength: 6 },
      )
      .map((entries) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) withOwn(o, k, v);
        return json(o);
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_YAML, `natsPassword: ${SECRET_MARK}\nnatsUser: 5\n`, `apiTokens: [{token: ${SECRET_MARK}, role: god}]\n`, `apiTokens: [{token: ${SECRET_MARK}}]\n`, `nats: "nats://u:${SECRET_MARK}@[x"\n`, `natsToken: [${SECRET_MARK}]\n`, `apiToken: {a: ${SECRET_MARK}}\n`) },
);

const configCases: fc.Arbitrary<ConfigCase> = fc
  .record({
    flags: fc.array(flagArg, { maxLength: 5 }),
    env: fc.array(fc.oneof({ weight: 3, arbitrary: fc.tuple(fc.constantFrom(...ENV_NAMES), fc.constantFrom(...VALUES)) }, { weight: 1, arbitrary: secretEnv }), { maxLength: 4 }),
    file: fc.option(configFile, { nil: undefined }),
  })
  .map(({ flags, env, file }) => {
    const argv = flags.flat();
    if (file !== undefined) argv.push("--config", "/virtual/pbe.yaml");
    const e: Record<string, string> = {};
    for (const [k, v] of env) e[k] = v;
    return { label: `${flags.length} flags, ${env.length} env${file === undefined ? "" : ", a file"}`, size: argv.join(" ").length + (file?.length ?? 0), argv, env: e, file };
  });

function runConfig(c: ConfigCase): Outcome {
  try {
    loadConfig({
      argv: c.argv,
      env: c.env,
      cwd: "/virtual",
      readFile: (path) => {
        if (c.file === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
        return c.file;
      },
    });
    return "accepted";
  } catch (err) {
    const out = expectDocumented(err, ConfigError, "loadConfig");
    if ((err as Error).message.includes(SECRET_MARK)) fail(`a config error echoes a secret: ${(err as Error).message}`);
    return out;
  }
}

// ---- the budget API (routes over the registry, in process) ----

interface ApiCase extends FuzzCase {
  method: "POST" | "PUT" | "DELETE" | "GET";
  path: string;
  body: string;
}

const apiCases: fc.Arbitrary<ApiCase> = fc
  .record({
    method: fc.constantFrom("POST" as const, "PUT" as const, "PUT" as const, "POST" as const, "DELETE" as const, "GET" as const),
    id: fc.oneof(fc.nat(BUDGET_SEEDS.length - 1).map((i) => String(BUDGET_SEEDS[i]!.id)), fc.constantFrom("__proto__", "constructor", "prototype", "%2e%2e", "%E0%A4%A", "a%2Fb", "toString", "hasOwnProperty"), fc.string({ maxLength: 10 }).map(encodeURIComponent)),
    dry: fc.boolean(),
    body: fc.oneof(
      { weight: 5, arbitrary: fc.tuple(budgetSeed, fc.option(treeMutations, { nil: undefined })).map(([b, ms]) => json(ms ? applyTreeMutations(b, ms) : b)) },
      { weight: 1, arbitrary: fc.tuple(budgetSeed, textMutations).map(([b, ms]) => applyTextMutations(JSON.stringify(b), ms)) },
      { weight: 1, arbitrary: fc.constantFrom("", "null", "[]", '"x"', "1", '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', nestedText(5000, true, true), nestedText(5000, false, true)) },
    ),
  })
  .map(({ method, id, dry, body }) => {
    const base = method === "POST" || (method === "GET" && id.length % 2 === 0) ? "/api/v1/budgets" : `/api/v1/budgets/${id}`;
    return { label: `${method} ${base === "/api/v1/budgets" ? base : "/api/v1/budgets/{id}"}`, size: body.length, method, path: `${base}${dry ? "?dryRun=true" : ""}`, body };
  });

const API_STATUSES = new Set([200, 201, 204, 400, 404, 409, 422]);
const NEVER = new AbortController().signal;

function apiRunner(): (c: ApiCase) => Promise<Outcome> {
  let registry!: BudgetRegistry;
  let router!: Router;
  let cases = 0;
  const reset = () => {
    registry = new BudgetRegistry(new MemoryBudgetPersistence(), { currency: "USD", now: () => 1_700_000_000_000 });
    for (const b of BUDGET_SEEDS) registry.define(cloneJson(b));
    router = new Router().add(...budgetRoutes(registry));
  };
  reset();
  const req = new IncomingMessage(new Socket());
  return async (c) => {
    if (++cases % 500 === 0) reset(); // keep the set small: each define validates the whole set
    let unexpected: unknown;
    const transport = routerTransport({ router, req, role: "admin", onError: (err) => (unexpected = err) });
    let res;
    try {
      res = await transport({ method: c.method, path: c.path, body: c.body, headers: {}, signal: NEVER });
    } catch (err) {
      throw new FuzzFailure(`the transport rejected: ${String(err)}`, { cause: err });
    }
    if (unexpected !== undefined) fail(`a route failed unexpectedly: ${unexpected instanceof Error ? `${unexpected.name}: ${unexpected.message}` : String(unexpected)}`);
    if (!API_STATUSES.has(res.status)) fail(`status ${res.status}: ${res.text.slice(0, 300)}`);
    if (res.status >= 400) {
      const body = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.code !== "string" || typeof body.error.message !== "string") fail(`error body ${res.text.slice(0, 200)}`);
      return "refused";
    }
    for (const e of registry.list()) checkBudgetObject(e.budget);
    return "accepted";
  };
}

// ---- the targets ----

export function buildTargets(corpus: Corpus = buildCorpus()): FuzzTarget<FuzzCase & Record<string, unknown>>[] {
  const targets: FuzzTarget<never>[] = [
    { name: "trace-wire", weight: 22, what: "OTLP trace protobuf, hand-written wire reader (gRPC and HTTP hot path)", arbitrary: protobufTraceCases(corpus) as never, run: traceRunner((b, batch, t) => decodeTraceRequest(b as Uint8Array, batch, t), "decodeTraceRequest") as never, heavy: heavyProtobufTraces as never },
    { name: "trace-protobufjs", weight: 12, what: "OTLP trace protobuf, protobufjs-based decoder", arbitrary: protobufTraceCases(corpus) as never, run: traceRunner((b, batch, t) => decodeTraceRequestProtobufjs(b as Uint8Array, batch, t), "decodeTraceRequestProtobufjs") as never, heavy: heavyProtobufTraces as never },
    { name: "trace-json", weight: 14, what: "OTLP/JSON traces", arbitrary: jsonTraceCases(corpus) as never, run: traceRunner((b, batch, t) => decodeTraceJson(b, batch, t), "decodeTraceJson") as never, heavy: heavyJsonTraces as never },
    { name: "metrics-protobuf", weight: 10, what: "OTLP metrics protobuf (protobufjs)", arbitrary: protobufMetricsCases(corpus) as never, run: metricsRunner((b) => decodeMetricsRequest(b as Uint8Array), "decodeMetricsRequest") as never, heavy: (() => heavyMetrics(false)) as never },
    { name: "metrics-json", weight: 10, what: "OTLP/JSON metrics", arbitrary: jsonMetricsCases(corpus) as never, run: metricsRunner((b) => decodeMetricsJson(b), "decodeMetricsJson") as never, heavy: (() => heavyMetrics(true)) as never },
    { name: "budget", weight: 12, what: "parseBudget (one definition, any value)", arbitrary: budgetCases as never, run: runBudget as never, heavy: (() => [{ label: "definition nested 100 000 deep", size: 0, input: JSON.parse(`{"id":"a","threshold":${nestedText(100_000, false, true)}}`) as unknown }]) as never },
    { name: "budget-file", weight: 8, what: "parseBudgetFile (YAML and JSON budget files)", arbitrary: fileCases as never, run: runBudgetFile as never, heavy: (() => [{ label: "budgets nested 100 000 deep (YAML flow)", size: 0, text: `budgets: ${nestedText(100_000, true, true)}\n`, fileName: "b.yaml" }, { label: "10 MB budget file", size: MB10, text: `budgets:\n  - id: a\n    type: latency.total\n    service: "${"s".repeat(MB10)}"\n`, fileName: "b.yaml" }]) as never },
    { name: "config", weight: 6, what: "loadConfig (flags, environment, config file)", arbitrary: configCases as never, run: runConfig as never, heavy: (() => [{ label: "10 MB config file", size: MB10, argv: ["--config", "/virtual/pbe.yaml"], env: {}, file: `host: "${"h".repeat(MB10)}"\n` }]) as never },
    { name: "api-budgets", weight: 6, what: "POST/PUT/DELETE /api/v1/budgets bodies through the routes and the registry", arbitrary: apiCases as never, run: apiRunner() as never, heavy: (() => [{ label: "1 MB body", size: 2 ** 20, method: "POST", path: "/api/v1/budgets", body: JSON.stringify({ id: "big", type: "latency.total", service: "s".repeat(2 ** 20), quantile: 0.9, threshold: "1s" }) }]) as never },
  ];
  return targets as never;
}
