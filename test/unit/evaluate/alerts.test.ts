// The alert lifecycle: fire once, stay, resolve once after resolveAfter ok evaluations, a new id
// for a new incident, no-data in the middle, restart, removal, and the event's content.
import { describe, expect, it } from "vitest";
import { AlertTracker, incidentId, type AlertEvent } from "../../../src/evaluate/index.js";
import { BudgetTracker } from "../../../src/evaluate/index.js";
import { budget, makeAttribution, setup, T0, traceHex, traceKey } from "./helpers.js";

const S = 1000;
const DEF = { id: "checkout-p50", type: "latency.total", service: "checkout", operation: "POST /checkout", quantile: 0.5, threshold: "300ms", window: "10s" };

/** Window k (10 s): traces at k·10 s + 1 s, evaluation at k·10 s + 5 s (window 10 s: the open window only). */
const at = (k: number) => T0 + k * 10 * S;

describe("alert lifecycle", () => {
  // Per window: "v" violated (a 500 ms trace), "o" ok (100 ms), "-" no traffic (no-data).
  const plan = "ovv-ovoo-ov";

  function run(tracker: BudgetTracker, feed: (ms: number, now: number) => void, from = 0, to = plan.length): Array<[number, AlertEvent]> {
    const events: Array<[number, AlertEvent]> = [];
    for (let k = from; k < to; k++) {
      const step = plan[k];
      if (step === "v") feed(500, at(k) + S);
      if (step === "o") feed(100, at(k) + S);
      for (const e of tracker.evaluate(at(k) + 5 * S).alerts) events.push([k, e]);
    }
    return events;
  }

  it("fires once, stays firing, ignores no-data, resolves once after 3 ok evaluations, and a new incident gets a new id", () => {
    const { tracker, feed } = setup([DEF]);
    const events = run(tracker, (ms, now) => feed({ service: "checkout", operation: "POST /checkout", components: { checkout: ms * 0.4, payment: ms * 0.6 } }, now));
    expect(events.map(([k, e]) => [k, e.state])).toEqual([
      [1, "firing"], // first violated evaluation
      // 2 violated: still firing, no event; 3 no-data; 4 ok (1); 5 violated (ok streak broken);
      // 6 ok (1); 7 ok (2); 8 no-data (skipped); 9 ok (3): resolved
      [9, "resolved"],
      [10, "firing"],
    ]);
    const [first, resolved, second] = events.map(([, e]) => e);
    expect(first!.id).toBe(incidentId("checkout-p50", at(1) + 5 * S));
    expect(resolved!.id).toBe(first!.id);
    expect(second!.id).toBe(incidentId("checkout-p50", at(10) + 5 * S));
    expect(second!.id).not.toBe(first!.id);
    expect(first!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(first).toMatchObject({
      schema: "pbe.alert.v1",
      state: "firing",
      budgetId: "checkout-p50",
      type: "latency.total",
      service: "checkout",
      operation: "POST /checkout",
      observed: 500,
      threshold: 300,
      unit: "ms",
      window: "10s",
      startedAt: new Date(at(1) + 5 * S).toISOString(),
      at: new Date(at(1) + 5 * S).toISOString(),
      topComponents: [
        { component: "payment", share: 0.6 },
        { component: "checkout", share: 0.4 },
      ],
    });
    expect(first!.usage).toBeCloseTo(5 / 3, 12);
    expect(first!.exemplars).toHaveLength(1);
    expect(first!.summary).toBe("checkout p50 latency 500ms is over its 300ms budget (167 %) for POST /checkout; top: payment 60 %");
    expect(resolved).toMatchObject({ state: "resolved", observed: 100, startedAt: first!.startedAt, at: new Date(at(9) + 5 * S).toISOString(), topComponents: first!.topComponents, exemplars: first!.exemplars });
    expect(resolved!.summary).toBe("checkout p50 latency 100ms is back within its 300ms budget (33 %) for POST /checkout; the incident lasted 1m20s");
  });

  it("survives a restart: the open incident neither fires again nor is forgotten, and resolves with its id", () => {
    const a = setup([DEF]);
    const feedA = (ms: number, now: number) => a.feed({ service: "checkout", operation: "POST /checkout", durationMs: ms }, now);
    const before = run(a.tracker, feedA, 0, 3); // fires at 1, still firing at 2
    expect(before.map(([k, e]) => [k, e.state])).toEqual([[1, "firing"]]);
    const states = JSON.parse(JSON.stringify(a.tracker.alertStates())) as Array<{ budgetId: string; state: unknown }>;
    const rows = a.tracker.dirtyRows();

    // A new process: new strings table, same budgets, restored windows and alert states.
    const b = setup([DEF]);
    expect(b.tracker.restore(rows)).toBe(rows.length);
    expect(b.tracker.restoreAlertStates(states)).toBe(1);
    const feedB = (ms: number, now: number) => b.feed({ service: "checkout", operation: "POST /checkout", durationMs: ms }, now);
    const after = run(b.tracker, feedB, 3);
    // 5 violated: no new firing (already open); 9: resolved with the first id; 10: a new incident.
    expect(after.map(([k, e]) => [k, e.state])).toEqual([
      [9, "resolved"],
      [10, "firing"],
    ]);
    expect(after[0]![1].id).toBe(before[0]![1].id);
    expect(after[0]![1].startedAt).toBe(before[0]![1].startedAt);
  });

  it("fires after fireAfter consecutive violations, the incident starting at the first of them", () => {
    const { tracker, feed } = setup([DEF], { fireAfter: 2, resolveAfter: 1 });
    const f = (ms: number, now: number) => feed({ service: "checkout", operation: "POST /checkout", durationMs: ms }, now);
    const events: Array<[number, AlertEvent]> = [];
    "vovvov".split("").forEach((step, k) => {
      f(step === "v" ? 500 : 100, at(k) + S);
      for (const e of tracker.evaluate(at(k) + 5 * S).alerts) events.push([k, e]);
    });
    // 0 v (1), 1 o (reset), 2 v (1), 3 v (2): fires, started at 2; 4 o: resolves (resolveAfter 1); 5 v (1).
    expect(events.map(([k, e]) => [k, e.state])).toEqual([
      [3, "firing"],
      [4, "resolved"],
    ]);
    expect(events[0]![1].startedAt).toBe(new Date(at(2) + 5 * S).toISOString());
    expect(events[0]![1].id).toBe(incidentId("checkout-p50", at(2) + 5 * S));
  });

  it("resolves an incident whose budget was removed, once", () => {
    const { tracker, feed } = setup([DEF, { ...DEF, id: "other" }]);
    feed({ service: "checkout", operation: "POST /checkout", durationMs: 500 }, at(0) + S);
    const fired = tracker.evaluate(at(0) + 5 * S).alerts;
    expect(fired.map((e) => [e.budgetId, e.state])).toEqual([
      ["checkout-p50", "firing"],
      ["other", "firing"],
    ]);
    tracker.setBudgets([budget({ ...DEF, id: "other" })]);
    const closed = tracker.evaluate(at(1) + 5 * S).alerts;
    expect(closed.map((e) => [e.budgetId, e.state, e.id])).toEqual([["checkout-p50", "resolved", fired[0]!.id]]);
    expect(closed[0]!.summary).toMatch(/^budget checkout-p50 of checkout was removed while its alert was firing/);
    expect(closed[0]!.observed).toBe(500);
    expect(tracker.evaluate(at(2) + 5 * S).alerts).toEqual([]);
  });

  it("pins the exemplars of firing alerts", () => {
    const tables = setup([DEF]);
    tables.tracker.onTrace(makeAttribution(tables.tables, { service: "checkout", operation: "POST /checkout", durationMs: 800, key: 7 }), at(0) + S);
    const r = tables.tracker.evaluate(at(0) + 5 * S);
    expect(r.alerts[0]!.exemplars).toEqual([traceHex(7)]);
    expect(r.pin).toEqual([traceKey(7)]);
    expect(tables.tracker.pinnedTraceKeys()).toEqual([traceKey(7)]);
  });
});

describe("AlertTracker state", () => {
  it("refuses malformed snapshots and firing ones without an incident", () => {
    const t = new AlertTracker();
    const ok = { status: "ok", violations: 0, oks: 0, streakStartMs: null, incidentId: null, startedAtMs: null, topComponents: [], exemplars: [], last: null, budget: { type: "latency.total", service: "s", unit: "ms", window: "5m" } };
    expect(t.restore([{ budgetId: "a", state: ok }, { budgetId: "b", state: { ...ok, status: "firing" } }, { budgetId: "c", state: { nope: 1 } }])).toBe(1);
    expect(t.restoreRejected).toBe(2);
    expect(t.stateOf("a")?.status).toBe("ok");
    expect(t.restore(new Map([["d", { ...ok, status: "firing", incidentId: "abc", startedAtMs: 5 }]]))).toBe(1);
    expect(t.stateOf("d")?.incidentId).toBe("abc");
  });

  it("derives incident ids deterministically from the budget id and the start", () => {
    expect(incidentId("b", 1)).toBe(incidentId("b", 1));
    expect(incidentId("b", 1)).not.toBe(incidentId("b", 2));
    expect(incidentId("b", 1)).not.toBe(incidentId("c", 1));
    // FNV-1a 64 of "checkout-p99:1704067200000" (computed independently): ids must not change
    // across versions, or a restarted engine would rename open incidents.
    expect(incidentId("checkout-p99", 1704067200000)).toBe("0e35ba446fece3c5");
  });
});
