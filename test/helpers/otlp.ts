/**
 * Test helper: OTLP trace requests from short span specs, as protobuf bytes (through the
 * generated protobufjs code) and as OTLP/JSON.
 *
 * ```ts
 * const req = buildTraceRequest([
 *   { spanId: "root", service: "shop", name: "GET /checkout", kind: "server", startNs: 1_000n, endNs: 9_000n },
 *   { spanId: "db", parent: "root", service: "shop", name: "SELECT", kind: "client",
 *     startNs: 2_000n, endNs: 5_000n, attributes: { "db.system": "postgresql" } },
 * ]);
 * decodeTraceRequest(req.protobuf, batch, tables); // or decodeTraceJson(req.jsonText, ...)
 * ```
 *
 * - Ids: a hex string of the right length (16 digits for spans, 32 for traces) is used as is;
 *   anything else is a name hashed to a stable, non-zero id (`spanIdHex("db")`), so tests can
 *   say `parent: "root"`.
 * - Spans are grouped by `service` into one ResourceSpans each (with `service.name` and any
 *   `resources[service]` attributes), in order of first appearance, one ScopeSpans per resource,
 *   spans in the given order.
 * - Attributes: strings → stringValue, booleans → boolValue, integers → intValue, other numbers
 *   → doubleValue.
 */
import * as grpc from "@grpc/grpc-js";
import {
  ExportTraceServiceRequest,
  type IAnyValue,
  type IExportTraceServiceRequest,
  type IKeyValue,
  type IResourceSpans,
  type ISpan,
} from "../../src/otlp/index.js";

export type SpanKindName = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";
export type AttributeMap = Record<string, string | number | boolean>;

export interface SpanSpec {
  /** 32 hex digits or a name; default {@link DEFAULT_TRACE_ID} (or the request option). */
  traceId?: string;
  /** 16 hex digits or a short name. */
  spanId: string;
  /** The parent's span id (hex or name); absent for a root span. */
  parent?: string;
  /** `service.name` of the span's resource. */
  service: string;
  name: string;
  /** Default "internal". */
  kind?: SpanKindName;
  startNs: bigint;
  endNs: bigint;
  attributes?: AttributeMap;
  /** Status code ERROR (with message "error"). */
  error?: boolean;
}

export interface TraceRequestOptions {
  /** Trace id of spans that give none (hex or name). */
  traceId?: string;
  /** Extra resource attributes per service name. */
  resources?: Record<string, AttributeMap>;
  /** Instrumentation scope name (default "pbe-test"). */
  scope?: string;
}

/** An OTLP/JSON value as the JSON encoding writes it (ids hex, int64 as strings). */
export type OtlpJson = { [key: string]: unknown };

export interface BuiltTraceRequest {
  /** The protobufjs plain object (ids as bytes). */
  object: IExportTraceServiceRequest;
  /** Protobuf bytes of an ExportTraceServiceRequest. */
  protobuf: Uint8Array;
  /** The OTLP/JSON object (lowerCamelCase, hex ids, int64 as decimal strings, enum integers). */
  json: OtlpJson;
  /** `JSON.stringify(json)`. */
  jsonText: string;
}

export const DEFAULT_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

const KIND: Record<SpanKindName, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

/** FNV-1a 64 of a name, as `bytes` bytes of hex (repeated for 16 bytes); never all zero. */
function hashHex(name: string, bytes: number): string {
  let h = 0xcbf29ce484222325n;
  for (const c of new TextEncoder().encode(name)) {
    h ^= BigInt(c);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  if (h === 0n) h = 1n;
  const word = h.toString(16).padStart(16, "0");
  return bytes === 8 ? word : (word + (h ^ 0x5bd1e9955bd1e995n).toString(16).padStart(16, "0")).slice(0, 32);
}

/** A span id as 16 hex digits: hex as is (lowercased), else the hash of the name. */
export function spanIdHex(idOrName: string): string {
  return /^[0-9a-fA-F]{16}$/.test(idOrName) ? idOrName.toLowerCase() : hashHex(idOrName, 8);
}

/** A trace id as 32 hex digits: hex as is (lowercased), else the hash of the name. */
export function traceIdHex(idOrName: string): string {
  return /^[0-9a-fA-F]{32}$/.test(idOrName) ? idOrName.toLowerCase() : hashHex(idOrName, 16);
}

/** Hex to bytes (the test's own input: assumed valid). */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/**
 * A 64-bit value for `fromObject`, which accepts decimal strings (exact) although the generated
 * typings only list number | Long.
 */
function int64(v: bigint): number {
  return v.toString() as unknown as number;
}

function anyValue(v: string | number | boolean): IAnyValue {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
}

function jsonAnyValue(v: string | number | boolean): OtlpJson {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function keyValues(attrs: AttributeMap | undefined): IKeyValue[] {
  return Object.entries(attrs ?? {}).map(([key, v]) => ({ key, value: anyValue(v) }));
}

function jsonKeyValues(attrs: AttributeMap | undefined): OtlpJson[] {
  return Object.entries(attrs ?? {}).map(([key, v]) => ({ key, value: jsonAnyValue(v) }));
}

/** Groups specs by service, keeping the order of first appearance. */
function byService(spans: readonly SpanSpec[]): Map<string, SpanSpec[]> {
  const groups = new Map<string, SpanSpec[]>();
  for (const s of spans) {
    const g = groups.get(s.service);
    if (g) g.push(s);
    else groups.set(s.service, [s]);
  }
  return groups;
}

/** Builds one ExportTraceServiceRequest from span specs, in both encodings. */
export function buildTraceRequest(spans: readonly SpanSpec[], opts: TraceRequestOptions = {}): BuiltTraceRequest {
  const defaultTrace = traceIdHex(opts.traceId ?? DEFAULT_TRACE_ID);
  const scope = { name: opts.scope ?? "pbe-test" };
  const resourceSpans: IResourceSpans[] = [];
  const jsonResourceSpans: OtlpJson[] = [];
  for (const [service, group] of byService(spans)) {
    const resourceAttrs = { "service.name": service, ...opts.resources?.[service] };
    const pbSpans: ISpan[] = [];
    const jsonSpans: OtlpJson[] = [];
    for (const s of group) {
      const traceId = s.traceId === undefined ? defaultTrace : traceIdHex(s.traceId);
      const spanId = spanIdHex(s.spanId);
      const parent = s.parent === undefined ? "" : spanIdHex(s.parent);
      const kind = KIND[s.kind ?? "internal"];
      pbSpans.push({
        traceId: hexBytes(traceId),
        spanId: hexBytes(spanId),
        parentSpanId: hexBytes(parent),
        name: s.name,
        kind,
        startTimeUnixNano: int64(s.startNs),
        endTimeUnixNano: int64(s.endNs),
        attributes: keyValues(s.attributes),
        status: s.error ? { code: 2, message: "error" } : {},
      });
      const js: OtlpJson = {
        traceId,
        spanId,
        name: s.name,
        kind,
        startTimeUnixNano: s.startNs.toString(),
        endTimeUnixNano: s.endNs.toString(),
        attributes: jsonKeyValues(s.attributes),
        status: s.error ? { code: 2, message: "error" } : {},
      };
      if (parent !== "") js.parentSpanId = parent;
      jsonSpans.push(js);
    }
    resourceSpans.push({ resource: { attributes: keyValues(resourceAttrs) }, scopeSpans: [{ scope, spans: pbSpans }] });
    jsonResourceSpans.push({ resource: { attributes: jsonKeyValues(resourceAttrs) }, scopeSpans: [{ scope, spans: jsonSpans }] });
  }
  const object: IExportTraceServiceRequest = { resourceSpans };
  const protobuf = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(object)).finish();
  const json: OtlpJson = { resourceSpans: jsonResourceSpans };
  return { object, protobuf, json, jsonText: JSON.stringify(json) };
}

/**
 * The checkout trace the end-to-end tests send, timed from now: `service`'s root (`operation`),
 * a call to payment taking `paymentMs` (client and server spans), then `queries` database queries
 * one after another (`db.system` postgresql, and `db.statement` when given).
 */
export function checkoutTrace(o: { traceId: string; service: string; queries: number; operation?: string; paymentMs?: number; queryName?: string; statement?: string }): SpanSpec[] {
  const { traceId, service } = o;
  const pay = o.paymentMs ?? 50;
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const ms = (v: number) => t0 + BigInt(Math.round(v * 1e6));
  const spans: SpanSpec[] = [
    { traceId, spanId: "root", service, name: o.operation ?? "POST /checkout", kind: "server", startNs: ms(0), endNs: ms(pay + 70) },
    { traceId, spanId: "pay-c", parent: "root", service, name: "POST pay", kind: "client", startNs: ms(5), endNs: ms(pay + 15) },
    { traceId, spanId: "pay-s", parent: "pay-c", service: "payment", name: "POST /pay", kind: "server", startNs: ms(10), endNs: ms(pay + 10) },
  ];
  const attributes: AttributeMap = o.statement === undefined ? { "db.system": "postgresql" } : { "db.system": "postgresql", "db.statement": o.statement };
  for (let i = 0; i < o.queries; i++) {
    spans.push({ traceId, spanId: `q${i}`, parent: "root", service, name: o.queryName ?? "SELECT item", kind: "client", startNs: ms(pay + 20 + i * 2), endNs: ms(pay + 21 + i * 2), attributes });
  }
  return spans;
}

/** The OTLP trace Export method path, for raw clients. */
export const TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/** A raw gRPC client (bytes in, bytes out) to the engine on 127.0.0.1:`port`. */

export function grpcClient(port: number, creds = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): grpc.Client {
  const Client = grpc.makeGenericClientConstructor({}, "");
  return new Client(`127.0.0.1:${port}`, creds, options);
}

/** One unary Export call with raw bytes: the error (or null) and the response bytes. */
export function grpcExport(client: grpc.Client, body: Uint8Array, path = TRACE_EXPORT, deadlineMs = 30_000): Promise<{ err: grpc.ServiceError | null; res?: Buffer }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => resolve({ err, res }),
    );
  });
}
