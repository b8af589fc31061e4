// Request rates for cost.performance: SERVER spans of a service, or traces of a journey, per
// second over the interval, from the first trace seen.
import { describe, expect, it } from "vitest";
import { RequestRates } from "../../../src/costing/index.js";
import { StringTables } from "../../../src/span/index.js";
import { makeAttribution, T0, type TraceSpec } from "../evaluate/helpers.js";

function setup(intervalMs = 60_000) {
  const tables = new StringTables();
  const rates = new RequestRates(tables.strings, intervalMs);
  const feed = (spec: TraceSpec, t: number) => rates.onTrace(makeAttribution(tables, spec), t);
  return { tables, rates, feed };
}

const CHECKOUT: TraceSpec = { service: "frontend", operation: "POST /checkout", services: { frontend: { requests: 2 }, payment: { requests: 1 } } };
const CART: TraceSpec = { service: "frontend", operation: "GET /cart", services: { frontend: { requests: 1 } } };

describe("RequestRates", () => {
  it("counts SERVER spans of a service in any trace, and traces of a journey", () => {
    const { rates, feed } = setup();
    rates.want([{ service: "frontend" }, { service: "payment" }, { service: "frontend", operation: "POST /checkout" }]);
    // 60 s: a checkout and a cart every second.
    for (let s = 0; s < 60; s++) {
      feed(CHECKOUT, T0 + s * 1000);
      feed(CART, T0 + s * 1000 + 500);
    }
    const now = T0 + 60_000;
    // Observed: the 60 s since the first trace. frontend: 3 SERVER spans a second; payment 1; checkouts 1.
    expect(rates.rate({ service: "frontend" }, now)).toBeCloseTo(3, 12);
    expect(rates.rate({ service: "payment" }, now)).toBeCloseTo(1, 12);
    expect(rates.rate({ service: "frontend", operation: "POST /checkout" }, now)).toBeCloseTo(1, 12);
    expect(rates.rate({ service: "frontend", operation: "GET /cart" }, now)).toBeNull(); // not wanted
  });

  it("is per second over the last interval only, and over the time observed before a full interval", () => {
    const { rates, feed } = setup(10_000);
    rates.want([{ service: "frontend" }]);
    for (let s = 0; s < 30; s++) feed({ ...CART, services: { frontend: { requests: s < 20 ? 1 : 5 } } }, T0 + s * 1000);
    // At 5 s: 5 requests (0 … 4 s) over the 5 s since the first trace.
    // At 30 s: the buckets 20 … 29 s: 10 × 5 = 50 over 10 s.
    expect(rates.rate({ service: "frontend" }, T0 + 30_000)).toBeCloseTo(5, 12);
    const again = setup(10_000);
    again.rates.want([{ service: "frontend" }]);
    for (let s = 0; s < 5; s++) again.feed(CART, T0 + s * 1000);
    expect(again.rates.rate({ service: "frontend" }, T0 + 5000)).toBeCloseTo(1, 12);
  });

  it("is null before a second of traffic, and 0 when traffic flows but none of these requests", () => {
    const { rates, feed } = setup();
    rates.want([{ service: "frontend" }, { service: "nobody" }]);
    expect(rates.rate({ service: "frontend" }, T0)).toBeNull();
    feed(CART, T0);
    expect(rates.rate({ service: "frontend" }, T0 + 500)).toBeNull();
    feed(CART, T0 + 1000);
    expect(rates.rate({ service: "frontend" }, T0 + 2000)).toBeCloseTo(1, 12);
    expect(rates.rate({ service: "nobody" }, T0 + 2000)).toBe(0);
  });

  it("resolves names seen later, and keeps the counts of keys still wanted", () => {
    const { rates, feed } = setup();
    rates.want([{ service: "late" }]);
    feed(CART, T0); // "late" is not a name yet
    feed({ service: "late", operation: "GET /", services: { late: { requests: 4 } } }, T0 + 1000);
    rates.want([{ service: "late" }, { service: "frontend" }]);
    feed(CART, T0 + 2000);
    // late: 4 requests over the 3 s since the first trace it saw (T0).
    expect(rates.rate({ service: "late" }, T0 + 3000)).toBeCloseTo(4 / 3, 12);
    // frontend is counted from the first trace after it was wanted (T0 + 2 s).
    expect(rates.rate({ service: "frontend" }, T0 + 3000)).toBeCloseTo(1, 12);
  });

  it("refuses an interval under a second", () => {
    expect(() => new RequestRates(new StringTables().strings, 500)).toThrow(RangeError);
  });
});
