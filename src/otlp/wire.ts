/**
 * A minimal protobuf wire-format reader for the hand-written decoders.
 *
 * Contract: every read is bounded by an explicit `end` (the end of the enclosing message), so
 * a length prefix can never lead a reader outside its message, and every malformed input
 * throws a {@link DecodeError} whose message names what was wrong and the byte offset:
 * truncated varints, varints longer than 10 bytes, length prefixes past the end of the input or
 * of the enclosing message, fixed-width values cut short, field number 0, and wire types 3, 4
 * (groups, never used by OTLP), 6 and 7 (undefined).
 *
 * Nothing here allocates on the success path; errors are built only when thrown.
 */
import { DecodeError } from "../errors/index.js";

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

export class ProtoReader {
  buf: Uint8Array;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /**
   * Reads a field tag (`field << 3 | wireType`, a uint32) at `pos < end`; throws on field 0,
   * on wire types 3/4/6/7 and on a tag longer than 5 bytes. `msg` names the message for errors.
   *
   * The common case (a one-byte tag of a valid wire type) is kept small enough for V8 to inline
   * into the decoders' loops; everything else goes to {@link tagSlow} (measured: `tag` and `len`
   * were not inlined and took ~8 % of the engine's CPU as calls).
   */
  tag(end: number, msg: string): number {
    const b = this.buf[this.pos]!;
    if (b >= 8 && b < 0x80 && ((b & 7) <= 2 || (b & 7) === 5)) {
      this.pos++;
      return b;
    }
    return this.tagSlow(end, msg);
  }

  private tagSlow(end: number, msg: string): number {
    const buf = this.buf;
    const at = this.pos;
    let b = buf[at]!;
    let v = b & 0x7f;
    let p = at + 1;
    if (b >= 0x80) {
      // Multi-byte tags: field numbers >= 16. At most 5 bytes for a uint32.
      let shift = 7;
      do {
        if (p >= end) throw truncatedVarint(at, end, msg);
        if (shift > 28) throw new DecodeError(`tag varint longer than 5 bytes at byte ${at} in ${msg}`);
        b = buf[p++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b >= 0x80);
      if (v > 0xffffffff) throw new DecodeError(`tag varint overflows 32 bits at byte ${at} in ${msg}`);
    }
    this.pos = p;
    const wt = v & 7;
    if (v < 8) throw new DecodeError(`field number 0 at byte ${at} in ${msg}`);
    if (wt === 3 || wt === 4 || wt > 5) {
      throw new DecodeError(`invalid wire type ${wt} for field ${Math.floor(v / 8)} at byte ${at} in ${msg}`);
    }
    return v;
  }

  /** A varint (up to 10 bytes) as its low 32 bits, unsigned: enums, counts, booleans. */
  varint32(end: number, what: string): number {
    const buf = this.buf;
    const at = this.pos;
    let p = at;
    if (p >= end) throw truncatedVarint(at, end, what);
    let b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    let v = b & 0x7f;
    let shift = 7;
    for (;;) {
      if (p >= end) throw truncatedVarint(at, end, what);
      if (p - at >= 10) throw new DecodeError(`varint longer than 10 bytes at byte ${at} in ${what}`);
      b = buf[p++]!;
      // Bits past 32 are dropped (OTLP enums are int32; a negative one is a 10-byte varint).
      if (shift < 32) v |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    this.pos = p;
    return v >>> 0;
  }

  /**
   * A length prefix, checked against `end`: returns the length; `pos` is then the first byte of
   * the payload. Throws when the payload would run past the input or the enclosing message.
   */
  len(end: number, what: string, field = -1): number {
    const p = this.pos;
    const b = this.buf[p]!;
    // One-byte length within the message (ids, names, attributes); else the general path.
    if (b < 0x80 && p < end && b < end - p) {
      this.pos = p + 1;
      return b;
    }
    return this.lenSlow(end, what, field);
  }

  private lenSlow(end: number, what: string, field: number): number {
    const buf = this.buf;
    const at = this.pos;
    let p = at;
    if (p >= end) throw truncatedVarint(at, end, what);
    let b = buf[p++]!;
    let n = b & 0x7f;
    if (b >= 0x80) {
      // Exact while below 2^53; anything that large is past the end anyway.
      let mul = 128;
      do {
        if (p >= end) throw truncatedVarint(at, end, what);
        if (p - at >= 10) throw new DecodeError(`varint longer than 10 bytes at byte ${at} in ${what}`);
        b = buf[p++]!;
        n += (b & 0x7f) * mul;
        mul *= 128;
      } while (b >= 0x80);
    }
    if (n > end - p) {
      const w = named(what, field);
      if (n > buf.length - p) {
        throw new DecodeError(`length ${n} of ${w} at byte ${at} runs past the end of the input (${buf.length} bytes)`);
      }
      throw new DecodeError(`length ${n} of ${w} at byte ${at} runs past the end of its enclosing message (byte ${end})`);
    }
    this.pos = p;
    return n;
  }

  /** Checks that `n` fixed-width bytes are available before `end`. */
  need(n: number, end: number, what: string, field = -1): void {
    if (end - this.pos < n) {
      throw new DecodeError(`${named(what, field)} at byte ${this.pos} needs ${n} bytes but its message ends at byte ${end}`);
    }
  }

  /**
   * Skips the value of a field of wire type `wt` (validated by {@link tag}); `what` and `field`
   * name the message and field in errors.
   */
  skip(wt: number, end: number, what: string, field = -1): void {
    switch (wt) {
      case WT_VARINT: {
        const buf = this.buf;
        const at = this.pos;
        let p = at;
        for (;;) {
          if (p >= end) throw truncatedVarint(at, end, named(what, field));
          if (p - at >= 10) throw new DecodeError(`varint longer than 10 bytes at byte ${at} in ${named(what, field)}`);
          if (buf[p++]! < 0x80) break;
        }
        this.pos = p;
        return;
      }
      case WT_I64:
        this.need(8, end, what, field);
        this.pos += 8;
        return;
      case WT_LEN: {
        const n = this.len(end, what, field);
        this.pos += n;
        return;
      }
      default: // WT_I32
        this.need(4, end, what, field);
        this.pos += 4;
    }
  }
}

/** Little-endian uint32 at `off` (caller checked bounds). */
export function u32le(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/** The error for a field whose wire type is not the one its declaration requires. */
export function wrongWireType(msg: string, field: number, wt: number, want: number, at: number): DecodeError {
  return new DecodeError(`wrong wire type ${wt} for ${msg} field ${field} (want ${want}) at byte ${at}`);
}

function named(what: string, field: number): string {
  return field < 0 ? what : `${what} field ${field}`;
}

function truncatedVarint(at: number, end: number, what: string): DecodeError {
  return new DecodeError(`truncated varint at byte ${at} in ${what} (message ends at byte ${end})`);
}

/**
 * Expected wire types of a message's declared fields, indexed by field number (-1: not
 * declared). Used to reject a known field sent with the wrong wire type; undeclared fields are
 * skipped by their wire type, as protobuf requires.
 */
export function wireTypes(spec: Record<number, number>): Int8Array {
  let max = 0;
  for (const k of Object.keys(spec)) max = Math.max(max, Number(k));
  const t = new Int8Array(max + 1).fill(-1);
  for (const [k, v] of Object.entries(spec)) t[Number(k)] = v;
  return t;
}

/** Skips a field that the decoder does not use, after checking a declared field's wire type. */
export function skipField(r: ProtoReader, tag: number, end: number, table: Int8Array, msg: string, at: number): void {
  const field = tag >>> 3;
  const wt = tag & 7;
  if (field < table.length) {
    const want = table[field]!;
    if (want >= 0 && want !== wt) throw wrongWireType(msg, field, wt, want, at);
  }
  r.skip(wt, end, msg, field);
}
