// The outbox delivery pass: order, backoff, drops, store failures — with a fake clock, a fake
// sender and the real (in-memory) SQLite outbox.
import { JetStreamApiError } from "@nats-io/jetstream";
import { InvalidArgumentError, PermissionViolationError, TimeoutError } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { SinkError } from "../../../src/errors/index.js";
import {
  DEFAULT_RETRY,
  OutboxDelivery,
  classifyPublishError,
  retryDelayMs,
  type DeliveryFailure,
  type OutboxStore,
  type RetryPolicy,
} from "../../../src/sinks/index.js";
import { Store, StoreError, type OutboxEntry } from "../../../src/store/index.js";

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup(opts: { retry?: RetryPolicy; batchSize?: number; store?: OutboxStore } = {}) {
  const store = Store.memory();
  stores.push(store);
  const clock = { t: 1_000_000 };
  const sent: string[] = [];
  /** msgId → errors to throw on its next sends (consumed one by one). */
  const failWith = new Map<string, unknown[]>();
  const duplicates = new Set<string>();
  const dropped: DeliveryFailure[] = [];
  const delivery = new OutboxDelivery({
    store: opts.store ?? store,
    now: () => clock.t,
    retry: opts.retry ?? { initialMs: 100, maxMs: 1000, maxAttempts: 3 },
    batchSize: opts.batchSize ?? 64,
    onDrop: (f) => dropped.push(f),
    send: async (e: OutboxEntry) => {
      const errs = failWith.get(e.msgId);
      if (errs && errs.length > 0) throw errs.shift();
      sent.push(e.msgId);
      return { duplicate: duplicates.has(e.msgId) };
    },
  });
  const add = (...ids: string[]) => {
    for (const id of ids) store.enqueue({ subject: `pbe.alert.svc.${id}`, msgId: id, payload: `{"id":"${id}"}` }, clock.t);
  };
  const waiting = () => store.pending(1000, Number.MAX_SAFE_INTEGER).map((e) => e.msgId);
  return { store, clock, sent, failWith, duplicates, dropped, delivery, add, waiting };
}

const transient = () => new TimeoutError();
const permanent = () => new InvalidArgumentError("payload: max_payload size exceeded");

describe("retryDelayMs", () => {
  it("doubles from initialMs and caps at maxMs", () => {
    const p = { initialMs: 500, maxMs: 30_000, maxAttempts: 8 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelayMs(n, p))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(retryDelayMs(0, p)).toBe(500);
    expect(DEFAULT_RETRY).toEqual({ initialMs: 500, maxMs: 30_000, maxAttempts: 8 });
  });
});

describe("classifyPublishError", () => {
  it("calls refusals of this very message permanent and everything else transient", () => {
    const api = (status: number, errCode: number) => new JetStreamApiError({ code: status, err_code: errCode, description: `api ${status}` });
    expect(classifyPublishError(permanent())).toBe("permanent");
    expect(classifyPublishError(new PermissionViolationError("Permissions Violation for Publish to x", "publish", "x"))).toBe("permanent");
    expect(classifyPublishError(api(400, 10054))).toBe("permanent");
    expect(classifyPublishError(new SinkError("refused", false))).toBe("permanent");
    expect(classifyPublishError(transient())).toBe("transient");
    expect(classifyPublishError(api(503, 10008))).toBe("transient");
    expect(classifyPublishError(api(408, 1))).toBe("transient");
    expect(classifyPublishError(new SinkError("later", true))).toBe("transient");
    expect(classifyPublishError(new Error("connection closed"))).toBe("transient");
  });
});

describe("OutboxDelivery", () => {
  it("sends every due row in enqueue order, removes each on ack and counts duplicates", async () => {
    const t = setup({ batchSize: 2 });
    t.add("a", "b", "c", "d", "e");
    t.duplicates.add("c");
    const out = await t.delivery.deliver();
    expect(t.sent).toEqual(["a", "b", "c", "d", "e"]);
    expect(out).toMatchObject({ delivered: 5, duplicates: 1, failures: [], interrupted: false, storeError: undefined });
    expect(t.store.outboxSize()).toBe(0);
    expect(await t.delivery.deliver()).toMatchObject({ delivered: 0 });
  });

  it("stops at a failed row so no later row overtakes it, and retries it after the backoff", async () => {
    const t = setup();
    t.add("a", "b", "c");
    t.failWith.set("b", [transient(), transient()]);
    const first = await t.delivery.deliver();
    expect(t.sent).toEqual(["a"]);
    expect(first.delivered).toBe(1);
    expect(first.failures).toHaveLength(1);
    expect(first.failures[0]).toMatchObject({ msgId: "b", kind: "transient", attempts: 1, dropped: false, error: "timeout" });
    const row = t.store.pending(10, Number.MAX_SAFE_INTEGER)[0]!;
    expect(row).toMatchObject({ msgId: "b", attempts: 1, lastError: "timeout", nextAttemptAtMs: t.clock.t + 100 });

    // Not due yet: nothing is sent, c stays behind b.
    t.clock.t += 99;
    expect(await t.delivery.deliver()).toMatchObject({ delivered: 0, failures: [] });
    expect(t.sent).toEqual(["a"]);

    // Due: fails again, the backoff doubles.
    t.clock.t += 1;
    const second = await t.delivery.deliver();
    expect(second.failures[0]).toMatchObject({ msgId: "b", attempts: 2 });
    expect(t.store.pending(10, Number.MAX_SAFE_INTEGER)[0]!.nextAttemptAtMs).toBe(t.clock.t + 200);

    t.clock.t += 200;
    const third = await t.delivery.deliver();
    expect(third.delivered).toBe(2);
    expect(t.sent).toEqual(["a", "b", "c"]);
    expect(t.waiting()).toEqual([]);
  });

  it("ignores the backoff when asked (after a reconnect, at shutdown)", async () => {
    const t = setup();
    t.add("a", "b");
    t.failWith.set("a", [transient()]);
    await t.delivery.deliver();
    expect(t.sent).toEqual([]);
    expect(await t.delivery.deliver()).toMatchObject({ delivered: 0 });
    const forced = await t.delivery.deliver({ ignoreBackoff: true });
    expect(forced.delivered).toBe(2);
    expect(t.sent).toEqual(["a", "b"]);
  });

  it("caps the backoff at maxMs", async () => {
    const t = setup({ retry: { initialMs: 100, maxMs: 250, maxAttempts: 3 } });
    t.add("a");
    t.failWith.set("a", Array.from({ length: 6 }, transient));
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await t.delivery.deliver({ ignoreBackoff: true });
      waits.push(t.store.pending(1, Number.MAX_SAFE_INTEGER)[0]!.nextAttemptAtMs - t.clock.t);
    }
    expect(waits).toEqual([100, 200, 250, 250, 250, 250]);
  });

  it("never drops a row for transient errors, however many attempts fail", async () => {
    const t = setup({ retry: { initialMs: 10, maxMs: 10, maxAttempts: 2 } });
    t.add("a", "b");
    t.failWith.set("a", Array.from({ length: 20 }, transient));
    for (let i = 0; i < 20; i++) {
      t.clock.t += 10;
      await t.delivery.deliver();
    }
    expect(t.dropped).toEqual([]);
    expect(t.store.pending(1, Number.MAX_SAFE_INTEGER)[0]).toMatchObject({ msgId: "a", attempts: 20 });
    t.clock.t += 10;
    await t.delivery.deliver();
    expect(t.sent).toEqual(["a", "b"]);
  });

  it("drops a permanently refused row after maxAttempts, so the rows behind it go on", async () => {
    const t = setup({ retry: { initialMs: 10, maxMs: 10, maxAttempts: 3 } });
    t.add("bad", "next1", "next2");
    t.failWith.set("bad", [permanent(), permanent(), permanent()]);
    await t.delivery.deliver();
    t.clock.t += 10;
    await t.delivery.deliver();
    expect(t.sent).toEqual([]);
    expect(t.dropped).toEqual([]);
    t.clock.t += 10;
    const out = await t.delivery.deliver();
    expect(t.dropped).toHaveLength(1);
    expect(t.dropped[0]).toMatchObject({ msgId: "bad", kind: "permanent", attempts: 3, dropped: true });
    expect(out.delivered).toBe(2);
    expect(t.sent).toEqual(["next1", "next2"]);
    expect(t.waiting()).toEqual([]);
  });

  it("counts mixed failures towards the limit only when the last one is permanent", async () => {
    const t = setup({ retry: { initialMs: 10, maxMs: 10, maxAttempts: 2 } });
    t.add("a");
    t.failWith.set("a", [permanent(), transient(), transient()]);
    for (let i = 0; i < 3; i++) {
      await t.delivery.deliver({ ignoreBackoff: true });
    }
    // attempts 1 (permanent, below the limit), 2 and 3 (transient): never dropped.
    expect(t.dropped).toEqual([]);
    await t.delivery.deliver({ ignoreBackoff: true });
    expect(t.sent).toEqual(["a"]);
  });

  it("stops before sending when shouldContinue says so", async () => {
    const t = setup();
    t.add("a", "b", "c");
    let budget = 1;
    const out = await t.delivery.deliver({ shouldContinue: () => budget-- > 0 });
    expect(out).toMatchObject({ delivered: 1, interrupted: true });
    expect(t.sent).toEqual(["a"]);
    expect(t.waiting()).toEqual(["b", "c"]);
  });

  it("keeps a sent row when its removal fails; the next pass sends it again (the receiver de-duplicates)", async () => {
    const real = Store.memory();
    stores.push(real);
    let failRemoval = true;
    const flaky: OutboxStore = {
      enqueue: (e, now) => real.enqueue(e, now),
      pending: (l, now) => real.pending(l, now),
      markFailed: (s, e, at) => real.markFailed(s, e, at),
      outboxSize: () => real.outboxSize(),
      oldestPendingMs: () => real.oldestPendingMs(),
      markDelivered: (seq) => {
        if (failRemoval) throw new StoreError("store: database is locked (SQLITE_BUSY)", true);
        return real.markDelivered(seq);
      },
    };
    const t = setup({ store: flaky });
    real.enqueue({ subject: "pbe.alert.s.a", msgId: "a", payload: "{}" }, 1);
    real.enqueue({ subject: "pbe.alert.s.b", msgId: "b", payload: "{}" }, 1);
    const first = await t.delivery.deliver();
    expect(first.storeError).toBeInstanceOf(StoreError);
    expect(first.delivered).toBe(0);
    expect(t.sent).toEqual(["a"]);
    expect(real.outboxSize()).toBe(2);
    failRemoval = false;
    const second = await t.delivery.deliver();
    expect(second.delivered).toBe(2);
    expect(t.sent).toEqual(["a", "a", "b"]);
    expect(real.outboxSize()).toBe(0);
  });

  it("reports a failing read of the outbox without sending anything", async () => {
    const t = setup({
      store: {
        enqueue: () => ({ seq: 1, duplicate: false }),
        pending: () => {
          throw new StoreError("store: read pending outbox failed: disk I/O error (SQLITE_IOERR)", true);
        },
        markDelivered: () => true,
        markFailed: () => true,
        outboxSize: () => 0,
        oldestPendingMs: () => undefined,
      },
    });
    const out = await t.delivery.deliver();
    expect(out.storeError).toBeInstanceOf(StoreError);
    expect(t.sent).toEqual([]);
  });

  it("validates its options", () => {
    const store = Store.memory();
    stores.push(store);
    const send = async () => ({ duplicate: false });
    expect(() => new OutboxDelivery({ store, send, now: () => 0, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new OutboxDelivery({ store, send, now: () => 0, retry: { initialMs: 10, maxMs: 5, maxAttempts: 1 } })).toThrow(/maxMs/);
    expect(() => new OutboxDelivery({ store, send, now: () => 0, retry: { initialMs: 10, maxMs: 50, maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });
});
