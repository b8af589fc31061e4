/**
 * The hot path's first stage: a hand-written reader of `ExportTraceServiceRequest` protobuf
 * bytes that writes spans straight into a {@link SpanBatch}.
 *
 * Why not protobufjs: it builds one object per span, attribute and value (measured here with
 * bench/decode.bench.ts: ~250–450k spans/s into a SpanBatch, much of it garbage collection);
 * this reader builds none (~1.1–1.5M spans/s). It walks the wire format once, remembers byte
 * ranges, compares attribute keys as bytes, skips the values of attributes it does not keep,
 * and materialises only the strings it keeps, through byte-keyed caches in front of the
 * interners (a repeated name costs a hash and a compare, not a string).
 *
 * Contract (shared rules in span-rules.ts):
 * - Malformed protobuf throws `DecodeError` naming what and the byte offset (see
 *   wire.ts); the batch is then cleared. A known field with the wrong wire type is malformed.
 * - Unknown fields are skipped by wire type. Sub-messages the engine does not use (scope,
 *   events, links, the values of attributes it does not keep, array/kvlist values) are skipped
 *   by their length prefix without looking inside: nothing recurses, whatever the nesting of
 *   attacker-controlled data.
 * - Repeated occurrences follow protobuf semantics: the last scalar wins, messages merge (e.g.
 *   two `status` fields: the last `code` seen wins; the AnyValue member seen last wins). The
 *   resource may come after the spans of its ResourceSpans: it is read in a first pass.
 * - Invalid UTF-8 becomes U+FFFD (see text.ts).
 * - One module-level decoder serves every call (decoding is synchronous, calls never overlap):
 *   no per-span allocation beyond the strings it keeps and one key string per run of spans of
 *   the same trace; per call, the result object (and a Buffer view if given a plain Uint8Array).
 */
import type { SpanBatch, StringTables } from "../span/index.js";
import { ByteInternCache, bufferView } from "./text.js";
import {
  MAX_NAME_BYTES,
  MAX_STATEMENT_BYTES,
  R_OK,
  SLOT_COUNT,
  SLOT_DB_QUERY_TEXT,
  SLOT_DB_STATEMENT,
  SLOT_DB_SYSTEM,
  SLOT_DB_SYSTEM_NAME,
  SLOT_MESSAGING_SYSTEM,
  SLOT_NET_PEER_NAME,
  SLOT_PEER_SERVICE,
  SLOT_ROUTE,
  SLOT_SERVER_ADDRESS,
  SpanFields,
  TraceKeys,
  UNKNOWN_SERVICE,
  checkSpan,
  isServiceNameKey,
  reasonText,
  slotOfKeyBytes,
  truncateName,
  truncateStatement,
  writeSpanRow,
  type TraceDecodeResult,
} from "./span-rules.js";
import { ProtoReader, WT_I32, WT_I64, WT_LEN, WT_VARINT, skipField, u32le, wireTypes } from "./wire.js";

// Declared fields and their wire types, per message (for "wrong wire type" errors).
const REQUEST_WT = wireTypes({ 1: WT_LEN });
const RESOURCE_SPANS_WT = wireTypes({ 1: WT_LEN, 2: WT_LEN, 3: WT_LEN });
const RESOURCE_WT = wireTypes({ 1: WT_LEN, 2: WT_VARINT });
const SCOPE_SPANS_WT = wireTypes({ 1: WT_LEN, 2: WT_LEN, 3: WT_LEN });
const SPAN_WT = wireTypes({
  1: WT_LEN, 2: WT_LEN, 3: WT_LEN, 4: WT_LEN, 5: WT_LEN, 6: WT_VARINT, 7: WT_I64, 8: WT_I64, 9: WT_LEN,
  10: WT_VARINT, 11: WT_LEN, 12: WT_VARINT, 13: WT_LEN, 14: WT_VARINT, 15: WT_LEN, 16: WT_I32,
});
const STATUS_WT = wireTypes({ 2: WT_LEN, 3: WT_VARINT });
const KEY_VALUE_WT = wireTypes({ 1: WT_LEN, 2: WT_LEN });
const ANY_VALUE_WT = wireTypes({ 1: WT_LEN, 2: WT_VARINT, 3: WT_VARINT, 4: WT_I64, 5: WT_LEN, 6: WT_LEN, 7: WT_LEN });

// Tags (field << 3 | wire type) of the fields the decoder reads.
const TAG_1_LEN = 0x0a; // request.resource_spans, resource_spans.resource, resource.attributes, span.trace_id, kv.key, any.string_value
const TAG_2_LEN = 0x12; // resource_spans.scope_spans, scope_spans.spans, span.span_id, kv.value
const TAG_PARENT = 0x22; // span.parent_span_id (4)
const TAG_NAME = 0x2a; // span.name (5)
const TAG_KIND = 0x30; // span.kind (6)
const TAG_START = 0x39; // span.start_time_unix_nano (7, fixed64)
const TAG_END = 0x41; // span.end_time_unix_nano (8, fixed64)
const TAG_ATTRIBUTES = 0x4a; // span.attributes (9)
const TAG_STATUS = 0x7a; // span.status (15)
const TAG_STATUS_CODE = 0x18; // status.code (3)

const STATUS_CODE_ERROR = 2;
const EMPTY = new Uint8Array(0);
const EMPTY_BUFFER = Buffer.alloc(0);

class TraceWireDecoder extends ProtoReader {
  private text: Buffer = EMPTY_BUFFER;
  private batch: SpanBatch | undefined;
  private readonly cache = new ByteInternCache(128, truncateName);
  /** Statements repeat too (an ORM issues the same few queries); longer ones are decoded each time. */
  private readonly statementCache = new ByteInternCache(1024, truncateStatement);
  private readonly f = new SpanFields();
  private readonly keys = new TraceKeys();
  /** Byte range of each attribute slot's string value in the current span (length 0 = absent). */
  private readonly slotOff = new Int32Array(SLOT_COUNT);
  private readonly slotLen = new Int32Array(SLOT_COUNT);
  private serviceOff = 0;
  private serviceLen = 0;
  /** The string value of the AnyValue being read (length 0: none). */
  private strOff = 0;
  private strLen = 0;
  private service = 0;
  private unknownService = 0;
  private index = 0;
  private accepted = 0;
  private rejected = 0;
  private reason: string | undefined;

  constructor() {
    super(EMPTY);
  }

  decode(buf: Uint8Array, batch: SpanBatch, tables: StringTables): TraceDecodeResult {
    batch.clear();
    this.buf = buf;
    this.pos = 0;
    this.text = bufferView(buf);
    this.batch = batch;
    this.cache.bind(tables.strings);
    this.statementCache.bind(tables.statements);
    this.keys.reset();
    this.unknownService = tables.strings.intern(UNKNOWN_SERVICE);
    this.index = 0;
    this.accepted = 0;
    this.rejected = 0;
    this.reason = undefined;
    try {
      const end = buf.length;
      while (this.pos < end) {
        const at = this.pos;
        const tag = this.tag(end, "ExportTraceServiceRequest");
        if (tag === TAG_1_LEN) {
          const e = this.len(end, "ExportTraceServiceRequest.resource_spans") + this.pos;
          this.resourceSpans(e);
        } else {
          skipField(this, tag, end, REQUEST_WT, "ExportTraceServiceRequest", at);
        }
      }
    } catch (err) {
      batch.clear();
      throw err;
    } finally {
      // Do not keep the request or the batch alive until the next call.
      this.buf = EMPTY;
      this.text = EMPTY_BUFFER;
      this.batch = undefined;
    }
    const reason = this.reason;
    return reason === undefined
      ? { spans: this.accepted, rejected: this.rejected }
      : { spans: this.accepted, rejected: this.rejected, reason };
  }

  private resourceSpans(end: number): void {
    const start = this.pos;
    // Pass 1: the resource (wherever it is; repeated occurrences merge, the last service.name
    // wins), validating every tag of this level on the way.
    this.serviceOff = 0;
    this.serviceLen = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, "ResourceSpans");
      if (tag === TAG_1_LEN) {
        const e = this.len(end, "ResourceSpans.resource") + this.pos;
        this.resource(e);
      } else {
        skipField(this, tag, end, RESOURCE_SPANS_WT, "ResourceSpans", at);
      }
    }
    this.service = this.serviceLen > 0 ? this.name(this.serviceOff, this.serviceLen) : this.unknownService;
    // Pass 2: the spans (tags already validated).
    this.pos = start;
    while (this.pos < end) {
      const tag = this.tag(end, "ResourceSpans");
      if (tag === TAG_2_LEN) {
        const e = this.len(end, "ResourceSpans.scope_spans") + this.pos;
        this.scopeSpans(e);
      } else {
        this.skip(tag & 7, end, "ResourceSpans", tag >>> 3);
      }
    }
  }

  private resource(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, "Resource");
      if (tag === TAG_1_LEN) {
        const e = this.len(end, "Resource.attributes") + this.pos;
        this.keyValue(e, true);
      } else {
        skipField(this, tag, end, RESOURCE_WT, "Resource", at);
      }
    }
  }

  private scopeSpans(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, "ScopeSpans");
      if (tag === TAG_2_LEN) {
        const e = this.len(end, "ScopeSpans.spans") + this.pos;
        this.span(e);
      } else {
        skipField(this, tag, end, SCOPE_SPANS_WT, "ScopeSpans", at);
      }
    }
  }

  private span(end: number): void {
    const f = this.f;
    const buf = this.buf;
    f.reset();
    f.traceBuf = buf;
    f.spanBuf = buf;
    f.parentBuf = buf;
    this.slotLen.fill(0);
    let nameOff = 0;
    let nameLen = 0;
    let statusCode = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, "Span");
      switch (tag) {
        case TAG_1_LEN:
          f.traceLen = this.len(end, "Span.trace_id");
          f.traceOff = this.pos;
          this.pos += f.traceLen;
          break;
        case TAG_2_LEN:
          f.spanLen = this.len(end, "Span.span_id");
          f.spanOff = this.pos;
          this.pos += f.spanLen;
          break;
        case TAG_PARENT:
          f.parentLen = this.len(end, "Span.parent_span_id");
          f.parentOff = this.pos;
          this.pos += f.parentLen;
          break;
        case TAG_NAME:
          nameLen = this.len(end, "Span.name");
          nameOff = this.pos;
          this.pos += nameLen;
          break;
        case TAG_KIND:
          f.kind = this.varint32(end, "Span.kind");
          break;
        case TAG_START:
          this.need(8, end, "Span.start_time_unix_nano");
          f.startLo = u32le(buf, this.pos);
          f.startHi = u32le(buf, this.pos + 4);
          this.pos += 8;
          break;
        case TAG_END:
          this.need(8, end, "Span.end_time_unix_nano");
          f.endLo = u32le(buf, this.pos);
          f.endHi = u32le(buf, this.pos + 4);
          this.pos += 8;
          break;
        case TAG_ATTRIBUTES: {
          const e = this.len(end, "Span.attributes") + this.pos;
          this.keyValue(e, false);
          break;
        }
        case TAG_STATUS: {
          const e = this.len(end, "Span.status") + this.pos;
          while (this.pos < e) {
            const sat = this.pos;
            const t = this.tag(e, "Status");
            if (t === TAG_STATUS_CODE) statusCode = this.varint32(e, "Status.code");
            else skipField(this, t, e, STATUS_WT, "Status", sat);
          }
          break;
        }
        default:
          skipField(this, tag, end, SPAN_WT, "Span", at);
      }
    }
    f.error = statusCode === STATUS_CODE_ERROR;
    this.finishSpan(nameOff, nameLen);
  }

  /**
   * One KeyValue ending at `end`. Records the string value's byte range in the attribute slot
   * of its key (span attributes) or as the service name (resource attributes); a value of any
   * other type clears it. When the key comes first (the usual case) and is not one the engine
   * keeps, the value is skipped whole, like events and links: its content is not examined.
   */
  private keyValue(end: number, resource: boolean): void {
    const start = this.pos;
    let keyOff = 0;
    let keyLen = 0;
    let slot = -2; // -2: no key seen yet; -1: a key the engine does not keep; else the slot
    let skipped = false;
    this.strOff = 0;
    this.strLen = 0;
    while (this.pos < end) {
      const at = this.pos;
      const tag = this.tag(end, "KeyValue");
      if (tag === TAG_1_LEN) {
        keyLen = this.len(end, "KeyValue.key");
        keyOff = this.pos;
        this.pos += keyLen;
        slot = this.slotOf(resource, keyOff, keyLen);
      } else if (tag === TAG_2_LEN) {
        const e = this.len(end, "KeyValue.value") + this.pos;
        if (slot === -1) {
          this.pos = e;
          skipped = true;
        } else {
          this.anyValue(e);
        }
      } else {
        skipField(this, tag, end, KEY_VALUE_WT, "KeyValue", at);
      }
    }
    if (slot === -2) slot = this.slotOf(resource, keyOff, keyLen); // no key at all: ""
    if (slot < 0) return;
    if (skipped) {
      // A repeated key field made a value skipped earlier relevant after all (legal protobuf,
      // never seen in practice): read the values again; tags were validated by the first pass.
      this.strLen = 0;
      this.pos = start;
      while (this.pos < end) {
        const tag = this.tag(end, "KeyValue");
        if (tag === TAG_2_LEN) this.anyValue(this.len(end, "KeyValue.value") + this.pos);
        else this.skip(tag & 7, end, "KeyValue", tag >>> 3);
      }
    }
    if (resource) {
      this.serviceOff = this.strOff;
      this.serviceLen = this.strLen;
    } else {
      this.slotOff[slot] = this.strOff;
      this.slotLen[slot] = this.strLen;
    }
  }

  /** The slot of an attribute key (resource: 0 for service.name), or -1. */
  private slotOf(resource: boolean, off: number, len: number): number {
    if (resource) return isServiceNameKey(this.buf, off, len) ? 0 : -1;
    return slotOfKeyBytes(this.buf, off, len);
  }

  /**
   * An AnyValue ending at `end` (merging into what earlier values of the same KeyValue set):
   * `strOff`/`strLen` become its string_value when the member seen last is one, else length 0.
   * Array and kvlist members are skipped by length.
   */
  private anyValue(end: number): void {
    while (this.pos < end) {
      const at = this.pos;
      const t = this.tag(end, "AnyValue");
      if (t === TAG_1_LEN) {
        this.strLen = this.len(end, "AnyValue.string_value");
        this.strOff = this.pos;
        this.pos += this.strLen;
      } else {
        // Another member of the `value` oneof replaces the string.
        if (t >>> 3 <= 7) this.strLen = 0;
        skipField(this, t, end, ANY_VALUE_WT, "AnyValue", at);
      }
    }
  }

  private finishSpan(nameOff: number, nameLen: number): void {
    const f = this.f;
    const index = this.index++;
    const code = checkSpan(f);
    if (code !== R_OK) {
      this.rejected++;
      if (this.reason === undefined) this.reason = reasonText(code, f, index);
      return;
    }
    const lens = this.slotLen;
    const dbSlot = lens[SLOT_DB_SYSTEM_NAME]! > 0 ? SLOT_DB_SYSTEM_NAME : lens[SLOT_DB_SYSTEM]! > 0 ? SLOT_DB_SYSTEM : -1;
    const dbSystem = dbSlot >= 0 ? this.slotString(dbSlot) : 0;
    let peer: number;
    if (lens[SLOT_PEER_SERVICE]! > 0) peer = this.slotString(SLOT_PEER_SERVICE);
    else if (dbSlot >= 0) peer = dbSystem;
    else if (lens[SLOT_MESSAGING_SYSTEM]! > 0) peer = this.slotString(SLOT_MESSAGING_SYSTEM);
    else if (lens[SLOT_SERVER_ADDRESS]! > 0) peer = this.slotString(SLOT_SERVER_ADDRESS);
    else if (lens[SLOT_NET_PEER_NAME]! > 0) peer = this.slotString(SLOT_NET_PEER_NAME);
    else peer = 0;
    const stSlot = lens[SLOT_DB_QUERY_TEXT]! > 0 ? SLOT_DB_QUERY_TEXT : lens[SLOT_DB_STATEMENT]! > 0 ? SLOT_DB_STATEMENT : -1;
    let statement = 0;
    if (stSlot >= 0) {
      // Decode no more bytes than can reach the kept length (see MAX_STATEMENT_BYTES): the
      // truncated string is the same as if the whole value had been decoded.
      const off = this.slotOff[stSlot]!;
      const n = Math.min(lens[stSlot]!, MAX_STATEMENT_BYTES);
      statement = this.statementCache.intern(this.buf, this.text, off, off + n);
    }
    writeSpanRow(
      this.batch!,
      this.keys.keyOf(f.traceBuf, f.traceOff),
      f,
      this.service,
      nameLen > 0 ? this.name(nameOff, nameLen) : 0,
      lens[SLOT_ROUTE]! > 0 ? this.slotString(SLOT_ROUTE) : 0,
      peer,
      dbSystem,
      statement,
    );
    this.accepted++;
  }

  private slotString(slot: number): number {
    return this.name(this.slotOff[slot]!, this.slotLen[slot]!);
  }

  /**
   * The id of the name in `buf[off, off+len)`, cut to MAX_NAME_CHARS: no more than
   * MAX_NAME_BYTES are decoded (as for statements, the result is the same as decoding it all).
   */
  private name(off: number, len: number): number {
    return this.cache.intern(this.buf, this.text, off, off + Math.min(len, MAX_NAME_BYTES));
  }
}

const decoder = new TraceWireDecoder();

/**
 * Decodes an OTLP `ExportTraceServiceRequest` (protobuf bytes) into `batch` (cleared first),
 * interning strings in `tables`. Returns the accepted and rejected span counts and the first
 * rejection's reason; throws `DecodeError` on malformed protobuf (the batch is then empty).
 * See the module comment and span-rules.ts for the exact contract.
 */
export function decodeTraceRequest(buf: Uint8Array, batch: SpanBatch, tables: StringTables): TraceDecodeResult {
  return decoder.decode(buf, batch, tables);
}
