/**
 * String interning: every distinct string gets a small integer id, so span records hold ints
 * and hot-path maps key on ints. Bounded: past `limit` distinct strings every new string maps
 * to the overflow id (a cardinality limit, like the collector's overflow attribute), and the
 * number of strings folded into it is counted.
 *
 * Id 0 is the empty string ("absent"); id 1 is the overflow bucket.
 */
export const ABSENT = 0;
export const OVERFLOW = 1;
export const OVERFLOW_NAME = "__overflow__";

export class Interner {
  readonly limit: number;
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = ["", OVERFLOW_NAME];
  /** How many intern calls were folded into the overflow bucket. */
  overflowed = 0;

  constructor(limit = 100_000) {
    if (!(limit >= 2)) throw new RangeError("interner limit must be at least 2");
    this.limit = limit;
    this.ids.set("", ABSENT);
    this.ids.set(OVERFLOW_NAME, OVERFLOW);
  }

  /** The id of `s`, adding it if there is room; the overflow id when the table is full. */
  intern(s: string): number {
    const id = this.ids.get(s);
    if (id !== undefined) return id;
    if (this.strings.length >= this.limit) {
      this.overflowed++;
      return OVERFLOW;
    }
    const fresh = this.strings.length;
    this.strings.push(s);
    this.ids.set(s, fresh);
    return fresh;
  }

  /** The id of `s` if it is interned, else -1 (never adds). */
  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  get(id: number): string {
    const s = this.strings[id];
    if (s === undefined) throw new RangeError(`unknown string id ${id}`);
    return s;
  }

  get size(): number {
    return this.strings.length;
  }
}
