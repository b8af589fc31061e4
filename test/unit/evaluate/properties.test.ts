// Properties of evaluation over random valid budgets and random traffic: it never throws, usage
// is observed/threshold (threshold/observed for floors), the status follows the direction, and
// alerts alternate firing/resolved with one id per incident.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBudget, validateBudgetSet, type Budget } from "../../../src/budget/index.js";
import { BudgetTracker, type AlertEvent } from "../../../src/evaluate/index.js";
import { StringTables } from "../../../src/span/index.js";
import { makeAttribution, T0, type TraceSpec } from "./helpers.js";

const SERVICES = ["a", "b", "c"];
const OPS = ["x", "y"];

const definition = fc
  .record({
    type: fc.constantFrom(
      "latency.total",
      "latency.component",
      "latency.network",
      "latency.processing",
      "throughput.requests",
      "throughput.queries",
      "throughput.transactions",
      "throughput.events",
      "resource.cpu",
      "cost.resource",
    ),
    service: fc.constantFrom(...SERVICES),
    operation: fc.option(fc.constantFrom(...OPS), { nil: undefined }),
    component: fc.constantFrom(...SERVICES, "db"),
    withComponent: fc.boolean(),
    edge: fc.option(fc.constantFrom("a->b", "b->c", "a->db"), { nil: undefined }),
    stat: fc.constantFrom<["quantile", number] | ["aggregate", string]>(["quantile", 0.5], ["quantile", 0.9], ["quantile", 0.99], ["aggregate", "mean"], ["aggregate", "max"]),
    per: fc.constantFrom("second", "trace"),
    threshold: fc.double({ min: 0.001, max: 2000, noNaN: true }),
    direction: fc.constantFrom("max", "min"),
    window: fc.constantFrom("10s", "10s", "10s", "1m", "5m", "1h", "30d"),
    target: fc.option(fc.constantFrom(0.9, 0.99, 0.999), { nil: undefined }),
  })
  .map((r) => {
    const family = r.type.slice(0, r.type.indexOf("."));
    const def: Record<string, unknown> = { type: r.type, service: r.service, threshold: r.threshold, direction: r.direction, window: r.window };
    if (r.type !== "resource.cpu" && r.type !== "cost.resource" && r.operation !== undefined) def.operation = r.operation;
    if (r.type === "latency.component" || (r.type === "latency.processing" && r.withComponent)) def.component = r.component;
    if (r.type === "latency.network" && r.edge !== undefined) def.edge = r.edge;
    if (family === "throughput") def.per = r.per;
    const needsStat = family === "latency" || family === "resource" || (family === "throughput" && r.per === "trace");
    if (needsStat) {
      def[r.stat[0]] = r.stat[1];
      if (r.stat[0] === "quantile" && r.target !== undefined) def.target = r.target;
    }
    return def;
  });

const trace: fc.Arbitrary<TraceSpec> = fc.record({
  service: fc.constantFrom(...SERVICES),
  operation: fc.constantFrom(...OPS),
  components: fc.dictionary(fc.constantFrom(...SERVICES, "db"), fc.double({ min: 0, max: 3000, noNaN: true }), { minKeys: 1 }),
  edges: fc.dictionary(fc.constantFrom("a->b", "b->c", "a->db"), fc.double({ min: 0, max: 100, noNaN: true })),
  counts: fc.record({ dbQueries: fc.nat(40), downstreamCalls: fc.nat(10), messagingEvents: fc.nat(5) }),
  services: fc.dictionary(fc.constantFrom(...SERVICES), fc.record({ requests: fc.nat(3), queries: fc.nat(5), events: fc.nat(2) })),
  statements: fc.dictionary(fc.constantFrom("SELECT 1", "SELECT 2", "UPDATE t", "INSERT u"), fc.integer({ min: 1, max: 30 })),
});

/**
 * A step: time passes, then traces arrive, samples are observed, the tracker evaluates, or the
 * traffic switches between a light phase (every duration and count divided by 1000) and a heavy
 * one, so that budgets swing between ok and violated and alerts fire and resolve.
 */
const step = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("trace" as const), dt: fc.integer({ min: 0, max: 1_000 }), spec: trace }), weight: 6 },
  fc.record({ kind: fc.constant("phase" as const), dt: fc.constant(0), heavy: fc.boolean() }),
  fc.record({ kind: fc.constant("sample" as const), dt: fc.integer({ min: 0, max: 1_000 }), index: fc.nat(7), value: fc.double({ min: 0, max: 5000, noNaN: true }) }),
  { arbitrary: fc.record({ kind: fc.constant("evaluate" as const), dt: fc.integer({ min: 0, max: 10_000 }) }), weight: 2 },
);

function scaled(spec: TraceSpec, k: number): TraceSpec {
  const times = (r: Record<string, number> | undefined) => Object.fromEntries(Object.entries(r ?? {}).map(([n, v]) => [n, v * k]));
  const c = spec.counts ?? {};
  const whole = (n: number | undefined) => Math.round((n ?? 0) * k);
  return {
    ...spec,
    components: times(spec.components),
    edges: times(spec.edges),
    counts: { dbQueries: whole(c.dbQueries), downstreamCalls: whole(c.downstreamCalls), messagingEvents: whole(c.messagingEvents) },
  };
}

function validBudgets(defs: Array<Record<string, unknown>>): Budget[] {
  const out: Budget[] = [];
  defs.forEach((d, i) => {
    const r = parseBudget({ ...d, id: `b${i}` });
    if (r.ok) out.push(r.budget);
  });
  return validateBudgetSet(out).length === 0 ? out : [];
}

describe("evaluation properties", () => {
  it("never throws; usage, status and alerts are consistent", () => {
    fc.assert(
      fc.property(fc.array(definition, { minLength: 1, maxLength: 8 }), fc.array(step, { minLength: 1, maxLength: 400, size: "large" }), fc.integer({ min: 1, max: 3 }), (defs, steps, resolveAfter) => {
        const budgets = validBudgets(defs);
        const tables = new StringTables();
        const tracker = new BudgetTracker({ tables, resolveAfter });
        tracker.setBudgets(budgets);
        const open = new Map<string, string>();
        let t = T0;
        let scale = 1;
        for (const s of steps) {
          t += s.dt;
          if (s.kind === "phase") scale = s.heavy ? 1 : 0.001;
          else if (s.kind === "trace") tracker.onTrace(makeAttribution(tables, scaled(s.spec, scale)), t);
          else if (s.kind === "sample") {
            if (budgets.length > 0) tracker.observe(budgets[s.index % budgets.length]!.id, s.value, t);
          } else {
            const { evaluations, alerts } = tracker.evaluate(t);
            expect(evaluations.map((e) => e.budgetId)).toEqual(budgets.map((b) => b.id));
            for (const e of evaluations) {
              const b = budgets.find((x) => x.id === e.budgetId)!;
              expect(Number.isInteger(e.samples) || b.family !== "latency").toBe(true);
              if (e.observed === null || e.threshold === null) {
                expect(e.status).toBe("no-data");
                expect(e.usage).toBeNull();
              } else {
                expect(Number.isFinite(e.observed)).toBe(true);
                const violated = b.direction === "min" ? e.observed < e.threshold : e.observed > e.threshold;
                expect(e.status).toBe(violated ? "violated" : "ok");
                const u = b.direction === "min" ? e.threshold / e.observed : e.observed / e.threshold;
                expect(e.usage).toBe(Number.isFinite(u) ? u : null);
              }
              if (e.goodRatio !== undefined) {
                expect(e.goodRatio).toBeGreaterThanOrEqual(0);
                expect(e.goodRatio).toBeLessThanOrEqual(1);
                expect(e.errorBudgetRemaining).toBeCloseTo(1 - (1 - e.goodRatio) / (1 - b.target!), 9);
              }
              for (const br of e.burnRates ?? []) {
                expect(br.longRate).toBeGreaterThanOrEqual(0);
                expect(br.shortRate).toBeGreaterThanOrEqual(0);
                expect(br.alerting).toBe(br.longRate > br.factor && br.shortRate > br.factor);
              }
              for (const c of e.topComponents ?? []) expect(c.share).toBeGreaterThan(0);
            }
            for (const a of alerts as AlertEvent[]) {
              if (a.state === "firing") {
                expect(open.has(a.budgetId)).toBe(false);
                open.set(a.budgetId, a.id);
                expect(evaluations.find((e) => e.budgetId === a.budgetId)!.status).toBe("violated");
              } else {
                expect(open.get(a.budgetId)).toBe(a.id);
                open.delete(a.budgetId);
              }
              expect(a.summary.length).toBeGreaterThan(0);
            }
          }
        }
        // A restart from the checkpoint does not re-fire what is open.
        const rows = tracker.dirtyRows();
        const again = new BudgetTracker({ tables: new StringTables(), resolveAfter });
        again.setBudgets(budgets);
        again.restore(rows);
        again.restoreAlertStates(JSON.parse(JSON.stringify(tracker.alertStates())));
        for (const a of again.evaluate(t).alerts) {
          if (a.state === "firing") expect(open.has(a.budgetId)).toBe(false);
          else expect(open.get(a.budgetId)).toBe(a.id);
        }
      }),
      { numRuns: 200 },
    );
  });
});
