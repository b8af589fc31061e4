/**
 * One tumbling window of one budget key: a lazily created t-digest of the values, exact
 * count/sum/min/max, small counters (`extra`, see extra.ts) and, for base windows only, the worst
 * exemplar traces (memory only). Windows are mutable while open; rollups (1 m, 1 h) are built once
 * from closed windows and do not change afterwards (except by `restore`).
 */
import { TDigest } from "../digest/index.js";
import { addExtra, mergeExtra, type Extra } from "./extra.js";
import type { Resolution } from "./time.js";

/** A read-only view of a window, as `WindowSeries.series` returns them. */
export interface WindowData {
  readonly resolution: Resolution;
  readonly startMs: number;
  readonly endMs: number;
  /** Null when no value was added (counts only, or empty). Read only. */
  readonly digest: TDigest | null;
  /** Values added (or events counted, for counting series). */
  readonly count: number;
  readonly sum: number;
  /** +Infinity / -Infinity while no value was added. */
  readonly min: number;
  readonly max: number;
  readonly extra: Readonly<Extra> | null;
}

/** An exemplar: a trace key (16-byte latin1 string) and the value it had, worst first. */
export interface Exemplar {
  traceKey: string;
  value: number;
  /** What "worst" is ranked by (larger is worse). */
  score: number;
}

export class Window implements WindowData {
  digest: TDigest | null = null;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  extra: Extra | null = null;
  /** Worst first; at most the series' `exemplarsPerWindow`. Base windows only, never serialised. */
  exemplars: Exemplar[] | null = null;
  /** Changed since the last `dirtyRows`. */
  dirty = true;
  /** Bumped on every change (invalidates the statistic cache). */
  version = 0;
  /** The closed base window's digest was compacted (buffer dropped). */
  compacted = false;
  private cacheKey = "";
  private cacheVersion = -1;
  private cacheValue: number | null = null;

  constructor(
    readonly resolution: Resolution,
    readonly startMs: number,
    readonly endMs: number,
  ) {}

  addValue(x: number, compression: number): void {
    let d = this.digest;
    if (d === null) d = this.digest = new TDigest(compression);
    d.add(x);
    this.count++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.touch();
  }

  addCount(n: number): void {
    this.count += n;
    this.sum += n;
    this.touch();
  }

  addExtra(key: string, n: number): void {
    addExtra((this.extra ??= {}), key, n);
    this.touch();
  }

  /** Keeps the `keep` worst exemplars (by score, larger is worse; a trace key appears once). */
  addExemplar(traceKey: string, value: number, score: number, keep: number): void {
    if (keep <= 0) return;
    const list = (this.exemplars ??= []);
    if (list.length >= keep && score <= list[list.length - 1]!.score) return;
    const existing = list.findIndex((e) => e.traceKey === traceKey);
    if (existing >= 0) {
      if (list[existing]!.score >= score) return;
      list.splice(existing, 1);
    }
    let i = list.length;
    while (i > 0 && list[i - 1]!.score < score) i--;
    list.splice(i, 0, { traceKey, value, score });
    if (list.length > keep) list.pop();
  }

  /** Adds another window's (or aggregate's) content: the digests merge, counters add, extras merge by rule. */
  mergeFrom(o: { digest: TDigest | null; count: number; sum: number; min: number; max: number; extra: Readonly<Extra> | null }, compression: number): void {
    if (o.digest !== null && o.digest.count > 0) {
      if (this.digest === null) this.digest = TDigest.mergeAll([o.digest], compression);
      else this.digest.merge(o.digest);
    }
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    if (o.extra !== null) mergeExtra((this.extra ??= {}), o.extra);
    this.touch();
  }

  /** Drops the digest's insertion buffer once the window is closed (same observable state, less memory). */
  compact(): void {
    if (this.compacted) return;
    this.compacted = true;
    if (this.digest !== null && this.digest.count > 0) this.digest = TDigest.fromBytes(this.digest.toBytes());
  }

  /** A cached per-window statistic: `compute` runs again only when the window changed or the key differs. */
  cached(key: string, compute: (w: Window) => number | null): number | null {
    if (this.cacheKey === key && this.cacheVersion === this.version) return this.cacheValue;
    const v = compute(this);
    this.cacheKey = key;
    this.cacheVersion = this.version;
    this.cacheValue = v;
    return v;
  }

  private touch(): void {
    this.dirty = true;
    this.version++;
  }
}
