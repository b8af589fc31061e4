/**
 * Store failures. Every error that leaves the store is a {@link StoreError} (code
 * `store_failed`) whose message says which operation failed and why, with the original error as
 * `cause`. `retryable` says whether trying the same operation again later may succeed: the
 * engine logs and retries those and must never crash on them.
 */
import { PbeError } from "../errors/index.js";

/** A store operation failed. `sqliteCode` is SQLite's (extended) result code when SQLite reported it. */
export class StoreError extends PbeError {
  readonly retryable: boolean;
  readonly operation: string;
  readonly sqliteCode: string | undefined;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown; operation?: string; sqliteCode?: string }) {
    super("store_failed", message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = retryable;
    this.operation = options?.operation ?? "";
    this.sqliteCode = options?.sqliteCode;
  }
}

/** The shape of better-sqlite3's `SqliteError` that matters here; matched structurally so fakes work in tests. */
interface SqliteErrorLike {
  message: string;
  code: string;
}

/** True for an error carrying a SQLite result code (`SQLITE_…`), such as better-sqlite3's `SqliteError`. */
export function isSqliteError(err: unknown): err is SqliteErrorLike {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { code?: unknown }).code === "string" &&
    (err as { code: string }).code.startsWith("SQLITE_") &&
    typeof (err as { message?: unknown }).message === "string"
  );
}

/**
 * Whether a SQLite result code is transient: another connection holds a lock (`SQLITE_BUSY*`,
 * `SQLITE_LOCKED*`), the disk is full (`SQLITE_FULL`), or the operating system reported an I/O
 * error (`SQLITE_IOERR*`). Everything else (constraint violations, a read-only or corrupt
 * database, not a database, misuse) fails the same way again.
 */
export function isRetryableSqliteCode(code: string): boolean {
  return (
    code === "SQLITE_FULL" ||
    code === "SQLITE_BUSY" ||
    code.startsWith("SQLITE_BUSY_") ||
    code === "SQLITE_LOCKED" ||
    code.startsWith("SQLITE_LOCKED_") ||
    code === "SQLITE_IOERR" ||
    code.startsWith("SQLITE_IOERR_")
  );
}

/** Node file-system error codes (creating the data directory) that may clear up by themselves. */
const TRANSIENT_ERRNO = new Set(["ENOSPC", "EIO", "EAGAIN", "EBUSY", "EMFILE", "ENFILE"]);

/**
 * Wraps an error thrown while doing `operation` (e.g. `save windows`) into a StoreError.
 * A StoreError passes through unchanged (nested operations); a SQLite error is classified by its
 * code; a Node file-system error is retryable for a full disk, an I/O error or too many open
 * files; anything else (a value that is not JSON-serialisable, a closed connection) is not.
 */
export function wrapStoreError(operation: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (isSqliteError(err)) {
    return new StoreError(`store: ${operation} failed: ${err.message} (${err.code})`, isRetryableSqliteCode(err.code), {
      cause: err,
      operation,
      sqliteCode: err.code,
    });
  }
  const reason = err instanceof Error ? err.message : String(err);
  const errno = typeof (err as { code?: unknown } | null)?.code === "string" ? (err as { code: string }).code : undefined;
  return new StoreError(`store: ${operation} failed: ${reason}`, errno !== undefined && TRANSIENT_ERRNO.has(errno), { cause: err, operation });
}

/**
 * True when `err`, or an error in its `cause` chain, is a retryable StoreError: the caller
 * should log it and try again later rather than give up (or crash).
 */
export function isRetryableStoreError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e !== null && e !== undefined; depth++) {
    if (e instanceof StoreError) return e.retryable;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}
