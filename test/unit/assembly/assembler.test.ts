// The assembler with a fake clock: completion by decision wait, max age, eviction, refusal, late
// spans; no sleeping, time is a parameter.
import { describe, expect, it } from "vitest";
import { Assembler, type AssemblerOptions, type CompletionReason } from "../../../src/assembly/index.js";
import { StringTables, traceKeyToHex } from "../../../src/span/index.js";
import { buildBatch, traceKeyOf, type SpanSpec } from "../../helpers/spans.js";

const opts: AssemblerOptions = { decisionWaitMs: 5000, maxTraceAgeMs: 30_000, maxBufferedSpans: 1000, minBufferTimeMs: 1000 };

function setup(o: Partial<AssemblerOptions> = {}) {
  const tables = new StringTables();
  const done: { trace: string; reason: CompletionReason; count: number; names: string[] }[] = [];
  const a = new Assembler({ ...opts, ...o }, (t) => {
    const names: string[] = [];
    for (let i = 0; i < t.count; i++) names.push(tables.strings.get(t.cols.name[t.slots[i]]));
    done.push({ trace: traceKeyToHex(t.key), reason: t.reason, count: t.count, names });
  });
  const send = (specs: SpanSpec[], now: number) => a.add(buildBatch(specs, tables), now);
  return { a, done, send };
}

const root = (trace: string, name = "root"): SpanSpec => ({ id: `${trace}-root`, trace, service: "s", name, kind: "server", start: 0, end: 10 });
const child = (trace: string, name = "child"): SpanSpec => ({ id: `${trace}-${name}`, parent: `${trace}-root`, trace, service: "s", name, start: 1, end: 2 });
const hex = (trace: string) => traceKeyToHex(traceKeyOf(trace));

describe("Assembler", () => {
  it("completes a trace decision-wait after its last span once the root is in", () => {
    const { a, done, send } = setup();
    send([child("t1")], 0);
    send([root("t1")], 2000);
    a.tick(6999);
    expect(done).toHaveLength(0);
    a.tick(7000);
    expect(done).toEqual([{ trace: hex("t1"), reason: "decision", count: 2, names: ["child", "root"] }]);
    expect(a.stats.bufferedSpans).toBe(0);
    expect(a.store.used).toBe(0);
  });

  it("waits for late arrivals: a new span pushes the decision back", () => {
    const { a, done, send } = setup();
    send([root("t1")], 0);
    send([child("t1", "c1")], 4000);
    a.tick(5000);
    expect(done).toHaveLength(0);
    send([child("t1", "c2")], 8000);
    a.tick(12_999);
    expect(done).toHaveLength(0);
    a.tick(13_000);
    expect(done.map((d) => d.count)).toEqual([3]);
  });

  it("completes a root-less trace at its max age", () => {
    const { a, done, send } = setup();
    send([child("t1")], 0);
    a.tick(29_999);
    expect(done).toHaveLength(0);
    a.tick(30_000);
    expect(done).toEqual([{ trace: hex("t1"), reason: "max-age", count: 1, names: ["child"] }]);
  });

  it("completes a trace that never stops growing at its max age", () => {
    const { a, done, send } = setup();
    send([root("t1")], 0);
    for (let t = 1000; t < 30_000; t += 1000) {
      send([child("t1", `c${t}`)], t);
      a.tick(t);
    }
    expect(done).toHaveLength(0);
    a.tick(30_000);
    expect(done).toHaveLength(1);
    expect(done[0].reason).toBe("max-age");
    expect(done[0].count).toBe(30);
  });

  it("counts and drops spans of a trace that already completed", () => {
    const { a, done, send } = setup();
    send([root("t1")], 0);
    a.tick(5000);
    expect(done).toHaveLength(1);
    const r = send([child("t1", "late"), root("t2")], 6000);
    expect(r).toEqual({ admitted: true, accepted: 1, late: 1 });
    expect(a.stats.spansLate).toBe(1);
    a.tick(11_000);
    expect(done.map((d) => d.trace)).toEqual([hex("t1"), hex("t2")]);
  });

  it("evicts the oldest traces early when the buffer is full", () => {
    const { a, done, send } = setup({ maxBufferedSpans: 4 });
    send([root("t1"), child("t1")], 0);
    send([root("t2"), child("t2")], 500);
    const r = send([root("t3"), child("t3")], 1500);
    expect(r.admitted).toBe(true);
    expect(done).toEqual([{ trace: hex("t1"), reason: "evicted", count: 2, names: ["root", "child"] }]);
    expect(a.stats.tracesEvicted).toBe(1);
    expect(a.stats.bufferedSpans).toBe(4);
  });

  it("refuses a request rather than evict traces younger than the minimum buffer time", () => {
    const { a, done, send } = setup({ maxBufferedSpans: 4 });
    send([root("t1"), child("t1")], 0);
    send([root("t2"), child("t2")], 100);
    expect(a.wouldAdmit(2, 900)).toBe(false);
    const r = send([root("t3"), child("t3")], 900);
    expect(r).toEqual({ admitted: false, accepted: 0, late: 0 });
    expect(done).toHaveLength(0);
    expect(a.stats.bufferedSpans).toBe(4);
    expect(a.stats.requestsRefused).toBe(1);
    // Once t1 is old enough, the same request gets in.
    expect(a.wouldAdmit(2, 1000)).toBe(true);
    expect(send([root("t3"), child("t3")], 1000).admitted).toBe(true);
  });

  it("flushes every buffered trace", () => {
    const { a, done, send } = setup();
    send([root("t1"), child("t2"), root("t3")], 0);
    expect(a.flush()).toBe(3);
    expect(done.map((d) => d.reason)).toEqual(["flush", "flush", "flush"]);
    expect(a.stats.bufferedTraces).toBe(0);
  });

  it("keeps spans of interleaved traces apart and reuses slots", () => {
    const { a, done, send } = setup();
    for (let round = 0; round < 3; round++) {
      const now = round * 10_000;
      send([root(`a${round}`), root(`b${round}`), child(`a${round}`), child(`b${round}`, "x"), child(`a${round}`, "y")], now);
      a.tick(now + 5000);
    }
    expect(done.map((d) => d.names.join(","))).toEqual(["root,child,y", "root,x", "root,child,y", "root,x", "root,child,y", "root,x"]);
    expect(a.store.capacity).toBe(4096);
    expect(a.store.used).toBe(0);
  });

  it("gives the span store's memory back after a burst, keeping the spans still buffered intact and in order", () => {
    const { a, done, send } = setup({ maxBufferedSpans: 1_000_000 });
    // A burst of 30 000 one-root traces grows the store; three traces that wait interleave with it.
    send([root("w1"), child("w1", "c1")], 0);
    for (let i = 0; i < 10_000; i++) send([root(`t${i}`), child(`t${i}`, "a"), child(`t${i}`, "b")], 1);
    send([child("w2", "x"), root("w2"), child("w1", "c2")], 2);
    send([child("w3", "y")], 3);
    expect(a.store.capacity).toBe(32_768);
    a.tick(5001); // the burst completes: 6 spans left of 30 006
    expect(done).toHaveLength(10_000);
    expect(a.store.capacity).toBe(4096);
    expect(a.stats.storeShrinks).toBe(1);
    expect(a.stats.bufferedSpans).toBe(6);
    // The remaining traces complete with their spans in arrival order, and the store is reused.
    send([child("w3", "z")], 6000);
    a.tick(7002);
    expect(done.slice(10_000).map((d) => `${d.trace === hex("w1") ? "w1" : "w2"}:${d.names.join(",")}`).sort()).toEqual(["w1:root,c1,c2", "w2:x,root"]);
    a.tick(30_003);
    expect(done.at(-1)).toEqual({ trace: hex("w3"), reason: "max-age", count: 2, names: ["y", "z"] });
    for (let i = 0; i < 2000; i++) send([root(`u${i}`)], 40_000);
    a.tick(45_000);
    expect(done).toHaveLength(12_003);
    expect(a.store.used).toBe(0);
  });

  it("completes traces queued behind one that waits for its max age", () => {
    const { a, done, send } = setup({ maxBufferedSpans: 1_000_000 });
    send([child("waiting")], 0);
    for (let i = 0; i < 20_000; i++) send([root(`t${i}`)], i);
    a.tick(20_000 + 5000);
    expect(done).toHaveLength(20_000);
    expect(a.stats.bufferedTraces).toBe(1);
    a.tick(30_000);
    expect(done).toHaveLength(20_001);
    expect(done[20_000].trace).toBe(hex("waiting"));
  });
});
