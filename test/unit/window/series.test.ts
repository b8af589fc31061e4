// WindowSeries: alignment, rollups, retention, merged views over ranges, checkpoints.
import { describe, expect, it } from "vitest";
import { TDigest } from "../../../src/digest/index.js";
import { WindowSeries, alignDown, alignUp, HOUR_MS, MINUTE_MS, COVERAGE_KEY, type WindowRow } from "../../../src/window/index.js";
import { mulberry32 } from "../../../src/random/index.js";

const T0 = Date.UTC(2024, 0, 1); // an hour boundary
const S = 1000;

const rng = mulberry32;

/** Records `perWindow` values in every base window of [from, to), returning (time, value) pairs. */
function fill(s: WindowSeries, fromMs: number, toMs: number, perWindow: number, seed = 1): Array<[number, number]> {
  const r = rng(seed);
  const out: Array<[number, number]> = [];
  for (let t = fromMs; t < toMs; t += s.baseMs) {
    for (let i = 0; i < perWindow; i++) {
      const at = t + Math.floor((i * s.baseMs) / perWindow);
      const v = Math.exp(3 + r()); // 20..55, lognormal-ish
      s.add(v, at);
      out.push([at, v]);
    }
  }
  return out;
}

describe("alignment", () => {
  it("aligns down and up to multiples of the size since the epoch, also before it", () => {
    expect(alignDown(12_345, 10_000)).toBe(10_000);
    expect(alignDown(20_000, 10_000)).toBe(20_000);
    expect(alignDown(-1, 10_000)).toBe(-10_000);
    expect(alignUp(12_345, 10_000)).toBe(20_000);
    expect(alignUp(20_000, 10_000)).toBe(20_000);
    expect(alignUp(-12_345, 10_000)).toBe(-10_000);
  });

  it("puts a value in the base window containing its time", () => {
    const s = new WindowSeries("b");
    s.add(5, T0 + 12_345);
    s.add(7, T0 + 19_999);
    s.add(9, T0 + 20_000);
    const w = s.series("base", T0, T0 + HOUR_MS);
    expect(w.map((x) => [x.startMs - T0, x.endMs - T0, x.count, x.sum])).toEqual([
      [10_000, 20_000, 2, 12],
      [20_000, 30_000, 1, 9],
    ]);
  });

  it("treats a clock that steps back as the latest time seen", () => {
    const s = new WindowSeries("b");
    s.add(1, T0 + 25_000);
    s.add(2, T0 + 5_000); // earlier: goes into the current window, never into a closed one
    const w = s.series("base", T0, T0 + HOUR_MS);
    expect(w).toHaveLength(1);
    expect(w[0]!.startMs).toBe(T0 + 20_000);
    expect(w[0]!.count).toBe(2);
    expect(s.clockMs).toBe(T0 + 25_000);
  });

  it("refuses a base window that does not divide a minute, and retentions shorter than the rollup", () => {
    expect(() => new WindowSeries("b", { baseMs: 7_000 })).toThrow(RangeError);
    expect(() => new WindowSeries("b", { retentionBaseMs: 30_000 })).toThrow(/base retention/);
    expect(() => new WindowSeries("b", { retentionMinutesMs: 30 * MINUTE_MS })).toThrow(/minute retention/);
  });

  it("counts non-finite values as rejected", () => {
    const s = new WindowSeries("b");
    s.add(NaN, T0);
    s.add(Infinity, T0);
    s.add(3, T0);
    expect(s.rejected).toBe(2);
    expect(s.over(T0, T0 + S).count).toBe(1);
  });
});

describe("rollups", () => {
  it("builds a minute from its closed base windows and an hour from its minutes", () => {
    const s = new WindowSeries("b");
    const values = fill(s, T0, T0 + HOUR_MS + 90 * S, 20);
    s.advance(T0 + HOUR_MS + 90 * S);
    // Minutes exist only once closed: 61 of them (the 62nd is open); one closed hour.
    expect(s.series("1m", T0, T0 + 2 * HOUR_MS)).toHaveLength(61);
    const hours = s.series("1h", T0, T0 + 2 * HOUR_MS);
    expect(hours).toHaveLength(1);
    const inHour = values.filter(([t]) => t < T0 + HOUR_MS).map(([, v]) => v);
    const h = hours[0]!;
    expect(h.count).toBe(inHour.length);
    expect(h.sum).toBeCloseTo(inHour.reduce((a, b) => a + b, 0), 6);
    expect(h.min).toBe(Math.min(...inHour));
    expect(h.max).toBe(Math.max(...inHour));
    // The rollup's digest agrees with a digest of the union within the digest's bound (0.26 %, here 0.5 %).
    const union = new TDigest();
    union.addAll(inHour);
    for (const q of [0.5, 0.9, 0.99]) expect(Math.abs(h.digest!.quantile(q) / union.quantile(q) - 1)).toBeLessThan(0.005);
    // A minute is exactly its base windows.
    const m = s.series("1m", T0 + 5 * MINUTE_MS, T0 + 6 * MINUTE_MS)[0]!;
    const bases = s.series("base", T0 + 5 * MINUTE_MS, T0 + 6 * MINUTE_MS);
    expect(bases).toHaveLength(6);
    expect(m.count).toBe(bases.reduce((a, w) => a + w.count, 0));
    expect(m.digest!.toBytes()).toEqual(TDigest.mergeAll(bases.map((w) => w.digest!)).toBytes());
  });

  it("prunes each resolution to its retention", () => {
    const s = new WindowSeries("b", { retentionBaseMs: MINUTE_MS, retentionMinutesMs: HOUR_MS, retentionHoursMs: 2 * HOUR_MS });
    fill(s, T0, T0 + 5 * HOUR_MS, 1);
    s.advance(T0 + 5 * HOUR_MS);
    const sizes = s.sizes();
    // Base: windows ending after now − 1m: 6. Minutes: ending after now − 1h: 60. Hours: ending after now − 2h: 2.
    expect(sizes).toEqual({ base: 6, minutes: 60, hours: 2 });
    expect(s.series("1h", 0, Infinity).map((w) => (w.startMs - T0) / HOUR_MS)).toEqual([3, 4]);
    expect(s.earliestMs).toBe(T0 + 3 * HOUR_MS);
  });

  it("stays bounded by retention however long it runs", () => {
    const s = new WindowSeries("b", { retentionBaseMs: 2 * MINUTE_MS, retentionMinutesMs: HOUR_MS, retentionHoursMs: 3 * HOUR_MS });
    let maxWindows = 0;
    for (let t = T0; t < T0 + 12 * HOUR_MS; t += 10 * S) {
      s.add(1, t);
      const z = s.sizes();
      maxWindows = Math.max(maxWindows, z.base + z.minutes + z.hours);
    }
    expect(maxWindows).toBeLessThanOrEqual(12 + 1 + 60 + 1 + 3 + 1);
  });
});

describe("over()", () => {
  // Base windows kept 4 h here, so every part of these ranges is still held (retention is tested below).
  const s = new WindowSeries("b", { retentionBaseMs: 4 * HOUR_MS });
  const values = fill(s, T0, T0 + 3 * HOUR_MS, 3, 7);
  s.advance(T0 + 3 * HOUR_MS - 1);
  const brute = (from: number, to: number) => {
    const a = alignUp(from, s.baseMs);
    return values.filter(([t]) => alignDown(t, s.baseMs) >= a && alignDown(t, s.baseMs) < to).map(([, v]) => v);
  };

  it("merges hours in the middle, minutes around them and base windows at the edges", () => {
    const from = T0 + 30 * MINUTE_MS + 20 * S;
    const to = T0 + 2 * HOUR_MS + 10 * MINUTE_MS + 30 * S;
    const v = s.over(from, to);
    // base [30m20s, 31m) 4 + minutes [31m, 1h) 29 + hour [1h, 2h) 1 + minutes [2h, 2h10m) 10 + base [2h10m, 2h10m30s) 3
    expect(v.windows).toBe(4 + 29 + 1 + 10 + 3);
    const want = brute(from, to);
    expect(v.count).toBe(want.length);
    expect(v.sum).toBeCloseTo(want.reduce((a, b) => a + b, 0), 6);
    expect(v.min).toBe(Math.min(...want));
    expect(v.max).toBe(Math.max(...want));
    expect(v.fromMs).toBe(from);
    const union = new TDigest();
    union.addAll(want);
    for (const q of [0.5, 0.95, 0.99]) expect(Math.abs(v.digest!.quantile(q) / union.quantile(q) - 1)).toBeLessThan(0.005);
  });

  it("matches brute force on many ranges", () => {
    const r = rng(3);
    for (let i = 0; i < 200; i++) {
      const a = T0 + Math.floor(r() * 3 * HOUR_MS);
      const b = a + Math.floor(r() * (T0 + 3 * HOUR_MS - a + 1));
      const v = s.over(a, b);
      const want = brute(a, b);
      expect(v.count).toBe(want.length);
      if (want.length > 0) {
        expect(v.min).toBe(Math.min(...want));
        expect(v.max).toBe(Math.max(...want));
      } else {
        expect(v.digest).toBeNull();
        expect(Number.isNaN(v.min)).toBe(true);
      }
    }
  });

  it("includes the open window and the one starting at the clock", () => {
    const t = new WindowSeries("b");
    t.add(1, T0 + 10 * S);
    t.add(2, T0 + 20 * S); // exactly at a window start
    expect(t.over(T0, T0 + 20 * S).count).toBe(1);
    expect(t.over(T0, T0 + 30 * S).count).toBe(2);
    expect(t.over(T0, Infinity).count).toBe(2);
    expect(t.over(T0 + 30 * S, Infinity).count).toBe(0);
  });

  it("leaves out a part older than the retention of the resolution that would cover it", () => {
    const t = new WindowSeries("b", { retentionBaseMs: 2 * MINUTE_MS, retentionMinutesMs: HOUR_MS });
    fill(t, T0, T0 + 3 * HOUR_MS, 1);
    t.advance(T0 + 3 * HOUR_MS);
    // [0:30, 3:00): the partial first hour [0:30, 1:00) needs minutes, dropped after 1h: the view starts at 1:00.
    const v = t.over(T0 + 30 * MINUTE_MS, T0 + 3 * HOUR_MS);
    expect(v.fromMs).toBe(T0 + HOUR_MS);
    expect(v.count).toBe(2 * 360);
  });

  it("caches the hour segment without changing results", () => {
    const a = s.over(T0, T0 + 3 * HOUR_MS);
    const b = s.over(T0, T0 + 3 * HOUR_MS);
    expect(b.count).toBe(a.count);
    expect(b.digest!.toBytes()).toEqual(a.digest!.toBytes());
  });
});

describe("extras and exemplars", () => {
  it("merges extras by key rule when rolling up and reading, and keeps the top 3 of a ranked group", () => {
    const s = new WindowSeries("b");
    s.addExtra("bad.n", 2, T0);
    s.addExtra("max.peak", 5, T0);
    s.addExtra("bad.n", 3, T0 + 10 * S);
    s.addExtra("max.peak", 4, T0 + 10 * S);
    const stmts: Array<[string, number, number]> = [
      ["a", 10, 20],
      ["b", 3, 30],
      ["c", 7, 7],
      ["d", 12, 12],
      ["e", 1, 100],
    ];
    for (const [name, max, total] of stmts) {
      s.addExtra(`max.top.stmt:${name}`, max, T0 + 20 * S);
      s.addExtra(`top.stmt:${name}`, total, T0 + 20 * S);
    }
    s.advance(T0 + MINUTE_MS);
    const m = s.series("1m", T0, T0 + MINUTE_MS)[0]!;
    expect(m.extra).toEqual({
      "bad.n": 5,
      "max.peak": 5,
      "max.top.stmt:d": 12,
      "top.stmt:d": 12,
      "max.top.stmt:a": 10,
      "top.stmt:a": 20,
      "max.top.stmt:c": 7,
      "top.stmt:c": 7,
    });
    expect(s.over(T0, T0 + MINUTE_MS).extra["bad.n"]).toBe(5);
  });

  it("keeps the worst exemplars per base window and across a range", () => {
    const s = new WindowSeries("b", { exemplarsPerWindow: 2 });
    s.addExemplar("k1", 10, 10, T0);
    s.addExemplar("k2", 30, 30, T0);
    s.addExemplar("k3", 20, 20, T0);
    s.addExemplar("k3", 5, 5, T0); // the same trace again with a better value: ignored
    s.addExemplar("k4", 25, 25, T0 + 10 * S);
    expect(s.exemplars(T0, T0 + 10 * S).map((e) => e.traceKey)).toEqual(["k2", "k3"]);
    expect(s.exemplars(T0, T0 + 20 * S).map((e) => e.traceKey)).toEqual(["k2", "k4"]);
    expect(s.exemplars(T0, T0 + 20 * S, 10).map((e) => e.traceKey)).toEqual(["k2", "k4", "k3"]);
  });

  it("credits observed time between calls to the windows it falls in, not a longer gap", () => {
    const s = new WindowSeries("b", { coverageMaxGapMs: MINUTE_MS });
    s.touch(T0 + 5 * S); // starts the coverage
    s.touch(T0 + 25 * S); // 5 s in [0,10), 10 s in [10,20), 5 s in [20,30)
    s.addCount(3, T0 + 28 * S); // +3 s
    s.advance(T0 + 5 * MINUTE_MS); // a 4m32s gap: a pause, not credited
    s.advance(T0 + 5 * MINUTE_MS + 10 * S); // 10 s
    const cov = (from: number, to: number) => s.over(from, to).extra[COVERAGE_KEY] ?? 0;
    expect(s.series("base", T0, T0 + 30 * S).map((w) => w.extra?.[COVERAGE_KEY])).toEqual([5_000, 10_000, 8_000]);
    expect(cov(T0, T0 + HOUR_MS)).toBe(33_000);
    expect(s.over(T0, T0 + HOUR_MS).count).toBe(3);
  });
});

describe("checkpoints", () => {
  it("lists changed windows once and round-trips them through rows", () => {
    const a = new WindowSeries("b");
    fill(a, T0, T0 + 70 * MINUTE_MS, 4, 11);
    a.addExtra("bad.n", 2, T0 + 70 * MINUTE_MS - 1);
    a.advance(T0 + 70 * MINUTE_MS - 1);
    const rows = a.dirtyRows();
    expect(rows.filter((r) => r.resolution === "1h")).toHaveLength(1);
    expect(rows.filter((r) => r.resolution === "1m")).toHaveLength(69);
    expect(rows.filter((r) => r.resolution === "base")).toHaveLength(420);
    expect(a.dirtyRows()).toEqual([]);
    a.add(1, T0 + 70 * MINUTE_MS - 1);
    expect(a.dirtyRows().map((r) => [r.resolution, r.startMs])).toEqual([["base", T0 + 70 * MINUTE_MS - 10 * S]]);

    // JSON-like copies, as a store would give back.
    const copies: WindowRow[] = rows.map((r) => ({ ...r, digest: r.digest ? new Uint8Array(r.digest) : null, extra: r.extra ? { ...r.extra } : null }));
    const b = new WindowSeries("b");
    expect(b.restore(copies)).toBe(rows.length);
    b.advance(T0 + 70 * MINUTE_MS - 1);
    expect(b.dirtyRows()).toEqual([]); // restored windows are already stored
    const a1 = a.over(T0, T0 + 2 * HOUR_MS);
    const b1 = b.over(T0, T0 + 2 * HOUR_MS);
    expect(b1.count).toBe(a1.count - 1);
    for (const res of ["base", "1m", "1h"] as const) {
      const wa = a.series(res, T0, T0 + 69 * MINUTE_MS);
      const wb = b.series(res, T0, T0 + 69 * MINUTE_MS);
      expect(wb.map((w) => [w.startMs, w.count, w.sum, w.min, w.max, w.extra])).toEqual(wa.map((w) => [w.startMs, w.count, w.sum, w.min, w.max, w.extra]));
      expect(wb.map((w) => Buffer.from(w.digest!.toBytes()).toString("hex"))).toEqual(wa.map((w) => Buffer.from(w.digest!.toBytes()).toString("hex")));
    }
  });

  it("continues after a restart as if it had not stopped (up to the last checkpoint)", () => {
    const continuous = new WindowSeries("b");
    const before = new WindowSeries("b");
    const cut = T0 + 59 * MINUTE_MS + 35 * S; // mid-minute, just before the hour closes
    const r1 = rng(5);
    for (let t = T0; t < cut; t += 2 * S) {
      const v = 10 + r1() * 90;
      continuous.add(v, t);
      before.add(v, t);
    }
    const rows = before.dirtyRows();
    const after = new WindowSeries("b");
    after.restore(rows);
    for (let t = cut; t < T0 + 65 * MINUTE_MS; t += 2 * S) {
      const v = 10 + r1() * 90;
      continuous.add(v, t);
      after.add(v, t);
    }
    continuous.advance(T0 + 65 * MINUTE_MS);
    after.advance(T0 + 65 * MINUTE_MS);
    const hc = continuous.series("1h", T0, T0 + HOUR_MS)[0]!;
    const ha = after.series("1h", T0, T0 + HOUR_MS)[0]!;
    expect(ha.count).toBe(hc.count);
    expect(ha.sum).toBeCloseTo(hc.sum, 6);
    expect(ha.max).toBe(hc.max);
    expect(after.over(T0, T0 + 2 * HOUR_MS).count).toBe(continuous.over(T0, T0 + 2 * HOUR_MS).count);
    // The minute that was open at the checkpoint holds both processes' values: 18 before the cut
    // (even seconds 3540…3574), 13 after it (odd seconds 3575…3599).
    const m = after.series("1m", T0 + 59 * MINUTE_MS, T0 + HOUR_MS)[0]!;
    expect(m.count).toBe(31);
    expect(m.digest!.toBytes()).toEqual(continuous.series("1m", T0 + 59 * MINUTE_MS, T0 + HOUR_MS)[0]!.digest!.toBytes());
  });

  it("refuses rows it cannot trust and counts them", () => {
    const s = new WindowSeries("b");
    const good: WindowRow = { budgetId: "b", resolution: "base", startMs: T0, endMs: T0 + 10 * S, digest: null, count: 2, sum: 2, min: 0, max: 0, extra: { "cov.ms": 10_000, __proto__: 5 } as Record<string, number> };
    const rows: WindowRow[] = [
      good,
      { ...good, budgetId: "other" },
      { ...good, startMs: T0 + 1, endMs: T0 + 10 * S + 1 },
      { ...good, startMs: T0 + MINUTE_MS, endMs: T0 + MINUTE_MS + 5 * S }, // another base size
      { ...good, startMs: T0 + 20 * S, endMs: T0 + 30 * S, digest: new Uint8Array([1, 2, 3]) },
      { ...good, resolution: "1d" as never },
      { ...good, startMs: T0 + 30 * S, endMs: T0 + 40 * S, count: NaN },
    ];
    expect(s.restore(rows)).toBe(1);
    expect(s.restoreRejected).toBe(6);
    s.advance(T0 + 10 * S);
    const w = s.series("base", T0, T0 + HOUR_MS)[0]!;
    expect(w.extra).toEqual({ "cov.ms": 10_000 });
    expect(Object.getPrototypeOf(w.extra)).toBe(Object.prototype);
  });
});
