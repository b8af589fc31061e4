/**
 * Versioned schema migrations. Migration N is one SQL script; the versions applied are rows of
 * `schema_migrations`. Opening a database applies, in order, every migration above its current
 * version, each in its own IMMEDIATE transaction together with its `schema_migrations` row, so a
 * failed migration leaves the database at the previous version and two processes opening the
 * same file at once cannot both apply one. A database whose version is above the newest known
 * one was written by a newer engine and is refused, never modified.
 *
 * Rules for new migrations: append, never edit or renumber a released one; keep each script
 * runnable inside a transaction (no VACUUM, no `PRAGMA journal_mode`).
 */
import type Database from "better-sqlite3";
import { StoreError, wrapStoreError } from "./errors.js";

export interface Migration {
  /** 1, 2, 3, … without gaps. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE budgets (
  id          TEXT PRIMARY KEY NOT NULL,
  definition  TEXT NOT NULL,
  source      TEXT NOT NULL CHECK (source = 'api' OR (source LIKE 'file:%' AND length(source) > 5)),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX budgets_by_source ON budgets (source);

CREATE TABLE windows (
  budget_id   TEXT NOT NULL,
  resolution  TEXT NOT NULL CHECK (resolution IN ('base', '1m', '1h')),
  start_ms    INTEGER NOT NULL,
  end_ms      INTEGER NOT NULL CHECK (end_ms >= start_ms),
  digest      BLOB,
  count       REAL,
  sum         REAL,
  min         REAL,
  max         REAL,
  extra       TEXT,
  PRIMARY KEY (budget_id, resolution, start_ms)
) WITHOUT ROWID;
CREATE INDEX windows_by_time ON windows (resolution, start_ms);

CREATE TABLE alert_state (
  budget_id   TEXT PRIMARY KEY NOT NULL,
  state       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE alerts (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL,
  budget_id   TEXT NOT NULL,
  service     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
  at          INTEGER NOT NULL,
  event       TEXT NOT NULL
);
CREATE INDEX alerts_by_budget ON alerts (budget_id, at);
CREATE INDEX alerts_by_id ON alerts (id);
CREATE INDEX alerts_by_service ON alerts (service, at);
CREATE INDEX alerts_by_at ON alerts (at);

CREATE TABLE outbox (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  subject          TEXT NOT NULL,
  msg_id           TEXT NOT NULL UNIQUE,
  payload          BLOB NOT NULL,
  headers          TEXT,
  created_at       INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  next_attempt_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_by_next_attempt ON outbox (next_attempt_at);

CREATE TABLE meta (
  key    TEXT PRIMARY KEY NOT NULL,
  value  TEXT NOT NULL
);
`,
  },
];

/** The schema version this engine writes: the newest migration. */
export const SCHEMA_VERSION = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  applied_at  INTEGER NOT NULL
)`;

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}

/** The highest version recorded in `schema_migrations`, 0 when the table is absent or empty. */
export function currentVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

function tooNew(location: string, found: number, supported: number): StoreError {
  return new StoreError(
    `store: database ${location} has schema version ${found}, but this engine supports up to version ${supported}; ` +
      `it was written by a newer engine: upgrade the engine or use another data directory`,
    false,
    { operation: "migrate" },
  );
}

/**
 * Brings `db` to the newest version of `migrations` and returns that version. `location` names the
 * database in messages; `nowMs` is recorded as `applied_at`. Throws a StoreError when the
 * database is newer than `migrations` or a migration fails (that migration is rolled back).
 */
export function migrate(db: Database.Database, location: string, nowMs: number, migrations: readonly Migration[] = MIGRATIONS): number {
  checkMigrations(migrations);
  const latest = migrations.length;
  try {
    db.transaction(() => db.exec(CREATE_MIGRATIONS_TABLE)).immediate();
  } catch (err) {
    throw wrapStoreError(`migrate ${location} (create schema_migrations)`, err);
  }
  for (;;) {
    // Filled inside the transaction; an object so the catch block still sees what was attempted.
    const step: { version: number; applied?: Migration } = { version: 0 };
    try {
      // Read and apply under one write lock, so a concurrent opener sees either none or all of it.
      db.transaction(() => {
        step.version = currentVersion(db);
        if (step.version >= latest) return;
        const m = migrations[step.version]!;
        step.applied = m;
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, nowMs);
      }).immediate();
    } catch (err) {
      const what = step.applied === undefined ? "read schema version" : `apply migration ${step.applied.version} (${step.applied.name})`;
      throw wrapStoreError(`migrate ${location}: ${what}`, err);
    }
    if (step.version > latest) throw tooNew(location, step.version, latest);
    if (step.applied === undefined) return latest;
  }
}

/**
 * Checks, without writing, that a database opened read-only is exactly at the newest version.
 * An older one cannot be migrated read-only; a newer one is refused as in {@link migrate}.
 */
export function checkVersion(db: Database.Database, location: string, migrations: readonly Migration[] = MIGRATIONS): number {
  checkMigrations(migrations);
  let version: number;
  try {
    version = currentVersion(db);
  } catch (err) {
    throw wrapStoreError(`read schema version of ${location}`, err);
  }
  const latest = migrations.length;
  if (version > latest) throw tooNew(location, version, latest);
  if (version < latest) {
    throw new StoreError(
      `store: database ${location} has schema version ${version}, older than this engine's ${latest}; ` +
        `it cannot be migrated when opened read-only: open it read-write once`,
      false,
      { operation: "check schema version" },
    );
  }
  return version;
}
