import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { isSqliteError, StoreError, wrapStoreError } from "./errors.js";
import { checkVersion, migrate } from "./migrations.js";
import type {
  AlertAppend,
  AlertQuery,
  AlertRow,
  BudgetSource,
  FileBudgetEntry,
  FileBudgetsResult,
  OutboxEntry,
  OutboxInput,
  Resolution,
  StoredBudget,
  StoreOpenOptions,
  WindowQuery,
  WindowRow,
} from "./types.js";

/** The database file inside the data directory. */
export const DEFAULT_FILE_NAME = "pbe.db";
/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** `last_error` of an outbox row is cut to this many characters. */
const MAX_ERROR_CHARS = 2000;
const MAX_INT64 = "9223372036854775807";

interface BudgetDbRow {
  id: string;
  definition: string;
  source: BudgetSource;
  created_at: number;
  updated_at: number;
}

interface WindowDbRow {
  budget_id: string;
  resolution: Resolution;
  start_ms: number;
  end_ms: number;
  digest: Buffer | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  extra: string | null;
}

interface AlertDbRow {
  seq: number;
  id: string;
  budget_id: string;
  service: string;
  state: "firing" | "resolved";
  at: number;
  event: string;
}

interface OutboxDbRow {
  seq: number;
  subject: string;
  msg_id: string;
  payload: Buffer;
  headers: string | null;
  created_at: number;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
}

/** JSON text of `value`; throws (a bug in the caller) for values JSON cannot represent. */
function toJson(value: unknown, what: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} is not JSON-serialisable (got ${typeof value})`);
  return text;
}

function fromJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${what} holds invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function nullableJson(value: unknown, what: string): string | null {
  return value === null || value === undefined ? null : toJson(value, what);
}

function assertInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

function assertId(value: string, name: string): void {
  if (typeof value !== "string" || value.length === 0) throw new RangeError(`${name} must be a non-empty string`);
}

/** A view on the same bytes as a plain Uint8Array (better-sqlite3 returns Buffers). */
function bytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** NaN is stored as NULL by SQLite; read NULL back as NaN so digest statistics round-trip. */
function num(v: number | null): number {
  return v === null ? NaN : v;
}

function toStoredBudget(r: BudgetDbRow): StoredBudget {
  return {
    id: r.id,
    definition: fromJson(r.definition, `definition of budget ${JSON.stringify(r.id)}`),
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toWindowRow(r: WindowDbRow): WindowRow {
  return {
    budgetId: r.budget_id,
    resolution: r.resolution,
    startMs: r.start_ms,
    endMs: r.end_ms,
    digest: r.digest === null ? null : bytes(r.digest),
    count: num(r.count),
    sum: num(r.sum),
    min: num(r.min),
    max: num(r.max),
    extra: r.extra === null ? null : fromJson(r.extra, `extra of window ${r.budget_id}/${r.resolution}/${r.start_ms}`),
  };
}

function toAlertRow(r: AlertDbRow): AlertRow {
  return {
    seq: r.seq,
    id: r.id,
    budgetId: r.budget_id,
    service: r.service,
    state: r.state,
    atMs: r.at,
    event: fromJson(r.event, `alert ${r.seq}`),
  };
}

function toOutboxEntry(r: OutboxDbRow): OutboxEntry {
  return {
    seq: r.seq,
    subject: r.subject,
    msgId: r.msg_id,
    payload: bytes(r.payload),
    headers: r.headers === null ? undefined : (fromJson(r.headers, `headers of outbox ${r.seq}`) as Record<string, string>),
    createdAtMs: r.created_at,
    attempts: r.attempts,
    lastError: r.last_error ?? undefined,
    nextAttemptAtMs: r.next_attempt_at,
  };
}

/** Applies the connection settings. WAL is a property of the file, the others of the connection. */
function configure(db: Database.Database, location: string, readonly: boolean): void {
  if (!db.memory) {
    // The first statement that reads the file: a file that is not a database fails here.
    const mode = String(db.pragma(readonly ? "journal_mode" : "journal_mode = WAL", { simple: true })).toLowerCase();
    if (!readonly && mode !== "wal") {
      throw new StoreError(`store: cannot switch ${location} to WAL journal mode (SQLite answered "${mode}")`, false, { operation: "open" });
    }
  }
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
}

/**
 * The engine's durable store: budget definitions, digest window history, alert state and
 * history, the NATS outbox and a small key/value table, in one SQLite file
 * (`<dataDir>/pbe.db`) through better-sqlite3. Every method is synchronous; statements are
 * prepared once and cached; every failure is a {@link StoreError} whose `retryable` flag says
 * whether to try again later (a lock held by another process, a full disk, an I/O error).
 *
 * Durability (WAL journal, `synchronous=NORMAL`): a method returns once its transaction is
 * committed, i.e. appended to the `-wal` file; the WAL is not fsynced at each commit, only when
 * SQLite checkpoints it into the database file (automatically, about every 1000 pages of WAL,
 * and when the last connection closes). Hence:
 * - a crash of the process (exception, `kill -9`, OOM kill) loses nothing that was committed:
 *   the committed WAL frames are in the operating system's cache and are recovered on the next
 *   open;
 * - a power failure or operating-system crash may roll back the transactions committed since
 *   the last WAL sync (at most those since the last checkpoint); the database stays consistent
 *   (never a half-applied transaction, never corruption from this setting), it just ends at an
 *   earlier commit.
 * The engine therefore treats history as checkpointed state (losing the last seconds of windows
 * on power loss is acceptable), and NATS de-duplication (`Nats-Msg-Id`) covers an outbox row
 * that was delivered but whose removal was lost.
 *
 * Times are Unix milliseconds passed in by the caller (`nowMs`): the store has no clock except
 * for `schema_migrations.applied_at`.
 */
export class Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** The database file's absolute path, or `:memory:`. */
  readonly location: string;
  readonly readonly: boolean;
  /** The schema version of the open database (always the newest this engine knows). */
  readonly schemaVersion: number;

  private constructor(db: Database.Database, location: string, readonly: boolean, schemaVersion: number) {
    this.db = db;
    this.location = location;
    this.readonly = readonly;
    this.schemaVersion = schemaVersion;
  }

  /**
   * Opens (creating the directory and the file if missing) `<dataDir>/<fileName>` and migrates
   * it to the newest schema. `readonly` opens an existing, already migrated database without
   * writing to it; every write then fails (not retryable). `busyTimeoutMs` (default 5000) is how
   * long a statement waits for another connection's lock before SQLITE_BUSY; tests shorten it.
   * Throws a StoreError naming the path when the file is not a database, cannot be opened, or
   * has a newer schema than this engine.
   */
  static open(dataDir: string, opts: StoreOpenOptions = {}): Store {
    const fileName = opts.fileName ?? DEFAULT_FILE_NAME;
    if (fileName === "" || fileName === ":memory:" || /[/\\]/.test(fileName)) {
      throw new StoreError(`store: invalid database file name ${JSON.stringify(fileName)}: a plain file name is required`, false, { operation: "open" });
    }
    const path = resolve(dataDir, fileName);
    const readonly = opts.readonly ?? false;
    const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new StoreError(`store: busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`, false, { operation: "open" });
    }
    if (!readonly) {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (err) {
        throw wrapStoreError(`create data directory ${dirname(path)}`, err);
      }
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
    } catch (err) {
      throw wrapStoreError(`open ${path}`, err);
    }
    try {
      configure(db, path, readonly);
      const version = readonly ? checkVersion(db, path) : migrate(db, path, (opts.now ?? Date.now)());
      return new Store(db, path, readonly, version);
    } catch (err) {
      db.close();
      throw wrapStoreError(`open ${path}`, err);
    }
  }

  /** A private in-memory database with the full schema, for tests of other modules. Nothing survives `close()`. */
  static memory(): Store {
    const db = new Database(":memory:");
    try {
      configure(db, ":memory:", false);
      return new Store(db, ":memory:", false, migrate(db, ":memory:", Date.now()));
    } catch (err) {
      db.close();
      throw wrapStoreError("open :memory:", err);
    }
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** The connection's settings as SQLite reports them (for health output and tests). */
  connectionSettings(): { journalMode: string; synchronous: "off" | "normal" | "full" | "extra"; foreignKeys: boolean; busyTimeoutMs: number } {
    return this.op("read connection settings", () => {
      const sync = Number(this.db.pragma("synchronous", { simple: true }));
      return {
        journalMode: String(this.db.pragma("journal_mode", { simple: true })),
        synchronous: (["off", "normal", "full", "extra"] as const)[sync] ?? "full",
        foreignKeys: Number(this.db.pragma("foreign_keys", { simple: true })) === 1,
        busyTimeoutMs: Number(this.db.pragma("busy_timeout", { simple: true })),
      };
    });
  }

  /** Closes the connection (SQLite checkpoints the WAL when the last connection closes). Idempotent. */
  close(): void {
    if (!this.db.open) return;
    this.statements.clear();
    try {
      this.db.close();
    } catch (err) {
      throw wrapStoreError(`close ${this.location}`, err);
    }
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken at the start, so the
   * transaction cannot fail half-way for lack of it): every store write inside commits together
   * or not at all. Nested calls, and the store's own multi-row methods inside, become savepoints.
   * `fn` must be synchronous: the transaction commits when it returns. An error thrown by `fn`
   * rolls back and is rethrown as is, unless it is a SQLite error, which becomes a StoreError.
   */
  transaction<T>(fn: () => T): T {
    if ((fn as { constructor?: { name?: string } }).constructor?.name === "AsyncFunction") {
      throw new TypeError("Store.transaction needs a synchronous function: an async one would commit before it finishes");
    }
    this.assertOpen("transaction");
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      if (err instanceof StoreError || !isSqliteError(err)) throw err;
      throw wrapStoreError("transaction", err);
    }
  }

  // ---- budgets ---------------------------------------------------------------------------

  /** Every budget, by id. */
  listBudgets(): StoredBudget[] {
    return this.op("list budgets", () =>
      (this.stmt("SELECT id, definition, source, created_at, updated_at FROM budgets ORDER BY id").all() as BudgetDbRow[]).map(toStoredBudget),
    );
  }

  getBudget(id: string): StoredBudget | undefined {
    return this.op(`get budget ${JSON.stringify(id)}`, () => {
      const r = this.stmt("SELECT id, definition, source, created_at, updated_at FROM budgets WHERE id = ?").get(id) as BudgetDbRow | undefined;
      return r === undefined ? undefined : toStoredBudget(r);
    });
  }

  /**
   * Inserts or replaces the definition of budget `id` (any JSON value; normally
   * `toDefinition(budget)`). On update `created_at` is kept and `source` becomes `source`: a
   * budget written through the API (`"api"`) is from then on never touched by file reloads.
   * Returns the stored budget.
   */
  upsertBudget(id: string, definition: unknown, source: BudgetSource, nowMs: number): StoredBudget {
    return this.op(`upsert budget ${JSON.stringify(id)}`, () => {
      assertId(id, "id");
      assertInteger(nowMs, "nowMs");
      const r = this.stmt(
        `INSERT INTO budgets (id, definition, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, source = excluded.source, updated_at = excluded.updated_at
         RETURNING id, definition, source, created_at, updated_at`,
      ).get(id, toJson(definition, "definition"), source, nowMs, nowMs) as BudgetDbRow;
      return toStoredBudget(r);
    });
  }

  /** Deletes budget `id`; false when there was none. Its windows and alert state are left: see deleteWindows, deleteAlertState. */
  deleteBudget(id: string): boolean {
    return this.op(`delete budget ${JSON.stringify(id)}`, () => this.stmt("DELETE FROM budgets WHERE id = ?").run(id).changes > 0);
  }

  /**
   * Makes the budgets loaded from `source` (a budgets file, `file:<path>`) exactly `entries`, in
   * one transaction:
   * - an entry whose id is not stored, or stored from a file, is inserted or updated (taking it
   *   over from another file if need be; `created_at` kept); `updated_at` moves only when the
   *   definition or source changed;
   * - an entry whose id is an API-defined budget is skipped: the API definition wins;
   * - a budget stored from `source` whose id is not in `entries` is deleted.
   * API-defined budgets are never modified or deleted. Duplicate ids in `entries` are refused.
   */
  replaceFileBudgets(source: `file:${string}`, entries: readonly FileBudgetEntry[], nowMs: number): FileBudgetsResult {
    return this.op(`replace budgets of ${source}`, () => {
      if (typeof source !== "string" || !source.startsWith("file:") || source.length <= 5) {
        throw new RangeError(`source must be "file:<path>", got ${JSON.stringify(source)}`);
      }
      assertInteger(nowMs, "nowMs");
      const ids = new Set<string>();
      for (const e of entries) {
        assertId(e.id, "entry id");
        if (ids.has(e.id)) throw new RangeError(`budget id ${JSON.stringify(e.id)} appears twice`);
        ids.add(e.id);
      }
      const result: FileBudgetsResult = { upserted: [], unchanged: [], deleted: [], skipped: [] };
      const write = () => {
        const get = this.stmt("SELECT source, definition FROM budgets WHERE id = ?");
        const upsert = this.stmt(
          `INSERT INTO budgets (id, definition, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, source = excluded.source, updated_at = excluded.updated_at`,
        );
        for (const e of entries) {
          const text = toJson(e.definition, `definition of ${JSON.stringify(e.id)}`);
          const existing = get.get(e.id) as { source: string; definition: string } | undefined;
          if (existing?.source === "api") {
            result.skipped.push(e.id);
          } else if (existing !== undefined && existing.source === source && existing.definition === text) {
            result.unchanged.push(e.id);
          } else {
            upsert.run(e.id, text, source, nowMs, nowMs);
            result.upserted.push(e.id);
          }
        }
        const del = this.stmt("DELETE FROM budgets WHERE id = ? AND source = ?");
        for (const id of this.stmt("SELECT id FROM budgets WHERE source = ? ORDER BY id").pluck().all(source) as string[]) {
          if (!ids.has(id)) {
            del.run(id, source);
            result.deleted.push(id);
          }
        }
      };
      this.db.transaction(write).immediate();
      return result;
    });
  }

  // ---- windows ---------------------------------------------------------------------------

  /**
   * Inserts or replaces windows (key: budget, resolution, start), all in one transaction; rows
   * for many budgets at once. The digest bytes are stored as given. NaN statistics (an empty
   * digest's min/max) are stored as NULL and read back as NaN; ±Infinity round-trips.
   */
  saveWindows(rows: readonly WindowRow[]): void {
    if (rows.length === 0) return;
    this.op(`save ${rows.length} windows`, () => {
      const put = this.stmt(
        `INSERT INTO windows (budget_id, resolution, start_ms, end_ms, digest, count, sum, min, max, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (budget_id, resolution, start_ms) DO UPDATE SET end_ms = excluded.end_ms, digest = excluded.digest,
           count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, extra = excluded.extra`,
      );
      this.db
        .transaction(() => {
          for (const w of rows) {
            assertId(w.budgetId, "budgetId");
            assertInteger(w.startMs, "startMs");
            assertInteger(w.endMs, "endMs");
            const digest = w.digest === null || w.digest === undefined ? null : Buffer.from(w.digest.buffer, w.digest.byteOffset, w.digest.byteLength);
            put.run(w.budgetId, w.resolution, w.startMs, w.endMs, digest, w.count, w.sum, w.min, w.max, nullableJson(w.extra, "extra"));
          }
        })
        .immediate();
    });
  }

  /**
   * Windows matching every given filter, ordered by budget id, resolution (text order:
   * `1h`, `1m`, `base`) and start. `sinceMs`/`untilMs` select windows whose start lies in
   * [sinceMs, untilMs).
   */
  loadWindows(opts: WindowQuery = {}): WindowRow[] {
    return this.op("load windows", () => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (opts.budgetId !== undefined) {
        where.push("budget_id = ?");
        params.push(opts.budgetId);
      }
      if (opts.resolution !== undefined) {
        where.push("resolution = ?");
        params.push(opts.resolution);
      }
      if (opts.sinceMs !== undefined) {
        where.push("start_ms >= ?");
        params.push(opts.sinceMs);
      }
      if (opts.untilMs !== undefined) {
        where.push("start_ms < ?");
        params.push(opts.untilMs);
      }
      const sql =
        "SELECT budget_id, resolution, start_ms, end_ms, digest, count, sum, min, max, extra FROM windows" +
        (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
        " ORDER BY budget_id, resolution, start_ms";
      return (this.stmt(sql).all(...params) as WindowDbRow[]).map(toWindowRow);
    });
  }

  /** Deletes the windows of `resolution` that ended at or before `beforeMs` (retention); returns how many. */
  pruneWindows(resolution: Resolution, beforeMs: number): number {
    return this.op(`prune ${resolution} windows`, () =>
      this.stmt("DELETE FROM windows WHERE resolution = ? AND start_ms <= ? AND end_ms <= ?").run(resolution, beforeMs, beforeMs).changes,
    );
  }

  /** Deletes every window of budget `budgetId`; returns how many. */
  deleteWindows(budgetId: string): number {
    return this.op(`delete windows of ${JSON.stringify(budgetId)}`, () => this.stmt("DELETE FROM windows WHERE budget_id = ?").run(budgetId).changes);
  }

  // ---- alert state -----------------------------------------------------------------------

  /** Stores the alert state machine's state (opaque JSON) of each budget, in one transaction. */
  saveAlertStates(entries: readonly { budgetId: string; state: unknown }[], nowMs: number): void {
    if (entries.length === 0) return;
    this.op(`save ${entries.length} alert states`, () => {
      assertInteger(nowMs, "nowMs");
      const put = this.stmt(
        `INSERT INTO alert_state (budget_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (budget_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      );
      this.db
        .transaction(() => {
          for (const e of entries) {
            assertId(e.budgetId, "budgetId");
            put.run(e.budgetId, toJson(e.state, `alert state of ${JSON.stringify(e.budgetId)}`), nowMs);
          }
        })
        .immediate();
    });
  }

  /** Every budget's stored alert state, keyed by budget id. */
  loadAlertStates(): Map<string, unknown> {
    return this.op("load alert states", () => {
      const out = new Map<string, unknown>();
      for (const r of this.stmt("SELECT budget_id, state FROM alert_state ORDER BY budget_id").all() as { budget_id: string; state: string }[]) {
        out.set(r.budget_id, fromJson(r.state, `alert state of ${JSON.stringify(r.budget_id)}`));
      }
      return out;
    });
  }

  deleteAlertState(budgetId: string): boolean {
    return this.op(`delete alert state of ${JSON.stringify(budgetId)}`, () => this.stmt("DELETE FROM alert_state WHERE budget_id = ?").run(budgetId).changes > 0);
  }

  // ---- alert history ---------------------------------------------------------------------

  /** Appends an alert event to the history; returns its sequence number (increasing, never reused). */
  appendAlert(alert: AlertAppend): number {
    return this.op(`append alert ${JSON.stringify(alert.id)}`, () => {
      assertId(alert.id, "id");
      assertId(alert.budgetId, "budgetId");
      assertInteger(alert.atMs, "atMs");
      const r = this.stmt("INSERT INTO alerts (id, budget_id, service, state, at, event) VALUES (?, ?, ?, ?, ?, ?)").run(
        alert.id,
        alert.budgetId,
        alert.service,
        alert.state,
        alert.atMs,
        toJson(alert.event, "event"),
      );
      return Number(r.lastInsertRowid);
    });
  }

  /** Alert events matching every given filter (`sinceMs`: at ≥ sinceMs), newest first (by time, then sequence); `limit` caps the count (default: all). */
  listAlerts(opts: AlertQuery = {}): AlertRow[] {
    return this.op("list alerts", () => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (opts.budgetId !== undefined) {
        where.push("budget_id = ?");
        params.push(opts.budgetId);
      }
      if (opts.service !== undefined) {
        where.push("service = ?");
        params.push(opts.service);
      }
      if (opts.sinceMs !== undefined) {
        where.push("at >= ?");
        params.push(opts.sinceMs);
      }
      if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit < 0)) {
        throw new RangeError(`limit must be a non-negative integer, got ${opts.limit}`);
      }
      params.push(opts.limit ?? -1);
      const sql =
        "SELECT seq, id, budget_id, service, state, at, event FROM alerts" +
        (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
        " ORDER BY at DESC, seq DESC LIMIT ?";
      return (this.stmt(sql).all(...params) as AlertDbRow[]).map(toAlertRow);
    });
  }

  /** Deletes alert events older than `beforeMs` (at < beforeMs); returns how many. */
  pruneAlerts(beforeMs: number): number {
    return this.op("prune alerts", () => this.stmt("DELETE FROM alerts WHERE at < ?").run(beforeMs).changes);
  }

  // ---- outbox ----------------------------------------------------------------------------

  /**
   * Queues a message for durable delivery. A msg id already queued is not queued again: the
   * existing row's seq is returned with `duplicate: true`. (Delivered rows are deleted, so a msg id
   * can be queued again after delivery; JetStream's `Nats-Msg-Id` de-duplication covers that.)
   * The row is due at once. A string payload is stored as its UTF-8 bytes.
   */
  enqueue(entry: OutboxInput, nowMs: number): { seq: number; duplicate: boolean } {
    return this.op(`enqueue ${JSON.stringify(entry.msgId)} on ${entry.subject}`, () => {
      assertId(entry.subject, "subject");
      assertId(entry.msgId, "msgId");
      assertInteger(nowMs, "nowMs");
      const payload = typeof entry.payload === "string" ? Buffer.from(entry.payload, "utf8") : Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength);
      const headers = entry.headers === undefined ? null : toJson(entry.headers, "headers");
      return this.db
        .transaction(() => {
          const r = this.stmt("INSERT INTO outbox (subject, msg_id, payload, headers, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (msg_id) DO NOTHING").run(
            entry.subject,
            entry.msgId,
            payload,
            headers,
            nowMs,
          );
          if (r.changes > 0) return { seq: Number(r.lastInsertRowid), duplicate: false };
          const seq = this.stmt("SELECT seq FROM outbox WHERE msg_id = ?").pluck().get(entry.msgId) as number;
          return { seq, duplicate: true };
        })
        .immediate();
    });
  }

  /**
   * Up to `limit` rows to deliver now, in seq (enqueue) order. Order is preserved: the result is
   * the run of rows before the first one that is not due yet (`next_attempt_at > nowMs`), so a
   * message waiting for its retry holds back the ones queued after it and a subscriber sees
   * alerts in the order they were raised. A message that can never be delivered must therefore
   * be removed by the caller (markDelivered) rather than retried for ever.
   */
  pending(limit: number, nowMs: number): OutboxEntry[] {
    return this.op("read pending outbox", () => {
      if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
      return (
        this.stmt(
          `SELECT seq, subject, msg_id, payload, headers, created_at, attempts, last_error, next_attempt_at FROM outbox
           WHERE seq < COALESCE((SELECT MIN(seq) FROM outbox WHERE next_attempt_at > ?), ${MAX_INT64})
           ORDER BY seq LIMIT ?`,
        ).all(nowMs, limit) as OutboxDbRow[]
      ).map(toOutboxEntry);
    });
  }

  /** Removes a delivered row; false when there was none. */
  markDelivered(seq: number): boolean {
    return this.op(`mark outbox ${seq} delivered`, () => this.stmt("DELETE FROM outbox WHERE seq = ?").run(seq).changes > 0);
  }

  /** Records a failed attempt (attempts + 1, the error, cut to 2000 characters) and when to try again; false when there is no such row. */
  markFailed(seq: number, error: string, retryAtMs: number): boolean {
    return this.op(`mark outbox ${seq} failed`, () => {
      assertInteger(retryAtMs, "retryAtMs");
      return (
        this.stmt("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?").run(
          String(error).slice(0, MAX_ERROR_CHARS),
          retryAtMs,
          seq,
        ).changes > 0
      );
    });
  }

  /** How many messages wait in the outbox (due or not). */
  outboxSize(): number {
    return this.op("count outbox", () => this.stmt("SELECT COUNT(*) FROM outbox").pluck().get() as number);
  }

  /** When (Unix ms) the oldest waiting message was queued; undefined when the outbox is empty. */
  oldestPendingMs(): number | undefined {
    return this.op("read oldest outbox entry", () => {
      const v = this.stmt("SELECT MIN(created_at) FROM outbox").pluck().get() as number | null;
      return v ?? undefined;
    });
  }

  // ---- meta ------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return this.op(`get meta ${JSON.stringify(key)}`, () => (this.stmt("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined) ?? undefined);
  }

  setMeta(key: string, value: string): void {
    this.op(`set meta ${JSON.stringify(key)}`, () => {
      assertId(key, "key");
      if (typeof value !== "string") throw new TypeError(`meta value must be a string, got ${typeof value}`);
      this.stmt("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private assertOpen(operation: string): void {
    if (!this.db.open) throw new StoreError(`store: ${operation} failed: the store ${this.location} is closed`, false, { operation });
  }

  /** Runs one store operation, turning whatever it throws into a StoreError that names it. */
  private op<T>(operation: string, fn: () => T): T {
    this.assertOpen(operation);
    try {
      return fn();
    } catch (err) {
      throw wrapStoreError(operation, err);
    }
  }
}
