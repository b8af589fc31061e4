import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALLOWED_PER,
  BUDGET_TYPES,
  BudgetSchema,
  FIELD_NAMES,
  FORBIDDEN_KEYS,
  SERVICE_LEVEL_TYPES,
  budgetFamily,
  needsStatistic,
  parseBudget,
  parseBudgetFile,
  quantityKind,
  toDefinition,
  validateBudgetSet,
  resolveThresholds,
  type BudgetType,
} from "../../../src/budget/index.js";

const anythingDeep = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  maxDepth: 4,
});

/** Values near the valid ones, so random definitions reach the cross-field rules. */
const plausibleValue = fc.oneof(
  anythingDeep,
  fc.constantFrom(...BUDGET_TYPES, "latency", "checkout", "a->b", "->", "mean", "max", "min", "avg", "second", "trace", "request", "hour", "month", "1000-requests"),
  fc.constantFrom("300ms", "300", "1.5s", "5m", "1s", "91d", "512MiB", "500m", "10MiB/s", "12/trace", "100/s", "$0.002", "€3", "-1", "", " "),
  fc.double(),
  fc.integer({ min: -5, max: 200 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer())),
);

const plausibleDefinition = fc.dictionary(
  fc.constantFrom(...FIELD_NAMES, ...FORBIDDEN_KEYS, "treshold", "x"),
  plausibleValue,
  { maxKeys: 14 },
);

describe("parseBudget never throws", () => {
  const check = (input: unknown) => {
    const r = parseBudget(input);
    if (r.ok) {
      expect(() => BudgetSchema.parse(r.budget)).not.toThrow();
      expect(parseBudget(toDefinition(r.budget))).toEqual(r);
    } else {
      expect(r.problems.length).toBeGreaterThan(0);
      for (const p of r.problems) {
        expect(typeof p.path).toBe("string");
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
  };

  it("on arbitrary values", () => {
    fc.assert(fc.property(anythingDeep, check), { numRuns: 500 });
  });

  it("on objects made of budget fields and plausible values", () => {
    fc.assert(fc.property(plausibleDefinition, check), { numRuns: 2000 });
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("on sets and files of plausible budgets", () => {
    fc.assert(
      fc.property(fc.array(plausibleDefinition, { maxLength: 6 }), (defs) => {
        const budgets = defs.flatMap((d) => {
          const r = parseBudget(d);
          return r.ok ? [r.budget] : [];
        });
        expect(Array.isArray(validateBudgetSet(budgets))).toBe(true);
        expect(resolveThresholds(budgets)).toBeInstanceOf(Map);
        const json = JSON.stringify({ budgets: defs }, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
        const file = parseBudgetFile(json, "f.json");
        expect(Array.isArray(file.problems)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

// ── Valid definitions ────────────────────────────────────────────────────────────────────────

const numText = fc
  .tuple(fc.integer({ min: 0, max: 99_999 }), fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }))
  .map(([i, f]) => (f === undefined ? String(i) : `${i}.${f}`));
const positive = (arb: fc.Arbitrary<string>) => arb.filter((t) => Number.parseFloat(t) > 0);

const thresholdFor = (type: BudgetType, per: string | undefined): fc.Arbitrary<string | number> => {
  const num = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const posNum = fc.double({ min: 1e-3, max: 1e6, noNaN: true, noDefaultInfinity: true });
  switch (quantityKind(type)) {
    case "duration":
      return fc.oneof(posNum, positive(fc.tuple(numText, fc.constantFrom("ns", "us", "µs", "ms", "s", "m", "min", "h", "d")).map(([n, u]) => `${n}${u}`)));
    case "cores":
      return fc.oneof(posNum, positive(numText), positive(fc.tuple(numText, fc.constantFrom("m", " cores", "core")).map(([n, u]) => `${n}${u}`)));
    case "bytes":
      return fc.oneof(posNum, positive(fc.tuple(numText, fc.constantFrom("", "B", "KiB", "MiB", "GB", "Gi", "K")).map(([n, u]) => `${n}${u}`)));
    case "byteRate":
      return fc.oneof(posNum, positive(fc.tuple(numText, fc.constantFrom("", "MiB/s", "KB/s", "B/sec")).map(([n, u]) => `${n}${u}`)));
    case "count":
      return fc.oneof(num, numText, numText.map((n) => `${n}${per === "trace" ? "/trace" : "/s"}`));
    case "money":
      return fc.oneof(num, numText, numText.map((n) => `$${n}`), numText.map((n) => `${n} USD`));
  }
};

const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim() !== "" && !s.includes("->"));

const idArb = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,63}$/);
const labelsArb = fc.dictionary(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,20}$/).filter((k) => !FORBIDDEN_KEYS.has(k)),
  fc.string({ maxLength: 20 }),
  { maxKeys: 5, noNullPrototype: true },
);
const statisticArb = fc.oneof(
  fc.record(
    { quantile: fc.double({ min: 0.001, max: 0.999, noNaN: true }), target: fc.double({ min: 0.5, max: 0.9999, noNaN: true }) },
    { requiredKeys: ["quantile"] },
  ),
  fc.record({ aggregate: fc.constantFrom("mean", "max") }),
);

/** One arbitrary per (type, per) pair, built once (arbitraries built inside `chain` are slow). */
function definitionsOf(type: BudgetType, per: string | undefined): fc.Arbitrary<Record<string, unknown>> {
  const effectivePer = per ?? (budgetFamily(type) === "throughput" ? "second" : undefined);
  const statistic = needsStatistic(type, effectivePer as never) ? statisticArb : fc.constant({});
  const positiveOnly = budgetFamily(type) === "latency" || budgetFamily(type) === "resource";
  return fc
    .record(
      {
        id: idArb,
        service: text(40),
        operation: SERVICE_LEVEL_TYPES.has(type) ? fc.constant(undefined) : text(40),
        component: type === "latency.component" || type === "latency.processing" ? text(20) : fc.constant(undefined),
        edge: type === "latency.network" ? fc.tuple(text(10), text(10)).map(([a, b]) => `${a}->${b}`) : fc.constant(undefined),
        threshold: thresholdFor(type, effectivePer),
        direction: fc.constantFrom("max", "min"),
        window: fc.oneof(fc.constantFrom("10s", "1m", "5m", "1h", "30d", "90d"), fc.integer({ min: 10_000, max: 90 * 86_400_000 })),
        labels: labelsArb,
        title: text(200),
        description: fc.string({ maxLength: 100 }),
        statistic,
      },
      { requiredKeys: type === "latency.component" ? ["id", "service", "threshold", "component", "statistic"] : ["id", "service", "threshold", "statistic"] },
    )
    .map(({ statistic: s, ...base }) => {
      const def: Record<string, unknown> = { ...base, ...s, type, ...(per !== undefined && { per }) };
      // Latency and resource limits of 0 are refused: lift numeric zeros.
      if (positiveOnly && def.threshold === 0) def.threshold = 1;
      return JSON.parse(JSON.stringify(def)) as Record<string, unknown>;
    });
}

const validDefinition = fc.oneof(
  ...BUDGET_TYPES.flatMap((type) => {
    const allowed = ALLOWED_PER[type];
    const pers: Array<string | undefined> = allowed.length === 0 ? [undefined] : type === "cost.performance" ? [...allowed] : [undefined, ...allowed];
    return pers.map((per) => definitionsOf(type, per));
  }),
);

describe("valid budgets", () => {
  it("parse, and round-trip through toDefinition → parseBudget to an equal budget", () => {
    fc.assert(
      fc.property(validDefinition, (def) => {
        const r = parseBudget(def);
        expect(r.ok ? [] : r.problems).toEqual([]);
        if (!r.ok) return;
        expect(r.budget.type).toBe(def.type);
        expect(Number.isFinite(r.budget.threshold)).toBe(true);
        const back = toDefinition(r.budget);
        expect(parseBudget(back)).toEqual(r);
        expect(parseBudget(JSON.parse(JSON.stringify(back)))).toEqual(r);
      }),
      { numRuns: 1500 },
    );
  });

  it("children with a share, a pool or an explicit threshold round-trip too", () => {
    const childDef = fc.record({
      id: fc.stringMatching(/^c[a-z0-9_.-]{0,20}$/),
      mode: fc.constantFrom("share", "pool", "pool+share", "threshold"),
      share: fc.double({ min: 0.001, max: 1, noNaN: true }),
      min: fc.integer({ min: 0, max: 100 }),
      span: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(childDef, ({ id, mode, share, min, span }) => {
        const def: Record<string, unknown> = { id, type: "latency.component", service: "s", component: "c", quantile: 0.9, parent: "p" };
        if (mode === "threshold") def.threshold = `${min + 1}ms`;
        else {
          if (mode !== "pool") def.share = share;
          if (mode !== "share") def.pool = "pool-1";
          def.min = `${min}ms`;
          def.max = min + span;
        }
        const r = parseBudget(def);
        expect(r.ok ? [] : r.problems).toEqual([]);
        if (r.ok) expect(parseBudget(toDefinition(r.budget))).toEqual(r);
      }),
    );
  });
});
