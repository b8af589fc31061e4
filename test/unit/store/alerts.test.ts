// Alert state per budget and the alert event history.
import { describe, expect, it } from "vitest";
import { StoreError, type AlertAppend } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();

describe("alert state", () => {
  it("round-trips opaque JSON states, overwrites and deletes", () => {
    const store = t.open(t.dir());
    expect(store.loadAlertStates()).toEqual(new Map());
    const firing = { phase: "firing", incidentId: "inc-1", since: 1000, breaches: [1, 2, 3], nested: { ok: false } };
    store.saveAlertStates([{ budgetId: "a", state: firing }, { budgetId: "b", state: "ok" }], 1000);
    expect(store.loadAlertStates()).toEqual(new Map<string, unknown>([["a", firing], ["b", "ok"]]));

    store.saveAlertStates([{ budgetId: "a", state: { phase: "resolved" } }], 2000);
    expect(store.loadAlertStates().get("a")).toEqual({ phase: "resolved" });
    expect(store.loadAlertStates().get("b")).toBe("ok");

    expect(store.deleteAlertState("a")).toBe(true);
    expect(store.deleteAlertState("a")).toBe(false);
    expect([...store.loadAlertStates().keys()]).toEqual(["b"]);
  });

  it("survives close and reopen", () => {
    const dir = t.dir();
    const a = t.open(dir);
    a.saveAlertStates([{ budgetId: "x", state: { phase: "firing", n: 7 } }], 1);
    a.close();
    expect(t.open(dir).loadAlertStates()).toEqual(new Map([["x", { phase: "firing", n: 7 }]]));
  });

  it("saves a batch atomically: an unserialisable state saves none", () => {
    const store = t.open(t.dir());
    const err = thrown(() => store.saveAlertStates([{ budgetId: "a", state: 1 }, { budgetId: "b", state: undefined }], 1));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(/save 2 alert states failed.*"b"/);
    expect(store.loadAlertStates().size).toBe(0);
  });
});

describe("alert history", () => {
  const ev = (id: string, budgetId: string, service: string, state: "firing" | "resolved", atMs: number): AlertAppend => ({
    id,
    budgetId,
    service,
    state,
    atMs,
    event: { schema: "pbe.alert.v1", id, state, budgetId, service, at: atMs },
  });

  function seeded() {
    const store = t.open(t.dir());
    const seqs = [
      store.appendAlert(ev("i1", "b1", "checkout", "firing", 1000)),
      store.appendAlert(ev("i2", "b2", "cart", "firing", 2000)),
      store.appendAlert(ev("i1", "b1", "checkout", "resolved", 3000)),
      store.appendAlert(ev("i3", "b3", "checkout", "firing", 3000)),
      store.appendAlert(ev("i2", "b2", "cart", "resolved", 4000)),
      store.appendAlert(ev("i0", "b3", "search", "firing", 500)), // appended late, happened first
    ];
    return { store, seqs };
  }

  it("appends with increasing sequence numbers and lists newest first", () => {
    const { store, seqs } = seeded();
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(6);
    const all = store.listAlerts();
    // By time; at 3000 twice: the later append (i3) first; i0 (at 500, appended last) last.
    expect(all.map((a) => `${a.id}:${a.state}@${a.atMs}`)).toEqual([
      "i2:resolved@4000",
      "i3:firing@3000",
      "i1:resolved@3000",
      "i2:firing@2000",
      "i1:firing@1000",
      "i0:firing@500",
    ]);
    expect(all[0]).toEqual({ seq: seqs[4], ...ev("i2", "b2", "cart", "resolved", 4000) });
  });

  it("filters by budget, service, since and limit", () => {
    const { store } = seeded();
    expect(store.listAlerts({ budgetId: "b1" }).map((a) => a.state)).toEqual(["resolved", "firing"]);
    expect(store.listAlerts({ service: "checkout" }).map((a) => a.id)).toEqual(["i3", "i1", "i1"]);
    expect(store.listAlerts({ sinceMs: 3000 }).map((a) => a.atMs)).toEqual([4000, 3000, 3000]);
    expect(store.listAlerts({ limit: 2 }).map((a) => a.atMs)).toEqual([4000, 3000]);
    expect(store.listAlerts({ service: "checkout", sinceMs: 2000, limit: 1 }).map((a) => a.id)).toEqual(["i3"]);
    expect(store.listAlerts({ budgetId: "b2", service: "checkout" })).toEqual([]);
    expect(store.listAlerts({ limit: 0 })).toEqual([]);
    expect(() => store.listAlerts({ limit: -1 })).toThrow(StoreError);
  });

  it("prunes events older than the cut-off and never reuses sequence numbers", () => {
    const { store, seqs } = seeded();
    expect(store.pruneAlerts(3000)).toBe(3);
    expect(store.listAlerts().map((a) => a.atMs)).toEqual([4000, 3000, 3000]);
    expect(store.pruneAlerts(3000)).toBe(0);
    store.pruneAlerts(10_000);
    const next = store.appendAlert(ev("i4", "b1", "checkout", "firing", 5000));
    expect(next).toBeGreaterThan(Math.max(...seqs));
  });

  it("refuses a state other than firing/resolved", () => {
    const store = t.open(t.dir());
    const err = thrown(() => store.appendAlert({ ...ev("i", "b", "s", "firing", 1), state: "pending" as "firing" }));
    expect((err as StoreError).sqliteCode).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(store.listAlerts()).toEqual([]);
  });

  it("survives close and reopen", () => {
    const dir = t.dir();
    const a = t.open(dir);
    a.appendAlert(ev("i1", "b1", "checkout", "firing", 1000));
    const before = a.listAlerts();
    a.close();
    expect(t.open(dir).listAlerts()).toEqual(before);
  });
});
