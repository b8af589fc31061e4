import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Attribution } from "../../../src/attribution/index.js";
import { AttributionRing } from "../../../src/engine/index.js";

function attr(key: string, durationNs: number): Attribution {
  return {
    traceKey: key, startLo: 1, startHi: 2, rootSpanLo: 3, rootSpanHi: 4, journeyService: 5, journeyOperation: 6,
    durationNs, processingNs: durationNs, networkNs: 0, componentIds: [5], componentNs: [durationNs], edgeIds: [], edgeNs: [],
    path: new Float64Array([3, 4, 5, 6, 0, 5, 0, durationNs]),
    counts: { spans: 1, reachable: 1, duplicates: 0, async: 0, downstreamCalls: 0, dbQueries: 0, messagingEvents: 0, errors: 0 },
    serviceIds: [5], serviceRequests: [1], serviceQueries: [0], serviceEvents: [0], statementIds: [], statementCounts: [], rootMissing: false,
  };
}

describe("AttributionRing", () => {
  it("keeps the most recent `capacity` traces, oldest dropped first", () => {
    const ring = new AttributionRing(3);
    for (let i = 0; i < 5; i++) ring.add(attr(`t${i}`, i));
    expect(ring.size).toBe(3);
    expect(ring.get("t0")).toBeUndefined();
    expect(ring.get("t1")).toBeUndefined();
    expect(ring.get("t4")).toEqual(attr("t4", 4));
    expect([...ring.values()].map((a) => a.traceKey)).toEqual(["t2", "t3", "t4"]);
  });

  it("replaces a trace seen again without dropping another", () => {
    const ring = new AttributionRing(2);
    ring.add(attr("a", 1));
    ring.add(attr("b", 2));
    ring.add(attr("a", 10));
    expect(ring.get("a")?.durationNs).toBe(10);
    expect(ring.get("b")?.durationNs).toBe(2);
  });

  it("keeps pinned traces after they leave the ring, bounded", () => {
    const ring = new AttributionRing(1, 2);
    ring.add(attr("x", 1));
    expect(ring.pin("x")).toBe(true);
    expect(ring.pin("nope")).toBe(false);
    ring.add(attr("y", 2));
    expect(ring.get("x")?.durationNs).toBe(1);
    ring.pin("y");
    ring.add(attr("z", 3));
    ring.pin("z");
    expect(ring.get("x")).toBeUndefined();
    expect(ring.get("y")?.durationNs).toBe(2);
  });

  it("holds nothing with capacity 0", () => {
    const ring = new AttributionRing(0);
    ring.add(attr("a", 1));
    expect(ring.size).toBe(0);
    expect([...ring.values()]).toEqual([]);
  });
});

describe("AttributionRing arena", () => {
  function sized(key: string, durationNs: number, segments: number): Attribution {
    const a = attr(key, durationNs);
    const path = new Float64Array(8 * segments);
    for (let i = 0; i < path.length; i++) path[i] = durationNs * 1000 + i;
    a.path = path;
    return a;
  }

  /** The adds applied to a ring and to a model of it: the last `capacity` distinct traces, in last-add order. */
  function replay(capacity: number, adds: { key: number; segments: number }[]): { ring: AttributionRing; model: Map<string, Attribution> } {
    const ring = new AttributionRing(capacity);
    const model = new Map<string, Attribution>();
    adds.forEach(({ key, segments }, i) => {
      const a = sized(`k${key}`, i, segments);
      ring.add(a);
      model.delete(a.traceKey);
      model.set(a.traceKey, a);
      if (model.size > capacity) model.delete(model.keys().next().value as string);
    });
    return { ring, model };
  }

  // Up to 50 segments a trace packs into at most 430 doubles, within the arena's 1024 per slot.
  it("property: holds exactly the last `capacity` distinct traces, each as last added, for sizes within the arena's plan", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 20 }), segments: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 9, max: 50 })) }), { maxLength: 200 }),
        (capacity, adds) => {
          const { ring, model } = replay(capacity, adds);
          expect(ring.size).toBe(model.size);
          expect([...ring.values()]).toEqual([...model.values()]);
          for (let k = 0; k <= 20; k++) expect(ring.get(`k${k}`)).toEqual(model.get(`k${k}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: with traces larger than planned it keeps fewer, always the most recent ones as last added, the newest always", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 20 }), segments: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 100, max: 3000 })) }), { minLength: 1, maxLength: 150 }),
        (capacity, adds) => {
          const { ring, model } = replay(capacity, adds);
          const held = [...ring.values()];
          const recent = [...model.values()];
          expect(held.length).toBe(ring.size);
          expect(held.length).toBeGreaterThanOrEqual(1);
          expect(held).toEqual(recent.slice(recent.length - held.length));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a read is a copy: later adds that reuse the arena do not change it", () => {
    const ring = new AttributionRing(2);
    ring.add(sized("a", 1, 4));
    const a = ring.get("a")!;
    for (let i = 0; i < 50; i++) ring.add(sized(`x${i}`, i + 2, 4));
    expect(a).toEqual(sized("a", 1, 4));
  });

  it("pinned traces are copied out of the arena", () => {
    const ring = new AttributionRing(2);
    ring.add(sized("p", 7, 3));
    ring.pin("p");
    for (let i = 0; i < 50; i++) ring.add(sized(`x${i}`, i + 8, 30));
    expect(ring.get("p")).toEqual(sized("p", 7, 3));
  });
});
