/** Conversions between the engine's id representations and hex (the API's and OTLP JSON's form). */

const HEX = "0123456789abcdef";

/** A 16-byte trace key (latin1 string) as 32 lowercase hex digits. */
export function traceKeyToHex(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const b = key.charCodeAt(i);
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** 32 hex digits as a trace key, or undefined if `hex` is not 32 hex digits. */
export function hexToTraceKey(hex: string): string | undefined {
  if (hex.length !== 32 || !/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  let out = "";
  for (let i = 0; i < 32; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** A span id held as two little-endian 32-bit words, as 16 hex digits (wire byte order). */
export function spanIdToHex(lo: number, hi: number): string {
  return wordHex(lo) + wordHex(hi);
}

function wordHex(w: number): string {
  let out = "";
  for (let i = 0; i < 4; i++) {
    const b = (w >>> (8 * i)) & 0xff;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** 16 hex digits as [lo, hi] words, or undefined if not 16 hex digits. */
export function hexToSpanId(hex: string): [number, number] | undefined {
  if (hex.length !== 16 || !/^[0-9a-fA-F]{16}$/.test(hex)) return undefined;
  const word = (off: number) => {
    let w = 0;
    for (let i = 3; i >= 0; i--) w = w * 256 + parseInt(hex.slice(off + 2 * i, off + 2 * i + 2), 16);
    return w >>> 0;
  };
  return [word(0), word(8)];
}

const TWO32 = 4294967296;

/** Unix nanoseconds from 32-bit words, as a bigint (for the API; the core stays in words). */
export function wordsToBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Splits a bigint of Unix nanoseconds into [lo, hi] 32-bit words. */
export function bigIntToWords(ns: bigint): [number, number] {
  return [Number(ns & 0xffffffffn), Number((ns >> 32n) & 0xffffffffn)];
}

/**
 * `a - b` in nanoseconds for times given as 32-bit words, exact while |a - b| < 2^53.
 * Each term is an exact double and so is their sum in that range.
 */
export function diffNs(aLo: number, aHi: number, bLo: number, bHi: number): number {
  return (aHi - bHi) * TWO32 + (aLo - bLo);
}
