// The publishers' behaviour without a NATS server: disabled NATS, NATS not (yet) connected,
// a failing outbox, evaluation serialisation, connection options, connector backoff.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors/index.js";
import { silentLogger } from "../../../src/log/index.js";
import {
  AlertPublisher,
  EvaluationPublisher,
  NatsConnector,
  alertMsgId,
  backoffMs,
  createNatsSinks,
  natsConnectOptions,
  serializeEvaluation,
  type OutboxStore,
} from "../../../src/sinks/index.js";
import { Store, StoreError } from "../../../src/store/index.js";

const logger = silentLogger();
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function memoryStore(): Store {
  const s = Store.memory();
  cleanup.push(() => s.close());
  return s;
}

const alert = (id: string, state: "firing" | "resolved" = "firing") => ({
  schema: "pbe.alert.v1" as const,
  id,
  state,
  budgetId: "checkout-p99",
  type: "latency.total",
  service: "checkout",
  observed: 412,
  threshold: 300,
  unit: "ms",
  usage: 1.3733,
  window: "1m",
  startedAt: "2025-05-01T12:00:00.000Z",
  at: "2025-05-01T12:00:10.000Z",
  topComponents: [{ component: "payments", share: 0.62 }],
  exemplars: ["0af7651916cd43dd8448eb211c80319c"],
  summary: "p99 latency of checkout is 412ms, over 300ms",
});

/** A connector that is configured but never started: state `disconnected`, no network. */
function offlineConnector(): NatsConnector {
  const c = new NatsConnector({ auth: { servers: ["nats://127.0.0.1:1"] }, logger });
  cleanup.push(() => c.close());
  return c;
}

describe("AlertPublisher without a connection", () => {
  it("uses <id>:<state> as the Nats-Msg-Id", () => {
    expect(alertMsgId({ id: "inc-1", state: "firing" })).toBe("inc-1:firing");
    expect(alertMsgId({ id: "inc-1", state: "resolved" })).toBe("inc-1:resolved");
  });

  it("neither publishes nor stores anything when NATS is disabled, and reports nothing", () => {
    const store = memoryStore();
    const connector = new NatsConnector({ auth: { servers: undefined }, logger });
    expect(connector.state).toBe("disabled");
    const pub = new AlertPublisher({ connector, store, logger, stream: { maxAgeMs: 0, duplicateWindowMs: 120_000 } });
    pub.start();
    cleanup.push(() => pub.close());
    expect(pub.publish(alert("i1"), 1000)).toEqual({ status: "disabled", subject: "pbe.alert.checkout.checkout-p99", msgId: "i1:firing" });
    expect(store.outboxSize()).toBe(0);
    expect(pub.healthy).toBe(true);
    expect(pub.notReadyReasons()).toEqual([]);
  });

  it("queues alerts in the outbox while NATS is unreachable and says so for /readyz", () => {
    const store = memoryStore();
    const pub = new AlertPublisher({ connector: offlineConnector(), store, logger, stream: { maxAgeMs: 0, duplicateWindowMs: 120_000 }, now: () => 5000 });
    pub.start();
    cleanup.push(() => pub.close(0));
    expect(pub.publish(alert("i1"), 1000).status).toBe("queued");
    expect(pub.notReadyReasons()).toEqual(["NATS unreachable, 1 alert waiting in the outbox"]);
    expect(pub.publish({ ...alert("i2"), service: "a.>", budgetId: "x*" }, 1001)).toEqual({ status: "queued", subject: "pbe.alert.a__.x_", msgId: "i2:firing" });
    expect(pub.publish(alert("i1"), 1002).status).toBe("duplicate");
    expect(pub.publish(alert("i1", "resolved"), 1003).status).toBe("queued");
    expect(pub.healthy).toBe(false);
    expect(pub.notReadyReasons()).toEqual(["NATS unreachable, 3 alerts waiting in the outbox"]);
    expect(pub.stats).toMatchObject({ published: 0, pending: 3, oldestPendingAgeMs: 4000, held: 0, dropped: 0 });
    const rows = store.pending(10, 10_000);
    expect(rows.map((r) => [r.subject, r.msgId])).toEqual([
      ["pbe.alert.checkout.checkout-p99", "i1:firing"],
      ["pbe.alert.a__.x_", "i2:firing"],
      ["pbe.alert.checkout.checkout-p99", "i1:resolved"],
    ]);
    expect(JSON.parse(Buffer.from(rows[0]!.payload).toString("utf8"))).toEqual(alert("i1"));
  });

  it("holds alerts in memory, in order, while the outbox cannot be written, and moves them in later", () => {
    const real = memoryStore();
    let broken = true;
    const store: OutboxStore = {
      enqueue: (e, now) => {
        if (broken) throw new StoreError("store: enqueue failed: database or disk is full (SQLITE_FULL)", true);
        return real.enqueue(e, now);
      },
      pending: (l, n) => real.pending(l, n),
      markDelivered: (s) => real.markDelivered(s),
      markFailed: (s, e, a) => real.markFailed(s, e, a),
      outboxSize: () => real.outboxSize(),
      oldestPendingMs: () => real.oldestPendingMs(),
    };
    const pub = new AlertPublisher({ connector: offlineConnector(), store, logger, stream: { maxAgeMs: 0, duplicateWindowMs: 120_000 } });
    expect(pub.publish(alert("a"), 1).status).toBe("held");
    expect(pub.publish(alert("b"), 2).status).toBe("held");
    expect(pub.stats.held).toBe(2);
    expect(pub.notReadyReasons()).toContain("alert outbox not writable, 2 alerts held in memory");
    broken = false;
    expect(pub.publish(alert("c"), 3).status).toBe("queued");
    expect(pub.stats.held).toBe(0);
    expect(real.pending(10, 10).map((r) => r.msgId)).toEqual(["a:firing", "b:firing", "c:firing"]);
  });

  it("refuses malformed events (a bug in the caller)", () => {
    const pub = new AlertPublisher({ connector: offlineConnector(), store: memoryStore(), logger, stream: { maxAgeMs: 0, duplicateWindowMs: 1000 } });
    expect(() => pub.publish({ ...alert("x"), id: "" }, 1)).toThrow(TypeError);
    expect(() => pub.publish({ ...alert("x"), state: "open" as never }, 1)).toThrow(/firing or resolved/);
  });

  it("flush gives up after its timeout while NATS is away, leaving the alerts in the outbox", async () => {
    const store = memoryStore();
    const pub = new AlertPublisher({ connector: offlineConnector(), store, logger, stream: { maxAgeMs: 0, duplicateWindowMs: 1000 } });
    pub.start();
    pub.publish(alert("a"), 1);
    const t0 = Date.now();
    expect(await pub.flush(150)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await pub.close(0);
    expect(store.outboxSize()).toBe(1);
  });
});

describe("EvaluationPublisher", () => {
  it("adds schema pbe.eval.v1 first and keeps every field", () => {
    const ev = { budgetId: "b", service: "s", status: "ok", observed: 1.5, threshold: 2, unit: "ms", usage: 0.75, evaluatedAt: "2025-05-01T00:00:00.000Z" };
    const json = serializeEvaluation(ev);
    expect(json.startsWith('{"schema":"pbe.eval.v1",')).toBe(true);
    expect(JSON.parse(json)).toEqual({ schema: "pbe.eval.v1", ...ev });
    expect(JSON.parse(serializeEvaluation({}))).toEqual({ schema: "pbe.eval.v1" });
    expect(JSON.parse(serializeEvaluation({ schema: "other", a: 1 }))).toEqual({ schema: "pbe.eval.v1", a: 1 });
  });

  it("drops and counts evaluations while not connected or disabled by configuration", () => {
    const ev = { budgetId: "b", service: "s" };
    const offline = new EvaluationPublisher({ connector: offlineConnector(), logger });
    expect(offline.publish(ev)).toBe(false);
    expect(offline.publishAll([ev, ev])).toBe(0);
    expect(offline.stats).toEqual({ published: 0, dropped: 3, failed: 0, lastError: undefined });
    const off = new EvaluationPublisher({ connector: offlineConnector(), logger, enabled: false });
    off.publish(ev);
    expect(off.stats.dropped).toBe(1);
  });
});

describe("createNatsSinks", () => {
  it("is all disabled without a NATS URL", async () => {
    const sinks = createNatsSinks({
      config: { nats: undefined, natsStreamMaxAgeMs: 0, natsDuplicateWindowMs: 120_000, natsPublishEvaluations: true },
      store: memoryStore(),
      logger,
    });
    sinks.start();
    expect(sinks.connector.state).toBe("disabled");
    expect(sinks.alerts.publish(alert("a"), 1).status).toBe("disabled");
    expect(sinks.evaluations.publish({ service: "s", budgetId: "b" })).toBe(false);
    expect(sinks.notReadyReasons()).toEqual([]);
    await sinks.close();
    expect(sinks.connector.state).toBe("disabled");
  });
});

describe("natsConnectOptions", () => {
  it("maps servers, user/password, token, TLS files; never gives up reconnecting", () => {
    const dir = mkdtempSync(join(tmpdir(), "pbe-nats-opts-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(join(dir, f), "x");
    const o = natsConnectOptions({
      servers: ["nats://a:4222", "tls://b:4443"],
      user: "u",
      password: "p",
      tlsCa: join(dir, "ca.pem"),
      tlsCert: join(dir, "cert.pem"),
      tlsKey: join(dir, "key.pem"),
    });
    expect(o).toMatchObject({ servers: ["nats://a:4222", "tls://b:4443"], user: "u", pass: "p", maxReconnectAttempts: -1, name: "pbe" });
    expect(o.tls).toEqual({ caFile: join(dir, "ca.pem"), certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });
    expect(natsConnectOptions({ servers: ["n:1"], token: "t" }, { name: "x" })).toMatchObject({ token: "t", name: "x" });
  });

  it("takes credentials out of the URLs (the v3 client ignores them there); settings win; differing credentials are a ConfigError", () => {
    expect(natsConnectOptions({ servers: ["nats://pbe:s%40cret@a:4222", "tls://pbe:s%40cret@b:4443"] })).toMatchObject({ servers: ["nats://a:4222", "tls://b:4443"], user: "pbe", pass: "s@cret" });
    const token = natsConnectOptions({ servers: ["nats://t0ken@a:4222"] });
    expect(token).toMatchObject({ servers: ["nats://a:4222"], token: "t0ken" });
    expect(token.user).toBeUndefined();
    const explicit = natsConnectOptions({ servers: ["nats://url:pw@a:4222"], user: "flag", password: "fpw" });
    expect(explicit).toMatchObject({ servers: ["nats://a:4222"], user: "flag", pass: "fpw" });
    expect(() => natsConnectOptions({ servers: ["nats://a:1@h:1", "nats://b:2@h:2"] })).toThrow(/different credentials/);
    const c = new NatsConnector({ auth: { servers: ["nats://pbe:s3cret@a:4222", "nats://t@b:1", "c:1"] }, logger });
    expect(c.servers).toEqual(["nats://a:4222", "nats://b:1", "c:1"]);
  });

  it("reads a creds file through an authenticator and names the setting when a file is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "pbe-nats-opts-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const creds = join(dir, "user.creds");
    writeFileSync(creds, "not a creds file");
    const o = natsConnectOptions({ servers: ["n:1"], credsFile: creds });
    expect(typeof o.authenticator).toBe("function");
    expect(() => (o.authenticator as (n?: string) => unknown)("nonce")).toThrow(/unable to parse credentials/);
    expect(() => natsConnectOptions({ servers: ["n:1"], credsFile: join(dir, "missing.creds") })).toThrow(ConfigError);
    expect(() => natsConnectOptions({ servers: ["n:1"], credsFile: join(dir, "missing.creds") })).toThrow(/natsCreds: cannot read/);
    expect(() => natsConnectOptions({ servers: ["n:1"], tlsCa: join(dir, "nope.pem") })).toThrow(/natsTlsCa/);
    expect(() => natsConnectOptions({ servers: ["n:1"], user: "u" })).toThrow(/natsPassword/);
    expect(() => natsConnectOptions({ servers: [] })).toThrow(/no NATS server/);
  });
});

describe("connector backoff", () => {
  it("doubles from the initial wait, caps, and adds at most 20 % jitter within the cap", () => {
    expect([1, 2, 3, 4, 10, 100].map((n) => backoffMs(n, 500, 30_000, () => 0))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(backoffMs(1, 500, 30_000, () => 1)).toBe(600);
    expect(backoffMs(10, 500, 30_000, () => 1)).toBe(30_000);
  });

  it("starts disconnected (or disabled) and refuses bad retry settings", () => {
    expect(offlineConnector().state).toBe("disconnected");
    expect(new NatsConnector({ auth: { servers: [] }, logger }).state).toBe("disabled");
    expect(() => new NatsConnector({ auth: { servers: ["n:1"] }, logger, retryInitialMs: 0 })).toThrow(RangeError);
  });
});
