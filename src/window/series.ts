/**
 * `WindowSeries`: the history of one budget key (ARCHITECTURE.md §4) as tumbling base windows
 * (`baseMs`, aligned to multiples of it since the epoch) rolled up into 1-minute and 1-hour
 * windows, each resolution with its own retention.
 *
 * Time is the caller's: every recording call takes `nowMs` (the engine's wall clock). The series
 * keeps the largest `nowMs` it has seen as its clock and never goes back: a value recorded with an
 * earlier `nowMs` (a clock step backwards) goes into the current window. A value belongs to the
 * window containing the time it was recorded at, so a closed window never changes.
 *
 * Rollup: a 1-minute window is built, with `TDigest.mergeAll`, from its base windows once the
 * clock has passed the minute's end; a 1-hour window likewise from its minutes. So a minute or
 * hour window exists only once complete, and is never modified afterwards.
 *
 * Memory is bounded by retention: at most `retentionBaseMs / baseMs + 1` base windows,
 * `retentionMinutesMs / 1 m + 1` minutes and `retentionHoursMs / 1 h + 1` hours (a window is
 * dropped once its end is more than the retention behind the clock). Reading a range merges at
 * most 2·(1 m / baseMs) base windows, 2·60 minutes and the hours in between, whatever the
 * traffic; runs of closed minutes and hours are merged once and cached.
 */
import { TDigest, DEFAULT_COMPRESSION } from "../digest/index.js";
import { mergeExtra, sanitiseExtra, trimExtra, type Extra } from "./extra.js";
import { alignDown, alignUp, HOUR_MS, MINUTE_MS, DAY_MS, type Resolution } from "./time.js";
import { Window, type Exemplar, type WindowData } from "./window.js";

/** A window as the store keeps it (one row per budget, resolution and start). */
export interface WindowRow {
  budgetId: string;
  resolution: Resolution;
  startMs: number;
  endMs: number;
  /** `TDigest.toBytes()`; null when the window holds no value (counts only). */
  digest: Uint8Array | null;
  count: number;
  sum: number;
  /** 0 when the window holds no value. */
  min: number;
  max: number;
  extra: Record<string, number> | null;
}

export interface WindowSeriesOptions {
  /** Base window size (`--window`); must divide one minute. Default 10 s. */
  baseMs?: number;
  /** How long base windows are kept; at least 1 minute. Default 2 h. */
  retentionBaseMs?: number;
  /** How long 1-minute windows are kept; at least 1 hour. Default 24 h. */
  retentionMinutesMs?: number;
  /** How long 1-hour windows are kept. Default 30 d. */
  retentionHoursMs?: number;
  /** t-digest compression of every window. Default 600. */
  compression?: number;
  /** Exemplar traces kept per base window. Default 5. */
  exemplarsPerWindow?: number;
  /**
   * Coverage tracking for rates: the time between consecutive calls (`touch`, and every
   * recording) is credited to the windows it falls in as `extra["cov.ms"]`, when the gap is at
   * most this long (a longer gap is a pause of the process, not observed time). 0 disables it
   * (the default).
   */
  coverageMaxGapMs?: number;
}

export const WINDOW_DEFAULTS = {
  baseMs: 10_000,
  retentionBaseMs: 2 * HOUR_MS,
  retentionMinutesMs: DAY_MS,
  retentionHoursMs: 30 * DAY_MS,
  compression: DEFAULT_COMPRESSION,
  exemplarsPerWindow: 5,
  coverageMaxGapMs: 0,
} as const;

/** The `extra` key of the observed milliseconds of a window (coverage tracking). */
export const COVERAGE_KEY = "cov.ms";

/**
 * Data recorded for the latest base window outside the series (e.g. per-component sums kept by
 * id on the hot path). The series asks for it before it closes, rolls up, reads or serialises
 * that window.
 */
export interface PendingExtra {
  /** Adds what was recorded since the last flush into `w` (with `w.addExtra`) and forgets it. */
  flushInto(w: Window): void;
}

/** The merged content of a range of windows. */
export interface WindowView {
  /** The range the merged windows cover: `[fromMs, toMs)`, after retention (see `over`). */
  fromMs: number;
  toMs: number;
  /** Null when no window in the range holds a value. Read only: it may be a window's own digest. */
  digest: TDigest | null;
  count: number;
  sum: number;
  /** NaN when no value. */
  min: number;
  max: number;
  extra: Readonly<Extra>;
  /** Windows merged (a cached hour segment counts its hours). */
  windows: number;
}

interface Aggregate {
  digest: TDigest | null;
  count: number;
  sum: number;
  min: number;
  max: number;
  extra: Extra | null;
  windows: number;
}

const SIZE_OF: Record<Exclude<Resolution, "base">, number> = { "1m": MINUTE_MS, "1h": HOUR_MS };

export class WindowSeries {
  readonly baseMs: number;
  readonly retentionBaseMs: number;
  readonly retentionMinutesMs: number;
  readonly retentionHoursMs: number;
  readonly compression: number;
  readonly exemplarsPerWindow: number;
  readonly coverageMaxGapMs: number;
  /** See {@link PendingExtra}. */
  pending: PendingExtra | null = null;
  /** Values not added: NaN or ±Infinity. */
  rejected = 0;
  /** Rows `restore` refused (wrong shape, undecodable digest, other budget, other base size). */
  restoreRejected = 0;

  private readonly base: Window[] = [];
  private readonly minutes: Window[] = [];
  private readonly hours: Window[] = [];
  private clock = -Infinity;
  private lastTouch = NaN;
  /** Index of the first base window (minute window) not yet rolled up into a minute (hour). */
  private baseRolled = 0;
  private minuteRolled = 0;
  private readonly hourCache = new Map<string, Aggregate>();
  private readonly minuteCache = new Map<string, Aggregate>();

  constructor(
    readonly budgetId: string,
    opts: WindowSeriesOptions = {},
  ) {
    const o = { ...WINDOW_DEFAULTS, ...stripUndefined(opts) };
    if (!(Number.isInteger(o.baseMs) && o.baseMs > 0 && MINUTE_MS % o.baseMs === 0)) {
      throw new RangeError(`window: the base window must divide one minute (e.g. 1s, 5s, 10s, 30s, 1m), got ${o.baseMs}ms`);
    }
    if (!(o.retentionBaseMs >= MINUTE_MS)) throw new RangeError(`window: base retention must be at least 1m, got ${o.retentionBaseMs}ms`);
    if (!(o.retentionMinutesMs >= HOUR_MS)) throw new RangeError(`window: minute retention must be at least 1h, got ${o.retentionMinutesMs}ms`);
    if (!(o.retentionHoursMs >= HOUR_MS)) throw new RangeError(`window: hour retention must be at least 1h, got ${o.retentionHoursMs}ms`);
    this.baseMs = o.baseMs;
    this.retentionBaseMs = o.retentionBaseMs;
    this.retentionMinutesMs = o.retentionMinutesMs;
    this.retentionHoursMs = o.retentionHoursMs;
    this.compression = o.compression;
    this.exemplarsPerWindow = o.exemplarsPerWindow;
    this.coverageMaxGapMs = o.coverageMaxGapMs;
  }

  /** The latest time seen (−Infinity before the first call). */
  get clockMs(): number {
    return this.clock;
  }

  /** The start of the oldest window held at any resolution, or undefined when empty. */
  get earliestMs(): number | undefined {
    let m = Infinity;
    for (const arr of [this.base, this.minutes, this.hours]) if (arr.length > 0 && arr[0]!.startMs < m) m = arr[0]!.startMs;
    return m === Infinity ? undefined : m;
  }

  /** Windows held per resolution. */
  sizes(): { base: number; minutes: number; hours: number } {
    return { base: this.base.length, minutes: this.minutes.length, hours: this.hours.length };
  }

  // ---------------------------------------------------------------- recording (hot path)

  /** Adds a value to the base window of `nowMs`. NaN and ±Infinity are counted in `rejected`. */
  add(value: number, nowMs: number): void {
    const w = this.current(nowMs);
    if (!Number.isFinite(value)) {
      this.rejected++;
      return;
    }
    w.addValue(value, this.compression);
  }

  /** Counts `n` events (for rates) in the base window of `nowMs`: count and sum grow by n, no digest. */
  addCount(n: number, nowMs: number): void {
    const w = this.current(nowMs);
    if (!(Number.isFinite(n) && n >= 0)) {
      this.rejected++;
      return;
    }
    w.addCount(n);
  }

  /** Adds to a counter of the base window of `nowMs` (merge rule by key, see extra.ts). */
  addExtra(key: string, n: number, nowMs: number): void {
    this.current(nowMs).addExtra(key, n);
  }

  /** Offers a trace as an exemplar of the base window of `nowMs` (larger score = worse; the worst few are kept). */
  addExemplar(traceKey: string, value: number, score: number, nowMs: number): void {
    this.current(nowMs).addExemplar(traceKey, value, score, this.exemplarsPerWindow);
  }

  /**
   * Moves the clock to `nowMs`: credits coverage (when enabled and `touch`), closes, rolls up and prunes.
   * Idempotent for a given time; cheap when nothing is due.
   */
  advance(nowMs: number, touch = true): void {
    if (nowMs > this.clock) this.clock = nowMs;
    if (touch && this.coverageMaxGapMs > 0) this.touch(this.clock);
    this.flushPending();
    const t = this.clock;
    // Compact base windows the clock has closed.
    for (let i = this.base.length - 1; i >= 0; i--) {
      const w = this.base[i]!;
      if (w.endMs > t) continue;
      if (w.compacted) break;
      w.compact();
    }
    this.advanceQuiet(t);
  }

  /**
   * Credits the time since the previous touch to the windows it falls in (`extra["cov.ms"]`),
   * creating base windows as needed, when coverage tracking is on and the gap is at most
   * `coverageMaxGapMs`. The first touch of a process starts the coverage and credits nothing.
   */
  touch(nowMs: number): void {
    if (this.coverageMaxGapMs <= 0) return;
    if (nowMs > this.clock) this.clock = nowMs;
    const t = this.clock;
    const last = this.lastTouch;
    this.lastTouch = t;
    if (Number.isNaN(last) || t <= last || t - last > this.coverageMaxGapMs) return;
    let from = last;
    while (from < t) {
      const start = alignDown(from, this.baseMs);
      const end = Math.min(start + this.baseMs, t);
      this.windowAt(start, t).addExtra(COVERAGE_KEY, end - from);
      from = end;
    }
  }

  // ---------------------------------------------------------------- reading

  /**
   * The merged content of the windows covering `[fromMs, toMs)`: 1-hour windows for the whole
   * closed hours inside the range, 1-minute windows for the whole closed minutes around them,
   * base windows at the edges (the open one included when the range reaches the clock). Merged
   * with `TDigest.mergeAll` (order-insensitive, exactly). A window is used when it starts inside
   * the range (`fromMs` is in effect rounded up to a base window; the open window is the last one
   * there can be). The view's `toMs` is capped at the clock.
   *
   * Retention: where a part of the range is older than the retention of the resolution that
   * would cover it (e.g. the first, partial hour of a 30-day range needs minutes, kept 24 h),
   * that part is left out and the view's `fromMs` says where the covered range starts.
   */
  over(fromMs: number, toMs: number): WindowView {
    this.flushPending();
    const from = alignUp(fromMs, this.baseMs);
    const acc: Aggregate = { digest: null, count: 0, sum: 0, min: Infinity, max: -Infinity, extra: null, windows: 0 };
    const digests: TDigest[] = [];
    if (this.clock === -Infinity) return finish(acc, digests, from, from, this.compression);
    // Windows start before the end of the current (open) window at the latest.
    const to = Math.min(toMs, alignDown(this.clock, this.baseMs) + this.baseMs);
    if (!(to > from)) return finish(acc, digests, from, from, this.compression);
    const parts = this.plan(from, to);
    let coveredFrom = to;
    let started = false;
    for (const p of parts) {
      let a = p.a;
      if (!started) {
        const floor = this.floorOf(p.res);
        if (p.b <= floor) continue;
        if (a < floor) a = floor;
        coveredFrom = a;
        started = true;
      }
      if (p.res === "base") {
        for (let i = lowerBound(this.base, a); i < this.base.length && this.base[i]!.startMs < p.b; i++) addWindow(acc, digests, this.base[i]!);
      } else {
        addAggregate(acc, digests, this.segment(p.res, a, p.b));
      }
    }
    return finish(acc, digests, coveredFrom, Math.max(coveredFrom, Math.min(to, this.clock)), this.compression);
  }

  /** The windows of one resolution that start in `[fromMs, toMs)`, oldest first. Read only. */
  series(resolution: Resolution, fromMs: number, toMs: number): readonly WindowData[] {
    this.flushPending();
    const arr = this.arrayOf(resolution);
    const out: WindowData[] = [];
    for (let i = lowerBound(arr, fromMs); i < arr.length && arr[i]!.startMs < toMs; i++) out.push(arr[i]!);
    return out;
  }

  /**
   * A per-window statistic, cached on the window until it changes (closed windows never do), so
   * history charts cost one computation per window. `key` names the statistic (e.g. `q0.99`).
   */
  statistic(w: WindowData, key: string, compute: (w: WindowData) => number | null): number | null {
    return w instanceof Window ? w.cached(key, compute) : compute(w);
  }

  /** The worst exemplars of the base windows starting in `[fromMs, toMs)`, worst first, one per trace. */
  exemplars(fromMs: number, toMs: number, max = this.exemplarsPerWindow): Exemplar[] {
    const all: Exemplar[] = [];
    for (let i = lowerBound(this.base, fromMs); i < this.base.length && this.base[i]!.startMs < toMs; i++) {
      const ex = this.base[i]!.exemplars;
      if (ex) all.push(...ex);
    }
    all.sort((a, b) => b.score - a.score);
    const seen = new Set<string>();
    const out: Exemplar[] = [];
    for (const e of all) {
      if (out.length >= max) break;
      if (seen.has(e.traceKey)) continue;
      seen.add(e.traceKey);
      out.push(e);
    }
    return out;
  }

  // ---------------------------------------------------------------- checkpoints

  /** The windows changed since the previous call (the open base window included), as store rows. */
  dirtyRows(): WindowRow[] {
    this.flushPending();
    const out: WindowRow[] = [];
    for (const arr of [this.base, this.minutes, this.hours]) {
      for (const w of arr) {
        if (!w.dirty) continue;
        w.dirty = false;
        out.push(toRow(this.budgetId, w));
      }
    }
    return out;
  }

  /**
   * Adds store rows back (after a restart). A row whose window exists is merged into it (and the
   * window is then dirty: it holds this process's data too); otherwise it becomes the window, not
   * dirty. Rows of another budget, of a base size other than `baseMs`, misaligned or malformed,
   * or with an undecodable digest are skipped and counted in `restoreRejected`. Call once, at
   * start-up, before recording: a rollup built before the call does not see the rows it restores
   * (its own row, when stored, restores it). Returns the rows taken.
   */
  restore(rows: Iterable<WindowRow>): number {
    this.flushPending();
    let taken = 0;
    for (const row of rows) {
      const w = this.fromRow(row);
      if (w === null) {
        this.restoreRejected++;
        continue;
      }
      const arr = this.arrayOf(w.resolution);
      const i = lowerBound(arr, w.startMs);
      const existing = arr[i];
      if (existing !== undefined && existing.startMs === w.startMs) {
        existing.mergeFrom(w, this.compression);
        if (existing.extra) trimExtra(existing.extra);
      } else {
        w.dirty = false;
        w.compacted = true;
        arr.splice(i, 0, w);
      }
      taken++;
    }
    // Rollups are found again by existence: a group whose rollup exists is skipped.
    this.baseRolled = 0;
    this.minuteRolled = 0;
    this.hoursChanged();
    this.minutesChanged();
    return taken;
  }

  // ---------------------------------------------------------------- internals

  /** The open base window for `nowMs` (created, after closing the previous one, when needed). */
  private current(nowMs: number): Window {
    if (nowMs > this.clock) this.clock = nowMs;
    const t = this.clock;
    if (this.coverageMaxGapMs > 0) this.touch(t);
    const last = this.base[this.base.length - 1];
    if (last !== undefined && t < last.endMs) return last;
    return this.windowAt(alignDown(t, this.baseMs), t);
  }

  /** The base window starting at `start` (≤ the clock's window), created in order when missing. */
  private windowAt(start: number, t: number): Window {
    const last = this.base[this.base.length - 1];
    if (last !== undefined && last.startMs === start) return last;
    if (last !== undefined && last.startMs > start) {
      const i = lowerBound(this.base, start);
      const w = this.base[i];
      if (w !== undefined && w.startMs === start) return w;
      const fresh = new Window("base", start, start + this.baseMs);
      this.base.splice(i, 0, fresh);
      if (i < this.baseRolled) this.baseRolled = i; // a late window of a rolled minute: found again by existence
      return fresh;
    }
    // A new latest window: the pending data belongs to the one before it.
    this.flushPending();
    if (last !== undefined) last.compact();
    const w = new Window("base", start, start + this.baseMs);
    this.base.push(w);
    this.advanceQuiet(t);
    return w;
  }

  /** Rollup and pruning without coverage credit or flushing (called from `windowAt`). */
  private advanceQuiet(t: number): void {
    const minutesBefore = this.minutes.length;
    this.rollUp(this.base, this.baseRolled, alignDown(t, MINUTE_MS), MINUTE_MS, this.minutes, "1m", (i) => (this.baseRolled = i));
    if (this.minutes.length !== minutesBefore) this.minutesChanged();
    const hoursBefore = this.hours.length;
    this.rollUp(this.minutes, this.minuteRolled, alignDown(t, HOUR_MS), HOUR_MS, this.hours, "1h", (i) => (this.minuteRolled = i));
    if (this.hours.length !== hoursBefore) this.hoursChanged();
    this.prune(t);
  }

  private flushPending(): void {
    const last = this.base[this.base.length - 1];
    if (this.pending !== null && last !== undefined) this.pending.flushInto(last);
  }

  /**
   * Builds the rollups of `src` windows (from index `from`) that start before `closedBefore`
   * into `dst` windows of `size`, one per group, unless the rollup exists already.
   */
  private rollUp(src: Window[], from: number, closedBefore: number, size: number, dst: Window[], res: Resolution, setRolled: (i: number) => void): void {
    let i = from;
    while (i < src.length && src[i]!.startMs < closedBefore) {
      const start = alignDown(src[i]!.startMs, size);
      let j = i + 1;
      while (j < src.length && src[j]!.startMs < start + size) j++;
      if (start + size <= closedBefore) {
        const k = lowerBound(dst, start);
        if (dst[k] === undefined || dst[k]!.startMs !== start) {
          const w = new Window(res, start, start + size);
          const group = src.slice(i, j);
          const agg = aggregate(group, this.compression);
          w.digest = agg.digest;
          w.count = agg.count;
          w.sum = agg.sum;
          w.min = agg.min;
          w.max = agg.max;
          w.extra = agg.extra;
          w.compacted = true;
          w.dirty = true;
          dst.splice(k, 0, w);
        }
      } else break;
      i = j;
    }
    setRolled(i);
  }

  private prune(t: number): void {
    const cut = (arr: Window[], retention: number, rolled: number): number => {
      let k = 0;
      while (k < arr.length && k < rolled && arr[k]!.endMs <= t - retention) k++;
      if (k > 0) arr.splice(0, k);
      return k;
    };
    this.baseRolled -= cut(this.base, this.retentionBaseMs, this.baseRolled);
    const minutesCut = cut(this.minutes, this.retentionMinutesMs, this.minuteRolled);
    this.minuteRolled -= minutesCut;
    if (minutesCut > 0) this.minutesChanged();
    if (cut(this.hours, this.retentionHoursMs, this.hours.length) > 0) this.hoursChanged();
  }

  /**
   * The oldest start a resolution still holds data from: windows whose end is at most the clock
   * minus the retention are dropped, so the first kept one starts at `alignDown(clock − retention)`.
   */
  private floorOf(res: Resolution): number {
    const [size, retention] = res === "base" ? [this.baseMs, this.retentionBaseMs] : res === "1m" ? [MINUTE_MS, this.retentionMinutesMs] : [HOUR_MS, this.retentionHoursMs];
    return alignDown(this.clock - retention, size);
  }

  /** The parts of `[from, to)` by resolution, in time order (see `over`). */
  private plan(from: number, to: number): Array<{ res: Resolution; a: number; b: number }> {
    const parts: Array<{ res: Resolution; a: number; b: number }> = [];
    const minutesClosed = alignDown(this.clock, MINUTE_MS);
    const hoursClosed = alignDown(this.clock, HOUR_MS);
    const minutesAndBase = (a: number, b: number) => {
      const m0 = alignUp(a, MINUTE_MS);
      const m1 = Math.min(alignDown(b, MINUTE_MS), minutesClosed);
      if (m0 < m1) {
        if (a < m0) parts.push({ res: "base", a, b: m0 });
        parts.push({ res: "1m", a: m0, b: m1 });
        if (m1 < b) parts.push({ res: "base", a: m1, b });
      } else parts.push({ res: "base", a, b });
    };
    const h0 = alignUp(from, HOUR_MS);
    const h1 = Math.min(alignDown(to, HOUR_MS), hoursClosed);
    if (h0 < h1) {
      if (from < h0) minutesAndBase(from, h0);
      parts.push({ res: "1h", a: h0, b: h1 });
      if (h1 < to) minutesAndBase(h1, to);
    } else minutesAndBase(from, to);
    return parts;
  }

  /**
   * The merged closed windows of one rollup resolution starting in `[a, b)`, cached: closed
   * windows do not change, so a segment is merged once and reused by every range (and every
   * evaluation) that covers it, until that resolution's windows change (a new rollup, pruning,
   * restore).
   */
  private segment(res: "1m" | "1h", a: number, b: number): Aggregate {
    const cache = res === "1h" ? this.hourCache : this.minuteCache;
    const key = `${a}:${b}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const arr = this.arrayOf(res);
    const group: Window[] = [];
    for (let i = lowerBound(arr, a); i < arr.length && arr[i]!.startMs < b; i++) group.push(arr[i]!);
    const agg = aggregate(group, this.compression);
    if (cache.size >= 16) cache.delete(cache.keys().next().value as string);
    cache.set(key, agg);
    return agg;
  }

  private hoursChanged(): void {
    this.hourCache.clear();
  }

  private minutesChanged(): void {
    this.minuteCache.clear();
  }

  private arrayOf(res: Resolution): Window[] {
    return res === "base" ? this.base : res === "1m" ? this.minutes : this.hours;
  }

  private fromRow(row: WindowRow): Window | null {
    if (row === null || typeof row !== "object" || row.budgetId !== this.budgetId) return null;
    const size = row.resolution === "base" ? this.baseMs : row.resolution === "1m" || row.resolution === "1h" ? SIZE_OF[row.resolution] : undefined;
    if (size === undefined) return null;
    const { startMs, endMs, count, sum, min, max } = row;
    if (!(Number.isSafeInteger(startMs) && endMs === startMs + size && alignDown(startMs, size) === startMs)) return null;
    if (!(Number.isFinite(count) && count >= 0 && Number.isFinite(sum) && Number.isFinite(min) && Number.isFinite(max))) return null;
    const w = new Window(row.resolution, startMs, endMs);
    if (row.digest !== null && row.digest !== undefined) {
      if (!(row.digest instanceof Uint8Array)) return null;
      try {
        const d = TDigest.fromBytes(row.digest);
        if (d.count > 0) w.digest = d;
      } catch {
        return null;
      }
    }
    w.count = count;
    w.sum = sum;
    if (w.digest !== null) {
      w.min = w.digest.min;
      w.max = w.digest.max;
    } else if (count > 0 && (min !== 0 || max !== 0)) {
      w.min = min;
      w.max = max;
    }
    const extra = sanitiseExtra(row.extra);
    if (extra) w.extra = trimExtra(extra);
    return w;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Index of the first window starting at or after `t` (windows sorted by start). */
function lowerBound(arr: readonly Window[], t: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.startMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function aggregate(windows: readonly Window[], compression: number): Aggregate {
  const acc: Aggregate = { digest: null, count: 0, sum: 0, min: Infinity, max: -Infinity, extra: null, windows: 0 };
  const digests: TDigest[] = [];
  for (const w of windows) addWindow(acc, digests, w);
  acc.digest = digests.length === 0 ? null : TDigest.mergeAll(digests, compression);
  if (acc.extra) trimExtra(acc.extra);
  return acc;
}

function addWindow(acc: Aggregate, digests: TDigest[], w: Window): void {
  if (w.digest !== null && w.digest.count > 0) digests.push(w.digest);
  acc.count += w.count;
  acc.sum += w.sum;
  if (w.min < acc.min) acc.min = w.min;
  if (w.max > acc.max) acc.max = w.max;
  if (w.extra !== null) mergeExtra((acc.extra ??= {}), w.extra);
  acc.windows++;
}

function addAggregate(acc: Aggregate, digests: TDigest[], a: Aggregate): void {
  if (a.digest !== null) digests.push(a.digest);
  acc.count += a.count;
  acc.sum += a.sum;
  if (a.min < acc.min) acc.min = a.min;
  if (a.max > acc.max) acc.max = a.max;
  if (a.extra !== null) mergeExtra((acc.extra ??= {}), a.extra);
  acc.windows += a.windows;
}

function finish(acc: Aggregate, digests: TDigest[], fromMs: number, toMs: number, compression: number): WindowView {
  const digest = digests.length === 0 ? null : digests.length === 1 ? digests[0]! : TDigest.mergeAll(digests, compression);
  return {
    fromMs,
    toMs,
    digest,
    count: acc.count,
    sum: acc.sum,
    min: acc.count > 0 && acc.min !== Infinity ? acc.min : NaN,
    max: acc.count > 0 && acc.max !== -Infinity ? acc.max : NaN,
    extra: acc.extra ? trimExtra(acc.extra) : {},
    windows: acc.windows,
  };
}

function toRow(budgetId: string, w: Window): WindowRow {
  const hasValues = w.digest !== null && w.digest.count > 0;
  return {
    budgetId,
    resolution: w.resolution,
    startMs: w.startMs,
    endMs: w.endMs,
    digest: hasValues ? w.digest!.toBytes() : null,
    count: w.count,
    sum: w.sum,
    min: w.min === Infinity ? 0 : w.min,
    max: w.max === -Infinity ? 0 : w.max,
    extra: w.extra === null || Object.keys(w.extra).length === 0 ? null : { ...w.extra },
  };
}
