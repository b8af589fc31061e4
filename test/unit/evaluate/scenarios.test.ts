// Evaluation scenarios: each folder of test/scenarios-eval holds budgets (budgets.yaml), traffic
// with evaluation ticks (traffic.yaml) and the hand-computed evaluations and alerts
// (expected.yaml). See test/scenarios-eval/README.md for the format.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseBudgetFile } from "../../../src/budget/index.js";
import { BudgetTracker, incidentId, type AlertEvent, type Evaluation } from "../../../src/evaluate/index.js";
import { StringTables } from "../../../src/span/index.js";
import { parseDurationMs } from "../../../src/units/index.js";
import { makeAttribution, T0, type TraceSpec } from "./helpers.js";

const root = join(import.meta.dirname, "../../scenarios-eval");
const scenarios = readdirSync(root).filter((d) => ["budgets.yaml", "traffic.yaml", "expected.yaml"].every((f) => existsSync(join(root, d, f))));

interface Step {
  at: string;
  trace?: TraceSpec;
  repeat?: number;
  every?: string;
  observe?: { budget: string; value: number };
  evaluate?: boolean;
}

interface Expected {
  evaluations?: Array<{ at: string; budgets: Record<string, Record<string, unknown>> }>;
  alerts?: Array<Record<string, unknown> & { at: string; idStartedAt?: string }>;
}

function ms(text: string | number): number {
  const v = parseDurationMs(text);
  if (v === undefined) throw new Error(`not a duration: ${String(text)}`);
  return v;
}

/** Checks `want` against `got` field by field: numbers to 6 decimals, `exemplars: N` as a count, objects and arrays recursively. */
function check(got: unknown, want: unknown, path: string): void {
  if (typeof want === "number") {
    expect(typeof got, path).toBe("number");
    expect(got as number, path).toBeCloseTo(want, 6);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), path).toBe(true);
    expect((got as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => check((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (want !== null && typeof want === "object") {
    for (const [k, w] of Object.entries(want)) check((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else {
    expect(got, path).toEqual(want);
  }
}

function run(name: string): { evaluations: Map<number, Evaluation[]>; alerts: Array<[number, AlertEvent]> } {
  const file = parseBudgetFile(readFileSync(join(root, name, "budgets.yaml"), "utf8"), "budgets.yaml");
  expect(file.problems).toEqual([]);
  const traffic = parse(readFileSync(join(root, name, "traffic.yaml"), "utf8")) as { steps: Step[] };
  const tables = new StringTables();
  const tracker = new BudgetTracker({ tables });
  tracker.setBudgets(file.budgets);
  // Expand repeats; order by time, then by position in the file.
  const events: Array<{ t: number; order: number; step: Step }> = [];
  traffic.steps.forEach((step, i) => {
    const n = step.repeat ?? 1;
    const every = step.every === undefined ? 0 : ms(step.every);
    for (let k = 0; k < n; k++) events.push({ t: T0 + ms(step.at) + k * every, order: i, step });
  });
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  const evaluations = new Map<number, Evaluation[]>();
  const alerts: Array<[number, AlertEvent]> = [];
  for (const { t, step } of events) {
    if (step.trace) tracker.onTrace(makeAttribution(tables, step.trace), t);
    if (step.observe) tracker.observe(step.observe.budget, step.observe.value, t);
    if (step.evaluate) {
      const r = tracker.evaluate(t);
      evaluations.set(t - T0, r.evaluations);
      for (const a of r.alerts) alerts.push([t - T0, a]);
    }
  }
  return { evaluations, alerts };
}

describe("evaluation scenarios", () => {
  it("has the scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of scenarios) {
    it(name, () => {
      const expected = parse(readFileSync(join(root, name, "expected.yaml"), "utf8")) as Expected;
      const { evaluations, alerts } = run(name);
      for (const tick of expected.evaluations ?? []) {
        const got = evaluations.get(ms(tick.at));
        expect(got, `an evaluation at ${tick.at}`).toBeDefined();
        for (const [id, fields] of Object.entries(tick.budgets)) {
          const e = got!.find((x) => x.budgetId === id);
          expect(e, `${id} at ${tick.at}`).toBeDefined();
          const { exemplars, ...rest } = fields;
          check(e, rest, `${tick.at} ${id}`);
          if (typeof exemplars === "number") expect(e!.exemplars ?? [], `${tick.at} ${id}.exemplars`).toHaveLength(exemplars);
        }
      }
      const want = expected.alerts ?? [];
      expect(alerts.map(([t, a]) => [t, a.budgetId, a.state])).toEqual(want.map((a) => [ms(a.at), a.budgetId, a.state]));
      want.forEach((w, i) => {
        const [, got] = alerts[i]!;
        const { at: _at, idStartedAt, ...fields } = w;
        check(got, fields, `alert ${i}`);
        if (idStartedAt !== undefined) {
          expect(got.id).toBe(incidentId(got.budgetId, T0 + ms(idStartedAt)));
          expect(got.startedAt).toBe(new Date(T0 + ms(idStartedAt)).toISOString());
        }
        expect(got.schema).toBe("pbe.alert.v1");
      });
    });
  }
});
