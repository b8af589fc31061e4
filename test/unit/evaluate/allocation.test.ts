// Allocated children get their effective threshold from the parent's (resolveThresholds), with
// pools using the members' observed values of the same evaluation.
import { describe, expect, it } from "vitest";
import { budget as setupBudget, setup, T0 } from "./helpers.js";

const S = 1000;
const journey = { service: "frontend", operation: "POST /checkout" };
const parent = { id: "checkout-p99", type: "latency.total", ...journey, quantile: 0.99, threshold: "1s" };

describe("allocation", () => {
  it("gives a share child share × the parent's threshold, bounded by min/max", () => {
    const { feed, tracker } = setup([
      parent,
      { id: "pay", type: "latency.component", ...journey, component: "payment", quantile: 0.99, parent: "checkout-p99", share: 0.3, min: "200ms", max: "500ms" },
      { id: "stripe", type: "latency.component", ...journey, component: "stripe-api", quantile: 0.99, parent: "checkout-p99", share: 0.1, min: "150ms" },
    ]);
    feed({ ...journey, components: { frontend: 100, payment: 350, "stripe-api": 120 } }, T0);
    const ev = Object.fromEntries(tracker.evaluate(T0 + S).evaluations.map((e) => [e.budgetId, e]));
    // pay: 0.3 × 1000 = 300 (within [200, 500]); observed 350 > 300: violated, usage 350/300.
    expect(ev.pay).toMatchObject({ threshold: 300, observed: 350, status: "violated" });
    expect(ev.pay!.usage).toBeCloseTo(350 / 300, 12);
    // stripe: 0.1 × 1000 = 100, raised to its min 150; observed 120: ok.
    expect(ev.stripe).toMatchObject({ threshold: 150, observed: 120, status: "ok", usage: 0.8 });
    expect(ev["checkout-p99"]).toMatchObject({ threshold: 1000, observed: 570 });
  });

  it("gives a pool member what its pool-mates leave of the pool, by their observed values", () => {
    const { feed, tracker } = setup([
      parent,
      { id: "front", type: "latency.component", ...journey, component: "frontend", quantile: 0.99, parent: "checkout-p99", threshold: "400ms" },
      { id: "inv", type: "latency.component", ...journey, component: "inventory", quantile: 0.99, parent: "checkout-p99", pool: "backends", min: "50ms" },
      { id: "db", type: "latency.component", ...journey, component: "postgresql", quantile: 0.99, parent: "checkout-p99", pool: "backends", min: "100ms" },
    ]);
    feed({ ...journey, components: { frontend: 100, inventory: 250, postgresql: 200 } }, T0);
    const ev = Object.fromEntries(tracker.evaluate(T0 + S).evaluations.map((e) => [e.budgetId, e]));
    // Pool (remainder) = 1000 − 400 = 600. inv: 600 − max(observed db 200, min 100) = 400;
    // db: 600 − max(observed inv 250, min 50) = 350.
    expect(ev.inv).toMatchObject({ threshold: 400, observed: 250, status: "ok" });
    expect(ev.db).toMatchObject({ threshold: 350, observed: 200, status: "ok" });
  });

  it("follows a parent's threshold change while keeping the child's history", () => {
    const { feed, tracker } = setup([parent, { id: "pay", type: "latency.component", ...journey, component: "payment", quantile: 0.99, parent: "checkout-p99", share: 0.5 }]);
    feed({ ...journey, components: { payment: 400 } }, T0);
    expect(tracker.evaluate(T0 + S).evaluations[1]).toMatchObject({ threshold: 500, status: "ok" });
    const r = tracker.setBudgets(
      [{ ...parent, threshold: "600ms" }, { id: "pay", type: "latency.component", ...journey, component: "payment", quantile: 0.99, parent: "checkout-p99", share: 0.5 }].map((d) => setupBudget(d)),
    );
    expect(r.kept).toEqual(["checkout-p99", "pay"]);
    expect(tracker.evaluate(T0 + 2 * S).evaluations[1]).toMatchObject({ threshold: 300, observed: 400, status: "violated", samples: 1 });
  });
});
