import type { AlertEvent, BudgetTracker, Evaluation } from "../evaluate/index.js";
import type { Engine } from "../engine/index.js";
import type { Logger } from "../log/index.js";
import { isRetryableStoreError, type Store } from "../store/index.js";

/** Where decided alerts go besides the store (NATS through its outbox, logs…). Must not throw. */
export interface AlertSink {
  publish(event: AlertEvent, nowMs: number): unknown;
}

/** Who wants every evaluation (NATS `pbe.eval.*`, derived metrics…). Must not throw. */
export type EvaluationListener = (evaluations: readonly Evaluation[], nowMs: number) => void;

export interface EvaluationLoopOptions {
  engine: Engine;
  tracker: BudgetTracker;
  store: Store;
  logger: Logger;
  alertSinks: AlertSink[];
  listeners: EvaluationListener[];
}

export interface EvaluationStats {
  evaluations: number;
  alertsFired: number;
  alertsResolved: number;
  lastDurationMs: number;
  storeFailures: number;
}

/**
 * One evaluation tick: evaluate every budget, then record what was decided. A decided alert is
 * durable before anyone hears of it: its event, the new alert state and its NATS outbox row are
 * written in one SQLite transaction, so a crash right after loses no alert and re-fires none.
 * If the store refuses (busy, disk full), the alerts are kept in memory and written at the next
 * tick; sinks and listeners are told in any case.
 */
export class EvaluationLoop {
  readonly stats: EvaluationStats = { evaluations: 0, alertsFired: 0, alertsResolved: 0, lastDurationMs: 0, storeFailures: 0 };
  private unsaved: AlertEvent[] = [];
  /** The last store failure's message while alerts wait to be recorded. */
  lastStoreError: string | undefined;

  constructor(private readonly opts: EvaluationLoopOptions) {}

  /** Alert events decided but not yet recorded (the store refused; retried at the next tick). */
  get unrecordedAlerts(): number {
    return this.unsaved.length;
  }

  tick(nowMs: number): Evaluation[] {
    const started = performance.now();
    const { tracker, engine, logger } = this.opts;
    const result = tracker.evaluate(nowMs);
    for (const key of result.pin) engine.ring.pin(key);
    for (const a of result.alerts) {
      if (a.state === "firing") this.stats.alertsFired++;
      else this.stats.alertsResolved++;
      logger.warn({ alert: a }, `alert ${a.state}: ${a.summary}`);
    }
    this.unsaved.push(...result.alerts);
    this.persist(nowMs);
    for (const l of this.opts.listeners) {
      try {
        l(result.evaluations, nowMs);
      } catch (err) {
        logger.error({ err }, "an evaluation listener failed");
      }
    }
    this.stats.evaluations++;
    this.stats.lastDurationMs = performance.now() - started;
    return result.evaluations;
  }

  private persist(nowMs: number): void {
    if (this.unsaved.length === 0) return;
    const { store, tracker, alertSinks, logger } = this.opts;
    const events = this.unsaved;
    try {
      store.transaction(() => {
        for (const e of events) {
          store.appendAlert({ id: e.id, budgetId: e.budgetId, service: e.service, state: e.state, atMs: Date.parse(e.at), event: e });
        }
        store.saveAlertStates(tracker.alertStates(), nowMs);
        for (const e of events) for (const s of alertSinks) s.publish(e, nowMs);
      });
      this.unsaved = [];
      this.lastStoreError = undefined;
    } catch (err) {
      this.stats.storeFailures++;
      this.lastStoreError = err instanceof Error ? err.message : String(err);
      if (!isRetryableStoreError(err)) {
        logger.error({ err, alerts: events.length }, "cannot record alerts; they are dropped");
        this.unsaved = [];
        return;
      }
      logger.error({ err, alerts: events.length }, "cannot record alerts now; retrying at the next evaluation");
    }
  }
}
