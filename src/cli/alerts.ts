/**
 * `pbe alerts`: follows the JetStream stream PBE_ALERTS with a durable pull consumer and prints
 * each alert for a person (or as JSON lines for scripts). An example SRE integration: a durable
 * consumer remembers what it acknowledged, so a subscriber that was away loses nothing.
 */
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { formatValue } from "../budget/index.js";
import { PbeError } from "../errors/index.js";
import { ALERT_STREAM, ALERT_SUBJECTS, alertServiceFilter, errorText, natsConnectOptions, type NatsAuthSettings } from "../sinks/index.js";
import { parseDurationMs } from "../units/index.js";
import { UsageError, parseFlags } from "./common.js";

const DEFAULT_DURABLE = "pbe-alerts-cli";
const DEFAULT_URL = "nats://127.0.0.1:4222";
/** A pulled message not acknowledged within this time (e.g. the command was stopped mid-batch) is delivered again. */
const ACK_WAIT_MS = 30_000;
const FETCH_EXPIRES_MS = 5_000;
const BATCH = 64;

const HELP = `Usage: pbe alerts [flags]

Follows the alert stream ${ALERT_STREAM} (subjects ${ALERT_SUBJECTS}) with a durable JetStream consumer
and prints each alert as one line; acknowledges each alert after printing it, so the next run with
the same --durable continues where this one stopped.

Flags:
  --durable NAME        durable consumer name (default ${DEFAULT_DURABLE}); letters, digits, - and _
  --service S           only alerts of service S (subject pbe.alert.<S as a token>.>)
  --from-start          a new consumer starts at the oldest alert in the stream
  --since DURATION      a new consumer starts at alerts of the last DURATION (e.g. 1h, 30m)
                        (default for a new consumer: only alerts published from now on; an existing
                        consumer always resumes where it stopped)
  --json                print each alert event as one JSON line (the published pbe.alert.v1 object)
  --count N             exit 0 after N alerts
  --nats URL            NATS server URL(s), comma-separated (env PBE_NATS, NATS_URL; default ${DEFAULT_URL})
  --nats-user USER      with --nats-password (env PBE_NATS_USER, PBE_NATS_PASSWORD)
  --nats-password PASS
  --nats-token TOKEN    (env PBE_NATS_TOKEN)
  --nats-creds FILE     NATS credentials file (env PBE_NATS_CREDS)
  --nats-tls-ca FILE    PEM CA bundle (env PBE_NATS_TLS_CA)
  --nats-tls-cert FILE  PEM client certificate, with --nats-tls-key (env PBE_NATS_TLS_CERT, PBE_NATS_TLS_KEY)
  --nats-tls-key FILE
  -h, --help            this text

Stops cleanly on SIGINT/SIGTERM. Exit codes: 0 done, 1 NATS error (no server, no stream), 2 bad flags.
`;

/** Where the command writes, and what it reads; the process's by default (tests pass their own). */
export interface AlertsIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the command like SIGINT does. */
  signal?: AbortSignal;
  /** Listen to SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
}

interface AlertsArgs {
  durable: string;
  service: string | undefined;
  fromStart: boolean;
  sinceMs: number | undefined;
  json: boolean;
  count: number | undefined;
  auth: NatsAuthSettings;
  help: boolean;
}

const VALUE_FLAGS = [
  "durable",
  "service",
  "since",
  "count",
  "nats",
  "nats-user",
  "nats-password",
  "nats-token",
  "nats-creds",
  "nats-tls-ca",
  "nats-tls-cert",
  "nats-tls-key",
];
const BOOL_FLAGS = ["from-start", "json"];

/** Parses the flags (and the env fallbacks); throws UsageError with one clear message. */
export function parseAlertsArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): AlertsArgs {
  const { values, bools } = parseFlags("alerts", argv, { values: VALUE_FLAGS, bools: BOOL_FLAGS, standalone: true });
  const pick = (flag: string, ...vars: string[]): string | undefined => {
    const v = values.get(flag);
    if (v !== undefined) return v === "" ? undefined : v;
    for (const name of vars) {
      const e = env[name];
      if (e !== undefined && e !== "") return e;
    }
    return undefined;
  };

  const durable = values.get("durable") ?? DEFAULT_DURABLE;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(durable)) {
    throw new UsageError(`--durable "${durable}" is not a valid consumer name: use 1 to 64 letters, digits, - and _`);
  }
  const service = values.get("service");
  if (service === "") throw new UsageError("--service needs a non-empty service name");
  let sinceMs: number | undefined;
  const since = values.get("since");
  if (since !== undefined) {
    sinceMs = parseDurationMs(since);
    if (sinceMs === undefined || sinceMs <= 0) throw new UsageError(`--since "${since}" is not a positive duration (e.g. 30m, 2h, 1d)`);
  }
  if (sinceMs !== undefined && bools.has("from-start")) throw new UsageError("--from-start and --since exclude each other");
  let count: number | undefined;
  const c = values.get("count");
  if (c !== undefined) {
    count = Number(c);
    if (!/^\d+$/.test(c) || !Number.isSafeInteger(count) || count < 1) throw new UsageError(`--count "${c}" is not a positive whole number`);
  }
  const url = pick("nats", "PBE_NATS", "NATS_URL") ?? DEFAULT_URL;
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (servers.length === 0) throw new UsageError("--nats needs at least one URL");
  const user = pick("nats-user", "PBE_NATS_USER");
  const password = pick("nats-password", "PBE_NATS_PASSWORD");
  if ((user === undefined) !== (password === undefined)) throw new UsageError("--nats-user and --nats-password go together");
  const tlsCert = pick("nats-tls-cert", "PBE_NATS_TLS_CERT");
  const tlsKey = pick("nats-tls-key", "PBE_NATS_TLS_KEY");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError("--nats-tls-cert and --nats-tls-key go together");
  return {
    durable,
    service,
    fromStart: bools.has("from-start"),
    sinceMs,
    json: bools.has("json"),
    count,
    help: bools.has("help"),
    auth: {
      servers,
      user,
      password,
      token: pick("nats-token", "PBE_NATS_TOKEN"),
      credsFile: pick("nats-creds", "PBE_NATS_CREDS"),
      tlsCa: pick("nats-tls-ca", "PBE_NATS_TLS_CA"),
      tlsCert,
      tlsKey,
    },
  };
}

/** `pbe alerts [flags]`; resolves to the exit code. */
export async function alertsCommand(argv: string[], io: AlertsIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let args: AlertsArgs;
  try {
    args = parseAlertsArgs(argv, io.env ?? process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`pbe alerts: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    stdout.write(HELP);
    return 0;
  }
  // Printed in messages: without the credentials a URL may carry.
  const where = args.auth.servers!.map((u) => u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1")).join(",");

  let nc: NatsConnection;
  try {
    nc = await connect(natsConnectOptions(args.auth, { name: "pbe-alerts" }));
  } catch (err) {
    stderr.write(`pbe alerts: cannot connect to NATS at ${where}: ${errorText(err)}\n`);
    return err instanceof PbeError && err.code === "invalid_config" ? 2 : 1;
  }

  let stopping = false;
  let current: ConsumerMessages | undefined;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    current?.stop();
  };
  const handleSignals = io.handleSignals ?? true;
  if (handleSignals) {
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
  if (io.signal) {
    if (io.signal.aborted) stop();
    else io.signal.addEventListener("abort", stop, { once: true });
  }

  try {
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
    } catch (err) {
      stderr.write(`pbe alerts: JetStream is not available on the NATS server at ${where}: ${errorText(err)}\n`);
      return 1;
    }
    try {
      await jsm.streams.info(ALERT_STREAM);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
        stderr.write(`pbe alerts: there is no stream ${ALERT_STREAM} on ${where} yet; the engine creates it when it connects (pbe serve --nats ${where})\n`);
      } else {
        stderr.write(`pbe alerts: cannot read stream ${ALERT_STREAM} on ${where}: ${errorText(err)}\n`);
      }
      return 1;
    }
    const ready = await ensureConsumer(jsm, args, stderr);
    if (typeof ready === "number") return ready;

    const consumer = await jetstream(nc).consumers.get(ALERT_STREAM, args.durable);
    let printed = 0;
    let warned = false;
    while (!stopping && (args.count === undefined || printed < args.count)) {
      const want = args.count === undefined ? BATCH : Math.min(BATCH, args.count - printed);
      try {
        current = await consumer.fetch({ max_messages: want, expires: FETCH_EXPIRES_MS });
        if (stopping) current.stop();
        for await (const m of current) {
          handleMessage(m, args.json, stdout, stderr);
          await m.ackAck({ timeout: 5000 }).catch(() => false);
          printed++;
          if (stopping || (args.count !== undefined && printed >= args.count)) break;
        }
        if (warned) {
          stderr.write(`pbe alerts: following ${ALERT_STREAM} again\n`);
          warned = false;
        }
      } catch (err) {
        if (stopping) break;
        if (nc.isClosed()) {
          stderr.write(`pbe alerts: NATS connection closed: ${errorText(err)}\n`);
          return 1;
        }
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) {
          stderr.write(`pbe alerts: the durable consumer "${args.durable}" was deleted\n`);
          return 1;
        }
        if (!warned) {
          stderr.write(`pbe alerts: lost the alert stream (${errorText(err)}); retrying\n`);
          warned = true;
        }
        await sleep(1000);
      } finally {
        current = undefined;
      }
    }
    return 0;
  } catch (err) {
    stderr.write(`pbe alerts: ${errorText(err)}\n`);
    return 1;
  } finally {
    if (handleSignals) {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    io.signal?.removeEventListener("abort", stop);
    await nc.drain().catch(() => nc.close());
  }
}

/** Creates the durable consumer when missing; checks an existing one. Returns an exit code on failure. */
async function ensureConsumer(jsm: JetStreamManager, args: AlertsArgs, stderr: NodeJS.WritableStream): Promise<ConsumerInfo | number> {
  const filter = args.service === undefined ? undefined : alertServiceFilter(args.service);
  let info: ConsumerInfo | undefined;
  try {
    info = await jsm.consumers.info(ALERT_STREAM, args.durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  if (info === undefined) {
    const cfg: Partial<ConsumerConfig> = {
      durable_name: args.durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      deliver_policy: args.fromStart ? DeliverPolicy.All : args.sinceMs !== undefined ? DeliverPolicy.StartTime : DeliverPolicy.New,
      ...(args.sinceMs !== undefined && { opt_start_time: new Date(Date.now() - args.sinceMs).toISOString() }),
      ...(filter !== undefined && { filter_subject: filter }),
      description: "pbe alerts",
    };
    return jsm.consumers.add(ALERT_STREAM, cfg);
  }
  if (info.config.deliver_subject) {
    stderr.write(`pbe alerts: consumer "${args.durable}" on ${ALERT_STREAM} is a push consumer; use another --durable name\n`);
    return 2;
  }
  const had = normFilter(info.config.filter_subject, info.config.filter_subjects);
  if (had !== normFilter(filter)) {
    stderr.write(
      `pbe alerts: durable consumer "${args.durable}" already follows ${had === "" ? "every service" : `"${had}"`}, not ${filter === undefined ? "every service" : `"${filter}"`}; ` +
        `use another --durable name (or delete it: nats consumer rm ${ALERT_STREAM} ${args.durable})\n`,
    );
    return 2;
  }
  if (args.fromStart || args.sinceMs !== undefined) {
    stderr.write(`pbe alerts: durable consumer "${args.durable}" exists and resumes where it stopped (${args.fromStart ? "--from-start" : "--since"} applies to a new consumer only)\n`);
  }
  return info;
}

function normFilter(single: string | undefined, many?: string[]): string {
  const f = single !== undefined && single !== "" ? single : many && many.length === 1 ? many[0]! : many && many.length > 1 ? many.join(",") : "";
  return f === ALERT_SUBJECTS ? "" : f;
}

function handleMessage(m: JsMsg, json: boolean, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  let event: unknown;
  try {
    event = JSON.parse(m.string());
  } catch {
    stderr.write(`pbe alerts: skipped a message on ${m.subject} (stream seq ${m.seq}) that is not JSON\n`);
    return;
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    stderr.write(`pbe alerts: skipped a message on ${m.subject} (stream seq ${m.seq}) that is not an alert object\n`);
    return;
  }
  stdout.write(`${json ? JSON.stringify(event) : formatAlertLine(event as Record<string, unknown>)}\n`);
}

/**
 * One line for a person: time, FIRING/RESOLVED, service (and operation), budget, observed vs
 * threshold in the budget's unit with the usage, the top component, then the summary.
 * E.g. `2025-05-01T12:00:10.000Z FIRING   checkout POST /pay  checkout-p99  412ms vs 300ms (137%)  top payments 62%  — …`.
 * Missing or malformed fields print as `?`; control characters are replaced, so one event is
 * always one line.
 */
export function formatAlertLine(e: Record<string, unknown>): string {
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? clean(v) : undefined);
  const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const unit = str(e.unit) ?? "";
  const value = (v: unknown): string => {
    const n = num(v);
    if (n === undefined) return "?";
    const rounded = n !== 0 ? Number(n.toPrecision(3)) : n;
    return unit === "" ? String(rounded) : formatValue(rounded, unit);
  };
  const state = str(e.state)?.toUpperCase() ?? "?";
  const who = [str(e.service) ?? "?", str(e.operation)].filter((x) => x !== undefined).join(" ");
  const usage = num(e.usage);
  const parts = [
    `${timeText(e.at)} ${state.padEnd(8)}`,
    who,
    str(e.budgetId) ?? "?",
    `${value(e.observed)} vs ${value(e.threshold)}${usage === undefined ? "" : ` (${Math.round(usage * 100)}%)`}`,
  ];
  const top = Array.isArray(e.topComponents) ? (e.topComponents[0] as { component?: unknown; share?: unknown } | undefined) : undefined;
  const topName = str(top?.component);
  if (topName !== undefined) {
    const share = num(top?.share);
    parts.push(`top ${topName}${share === undefined ? "" : ` ${Math.round(share * 100)}%`}`);
  }
  const summary = str(e.summary);
  if (summary !== undefined) parts.push(`— ${summary}`);
  return parts.join("  ");
}

/** ISO text as published; a number is read as Unix ms (or ns when that large). */
function timeText(v: unknown): string {
  if (typeof v === "string" && v !== "") return clean(v);
  if (typeof v === "number" && Number.isFinite(v)) {
    const ms = v > 1e14 ? v / 1e6 : v;
    const d = new Date(ms);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return new Date().toISOString();
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function clean(s: string): string {
  return s.replace(CONTROL, " ");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
