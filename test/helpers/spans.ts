/**
 * Builds SpanBatch rows from readable span specs, for tests of the core (assembly, attribution,
 * evaluation) without going through a decoder. Span and trace ids are derived from names, so
 * expectations can say "checkout-client" instead of hex.
 */
import { createHash } from "node:crypto";
import { SpanBatch, SpanFlag, SpanKind, StringTables, bigIntToWords, spanIdToHex } from "../../src/span/index.js";

export type KindName = "internal" | "server" | "client" | "producer" | "consumer" | "unspecified";

export interface SpanSpec {
  /** A readable name, unique within its trace; the span id is derived from it. */
  id: string;
  parent?: string;
  /** A parent id given as 16 hex digits (e.g. a parent that never arrives). */
  parentHex?: string;
  /** An explicit span id as 16 hex digits (for duplicate-id cases). */
  idHex?: string;
  trace?: string;
  service: string;
  name: string;
  kind?: KindName;
  /** Offsets in nanoseconds from the base time. */
  start: number | bigint;
  end: number | bigint;
  /** Span attributes; the ones the engine reads are mapped as the decoders map them. */
  attributes?: Record<string, string | number | boolean>;
  error?: boolean;
}

export const BASE_NS = 1_700_000_000_000_000_000n;

const KINDS: Record<KindName, number> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** 8 id bytes derived from a name, as [lo, hi] words (never all zero). */
export function spanWords(name: string): [number, number] {
  const h = createHash("sha256").update(`span:${name}`).digest();
  return [h.readUInt32LE(0) || 1, h.readUInt32LE(4)];
}

export function spanHex(name: string): string {
  const [lo, hi] = spanWords(name);
  return spanIdToHex(lo, hi);
}

/** The 16-byte trace key (latin1) derived from a trace name. */
export function traceKeyOf(name: string): string {
  const h = createHash("sha256").update(`trace:${name}`).digest();
  h[0] |= 1;
  return h.subarray(0, 16).toString("latin1");
}

function hexWords(hex: string): [number, number] {
  const b = Buffer.from(hex, "hex");
  return [b.readUInt32LE(0), b.readUInt32LE(4)];
}

/** Appends the specs to `batch` (a fresh one by default) in the given order. */
export function buildBatch(specs: SpanSpec[], tables: StringTables, batch = new SpanBatch(), baseNs = BASE_NS): SpanBatch {
  const s = tables.strings;
  for (const spec of specs) {
    const i = batch.add(traceKeyOf(spec.trace ?? "t1"));
    const [lo, hi] = spec.idHex ? hexWords(spec.idHex) : spanWords(spec.id);
    batch.spanLo[i] = lo;
    batch.spanHi[i] = hi;
    let flags = 0;
    if (spec.parent !== undefined || spec.parentHex !== undefined) {
      const [plo, phi] = spec.parentHex ? hexWords(spec.parentHex) : spanWords(spec.parent!);
      batch.parentLo[i] = plo;
      batch.parentHi[i] = phi;
      flags |= SpanFlag.HAS_PARENT;
    }
    if (spec.error) flags |= SpanFlag.ERROR;
    batch.flags[i] = flags;
    const [sLo, sHi] = bigIntToWords(baseNs + BigInt(spec.start));
    const [eLo, eHi] = bigIntToWords(baseNs + BigInt(spec.end));
    batch.startLo[i] = sLo;
    batch.startHi[i] = sHi;
    batch.endLo[i] = eLo;
    batch.endHi[i] = eHi;
    batch.kind[i] = KINDS[spec.kind ?? "internal"];
    batch.service[i] = s.intern(spec.service);
    batch.name[i] = s.intern(spec.name);
    const a = spec.attributes ?? {};
    const str = (k: string) => (typeof a[k] === "string" ? (a[k] as string) : undefined);
    const route = str("http.route");
    const dbSystem = str("db.system") ?? str("db.system.name");
    const statement = str("db.query.text") ?? str("db.statement");
    const peer = str("peer.service") ?? dbSystem ?? str("messaging.system") ?? str("server.address") ?? str("net.peer.name");
    batch.route[i] = route ? s.intern(route) : 0;
    batch.dbSystem[i] = dbSystem ? s.intern(dbSystem) : 0;
    batch.peer[i] = peer ? s.intern(peer) : 0;
    batch.statement[i] = statement ? tables.statements.intern(statement) : 0;
  }
  return batch;
}

/** Milliseconds to integer nanoseconds, exactly for up to 6 decimals. */
export function ms(v: number): number {
  return Math.round(v * 1e6);
}
