// Budget definitions: upsert/get/list/delete, persistence, and replaceFileBudgets semantics.
import { describe, expect, it } from "vitest";
import { StoreError } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();

const def = (id: string, threshold = "300ms") => ({ id, type: "latency.total", service: "checkout", quantile: 0.99, threshold, window: "5m", labels: { team: "pay" } });

describe("budgets", () => {
  it("upserts, gets and lists (by id) with the definition parsed back", () => {
    const store = t.open(t.dir());
    const stored = store.upsertBudget("b2", def("b2"), "api", 1000);
    expect(stored).toEqual({ id: "b2", definition: def("b2"), source: "api", createdAt: 1000, updatedAt: 1000 });
    store.upsertBudget("b1", def("b1"), "file:/etc/pbe/budgets.yaml", 1001);
    expect(store.getBudget("b2")).toEqual(stored);
    expect(store.getBudget("missing")).toBeUndefined();
    expect(store.listBudgets().map((b) => [b.id, b.source])).toEqual([
      ["b1", "file:/etc/pbe/budgets.yaml"],
      ["b2", "api"],
    ]);
  });

  it("keeps created_at on update and moves updated_at, definition and source", () => {
    const store = t.open(t.dir());
    store.upsertBudget("b", def("b"), "file:a.yaml", 1000);
    const updated = store.upsertBudget("b", def("b", "250ms"), "api", 5000);
    expect(updated).toEqual({ id: "b", definition: def("b", "250ms"), source: "api", createdAt: 1000, updatedAt: 5000 });
    expect(store.getBudget("b")).toEqual(updated);
    expect(store.listBudgets()).toHaveLength(1);
  });

  it("deletes, returning whether there was a budget", () => {
    const store = t.open(t.dir());
    store.upsertBudget("b", def("b"), "api", 1);
    expect(store.deleteBudget("b")).toBe(true);
    expect(store.deleteBudget("b")).toBe(false);
    expect(store.getBudget("b")).toBeUndefined();
  });

  it("persist across close and reopen", () => {
    const dir = t.dir();
    const a = t.open(dir);
    a.upsertBudget("b1", def("b1"), "api", 10);
    a.upsertBudget("b2", def("b2"), "file:x.yaml", 20);
    a.upsertBudget("b1", def("b1", "1s"), "api", 30);
    const before = a.listBudgets();
    a.close();
    const b = t.open(dir);
    expect(b.listBudgets()).toEqual(before);
    expect(b.getBudget("b1")).toEqual({ id: "b1", definition: def("b1", "1s"), source: "api", createdAt: 10, updatedAt: 30 });
  });

  it("refuses a source that is neither api nor file:<path>, and a non-integer time", () => {
    const store = t.open(t.dir());
    const e1 = thrown(() => store.upsertBudget("b", def("b"), "ftp:x" as "api", 1));
    expect(e1).toBeInstanceOf(StoreError);
    expect((e1 as StoreError).retryable).toBe(false);
    expect((e1 as StoreError).sqliteCode).toBe("SQLITE_CONSTRAINT_CHECK");
    expect((e1 as StoreError).message).toContain('upsert budget "b"');
    const e2 = thrown(() => store.upsertBudget("b", def("b"), "api", 1.5));
    expect((e2 as StoreError).message).toContain("nowMs");
    const e3 = thrown(() => store.upsertBudget("b", undefined, "api", 1));
    expect((e3 as StoreError).message).toContain("not JSON-serialisable");
    expect(store.listBudgets()).toEqual([]);
  });
});

describe("replaceFileBudgets", () => {
  const FILE = "file:/etc/pbe/budgets.yaml" as const;

  it("inserts the file's budgets, deletes the ones no longer in it and keeps created_at", () => {
    const store = t.open(t.dir());
    const r1 = store.replaceFileBudgets(FILE, [{ id: "a", definition: def("a") }, { id: "b", definition: def("b") }, { id: "c", definition: def("c") }], 1000);
    expect(r1).toEqual({ upserted: ["a", "b", "c"], unchanged: [], deleted: [], skipped: [] });

    const r2 = store.replaceFileBudgets(FILE, [{ id: "a", definition: def("a") }, { id: "b", definition: def("b", "1s") }, { id: "d", definition: def("d") }], 2000);
    expect(r2).toEqual({ upserted: ["b", "d"], unchanged: ["a"], deleted: ["c"], skipped: [] });
    const byId = new Map(store.listBudgets().map((b) => [b.id, b]));
    expect([...byId.keys()]).toEqual(["a", "b", "d"]);
    expect(byId.get("a")).toMatchObject({ createdAt: 1000, updatedAt: 1000, definition: def("a") });
    expect(byId.get("b")).toMatchObject({ createdAt: 1000, updatedAt: 2000, definition: def("b", "1s"), source: FILE });
    expect(byId.get("d")).toMatchObject({ createdAt: 2000, updatedAt: 2000 });
  });

  it("never touches API-defined budgets: not updated when in the file, not deleted when absent", () => {
    const store = t.open(t.dir());
    store.upsertBudget("api-only", def("api-only"), "api", 1);
    store.upsertBudget("shared", def("shared", "100ms"), "api", 2);
    const r = store.replaceFileBudgets(FILE, [{ id: "shared", definition: def("shared", "900ms") }, { id: "f", definition: def("f") }], 10);
    expect(r).toEqual({ upserted: ["f"], unchanged: [], deleted: [], skipped: ["shared"] });
    expect(store.getBudget("shared")).toEqual({ id: "shared", definition: def("shared", "100ms"), source: "api", createdAt: 2, updatedAt: 2 });
    store.replaceFileBudgets(FILE, [], 20);
    expect(store.listBudgets().map((b) => b.id)).toEqual(["api-only", "shared"]);
  });

  it("leaves other files' budgets alone unless this file defines the same id", () => {
    const store = t.open(t.dir());
    store.replaceFileBudgets("file:other.yaml", [{ id: "o1", definition: def("o1") }, { id: "o2", definition: def("o2") }], 1);
    const r = store.replaceFileBudgets(FILE, [{ id: "o2", definition: def("o2", "2s") }], 5);
    expect(r).toEqual({ upserted: ["o2"], unchanged: [], deleted: [], skipped: [] });
    expect(store.getBudget("o1")?.source).toBe("file:other.yaml");
    expect(store.getBudget("o2")).toMatchObject({ source: FILE, createdAt: 1, updatedAt: 5 });
    // o2 now belongs to FILE: reloading other.yaml without it does not delete it.
    store.replaceFileBudgets("file:other.yaml", [{ id: "o1", definition: def("o1") }], 6);
    expect(store.getBudget("o2")?.source).toBe(FILE);
  });

  it("is atomic: a bad entry half-way changes nothing", () => {
    const store = t.open(t.dir());
    store.replaceFileBudgets(FILE, [{ id: "a", definition: def("a") }, { id: "gone", definition: def("gone") }], 1);
    const before = store.listBudgets();
    const err = thrown(() => store.replaceFileBudgets(FILE, [{ id: "a", definition: def("a", "5s") }, { id: "new", definition: { big: 1n } }], 2));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(`replace budgets of ${FILE}`);
    expect(store.listBudgets()).toEqual(before);
  });

  it("refuses duplicate ids and a source that is not a file", () => {
    const store = t.open(t.dir());
    const e1 = thrown(() => store.replaceFileBudgets(FILE, [{ id: "a", definition: def("a") }, { id: "a", definition: def("a") }], 1));
    expect((e1 as StoreError).message).toMatch(/"a" appears twice/);
    const e2 = thrown(() => store.replaceFileBudgets("api" as `file:${string}`, [], 1));
    expect((e2 as StoreError).message).toMatch(/file:<path>/);
    expect(store.listBudgets()).toEqual([]);
  });
});
