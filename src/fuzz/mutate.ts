/**
 * Mutations of valid inputs, as fast-check arbitraries, so a failing case shrinks and replays
 * from its seed: byte-level (truncation, bit flips, wrong wire types, huge length prefixes,
 * invalid UTF-8, splices), JSON-tree level (hostile values where structures, numbers or
 * timestamps belong; `__proto__` / `constructor` / `prototype` keys; deep nesting) and text
 * level.
 */
import fc from "fast-check";
import { cat, rawVarint } from "./pb.js";

export type ByteMutation =
  | { op: "truncate"; at: number }
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; len: number }
  | { op: "duplicate"; at: number; len: number; to: number }
  | { op: "wireType"; at: number; wt: number }
  | { op: "hugeLength"; at: number; value: bigint }
  | { op: "badUtf8"; at: number; bytes: Uint8Array };

/** Positions are fractions of the input length, so a mutation applies to an input of any size. */
const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const BAD_UTF8 = [
  [0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0x28], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80],
].map((b) => Uint8Array.from(b));

const HUGE = [2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 16n * 2n ** 20n, 1n << 35n];

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  at.map((a) => ({ op: "truncate" as const, at: a })),
  fc.record({ op: fc.constant("flip" as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at, value: fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22) }),
  fc.record({ op: fc.constant("insert" as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant("delete" as const), at, len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant("duplicate" as const), at, len: fc.integer({ min: 1, max: 256 }), to: at }),
  fc.record({ op: fc.constant("wireType" as const), at, wt: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("hugeLength" as const), at, value: fc.oneof(fc.constantFrom(...HUGE), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })) }),
  fc.record({ op: fc.constant("badUtf8" as const), at, bytes: fc.constantFrom(...BAD_UTF8) }),
);

export function applyByteMutation(buf: Uint8Array, m: ByteMutation): Uint8Array {
  const n = buf.length;
  const i = Math.floor(m.at * (n + 1));
  switch (m.op) {
    case "truncate":
      return buf.subarray(0, i);
    case "flip": {
      if (n === 0) return buf;
      const out = buf.slice();
      out[Math.min(i, n - 1)]! ^= 1 << m.bit;
      return out;
    }
    case "set": {
      if (n === 0) return buf;
      const out = buf.slice();
      out[Math.min(i, n - 1)] = m.value;
      return out;
    }
    case "insert":
    case "badUtf8":
      return cat(buf.subarray(0, i), m.bytes, buf.subarray(i));
    case "delete":
      return cat(buf.subarray(0, i), buf.subarray(Math.min(n, i + m.len)));
    case "duplicate": {
      const piece = buf.slice(i, Math.min(n, i + m.len));
      const to = Math.floor(m.to * (n + 1));
      return cat(buf.subarray(0, to), piece, buf.subarray(to));
    }
    case "wireType": {
      if (n === 0) return buf;
      const out = buf.slice();
      const j = Math.min(i, n - 1);
      out[j] = (out[j]! & ~7) | m.wt;
      return out;
    }
    case "hugeLength": {
      // Replace the byte at `i` (often a length prefix's first byte) with a huge varint.
      return cat(buf.subarray(0, i), rawVarint(m.value), buf.subarray(Math.min(n, i + 1)));
    }
  }
}

export const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 4 });

export function applyByteMutations(buf: Uint8Array, ms: readonly ByteMutation[]): Uint8Array {
  let out = buf;
  for (const m of ms) out = applyByteMutation(out, m);
  return out;
}

// ---- JSON values ----

/** An object with an own enumerable property named `key` (also `__proto__`), as JSON.parse makes. */
export function withOwn(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

const FORBIDDEN = ["__proto__", "constructor", "prototype"] as const;

/** JSON values that break assumptions: wrong types, edge numbers, hostile strings, prototype keys. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, -Infinity,
    "", "NaN", "Infinity", "-Infinity", "-1", "1e400", "1e-400", "18446744073709551615", "18446744073709551616", "0x10", " 12", "1_000",
    "9".repeat(400), "300ms", "1.5s", "-5s", "5d", "1e3ms", "512MiB", "10 USD", "0.99", "\u0000", "\ud800", "😀", "a".repeat(10_000),
    "SPAN_KIND_SERVER", "STATUS_CODE_ERROR", "AGGREGATION_TEMPORALITY_DELTA", "00000000000000000000000000000000", "zz",
    [], {}, [null], [[[]]], { "": 1 },
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(...FORBIDDEN).map((k) => withOwn({}, k, { polluted: true, toString: "x" })),
  fc.constant(null).map(() => withOwn({ constructor: { prototype: { polluted: true } } }, "__proto__", { polluted: true })),
);

export type TreeMutation =
  | { op: "replace"; path: number[]; value: unknown }
  | { op: "delete"; path: number[] }
  | { op: "addKey"; path: number[]; key: string; value: unknown }
  | { op: "nest"; path: number[]; depth: number; array: boolean }
  | { op: "duplicate"; path: number[] };

/** Keys a mutation may add: the OTLP and budget field names, prototype keys, junk. */
const KEYS = fc.oneof(
  fc.constantFrom(...FORBIDDEN),
  fc.constantFrom(
    "resourceSpans", "resource_spans", "scopeSpans", "spans", "traceId", "spanId", "parentSpanId", "startTimeUnixNano", "end_time_unix_nano",
    "kind", "status", "code", "attributes", "key", "value", "stringValue", "arrayValue", "kvlistValue", "values", "resourceMetrics",
    "scopeMetrics", "metrics", "gauge", "sum", "histogram", "exponentialHistogram", "summary", "dataPoints", "timeUnixNano", "asDouble",
    "asInt", "bucketCounts", "explicitBounds", "quantileValues", "positive", "offset", "scale", "flags", "id", "type", "service", "operation",
    "component", "edge", "quantile", "aggregate", "threshold", "per", "direction", "window", "target", "parent", "share", "pool", "labels",
  ),
  fc.string({ maxLength: 12 }),
);

const path = fc.array(fc.nat(), { maxLength: 8 });

export const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("replace" as const), path, value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), path }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("addKey" as const), path, key: KEYS, value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("nest" as const), path, depth: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 500, max: 3000 })), array: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("duplicate" as const), path }) },
);

export const treeMutations = fc.array(treeMutation, { minLength: 1, maxLength: 4 });

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === "object" && v !== null;
}

/** A deep copy of plain JSON data (own enumerable keys, including `__proto__`). */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (!isContainer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) withOwn(out, k, cloneJson((v as Record<string, unknown>)[k]));
  return out as T;
}

/**
 * Applies `m` to `root` (mutated in place; returns the new root). The path picks a child at each
 * level (index modulo the number of children) until it runs out or reaches a leaf.
 */
export function applyTreeMutation(root: unknown, m: TreeMutation): unknown {
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  let cur: unknown = root;
  for (const step of m.path) {
    if (!isContainer(cur)) break;
    const keys = Array.isArray(cur) ? cur.map((_, i) => i) : Object.keys(cur);
    if (keys.length === 0) break;
    parent = cur;
    key = keys[step % keys.length]!;
    cur = (cur as Record<string, unknown>)[key];
  }
  const set = (v: unknown) => {
    if (parent === undefined) return v;
    if (Array.isArray(parent)) parent[key as number] = v;
    else withOwn(parent, key as string, v);
    return root;
  };
  switch (m.op) {
    case "replace":
      return set(cloneJson(m.value));
    case "delete":
      if (parent === undefined) return root;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return root;
    case "addKey":
      if (isContainer(cur) && !Array.isArray(cur)) withOwn(cur, m.key, cloneJson(m.value));
      else if (Array.isArray(cur)) cur.push(cloneJson(m.value));
      return root;
    case "nest": {
      let v: unknown = cur;
      for (let i = 0; i < m.depth; i++) v = m.array ? [v] : { values: v };
      return set(v);
    }
    case "duplicate":
      if (Array.isArray(parent)) parent.push(cloneJson(cur));
      return root;
  }
}

export function applyTreeMutations(root: unknown, ms: readonly TreeMutation[]): unknown {
  let out = root;
  for (const m of ms) out = applyTreeMutation(out, m);
  return out;
}

// ---- text ----

export type TextMutation =
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; text: string }
  | { op: "delete"; at: number; len: number }
  | { op: "number"; nth: number; text: string };

const TEXT_BITS = ["{", "}", "[", "]", ",", ":", '"', "\\", "\\u", "\\ud800", "null", '"__proto__":', '"constructor":{"prototype":{"polluted":1}}', "1e999", "-", "NaN", "\u2028", "*a", "&a ", "<<: ", "!!binary ", "\n  ", "- ", "? "];

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  at.map((a) => ({ op: "truncate" as const, at: a })),
  fc.record({ op: fc.constant("insert" as const), at, text: fc.oneof(fc.constantFrom(...TEXT_BITS), fc.string({ maxLength: 8 })) }),
  fc.record({ op: fc.constant("delete" as const), at, len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant("number" as const), nth: fc.nat(), text: fc.constantFrom("NaN", "-1", "1e400", "18446744073709551616", "-0", "1.5", '"x"', "[]", "{}", "true", "9".repeat(300)) }),
);

export const textMutations = fc.array(textMutation, { minLength: 1, maxLength: 3 });

export function applyTextMutation(s: string, m: TextMutation): string {
  if (m.op === "number") {
    const nums = [...s.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)];
    if (nums.length === 0) return s;
    const hit = nums[m.nth % nums.length]!;
    return s.slice(0, hit.index) + m.text + s.slice(hit.index! + hit[0].length);
  }
  const i = Math.floor(m.at * (s.length + 1));
  switch (m.op) {
    case "truncate":
      return s.slice(0, i);
    case "insert":
      return s.slice(0, i) + m.text + s.slice(i);
    case "delete":
      return s.slice(0, i) + s.slice(i + m.len);
  }
}

export function applyTextMutations(s: string, ms: readonly TextMutation[]): string {
  let out = s;
  for (const m of ms) out = applyTextMutation(out, m);
  return out;
}

/** Deep nesting as text: `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels, optionally unclosed. */
export function nestedText(depth: number, array: boolean, closed: boolean): string {
  const open = array ? "[" : '{"a":';
  const close = array ? "]" : "}";
  return open.repeat(depth) + "1" + (closed ? close.repeat(depth) : "");
}
