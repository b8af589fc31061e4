// The durable NATS outbox: order, de-duplication, retry scheduling, removal, restarts.
import { describe, expect, it } from "vitest";
import { StoreError } from "../../../src/store/index.js";
import { thrown, useTempStores } from "./helpers.js";

const t = useTempStores();
const text = (u: Uint8Array) => Buffer.from(u).toString("utf8");

describe("outbox", () => {
  it("enqueues with increasing seqs and hands out pending rows in seq order", () => {
    const store = t.open(t.dir());
    const s1 = store.enqueue({ subject: "pbe.alert.checkout.b1", msgId: "m1", payload: '{"n":1}', headers: { "Nats-Msg-Id": "m1" } }, 1000);
    const s2 = store.enqueue({ subject: "pbe.alert.cart.b2", msgId: "m2", payload: new Uint8Array([0, 255, 7]) }, 1001);
    const s3 = store.enqueue({ subject: "pbe.alert.cart.b2", msgId: "m3", payload: "é✓" }, 1002);
    expect(s1.duplicate || s2.duplicate || s3.duplicate).toBe(false);
    expect(s2.seq).toBeGreaterThan(s1.seq);
    expect(s3.seq).toBeGreaterThan(s2.seq);
    const p = store.pending(10, 1002);
    expect(p.map((e) => e.msgId)).toEqual(["m1", "m2", "m3"]);
    expect(p[0]).toEqual({
      seq: s1.seq,
      subject: "pbe.alert.checkout.b1",
      msgId: "m1",
      payload: new Uint8Array(Buffer.from('{"n":1}')),
      headers: { "Nats-Msg-Id": "m1" },
      createdAtMs: 1000,
      attempts: 0,
      lastError: undefined,
      nextAttemptAtMs: 0,
    });
    expect(Array.from(p[1]!.payload)).toEqual([0, 255, 7]);
    expect(p[1]!.headers).toBeUndefined();
    expect(text(p[2]!.payload)).toBe("é✓");
    expect(store.pending(2, 1002).map((e) => e.msgId)).toEqual(["m1", "m2"]);
    expect(store.outboxSize()).toBe(3);
    expect(store.oldestPendingMs()).toBe(1000);
  });

  it("does not enqueue a msg id twice: returns the waiting row's seq, keeps its payload", () => {
    const store = t.open(t.dir());
    const first = store.enqueue({ subject: "s", msgId: "dup", payload: "first" }, 1);
    const again = store.enqueue({ subject: "s", msgId: "dup", payload: "second" }, 2);
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    expect(store.outboxSize()).toBe(1);
    expect(text(store.pending(10, 2)[0]!.payload)).toBe("first");
  });

  it("removes delivered rows; a msg id can be queued again after delivery", () => {
    const store = t.open(t.dir());
    const { seq } = store.enqueue({ subject: "s", msgId: "m", payload: "x" }, 1);
    store.enqueue({ subject: "s", msgId: "n", payload: "y" }, 5);
    expect(store.markDelivered(seq)).toBe(true);
    expect(store.markDelivered(seq)).toBe(false);
    expect(store.outboxSize()).toBe(1);
    expect(store.oldestPendingMs()).toBe(5);
    expect(store.pending(10, 5).map((e) => e.msgId)).toEqual(["n"]);
    const re = store.enqueue({ subject: "s", msgId: "m", payload: "x" }, 6);
    expect(re.duplicate).toBe(false);
    expect(re.seq).toBeGreaterThan(seq);
    store.markDelivered(re.seq);
    store.markDelivered(store.pending(10, 6)[0]!.seq);
    expect(store.outboxSize()).toBe(0);
    expect(store.oldestPendingMs()).toBeUndefined();
  });

  it("schedules retries: a failed row counts the attempt, keeps the error and is not due before retryAtMs", () => {
    const store = t.open(t.dir());
    const { seq } = store.enqueue({ subject: "s", msgId: "m", payload: "x" }, 1000);
    expect(store.markFailed(seq, "connection refused", 5000)).toBe(true);
    expect(store.pending(10, 4999)).toEqual([]);
    const [row] = store.pending(10, 5000);
    expect(row).toMatchObject({ seq, attempts: 1, lastError: "connection refused", nextAttemptAtMs: 5000 });
    store.markFailed(seq, "x".repeat(10_000), 9000);
    expect(store.pending(10, 9000)[0]).toMatchObject({ attempts: 2, nextAttemptAtMs: 9000 });
    expect(store.pending(10, 9000)[0]!.lastError).toHaveLength(2000);
    expect(store.markFailed(seq + 100, "nope", 1)).toBe(false);
    expect(store.outboxSize()).toBe(1);
  });

  it("keeps order: a row waiting for its retry holds back the rows queued after it", () => {
    const store = t.open(t.dir());
    const a = store.enqueue({ subject: "s", msgId: "firing", payload: "1" }, 1);
    store.enqueue({ subject: "s", msgId: "resolved", payload: "2" }, 2);
    store.markFailed(a.seq, "nats down", 100);
    expect(store.pending(10, 50)).toEqual([]);
    expect(store.pending(10, 100).map((e) => e.msgId)).toEqual(["firing", "resolved"]);
    // A later row not yet due does not hold back the ones before it.
    const s = store.pending(10, 100);
    store.markFailed(s[1]!.seq, "nats down", 500);
    expect(store.pending(10, 100).map((e) => e.msgId)).toEqual(["firing"]);
  });

  it("survives close and reopen with order, attempts and schedule", () => {
    const dir = t.dir();
    const a = t.open(dir);
    const s1 = a.enqueue({ subject: "s", msgId: "m1", payload: "one", headers: { k: "v" } }, 10);
    a.enqueue({ subject: "s", msgId: "m2", payload: "two" }, 20);
    a.markFailed(s1.seq, "timeout", 30);
    const before = a.pending(10, 30);
    a.close();
    const b = t.open(dir);
    expect(b.pending(10, 30)).toEqual(before);
    expect(b.pending(10, 29)).toEqual([]);
    expect(b.enqueue({ subject: "s", msgId: "m1", payload: "one" }, 40)).toEqual({ seq: s1.seq, duplicate: true });
    expect(b.oldestPendingMs()).toBe(10);
  });

  it("refuses an empty msg id and a negative limit", () => {
    const store = t.open(t.dir());
    const err = thrown(() => store.enqueue({ subject: "s", msgId: "", payload: "x" }, 1));
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain("msgId");
    expect(() => store.pending(-1, 0)).toThrow(StoreError);
    expect(store.outboxSize()).toBe(0);
  });
});
