/**
 * Hand-built test payloads, byte by byte and independent of the code under test (and of
 * protobufjs), so tests can also write what no encoder would: wrong wire types, non-canonical
 * varints, fields out of order, unknown fields, truncations. The field writers are the
 * fuzzer's (src/fuzz/pb.ts, no dependency on the decoders); OTLP trace shapes are added here.
 *
 * Each helper returns the encoded field (tag included); `cat` concatenates.
 */
import { bytes, cat, concat as catAll, double, fixed64, message, rawVarint, tag, varint } from "../../../src/fuzz/pb.js";

export { bytes, cat, catAll, double, fixed64, message, rawVarint, tag, varint };
export { fixed32 } from "../../../src/fuzz/pb.js";

export function hex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, "hex"));
}

/**
 * An AnyValue body nesting `depth` array values around a string leaf, built in one pass
 * (wrapping with {@link message} level by level would copy quadratically).
 */
export function nestedArrayValue(depth: number, leaf = "leaf"): Uint8Array {
  const inner = sv(leaf);
  const prefixes: Uint8Array[] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const arrayValue = cat(tag(1, 2), rawVarint(len)); // ArrayValue.values
    len += arrayValue.length;
    const anyValue = cat(tag(5, 2), rawVarint(len)); // AnyValue.array_value
    len += anyValue.length;
    prefixes.push(arrayValue, anyValue);
  }
  prefixes.reverse().push(inner);
  return catAll(prefixes);
}

// OTLP trace shapes (field numbers from proto/opentelemetry/proto/trace/v1/trace.proto).

/** AnyValue.string_value */
export const sv = (s: string | Uint8Array) => bytes(1, s);
/** AnyValue.int_value */
export const iv = (n: number | bigint) => varint(3, n);
/** AnyValue.bool_value */
export const bv = (b: boolean) => varint(2, b ? 1 : 0);
/** AnyValue.double_value */
export const dv = (d: number) => double(4, d);

/** A KeyValue message body (key, then the AnyValue parts as its value). */
export const kv = (key: string, ...value: Uint8Array[]) => cat(bytes(1, key), message(2, ...value));

/** Span.attributes entries from KeyValue bodies. */
export const attrs = (...kvs: Uint8Array[]) => cat(...kvs.map((k) => bytes(9, k)));

export const TRACE = "5b8efff798038103d269b633813fc60c";
export const SPAN = "eee19b7ec3c1b174";
export const PARENT = "eee19b7ec3c1b173";

/** A valid span body (fields 1..8) plus `extra` fields. */
export function span(extra: Uint8Array[] = [], opts: { trace?: string; id?: string; parent?: string; name?: string; kind?: number; start?: bigint; end?: bigint } = {}): Uint8Array {
  return cat(
    bytes(1, hex(opts.trace ?? TRACE)),
    bytes(2, hex(opts.id ?? SPAN)),
    ...(opts.parent === undefined ? [] : [bytes(4, hex(opts.parent))]),
    bytes(5, opts.name ?? "op"),
    varint(6, opts.kind ?? 2),
    fixed64(7, opts.start ?? 1_700_000_000_000_000_000n),
    fixed64(8, opts.end ?? 1_700_000_000_000_500_000n),
    ...extra,
  );
}

/** ExportTraceServiceRequest with one ResourceSpans (service `service`) and one ScopeSpans of `spans`. */
export function request(service: string | undefined, ...spans: Uint8Array[]): Uint8Array {
  const resource = service === undefined ? new Uint8Array(0) : message(1, bytes(1, kv("service.name", sv(service))));
  return message(1, resource, message(2, ...spans.map((s) => bytes(2, s))));
}
