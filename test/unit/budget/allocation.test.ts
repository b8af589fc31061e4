import { describe, expect, it } from "vitest";
import { allocationKey, proposeAllocation, resolveThresholds, type Budget } from "../../../src/budget/index.js";
import { VALID, budget } from "./fixtures.js";

const journey = { service: "frontend", operation: "POST /api/checkout", quantile: 0.99 };
const total = (id: string, threshold: string | number, extra: Record<string, unknown> = {}) =>
  budget({ id, type: "latency.total", ...journey, threshold, ...extra });
const comp = (id: string, component: string, extra: Record<string, unknown>) =>
  budget({ id, type: "latency.component", ...journey, component, ...extra });

describe("resolveThresholds", () => {
  // Parent 1000ms. Explicit a = 200; share b = 0.3 → 300; share c = 0.2 (200) lifted by min 250;
  // share d = 0.4 (400) cut by max 100. Remainder pool p: 1000 − 200 − 300 − 250 − 100 = 150,
  // members m1, m2 (min 50), m3 (max 60).
  const set: Budget[] = [
    total("parent", "1s"),
    comp("a", "a", { parent: "parent", threshold: "200ms" }),
    comp("b", "b", { parent: "parent", share: 0.3 }),
    comp("c", "c", { parent: "parent", share: 0.2, min: "250ms" }),
    comp("d", "d", { parent: "parent", share: 0.4, max: "100ms" }),
    comp("m1", "m1", { parent: "parent", pool: "p" }),
    comp("m2", "m2", { parent: "parent", pool: "p", min: "50ms" }),
    comp("m3", "m3", { parent: "parent", pool: "p", max: "60ms" }),
  ];

  it("applies explicit thresholds, shares with min/max, and pools without observations", () => {
    const t = resolveThresholds(set);
    // m1: 150 − m2's guaranteed 50 = 100; m2: 150 (nothing reserved by the others); m3: 150 − 50 = 100, cut to 60.
    expect(Object.fromEntries(t)).toEqual({ parent: 1000, a: 200, b: 300, c: 250, d: 100, m1: 100, m2: 150, m3: 60 });
  });

  it("gives pool members what their pool-mates do not use", () => {
    const observed = new Map([["m1", 40], ["m2", 30], ["m3", 70]]);
    const t = resolveThresholds(set, (id) => observed.get(id));
    // m1: 150 − max(30, min 50) − 70 = 30; m2: 150 − 40 − 70 = 40, lifted to its min 50; m3: 150 − 40 − 50 = 60 (= its max).
    expect([t.get("m1"), t.get("m2"), t.get("m3")]).toEqual([30, 50, 60]);
    // Observations do not change explicit and share children.
    expect([t.get("a"), t.get("b"), t.get("c"), t.get("d")]).toEqual([200, 300, 250, 100]);
  });

  it("sizes a pool by its members' share and never goes below 0", () => {
    const sized = [total("parent", "1s"), comp("x", "x", { parent: "parent", pool: "q", share: 0.2 }), comp("y", "y", { parent: "parent", pool: "q", share: 0.2 })];
    expect(Object.fromEntries(resolveThresholds(sized, (id) => (id === "y" ? 150 : undefined)))).toEqual({ parent: 1000, x: 50, y: 200 });
    expect(resolveThresholds(sized, (id) => (id === "y" ? 500 : undefined)).get("x")).toBe(0);
  });

  it("gives a remainder pool 0 when the explicit children take everything", () => {
    const full = [total("parent", "1s"), comp("a", "a", { parent: "parent", threshold: "1.2s" }), comp("m", "m", { parent: "parent", pool: "p" })];
    expect(resolveThresholds(full).get("m")).toBe(0);
  });

  it("resolves recursively: a share of a share", () => {
    const tree = [total("root", "1s"), comp("mid", "payment", { parent: "root", share: 0.5 }), comp("leaf", "stripe-api", { parent: "mid", share: 0.2 })];
    expect(Object.fromEntries(resolveThresholds(tree))).toEqual({ root: 1000, mid: 500, leaf: 100 });
  });

  it("leaves out derived budgets whose parent is missing or in a cycle, keeps explicit ones", () => {
    const orphan = comp("orphan", "x", { parent: "nobody", share: 0.5 });
    const explicitOrphan = comp("eo", "x", { parent: "nobody", threshold: "10ms" });
    const loopA: Budget = { ...comp("la", "x", { parent: "lb", share: 0.5 }) };
    const loopB: Budget = { ...comp("lb", "y", { parent: "la", share: 0.5 }) };
    const t = resolveThresholds([orphan, explicitOrphan, loopA, loopB]);
    expect(Object.fromEntries(t)).toEqual({ eo: 10 });
  });

  it("takes the first of duplicate ids", () => {
    expect(resolveThresholds([total("a", "1s"), total("a", "2s")]).get("a")).toBe(1000);
  });
});

describe("allocationKey", () => {
  it("is the component, the edge, or what the budget measures", () => {
    expect(allocationKey(comp("c", "payment", { threshold: 5 }))).toBe("payment");
    expect(allocationKey(budget(VALID["latency.network"].def))).toBe("checkout->payment");
    expect(allocationKey(budget({ ...VALID["latency.network"].def, edge: undefined }))).toBe("network");
    expect(allocationKey(budget(VALID["latency.processing"].def))).toBe("processing");
    expect(allocationKey(budget(VALID["latency.total"].def))).toBe("total");
    expect(allocationKey(budget(VALID["cost.infrastructure"].def))).toBe("cart");
  });
});

describe("proposeAllocation", () => {
  const parent = total("checkout", "1s");
  const pay = comp("pay", "payment", { parent: "checkout", share: 0.3 });
  const net = budget({ id: "net", type: "latency.network", ...journey, edge: "checkout->payment", parent: "checkout", threshold: "20ms" });
  const db = comp("db", "postgresql", { parent: "checkout", threshold: "100ms" });

  it("gives observed children their observed share, keeps unobserved ones, reports headroom", () => {
    const observed = new Map([["payment", 0.4], ["checkout->payment", 0.05]]);
    const p = proposeAllocation(parent, [pay, net, db], observed, { parentObserved: 800 });
    expect(p.parentThreshold).toBe(1000);
    expect(p.unit).toBe("ms");
    expect(p.children).toEqual([
      { id: "pay", key: "payment", observedShare: 0.4, share: 0.4, threshold: 400, headroom: 400 - 0.4 * 800, basis: "observed" },
      { id: "net", key: "checkout->payment", observedShare: 0.05, share: 0.05, threshold: 50, headroom: 50 - 0.05 * 800, basis: "observed" },
      { id: "db", key: "postgresql", share: 0.1, threshold: 100, basis: "kept" },
    ]);
    expect(p.allocatedShare).toBeCloseTo(0.55, 12);
    expect(p.unallocated).toBeCloseTo(450, 9);
    expect(p.notes).toEqual([`"db" has no observed share; its current allotment is kept`]);
  });

  it("scales observed shares down when they do not fit next to the kept ones", () => {
    const observed = new Map([["payment", 0.7], ["checkout->payment", 0.6]]);
    const p = proposeAllocation(parent, [pay, net, db], observed);
    const scale = 0.9 / 1.3;
    expect(p.children.map((c) => c.share)).toEqual([0.7 * scale, 0.6 * scale, 0.1].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(p.allocatedShare).toBeCloseTo(1, 12);
    expect(p.notes.some((n) => n.includes("scaled by 0.692"))).toBe(true);
  });

  it("bounds a proposed threshold by the child's min and max", () => {
    const bounded = comp("pay", "payment", { parent: "checkout", share: 0.3, min: "250ms", max: "350ms" });
    expect(proposeAllocation(parent, [bounded], new Map([["payment", 0.1]])).children[0]).toMatchObject({ share: 0.25, threshold: 250 });
    expect(proposeAllocation(parent, [bounded], new Map([["payment", 0.9]])).children[0]).toMatchObject({ share: 0.35, threshold: 350 });
  });

  it("looks a share up by the child's id when its key is not observed, ignores nonsense, caps at 1", () => {
    expect(proposeAllocation(parent, [pay], new Map([["pay", 0.2]])).children[0]).toMatchObject({ basis: "observed", threshold: 200 });
    const nonsense = proposeAllocation(parent, [pay], new Map([["payment", Number.NaN]]));
    expect(nonsense.children[0]).toMatchObject({ basis: "kept", share: 0.3, threshold: 300 });
    expect(nonsense.notes[0]).toMatch(/is not a fraction and was ignored/);
    expect(proposeAllocation(parent, [pay], new Map([["payment", 3]])).children[0]).toMatchObject({ share: 1, threshold: 1000 });
  });

  it("needs a threshold for the parent", () => {
    const derived = comp("mid", "payment", { parent: "checkout", share: 0.5 });
    const none = proposeAllocation(derived, [], new Map());
    expect(none.children).toEqual([]);
    expect(none.notes[0]).toMatch(/has no threshold to distribute/);
    const given = proposeAllocation(derived, [comp("leaf", "stripe-api", { parent: "mid", share: 0.5 })], new Map([["stripe-api", 0.5]]), { parentThreshold: 500 });
    expect(given.children[0]).toMatchObject({ threshold: 250 });
  });
});
