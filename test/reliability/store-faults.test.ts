// The store under faults, with the real engine process: another connection holding SQLite's
// write lock for seconds, and the disk full (the data directory on a 2 MiB tmpfs, filled up).
// Both are reported (log lines, /api/v1/stats, /readyz) and retried without a crash; the engine
// keeps answering OTLP meanwhile; once the condition clears nothing is lost: the history of the
// traffic sent during the fault and the alert decided during it are in the store after a restart.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { encodeSpans, nowNs, NS_PER_MS, postOtlp, sleep, stats, tempDir, traceIdBytes, until } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let seq = 0;
function traffic(service: string, latencyMs: number, n = 5): Uint8Array {
  const t0 = nowNs();
  return encodeSpans(service, Array.from({ length: n }, () => ({ trace: traceIdBytes(seq++, 0x5704e), id: 1, name: "GET /item", startNs: t0, endNs: t0 + BigInt(latencyMs) * NS_PER_MS })));
}

function setupDir(service: string): { dir: string; budgets: string } {
  const dir = tempDir("pbe-rel-store-");
  dirs.push(dir);
  const budgets = join(dir, "budgets.yaml");
  writeFileSync(budgets, `budgets:\n  - { id: item-max, type: latency.total, service: ${service}, aggregate: max, threshold: 200ms, window: 1h }\n  - { id: item-mean, type: latency.total, service: ${service}, aggregate: mean, threshold: 10s, window: 1h }\n`);
  return { dir, budgets };
}

const args = (budgets: string) => ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "100ms", "--checkpoint-interval", "1s"];

interface Compliance {
  budgets: { budgetId: string; samples: number; status: string }[];
}

async function samples(engine: EngineProcess, service: string): Promise<number> {
  const r = await engine.get(`/api/v1/services/${service}/compliance`);
  return (r.body as Compliance).budgets.find((b) => b.budgetId === "item-mean")?.samples ?? -1;
}

/** Sends `n` requests of 5 traces, 100 ms apart; returns the slowest answer in ms (all must be 200). */
async function sendSeries(engine: EngineProcess, service: string, latencyMs: number, n: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await postOtlp(engine.ports.http, "/v1/traces", traffic(service, latencyMs));
    slowest = Math.max(slowest, performance.now() - t0);
    expect(r.status).toBe(200);
    await sleep(100);
  }
  return slowest;
}

function logMessages(engine: EngineProcess): string[] {
  return engine.logs.map((l) => String(l.msg ?? ""));
}

/** Alert rows of a budget in the store (read after the engine stopped). */
function storedAlerts(dataDir: string, budgetId: string): { id: string; state: string }[] {
  const db = new Database(join(dataDir, "pbe.db"), { readonly: true });
  try {
    return db.prepare("SELECT id, state FROM alerts WHERE budget_id = ? ORDER BY seq").all(budgetId) as { id: string; state: string }[];
  } finally {
    db.close();
  }
}

describe("store faults", () => {
  it("SQLite busy: another connection holds the write lock for 4 s while traffic arrives and an alert fires; reported, retried, nothing lost", async () => {
    const service = "busy";
    const { dir, budgets } = setupDir(service);
    const dataDir = join(dir, "data");
    let engine = await startEngineProcess({ dataDir, args: args(budgets) });
    try {
      await sendSeries(engine, service, 20, 5);
      await until(async () => (await stats(engine)).checkpoint.lastMs > 0, 10_000, "a first checkpoint");
      const before = await stats(engine);
      const lock = new Database(join(dataDir, "pbe.db"));
      lock.pragma("busy_timeout = 10000");
      lock.exec("BEGIN EXCLUSIVE");
      const lockedAt = Date.now();
      // Released after 4 s whatever happens meanwhile.
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          lock.exec("ROLLBACK");
          lock.close();
          resolve();
        }, 4000),
      );
      // Violating traffic while locked (2 s of it): the alert is decided but cannot be recorded yet.
      const slowest = await sendSeries(engine, service, 500, 20);
      await until(async () => (await stats(engine)).evaluation.alertsFired >= 1, 3_000, "the alert fired");
      const during = await stats(engine);
      const duringReady = await engine.get("/readyz");
      expect(Date.now() - lockedAt).toBeLessThan(4000); // all of this while the lock was held
      await released;
      await until(async () => (await stats(engine)).checkpoint.lastMs > lockedAt + 4000, 10_000, "a checkpoint after the lock");
      expect((await engine.get("/readyz")).status).toBe(200);
      const sent = await samples(engine, service);
      console.log(
        `SQLite busy 4 s: checkpoint failures ${during.checkpoint.failures - before.checkpoint.failures}, alert store failures ${during.evaluation.storeFailures}, slowest OTLP answer during the lock ${slowest.toFixed(0)} ms, /readyz during ${duringReady.status} ${JSON.stringify(duringReady.body)}`,
      );
      expect(during.checkpoint.failures).toBeGreaterThan(before.checkpoint.failures);
      expect(during.evaluation.storeFailures).toBeGreaterThan(0);
      expect(logMessages(engine)).toContain("checkpoint failed; the history is kept in memory and retried");
      expect(logMessages(engine)).toContain("cannot record alerts now; retrying at the next evaluation");
      expect(duringReady.status).toBe(503);
      expect(JSON.stringify(duringReady.body)).toMatch(/store: checkpoints failing \(store: .*SQLITE_BUSY/);
      expect(JSON.stringify(duringReady.body)).toMatch(/store: 1 alert event\(s\) not yet recorded/);
      // The engine kept answering OTLP: no request waited for the lock (bounded by the store's busy timeout).
      expect(slowest).toBeLessThan(1000);
      expect(sent).toBe(125);
      expect(await engine.stop()).toBe(0);
      // Nothing lost: the alert recorded once, the history of every trace restored by a new process.
      expect(storedAlerts(dataDir, "item-max")).toEqual([{ id: expect.any(String) as unknown as string, state: "firing" }]);
      engine = await startEngineProcess({ dataDir, args: args(budgets) });
      await until(async () => (await samples(engine, service)) === 125, 10_000, "history restored");
      expect((await stats(engine)).evaluation.alertsFired).toBe(0);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  it("disk full: the data directory on a 2 MiB tmpfs filled up while traffic arrives and an alert fires; reported, retried, nothing lost once space is freed", async () => {
    const service = "full";
    const { dir, budgets } = setupDir(service);
    const mnt = join(dir, "mnt");
    mkdirSync(mnt);
    // Root in this environment (CI too): mount a tiny tmpfs. Without the privilege the test fails loudly.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
    let engine: EngineProcess | undefined;
    try {
      const dataDir = join(mnt, "data");
      engine = await startEngineProcess({ dataDir, args: args(budgets) });
      const e = engine;
      await sendSeries(e, service, 20, 5);
      await until(async () => (await stats(e)).checkpoint.lastMs > 0, 10_000, "a first checkpoint");
      const before = await stats(e);
      // Fill the file system to the last byte.
      const filler = join(mnt, "filler");
      const fd = openSync(filler, "w");
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
      for (;;) {
        try {
          writeSync(fd, Buffer.alloc(512, 1));
        } catch {
          break;
        }
      }
      closeSync(fd);
      const filledAt = Date.now();
      let slowest = 0;
      let readyz: { status: number; body: unknown } = { status: 0, body: undefined };
      try {
        slowest = await sendSeries(e, service, 500, 30);
        await until(async () => (await stats(e)).evaluation.alertsFired >= 1, 10_000, "the alert fired");
        await until(async () => (await stats(e)).checkpoint.failures > before.checkpoint.failures, 15_000, "a failed checkpoint reported");
        readyz = await e.get("/readyz");
      } finally {
        unlinkSync(filler);
      }
      const during = await stats(e);
      const loggedFull = e.logs.some((l) => String(l.msg).startsWith("checkpoint failed") && JSON.stringify(l).includes("SQLITE_FULL"));
      await until(async () => (await stats(e)).checkpoint.lastMs > filledAt, 15_000, "a checkpoint after space was freed");
      const sent = await samples(e, service);
      console.log(`disk full: checkpoint failures ${during.checkpoint.failures - before.checkpoint.failures}, alert store failures ${during.evaluation.storeFailures}, slowest OTLP answer ${slowest.toFixed(0)} ms, SQLITE_FULL logged ${loggedFull}, /readyz during ${readyz.status} ${JSON.stringify(readyz.body)}`);
      expect(loggedFull).toBe(true);
      expect(readyz.status).toBe(503);
      expect(JSON.stringify(readyz.body)).toMatch(/store: checkpoints failing .*SQLITE_FULL/);
      expect(slowest).toBeLessThan(1000);
      expect((await e.get("/readyz")).status).toBe(200);
      expect(sent).toBe(175);
      expect(await e.stop()).toBe(0);
      expect(storedAlerts(dataDir, "item-max").map((a) => a.state)).toEqual(["firing"]);
      engine = await startEngineProcess({ dataDir, args: args(budgets) });
      const r = engine;
      await until(async () => (await samples(r, service)) === 175, 10_000, "history restored");
      expect((await stats(r)).evaluation.alertsFired).toBe(0);
      expect(await r.stop()).toBe(0);
      engine = undefined;
    } finally {
      if (engine) await engine.stop();
      execFileSync("umount", [mnt]);
    }
  });
});
