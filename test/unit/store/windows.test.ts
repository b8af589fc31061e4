// Digest window history: upsert, filters, order, pruning, byte-identical digests.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StoreError, type Resolution, type WindowRow } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();

function row(budgetId: string, resolution: Resolution, startMs: number, lenMs = 10_000, over: Partial<WindowRow> = {}): WindowRow {
  return { budgetId, resolution, startMs, endMs: startMs + lenMs, digest: new Uint8Array([1, 2, startMs % 256]), count: 3, sum: 30, min: 5, max: 15, extra: null, ...over };
}

describe("saveWindows / loadWindows", () => {
  it("round-trips every field; digests are byte-identical plain Uint8Arrays", () => {
    const store = t.open(t.dir());
    const digest = new Uint8Array(4096);
    for (let i = 0; i < digest.length; i++) digest[i] = (i * 131 + 7) & 0xff;
    digest[0] = 0;
    const w = row("b", "base", 0, 10_000, { digest, count: 1e6, sum: 1.5e9, min: 0.001, max: 98765.4321, extra: { errors: 3, exemplars: ["abc"] } });
    store.saveWindows([w]);
    const [got] = store.loadWindows();
    expect(got).toEqual(w);
    expect(got!.digest).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(got!.digest)).toBe(false);
    expect(Buffer.compare(Buffer.from(got!.digest!), Buffer.from(digest))).toBe(0);
  });

  it("stores only the bytes of a subarray view, an empty digest and a null digest", () => {
    const store = t.open(t.dir());
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    store.saveWindows([
      row("a", "base", 0, 10, { digest: backing.subarray(2, 5) }),
      row("b", "base", 0, 10, { digest: new Uint8Array(0) }),
      row("c", "base", 0, 10, { digest: null }),
    ]);
    const got = store.loadWindows();
    expect(Array.from(got[0]!.digest!)).toEqual([1, 2, 3]);
    expect(got[1]!.digest).toEqual(new Uint8Array(0));
    expect(got[2]!.digest).toBeNull();
  });

  it("round-trips NaN (an empty digest's min/max) and infinities", () => {
    const store = t.open(t.dir());
    store.saveWindows([row("b", "1m", 0, 60_000, { count: 0, sum: Infinity, min: NaN, max: -Infinity })]);
    const [got] = store.loadWindows();
    expect(got!.count).toBe(0);
    expect(got!.sum).toBe(Infinity);
    expect(got!.min).toBeNaN();
    expect(got!.max).toBe(-Infinity);
  });

  it("upserts on (budget, resolution, start)", () => {
    const store = t.open(t.dir());
    store.saveWindows([row("b", "base", 0), row("b", "base", 10_000)]);
    store.saveWindows([row("b", "base", 0, 10_000, { count: 99, digest: new Uint8Array([7]), extra: { x: 1 } })]);
    const got = store.loadWindows();
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ startMs: 0, count: 99, extra: { x: 1 } });
    expect(Array.from(got[0]!.digest!)).toEqual([7]);
    expect(got[1]).toMatchObject({ startMs: 10_000, count: 3 });
  });

  it("filters by budget, resolution and [sinceMs, untilMs) of the start, ordered by budget, resolution, start", () => {
    const store = t.open(t.dir());
    const rows: WindowRow[] = [];
    for (const b of ["z", "a"]) {
      for (const r of ["base", "1m", "1h"] as const) {
        for (const s of [30_000, 0, 10_000, 20_000]) rows.push(row(b, r, s));
      }
    }
    store.saveWindows(rows); // many budgets in one call
    const all = store.loadWindows();
    expect(all).toHaveLength(24);
    expect(all.slice(0, 5).map((w) => `${w.budgetId}/${w.resolution}/${w.startMs}`)).toEqual(["a/1h/0", "a/1h/10000", "a/1h/20000", "a/1h/30000", "a/1m/0"]);
    expect(all.at(-1)).toMatchObject({ budgetId: "z", resolution: "base", startMs: 30_000 });

    expect(store.loadWindows({ budgetId: "a" }).every((w) => w.budgetId === "a")).toBe(true);
    expect(store.loadWindows({ budgetId: "a" })).toHaveLength(12);
    expect(store.loadWindows({ resolution: "1m" })).toHaveLength(8);
    expect(store.loadWindows({ budgetId: "z", resolution: "base", sinceMs: 10_000, untilMs: 30_000 }).map((w) => w.startMs)).toEqual([10_000, 20_000]);
    expect(store.loadWindows({ budgetId: "z", resolution: "base", sinceMs: 10_001 }).map((w) => w.startMs)).toEqual([20_000, 30_000]);
    expect(store.loadWindows({ resolution: "1h", untilMs: 10_000 }).map((w) => `${w.budgetId}/${w.startMs}`)).toEqual(["a/0", "z/0"]);
    expect(store.loadWindows({ budgetId: "nope" })).toEqual([]);
  });

  it("refuses an unknown resolution and saves none of the batch", () => {
    const store = t.open(t.dir());
    const err = thrown(() => store.saveWindows([row("b", "base", 0), row("b", "5m" as Resolution, 0)]));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).sqliteCode).toBe("SQLITE_CONSTRAINT_CHECK");
    expect((err as StoreError).message).toContain("save 2 windows failed");
    expect(store.loadWindows()).toEqual([]);
  });

  it("refuses a window that ends before it starts", () => {
    const store = t.open(t.dir());
    expect(() => store.saveWindows([row("b", "base", 100, -1)])).toThrow(StoreError);
  });

  it("persist across close and reopen", () => {
    const dir = t.dir();
    const a = t.open(dir);
    const rows = [row("b", "base", 0), row("b", "1h", 0, 3_600_000), row("c", "1m", 60_000, 60_000, { extra: { n: 1 } })];
    a.saveWindows(rows);
    a.close();
    expect(t.open(dir).loadWindows()).toEqual([rows[1], rows[0], rows[2]]);
  });

  it("round-trips arbitrary rows (property)", () => {
    const store = t.open(t.dir());
    const time = fc.integer({ min: 0, max: 2 ** 45 });
    const stat = fc.double().map((x) => (Object.is(x, -0) ? 0 : x)); // SQLite stores -0 as 0
    const arbRow = fc.record({
      budgetId: fc.string({ minLength: 1, maxLength: 20 }),
      resolution: fc.constantFrom<Resolution>("base", "1m", "1h"),
      startMs: time,
      lenMs: fc.integer({ min: 0, max: 3_600_000 }),
      digest: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
      count: stat,
      sum: stat,
      min: stat,
      max: stat,
      extra: fc.option(fc.jsonValue().filter((v) => v !== null), { nil: null }),
    });
    fc.assert(
      fc.property(arbRow, (r) => {
        const { lenMs, ...rest } = r;
        const w: WindowRow = { ...rest, endMs: r.startMs + lenMs, extra: r.extra === null ? null : JSON.parse(JSON.stringify(r.extra)) };
        store.saveWindows([w]);
        const got = store.loadWindows({ budgetId: w.budgetId, resolution: w.resolution, sinceMs: w.startMs, untilMs: w.startMs + 1 });
        expect(got).toEqual([w]);
        store.deleteWindows(w.budgetId);
      }),
      { numRuns: 200 },
    );
  });
});

describe("pruneWindows / deleteWindows", () => {
  it("prunes windows of one resolution that ended at or before the cut-off", () => {
    const store = t.open(t.dir());
    store.saveWindows([row("a", "base", 0), row("a", "base", 10_000), row("a", "base", 20_000), row("b", "base", 5_000), row("a", "1m", 0)]);
    // cut-off 20 000: a/0 (end 10 000) and a/10 000 (end 20 000) go; b/5 000 (end 15 000) goes; a/20 000 stays; 1m untouched.
    expect(store.pruneWindows("base", 20_000)).toBe(3);
    expect(store.loadWindows().map((w) => `${w.budgetId}/${w.resolution}/${w.startMs}`)).toEqual(["a/1m/0", "a/base/20000"]);
    expect(store.pruneWindows("base", 20_000)).toBe(0);
  });

  it("keeps a window that straddles the cut-off", () => {
    const store = t.open(t.dir());
    store.saveWindows([row("a", "1h", 0, 3_600_000)]);
    expect(store.pruneWindows("1h", 1_800_000)).toBe(0);
    expect(store.loadWindows()).toHaveLength(1);
  });

  it("deletes every window of one budget and returns the count", () => {
    const store = t.open(t.dir());
    store.saveWindows([row("a", "base", 0), row("a", "1m", 0), row("b", "base", 0)]);
    expect(store.deleteWindows("a")).toBe(2);
    expect(store.deleteWindows("a")).toBe(0);
    expect(store.loadWindows().map((w) => w.budgetId)).toEqual(["b"]);
  });
});
