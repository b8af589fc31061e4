// Latency budgets with a fake clock: what each type records, the evaluated window, the statistic,
// status and usage, and the violations split (top components, exemplars). Data is chosen so the
// digest is exact (at most 100 values: every centroid is a single value, and
// quantile(q) = sorted[min(n − 1, ⌊q·n⌋)]).
import { describe, expect, it } from "vitest";
import { setup, T0, traceHex } from "./helpers.js";

const S = 1000;
const checkout = { service: "frontend", operation: "POST /checkout" };

describe("latency.total", () => {
  it("takes the quantile, mean or max of the journey's durations over the window", () => {
    const { feed, tracker } = setup([
      { id: "p50", type: "latency.total", ...checkout, quantile: 0.5, threshold: "300ms", window: "1m" },
      { id: "mean", type: "latency.total", ...checkout, aggregate: "mean", threshold: "600ms", window: "1m" },
      { id: "max", type: "latency.total", ...checkout, aggregate: "max", threshold: "1s", window: "1m" },
    ]);
    for (let i = 1; i <= 10; i++) feed({ ...checkout, durationMs: i * 100 }, T0 + i * S);
    const ev = tracker.evaluate(T0 + 15 * S).evaluations;
    // sorted = 100..1000; p50 = sorted[⌊0.5·10⌋] = sorted[5] = 600 > 300: violated, usage 2.
    expect(ev[0]).toMatchObject({ budgetId: "p50", status: "violated", observed: 600, threshold: 300, usage: 2, unit: "ms", samples: 10, window: "1m", windowMs: 60_000 });
    // mean = 5500 / 10 = 550 ≤ 600: ok, usage 550/600.
    expect(ev[1]).toMatchObject({ status: "ok", observed: 550, threshold: 600, samples: 10 });
    expect(ev[1]!.usage).toBeCloseTo(550 / 600, 12);
    // max = 1000 is not over 1000: ok, usage exactly 1.
    expect(ev[2]).toMatchObject({ status: "ok", observed: 1000, threshold: 1000, usage: 1 });
    expect(ev[0]!.evaluatedAt).toBe(new Date(T0 + 15 * S).toISOString());
    expect(ev[0]!.operation).toBe("POST /checkout");
  });

  it("evaluates the base windows starting in [alignUp(now − window), now)", () => {
    const { feed, evalOf } = setup([{ id: "b", type: "latency.total", service: "frontend", aggregate: "max", threshold: "1s", window: "1m" }]);
    feed({ service: "frontend", durationMs: 900 }, T0 + 5 * S);
    feed({ service: "frontend", durationMs: 100 }, T0 + 65 * S);
    // At 1:05 the range is the windows starting at 0:10 … 1:00 (the open one): the trace at 0:05 is out.
    expect(evalOf(T0 + 65 * S, "b")).toMatchObject({ observed: 100, samples: 1 });
    // At 1:00 exactly, the six closed windows 0:00 … 0:50: only the trace at 0:05.
    const aligned = setup([{ id: "b", type: "latency.total", service: "frontend", aggregate: "max", threshold: "1s", window: "1m" }]);
    aligned.feed({ service: "frontend", durationMs: 900 }, T0 + 5 * S);
    aligned.feed({ service: "frontend", durationMs: 100 }, T0 + 60 * S); // recorded at 1:00: the window of 1:00
    expect(aligned.evalOf(T0 + 60 * S, "b")).toMatchObject({ observed: 900, samples: 1 });
    // At 0:59 the window of 0:00 is still in (0:00 … 0:50).
    const again = setup([{ id: "b", type: "latency.total", service: "frontend", aggregate: "max", threshold: "1s", window: "1m" }]);
    again.feed({ service: "frontend", durationMs: 900 }, T0 + 5 * S);
    expect(again.evalOf(T0 + 59 * S, "b")).toMatchObject({ observed: 900, samples: 1 });
  });

  it("is no-data without samples, before and after traffic", () => {
    const { feed, evalOf } = setup([{ id: "b", type: "latency.total", service: "frontend", quantile: 0.99, threshold: 300, window: "1m", target: 0.99 }]);
    const before = evalOf(T0, "b");
    expect(before).toMatchObject({ status: "no-data", observed: null, usage: null, threshold: 300, samples: 0 });
    expect(before.goodRatio).toBeUndefined();
    feed({ service: "frontend", durationMs: 100 }, T0 + S);
    expect(evalOf(T0 + 2 * S, "b").status).toBe("ok");
    expect(evalOf(T0 + 2 * 60 * S, "b")).toMatchObject({ status: "no-data", samples: 0 });
  });

  it("routes by journey: root service and, when set, operation", () => {
    const { feed, tracker } = setup([
      { id: "op", type: "latency.total", ...checkout, aggregate: "max", threshold: 1000 },
      { id: "svc", type: "latency.total", service: "frontend", aggregate: "max", threshold: 1000 },
    ]);
    feed({ ...checkout, durationMs: 100 }, T0);
    feed({ service: "frontend", operation: "GET /cart", durationMs: 200 }, T0);
    feed({ service: "cart", operation: "POST /checkout", durationMs: 900 }, T0); // another root service
    const [op, svc] = tracker.evaluate(T0 + S).evaluations;
    expect(op).toMatchObject({ observed: 100, samples: 1 });
    expect(svc).toMatchObject({ observed: 200, samples: 2 });
  });

  it("resolves names seen only after the budget was defined", () => {
    const { feed, evalOf, tables } = setup([{ id: "late", type: "latency.component", service: "late-svc", operation: "op", component: "late-db", aggregate: "max", threshold: 1000 }]);
    expect(tables.strings.lookup("late-svc")).toBe(-1); // the tracker never interns
    feed({ service: "late-svc", operation: "op", components: { "late-svc": 10, "late-db": 40 } }, T0);
    expect(evalOf(T0 + S, "late")).toMatchObject({ observed: 40, samples: 1 });
  });
});

describe("latency.component, .processing, .network", () => {
  it("records a component's time in each journey, 0 when it is not on the path", () => {
    const { feed, tracker } = setup([
      { id: "pay-mean", type: "latency.component", ...checkout, component: "payment", aggregate: "mean", threshold: 100 },
      { id: "pay-max", type: "latency.component", ...checkout, component: "payment", aggregate: "max", threshold: 250 },
    ]);
    feed({ ...checkout, components: { frontend: 50, payment: 100 } }, T0);
    feed({ ...checkout, components: { frontend: 50, payment: 200 } }, T0);
    feed({ ...checkout, components: { frontend: 50, payment: 300 } }, T0);
    feed({ ...checkout, components: { frontend: 50 } }, T0);
    const [mean, max] = tracker.evaluate(T0 + S).evaluations;
    // values 0, 100, 200, 300: mean 150 > 100, violated, usage 1.5; max 300 > 250.
    expect(mean).toMatchObject({ status: "violated", observed: 150, usage: 1.5, samples: 4 });
    expect(max).toMatchObject({ status: "violated", observed: 300, usage: 1.2 });
  });

  it("processing: all components, or one; network: all edges, or one", () => {
    const { feed, tracker } = setup([
      { id: "proc", type: "latency.processing", ...checkout, aggregate: "max", threshold: 1000 },
      { id: "proc-pay", type: "latency.processing", ...checkout, component: "payment", aggregate: "max", threshold: 1000 },
      { id: "net", type: "latency.network", ...checkout, aggregate: "max", threshold: 1000 },
      { id: "net-pay", type: "latency.network", ...checkout, edge: "frontend->payment", aggregate: "max", threshold: 1000 },
      { id: "net-db", type: "latency.network", ...checkout, edge: "payment->db", aggregate: "max", threshold: 1000 },
    ]);
    feed({ ...checkout, components: { frontend: 50, payment: 120 }, edges: { "frontend->payment": 20, "frontend->cart": 10 } }, T0);
    const ev = Object.fromEntries(tracker.evaluate(T0 + S).evaluations.map((e) => [e.budgetId, e.observed]));
    expect(ev).toEqual({ proc: 170, "proc-pay": 120, net: 30, "net-pay": 20, "net-db": 0 });
  });
});

describe("violations split", () => {
  it("gives the components' shares of the violating traces and their exemplars, worst first", () => {
    const { feed, evalOf } = setup([{ id: "b", type: "latency.total", ...checkout, quantile: 0.5, threshold: "300ms", window: "1m" }]);
    feed({ ...checkout, components: { frontend: 100, payment: 300 }, key: 41 }, T0 + S); // 400ms: over
    feed({ ...checkout, components: { frontend: 100, payment: 400, postgresql: 100 }, key: 42 }, T0 + 12 * S); // 600ms: over
    feed({ ...checkout, components: { frontend: 100, payment: 50 }, key: 43 }, T0 + 13 * S); // 150ms: within
    const e = evalOf(T0 + 20 * S, "b");
    // Violating traces: 400 + 600 = 1000ms; payment 300 + 400 = 700 → 0.7, frontend 200 → 0.2, postgresql 100 → 0.1.
    expect(e.topComponents).toEqual([
      { component: "payment", share: 0.7 },
      { component: "frontend", share: 0.2 },
      { component: "postgresql", share: 0.1 },
    ]);
    expect(e.exemplars).toEqual([traceHex(42), traceHex(41)]);
  });

  it("uses edges for network budgets and records within-budget traces too", () => {
    const { feed, tracker } = setup([{ id: "n", type: "latency.network", ...checkout, aggregate: "max", threshold: 25, window: "1m" }]);
    feed({ ...checkout, components: { frontend: 10 }, edges: { "frontend->payment": 30, "frontend->cart": 10 } }, T0); // 40 > 25
    feed({ ...checkout, components: { frontend: 10 }, edges: { "frontend->payment": 5 } }, T0); // 5
    const e = tracker.evaluate(T0 + S).evaluations[0]!;
    // Shares of the violating trace's duration (50ms): payment edge 30/50, cart edge 10/50.
    expect(e.topComponents).toEqual([
      { component: "frontend->payment", share: 0.6 },
      { component: "frontend->cart", share: 0.2 },
    ]);
    const extra = tracker.view("n", T0, T0 + 10 * S, T0 + S)!.extra;
    expect(extra).toMatchObject({ "bad.n": 1, "good.n": 1, "bad.ns": 50e6, "good.ns": 15e6, "good.c:frontend->payment": 5e6 });
  });

  it("has no top components or exemplars without violating traces", () => {
    const { feed, evalOf } = setup([{ id: "b", type: "latency.total", service: "frontend", aggregate: "max", threshold: 1000 }]);
    feed({ service: "frontend", durationMs: 100 }, T0);
    const e = evalOf(T0 + S, "b");
    expect(e.topComponents).toBeUndefined();
    expect(e.exemplars).toBeUndefined();
  });
});
