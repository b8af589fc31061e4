// NATS stopped and restarted during an incident, with the engine process running (and, in the
// second case, killed and restarted while NATS is down): the alert fires while NATS is away,
// waits in the SQLite outbox, and reaches JetStream PBE_ALERTS once NATS is back; it resolves
// after; every event arrives exactly once (firing and resolved, one incident id), none twice.
import { writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { encodeSpans, NatsServer, nowNs, NS_PER_MS, postOtlp, sleep, stats, tempDir, traceIdBytes, until } from "./helpers.js";

const dirs: string[] = [];
const servers: NatsServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface StreamEvent {
  msgId: string;
  subject: string;
  event: { id: string; state: string; budgetId: string; service: string };
}

/** Every message of PBE_ALERTS on `pbe.alert.<service>.>`, oldest first. */
async function streamEvents(url: string, service: string): Promise<StreamEvent[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const name = `rel_${Math.random().toString(36).slice(2)}`;
    await jsm.consumers.add("PBE_ALERTS", { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, filter_subject: `pbe.alert.${service}.>`, inactive_threshold: nanos(60_000) });
    const c = await jetstream(nc).consumers.get("PBE_ALERTS", name);
    const pending = (await c.info()).num_pending;
    const out: StreamEvent[] = [];
    if (pending > 0) {
      for await (const m of (await c.fetch({ max_messages: pending, expires: 5000 })) as AsyncIterable<JsMsg>) {
        out.push({ msgId: m.headers?.get("Nats-Msg-Id") ?? "", subject: m.subject, event: m.json() });
        if (out.length === pending) break;
      }
    }
    await jsm.consumers.delete("PBE_ALERTS", name).catch(() => undefined);
    return out;
  } finally {
    await nc.close();
  }
}

let seq = 0;
/** Five journeys of `latencyMs` each. */
function traffic(service: string, latencyMs: number): Uint8Array {
  const t0 = nowNs();
  return encodeSpans(
    service,
    Array.from({ length: 5 }, () => ({ trace: traceIdBytes(seq++, 0x7a75), id: 1, name: "POST /checkout", startNs: t0, endNs: t0 + BigInt(latencyMs) * NS_PER_MS })),
  );
}

/** Sends traffic every 200 ms until `cond` holds. */
async function drive(engine: EngineProcess, service: string, latencyMs: number, cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms driving ${latencyMs} ms traffic`);
    expect((await postOtlp(engine.ports.http, "/v1/traces", traffic(service, latencyMs))).status).toBe(200);
    await sleep(200);
  }
}

async function setup(service: string): Promise<{ nats: NatsServer; budgets: string; dataDir: string; args: string[] }> {
  const nats = await NatsServer.create();
  servers.push(nats);
  await nats.start();
  const dir = tempDir("pbe-rel-outage-");
  dirs.push(dir);
  const budgets = join(dir, "budgets.yaml");
  writeFileSync(budgets, `budgets:\n  - { id: checkout-max, type: latency.total, service: ${service}, aggregate: max, threshold: 200ms, window: 10s }\n`);
  const args = ["--budgets", budgets, "--nats", nats.url, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "100ms", "--alert-resolve-after", "2"];
  return { nats, budgets, dataDir: join(dir, "data"), args };
}

function checkExactlyOnce(events: StreamEvent[]): void {
  expect(events.map((e) => e.event.state)).toEqual(["firing", "resolved"]);
  expect(events[0]!.event.id).toBe(events[1]!.event.id);
  expect(new Set(events.map((e) => e.msgId)).size).toBe(2);
  expect(events.map((e) => e.msgId)).toEqual([`${events[0]!.event.id}:firing`, `${events[0]!.event.id}:resolved`]);
}

describe("NATS outage during an incident", () => {
  it("fires while NATS is down, delivers once NATS is back, resolves after: exactly once each in PBE_ALERTS", async () => {
    const service = `outage-${process.pid}`;
    const { nats, dataDir, args } = await setup(service);
    const engine = await startEngineProcess({ dataDir, args });
    try {
      await until(async () => (await stats(engine)).nats.state === "connected", 15_000, "engine connected to NATS");
      await nats.stop();
      await until(async () => (await stats(engine)).nats.state !== "connected", 15_000, "engine sees NATS gone");
      await drive(engine, service, 500, async () => (await stats(engine)).evaluation.alertsFired >= 1);
      const down = await stats(engine);
      expect(down.nats.alerts.pending).toBe(1);
      const ready = await engine.get("/readyz");
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toMatch(/NATS unreachable, 1 alert waiting in the outbox/);
      // Still firing (not re-fired) while NATS stays away a little longer.
      await drive(engine, service, 500, async () => (await stats(engine)).evaluation.evaluations >= down.evaluation.evaluations + 3);
      expect((await stats(engine)).evaluation.alertsFired).toBe(1);

      await nats.start();
      await until(async () => {
        const s = await stats(engine);
        return s.nats.state === "connected" && s.nats.alerts.pending === 0 && s.nats.alerts.published === 1;
      }, 20_000, "the outbox delivered after NATS came back");
      expect((await engine.get("/readyz")).status).toBe(200);
      await drive(engine, service, 20, async () => (await stats(engine)).evaluation.alertsResolved >= 1);
      await until(async () => (await stats(engine)).nats.alerts.published === 2, 10_000, "resolved published");
      // A second NATS restart redelivers nothing.
      await nats.stop();
      await nats.start();
      await until(async () => (await stats(engine)).nats.state === "connected", 15_000, "reconnected");
      await sleep(1500);
      const events = await streamEvents(nats.url, service);
      console.log(`NATS outage: ${events.map((e) => e.msgId).join(", ")}; engine stats ${JSON.stringify((await stats(engine)).nats.alerts)}`);
      checkExactlyOnce(events);
      expect((await stats(engine)).evaluation.alertsFired).toBe(1);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  it("keeps the alert through an engine SIGKILL while NATS is down: the next process delivers it once and resolves the same incident", async () => {
    const service = `outage-kill-${process.pid}`;
    const { nats, dataDir, args } = await setup(service);
    let engine = await startEngineProcess({ dataDir, args });
    try {
      await until(async () => (await stats(engine)).nats.state === "connected", 15_000, "engine connected to NATS");
      await nats.stop();
      await drive(engine, service, 500, async () => (await stats(engine)).evaluation.alertsFired >= 1);
      expect((await stats(engine)).nats.alerts.pending).toBe(1);
      await engine.kill();
      engine = await startEngineProcess({ dataDir, args });
      // The restored alert state is firing: more violating traffic does not fire a second incident.
      await drive(engine, service, 500, async () => (await stats(engine)).evaluation.evaluations >= 3);
      expect((await stats(engine)).evaluation.alertsFired).toBe(0);
      expect((await stats(engine)).nats.alerts.pending).toBe(1);
      await nats.start();
      await until(async () => (await stats(engine)).nats.alerts.published === 1, 20_000, "the outbox delivered by the new process");
      await drive(engine, service, 20, async () => (await stats(engine)).evaluation.alertsResolved >= 1);
      await until(async () => (await stats(engine)).nats.alerts.published === 2, 10_000, "resolved published");
      const events = await streamEvents(nats.url, service);
      console.log(`NATS outage + SIGKILL: ${events.map((e) => e.msgId).join(", ")}`);
      checkExactlyOnce(events);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });
});
