/**
 * Reading OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions: trace and span ids are
 * hex, enums may be integers). Shared by the trace and metrics JSON decoders.
 *
 * - Field names: lowerCamelCase, or the proto's snake_case; absent and `null` mean the default.
 *   Unknown fields are ignored.
 * - Only own properties are read (`Object.hasOwn`), so keys such as `__proto__` or
 *   `constructor` in a body are inert data: nothing is looked up on or merged into a prototype.
 * - Where a structure is required (an object, an array, a string key, ...) a wrong type throws
 *   {@link DecodeError} naming the JSON path; so does a syntax error.
 * - 64-bit integers may be strings or numbers. A JSON number loses precision above 2^53 in any
 *   JSON parser, and nanosecond timestamps are ~2^60: before parsing, numbers given for the
 *   `…time_unix_nano` fields are quoted, so they stay exact.
 */
import { DecodeError } from "../errors/index.js";

export type JsonObject = { [key: string]: unknown };

const EMPTY: readonly unknown[] = Object.freeze([]);
const TIME_NUMBERS =
  /([{,]\s*"(?:startTimeUnixNano|endTimeUnixNano|timeUnixNano|start_time_unix_nano|end_time_unix_nano|time_unix_nano)"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const utf8Decoder = new TextDecoder("utf-8");

/**
 * Parses a JSON body (a string, or UTF-8 bytes; invalid UTF-8 becomes U+FFFD). Numbers given
 * for the time fields are turned into strings first (see the module comment): the pattern only
 * matches a key right after `{` or `,`, which inside a JSON string would be escaped.
 */
export function parseJsonBody(body: string | Uint8Array, what: string): unknown {
  const text = typeof body === "string" ? body : utf8Decoder.decode(body);
  const quoted = text.replace(TIME_NUMBERS, '$1"$2"');
  try {
    return JSON.parse(quoted);
  } catch (err) {
    // Report the position in the body as sent, not in the quoted copy.
    let cause = err;
    if (quoted !== text) {
      try {
        JSON.parse(text);
      } catch (original) {
        cause = original;
      }
    }
    throw new DecodeError(`malformed ${what} JSON: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * A protobufjs `Long` (the JSON walkers also read protobufjs-decoded messages, whose 64-bit
 * fields are Longs: see metrics.ts).
 */
export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

export function isLong(v: unknown): v is LongLike {
  return typeof v === "object" && v !== null && typeof (v as LongLike).low === "number" && typeof (v as LongLike).high === "number";
}

/** A Long as a number (exact up to 2^53), signed unless the Long is unsigned. */
export function longToNumber(v: LongLike): number {
  return (v.unsigned ? v.high >>> 0 : v.high | 0) * 4294967296 + (v.low >>> 0);
}

const MAX_U64 = 0xffffffffffffffffn;
const JSON_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A JSON walker that knows where it is, for error messages: `enter`/`leave` maintain the path
 * (`resourceSpans[0].scopeSpans[2].spans[7]`), formatted only when an error is thrown.
 */
export class JsonReader {
  private readonly path: (string | number)[] = [];
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  enter(name: string, index?: number): void {
    this.path.push(name);
    if (index !== undefined) this.path.push(index);
  }

  leave(withIndex = true): void {
    this.path.pop();
    if (withIndex) this.path.pop();
  }

  /** The current depth of the path, to return to with {@link unwind} after an exception. */
  depth(): number {
    return this.path.length;
  }

  unwind(depth: number): void {
    this.path.length = depth;
  }

  where(field?: string): string {
    let s = this.root;
    for (const p of this.path) s += typeof p === "number" ? `[${p}]` : `.${p}`;
    return field === undefined ? s : `${s}.${field}`;
  }

  fail(message: string, field?: string): never {
    throw new DecodeError(`${this.where(field)}: ${message}`);
  }

  /** The field `camel` (or `snake`), `undefined` when absent or null. Own properties only. */
  get(o: JsonObject, camel: string, snake: string): unknown {
    let v: unknown;
    if (Object.hasOwn(o, camel)) v = o[camel];
    else if (snake !== camel && Object.hasOwn(o, snake)) v = o[snake];
    return v === null ? undefined : v;
  }

  /** The root value, which must be an object. */
  rootObject(v: unknown): JsonObject {
    if (!isObject(v)) this.fail(`want an object, got ${typeName(v)}`);
    return v;
  }

  /** An array field; absent = empty. */
  array(o: JsonObject, camel: string, snake: string): readonly unknown[] {
    const v = this.get(o, camel, snake);
    if (v === undefined) return EMPTY;
    if (!Array.isArray(v)) this.fail(`want an array, got ${typeName(v)}`, camel);
    return v;
  }

  /** An object field; absent = undefined. */
  object(o: JsonObject, camel: string, snake: string): JsonObject | undefined {
    const v = this.get(o, camel, snake);
    if (v === undefined) return undefined;
    if (!isObject(v)) this.fail(`want an object, got ${typeName(v)}`, camel);
    return v;
  }

  /** An array element that must be an object (the path is already entered). */
  element(v: unknown): JsonObject {
    if (!isObject(v)) this.fail(`want an object, got ${typeName(v)}`);
    return v;
  }

  /** A string field; absent = "". */
  string(o: JsonObject, camel: string, snake: string): string {
    const v = this.get(o, camel, snake);
    if (v === undefined) return "";
    if (typeof v !== "string") this.fail(`want a string, got ${typeName(v)}`, camel);
    return v;
  }

  /** A bool field; absent = false. */
  bool(o: JsonObject, camel: string, snake: string): boolean {
    const v = this.get(o, camel, snake);
    if (v === undefined) return false;
    if (typeof v !== "boolean") this.fail(`want a boolean, got ${typeName(v)}`, camel);
    return v;
  }

  /**
   * An enum field: an integer, or a value name from `names`; absent = 0. An unknown name reads
   * as 0 (the enums' UNSPECIFIED), as an unknown number would be kept by protobuf.
   */
  enumValue(o: JsonObject, camel: string, snake: string, names: ReadonlyMap<string, number>): number {
    const v = this.get(o, camel, snake);
    if (v === undefined) return 0;
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string") return names.get(v) ?? 0;
    return this.fail(`want an enum name or integer, got ${typeName(v)}`, camel);
  }

  /**
   * A double field: a number, or "NaN" / "Infinity" / "-Infinity" / a numeric string (the proto3
   * JSON mapping); absent = 0.
   */
  double(o: JsonObject, camel: string, snake: string): number {
    return this.doubleValue(this.get(o, camel, snake), camel);
  }

  doubleValue(v: unknown, field?: string): number {
    if (v === undefined) return 0;
    if (typeof v === "number") return v;
    if (typeof v === "string") {
      if (v === "NaN") return NaN;
      if (v === "Infinity") return Infinity;
      if (v === "-Infinity") return -Infinity;
      if (JSON_NUMBER.test(v)) return Number(v);
    }
    return this.fail(`want a number, got ${typeof v === "string" ? JSON.stringify(v) : typeName(v)}`, field);
  }

  /**
   * A signed or unsigned 64-bit integer field (a number, a decimal string or a Long) as a JS
   * number (exact up to 2^53); absent = 0.
   */
  int64(o: JsonObject, camel: string, snake: string): number {
    return this.int64Value(this.get(o, camel, snake), camel);
  }

  int64Value(v: unknown, field?: string): number {
    if (v === undefined) return 0;
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (isLong(v)) return longToNumber(v);
    if (typeof v === "string" && JSON_NUMBER.test(v)) {
      const n = Number(v);
      if (Number.isInteger(n)) return n;
    }
    return this.fail(`want an integer, got ${typeof v === "string" ? JSON.stringify(v) : typeName(v)}`, field);
  }
}

/**
 * An unsigned 64-bit integer given as a decimal string, a number or a Long, as a bigint;
 * undefined when it is not one (negative, fractional, too large, another type). Absent is 0.
 */
export function uint64(v: unknown): bigint | undefined {
  if (v === undefined) return 0n;
  if (isLong(v)) return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  let big: bigint;
  if (typeof v === "string") {
    if (/^\d{1,20}$/.test(v)) big = BigInt(v);
    else if (JSON_NUMBER.test(v)) {
      const n = Number(v);
      if (!Number.isInteger(n)) return undefined;
      big = BigInt(n);
    } else return undefined;
  } else if (typeof v === "number") {
    if (!Number.isInteger(v)) return undefined;
    big = BigInt(v);
  } else return undefined;
  return big >= 0n && big <= MAX_U64 ? big : undefined;
}

const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/**
 * Reads a hex id (case-insensitive) for a span field: returns its byte length, or -1 if it is
 * not a hex string. The bytes are written to `out` only when there are exactly `out.length`
 * of them (the only length that is accepted).
 */
export function hexId(v: unknown, out: Uint8Array): number {
  if (v === undefined) return 0;
  if (typeof v !== "string" || v.length % 2 !== 0) return -1;
  const n = v.length >> 1;
  const write = n === out.length;
  for (let i = 0; i < n; i++) {
    const a = v.charCodeAt(2 * i);
    const b = v.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) return -1;
    if (write) out[i] = (hi << 4) | lo;
  }
  return n;
}
