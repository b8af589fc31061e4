/**
 * A minimal protobuf writer for the load generator's requests. It exists (rather than going
 * through protobufjs) to record where the per-send fields land: the byte offset of every trace
 * id, span id, parent span id and timestamp, so that a send is a copy of the pre-encoded bytes
 * plus a few in-place patches, never a re-encode.
 *
 * Nested messages are written in place after a 5-byte length reservation; `end()` writes the
 * real varint length and, when it is shorter, moves the content down and shifts the offsets
 * recorded inside it.
 */

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;

/** What a recorded offset points at, and so how a send patches it. */
export const Patch = {
  /** 16 bytes of trace id; `arg` is the trace's index in the pool. */
  TRACE_ID: 0,
  /** 8 bytes of span id or parent span id; XORed with the cycle's salt. */
  SPAN_ID: 1,
  /** A fixed64 Unix-nanosecond time; `arg` is its offset (ns) from the cycle's base time. */
  TIME: 2,
} as const;

const RESERVE = 5;

export class PbWriter {
  buf: Uint8Array;
  pos = 0;
  readonly patchOff: number[] = [];
  readonly patchKind: number[] = [];
  readonly patchArg: number[] = [];
  private readonly stack: number[] = [];
  private readonly encoder = new TextEncoder();

  constructor(initial = 64 * 1024) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    // Non-negative integers up to 2^53; negative int32/int64 values are not needed here.
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  fixed64(field: number, lo: number, hi: number): void {
    this.tag(field, WT_I64);
    this.ensure(8);
    writeU32(this.buf, this.pos, lo);
    writeU32(this.buf, this.pos + 4, hi);
    this.pos += 8;
  }

  /** A fixed64 field holding `baseTime + relNs`, recorded for patching (written as `relNs`). */
  time(field: number, relNs: number): void {
    this.tag(field, WT_I64);
    this.record(Patch.TIME, relNs);
    this.ensure(8);
    writeU32(this.buf, this.pos, relNs % 4294967296);
    writeU32(this.buf, this.pos + 4, Math.floor(relNs / 4294967296));
    this.pos += 8;
  }

  int(field: number, v: number): void {
    this.tag(field, WT_VARINT);
    this.varint(v);
  }

  double(field: number, v: number): void {
    this.tag(field, WT_I64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(field: number, b: Uint8Array, patch?: number, arg = 0): void {
    this.tag(field, WT_LEN);
    this.varint(b.length);
    if (patch !== undefined) this.record(patch, arg);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(field: number, s: string): void {
    this.tag(field, WT_LEN);
    const bytes = this.encoder.encode(s);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a length-delimited sub-message; close it with {@link end}. */
  begin(field: number): void {
    this.tag(field, WT_LEN);
    this.ensure(RESERVE);
    this.pos += RESERVE;
    this.stack.push(this.pos, this.patchOff.length);
  }

  end(): void {
    const firstPatch = this.stack.pop()!;
    const start = this.stack.pop()!;
    const len = this.pos - start;
    const lenBytes = varintSize(len);
    const lenAt = start - RESERVE;
    const shift = RESERVE - lenBytes;
    if (shift > 0) {
      this.buf.copyWithin(lenAt + lenBytes, start, this.pos);
      this.pos -= shift;
      for (let i = firstPatch; i < this.patchOff.length; i++) this.patchOff[i] -= shift;
    }
    let v = len;
    let p = lenAt;
    while (v > 0x7f) {
      this.buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }

  private record(kind: number, arg: number): void {
    this.patchOff.push(this.pos);
    this.patchKind.push(kind);
    this.patchArg.push(arg);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    if (this.stack.length > 0) throw new Error("unclosed sub-message");
    return this.buf.slice(0, this.pos);
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

export function readU32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}
