/**
 * `ExportTraceServiceRequest` → {@link SpanBatch} through the generated protobufjs code: one
 * object per span, attribute and value. Slower than the hand reader (trace-wire.ts) and kept as
 * its benchmark baseline and test oracle: same rules (span-rules.ts), same batch.
 *
 * Differences by construction, outside what the oracle is used for: protobufjs does not check
 * wire types of known fields, accepts field number 0, and replaces (rather than merges) a
 * repeated sub-message. Malformed input throws {@link DecodeError} (with protobufjs' error as
 * `cause`), including attribute values nested deeper than protobufjs' recursion limit (100
 * levels, protoc's default).
 */
import { DecodeError } from "../errors/index.js";
import type { SpanBatch, StringTables } from "../span/index.js";
import { ExportTraceServiceRequest, type IExportTraceServiceRequest, type IKeyValue } from "./proto.js";
import { SERVICE_NAME_KEY, StringSpanSink, type SpanFields, type TraceDecodeResult } from "./span-rules.js";
import { bufferView } from "./text.js";

const EMPTY = new Uint8Array(0);

/** A decoded 64-bit value: protobufjs gives a `Long` (or a number if `long` is unavailable). */
type Int64 = number | { low: number; high: number } | null | undefined;

/** Decodes `buf` with protobufjs; protobufjs' errors become {@link DecodeError}. */
export function protobufjsDecode<T>(decode: (b: Uint8Array) => T, buf: Uint8Array, what: string): T {
  try {
    // A Buffer makes protobufjs decode strings with Node's UTF-8 decoder (U+FFFD replacement,
    // as the hand reader); on a plain Uint8Array it would use its own, laxer one.
    return decode(bufferView(buf));
  } catch (err) {
    // Stack exhaustion should not happen (protobufjs limits nesting), but is malformed input too.
    const msg = err instanceof RangeError && /call stack/i.test(err.message)
      ? "nesting too deep"
      : err instanceof Error ? err.message : String(err);
    throw new DecodeError(`malformed ${what}: ${msg}`, { cause: err });
  }
}

function setTime(f: SpanFields, v: Int64, start: boolean): void {
  let lo = 0;
  let hi = 0;
  if (typeof v === "number") {
    lo = v >>> 0;
    hi = Math.floor(v / 4294967296) >>> 0;
  } else if (v) {
    lo = v.low >>> 0;
    hi = v.high >>> 0;
  }
  if (start) {
    f.startLo = lo;
    f.startHi = hi;
  } else {
    f.endLo = lo;
    f.endHi = hi;
  }
}

function stringOf(kv: IKeyValue): string | undefined {
  const s = kv.value?.stringValue;
  return s === null || s === undefined ? undefined : s;
}

/**
 * Like {@link decodeTraceRequest}, through protobufjs: clears and fills `batch`, returns the
 * counts and the first rejection's reason; throws {@link DecodeError} on malformed protobuf.
 */
export function decodeTraceRequestProtobufjs(buf: Uint8Array, batch: SpanBatch, tables: StringTables): TraceDecodeResult {
  batch.clear();
  const req: IExportTraceServiceRequest = protobufjsDecode(
    (b) => ExportTraceServiceRequest.decode(b),
    buf,
    "ExportTraceServiceRequest",
  );
  const sink = new StringSpanSink(batch, tables);
  const f = sink.f;
  for (const rs of req.resourceSpans ?? []) {
    let serviceName = "";
    for (const kv of rs.resource?.attributes ?? []) {
      if (kv.key === SERVICE_NAME_KEY) serviceName = stringOf(kv) ?? "";
    }
    const service = sink.serviceId(serviceName);
    for (const ss of rs.scopeSpans ?? []) {
      for (const sp of ss.spans ?? []) {
        sink.begin();
        const traceId = sp.traceId ?? EMPTY;
        const spanId = sp.spanId ?? EMPTY;
        const parent = sp.parentSpanId ?? EMPTY;
        f.traceBuf = traceId;
        f.traceOff = 0;
        f.traceLen = traceId.length;
        f.spanBuf = spanId;
        f.spanOff = 0;
        f.spanLen = spanId.length;
        f.parentBuf = parent;
        f.parentOff = 0;
        f.parentLen = parent.length;
        setTime(f, sp.startTimeUnixNano, true);
        setTime(f, sp.endTimeUnixNano, false);
        f.kind = (sp.kind ?? 0) >>> 0;
        f.error = sp.status?.code === 2;
        for (const kv of sp.attributes ?? []) sink.attribute(kv.key ?? "", stringOf(kv));
        sink.end(service, sp.name ?? "");
      }
    }
  }
  return sink.result();
}
