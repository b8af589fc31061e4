// Throughput budgets (rates and per trace), samples from elsewhere (observe), with a fake clock.
import { describe, expect, it } from "vitest";
import { topStatements } from "../../../src/evaluate/index.js";
import { setup, T0 } from "./helpers.js";

const S = 1000;

describe("per-second rates", () => {
  it("counts a service's SERVER spans in any trace over the observed seconds of the window", () => {
    const { feed, evalOf } = setup([{ id: "cart-rps", type: "throughput.requests", service: "cart", threshold: "5/s", direction: "min", window: "1m" }]);
    // One trace a second for 60 s, each with 2 SERVER spans of cart (the journeys are frontend's).
    for (let k = 0; k < 60; k++) feed({ service: "frontend", services: { frontend: { requests: 1 }, cart: { requests: 2 } } }, T0 + k * S);
    // At 1:00 the range is the six closed windows 0:00 … 0:50: 60 traces × 2 = 120 requests, and
    // the engine observed all 60 s (coverage starts with the first trace at 0:00):
    // rate = 120 / 60 = 2/s < 5/s: violated; usage (floor) = 5 / 2 = 2.5.
    expect(evalOf(T0 + 60 * S, "cart-rps")).toMatchObject({ status: "violated", observed: 2, threshold: 5, usage: 2.5, samples: 120, unit: "requests/s" });
    // At 1:05 the range is 0:10 … the open 1:00 window: 50 traces (100 requests) over 55 s observed.
    expect(evalOf(T0 + 65 * S, "cart-rps").observed).toBeCloseTo(100 / 55, 12);
  });

  it("is no-data until traces flow and one base window is observed, then 0/s when traffic stops", () => {
    const { feed, evalOf } = setup([{ id: "floor", type: "throughput.transactions", service: "payment", threshold: 1, direction: "min", window: "1m" }]);
    expect(evalOf(T0, "floor").status).toBe("no-data"); // nothing flowing yet: time is not counted
    expect(evalOf(T0 + 30 * S, "floor").status).toBe("no-data");
    feed({ service: "payment", operation: "charge" }, T0 + 31 * S); // the pipeline flows from here
    expect(evalOf(T0 + 35 * S, "floor")).toMatchObject({ status: "no-data", samples: 1 }); // 4 s observed < 10 s
    // At 0:41: 10 s observed, 1 transaction: 0.1/s < 1/s.
    expect(evalOf(T0 + 41 * S, "floor")).toMatchObject({ status: "violated", observed: 0.1, samples: 1 });
    // Two minutes later, nothing came: 0/s over a fully observed minute; usage undefined (1/0).
    expect(evalOf(T0 + 161 * S, "floor")).toMatchObject({ status: "violated", observed: 0, samples: 0, usage: null });
  });

  it("counts only journeys of the operation when the budget names one; queries and events per service", () => {
    const { feed, tracker } = setup([
      { id: "req-op", type: "throughput.requests", service: "frontend", operation: "POST /checkout", threshold: 100, window: "10s" },
      { id: "req", type: "throughput.requests", service: "frontend", threshold: 100, window: "10s" },
      { id: "q", type: "throughput.queries", service: "cart", threshold: 100, window: "10s" },
      { id: "ev", type: "throughput.events", service: "checkout", threshold: 100, window: "10s" },
      { id: "tx", type: "throughput.transactions", service: "frontend", operation: "POST /checkout", threshold: 100, window: "10s" },
    ]);
    feed({ service: "frontend", operation: "POST /checkout", services: { frontend: { requests: 1 }, cart: { requests: 1, queries: 3 }, checkout: { events: 2 } } }, T0, 4);
    feed({ service: "frontend", operation: "GET /cart", services: { frontend: { requests: 1 }, cart: { queries: 1 } } }, T0, 6);
    feed({ service: "cart", operation: "sync", services: { cart: { requests: 1, queries: 5 }, frontend: { requests: 2 } } }, T0, 1);
    // Evaluate at 0:10, one window (0:00 … 0:10) fully observed: counts / 10 s.
    const ev = Object.fromEntries(tracker.evaluate(T0 + 10 * S).evaluations.map((e) => [e.budgetId, [e.observed, e.samples]]));
    expect(ev).toEqual({
      "req-op": [0.4, 4], // 4 checkout journeys × 1 frontend SERVER span
      req: [1.2, 12], // 4 + 6 + 2 frontend SERVER spans, in any trace
      q: [2.3, 23], // 4 × 3 + 6 × 1 + 5 cart queries
      ev: [0.8, 8], // 4 × 2 checkout events
      tx: [0.4, 4], // 4 completed checkout journeys
    });
  });
});

describe("per trace", () => {
  it("takes per-trace counts of the journey into the digest", () => {
    const { feed, tracker } = setup([
      { id: "q", type: "throughput.queries", service: "frontend", operation: "POST /checkout", per: "trace", quantile: 0.5, threshold: 12 },
      { id: "r", type: "throughput.requests", service: "frontend", per: "trace", aggregate: "max", threshold: 10 },
      { id: "e", type: "throughput.events", service: "frontend", per: "trace", aggregate: "mean", threshold: 1 },
      { id: "t", type: "throughput.transactions", service: "frontend", per: "trace", aggregate: "mean", threshold: 1 },
    ]);
    for (const q of [4, 8, 24, 30]) feed({ service: "frontend", operation: "POST /checkout", counts: { dbQueries: q, downstreamCalls: q / 2, messagingEvents: q === 4 ? 2 : 0 } }, T0);
    const ev = Object.fromEntries(tracker.evaluate(T0 + S).evaluations.map((e) => [e.budgetId, e]));
    // queries 4, 8, 24, 30: p50 = sorted[2] = 24 > 12: violated, usage 2.
    expect(ev.q).toMatchObject({ status: "violated", observed: 24, usage: 2, unit: "queries/trace" });
    expect(ev.r).toMatchObject({ status: "violated", observed: 15 });
    expect(ev.e).toMatchObject({ status: "ok", observed: 0.5 });
    expect(ev.t).toMatchObject({ status: "ok", observed: 1, usage: 1 });
  });

  it("keeps the statements run most often in one trace, per window (N+1 evidence)", () => {
    const { feed, tracker } = setup([{ id: "n1", type: "throughput.queries", service: "frontend", per: "trace", quantile: 0.95, threshold: 12 }]);
    feed({ service: "frontend", statements: { "SELECT * FROM items WHERE id = ?": 12, "SELECT * FROM users WHERE id = ?": 1 } }, T0);
    feed({ service: "frontend", statements: { "SELECT * FROM items WHERE id = ?": 20, "UPDATE carts SET n = ?": 2, "INSERT INTO audit VALUES (?)": 3 } }, T0 + 11 * S);
    tracker.evaluate(T0 + 70 * S);
    const view = tracker.view("n1", T0, T0 + 70 * S, T0 + 70 * S)!;
    // Per window the top 3 by executions in one trace; merged, still the top 3.
    expect(topStatements(view.extra)).toEqual([
      { statement: "SELECT * FROM items WHERE id = ?", maxPerTrace: 20, total: 32 },
      { statement: "INSERT INTO audit VALUES (?)", maxPerTrace: 3, total: 3 },
      { statement: "UPDATE carts SET n = ?", maxPerTrace: 2, total: 2 },
    ]);
  });
});

describe("samples from elsewhere (observe)", () => {
  it("evaluates resource and cost budgets from samples, with the same windows", () => {
    const { tracker } = setup([
      { id: "cpu", type: "resource.cpu", service: "payment", quantile: 0.5, threshold: "1500m", window: "1m" },
      { id: "mem", type: "resource.memory", service: "checkout", aggregate: "max", threshold: "1GiB", window: "1m" },
      { id: "cost", type: "cost.resource", service: "payment", threshold: 0.12, window: "1m" },
      { id: "rate", type: "throughput.events", service: "checkout", threshold: "500/s", window: "1m" },
    ]);
    for (const c of [0.5, 1, 2, 2.5]) tracker.observe("cpu", c, T0);
    tracker.observe("mem", 2 ** 29, T0);
    tracker.observe("mem", 2 ** 31, T0);
    tracker.observe("cost", 0.1, T0);
    tracker.observe("cost", 0.2, T0);
    expect(tracker.observe("nope", 1, T0)).toBe(false);
    const ev = Object.fromEntries(tracker.evaluate(T0 + S).evaluations.map((e) => [e.budgetId, e]));
    expect(ev.cpu).toMatchObject({ status: "violated", observed: 2, threshold: 1.5, unit: "cores" }); // sorted[2] = 2
    expect(ev.mem).toMatchObject({ status: "violated", observed: 2 ** 31, usage: 2 });
    expect(ev.cost!.observed).toBeCloseTo(0.15, 12);
    expect(ev.cost).toMatchObject({ status: "violated", unit: "USD" });
    expect(ev.rate!.status).toBe("no-data");
  });
});
