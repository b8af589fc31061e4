// The tracker as an observer of the real engine (assembler + attributor): span-level traffic in,
// evaluations out. Checks the names the tracker resolves (components, edges `caller->callee`,
// virtual components) and the per-service counts against real attributions.
import { describe, expect, it } from "vitest";
import { parseBudget, type Budget } from "../../../src/budget/index.js";
import { Engine } from "../../../src/engine/index.js";
import { BudgetTracker } from "../../../src/evaluate/index.js";
import { buildBatch, ms, type SpanSpec } from "../../helpers/spans.js";

const budget = (def: Record<string, unknown>): Budget => {
  const r = parseBudget(def);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.budget;
};

/** A checkout: frontend → payment (20ms of network around 60ms of payment, 3 db queries of 10ms). */
function checkout(trace: string): SpanSpec[] {
  const at = (v: number) => ms(v);
  return [
    { id: `${trace}-root`, trace, service: "frontend", name: "POST", kind: "server", start: at(0), end: at(100), attributes: { "http.route": "/checkout" } },
    { id: `${trace}-pc`, trace, parent: `${trace}-root`, service: "frontend", name: "pay", kind: "client", start: at(10), end: at(90) },
    { id: `${trace}-ps`, trace, parent: `${trace}-pc`, service: "payment", name: "POST /pay", kind: "server", start: at(20), end: at(80) },
    ...[0, 1, 2].map((i) => ({
      id: `${trace}-q${i}`,
      trace,
      parent: `${trace}-ps`,
      service: "payment",
      name: "SELECT",
      kind: "client" as const,
      start: at(30 + i * 15),
      end: at(40 + i * 15),
      attributes: { "db.system": "postgresql", "db.query.text": "SELECT * FROM cards WHERE id = ?" },
    })),
  ];
}

describe("tracker behind the engine", () => {
  it("evaluates attributed traces", () => {
    const engine = new Engine({ decisionWaitMs: 1000, maxTraceAgeMs: 10_000, maxBufferedSpans: 100_000, minBufferTimeMs: 0, recentTraces: 100, maxKeysPerService: 100, maxStrings: 10_000 });
    const tracker = new BudgetTracker({ tables: engine.tables });
    tracker.setBudgets(
      [
        { id: "total", type: "latency.total", service: "frontend", operation: "/checkout", aggregate: "max", threshold: "90ms" },
        { id: "pay", type: "latency.component", service: "frontend", operation: "/checkout", component: "payment", aggregate: "max", threshold: "50ms" },
        { id: "db", type: "latency.component", service: "frontend", operation: "/checkout", component: "postgresql", aggregate: "max", threshold: "50ms" },
        { id: "edge", type: "latency.network", service: "frontend", operation: "/checkout", edge: "frontend->payment", aggregate: "max", threshold: "50ms" },
        { id: "pay-rps", type: "throughput.requests", service: "payment", threshold: 100, window: "1m" },
        { id: "pay-qps", type: "throughput.queries", service: "payment", threshold: 100, window: "1m" },
        { id: "n1", type: "throughput.queries", service: "frontend", per: "trace", aggregate: "max", threshold: 2 },
      ].map(budget),
    );
    engine.addObserver(tracker);
    const T = Date.UTC(2024, 0, 1);
    engine.ingestSpans(buildBatch([...checkout("t1"), ...checkout("t2")], engine.tables), 0, T);
    engine.tick(T + 2000); // past the decision wait: both traces complete
    const ev = Object.fromEntries(tracker.evaluate(T + 12_000).evaluations.map((e) => [e.budgetId, e]));
    // Critical path: frontend 0–10 and 90–100 (20ms), network frontend->payment 10–20 and 80–90
    // (20ms), payment 20–30, 40–45, 55–60, 70–80 (30ms), postgresql 3 × 10ms (30ms).
    expect(ev.total).toMatchObject({ observed: 100, status: "violated", samples: 2 });
    expect(ev.pay).toMatchObject({ observed: 30, status: "ok" });
    expect(ev.db).toMatchObject({ observed: 30, status: "ok" });
    expect(ev.edge).toMatchObject({ observed: 20, status: "ok" });
    // 2 SERVER spans and 6 queries of payment; observed time runs from the first trace (T + 2 s,
    // when the decision wait completed both) to T + 12 s: 10 s.
    expect(ev["pay-rps"]).toMatchObject({ observed: 0.2, samples: 2 });
    expect(ev["pay-qps"]).toMatchObject({ observed: 0.6, samples: 6 });
    expect(ev.n1).toMatchObject({ observed: 3, status: "violated" });
    expect(ev.total!.topComponents).toEqual([
      { component: "payment", share: 0.3 },
      { component: "postgresql", share: 0.3 },
      { component: "frontend", share: 0.2 },
    ]);
    expect(engine.counters.observerErrors).toBe(0);
  });
});
