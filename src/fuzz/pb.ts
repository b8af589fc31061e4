/**
 * A tiny protobuf writer for the fuzzer: hand-built messages (deep nesting, huge length
 * prefixes, wrong wire types) that no encoder would produce.
 */
const utf8 = new TextEncoder();

export function cat(...parts: Uint8Array[]): Uint8Array {
  return concat(parts);
}

/** `cat` for many parts (no argument spreading, which overflows the stack past ~100 000). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The varint encoding of `v` (a uint64; negative numbers as their two's complement). */
export function rawVarint(v: bigint | number): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Uint8Array.from(out);
}

export function tag(field: number, wireType: number): Uint8Array {
  return rawVarint((BigInt(field) << 3n) | BigInt(wireType));
}

export function varint(field: number, v: bigint | number): Uint8Array {
  return cat(tag(field, 0), rawVarint(v));
}

export function bytes(field: number, b: Uint8Array | string): Uint8Array {
  const data = typeof b === "string" ? utf8.encode(b) : b;
  return cat(tag(field, 2), rawVarint(data.length), data);
}

export function message(field: number, ...parts: Uint8Array[]): Uint8Array {
  return bytes(field, cat(...parts));
}

export function fixed64(field: number, v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return cat(tag(field, 1), b);
}

export function fixed32(field: number, v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return cat(tag(field, 5), b);
}

export function double(field: number, v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return cat(tag(field, 1), b);
}

/** A KeyValue with a string value. */
export function kvString(key: string | Uint8Array, value: string | Uint8Array): Uint8Array {
  return cat(bytes(1, key), message(2, bytes(1, value)));
}

/**
 * An AnyValue nested `depth` levels deep through kvlist values (`{k: {k: … "leaf"}}`). Built
 * in linear time: only prefixes (tags and lengths), computed from the inside out, then written
 * from the outside in before the leaf.
 */
export function nestedAnyValue(depth: number): Uint8Array {
  const leaf = bytes(1, "leaf");
  const key = bytes(1, "k");
  const prefixes: Uint8Array[] = [];
  let inner = leaf.length;
  for (let i = 0; i < depth; i++) {
    // KeyValue = key, tag(2) len(inner) inner; KeyValueList = tag(1) len(kv) kv; AnyValue = tag(6) len(list) list
    const kvPrefix = cat(key, tag(2, 2), rawVarint(inner));
    const kvLen = kvPrefix.length + inner;
    const listPrefix = cat(tag(1, 2), rawVarint(kvLen));
    const listLen = listPrefix.length + kvLen;
    const anyPrefix = cat(tag(6, 2), rawVarint(listLen));
    prefixes.push(cat(anyPrefix, listPrefix, kvPrefix));
    inner = anyPrefix.length + listLen;
  }
  const out = new Uint8Array(inner);
  let o = 0;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    out.set(prefixes[i]!, o);
    o += prefixes[i]!.length;
  }
  out.set(leaf, o);
  return out;
}
