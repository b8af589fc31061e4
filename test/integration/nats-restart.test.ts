// NATS going away and coming back, on private `nats-server` processes (Debian's, JetStream on,
// own port and store directory): nothing lost, nothing duplicated, order kept; NATS absent at
// start; the stream created, updated, and its conflicts reported; `pbe alerts` reading it all.
import { spawn } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { alertsCommand } from "../../src/cli/alerts.js";
import { silentLogger } from "../../src/log/index.js";
import { ALERT_STREAM, AlertPublisher, NatsConnector, StreamConflictError, alertSubject, ensureAlertStream } from "../../src/sinks/index.js";
import { Store } from "../../src/store/index.js";
import { NatsServer, sleep, tempDir as newTempDir, until } from "../helpers/nats-server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const logger = silentLogger();

// ---- private servers -------------------------------------------------------------------

const servers: NatsServer[] = [];
const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];

/** A temporary directory removed after the file's tests. */
function tempDir(prefix: string): string {
  const d = newTempDir(prefix);
  dirs.push(d);
  return d;
}

/** A server on a free port with its own store directory (not started), stopped after the file's tests. */
async function newServer(): Promise<NatsServer> {
  const s = await NatsServer.create();
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// ---- helpers ---------------------------------------------------------------------------

async function observer(url: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: url, name: "pbe-test-observer" });
  cleanups.push(() => nc.close());
  return { nc, jsm: await jetstreamManager(nc) };
}

/** Message ids of every message in the alert stream, oldest first. */
async function streamMsgIds(nc: NatsConnection, jsm: JetStreamManager): Promise<string[]> {
  const name = `t_${Math.random().toString(36).slice(2)}`;
  await jsm.consumers.add(ALERT_STREAM, { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: nanos(60_000) });
  try {
    const c = await jetstream(nc).consumers.get(ALERT_STREAM, name);
    const pending = (await c.info()).num_pending;
    const ids: string[] = [];
    if (pending === 0) return ids;
    for await (const m of (await c.fetch({ max_messages: pending, expires: 5000 })) as AsyncIterable<JsMsg>) {
      ids.push(m.headers?.get("Nats-Msg-Id") ?? "?");
      if (ids.length === pending) break;
    }
    return ids;
  } finally {
    await jsm.consumers.delete(ALERT_STREAM, name).catch(() => undefined);
  }
}

/** A connector and publisher tuned for tests (fast reconnects), on a durable file store. */
function engine(url: string, dataDir: string, opts: { log?: pino.Logger; duplicateWindowMs?: number } = {}) {
  const store = Store.open(dataDir);
  const log = opts.log ?? logger;
  const connector = new NatsConnector({ auth: { servers: [url] }, logger: log, retryInitialMs: 50, retryMaxMs: 250, reconnectTimeWaitMs: 100, connectTimeoutMs: 1000 });
  const alerts = new AlertPublisher({
    connector,
    store,
    logger: log,
    stream: { maxAgeMs: 3_600_000, duplicateWindowMs: opts.duplicateWindowMs ?? 120_000 },
    intervalMs: 50,
    publishTimeoutMs: 1000,
    retry: { initialMs: 50, maxMs: 500 },
  });
  alerts.start();
  connector.start();
  cleanups.push(async () => {
    await alerts.close(500);
    await connector.close(1000);
    store.close();
  });
  return { store, connector, alerts };
}

function event(n: number, state: "firing" | "resolved" = "firing") {
  const at = Date.UTC(2025, 4, 1, 12, 0, n);
  return {
    schema: "pbe.alert.v1" as const,
    id: `incident-${Math.ceil(n / 2)}`,
    state,
    budgetId: "checkout-p99",
    type: "latency.total",
    service: "checkout",
    observed: state === "firing" ? 400 + n : 200,
    threshold: 300,
    unit: "ms",
    usage: state === "firing" ? (400 + n) / 300 : 200 / 300,
    window: "1m",
    startedAt: new Date(at - 10_000).toISOString(),
    at: new Date(at).toISOString(),
    topComponents: [{ component: "payments", share: 0.5 }],
    exemplars: [],
    summary: `alert ${n}`,
  };
}

/** Events 1..n alternate firing / resolved per incident: incident-1 firing, incident-1 resolved, incident-2 firing, … */
const nth = (n: number) => event(n, n % 2 === 1 ? "firing" : "resolved");
const msgIdOf = (n: number) => `incident-${Math.ceil(n / 2)}:${n % 2 === 1 ? "firing" : "resolved"}`;

function textSink(): { stream: Writable; text: () => string } {
  let buf = "";
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, cb) {
        buf += chunk.toString("utf8");
        cb();
      },
    }),
    text: () => buf,
  };
}

/** Runs `pbe alerts` as a process from dist/ when it is built and up to date, else in-process. */
async function runAlertsCli(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string; mode: string }> {
  const built = join(ROOT, "dist/cli/alerts.js");
  const fresh = existsSync(built) && statSync(built).mtimeMs >= statSync(join(ROOT, "src/cli/alerts.ts")).mtimeMs;
  if (!fresh) {
    console.warn("dist/cli/alerts.js is missing or older than src/cli/alerts.ts (run npm run build): running pbe alerts in-process");
    const out = textSink();
    const err = textSink();
    const code = await alertsCommand(args, { stdout: out.stream, stderr: err.stream, env: {}, handleSignals: false });
    return { code, stdout: out.text(), stderr: err.text(), mode: "in-process" };
  }
  const script = `import(${JSON.stringify(built)}).then((m) => m.alertsCommand(process.argv.slice(1))).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 99; });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, "--", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NATS_URL: "" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
  clearTimeout(killer);
  return { code, stdout, stderr, mode: "process" };
}

// ---- tests -----------------------------------------------------------------------------

describe("NATS restart during an incident", () => {
  it("loses no alert and duplicates none: the outbox holds them while the server is down and delivers them in order after", async () => {
    const server = await newServer();
    await server.start();
    const { store, connector, alerts } = engine(server.url, tempDir("pbe-data-"));
    expect(await connector.waitConnected(10_000)).toBe(true);

    for (let n = 1; n <= 3; n++) expect(alerts.publish(nth(n), Date.now()).status).toBe("queued");
    expect(await alerts.flush(10_000)).toBe(true);
    expect(alerts.stats).toMatchObject({ published: 3, pending: 0 });

    await server.stop();
    await until(() => connector.state !== "connected", 10_000, "connection lost");
    for (let n = 4; n <= 7; n++) expect(alerts.publish(nth(n), Date.now()).status).toBe("queued");
    await sleep(300); // delivery ticks run meanwhile and must not lose or reorder anything
    expect(store.outboxSize()).toBe(4);
    expect(alerts.healthy).toBe(false);
    expect(alerts.notReadyReasons()).toEqual(["NATS unreachable, 4 alerts waiting in the outbox"]);

    await server.start(); // same port, same store directory: the stream survives
    expect(await connector.waitConnected(15_000)).toBe(true);
    expect(await alerts.flush(15_000)).toBe(true);
    expect(alerts.healthy).toBe(true);
    expect(alerts.stats).toMatchObject({ pending: 0, dropped: 0 });

    const { nc, jsm } = await observer(server.url);
    expect(await streamMsgIds(nc, jsm)).toEqual([1, 2, 3, 4, 5, 6, 7].map(msgIdOf));
    expect((await jsm.streams.info(ALERT_STREAM)).state.messages).toBe(7);

    // A subscriber that was away reads every alert, exactly once each, with a durable consumer.
    const cli = await runAlertsCli(["--count", "7", "--json", "--from-start", "--durable", "restart-test", "--nats", server.url]);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    const lines = cli.stdout.trim().split("\n");
    expect(lines).toHaveLength(7);
    const got = lines.map((l) => JSON.parse(l) as { id: string; state: string; summary: string });
    expect(got.map((e) => `${e.id}:${e.state}`)).toEqual([1, 2, 3, 4, 5, 6, 7].map(msgIdOf));
    expect(got.map((e) => e.summary)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `alert ${n}`));
    // Acknowledged: the same durable has nothing left.
    const info = await jsm.consumers.info(ALERT_STREAM, "restart-test");
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });

  it("keeps exactly-once and order for alerts published continuously while the server stops and comes back", async () => {
    const server = await newServer();
    await server.start();
    const { connector, alerts } = engine(server.url, tempDir("pbe-data-"));
    expect(await connector.waitConnected(10_000)).toBe(true);
    let n = 0;
    const publishing = setInterval(() => {
      n++;
      alerts.publish(nth(n), Date.now());
    }, 15);
    try {
      await sleep(200);
      await server.stop(); // publishes in flight now fail or time out; they are retried
      await sleep(400);
      await server.start();
      expect(await connector.waitConnected(15_000)).toBe(true);
      await sleep(200);
    } finally {
      clearInterval(publishing);
    }
    expect(n).toBeGreaterThan(30);
    expect(await alerts.flush(15_000)).toBe(true);
    const { nc, jsm } = await observer(server.url);
    const ids = await streamMsgIds(nc, jsm);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => msgIdOf(i + 1)));
    expect(alerts.stats.dropped).toBe(0);
  });

  it("survives an engine restart too: alerts queued while NATS was down are delivered by the next process from the same data directory", async () => {
    const server = await newServer();
    const dataDir = tempDir("pbe-data-");
    {
      const store = Store.open(dataDir);
      const connector = new NatsConnector({ auth: { servers: [server.url] }, logger, retryInitialMs: 50, retryMaxMs: 100 });
      const alerts = new AlertPublisher({ connector, store, logger, stream: { maxAgeMs: 0, duplicateWindowMs: 60_000 }, intervalMs: 50 });
      alerts.start();
      connector.start();
      for (let n = 1; n <= 4; n++) alerts.publish(nth(n), Date.now());
      await alerts.close(100);
      await connector.close();
      store.close();
    }
    await server.start();
    const { connector, alerts } = engine(server.url, dataDir);
    expect(await connector.waitConnected(10_000)).toBe(true);
    expect(await alerts.flush(10_000)).toBe(true);
    const { nc, jsm } = await observer(server.url);
    expect(await streamMsgIds(nc, jsm)).toEqual([1, 2, 3, 4].map(msgIdOf));
  });
});

describe("NATS absent at start", () => {
  it("never throws, retries in the background with one log line, and delivers once the server appears", async () => {
    const server = await newServer();
    const lines: Array<{ level: string; msg: string }> = [];
    const log = pino(
      { level: "debug", formatters: { level: (label) => ({ level: label }) } },
      new Writable({
        write(chunk: Buffer, _e, cb) {
          for (const l of chunk.toString("utf8").split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as { level: string; msg: string });
          cb();
        },
      }),
    );
    const { connector, alerts } = engine(server.url, tempDir("pbe-data-"), { log });
    const states: string[] = [];
    connector.onStateChange((s) => states.push(s));
    expect(connector.state).toBe("disconnected");
    expect(alerts.publish(nth(1), Date.now()).status).toBe("queued");
    await sleep(1200); // many attempts (50 ms doubling to 250 ms)
    const attempts = lines.filter((l) => l.msg === "NATS connection attempt failed").length;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.level === "warn" && l.msg.startsWith("NATS unreachable"))).toHaveLength(1);
    expect(connector.lastError).toBeTruthy();
    expect(alerts.notReadyReasons()).toEqual(["NATS unreachable, 1 alert waiting in the outbox"]);

    await server.start();
    expect(await connector.waitConnected(10_000)).toBe(true);
    expect(await alerts.flush(10_000)).toBe(true);
    expect(states[0]).toBe("connected");
    expect(lines.filter((l) => l.msg === "NATS connected")).toHaveLength(1);
    expect(lines.some((l) => l.msg === "JetStream alert stream ready")).toBe(true);
    const { nc, jsm } = await observer(server.url);
    expect(await streamMsgIds(nc, jsm)).toEqual([msgIdOf(1)]);
    const info = await jsm.streams.info(ALERT_STREAM);
    expect(info.config).toMatchObject({ subjects: ["pbe.alert.>"], storage: StorageType.File, max_age: nanos(3_600_000), duplicate_window: nanos(120_000) });
  });
});

describe("stream setup", () => {
  it("creates the stream, leaves it when unchanged, updates it when the duplicate window changes", async () => {
    const server = await newServer();
    await server.start();
    const { jsm } = await observer(server.url);
    const first = await ensureAlertStream(jsm, { maxAgeMs: 86_400_000, duplicateWindowMs: 120_000 });
    expect(first).toEqual({ action: "created", name: "PBE_ALERTS", subjects: ["pbe.alert.>"], maxAgeMs: 86_400_000, duplicateWindowMs: 120_000 });
    expect((await ensureAlertStream(jsm, { maxAgeMs: 86_400_000, duplicateWindowMs: 120_000 })).action).toBe("unchanged");
    const updated = await ensureAlertStream(jsm, { maxAgeMs: 86_400_000, duplicateWindowMs: 30_000 });
    expect(updated).toMatchObject({ action: "updated", duplicateWindowMs: 30_000 });
    const info = await jsm.streams.info(ALERT_STREAM);
    expect(info.config.duplicate_window).toBe(nanos(30_000));
    expect(info.config.storage).toBe(StorageType.File);
    // A duplicate window above the age limit is lowered to it (JetStream requires that).
    expect(await ensureAlertStream(jsm, { maxAgeMs: 10_000, duplicateWindowMs: 120_000 })).toMatchObject({ action: "updated", maxAgeMs: 10_000, duplicateWindowMs: 10_000 });
    // Subjects an operator added are kept.
    await jsm.streams.update(ALERT_STREAM, { ...(await jsm.streams.info(ALERT_STREAM)).config, subjects: ["pbe.alert.>", "ops.alert.>"] });
    expect(await ensureAlertStream(jsm, { maxAgeMs: 10_000, duplicateWindowMs: 5000 })).toMatchObject({ action: "updated", subjects: ["pbe.alert.>", "ops.alert.>"] });
  });

  it("reports a conflicting stream clearly and delivers once the operator fixed it", async () => {
    const server = await newServer();
    await server.start();
    const { jsm } = await observer(server.url);

    await jsm.streams.add({ name: ALERT_STREAM, subjects: ["other.>"], storage: StorageType.File });
    const wrongSubjects = await ensureAlertStream(jsm, { maxAgeMs: 0, duplicateWindowMs: 60_000 }).catch((e: unknown) => e);
    expect(wrongSubjects).toBeInstanceOf(StreamConflictError);
    expect((wrongSubjects as Error).message).toMatch(/PBE_ALERTS exists with subjects \["other\.>"\], which do not include "pbe\.alert\.>"/);
    await jsm.streams.delete(ALERT_STREAM);

    await jsm.streams.add({ name: "EVERYTHING_PBE", subjects: ["pbe.>"], storage: StorageType.Memory });
    const overlap = await ensureAlertStream(jsm, { maxAgeMs: 0, duplicateWindowMs: 60_000 }).catch((e: unknown) => e);
    expect(overlap).toBeInstanceOf(StreamConflictError);
    expect((overlap as Error).message).toMatch(/cannot create JetStream stream PBE_ALERTS: stream\(s\) EVERYTHING_PBE already capture/);

    // The publisher keeps the alert, says why in /readyz, and delivers after the fix.
    const { connector, alerts } = engine(server.url, tempDir("pbe-data-"));
    expect(await connector.waitConnected(10_000)).toBe(true);
    alerts.publish(nth(1), Date.now());
    await until(() => alerts.notReadyReasons().some((r) => r.startsWith("JetStream stream PBE_ALERTS not usable")), 5000, "conflict reported");
    expect(alerts.notReadyReasons()[0]).toMatch(/EVERYTHING_PBE.*1 alert waiting in the outbox$/);
    await sleep(200);
    expect(alerts.stats.pending).toBe(1);
    await jsm.streams.delete("EVERYTHING_PBE");
    expect(await alerts.flush(15_000)).toBe(true);
    expect(alerts.healthy).toBe(true);
    expect((await jsm.streams.info(ALERT_STREAM)).state.messages).toBe(1);
  });
});

describe("pbe alerts", () => {
  it("says in one line that the stream does not exist yet (exit 1), and that no server answers (exit 1)", async () => {
    const server = await newServer();
    await server.start();
    const noStream = await runAlertsCli(["--count", "1", "--nats", server.url]);
    expect(noStream.code).toBe(1);
    expect(noStream.stderr).toMatch(/^pbe alerts: there is no stream PBE_ALERTS on nats:\/\/127\.0\.0\.1:\d+ yet; .*\n$/);
    expect(noStream.stdout).toBe("");

    const closed = await newServer(); // never started: nothing listens on its port
    const noServer = await runAlertsCli(["--count", "1", "--nats", closed.url]);
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toMatch(/^pbe alerts: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .+\n$/);
  });

  it("prints alerts for people, filters by service, resumes a durable consumer, and stops cleanly on SIGTERM", async () => {
    const server = await newServer();
    await server.start();
    const { connector, alerts } = engine(server.url, tempDir("pbe-data-"));
    expect(await connector.waitConnected(10_000)).toBe(true);
    alerts.publish(nth(1), Date.now());
    alerts.publish({ ...nth(1), service: "cart", budgetId: "cart-p95", id: "cart-incident" }, Date.now());
    alerts.publish(nth(2), Date.now());
    expect(await alerts.flush(10_000)).toBe(true);

    const human = await runAlertsCli(["--count", "2", "--from-start", "--service", "checkout", "--durable", "people", "--nats", server.url]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^2025-05-01T12:00:01\.000Z FIRING {4}checkout {2}checkout-p99 {2}401ms vs 300ms \(134%\) {2}top payments 50% {2}— alert 1$/);
    expect(lines[1]).toMatch(/ RESOLVED +checkout +checkout-p99 +200ms vs 300ms \(67%\)/);

    // The durable consumer resumes after what it acknowledged: only the new alert comes.
    alerts.publish(nth(3), Date.now());
    expect(await alerts.flush(10_000)).toBe(true);
    const resumed = await runAlertsCli(["--count", "1", "--json", "--service", "checkout", "--durable", "people", "--nats", server.url]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: "incident-2", state: "firing" });

    // A subject filter of a service whose name is hostile stays literal.
    const cart = await runAlertsCli(["--count", "1", "--json", "--from-start", "--service", "cart", "--durable", "cart-only", "--nats", server.url]);
    expect(JSON.parse(cart.stdout)).toMatchObject({ service: "cart", id: "cart-incident" });
    expect(alertSubject("cart", "cart-p95")).toBe("pbe.alert.cart.cart-p95");

    // Following (no --count): SIGTERM ends it with exit 0 (as a process only).
    const built = join(ROOT, "dist/cli/alerts.js");
    if (existsSync(built) && statSync(built).mtimeMs >= statSync(join(ROOT, "src/cli/alerts.ts")).mtimeMs) {
      const script = `import(${JSON.stringify(built)}).then((m) => m.alertsCommand(process.argv.slice(1))).then((c) => { process.exitCode = c; });`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, "--", "--from-start", "--json", "--durable", "follower", "--nats", server.url], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
      await until(() => out.split("\n").filter((l) => l !== "").length === 4, 10_000, "follower printed the alerts");
      const exited = new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      expect(await exited).toBe(0);
      clearTimeout(killer);
    } else {
      const out = textSink();
      const ac = new AbortController();
      const running = alertsCommand(["--from-start", "--json", "--durable", "follower", "--nats", server.url], { stdout: out.stream, stderr: textSink().stream, env: {}, handleSignals: false, signal: ac.signal });
      await until(() => out.text().split("\n").filter((l) => l !== "").length === 4, 10_000, "follower printed the alerts");
      ac.abort();
      expect(await running).toBe(0);
    }
  });
});
