/**
 * The binary format of a t-digest, version 1. All multi-byte numbers little-endian.
 *
 * | offset | size   | field                                                              |
 * |--------|--------|--------------------------------------------------------------------|
 * | 0      | 2      | magic `54 44` ("TD")                                               |
 * | 2      | 1      | version = 1                                                        |
 * | 3      | 1      | flags: bit 0 set = weights are float64, clear = varints; others 0  |
 * | 4      | 8      | compression (float64)                                              |
 * | 12     | 8      | count = total weight (float64)                                     |
 * | 20     | 8      | min (float64; NaN when empty)                                      |
 * | 28     | 8      | max (float64; NaN when empty)                                      |
 * | 36     | 8      | sum (float64; may be ±Infinity/NaN after overflow; 0 when empty)   |
 * | 44     | varint | rejected (points not added)                                        |
 * | …      | varint | n = number of centroids                                            |
 * | …      | 8·n    | centroid means (float64, non-decreasing, within [min, max])       |
 * | …      | …      | centroid weights: n unsigned LEB128 varints (integer weights, the  |
 * |        |        | usual case: 1–3 bytes each) or n float64 when flag bit 0 is set    |
 *
 * Varints are canonical (no redundant trailing zero groups) and at most 2^53 − 1, so a valid
 * encoding decodes and re-encodes to the same bytes. Decoding checks every field and the
 * consistency between them (weights sum to count, means ordered and within [min, max], no
 * trailing bytes) and throws a DecodeError that says what is wrong.
 */

import { DecodeError } from "../errors/index.js";

export const FORMAT_VERSION = 1;
const MAGIC0 = 0x54;
const MAGIC1 = 0x44;
const FLAG_FLOAT_WEIGHTS = 1;
const HEADER_BYTES = 44;

/** The serialisable state of a digest. `m`/`w` may be longer than `n`. */
export interface DigestState {
  compression: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  rejected: number;
  m: Float64Array;
  w: Float64Array;
  n: number;
}

function varintSize(v: number): number {
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 128) {
    out[at++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

export function encodeDigest(s: DigestState): Uint8Array {
  let integral = true;
  let weightBytes = 0;
  for (let i = 0; i < s.n; i++) {
    const w = s.w[i]!;
    if (!Number.isSafeInteger(w)) {
      integral = false;
      break;
    }
    weightBytes += varintSize(w);
  }
  if (!integral) weightBytes = 8 * s.n;
  const size = HEADER_BYTES + varintSize(s.rejected) + varintSize(s.n) + 8 * s.n + weightBytes;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = FORMAT_VERSION;
  out[3] = integral ? 0 : FLAG_FLOAT_WEIGHTS;
  view.setFloat64(4, s.compression, true);
  view.setFloat64(12, s.count, true);
  view.setFloat64(20, s.count === 0 ? NaN : s.min, true);
  view.setFloat64(28, s.count === 0 ? NaN : s.max, true);
  view.setFloat64(36, s.sum, true);
  let at = writeVarint(out, HEADER_BYTES, s.rejected);
  at = writeVarint(out, at, s.n);
  for (let i = 0; i < s.n; i++, at += 8) view.setFloat64(at, s.m[i]!, true);
  if (integral) for (let i = 0; i < s.n; i++) at = writeVarint(out, at, s.w[i]!);
  else for (let i = 0; i < s.n; i++, at += 8) view.setFloat64(at, s.w[i]!, true);
  return out;
}

function fail(why: string): never {
  throw new DecodeError(`t-digest bytes: ${why}`);
}

class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    at: number,
  ) {
    this.at = at;
  }
  varint(field: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.at >= this.bytes.length) fail(`truncated varint in ${field} at offset ${this.at}`);
      if (i === 8) fail(`varint in ${field} at offset ${this.at} is longer than 8 bytes`);
      const b = this.bytes[this.at++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) fail(`non-canonical varint in ${field} at offset ${this.at - 1}`);
        if (value > Number.MAX_SAFE_INTEGER) fail(`varint in ${field} exceeds 2^53 - 1`);
        return value;
      }
      scale *= 128;
    }
  }
}

/**
 * Decodes and validates; `maxCentroids(compression)` bounds the centroid count (a digest of that
 * compression never holds more). Every accepted input re-encodes to the same bytes, except
 * that NaN min/max of an empty digest are written back as the canonical NaN.
 */
export function decodeDigest(bytes: Uint8Array, maxCentroids: (compression: number) => number, minCompression: number, maxCompression: number): DigestState {
  if (!(bytes instanceof Uint8Array)) fail("expected a Uint8Array");
  if (bytes.length < HEADER_BYTES + 2) fail(`truncated header: ${bytes.length} bytes, need at least ${HEADER_BYTES + 2}`);
  if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) fail(`bad magic 0x${hex(bytes[0]!)}${hex(bytes[1]!)}, expected 0x5444 ("TD")`);
  if (bytes[2] !== FORMAT_VERSION) fail(`unsupported version ${bytes[2]}, this build reads version ${FORMAT_VERSION}`);
  const flags = bytes[3]!;
  if ((flags & ~FLAG_FLOAT_WEIGHTS) !== 0) fail(`unknown flags 0x${hex(flags)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compression = view.getFloat64(4, true);
  const count = view.getFloat64(12, true);
  const min = view.getFloat64(20, true);
  const max = view.getFloat64(28, true);
  const sum = view.getFloat64(36, true);
  if (!(compression >= minCompression && compression <= maxCompression)) fail(`compression ${compression} outside [${minCompression}, ${maxCompression}]`);
  if (!(count >= 0 && count < Infinity)) fail(`count ${count} is not a finite number >= 0`);
  const r = new Reader(bytes, HEADER_BYTES);
  const rejected = r.varint("rejected");
  const n = r.varint("centroid count");
  const cap = maxCentroids(compression);
  if (n > cap) fail(`${n} centroids exceed the ${cap} a digest of compression ${compression} can hold`);
  const floatWeights = (flags & FLAG_FLOAT_WEIGHTS) !== 0;
  const need = 8 * n + (floatWeights ? 8 * n : n);
  if (bytes.length - r.at < need) fail(`truncated centroids: ${bytes.length - r.at} bytes left for ${n} centroids`);
  if (count === 0) {
    if (n !== 0) fail(`count is 0 but ${n} centroids follow`);
    if (!Number.isNaN(min) || !Number.isNaN(max)) fail("an empty digest must have NaN min and max");
    if (sum !== 0) fail(`an empty digest must have sum 0, got ${sum}`);
  } else {
    if (n === 0) fail(`count is ${count} but there are no centroids`);
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) fail(`min ${min} and max ${max} are not finite with min <= max`);
  }
  const m = new Float64Array(n);
  const w = new Float64Array(n);
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = view.getFloat64(r.at, true);
    r.at += 8;
    if (!(x >= min && x <= max)) fail(`centroid ${i} mean ${x} outside [min ${min}, max ${max}]`);
    if (x < prev) fail(`centroid ${i} mean ${x} is below the previous mean ${prev}`);
    m[i] = prev = x;
  }
  let weight = 0;
  for (let i = 0; i < n; i++) {
    let wi: number;
    if (floatWeights) {
      if (r.at + 8 > bytes.length) fail(`truncated weight of centroid ${i}`);
      wi = view.getFloat64(r.at, true);
      r.at += 8;
    } else {
      wi = r.varint(`weight of centroid ${i}`);
    }
    if (!(wi > 0 && wi < Infinity)) fail(`centroid ${i} weight ${wi} is not a finite number > 0`);
    w[i] = wi;
    weight += wi;
  }
  if (r.at !== bytes.length) fail(`${bytes.length - r.at} trailing bytes after ${n} centroids`);
  if (floatWeights && w.every((x) => Number.isSafeInteger(x))) fail("non-canonical: integer weights stored as float64");
  const consistent = floatWeights ? Math.abs(weight - count) <= 1e-9 * count : weight === count;
  if (!consistent) fail(`centroid weights sum to ${weight} but the header count is ${count}`);
  return { compression, count, min, max, sum, rejected, m, w, n };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Strict standard base64 (padded, no whitespace); anything else is a DecodeError. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== "string" || !BASE64.test(text)) fail("not padded standard base64");
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
