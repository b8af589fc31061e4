/**
 * Ordered delivery of the durable outbox: the logic of one delivery pass, independent of NATS
 * (the sender is a function), so it is tested with a fake clock and a fake sender.
 */
import {
  InvalidArgumentError,
  InvalidSubjectError,
  PermissionViolationError,
  RequestError,
} from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";
import { SinkError } from "../errors/index.js";
import type { Store, OutboxEntry } from "../store/index.js";

/** The outbox operations delivery needs (the SQLite {@link Store} has them). */
export type OutboxStore = Pick<Store, "enqueue" | "pending" | "markDelivered" | "markFailed" | "outboxSize" | "oldestPendingMs">;

/** Sends one outbox row; resolves when the receiver acknowledged it (`duplicate`: it already had this msg id). */
export type SendFn = (entry: OutboxEntry) => Promise<{ duplicate: boolean }>;

/**
 * Retry schedule. After the n-th failed attempt of a row, it waits
 * `min(maxMs, initialMs · 2^(n−1))` before it is due again. A row whose attempts fail with a
 * *permanent* error (see {@link classifyPublishError}) is dropped once it has failed
 * `maxAttempts` times; transient errors never drop a row.
 */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** 0.5 s, 1 s, 2 s, … capped at 30 s; a permanently refused alert is dropped after 8 attempts (about a minute). */
export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 8 };

/** Delay before the next attempt after `attempts` failed ones (attempts ≥ 1). */
export function retryDelayMs(attempts: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  const n = Math.max(1, Math.min(attempts, 40));
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (n - 1));
}

/**
 * - `permanent`: this message will be refused again however often it is sent: the client refuses
 *   it (payload above the server's `max_payload`, an invalid subject), the server denies publish
 *   permission on its subject, or JetStream answers with a 4xx API error (e.g. message too large
 *   for the stream). Such a row is dropped after `maxAttempts`, so it cannot block the outbox.
 * - `transient`: anything else: a timeout, no responders (no stream on the subject, JetStream
 *   unavailable), a closed or draining connection, a 5xx API error. Not specific to the row, so
 *   the row waits (in order) however long it takes.
 */
export type FailureKind = "transient" | "permanent";

export function classifyPublishError(err: unknown): FailureKind {
  if (err instanceof SinkError) return err.retryable ? "transient" : "permanent";
  if (err instanceof InvalidArgumentError || err instanceof InvalidSubjectError || err instanceof PermissionViolationError) return "permanent";
  if (err instanceof JetStreamApiError) {
    const status = err.status;
    return status >= 400 && status < 500 && status !== 408 && status !== 429 ? "permanent" : "transient";
  }
  return "transient";
}

/** True for the errors that mean "no stream listens on this subject" (it was deleted, or JetStream is off). */
export function isNoStreamError(err: unknown): boolean {
  // The client turns "no responders" on a JetStream publish into JetStreamNotEnabled (not exported).
  if (err instanceof Error && err.name === "JetStreamNotEnabled") return true;
  return err instanceof RequestError && err.isNoResponders();
}

export interface DeliveryFailure {
  seq: number;
  msgId: string;
  subject: string;
  error: string;
  kind: FailureKind;
  /** Failed attempts of this row so far, this one included. */
  attempts: number;
  /** The row was removed (a permanent failure reached `maxAttempts`). */
  dropped: boolean;
  /** The original error. */
  cause: unknown;
}

export interface DeliveryOutcome {
  /** Rows acknowledged and removed (duplicates included). */
  delivered: number;
  /** Of those, how many the receiver already had (same msg id within its de-duplication window). */
  duplicates: number;
  /** Failed attempts in this pass (at most one row stays failed: the pass stops there). */
  failures: DeliveryFailure[];
  /** The pass ended because `shouldContinue()` said so. */
  interrupted: boolean;
  /** A store operation failed (the pass stopped there); retried on the next pass. */
  storeError: unknown;
}

export interface DeliverOptions {
  /** Ignore the rows' retry times (after a reconnect, and when flushing at shutdown). */
  ignoreBackoff?: boolean;
  /** Checked before each send; false ends the pass (e.g. the connection was lost). */
  shouldContinue?: () => boolean;
}

export interface OutboxDeliveryOptions {
  store: OutboxStore;
  send: SendFn;
  now: () => number;
  retry?: RetryPolicy;
  /** Rows read from the store at once; default 64. */
  batchSize?: number;
  /** Receives every row dropped after `maxAttempts` permanent failures (to log it). */
  onDrop?: (failure: DeliveryFailure) => void;
  classify?: (err: unknown) => FailureKind;
}

/**
 * One delivery pass over the outbox, strictly in order: reads the due rows (seq order, stopping
 * at the first row still waiting for its retry), sends them one at a time, removes each on ack.
 * On the first failure it records the error and the next attempt time (`markFailed`, backoff by
 * the row's attempts) and stops, so no later row overtakes it — unless the failure is permanent
 * and the row has now failed `maxAttempts` times: then it is removed (reported to `onDrop`) and
 * the pass goes on. Sending one row at a time keeps the order exact at the cost of one round
 * trip per alert (JetStream acks ~5k/s: far above any alert rate).
 */
export class OutboxDelivery {
  private readonly store: OutboxStore;
  private readonly send: SendFn;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly batchSize: number;
  private readonly onDrop: ((failure: DeliveryFailure) => void) | undefined;
  private readonly classify: (err: unknown) => FailureKind;

  constructor(opts: OutboxDeliveryOptions) {
    this.store = opts.store;
    this.send = opts.send;
    this.now = opts.now;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.batchSize = opts.batchSize ?? 64;
    this.onDrop = opts.onDrop;
    this.classify = opts.classify ?? classifyPublishError;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    if (!Number.isSafeInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${this.retry.maxAttempts}`);
    }
    if (!(this.retry.initialMs > 0) || !(this.retry.maxMs >= this.retry.initialMs)) {
      throw new RangeError(`retry initialMs must be > 0 and maxMs >= initialMs, got ${this.retry.initialMs} and ${this.retry.maxMs}`);
    }
  }

  async deliver(opts: DeliverOptions = {}): Promise<DeliveryOutcome> {
    const out: DeliveryOutcome = { delivered: 0, duplicates: 0, failures: [], interrupted: false, storeError: undefined };
    const shouldContinue = opts.shouldContinue ?? (() => true);
    for (;;) {
      let rows: OutboxEntry[];
      try {
        rows = this.store.pending(this.batchSize, opts.ignoreBackoff ? Number.MAX_SAFE_INTEGER : this.now());
      } catch (err) {
        out.storeError = err;
        return out;
      }
      if (rows.length === 0) return out;
      for (const row of rows) {
        if (!shouldContinue()) {
          out.interrupted = true;
          return out;
        }
        let ack: { duplicate: boolean };
        try {
          ack = await this.send(row);
        } catch (err) {
          const kind = this.classify(err);
          const attempts = row.attempts + 1;
          const dropped = kind === "permanent" && attempts >= this.retry.maxAttempts;
          const failure: DeliveryFailure = { seq: row.seq, msgId: row.msgId, subject: row.subject, error: errorText(err), kind, attempts, dropped, cause: err };
          out.failures.push(failure);
          try {
            if (dropped) {
              this.store.markDelivered(row.seq);
            } else {
              this.store.markFailed(row.seq, failure.error, Math.round(this.now() + retryDelayMs(attempts, this.retry)));
            }
          } catch (storeErr) {
            out.storeError = storeErr;
            return out;
          }
          if (dropped) {
            this.onDrop?.(failure);
            continue;
          }
          return out;
        }
        try {
          this.store.markDelivered(row.seq);
        } catch (err) {
          // Sent but still queued: the next pass sends it again and the receiver de-duplicates it by msg id.
          out.storeError = err;
          return out;
        }
        out.delivered++;
        if (ack.duplicate) out.duplicates++;
      }
      if (rows.length < this.batchSize) return out;
    }
  }
}

/** An error's message with its cause's, for logs and `last_error`. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}
