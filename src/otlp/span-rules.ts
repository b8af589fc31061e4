/**
 * What a span must be to enter the engine, and how its OTLP fields map onto a {@link SpanBatch}
 * row. Shared by the three trace decoders (hand-written wire reader, protobufjs, JSON), so they
 * accept, reject and map spans identically; the property tests hold them to it.
 *
 * Rejections (counted, reported as OTLP partial success, never fatal to the request), checked in
 * this order, the first failing one being the reason:
 * - trace_id not 16 bytes, or all zero; span_id not 8 bytes, or all zero (OTLP calls both
 *   invalid); parent_span_id neither empty nor 8 bytes (an all-zero parent is "no parent");
 * - start_time_unix_nano 0; end before start; duration >= 2^53 ns (~104 days: durations are
 *   exact doubles in the core).
 *
 * Attribute mapping (string values only; an attribute of another type counts as absent; with a
 * duplicated key the last occurrence wins; an empty string is absent):
 * - `http.route` → route; `db.system.name`, else `db.system` → dbSystem;
 * - `db.query.text`, else `db.statement` → statement (statements table, at most 1024 UTF-16
 *   units, never splitting a surrogate pair);
 * - peer (the virtual component of a leaf CLIENT/PRODUCER span) = `peer.service`, else the db
 *   system, else `messaging.system`, else `server.address`, else `net.peer.name`.
 * - `service.name` of the resource, else `unknown_service` (what the SDKs report when unset).
 * - Names (service, span name, route, peer, db system) are cut to {@link MAX_NAME_CHARS} UTF-16
 *   units, never splitting a surrogate pair: they are interned and kept for the process's life,
 *   so without a cap a client sending distinct 10 MB names could hold gigabytes within the
 *   `maxStrings` count limit. Names sharing their first 256 units are one name.
 * - kind: the OTLP enum value; values outside 0..5 become UNSPECIFIED (0).
 */
import { SpanFlag, type SpanBatch, type StringTables } from "../span/index.js";
import { u32le } from "./wire.js";

/** The service name of a resource without `service.name`, as the OpenTelemetry SDKs default it. */
export const UNKNOWN_SERVICE = "unknown_service";
/** Longest statement kept, in UTF-16 code units. */
export const MAX_STATEMENT_CHARS = 1024;
/** Bytes of UTF-8 that always hold at least {@link MAX_STATEMENT_CHARS} units (3 bytes per unit at worst, plus a cut sequence). */
export const MAX_STATEMENT_BYTES = 4 * MAX_STATEMENT_CHARS;
/** Longest name kept (service, span name, route, virtual component, db system), in UTF-16 code units. */
export const MAX_NAME_CHARS = 256;
/** Bytes of UTF-8 that always hold at least {@link MAX_NAME_CHARS} units (as {@link MAX_STATEMENT_BYTES}). */
export const MAX_NAME_BYTES = 4 * MAX_NAME_CHARS;

// Attribute slots: the span attributes the engine keeps.
export const SLOT_ROUTE = 0;
export const SLOT_DB_SYSTEM = 1;
export const SLOT_DB_SYSTEM_NAME = 2;
export const SLOT_DB_QUERY_TEXT = 3;
export const SLOT_DB_STATEMENT = 4;
export const SLOT_PEER_SERVICE = 5;
export const SLOT_MESSAGING_SYSTEM = 6;
export const SLOT_SERVER_ADDRESS = 7;
export const SLOT_NET_PEER_NAME = 8;
export const SLOT_COUNT = 9;

/** The attribute key of each slot. */
export const SLOT_KEYS: readonly string[] = [
  "http.route",
  "db.system",
  "db.system.name",
  "db.query.text",
  "db.statement",
  "peer.service",
  "messaging.system",
  "server.address",
  "net.peer.name",
];
export const SERVICE_NAME_KEY = "service.name";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const KEY_BYTES = SLOT_KEYS.map(ascii);
const SERVICE_NAME_BYTES = ascii(SERVICE_NAME_KEY);

/** The slot of an attribute key, or -1. */
export function slotOfKey(key: string): number {
  switch (key) {
    case "http.route": return SLOT_ROUTE;
    case "db.system": return SLOT_DB_SYSTEM;
    case "db.system.name": return SLOT_DB_SYSTEM_NAME;
    case "db.query.text": return SLOT_DB_QUERY_TEXT;
    case "db.statement": return SLOT_DB_STATEMENT;
    case "peer.service": return SLOT_PEER_SERVICE;
    case "messaging.system": return SLOT_MESSAGING_SYSTEM;
    case "server.address": return SLOT_SERVER_ADDRESS;
    case "net.peer.name": return SLOT_NET_PEER_NAME;
    default: return -1;
  }
}

function bytesEqual(buf: Uint8Array, off: number, lit: Uint8Array): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[off + i] !== lit[i]) return false;
  return true;
}

/**
 * The slot of the attribute key in `buf[off, off+len)`, or -1, without materialising the key:
 * the length and first byte pick at most one candidate, then the bytes are compared.
 */
export function slotOfKeyBytes(buf: Uint8Array, off: number, len: number): number {
  let slot: number;
  switch (len) {
    case 9: slot = SLOT_DB_SYSTEM; break;
    case 10: slot = SLOT_ROUTE; break;
    case 12: slot = buf[off] === 0x64 /* d */ ? SLOT_DB_STATEMENT : SLOT_PEER_SERVICE; break;
    case 13: slot = buf[off] === 0x64 ? SLOT_DB_QUERY_TEXT : SLOT_NET_PEER_NAME; break;
    case 14: slot = buf[off] === 0x64 ? SLOT_DB_SYSTEM_NAME : SLOT_SERVER_ADDRESS; break;
    case 16: slot = SLOT_MESSAGING_SYSTEM; break;
    default: return -1;
  }
  return bytesEqual(buf, off, KEY_BYTES[slot]!) ? slot : -1;
}

/** Whether `buf[off, off+len)` is the key `service.name`. */
export function isServiceNameKey(buf: Uint8Array, off: number, len: number): boolean {
  return len === 12 && bytesEqual(buf, off, SERVICE_NAME_BYTES);
}

/** `s` cut to {@link MAX_STATEMENT_CHARS} units without splitting a surrogate pair. */
export function truncateStatement(s: string): string {
  return s.length <= MAX_STATEMENT_CHARS ? s : cut(s, MAX_STATEMENT_CHARS);
}

/** `s` cut to {@link MAX_NAME_CHARS} units without splitting a surrogate pair. */
export function truncateName(s: string): string {
  return s.length <= MAX_NAME_CHARS ? s : cut(s, MAX_NAME_CHARS);
}

function cut(s: string, max: number): string {
  let n = max;
  const c = s.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--;
  // Appending and dropping a character makes V8 copy the prefix into a fresh string, so the
  // interned string does not keep the (possibly huge) original alive as a sliced string.
  return (s.slice(0, n) + " ").slice(0, n);
}

// Rejection codes (0 = accepted).
export const R_OK = 0;
export const R_TRACE_LEN = 1;
export const R_TRACE_ZERO = 2;
export const R_TRACE_HEX = 3;
export const R_SPAN_LEN = 4;
export const R_SPAN_ZERO = 5;
export const R_SPAN_HEX = 6;
export const R_PARENT_LEN = 7;
export const R_PARENT_HEX = 8;
export const R_START_INVALID = 9;
export const R_START_ZERO = 10;
export const R_END_INVALID = 11;
export const R_END_BEFORE_START = 12;
export const R_TOO_LONG = 13;

const EMPTY = new Uint8Array(0);
const TWO32 = 4294967296;
const TWO53 = 9007199254740992;

/**
 * The fields of the span being decoded: one reusable instance per decode call (no per-span
 * allocation). Ids are byte ranges (`…Buf`, `…Off`, `…Len`) into whatever holds them (the
 * request buffer, a protobufjs Uint8Array, a scratch array for hex). A length of -1 marks an id
 * that is not valid hex (JSON only); `startBad`/`endBad` a time that is not a uint64 (JSON only).
 */
export class SpanFields {
  traceBuf: Uint8Array = EMPTY;
  traceOff = 0;
  traceLen = 0;
  spanBuf: Uint8Array = EMPTY;
  spanOff = 0;
  spanLen = 0;
  parentBuf: Uint8Array = EMPTY;
  parentOff = 0;
  parentLen = 0;
  startLo = 0;
  startHi = 0;
  endLo = 0;
  endHi = 0;
  startBad = false;
  endBad = false;
  kind = 0;
  error = false;

  reset(): void {
    this.traceLen = 0;
    this.spanLen = 0;
    this.parentLen = 0;
    this.startLo = 0;
    this.startHi = 0;
    this.endLo = 0;
    this.endHi = 0;
    this.startBad = false;
    this.endBad = false;
    this.kind = 0;
    this.error = false;
  }
}

function allZero(buf: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[off + i] !== 0) return false;
  return true;
}

/** The first reason to reject `f` ({@link R_OK} if it is acceptable). */
export function checkSpan(f: SpanFields): number {
  if (f.traceLen < 0) return R_TRACE_HEX;
  if (f.traceLen !== 16) return R_TRACE_LEN;
  if (allZero(f.traceBuf, f.traceOff, 16)) return R_TRACE_ZERO;
  if (f.spanLen < 0) return R_SPAN_HEX;
  if (f.spanLen !== 8) return R_SPAN_LEN;
  if (allZero(f.spanBuf, f.spanOff, 8)) return R_SPAN_ZERO;
  if (f.parentLen < 0) return R_PARENT_HEX;
  if (f.parentLen !== 0 && f.parentLen !== 8) return R_PARENT_LEN;
  if (f.startBad) return R_START_INVALID;
  if (f.startLo === 0 && f.startHi === 0) return R_START_ZERO;
  if (f.endBad) return R_END_INVALID;
  if (f.endHi < f.startHi || (f.endHi === f.startHi && f.endLo < f.startLo)) return R_END_BEFORE_START;
  // Exact below 2^53 and monotonic above, so the comparison is exact.
  if ((f.endHi - f.startHi) * TWO32 + (f.endLo - f.startLo) >= TWO53) return R_TOO_LONG;
  return R_OK;
}

/** The human-readable reason for rejection `code` of the span numbered `index` in its request. */
export function reasonText(code: number, f: SpanFields, index: number): string {
  const what = ((): string => {
    switch (code) {
      case R_TRACE_LEN: return `trace_id has ${f.traceLen} bytes, want 16`;
      case R_TRACE_ZERO: return "trace_id is all zero";
      case R_TRACE_HEX: return "trace_id is not a hex string";
      case R_SPAN_LEN: return `span_id has ${f.spanLen} bytes, want 8`;
      case R_SPAN_ZERO: return "span_id is all zero";
      case R_SPAN_HEX: return "span_id is not a hex string";
      case R_PARENT_LEN: return `parent_span_id has ${f.parentLen} bytes, want 0 or 8`;
      case R_PARENT_HEX: return "parent_span_id is not a hex string";
      case R_START_INVALID: return "start_time_unix_nano is not an unsigned 64-bit integer";
      case R_START_ZERO: return "start_time_unix_nano is 0";
      case R_END_INVALID: return "end_time_unix_nano is not an unsigned 64-bit integer";
      case R_END_BEFORE_START: return "end_time_unix_nano is before start_time_unix_nano";
      case R_TOO_LONG: return "duration is 2^53 ns (about 104 days) or more";
      default: return `rejected (code ${code})`;
    }
  })();
  return `span ${index}: ${what}`;
}

/**
 * The trace key (16 id bytes as a latin1 string) of consecutive spans: spans of one trace come
 * together, so the previous key string is reused when the bytes match (no allocation).
 */
export class TraceKeys {
  private readonly prev = new Uint8Array(16);
  private key = "";

  reset(): void {
    this.key = "";
  }

  keyOf(buf: Uint8Array, off: number): string {
    const prev = this.prev;
    if (this.key !== "") {
      let i = 0;
      while (i < 16 && buf[off + i] === prev[i]) i++;
      if (i === 16) return this.key;
    }
    for (let i = 0; i < 16; i++) prev[i] = buf[off + i]!;
    this.key = String.fromCharCode(
      prev[0]!, prev[1]!, prev[2]!, prev[3]!, prev[4]!, prev[5]!, prev[6]!, prev[7]!,
      prev[8]!, prev[9]!, prev[10]!, prev[11]!, prev[12]!, prev[13]!, prev[14]!, prev[15]!,
    );
    return this.key;
  }
}

/** Appends an accepted span (`checkSpan(f) === R_OK`) with its interned strings to `batch`. */
export function writeSpanRow(
  batch: SpanBatch,
  key: string,
  f: SpanFields,
  service: number,
  name: number,
  route: number,
  peer: number,
  dbSystem: number,
  statement: number,
): void {
  const i = batch.add(key);
  batch.spanLo[i] = u32le(f.spanBuf, f.spanOff);
  batch.spanHi[i] = u32le(f.spanBuf, f.spanOff + 4);
  let flags = 0;
  if (f.parentLen === 8) {
    const lo = u32le(f.parentBuf, f.parentOff);
    const hi = u32le(f.parentBuf, f.parentOff + 4);
    if (lo !== 0 || hi !== 0) {
      batch.parentLo[i] = lo;
      batch.parentHi[i] = hi;
      flags |= SpanFlag.HAS_PARENT;
    }
  }
  if (f.error) flags |= SpanFlag.ERROR;
  batch.flags[i] = flags;
  batch.startLo[i] = f.startLo;
  batch.startHi[i] = f.startHi;
  batch.endLo[i] = f.endLo;
  batch.endHi[i] = f.endHi;
  batch.kind[i] = f.kind <= 5 ? f.kind : 0;
  batch.service[i] = service;
  batch.name[i] = name;
  batch.route[i] = route;
  batch.peer[i] = peer;
  batch.dbSystem[i] = dbSystem;
  batch.statement[i] = statement;
}

/** What every trace decoder returns. */
export interface TraceDecodeResult {
  /** Spans accepted into the batch. */
  spans: number;
  /** Spans rejected (not in the batch); report as `partial_success.rejected_spans`. */
  rejected: number;
  /** The first rejection's reason, human readable (for `partial_success.error_message`). */
  reason?: string;
}

/**
 * The span-by-span bookkeeping of the decoders that see attribute values as strings (protobufjs
 * and JSON): the reusable {@link SpanFields}, attribute slots, counts and the first reason.
 */
export class StringSpanSink {
  readonly f = new SpanFields();
  readonly slots: string[] = new Array<string>(SLOT_COUNT).fill("");
  private readonly keys = new TraceKeys();
  private readonly batch: SpanBatch;
  private readonly tables: StringTables;
  private index = 0;
  accepted = 0;
  rejected = 0;
  reason: string | undefined;

  constructor(batch: SpanBatch, tables: StringTables) {
    this.batch = batch;
    this.tables = tables;
  }

  /** The interned id of a resource's `service.name` value ("" when absent or not a string). */
  serviceId(name: string): number {
    return this.tables.strings.intern(name === "" ? UNKNOWN_SERVICE : truncateName(name));
  }

  /** Starts a span: clears the fields and the attribute slots. */
  begin(): void {
    this.f.reset();
    const s = this.slots;
    for (let i = 0; i < SLOT_COUNT; i++) s[i] = "";
  }

  /** Records attribute `key` with its value, `undefined` if it is not a string. */
  attribute(key: string, value: string | undefined): void {
    const slot = slotOfKey(key);
    if (slot >= 0) this.slots[slot] = value ?? "";
  }

  /** Ends a span: rejects it (counting) or appends it. */
  end(service: number, name: string): void {
    const f = this.f;
    const index = this.index++;
    const code = checkSpan(f);
    if (code !== R_OK) {
      this.rejected++;
      if (this.reason === undefined) this.reason = reasonText(code, f, index);
      return;
    }
    const strings = this.tables.strings;
    const s = this.slots;
    const dbSystemStr = s[SLOT_DB_SYSTEM_NAME] || s[SLOT_DB_SYSTEM]!;
    const statementStr = s[SLOT_DB_QUERY_TEXT] || s[SLOT_DB_STATEMENT]!;
    const peerStr = s[SLOT_PEER_SERVICE] || dbSystemStr || s[SLOT_MESSAGING_SYSTEM] || s[SLOT_SERVER_ADDRESS] || s[SLOT_NET_PEER_NAME]!;
    writeSpanRow(
      this.batch,
      this.keys.keyOf(f.traceBuf, f.traceOff),
      f,
      service,
      strings.intern(truncateName(name)),
      strings.intern(truncateName(s[SLOT_ROUTE]!)),
      strings.intern(truncateName(peerStr)),
      strings.intern(truncateName(dbSystemStr)),
      statementStr === "" ? 0 : this.tables.statements.intern(truncateStatement(statementStr)),
    );
    this.accepted++;
  }

  result(): TraceDecodeResult {
    return this.reason === undefined
      ? { spans: this.accepted, rejected: this.rejected }
      : { spans: this.accepted, rejected: this.rejected, reason: this.reason };
  }
}
