// Versioned schema migrations: fresh databases, reopening, older and newer databases.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, SCHEMA_VERSION, StoreError } from "../../../src/store/index.js";
import { migrate, type Migration } from "../../../src/store/migrations.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();
const TABLES = ["alert_state", "alerts", "budgets", "meta", "outbox", "schema_migrations", "windows"];

function tables(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
}

describe("migrations", () => {
  it("numbers migrations 1..N and SCHEMA_VERSION is the last", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
  });

  it("gives a fresh database the latest version, every table and the indexes", () => {
    const dir = t.dir();
    const store = t.open(dir, { now: () => 1234 });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    const raw = t.raw(join(dir, "pbe.db"));
    expect(tables(raw)).toEqual(TABLES);
    expect(raw.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version").all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1234 })),
    );
    const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(indexes).toEqual(expect.arrayContaining(["alerts_by_budget", "alerts_by_id"]));
  });

  it("does not re-run migrations on reopen", () => {
    const dir = t.dir();
    const a = t.open(dir, { now: () => 1000 });
    a.upsertBudget("b", { id: "b" }, "api", 1);
    a.close();
    const b = t.open(dir, { now: () => 2000 }); // a re-run of migration 1 would fail (tables exist) or record 2000
    expect(b.getBudget("b")?.id).toBe("b");
    b.close();
    const raw = t.raw(join(dir, "pbe.db"));
    expect(raw.prepare("SELECT COUNT(*) AS n, MAX(applied_at) AS at FROM schema_migrations").get()).toEqual({ n: SCHEMA_VERSION, at: 1000 });
  });

  it("migrates an older database step by step and keeps its data", () => {
    const dir = t.dir();
    const path = join(dir, "x.db");
    const m1: Migration = { version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);" };
    const m2: Migration = { version: 2, name: "two", sql: "ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z TEXT);" };
    const db = t.raw(path);
    expect(migrate(db, path, 1, [m1])).toBe(1);
    db.prepare("INSERT INTO a (x) VALUES (7)").run();
    expect(migrate(db, path, 2, [m1, m2])).toBe(2);
    expect(db.prepare("SELECT x, y FROM a").all()).toEqual([{ x: 7, y: null }]);
    expect(tables(db)).toContain("b");
    expect(db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all()).toEqual([
      { version: 1, name: "one", applied_at: 1 },
      { version: 2, name: "two", applied_at: 2 },
    ]);
  });

  it("rolls back a failing migration entirely and names it", () => {
    const dir = t.dir();
    const path = join(dir, "x.db");
    const m1: Migration = { version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);" };
    const bad: Migration = { version: 2, name: "broken", sql: "CREATE TABLE half (x); INSERT INTO missing VALUES (1);" };
    const db = t.raw(path);
    migrate(db, path, 1, [m1]);
    const err = thrown(() => migrate(db, path, 2, [m1, bad]));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain("apply migration 2 (broken)");
    expect((err as StoreError).message).toContain(path);
    expect((err as StoreError).message).toContain("no such table: missing");
    expect(tables(db)).not.toContain("half");
    expect(db.prepare("SELECT MAX(version) FROM schema_migrations").pluck().get()).toBe(1);
  });

  it("refuses a migration list with gaps", () => {
    const db = t.raw(":memory:");
    expect(() => migrate(db, ":memory:", 1, [{ version: 2, name: "x", sql: "" }])).toThrow(/expected 1/);
  });

  it("refuses a database from a newer version without modifying it", () => {
    const dir = t.dir();
    t.open(dir).close();
    const path = join(dir, "pbe.db");
    const raw = t.raw(path);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)").run(SCHEMA_VERSION + 1);
    raw.close();
    const before = readFileSync(path);
    const err = thrown(() => t.open(dir));
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.retryable).toBe(false);
    expect(e.message).toContain(path);
    expect(e.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(e.message).toContain(`up to version ${SCHEMA_VERSION}`);
    expect(e.message).toMatch(/newer engine/);
    expect(readFileSync(path).equals(before)).toBe(true);
    // Read-only is refused the same way.
    expect(() => t.open(dir, { readonly: true })).toThrow(/newer engine/);
  });

  it("refuses to open an older database read-only (it cannot be migrated)", () => {
    const dir = t.dir();
    const path = join(dir, "pbe.db");
    const raw = t.raw(path);
    raw.exec("CREATE TABLE unrelated (x)");
    raw.close();
    const copy = join(dir, "copy.db");
    copyFileSync(path, copy);
    const err = thrown(() => t.open(dir, { readonly: true }));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(/schema version 0, older .*open it read-write once/);
    // Read-write migrates it, keeping what was there.
    const store = t.open(dir, { fileName: "copy.db" });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    expect(tables(t.raw(copy))).toEqual([...TABLES, "unrelated"].sort());
  });
});
