/**
 * Alert events to NATS JetStream through the durable SQLite outbox: nothing is lost while NATS
 * is away, nothing is duplicated in the stream by a retry or by a second replica.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "../log/index.js";
import type { NatsConnector, NatsState } from "./connector.js";
import {
  DEFAULT_RETRY,
  OutboxDelivery,
  errorText,
  isNoStreamError,
  retryDelayMs,
  type DeliveryFailure,
  type DeliveryOutcome,
  type OutboxStore,
  type RetryPolicy,
} from "./delivery.js";
import { ALERT_STREAM, StreamConflictError, ensureAlertStream, type AlertStreamSettings, type StreamSetupResult } from "./stream.js";
import { alertSubject } from "./subjects.js";
import type { OutboxInput } from "../store/index.js";

/** What the publisher needs of an alert event (CONTRACT.md `pbe.alert.v1`); the whole object is published as JSON. */
export interface PublishableAlert {
  /** The incident id: the same for every event of one incident. */
  id: string;
  state: "firing" | "resolved";
  service: string;
  budgetId: string;
}

/** The `Nats-Msg-Id` of an alert event: one per incident and state, so re-publishing never duplicates. */
export function alertMsgId(event: Pick<PublishableAlert, "id" | "state">): string {
  return `${event.id}:${event.state}`;
}

export interface PublishResult {
  /**
   * - `queued`: in the outbox, delivered as soon as NATS takes it;
   * - `duplicate`: the same msg id is already waiting in the outbox (not queued twice);
   * - `held`: the outbox (SQLite) failed; the event waits in memory and is moved into the outbox
   *   when the store works again (lost only if the process stops first);
   * - `disabled`: NATS is not configured: nothing is published or stored.
   */
  status: "queued" | "duplicate" | "held" | "disabled";
  subject: string;
  msgId: string;
}

export interface AlertPublisherStats {
  /** Alerts acknowledged by JetStream and removed from the outbox (duplicates included). */
  published: number;
  /** Of those, acknowledged as duplicates (the stream already had the msg id). */
  duplicates: number;
  /** Failed delivery attempts. */
  failedAttempts: number;
  /** Alerts removed undelivered after `maxAttempts` permanent failures. */
  dropped: number;
  /** Alerts waiting in the outbox (`outboxSize`); -1 when the store cannot be read. */
  pending: number;
  /** Age of the oldest waiting alert; 0 when none. */
  oldestPendingAgeMs: number;
  /** Alerts held in memory because the outbox could not be written. */
  held: number;
  /** The last delivery, stream-setup or store error (message), cleared by a successful delivery. */
  lastError: string | undefined;
}

export interface AlertPublisherOptions {
  connector: NatsConnector;
  /** The durable outbox (the engine's Store). */
  store: OutboxStore;
  logger: Logger;
  /** The stream's age limit and de-duplication window (`natsStreamMaxAgeMs`, `natsDuplicateWindowMs`). */
  stream: AlertStreamSettings;
  /** Delivery loop period; default 250 ms. A publish also starts a pass at once. */
  intervalMs?: number;
  /** Rows read from the outbox at once; default 64. */
  batchSize?: number;
  /** How long one JetStream publish waits for its ack; default 5000. */
  publishTimeoutMs?: number;
  /** Retry schedule and `maxAttempts` for permanently refused alerts; default {@link DEFAULT_RETRY}. */
  retry?: Partial<RetryPolicy>;
  /** At most this many alerts wait in memory while the outbox cannot be written; default 10 000 (beyond: the oldest are dropped, logged). */
  maxHeld?: number;
  /** Clock (Unix ms); default `Date.now`. */
  now?: () => number;
}

interface Held {
  input: OutboxInput;
  nowMs: number;
}

/**
 * `publish(event, nowMs)` writes the event to the outbox (subject
 * `pbe.alert.<service>.<budgetId>`, msg id `<id>:<state>`) and returns. A delivery loop (an
 * unref'd timer that skips a tick while the previous pass runs, plus a pass right after each
 * publish) sends due rows strictly in order with a JetStream publish carrying `Nats-Msg-Id`,
 * removes each on ack, and on failure records the error and backs off (see {@link RetryPolicy}).
 * While NATS is not connected it only waits; on (re)connect it first creates or updates the
 * stream (`ensureAlertStream`), then flushes ignoring the backoff. Stream conflicts are logged
 * as errors (once per distinct message) and retried with backoff; alerts wait meanwhile.
 *
 * Shutdown order: `close()` (stops the timer, flushes while connected), then the connector's
 * `close()`.
 */
export class AlertPublisher {
  private readonly connector: NatsConnector;
  private readonly store: OutboxStore;
  private readonly logger: Logger;
  private readonly streamSettings: AlertStreamSettings;
  private readonly intervalMs: number;
  private readonly publishTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly maxHeld: number;
  private readonly now: () => number;
  private readonly delivery: OutboxDelivery;
  private readonly held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private offState: (() => void) | undefined;
  private current: Promise<void> | undefined;
  private kickAgain = false;
  private forceNext = false;
  private closed = false;
  private js: JetStreamClient | undefined;
  private streamReady = false;
  private setupFailures = 0;
  private setupRetryAtMs = 0;
  private setupError: string | undefined;
  private loggedSetupError: string | undefined;
  private deliveryFailing = false;
  private loggedDeliveryError: string | undefined;
  private counters = { published: 0, duplicates: 0, failedAttempts: 0, dropped: 0 };
  private error: string | undefined;
  private lastStream: StreamSetupResult | undefined;

  constructor(opts: AlertPublisherOptions) {
    this.connector = opts.connector;
    this.store = opts.store;
    this.logger = opts.logger;
    this.streamSettings = opts.stream;
    this.intervalMs = opts.intervalMs ?? 250;
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 5000;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.maxHeld = opts.maxHeld ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.delivery = new OutboxDelivery({
      store: this.store,
      send: (row) => this.send(row.subject, row.payload, row.msgId),
      now: this.now,
      retry: this.retry,
      batchSize: opts.batchSize ?? 64,
      onDrop: (f) => this.onDrop(f),
    });
  }

  /** The stream as last set up (after a connect), for logs and tests. */
  get stream(): StreamSetupResult | undefined {
    return this.lastStream;
  }

  /** Starts the delivery loop and follows the connector's state. Idempotent. */
  start(): void {
    if (this.timer || this.closed) return;
    this.offState = this.connector.onStateChange((s) => this.onState(s));
    this.timer = setInterval(() => {
      if (this.current) return; // skip the tick while the last pass runs
      this.runPass(false);
    }, this.intervalMs);
    this.timer.unref();
    if (this.connector.state === "connected") this.onState("connected");
  }

  /**
   * Queues an alert event for delivery and returns at once (never waits for NATS). Throws a
   * TypeError for an event without a string `id`, `service`, `budgetId` or a valid `state` (a bug).
   */
  publish(event: PublishableAlert, nowMs: number): PublishResult {
    if (typeof event.id !== "string" || event.id === "") throw new TypeError("alert event needs a non-empty string id");
    if (event.state !== "firing" && event.state !== "resolved") throw new TypeError(`alert event state must be firing or resolved, got ${String(event.state)}`);
    if (typeof event.service !== "string" || typeof event.budgetId !== "string") throw new TypeError("alert event needs string service and budgetId");
    const subject = alertSubject(event.service, event.budgetId);
    const msgId = alertMsgId(event);
    if (this.connector.state === "disabled") return { status: "disabled", subject, msgId };
    const input: OutboxInput = { subject, msgId, payload: JSON.stringify(event) };
    let status: PublishResult["status"];
    if (!this.moveHeld()) {
      this.hold({ input, nowMs });
      status = "held";
    } else {
      try {
        status = this.store.enqueue(input, nowMs).duplicate ? "duplicate" : "queued";
      } catch (err) {
        this.error = errorText(err);
        this.logger.error({ err, subject, msgId }, "alert outbox write failed; holding the alert in memory until the store works again");
        this.hold({ input, nowMs });
        status = "held";
      }
    }
    this.kick(false);
    return { status, subject, msgId };
  }

  /**
   * Delivers everything waiting (ignoring retry times) until the outbox is empty or `timeoutMs`
   * passed; waits for a connection meanwhile. Resolves true when nothing is left waiting.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.current) await this.current;
      if (this.waiting() === 0) return true;
      if (Date.now() >= deadline) return false;
      const before = this.waiting();
      if (this.connector.state === "connected") await this.runPass(true);
      if (this.waiting() === 0) return true;
      if (this.waiting() >= before) await sleep(Math.max(0, Math.min(100, deadline - Date.now())));
    }
  }

  /** Stops the loop and flushes for at most `flushTimeoutMs` (default 5000) when connected. Does not close the connector. */
  async close(flushTimeoutMs = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.connector.state === "connected" && !this.closed) await this.flush(flushTimeoutMs);
    this.closed = true;
    this.offState?.();
    this.offState = undefined;
    if (this.current) await this.current;
    const left = this.waiting();
    if (left > 0) this.logger.warn({ waiting: left }, "alerts still waiting in the outbox at shutdown; delivered after the next start");
  }

  get stats(): AlertPublisherStats {
    let pending: number;
    let oldestPendingAgeMs = 0;
    try {
      pending = this.store.outboxSize();
      const oldest = this.store.oldestPendingMs();
      if (oldest !== undefined) oldestPendingAgeMs = Math.max(0, this.now() - oldest);
    } catch {
      pending = -1;
    }
    return { ...this.counters, pending, oldestPendingAgeMs, held: this.held.length, lastError: this.error };
  }

  /** No reason to report: see {@link notReadyReasons}. */
  get healthy(): boolean {
    return this.notReadyReasons().length === 0;
  }

  /**
   * Reasons for `/readyz`, e.g. `NATS unreachable, 3 alerts waiting in the outbox`. Empty when
   * NATS is disabled or everything is delivered as it comes. The engine keeps ingesting and
   * evaluating whatever this says.
   */
  notReadyReasons(): string[] {
    const state = this.connector.state;
    if (state === "disabled") return [];
    const reasons: string[] = [];
    let waitingText: string;
    try {
      waitingText = `${plural(this.store.outboxSize(), "alert")} waiting in the outbox`;
    } catch (err) {
      waitingText = "alert outbox unreadable";
      reasons.push(`alert outbox unreadable: ${errorText(err)}`);
    }
    if (state !== "connected") {
      reasons.push(`NATS unreachable, ${waitingText}`);
    } else if (!this.streamReady && this.setupError !== undefined) {
      reasons.push(`JetStream stream ${this.streamSettings.name ?? ALERT_STREAM} not usable (${this.setupError}), ${waitingText}`);
    } else if (this.deliveryFailing) {
      reasons.push(`NATS alert delivery failing (${this.error ?? "unknown error"}), ${waitingText}`);
    }
    if (this.held.length > 0) reasons.push(`alert outbox not writable, ${plural(this.held.length, "alert")} held in memory`);
    return reasons;
  }

  // ---- internals -------------------------------------------------------------------------

  private waiting(): number {
    let n = this.held.length;
    try {
      n += this.store.outboxSize();
    } catch {
      n += 1; // unknown: not empty as far as flush is concerned
    }
    return n;
  }

  private onState(state: NatsState): void {
    this.js = undefined; // a new connection gets a new client (created at the first send)
    if (state === "connected") {
      this.streamReady = false;
      this.setupFailures = 0;
      this.setupRetryAtMs = 0;
      this.forceNext = true;
      this.kick(true);
    } else {
      this.streamReady = false;
    }
  }

  /** Starts a pass now, or right after the running one. */
  private kick(force: boolean): void {
    if (this.closed || !this.timer) return;
    if (force) this.forceNext = true;
    if (this.current) {
      this.kickAgain = true;
      return;
    }
    this.runPass(false);
  }

  private runPass(force: boolean): Promise<void> {
    if (this.current) return this.current;
    const p = (async () => {
      try {
        let forced = force;
        do {
          this.kickAgain = false;
          await this.pass(forced);
          forced = false;
        } while (this.kickAgain && !this.closed);
      } catch (err) {
        this.logger.error({ err }, "alert delivery pass failed");
      }
    })().finally(() => {
      this.current = undefined;
    });
    this.current = p;
    return p;
  }

  private async pass(force: boolean): Promise<void> {
    this.moveHeld();
    if (this.connector.state !== "connected") return;
    if (!this.streamReady && !(await this.setupStream())) return;
    const ignoreBackoff = force || this.forceNext;
    this.forceNext = false;
    const outcome = await this.delivery.deliver({
      ignoreBackoff,
      shouldContinue: () => this.connector.state === "connected",
    });
    this.record(outcome);
  }

  private async setupStream(): Promise<boolean> {
    const nowMs = this.now();
    if (nowMs < this.setupRetryAtMs) return false;
    const nc = this.connector.connection;
    if (!nc) return false;
    try {
      const jsm = await jetstreamManager(nc, { timeout: this.publishTimeoutMs });
      const r = await ensureAlertStream(jsm, this.streamSettings);
      this.lastStream = r;
      this.streamReady = true;
      this.setupFailures = 0;
      if (this.setupError !== undefined || r.action !== "unchanged") {
        this.logger.info({ stream: r.name, action: r.action, subjects: r.subjects, maxAgeMs: r.maxAgeMs, duplicateWindowMs: r.duplicateWindowMs }, "JetStream alert stream ready");
      }
      this.setupError = undefined;
      this.loggedSetupError = undefined;
      return true;
    } catch (err) {
      this.setupFailures++;
      const message = errorText(err);
      this.setupError = message;
      this.error = message;
      this.setupRetryAtMs = nowMs + retryDelayMs(this.setupFailures, this.retry);
      if (this.loggedSetupError !== message) {
        this.loggedSetupError = message;
        // A conflict needs an operator; anything else (JetStream still starting, a timeout) usually clears up.
        const level = err instanceof StreamConflictError ? "error" : "warn";
        this.logger[level]({ stream: this.streamSettings.name ?? ALERT_STREAM, error: message }, "JetStream alert stream cannot be set up; alerts wait in the outbox");
      }
      return false;
    }
  }

  private async send(subject: string, payload: Uint8Array, msgId: string): Promise<{ duplicate: boolean }> {
    const nc = this.connector.connection;
    if (!nc) throw new Error("not connected to NATS");
    const js = (this.js ??= jetstream(nc, { timeout: this.publishTimeoutMs }));
    const ack = await js.publish(subject, payload, { msgID: msgId, timeout: this.publishTimeoutMs });
    return { duplicate: ack.duplicate };
  }

  private record(o: DeliveryOutcome): void {
    this.counters.published += o.delivered;
    this.counters.duplicates += o.duplicates;
    this.counters.failedAttempts += o.failures.length;
    const last = o.failures.at(-1);
    if (o.storeError !== undefined) {
      this.error = errorText(o.storeError);
      this.logger.error({ err: o.storeError }, "alert outbox operation failed; retrying");
    }
    if (last && !last.dropped) {
      this.deliveryFailing = true;
      this.error = last.error;
      if (this.loggedDeliveryError !== last.error) {
        this.loggedDeliveryError = last.error;
        this.logger.warn({ subject: last.subject, msgId: last.msgId, attempts: last.attempts, kind: last.kind, error: last.error }, "alert delivery failed; retrying with backoff");
      } else {
        this.logger.debug({ subject: last.subject, msgId: last.msgId, attempts: last.attempts, error: last.error }, "alert delivery failed again");
      }
      if (isNoStreamError(last.cause)) this.streamReady = false; // the stream may be gone: set it up again before the next attempt
    } else if ((o.delivered > 0 || last?.dropped === true) && o.storeError === undefined) {
      if (this.deliveryFailing) this.logger.info({ delivered: o.delivered }, "alert delivery recovered");
      this.deliveryFailing = false;
      this.loggedDeliveryError = undefined;
      this.error = undefined;
    }
  }

  private onDrop(f: DeliveryFailure): void {
    this.counters.dropped++;
    this.logger.error(
      { subject: f.subject, msgId: f.msgId, attempts: f.attempts, error: f.error },
      `alert dropped: NATS refused it permanently ${f.attempts} times`,
    );
  }

  private hold(h: Held): void {
    this.held.push(h);
    if (this.held.length > this.maxHeld) {
      const lost = this.held.shift()!;
      this.counters.dropped++;
      this.logger.error({ subject: lost.input.subject, msgId: lost.input.msgId }, "alert dropped: too many alerts held in memory while the outbox cannot be written");
    }
  }

  /** Moves held alerts into the outbox in order; true when none is left held. */
  private moveHeld(): boolean {
    while (this.held.length > 0) {
      const h = this.held[0]!;
      try {
        this.store.enqueue(h.input, h.nowMs);
      } catch (err) {
        this.error = errorText(err);
        return false;
      }
      this.held.shift();
    }
    return true;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
