// Error mapping: every failure is a StoreError saying what failed and why; retryable only for
// locks, a full disk and I/O errors.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PbeError } from "../../../src/errors/index.js";
import { isRetryableSqliteCode, isRetryableStoreError, Store, StoreError, wrapStoreError } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();

/** A stand-in for better-sqlite3's SqliteError, for codes that are hard to provoke. */
function fakeSqliteError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { name: "SqliteError", code });
}

describe("wrapStoreError", () => {
  it.each([
    ["SQLITE_FULL", "database or disk is full", true],
    ["SQLITE_IOERR", "disk I/O error", true],
    ["SQLITE_IOERR_WRITE", "disk I/O error", true],
    ["SQLITE_IOERR_FSYNC", "disk I/O error", true],
    ["SQLITE_BUSY", "database is locked", true],
    ["SQLITE_BUSY_SNAPSHOT", "database is locked", true],
    ["SQLITE_LOCKED", "database table is locked", true],
    ["SQLITE_LOCKED_SHAREDCACHE", "database table is locked", true],
    ["SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed", false],
    ["SQLITE_READONLY", "attempt to write a readonly database", false],
    ["SQLITE_CORRUPT", "database disk image is malformed", false],
    ["SQLITE_NOTADB", "file is not a database", false],
    ["SQLITE_ERROR", "no such table: x", false],
  ])("%s → retryable %s", (code, message, retryable) => {
    const cause = fakeSqliteError(code, message);
    const err = wrapStoreError("save windows", cause);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toBeInstanceOf(PbeError);
    expect(err.code).toBe("store_failed");
    expect(err.retryable).toBe(retryable);
    expect(err.sqliteCode).toBe(code);
    expect(err.operation).toBe("save windows");
    expect(err.message).toBe(`store: save windows failed: ${message} (${code})`);
    expect(err.cause).toBe(cause);
    expect(isRetryableStoreError(err)).toBe(retryable);
    expect(isRetryableSqliteCode(code)).toBe(retryable);
  });

  it("maps a real SqliteError from better-sqlite3", () => {
    const cause = new Database.SqliteError("database or disk is full", "SQLITE_FULL");
    const err = wrapStoreError("enqueue", cause);
    expect(err.retryable).toBe(true);
    expect(err.sqliteCode).toBe("SQLITE_FULL");
  });

  it("passes a StoreError through and classifies other errors", () => {
    const inner = new StoreError("store: x failed", true);
    expect(wrapStoreError("outer", inner)).toBe(inner);
    const plain = wrapStoreError("upsert budget", new TypeError("Do not know how to serialize a BigInt"));
    expect(plain.retryable).toBe(false);
    expect(plain.sqliteCode).toBeUndefined();
    expect(plain.message).toBe("store: upsert budget failed: Do not know how to serialize a BigInt");
    const enospc = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    expect(wrapStoreError("create data directory /d", enospc).retryable).toBe(true);
    const eacces = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    expect(wrapStoreError("create data directory /d", eacces).retryable).toBe(false);
    expect(wrapStoreError("op", "a string").message).toBe("store: op failed: a string");
  });
});

describe("isRetryableStoreError", () => {
  it("looks at StoreErrors, also in the cause chain", () => {
    const retryable = new StoreError("busy", true);
    expect(isRetryableStoreError(retryable)).toBe(true);
    expect(isRetryableStoreError(new StoreError("bad", false))).toBe(false);
    expect(isRetryableStoreError(new Error("checkpoint failed", { cause: retryable }))).toBe(true);
    expect(isRetryableStoreError(fakeSqliteError("SQLITE_BUSY", "locked"))).toBe(false);
    expect(isRetryableStoreError(undefined)).toBe(false);
    expect(isRetryableStoreError("busy")).toBe(false);
  });
});

describe("errors from a real database", () => {
  it("a file that is not a database: StoreError naming the path", () => {
    const dir = t.dir();
    const path = join(dir, "pbe.db");
    writeFileSync(path, "this is not a database, it is a text file that is long enough to have a header\n".repeat(20));
    const err = thrown(() => t.open(dir));
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.message).toContain(path);
    expect(e.message).toContain("file is not a database");
    expect(e.sqliteCode).toBe("SQLITE_NOTADB");
    expect(e.retryable).toBe(false);
    expect(e.cause).toBeInstanceOf(Database.SqliteError);
  });

  it("a data directory that cannot be created: StoreError naming it", () => {
    const dir = t.dir();
    writeFileSync(join(dir, "file"), "x");
    const err = thrown(() => t.open(join(dir, "file", "sub")));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(join(dir, "file", "sub"));
  });

  it("a read-only open of a missing file: StoreError naming the path", () => {
    const dir = t.dir();
    const err = thrown(() => t.open(dir, { readonly: true }));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(join(dir, "pbe.db"));
    expect((err as StoreError).sqliteCode).toBe("SQLITE_CANTOPEN");
  });

  it("a read-only store reads, and refuses writes with a non-retryable StoreError", () => {
    const dir = t.dir();
    const rw = t.open(dir);
    rw.upsertBudget("b", { id: "b" }, "api", 1);
    rw.close();
    const ro = t.open(dir, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(ro.getBudget("b")?.id).toBe("b");
    for (const write of [() => ro.upsertBudget("c", {}, "api", 2), () => ro.enqueue({ subject: "s", msgId: "m", payload: "p" }, 2), () => ro.setMeta("k", "v")]) {
      const err = thrown(write);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).sqliteCode).toMatch(/^SQLITE_READONLY/);
      expect((err as StoreError).retryable).toBe(false);
      expect((err as StoreError).message).toContain("attempt to write a readonly database");
    }
    expect(ro.listBudgets().map((b) => b.id)).toEqual(["b"]);
  });

  it("a write lock held by another connection: SQLITE_BUSY after the busy timeout, retryable, then success", () => {
    const dir = t.dir();
    const store = t.open(dir, { busyTimeoutMs: 100 });
    const other = t.raw(join(dir, "pbe.db"), { timeout: 0 });
    other.exec("BEGIN EXCLUSIVE");
    other.prepare("INSERT INTO meta (key, value) VALUES ('held', 'yes')").run();

    const started = performance.now();
    const err = thrown(() => store.upsertBudget("b", { id: "b" }, "api", 1));
    const waitedMs = performance.now() - started;
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.sqliteCode).toBe("SQLITE_BUSY");
    expect(e.retryable).toBe(true);
    expect(isRetryableStoreError(e)).toBe(true);
    expect(e.message).toMatch(/upsert budget "b" failed: database is locked/);
    expect(waitedMs).toBeGreaterThanOrEqual(80);
    expect(waitedMs).toBeLessThan(4000);
    // Reads still work in WAL mode while the writer holds its lock.
    expect(store.getBudget("b")).toBeUndefined();
    // Multi-row writes fail the same way, and atomically.
    expect(isRetryableStoreError(thrown(() => store.saveAlertStates([{ budgetId: "x", state: 1 }], 1)))).toBe(true);

    other.exec("COMMIT");
    expect(store.upsertBudget("b", { id: "b" }, "api", 2).createdAt).toBe(2);
    expect(store.getMeta("held")).toBe("yes");
    expect(store.loadAlertStates().size).toBe(0);
  });

  it("opening while another connection holds the write lock fails retryably, and succeeds later", () => {
    const dir = t.dir();
    t.open(dir).close();
    const other = t.raw(join(dir, "pbe.db"), { timeout: 0 });
    other.exec("BEGIN IMMEDIATE");
    const err = thrown(() => t.open(dir, { busyTimeoutMs: 20 }));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).retryable).toBe(true);
    expect((err as StoreError).message).toContain(join(dir, "pbe.db"));
    other.exec("ROLLBACK");
    expect(t.open(dir, { busyTimeoutMs: 20 }).schemaVersion).toBeGreaterThan(0);
  });

  it("Store.memory keeps its journal in memory (no WAL file)", () => {
    const a = Store.memory();
    try {
      expect(a.connectionSettings().journalMode).toBe("memory");
    } finally {
      a.close();
    }
  });
});
