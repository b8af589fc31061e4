import { describe, expect, it } from "vitest";
import { validateBudgetSet, type Budget } from "../../../src/budget/index.js";
import { VALID, budget, pathsOf } from "./fixtures.js";

const journey = { service: "frontend", operation: "POST /api/checkout", quantile: 0.99 };
const total = (id: string, threshold: string | number, extra: Record<string, unknown> = {}) =>
  budget({ id, type: "latency.total", ...journey, threshold, ...extra });
const comp = (id: string, component: string, extra: Record<string, unknown>) =>
  budget({ id, type: "latency.component", ...journey, component, ...extra });

describe("validateBudgetSet: ids and parents", () => {
  it("accepts a set without parents", () => {
    expect(validateBudgetSet(Object.values(VALID).map((v) => budget(v.def)))).toEqual([]);
  });

  it("reports a duplicate id on the later budget, naming the earlier one", () => {
    const problems = validateBudgetSet([total("a", "1s"), total("b", "1s"), total("a", "2s")]);
    expect(problems).toEqual([{ path: "budgets[2].id", message: `duplicate id "a": budgets[0] has it too; ids must be unique` }]);
  });

  it("reports a missing parent with a suggestion", () => {
    const problems = validateBudgetSet([total("checkout", "1s"), comp("pay", "payment", { parent: "chekout", threshold: "100ms" })]);
    expect(problems).toEqual([{ path: "budgets[1].parent", message: `"chekout" does not exist; did you mean "checkout"?` }]);
  });

  it("does not report a parent known to exist elsewhere (e.g. a definition that failed validation)", () => {
    const set = [comp("pay", "payment", { parent: "checkout", threshold: "100ms" })];
    expect(pathsOf(validateBudgetSet(set))).toEqual(["budgets[0].parent"]);
    expect(validateBudgetSet(set, { knownIds: ["checkout"] })).toEqual([]);
  });

  it("uses the given path prefixes", () => {
    const problems = validateBudgetSet([total("a", "1s"), total("a", "1s")], { paths: ["budgets[3]", "budgets[7]"] });
    expect(problems).toEqual([{ path: "budgets[7].id", message: `duplicate id "a": budgets[3] has it too; ids must be unique` }]);
  });

  it("reports a budget that is its own parent (built without parseBudget)", () => {
    const self: Budget = { ...total("a", "1s"), parent: "a" };
    expect(validateBudgetSet([self])).toEqual([{ path: "budgets[0].parent", message: "a budget cannot be its own parent" }]);
  });

  it("reports a cycle once, on its first member, naming every member", () => {
    const a = total("a", "1s", { parent: "c" });
    const b = total("b", "1s", { parent: "a" });
    const c = total("c", "1s", { parent: "b" });
    const problems = validateBudgetSet([a, b, c, total("d", "1s")]);
    expect(problems).toEqual([
      { path: "budgets[0].parent", message: `parents form a cycle: "a" -> "c" -> "b" -> "a"; a budget cannot be its own ancestor` },
    ]);
  });

  it("reports a two-budget cycle and leaves budgets below it alone", () => {
    const problems = validateBudgetSet([total("x", "1s", { parent: "y" }), total("y", "1s", { parent: "x" }), total("z", "10ms", { parent: "x" })]);
    expect(pathsOf(problems)).toEqual(["budgets[0].parent"]);
    expect(problems[0]!.message).toContain(`"x" -> "y" -> "x"`);
  });

  it("refuses a chain of parents deeper than 16 levels", () => {
    const chain = Array.from({ length: 19 }, (_, i) => total(`l${i}`, "1s", i === 0 ? {} : { parent: `l${i - 1}` }));
    const problems = validateBudgetSet(chain);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => /deeper than 16 levels/.test(p.message))).toBe(true);
    expect(validateBudgetSet(chain.slice(0, 17))).toEqual([]);
  });
});

describe("validateBudgetSet: parent and child compatibility", () => {
  const parent = total("checkout", "1s");

  it("accepts latency children of the same journey, and of any journey when the parent has none", () => {
    expect(validateBudgetSet([parent, comp("pay", "payment", { parent: "checkout", threshold: "100ms" })])).toEqual([]);
    const anyJourney = budget({ id: "all", type: "latency.total", service: "frontend", quantile: 0.99, threshold: "2s" });
    expect(validateBudgetSet([anyJourney, comp("pay", "payment", { parent: "all", threshold: "100ms" })])).toEqual([]);
  });

  it("refuses a child of another family", () => {
    const cpu = budget({ ...VALID["resource.cpu"].def, parent: "checkout", threshold: 1 });
    expect(validateBudgetSet([parent, cpu])).toEqual([
      { path: "budgets[1].parent", message: `the parent "checkout" is a latency.total budget and this one resource.cpu; a child must be of its parent's family (resource)` },
    ]);
  });

  it("refuses a child with another unit", () => {
    const memory = budget({ ...VALID["resource.memory"].def, id: "mem" });
    const cpu = budget({ ...VALID["resource.cpu"].def, parent: "mem" });
    const problems = validateBudgetSet([memory, cpu]);
    expect(pathsOf(problems)).toEqual(["budgets[1].type"]);
    expect(problems[0]!.message).toMatch(/measured in cores and the parent "mem" \(resource.memory\) in bytes/);
  });

  it("refuses a child with another per or direction", () => {
    const perRequest = budget({ ...VALID["cost.performance"].def, id: "p" });
    const per1000 = budget({ ...VALID["cost.performance"].def, id: "c", per: "1000-requests", parent: "p", threshold: 0.001 });
    expect(pathsOf(validateBudgetSet([perRequest, per1000]))).toEqual(["budgets[1].per"]);
    const floor = budget({ ...VALID["throughput.requests"].def, id: "floor", direction: "min" });
    const ceiling = budget({ ...VALID["throughput.requests"].def, id: "ceil", parent: "floor", threshold: 10 });
    const problems = validateBudgetSet([floor, ceiling]);
    expect(problems).toEqual([{ path: "budgets[1].direction", message: `is "max" but the parent "floor" is "min"; a child must have its parent's direction` }]);
  });

  it("refuses a latency child of another service", () => {
    const other = budget({ id: "pay", type: "latency.component", service: "payment", component: "payment", quantile: 0.99, threshold: "100ms", parent: "checkout" });
    const problems = validateBudgetSet([parent, other]);
    expect(pathsOf(problems)).toEqual(["budgets[1].service"]);
    expect(problems[0]!.message).toMatch(/is "payment" but the parent "checkout" is on the journeys of "frontend"/);
  });

  it("refuses a latency child of another journey, or of every journey", () => {
    const otherOp = comp("pay", "payment", { operation: "GET /api/cart", parent: "checkout", threshold: "100ms" });
    const noOp = budget({ id: "pay2", type: "latency.component", service: "frontend", component: "payment", quantile: 0.99, threshold: "100ms", parent: "checkout" });
    const problems = validateBudgetSet([parent, otherOp, noOp]);
    expect(pathsOf(problems)).toEqual(["budgets[1].operation", "budgets[2].operation"]);
    expect(problems[0]!.message).toBe(`is "GET /api/cart" but the parent "checkout" is on the journey "POST /api/checkout"; give the child operation "POST /api/checkout"`);
    expect(problems[1]!.message).toMatch(/^is absent \(every journey\)/);
  });

  it("accepts non-latency children of other services (a shared cost budget split per service)", () => {
    const shop = budget({ ...VALID["cost.infrastructure"].def, id: "shop", service: "shop", threshold: 1000 });
    const cart = budget({ ...VALID["cost.infrastructure"].def, id: "cart", service: "cart", parent: "shop", share: 0.4, threshold: undefined });
    const pay = budget({ ...VALID["cost.infrastructure"].def, id: "pay", service: "payment", parent: "shop", threshold: 500 });
    expect(validateBudgetSet([shop, cart, pay])).toEqual([]);
  });
});

describe("validateBudgetSet: allocation", () => {
  const parent = total("checkout", "1s");

  it("accepts an exact fit, including binary-fraction shares (0.1 + 0.2 + 0.7)", () => {
    const set = [
      parent,
      comp("a", "a", { parent: "checkout", share: 0.1 }),
      comp("b", "b", { parent: "checkout", share: 0.2 }),
      comp("c", "c", { parent: "checkout", share: 0.7 }),
    ];
    expect(validateBudgetSet(set)).toEqual([]);
  });

  it("refuses over-allocation, naming the parent, every child and the figures", () => {
    const set = [
      parent,
      comp("front", "frontend", { parent: "checkout", threshold: "300ms" }),
      comp("pay", "payment", { parent: "checkout", share: 0.5 }),
      comp("inv", "inventory", { parent: "checkout", pool: "backends", share: 0.2 }),
      comp("db", "postgresql", { parent: "checkout", pool: "backends", share: 0.2 }),
    ];
    // 300ms + 500ms + 200ms is exactly the parent's 1s: it fits.
    expect(validateBudgetSet(set)).toEqual([]);
    const over = [...set.slice(0, 2), comp("pay", "payment", { parent: "checkout", share: 0.55 }), ...set.slice(3)];
    const message = validateBudgetSet(over)[0]!.message;
    expect(pathsOf(validateBudgetSet(over))).toEqual(["budgets[0]"]);
    expect(message).toBe(
      `"checkout" is over-allocated: its threshold is 1s but its children take 1.05s (50ms too much): ` +
        `"front" 300ms (threshold), "pay" 55% = 550ms (share), pool "backends" 20% = 200ms ("inv", "db"); ` +
        `lower a child's threshold, share or min, or raise "checkout"'s threshold`,
    );
  });

  it("counts a share child's min when it lifts the share", () => {
    const set = [parent, comp("front", "frontend", { parent: "checkout", threshold: "450ms" }), comp("pay", "payment", { parent: "checkout", share: 0.5, min: "600ms" })];
    const problems = validateBudgetSet(set);
    expect(pathsOf(problems)).toEqual(["budgets[0]"]);
    expect(problems[0]!.message).toContain(`"pay" 50% = 600ms bounded by its min (share)`);
    expect(problems[0]!.message).toContain("children take 1.05s (50ms too much)");
    // The same share bounded by a max fits.
    const fits = [parent, comp("front", "frontend", { parent: "checkout", threshold: "600ms" }), comp("pay", "payment", { parent: "checkout", share: 0.5, max: "400ms" })];
    expect(validateBudgetSet(fits)).toEqual([]);
  });

  it("counts the minimums of the remainder pool's members", () => {
    const set = [
      parent,
      comp("front", "frontend", { parent: "checkout", threshold: "900ms" }),
      comp("inv", "inventory", { parent: "checkout", pool: "rest", min: "60ms" }),
      comp("db", "postgresql", { parent: "checkout", pool: "rest", min: "50ms" }),
      comp("cart", "cart", { parent: "checkout", pool: "rest" }),
    ];
    const problems = validateBudgetSet(set);
    expect(pathsOf(problems)).toEqual(["budgets[0]"]);
    expect(problems[0]!.message).toContain(`the minimums of remainder pool "rest" "inv" 60ms + "db" 50ms = 110ms`);
    expect(problems[0]!.message).toContain("children take 1.01s (10ms too much)");
    // Without the minimums, the pool takes the 100ms remainder and fits.
    expect(validateBudgetSet(set.map((b) => ({ ...b, min: undefined, minText: undefined })))).toEqual([]);
  });

  it("does not check over-allocation of a direction: min parent", () => {
    const floor = budget({ ...VALID["throughput.requests"].def, id: "floor", direction: "min", threshold: 10 });
    const child = budget({ ...VALID["throughput.requests"].def, id: "c", direction: "min", parent: "floor", threshold: 50 });
    expect(validateBudgetSet([floor, child])).toEqual([]);
  });

  it("checks a derived parent with its resolved threshold (two levels)", () => {
    const set = [
      parent,
      comp("pay", "payment", { parent: "checkout", share: 0.5 }),
      comp("stripe", "stripe-api", { parent: "pay", threshold: "300ms" }),
      comp("pay-db", "postgresql", { parent: "pay", threshold: "250ms" }),
    ];
    const problems = validateBudgetSet(set);
    expect(pathsOf(problems)).toEqual(["budgets[1]"]);
    expect(problems[0]!.message).toMatch(/^"pay" is over-allocated: its threshold is 500ms but its children take 550ms \(50ms too much\)/);
  });

  it("requires the members of a pool to agree on share", () => {
    const set = [parent, comp("inv", "inventory", { parent: "checkout", pool: "p", share: 0.2 }), comp("db", "postgresql", { parent: "checkout", pool: "p" })];
    expect(validateBudgetSet(set)).toEqual([
      {
        path: "budgets[2].share",
        message: `the members of pool "p" of "checkout" must agree on share ("inv" 0.2, "db" none); give them all the same share (the pool's size), or none to take the parent's remainder`,
      },
    ]);
  });

  it("allows one remainder pool per parent", () => {
    const set = [parent, comp("a", "a", { parent: "checkout", pool: "p" }), comp("b", "b", { parent: "checkout", pool: "q" })];
    const problems = validateBudgetSet(set);
    expect(pathsOf(problems)).toEqual(["budgets[2].pool"]);
    expect(problems[0]!.message).toMatch(/already has a remainder pool \("p"\), and this pool "q" has no share either/);
  });

  it("requires a sized pool to hold its members' minimums", () => {
    const set = [
      parent,
      comp("a", "a", { parent: "checkout", pool: "p", share: 0.1, min: "60ms" }),
      comp("b", "b", { parent: "checkout", pool: "p", share: 0.1, min: "50ms" }),
    ];
    expect(validateBudgetSet(set)).toEqual([
      { path: "budgets[1].pool", message: `pool "p" of "checkout" is 100ms (10%) but its members' minimums add up to 110ms: "a" 60ms + "b" 50ms; lower a min or raise the pool's share` },
    ]);
  });
});

describe("validateBudgetSet: one report per mistake", () => {
  it("leaves a child of the wrong unit out of its parent's allocation", () => {
    const memory = budget({ ...VALID["resource.memory"].def, id: "mem", threshold: "1GiB" });
    const cpu = budget({ ...VALID["resource.cpu"].def, parent: "mem", threshold: 5e9 });
    expect(pathsOf(validateBudgetSet([memory, cpu]))).toEqual(["budgets[1].type"]);
  });
});
