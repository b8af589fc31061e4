/**
 * The engine's durable store (an edge): budget definitions, digest window history, alert state
 * and history, the NATS outbox and meta values in one SQLite file, synchronous, through
 * better-sqlite3. See {@link Store} for what is durable when.
 */
export { Store, DEFAULT_FILE_NAME, DEFAULT_BUSY_TIMEOUT_MS } from "./store.js";
export { StoreError, isRetryableStoreError, isRetryableSqliteCode, wrapStoreError } from "./errors.js";
export { SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
export {
  RESOLUTIONS,
  type Resolution,
  type BudgetSource,
  type StoredBudget,
  type FileBudgetEntry,
  type FileBudgetsResult,
  type WindowRow,
  type WindowQuery,
  type AlertEventState,
  type AlertAppend,
  type AlertRow,
  type AlertQuery,
  type OutboxInput,
  type OutboxEntry,
  type StoreOpenOptions,
} from "./types.js";
