import { Interner } from "./interner.js";

/**
 * Compact, column-oriented span records: one typed array per field, one row per span.
 * The decoders write requests into a {@link SpanBatch}; the assembler copies rows into its own
 * store. No per-span objects: measured, one JS object per span spent ~40 % of the hot path in GC.
 *
 * Ids are split into little-endian 32-bit words of the wire bytes (span id bytes 0..3 → `Lo`,
 * 4..7 → `Hi`); an all-zero parent means "no parent" (the HAS_PARENT flag says so explicitly).
 * Times are Unix nanoseconds split into 32-bit words (`start = startHi * 2^32 + startLo`), exact
 * without bigint allocation; durations inside a trace are exact doubles (< 2^53 ns ≈ 104 days).
 * Strings are ids from {@link StringTables} (0 = absent).
 */
export class SpanColumns {
  capacity: number;
  spanLo: Uint32Array;
  spanHi: Uint32Array;
  parentLo: Uint32Array;
  parentHi: Uint32Array;
  startLo: Uint32Array;
  startHi: Uint32Array;
  endLo: Uint32Array;
  endHi: Uint32Array;
  kind: Uint8Array;
  flags: Uint8Array;
  /** `service.name` of the span's resource. */
  service: Int32Array;
  /** Span name. */
  name: Int32Array;
  /** `http.route`, 0 if absent. */
  route: Int32Array;
  /**
   * The virtual-component name a leaf CLIENT/PRODUCER span would get: `peer.service`, else
   * `db.system` (`db.system.name`), else `messaging.system`, else `server.address`
   * (`net.peer.name`); 0 if none.
   */
  peer: Int32Array;
  /** `db.system` (or `db.system.name`), 0 if absent: marks database calls. */
  dbSystem: Int32Array;
  /** `db.query.text` (or `db.statement`), id in the statements table, 0 if absent. */
  statement: Int32Array;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.spanLo = new Uint32Array(capacity);
    this.spanHi = new Uint32Array(capacity);
    this.parentLo = new Uint32Array(capacity);
    this.parentHi = new Uint32Array(capacity);
    this.startLo = new Uint32Array(capacity);
    this.startHi = new Uint32Array(capacity);
    this.endLo = new Uint32Array(capacity);
    this.endHi = new Uint32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.service = new Int32Array(capacity);
    this.name = new Int32Array(capacity);
    this.route = new Int32Array(capacity);
    this.peer = new Int32Array(capacity);
    this.dbSystem = new Int32Array(capacity);
    this.statement = new Int32Array(capacity);
  }

  /** Grows every column to at least `min` rows, keeping contents. */
  grow(min: number): void {
    if (min <= this.capacity) return;
    let cap = this.capacity * 2;
    while (cap < min) cap *= 2;
    this.spanLo = growU32(this.spanLo, cap);
    this.spanHi = growU32(this.spanHi, cap);
    this.parentLo = growU32(this.parentLo, cap);
    this.parentHi = growU32(this.parentHi, cap);
    this.startLo = growU32(this.startLo, cap);
    this.startHi = growU32(this.startHi, cap);
    this.endLo = growU32(this.endLo, cap);
    this.endHi = growU32(this.endHi, cap);
    this.kind = growU8(this.kind, cap);
    this.flags = growU8(this.flags, cap);
    this.service = growI32(this.service, cap);
    this.name = growI32(this.name, cap);
    this.route = growI32(this.route, cap);
    this.peer = growI32(this.peer, cap);
    this.dbSystem = growI32(this.dbSystem, cap);
    this.statement = growI32(this.statement, cap);
    this.capacity = cap;
  }

  /** Copies row `i` of `src` into row `j` of this (which must have room). */
  copyRow(src: SpanColumns, i: number, j: number): void {
    this.spanLo[j] = src.spanLo[i];
    this.spanHi[j] = src.spanHi[i];
    this.parentLo[j] = src.parentLo[i];
    this.parentHi[j] = src.parentHi[i];
    this.startLo[j] = src.startLo[i];
    this.startHi[j] = src.startHi[i];
    this.endLo[j] = src.endLo[i];
    this.endHi[j] = src.endHi[i];
    this.kind[j] = src.kind[i];
    this.flags[j] = src.flags[i];
    this.service[j] = src.service[i];
    this.name[j] = src.name[i];
    this.route[j] = src.route[i];
    this.peer[j] = src.peer[i];
    this.dbSystem[j] = src.dbSystem[i];
    this.statement[j] = src.statement[i];
  }

  /** Approximate bytes held per row (for memory accounting). */
  static readonly BYTES_PER_ROW = 8 * 4 + 2 + 6 * 4;
}

/**
 * One decoded request: rows `0..length-1`, each with the key of its trace (the 16 trace-id bytes
 * as a latin1 string: a cheap, exact Map key; {@link traceKeyToHex} renders it).
 */
export class SpanBatch extends SpanColumns {
  length = 0;
  traceKey: string[] = [];

  /** Appends an empty row and returns its index. */
  add(traceKey: string): number {
    const i = this.length;
    if (i >= this.capacity) this.grow(i + 1);
    this.traceKey[i] = traceKey;
    this.spanLo[i] = 0;
    this.spanHi[i] = 0;
    this.parentLo[i] = 0;
    this.parentHi[i] = 0;
    this.startLo[i] = 0;
    this.startHi[i] = 0;
    this.endLo[i] = 0;
    this.endHi[i] = 0;
    this.kind[i] = 0;
    this.flags[i] = 0;
    this.service[i] = 0;
    this.name[i] = 0;
    this.route[i] = 0;
    this.peer[i] = 0;
    this.dbSystem[i] = 0;
    this.statement[i] = 0;
    this.length = i + 1;
    return i;
  }

  /** Drops the last row (a span the decoder rejected after starting it). */
  pop(): void {
    if (this.length > 0) this.length--;
  }

  /** Empties the batch. `traceKey` keeps its slots (overwritten by the next rows): emptying it
   * would make the next request's rows regrow its backing store a dozen times. */
  clear(): void {
    this.length = 0;
  }
}

/** The interned string tables shared by the decoders and the core. */
export class StringTables {
  /** Service names, span names, routes, virtual-component names, db systems, edges. */
  readonly strings: Interner;
  /** Database statements (for N+1 detection); bounded separately, they are numerous. */
  readonly statements: Interner;
  constructor(opts: { maxStrings?: number; maxStatements?: number } = {}) {
    this.strings = new Interner(opts.maxStrings ?? 100_000);
    this.statements = new Interner(opts.maxStatements ?? 10_000);
  }
}

function growU32(a: Uint32Array, cap: number): Uint32Array {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, cap: number): Uint8Array {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
