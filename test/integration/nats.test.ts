// The NATS outputs against the real server of the test setup (inject("natsUrl"), JetStream on):
// the alert stream, de-duplication across retries and replicas, order and fields of an
// incident's events, literal subjects for hostile names, evaluations on core NATS.
import { randomUUID } from "node:crypto";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { silentLogger } from "../../src/log/index.js";
import {
  ALERT_STREAM,
  AlertPublisher,
  EvaluationPublisher,
  NatsConnector,
  alertSubject,
  evalSubject,
  subjectToken,
} from "../../src/sinks/index.js";
import { Store } from "../../src/store/index.js";

const natsUrl = inject("natsUrl");
const logger = silentLogger();
// The engine's defaults (7 days, 2 minutes), so this file never flips the shared stream's settings.
const STREAM = { maxAgeMs: 7 * 86_400_000, duplicateWindowMs: 120_000 };
/** A run-unique suffix: the shared server outlives test runs. */
const run = randomUUID().slice(0, 8);

interface Replica {
  store: Store;
  connector: NatsConnector;
  alerts: AlertPublisher;
  evaluations: EvaluationPublisher;
}

const replicas: Replica[] = [];
let nc: NatsConnection;
let jsm: JetStreamManager;

async function replica(): Promise<Replica> {
  const store = Store.memory();
  const connector = new NatsConnector({ auth: { servers: [natsUrl] }, logger, name: "pbe-test" });
  const alerts = new AlertPublisher({ connector, store, logger, stream: STREAM, intervalMs: 50 });
  const evaluations = new EvaluationPublisher({ connector, logger });
  alerts.start();
  connector.start();
  const r = { store, connector, alerts, evaluations };
  replicas.push(r);
  expect(await connector.waitConnected(10_000)).toBe(true);
  return r;
}

beforeAll(async () => {
  nc = await connect({ servers: natsUrl, name: "pbe-test-observer" });
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  for (const r of replicas.splice(0)) {
    await r.alerts.close(1000);
    await r.connector.close();
    r.store.close();
  }
  await nc?.drain();
});

function alertEvent(service: string, budgetId: string, id: string, state: "firing" | "resolved", atMs: number) {
  return {
    schema: "pbe.alert.v1" as const,
    id,
    state,
    budgetId,
    type: "latency.total",
    service,
    operation: "POST /pay",
    observed: state === "firing" ? 412 : 250,
    threshold: 300,
    unit: "ms",
    usage: state === "firing" ? 412 / 300 : 250 / 300,
    window: "1m",
    startedAt: new Date(atMs - 10_000).toISOString(),
    at: new Date(atMs).toISOString(),
    topComponents: [{ component: "payments", share: 0.62 }],
    exemplars: ["0af7651916cd43dd8448eb211c80319c"],
    summary: `p99 latency of ${service} POST /pay is ${state === "firing" ? "412ms, over" : "250ms, within"} 300ms`,
  };
}

/** Every message of the alert stream on `filter`, oldest first (an ephemeral pull consumer). */
async function streamMessages(filter: string): Promise<Array<{ subject: string; msgId: string | undefined; body: Record<string, unknown>; seq: number }>> {
  const name = `t_${randomUUID().replace(/-/g, "")}`;
  await jsm.consumers.add(ALERT_STREAM, {
    name,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filter,
    inactive_threshold: nanos(60_000),
  });
  try {
    const c = await jetstream(nc).consumers.get(ALERT_STREAM, name);
    const pending = (await c.info()).num_pending;
    const out: Array<{ subject: string; msgId: string | undefined; body: Record<string, unknown>; seq: number }> = [];
    if (pending === 0) return out;
    const batch = await c.fetch({ max_messages: pending, expires: 5000 });
    for await (const m of batch as AsyncIterable<JsMsg>) {
      out.push({ subject: m.subject, msgId: m.headers?.get("Nats-Msg-Id"), body: m.json<Record<string, unknown>>(), seq: m.seq });
      if (out.length === pending) break;
    }
    return out;
  } finally {
    await jsm.consumers.delete(ALERT_STREAM, name).catch(() => undefined);
  }
}

/** Collects messages of a core subscription. */
function collect(sub: Subscription): Msg[] {
  const got: Msg[] = [];
  void (async () => {
    for await (const m of sub) got.push(m);
  })();
  return got;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("alert stream PBE_ALERTS", () => {
  it("exists after connecting, on pbe.alert.> with file storage and the configured windows", async () => {
    const r = await replica();
    r.alerts.publish(alertEvent(`setup-${run}`, "b", `setup-${run}`, "firing", Date.now()), Date.now());
    expect(await r.alerts.flush(10_000)).toBe(true);
    // What the setup found or made (other test files may set the shared stream up with their own windows later).
    expect(r.alerts.stream).toMatchObject({ name: ALERT_STREAM, maxAgeMs: STREAM.maxAgeMs, duplicateWindowMs: STREAM.duplicateWindowMs });
    expect(r.alerts.stream?.subjects).toContain("pbe.alert.>");
    const info = await jsm.streams.info(ALERT_STREAM);
    expect(info.config.subjects).toContain("pbe.alert.>");
    expect(info.config.storage).toBe(StorageType.File);
    expect(r.alerts.healthy).toBe(true);
    expect(r.alerts.notReadyReasons()).toEqual([]);
  });

  it("stores an alert once however often it is published: retries and a second replica are de-duplicated by Nats-Msg-Id", async () => {
    const a = await replica();
    const b = await replica(); // a second engine: its own outbox, its own connection
    const service = `dedup-${run}`;
    const event = alertEvent(service, "checkout-p99", `inc-dedup-${run}`, "firing", Date.now());
    const subject = alertSubject(service, "checkout-p99");

    expect(a.alerts.publish(event, Date.now()).status).toBe("queued");
    expect(a.alerts.publish(event, Date.now()).status).toMatch(/queued|duplicate/); // waiting: not queued twice; delivered: queued again
    expect(await a.alerts.flush(10_000)).toBe(true);
    a.alerts.publish(event, Date.now()); // a retry after delivery: JetStream answers "duplicate"
    expect(await a.alerts.flush(10_000)).toBe(true);
    b.alerts.publish(event, Date.now());
    expect(await b.alerts.flush(10_000)).toBe(true);

    const msgs = await streamMessages(subject);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.msgId).toBe(`inc-dedup-${run}:firing`);
    expect(a.alerts.stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(b.alerts.stats).toMatchObject({ published: 1, duplicates: 1, pending: 0 });
    const counted = await jsm.streams.info(ALERT_STREAM, { subjects_filter: subject });
    expect(counted.state.subjects?.[subject]).toBe(1);
  });

  it("delivers an incident's firing then resolved event, in order, with the documented fields, to the stream and to a core subscriber", async () => {
    const r = await replica();
    const service = `order-${run}`;
    const budgetId = "checkout-p99";
    const subject = alertSubject(service, budgetId);
    expect(subject).toBe(`pbe.alert.${service}.checkout-p99`);
    const sub = nc.subscribe(`pbe.alert.${subjectToken(service)}.>`);
    const live = collect(sub);
    await nc.flush();

    const t0 = Date.now();
    const id = `inc-order-${run}`;
    r.alerts.publish(alertEvent(service, budgetId, id, "firing", t0), t0);
    r.alerts.publish(alertEvent(service, budgetId, id, "resolved", t0 + 30_000), t0 + 30_000);
    expect(await r.alerts.flush(10_000)).toBe(true);

    const msgs = await streamMessages(subject);
    expect(msgs.map((m) => m.body.state)).toEqual(["firing", "resolved"]);
    expect(msgs.map((m) => m.msgId)).toEqual([`${id}:firing`, `${id}:resolved`]);
    expect(msgs[0]!.seq).toBeLessThan(msgs[1]!.seq);
    for (const m of msgs) {
      expect(m.subject).toBe(subject);
      expect(Object.keys(m.body).sort()).toEqual(
        ["schema", "id", "state", "budgetId", "type", "service", "operation", "observed", "threshold", "unit", "usage", "window", "startedAt", "at", "topComponents", "exemplars", "summary"].sort(),
      );
      expect(m.body).toMatchObject({ schema: "pbe.alert.v1", id, budgetId, service, type: "latency.total", unit: "ms", threshold: 300, window: "1m" });
    }
    expect(msgs[0]!.body.topComponents).toEqual([{ component: "payments", share: 0.62 }]);

    await until(() => live.length >= 2);
    expect(live.map((m) => (m.json() as { state: string }).state)).toEqual(["firing", "resolved"]);
    sub.unsubscribe();
  });

  it("keeps hostile names literal: service a.> / budget x* is one token each, and pbe.alert.a.> does not match it", async () => {
    const r = await replica();
    const budgetId = `x*${run}`;
    const hostile = alertSubject("a.>", budgetId);
    expect(hostile).toBe(`pbe.alert.a__.x_${run}`);
    const wrong = nc.subscribe("pbe.alert.a.>");
    const wrongGot = collect(wrong);
    const exact = nc.subscribe(hostile);
    const exactGot = collect(exact);
    await nc.flush();

    const t = Date.now();
    r.alerts.publish(alertEvent("a.>", budgetId, `inc-hostile-${run}`, "firing", t), t);
    // A control alert for service "a", published after it on the same connection: once it has
    // arrived, the hostile one would have arrived before it had it matched pbe.alert.a.>.
    r.alerts.publish(alertEvent("a", `control-${run}`, `inc-control-${run}`, "firing", t), t);
    expect(await r.alerts.flush(10_000)).toBe(true);
    await until(() => exactGot.length >= 1 && wrongGot.some((m) => m.subject === `pbe.alert.a.control-${run}`));
    expect(wrongGot.map((m) => m.subject)).not.toContain(hostile);
    expect(wrongGot.filter((m) => (m.json() as { service: string }).service === "a.>")).toEqual([]);
    expect(exactGot[0]!.json()).toMatchObject({ service: "a.>", budgetId });
    const stored = await streamMessages(hostile);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.body).toMatchObject({ service: "a.>", budgetId });
    wrong.unsubscribe();
    exact.unsubscribe();
  });
});

describe("evaluations on core NATS", () => {
  it("publishes every evaluation on pbe.eval.<service>.<budgetId> with schema pbe.eval.v1", async () => {
    const r = await replica();
    const service = `eval-${run}`;
    const sub = nc.subscribe(`pbe.eval.${service}.>`);
    const got = collect(sub);
    const star = nc.subscribe("pbe.eval.x.>");
    const starGot = collect(star);
    await nc.flush();

    const evs = ["b1", "b2", "b3"].map((budgetId, i) => ({
      budgetId,
      type: "latency.total",
      service,
      status: i === 1 ? "violated" : "ok",
      observed: 100 + i,
      threshold: 300,
      unit: "ms",
      usage: (100 + i) / 300,
      window: "1m",
      samples: 10,
      evaluatedAt: new Date().toISOString(),
    }));
    expect(r.evaluations.publishAll(evs)).toBe(3);
    expect(r.evaluations.publish({ ...evs[0]!, service: "x*", budgetId: "b.>" })).toBe(true);
    await nc.flush();
    await until(() => got.length >= 3);
    expect(got.map((m) => m.subject)).toEqual(["b1", "b2", "b3"].map((b) => evalSubject(service, b)));
    expect(got.map((m) => m.json())).toEqual(evs.map((e) => ({ schema: "pbe.eval.v1", ...e })));
    expect(r.evaluations.stats).toMatchObject({ published: 4, dropped: 0, failed: 0 });
    // "x*" became "x_": a subscriber on pbe.eval.x.> sees nothing of it.
    await new Promise((res) => setTimeout(res, 200));
    expect(starGot).toEqual([]);
    sub.unsubscribe();
    star.unsubscribe();
  });
});
