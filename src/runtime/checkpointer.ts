import type { BudgetTracker } from "../evaluate/index.js";
import type { Logger } from "../log/index.js";
import { isRetryableStoreError, type Store, type WindowRow } from "../store/index.js";

export interface CheckpointOptions {
  tracker: BudgetTracker;
  store: Store;
  logger: Logger;
  retention: { baseMs: number; minutesMs: number; hoursMs: number };
}

/**
 * Writes the windows changed since the last checkpoint and the alert states to SQLite, prunes
 * history past its retention. A failed write keeps its rows (newest version of each window) for
 * the next attempt, so a busy or full disk delays history but does not lose it while the
 * process lives; a crash loses at most one checkpoint interval.
 */
export class Checkpointer {
  private readonly pending = new Map<string, WindowRow>();
  failures = 0;
  lastCheckpointMs = 0;
  /** The last failure's message while checkpoints fail; undefined once one succeeds. */
  lastError: string | undefined;

  constructor(private readonly opts: CheckpointOptions) {}

  /** Loads history and alert states into the tracker (after its budgets are set). */
  restore(nowMs: number): { windows: number; alertStates: number } {
    const { store, tracker, retention } = this.opts;
    const rows = store.loadWindows({ sinceMs: nowMs - retention.hoursMs });
    // The store keeps `extra` as opaque JSON; the windows validate it on restore (sanitiseExtra).
    const windows = tracker.restore(rows.map((r) => ({ ...r, extra: r.extra as Record<string, number> | null })));
    const alertStates = tracker.restoreAlertStates(store.loadAlertStates());
    // Restored windows are clean; do not write them straight back.
    tracker.dirtyRows();
    return { windows, alertStates };
  }

  checkpoint(nowMs: number): boolean {
    const { store, tracker, logger, retention } = this.opts;
    for (const id of tracker.takeDroppedSeries()) {
      for (const key of [...this.pending.keys()]) if (key.startsWith(`${id}\u0000`)) this.pending.delete(key);
      try {
        store.deleteWindows(id);
      } catch (err) {
        logger.error({ err, budget: id }, "cannot delete the history of a changed budget");
      }
    }
    for (const r of tracker.dirtyRows()) this.pending.set(`${r.budgetId}\u0000${r.resolution}\u0000${r.startMs}`, r);
    try {
      store.transaction(() => {
        if (this.pending.size > 0) store.saveWindows([...this.pending.values()]);
        store.saveAlertStates(tracker.alertStates(), nowMs);
        store.pruneWindows("base", nowMs - retention.baseMs);
        store.pruneWindows("1m", nowMs - retention.minutesMs);
        store.pruneWindows("1h", nowMs - retention.hoursMs);
        store.setMeta("lastCheckpointMs", String(nowMs));
      });
      this.pending.clear();
      this.lastCheckpointMs = nowMs;
      this.lastError = undefined;
      return true;
    } catch (err) {
      this.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      logger.error({ err, pendingRows: this.pending.size, retrying: isRetryableStoreError(err) }, "checkpoint failed; the history is kept in memory and retried");
      return false;
    }
  }
}
