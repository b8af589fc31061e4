/** The shapes the store reads and writes. Times are Unix milliseconds. */

/** Window resolutions: the evaluation window (`base`, 10 s by default) and its 1-minute and 1-hour roll-ups. */
export type Resolution = "base" | "1m" | "1h";
export const RESOLUTIONS: readonly Resolution[] = ["base", "1m", "1h"];

/** Where a budget definition came from: the API (and MCP), or a budgets file (`file:<path>`). */
export type BudgetSource = "api" | `file:${string}`;

export interface StoredBudget {
  id: string;
  /** The definition as stored (parsed JSON); callers validate it again with `parseBudget`. */
  definition: unknown;
  source: BudgetSource;
  /** Unix ms of the first insert; kept by updates. */
  createdAt: number;
  /** Unix ms of the last change. */
  updatedAt: number;
}

export interface FileBudgetEntry {
  id: string;
  definition: unknown;
}

/** What `replaceFileBudgets` did, by budget id. */
export interface FileBudgetsResult {
  /** Inserted, or updated because the definition or source changed. */
  upserted: string[];
  /** Already stored from this source with the same definition. */
  unchanged: string[];
  /** Previously loaded from this source and no longer in it. */
  deleted: string[];
  /** In the file, but defined through the API, which wins: left untouched. */
  skipped: string[];
}

/** One digest window of one budget. */
export interface WindowRow {
  budgetId: string;
  resolution: Resolution;
  startMs: number;
  endMs: number;
  /** The encoded t-digest, stored byte for byte; null when the window has none. */
  digest: Uint8Array | null;
  count: number;
  sum: number;
  /** NaN (an empty digest) round-trips. */
  min: number;
  max: number;
  /** Further per-window counters (JSON); null when none. */
  extra: unknown | null;
}

export interface WindowQuery {
  budgetId?: string;
  resolution?: Resolution;
  /** Windows that start at or after this time. */
  sinceMs?: number;
  /** Windows that start before this time. */
  untilMs?: number;
}

export type AlertEventState = "firing" | "resolved";

export interface AlertAppend {
  /** The incident id: the same for every event of one incident. */
  id: string;
  budgetId: string;
  service: string;
  state: AlertEventState;
  atMs: number;
  /** The alert event as published (JSON). */
  event: unknown;
}

export interface AlertRow extends AlertAppend {
  /** Order of appending; never reused. */
  seq: number;
}

export interface AlertQuery {
  budgetId?: string;
  service?: string;
  /** Events at or after this time. */
  sinceMs?: number;
  /** At most this many (the newest); default all. */
  limit?: number;
}

export interface OutboxInput {
  subject: string;
  /** The `Nats-Msg-Id`: unique among waiting messages. */
  msgId: string;
  payload: Uint8Array | string;
  headers?: Record<string, string>;
}

export interface OutboxEntry {
  seq: number;
  subject: string;
  msgId: string;
  payload: Uint8Array;
  headers: Record<string, string> | undefined;
  createdAtMs: number;
  /** Failed attempts so far. */
  attempts: number;
  lastError: string | undefined;
  /** Not delivered before this time (0: at once). */
  nextAttemptAtMs: number;
}

export interface StoreOpenOptions {
  /** The database file inside the data directory; default `pbe.db`. */
  fileName?: string;
  /** Open an existing, migrated database without writing to it. */
  readonly?: boolean;
  /** How long to wait for another connection's lock before SQLITE_BUSY; default 5000. Tests shorten it. */
  busyTimeoutMs?: number;
  /** Clock for `schema_migrations.applied_at`; default `Date.now`. */
  now?: () => number;
}
