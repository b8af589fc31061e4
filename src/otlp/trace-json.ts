/**
 * OTLP/JSON `ExportTraceServiceRequest` → {@link SpanBatch}, with the rules of span-rules.ts.
 *
 * JSON specifics (see json.ts for field names, `__proto__` and 64-bit integers):
 * - traceId / spanId / parentSpanId are hex strings, any case. An id that is not a hex string
 *   (or not a string) rejects the span, like an id of the wrong length.
 * - kind and status.code are integers or enum names (`"SPAN_KIND_SERVER"`,
 *   `"STATUS_CODE_ERROR"`); an unknown name reads as 0.
 * - start/end times are uint64 as decimal strings or numbers; anything else rejects the span.
 * - A wrong type where a structure is required (resourceSpans not an array, a span not an
 *   object, a name or attribute key not a string, ...) throws {@link DecodeError} naming the
 *   path, and the batch is cleared. A non-string attribute value is simply not a string value.
 */
import type { SpanBatch, StringTables } from "../span/index.js";
import { JsonReader, hexId, parseJsonBody, uint64, type JsonObject } from "./json.js";
import { SERVICE_NAME_KEY, StringSpanSink, type SpanFields, type TraceDecodeResult } from "./span-rules.js";

const SPAN_KIND_NAMES: ReadonlyMap<string, number> = new Map([
  ["SPAN_KIND_UNSPECIFIED", 0],
  ["SPAN_KIND_INTERNAL", 1],
  ["SPAN_KIND_SERVER", 2],
  ["SPAN_KIND_CLIENT", 3],
  ["SPAN_KIND_PRODUCER", 4],
  ["SPAN_KIND_CONSUMER", 5],
]);
const STATUS_CODE_NAMES: ReadonlyMap<string, number> = new Map([
  ["STATUS_CODE_UNSET", 0],
  ["STATUS_CODE_OK", 1],
  ["STATUS_CODE_ERROR", 2],
]);

/** The string value of a JSON KeyValue, undefined if it has none (or another type). */
function attributeString(r: JsonReader, kv: JsonObject): string | undefined {
  const value = r.object(kv, "value", "value");
  if (value === undefined) return undefined;
  const s = r.get(value, "stringValue", "string_value");
  return typeof s === "string" ? s : undefined;
}

function setTime(f: SpanFields, v: unknown, start: boolean): void {
  const t = uint64(v);
  const lo = t === undefined ? 0 : Number(t & 0xffffffffn);
  const hi = t === undefined ? 0 : Number(t >> 32n);
  if (start) {
    f.startLo = lo;
    f.startHi = hi;
    f.startBad = t === undefined;
  } else {
    f.endLo = lo;
    f.endHi = hi;
    f.endBad = t === undefined;
  }
}

/**
 * Decodes an OTLP/JSON trace export body (string or UTF-8 bytes) into `batch` (cleared first),
 * interning strings in `tables`. Same result shape and span rules as {@link decodeTraceRequest}.
 */
export function decodeTraceJson(body: string | Uint8Array, batch: SpanBatch, tables: StringTables): TraceDecodeResult {
  batch.clear();
  const r = new JsonReader("ExportTraceServiceRequest");
  const root = r.rootObject(parseJsonBody(body, "ExportTraceServiceRequest"));
  const sink = new StringSpanSink(batch, tables);
  const f = sink.f;
  const traceId = new Uint8Array(16);
  const spanId = new Uint8Array(8);
  const parentId = new Uint8Array(8);
  try {
    const resourceSpans = r.array(root, "resourceSpans", "resource_spans");
    for (let i = 0; i < resourceSpans.length; i++) {
      r.enter("resourceSpans", i);
      const rs = r.element(resourceSpans[i]);
      let serviceName = "";
      const resource = r.object(rs, "resource", "resource");
      if (resource !== undefined) {
        r.enter("resource");
        const attrs = r.array(resource, "attributes", "attributes");
        for (let a = 0; a < attrs.length; a++) {
          r.enter("attributes", a);
          const kv = r.element(attrs[a]);
          if (r.string(kv, "key", "key") === SERVICE_NAME_KEY) serviceName = attributeString(r, kv) ?? "";
          r.leave();
        }
        r.leave(false);
      }
      const service = sink.serviceId(serviceName);
      const scopeSpans = r.array(rs, "scopeSpans", "scope_spans");
      for (let j = 0; j < scopeSpans.length; j++) {
        r.enter("scopeSpans", j);
        const spans = r.array(r.element(scopeSpans[j]), "spans", "spans");
        for (let k = 0; k < spans.length; k++) {
          r.enter("spans", k);
          const sp = r.element(spans[k]);
          sink.begin();
          f.traceBuf = traceId;
          f.traceOff = 0;
          f.traceLen = hexId(r.get(sp, "traceId", "trace_id"), traceId);
          f.spanBuf = spanId;
          f.spanOff = 0;
          f.spanLen = hexId(r.get(sp, "spanId", "span_id"), spanId);
          f.parentBuf = parentId;
          f.parentOff = 0;
          f.parentLen = hexId(r.get(sp, "parentSpanId", "parent_span_id"), parentId);
          setTime(f, r.get(sp, "startTimeUnixNano", "start_time_unix_nano"), true);
          setTime(f, r.get(sp, "endTimeUnixNano", "end_time_unix_nano"), false);
          f.kind = r.enumValue(sp, "kind", "kind", SPAN_KIND_NAMES) >>> 0;
          const status = r.object(sp, "status", "status");
          if (status !== undefined) {
            r.enter("status");
            f.error = r.enumValue(status, "code", "code", STATUS_CODE_NAMES) === 2;
            r.leave(false);
          }
          const name = r.string(sp, "name", "name");
          const attrs = r.array(sp, "attributes", "attributes");
          for (let a = 0; a < attrs.length; a++) {
            r.enter("attributes", a);
            const kv = r.element(attrs[a]);
            sink.attribute(r.string(kv, "key", "key"), attributeString(r, kv));
            r.leave();
          }
          sink.end(service, name);
          r.leave();
        }
        r.leave();
      }
      r.leave();
    }
  } catch (err) {
    batch.clear();
    throw err;
  }
  return sink.result();
}
