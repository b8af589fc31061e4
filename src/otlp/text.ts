/**
 * Strings out of protobuf bytes, for the hand-written decoder.
 *
 * UTF-8 contract: invalid UTF-8 never fails a request. Each maximal invalid subsequence becomes
 * U+FFFD, exactly as WHATWG `TextDecoder` and Node's `Buffer#toString("utf8")` decode (so the
 * hand reader, the protobufjs baseline fed a Buffer and a JSON body decoded by TextDecoder all
 * agree). A span whose name has a stray byte is still a span worth measuring.
 */
import type { Interner } from "../span/index.js";

type Utf8Buffer = Buffer & { utf8Slice?: (start: number, end: number) => string };

/** A Buffer view of `u8` (no copy), for Node's native UTF-8 decoding. */
export function bufferView(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

// `utf8Slice` is the undocumented-but-stable native method behind `toString("utf8", s, e)`
// (protobufjs uses it too); calling it directly skips argument normalisation (~1.5x faster on
// short strings). Falls back to toString if a runtime lacks it.
const HAS_UTF8_SLICE = typeof (Buffer.prototype as Utf8Buffer).utf8Slice === "function";

/** Decodes `buf[start, end)` as UTF-8 with U+FFFD replacement. */
export function utf8(buf: Buffer, start: number, end: number): string {
  return HAS_UTF8_SLICE ? (buf as Utf8Buffer).utf8Slice!(start, end) : buf.toString("utf8", start, end);
}

const CAP = 4096; // slots, a power of two
const MAX_PROBE = 8;
const POOL_BYTES = 256 * 1024;

/**
 * A byte-keyed front for an {@link Interner}: maps the UTF-8 bytes of a string to its id
 * without materialising the string when the same bytes were seen before. Measured, creating a
 * string and hashing it for the Map costs ~130–250 ns; hashing and comparing the bytes ~70 ns,
 * with no garbage. Span names, service names, routes and peers repeat endlessly, so nearly
 * every lookup hits.
 *
 * Open addressing with linear probing; the bytes of cached keys live in one pool. When the pool
 * or the table fills up, the whole cache is dropped and refills (cardinality is bounded by the
 * interner anyway). Only keys up to `maxBytes` bytes are cached. Correct for overflowed strings
 * too: an interner that is full returns the overflow id for a new string forever after.
 *
 * `transform` (default: none) maps the decoded string before interning (statements are
 * truncated); the cache then maps the bytes to the id of the transformed string.
 */
export class ByteInternCache {
  private owner: Interner | undefined;
  private readonly maxBytes: number;
  private readonly transform: ((s: string) => string) | undefined;
  private readonly hashes = new Int32Array(CAP);
  private readonly lens = new Int32Array(CAP).fill(-1);
  private readonly offs = new Int32Array(CAP);
  private readonly ids = new Int32Array(CAP);
  private readonly pool = new Uint8Array(POOL_BYTES);
  private used = 0;
  private entries = 0;

  constructor(maxBytes = 128, transform?: (s: string) => string) {
    this.maxBytes = maxBytes;
    this.transform = transform;
  }

  private materialise(text: Buffer, start: number, end: number): string {
    const s = utf8(text, start, end);
    return this.transform === undefined ? s : this.transform(s);
  }

  /** Uses `interner` from now on (dropping the cache if it was bound to another one). */
  bind(interner: Interner): void {
    if (this.owner !== interner) {
      this.clear();
      this.owner = interner;
    }
  }

  clear(): void {
    this.lens.fill(-1);
    this.used = 0;
    this.entries = 0;
  }

  /** The id of the string encoded in `buf[start, end)` (`text` is a Buffer view of `buf`). */
  intern(buf: Uint8Array, text: Buffer, start: number, end: number): number {
    const n = end - start;
    if (n > this.maxBytes) return this.owner!.intern(this.materialise(text, start, end));
    let h = 0x811c9dc5 | 0; // FNV-1a
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const lens = this.lens;
    let slot = h & (CAP - 1);
    let free = -1;
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const len = lens[slot]!;
      if (len === -1) {
        free = slot;
        break;
      }
      if (len === n && this.hashes[slot] === h) {
        const pool = this.pool;
        const off = this.offs[slot]!;
        let i = 0;
        while (i < n && pool[off + i] === buf[start + i]) i++;
        if (i === n) return this.ids[slot]!;
      }
      slot = (slot + 1) & (CAP - 1);
    }
    const id = this.owner!.intern(this.materialise(text, start, end));
    if (free < 0 || this.used + n > POOL_BYTES || this.entries >= CAP / 2) {
      this.clear();
      free = h & (CAP - 1);
    }
    lens[free] = n;
    this.hashes[free] = h;
    this.offs[free] = this.used;
    this.ids[free] = id;
    this.pool.set(buf.subarray(start, end), this.used);
    this.used += n;
    this.entries++;
    return id;
  }
}
