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
