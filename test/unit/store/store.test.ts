// Opening, connection settings, the in-memory variant, meta values, transactions and closing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, Store, StoreError } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();

describe("Store.open", () => {
  it("creates a missing data directory and <dataDir>/pbe.db", () => {
    const dir = join(t.dir(), "nested", "data");
    const store = t.open(dir);
    expect(existsSync(join(dir, "pbe.db"))).toBe(true);
    expect(store.location).toBe(join(dir, "pbe.db"));
    expect(store.readonly).toBe(false);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it("uses WAL, synchronous=NORMAL, foreign keys and a 5 s busy timeout", () => {
    const store = t.open(t.dir());
    expect(store.connectionSettings()).toEqual({ journalMode: "wal", synchronous: "normal", foreignKeys: true, busyTimeoutMs: 5000 });
  });

  it("leaves the file in WAL mode for other connections", () => {
    const dir = t.dir();
    t.open(dir).setMeta("k", "v");
    const raw = t.raw(join(dir, "pbe.db"));
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(existsSync(join(dir, "pbe.db-wal"))).toBe(true);
  });

  it("honours fileName and busyTimeoutMs", () => {
    const dir = t.dir();
    const store = t.open(dir, { fileName: "other.db", busyTimeoutMs: 250 });
    expect(existsSync(join(dir, "other.db"))).toBe(true);
    expect(existsSync(join(dir, "pbe.db"))).toBe(false);
    expect(store.connectionSettings().busyTimeoutMs).toBe(250);
  });

  it("refuses a file name with a path separator or a negative busy timeout", () => {
    const dir = t.dir();
    const e1 = thrown(() => t.open(dir, { fileName: "../escape.db" }));
    expect(e1).toBeInstanceOf(StoreError);
    expect((e1 as StoreError).message).toContain("../escape.db");
    const e2 = thrown(() => t.open(dir, { busyTimeoutMs: -1 }));
    expect(e2).toBeInstanceOf(StoreError);
    expect((e2 as StoreError).message).toContain("busyTimeoutMs");
  });

  it("lets a second store open the same file and see committed writes", () => {
    const dir = t.dir();
    const a = t.open(dir);
    const b = t.open(dir);
    a.setMeta("checkpoint", "123");
    expect(b.getMeta("checkpoint")).toBe("123");
  });
});

describe("Store.memory", () => {
  it("has the full schema and is private to each instance", () => {
    const a = Store.memory();
    const b = Store.memory();
    try {
      expect(a.schemaVersion).toBe(SCHEMA_VERSION);
      expect(a.location).toBe(":memory:");
      a.upsertBudget("x", { id: "x" }, "api", 1);
      a.enqueue({ subject: "s", msgId: "m", payload: "p" }, 1);
      expect(a.listBudgets().map((s) => s.id)).toEqual(["x"]);
      expect(a.outboxSize()).toBe(1);
      expect(b.listBudgets()).toEqual([]);
      expect(a.connectionSettings()).toMatchObject({ foreignKeys: true, synchronous: "normal" });
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("meta", () => {
  it("gets, sets and overwrites values", () => {
    const store = t.open(t.dir());
    expect(store.getMeta("last_checkpoint_ms")).toBeUndefined();
    store.setMeta("last_checkpoint_ms", "1000");
    expect(store.getMeta("last_checkpoint_ms")).toBe("1000");
    store.setMeta("last_checkpoint_ms", "2000");
    expect(store.getMeta("last_checkpoint_ms")).toBe("2000");
    store.setMeta("empty", "");
    expect(store.getMeta("empty")).toBe("");
  });

  it("survives close and reopen", () => {
    const dir = t.dir();
    const a = t.open(dir);
    a.setMeta("k", "v");
    a.close();
    expect(t.open(dir).getMeta("k")).toBe("v");
  });
});

describe("transaction", () => {
  it("commits every write together and returns fn's value", () => {
    const store = t.open(t.dir());
    const out = store.transaction(() => {
      store.setMeta("a", "1");
      store.upsertBudget("b", { id: "b" }, "api", 5);
      store.saveWindows([{ budgetId: "b", resolution: "base", startMs: 0, endMs: 10, digest: null, count: 1, sum: 1, min: 1, max: 1, extra: null }]);
      return 42;
    });
    expect(out).toBe(42);
    expect(store.getMeta("a")).toBe("1");
    expect(store.getBudget("b")?.createdAt).toBe(5);
    expect(store.loadWindows()).toHaveLength(1);
  });

  it("rolls everything back when fn throws, and rethrows the same error", () => {
    const store = t.open(t.dir());
    store.setMeta("a", "before");
    const boom = new Error("boom");
    const err = thrown(() =>
      store.transaction(() => {
        store.setMeta("a", "after");
        store.enqueue({ subject: "s", msgId: "m", payload: "p" }, 1);
        store.appendAlert({ id: "i", budgetId: "b", service: "svc", state: "firing", atMs: 1, event: {} });
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(store.getMeta("a")).toBe("before");
    expect(store.outboxSize()).toBe(0);
    expect(store.listAlerts()).toEqual([]);
  });

  it("nests: an inner failure caught inside rolls back only the inner part", () => {
    const store = t.open(t.dir());
    store.transaction(() => {
      store.setMeta("outer", "1");
      try {
        store.transaction(() => {
          store.setMeta("inner", "1");
          throw new Error("inner");
        });
      } catch {
        // expected
      }
    });
    expect(store.getMeta("outer")).toBe("1");
    expect(store.getMeta("inner")).toBeUndefined();
  });

  it("refuses an async function", () => {
    const store = t.open(t.dir());
    expect(() => store.transaction(async () => 1)).toThrow(/synchronous/);
  });
});

describe("close", () => {
  it("is idempotent, and later calls fail with a non-retryable StoreError", () => {
    const store = t.open(t.dir());
    store.close();
    store.close();
    expect(store.isOpen).toBe(false);
    const err = thrown(() => store.listBudgets());
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retryable).toBe(false);
    expect((err as StoreError).message).toMatch(/list budgets failed.*closed/);
  });
});
