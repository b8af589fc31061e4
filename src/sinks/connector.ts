/**
 * The engine's one NATS connection (the v3 client, `@nats-io/transport-node`), kept up in the
 * background: NATS being away never stops or fails the engine.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { Logger } from "../log/index.js";
import { natsConnectOptions, splitCredentials, type NatsAuthSettings, type NatsClientTuning } from "./options.js";

/** URLs with credentials removed; never throws (a conflict between URLs is reported when connecting). */
function safeServers(urls: readonly string[]): string[] {
  return urls.map((u) => splitCredentials([u]).servers[0]!);
}

/**
 * - `disabled`: no NATS server is configured; nothing is attempted.
 * - `disconnected`: no connection: before `start()`, while the first connection cannot be
 *   established (retried with backoff), after the client library gave up on a connection (e.g.
 *   authorization refused twice; retried with backoff), and after `close()`.
 * - `reconnecting`: an established connection was lost; the client re-establishes it by itself
 *   (`maxReconnectAttempts: -1`).
 * - `connected`: publishing works.
 */
export type NatsState = "connected" | "reconnecting" | "disconnected" | "disabled";

export type NatsStateListener = (state: NatsState, previous: NatsState) => void;

export interface NatsConnectorOptions extends NatsClientTuning {
  auth: NatsAuthSettings;
  logger: Logger;
  /** First wait after a failed connection attempt; doubles (with up to 20 % jitter) up to `retryMaxMs`. Default 500. */
  retryInitialMs?: number;
  /** Longest wait between connection attempts. Default 30 000. */
  retryMaxMs?: number;
}

/**
 * Connects to NATS and keeps the connection. `start()` returns at once; attempts run in the
 * background, with exponential backoff while no connection can be established; an established
 * connection reconnects by itself for ever. Logs once per state change (connected, lost,
 * unreachable), never once per attempt (attempts log at debug). `state` and
 * {@link onStateChange} tell publishers when they may publish; `close()` drains.
 */
export class NatsConnector {
  private readonly auth: NatsAuthSettings;
  private readonly tuning: NatsClientTuning;
  private readonly logger: Logger;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly listeners = new Set<NatsStateListener>();
  private currentState: NatsState;
  private nc: NatsConnection | undefined;
  private started = false;
  private closing = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private error: string | undefined;
  private serverName: string | undefined;

  constructor(opts: NatsConnectorOptions) {
    this.auth = opts.auth;
    this.tuning = { name: opts.name ?? "pbe", connectTimeoutMs: opts.connectTimeoutMs ?? 5000, reconnectTimeWaitMs: opts.reconnectTimeWaitMs ?? 1000 };
    this.logger = opts.logger;
    this.retryInitialMs = opts.retryInitialMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    if (!(this.retryInitialMs > 0) || !(this.retryMaxMs >= this.retryInitialMs)) {
      throw new RangeError(`retryInitialMs must be > 0 and retryMaxMs >= retryInitialMs, got ${this.retryInitialMs} and ${this.retryMaxMs}`);
    }
    this.currentState = opts.auth.servers === undefined || opts.auth.servers.length === 0 ? "disabled" : "disconnected";
  }

  get state(): NatsState {
    return this.currentState;
  }

  /** The client connection while connected or reconnecting; undefined otherwise. */
  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  /** The last connection error (message), if any since the last successful connect. */
  get lastError(): string | undefined {
    return this.error;
  }

  /** The server of the current connection (`host:port`), when connected. */
  get server(): string | undefined {
    return this.serverName;
  }

  /** The configured server URLs without their credentials (for messages and logs). */
  get servers(): readonly string[] {
    return safeServers(this.auth.servers ?? []);
  }

  /**
   * Calls `listener(state, previous)` synchronously at every state change, until the returned
   * function is called. A throwing listener is logged and does not affect the others.
   */
  onStateChange(listener: NatsStateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Starts connecting in the background; returns at once. Idempotent; does nothing when disabled or closed. */
  start(): void {
    if (this.started || this.closing || this.currentState === "disabled") return;
    this.started = true;
    this.loopDone = this.loop();
  }

  /** Resolves true as soon as the state is `connected`, false after `timeoutMs` or on close. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.currentState === "connected") return Promise.resolve(true);
    if (this.currentState === "disabled" || this.closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        off();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const off = this.onStateChange((s) => {
        if (s === "connected") done(true);
        else if (this.closing) done(false);
      });
    });
  }

  /**
   * Stops retrying and drains the connection (pending publishes are flushed, subscriptions end),
   * waiting at most `timeoutMs` (default 5000) before closing it outright. Idempotent.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closing) {
      await this.loopDone;
      return;
    }
    this.closing = true;
    this.wake?.();
    const nc = this.nc;
    if (nc && !nc.isClosed()) {
      try {
        if (this.currentState === "connected") {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            nc.drain(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer));
        }
      } catch (err) {
        this.logger.debug({ err }, "NATS drain failed; closing");
      }
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
    await this.loopDone;
    if (this.currentState !== "disabled") this.setState("disconnected");
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      let nc: NatsConnection;
      try {
        const opts: NodeConnectionOptions = natsConnectOptions(this.auth, this.tuning);
        nc = await connect(opts);
      } catch (err) {
        failures++;
        const message = errorText(err);
        this.error = message;
        if (failures === 1) {
          this.logger.warn(
            { servers: this.servers, error: message },
            "NATS unreachable; retrying in the background (alerts wait in the outbox, evaluations are dropped)",
          );
        } else {
          this.logger.debug({ servers: this.servers, error: message, attempt: failures }, "NATS connection attempt failed");
        }
        await this.sleep(backoffMs(failures, this.retryInitialMs, this.retryMaxMs));
        continue;
      }
      if (this.closing) {
        await nc.close().catch(() => undefined);
        break;
      }
      failures = 0;
      this.error = undefined;
      this.nc = nc;
      this.serverName = nc.getServer();
      void this.watch(nc);
      this.setState("connected");
      const closedWith = await nc.closed();
      this.nc = undefined;
      this.serverName = undefined;
      if (this.closing) break;
      // The client library gave up on this connection (e.g. authorization failed twice): start over.
      this.error = closedWith instanceof Error ? closedWith.message : "connection closed";
      this.setState("disconnected", { error: this.error });
      await this.sleep(backoffMs(1, this.retryInitialMs, this.retryMaxMs));
    }
  }

  /** Follows the client's status events of one connection until it closes. */
  private async watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (nc !== this.nc || this.closing) continue;
        switch (s.type) {
          case "disconnect":
          case "reconnecting":
          case "staleConnection":
            this.setState("reconnecting");
            break;
          case "reconnect":
            this.serverName = s.server;
            this.error = undefined;
            this.setState("connected");
            break;
          case "error":
            this.error = s.error.message;
            this.logger.debug({ error: s.error.message }, "NATS server error");
            break;
          case "ldm":
            this.logger.info({ server: s.server }, "NATS server entering lame duck mode; the client will move to another server");
            break;
          default:
            break;
        }
      }
    } catch (err) {
      this.logger.debug({ err }, "NATS status stream ended with an error");
    }
  }

  private setState(next: NatsState, extra: Record<string, unknown> = {}): void {
    const prev = this.currentState;
    if (prev === next) return;
    this.currentState = next;
    if (next === "connected") {
      this.logger.info({ server: this.serverName, ...extra }, prev === "reconnecting" ? "NATS reconnected" : "NATS connected");
    } else if (next === "reconnecting") {
      this.logger.warn({ servers: this.servers, ...extra }, "NATS connection lost; reconnecting (alerts wait in the outbox)");
    } else if (next === "disconnected" && !this.closing) {
      this.logger.warn({ servers: this.servers, ...extra }, "NATS connection closed; retrying in the background");
    } else if (next === "disconnected") {
      this.logger.info("NATS connection closed");
    }
    for (const l of [...this.listeners]) {
      try {
        l(next, prev);
      } catch (err) {
        this.logger.error({ err }, "NATS state listener failed");
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/** Wait before attempt `failures + 1`: `initial · 2^(failures−1)`, capped at `max`, plus up to 20 % jitter (still capped). */
export function backoffMs(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.min(maxMs, Math.round(base * (1 + 0.2 * random())));
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : "";
  return `${err.message}${cause}`;
}
