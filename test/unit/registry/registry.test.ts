import { describe, expect, it } from "vitest";
import { ValidationError, PbeError } from "../../../src/errors/index.js";
import { BudgetRegistry, MemoryBudgetPersistence } from "../../../src/registry/index.js";

const now = () => 1_700_000_000_000;
const p99 = { id: "checkout-p99", type: "latency.total", service: "frontend", operation: "POST /checkout", quantile: 0.99, threshold: "800ms" };
const file = `budgets:
  - { id: checkout-p99, type: latency.total, service: frontend, operation: POST /checkout, quantile: 0.99, threshold: 800ms }
  - { id: payment-share, type: latency.component, service: frontend, operation: POST /checkout, component: payment, quantile: 0.99, parent: checkout-p99, share: 0.5 }
`;

function registry() {
  const store = new MemoryBudgetPersistence();
  const reg = new BudgetRegistry(store, { currency: "USD", now });
  const seen: string[][] = [];
  reg.onChange((b) => seen.push(b.map((x) => x.id)));
  return { store, reg, seen };
}

describe("BudgetRegistry", () => {
  it("defines a budget, stores it and notifies", () => {
    const { store, reg, seen } = registry();
    const r = reg.define(p99);
    expect(r.created).toBe(true);
    expect(r.budget.threshold).toBe(800);
    expect(store.listBudgets().map((b) => [b.id, b.source])).toEqual([["checkout-p99", "api"]]);
    expect(seen).toEqual([["checkout-p99"]]);
  });

  it("refuses an invalid definition with every problem and stores nothing", () => {
    const { store, reg } = registry();
    let err: unknown;
    try {
      reg.define({ id: "Bad Id", type: "latency.total", threshold: "fast" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).problems.map((p) => p.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["id", "service", "threshold"]));
    expect(store.listBudgets()).toEqual([]);
  });

  it("validates against the set: a child of a missing parent is refused", () => {
    const { reg } = registry();
    expect(() => reg.define({ id: "orphan", type: "latency.component", service: "frontend", component: "cart", quantile: 0.9, parent: "nope", share: 0.2 })).toThrow(ValidationError);
  });

  it("dry-run validates without storing", () => {
    const { store, reg, seen } = registry();
    reg.define(p99, { dryRun: true });
    expect(store.listBudgets()).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("replaces with PUT semantics and keeps the creation time", () => {
    const { store, reg } = registry();
    reg.define(p99);
    const r = reg.define({ ...p99, id: undefined, threshold: "900ms" }, { id: "checkout-p99" });
    expect(r.created).toBe(false);
    expect(reg.get("checkout-p99")?.budget.threshold).toBe(900);
    expect(store.listBudgets()).toHaveLength(1);
    expect(() => reg.define({ ...p99, id: "other" }, { id: "checkout-p99" })).toThrow(/differs/);
  });

  it("refuses POST of an existing id", () => {
    const { reg } = registry();
    reg.define(p99);
    expect(() => reg.define(p99, { create: true })).toThrow(PbeError);
  });

  it("loads a budgets file; its budgets belong to the file", () => {
    const { reg } = registry();
    const { loaded, skipped } = reg.loadFile("/etc/pbe/budgets.yaml", file);
    expect(loaded.map((b) => b.id)).toEqual(["checkout-p99", "payment-share"]);
    expect(skipped).toEqual([]);
    expect(reg.get("payment-share")?.source).toBe("file:/etc/pbe/budgets.yaml");
    expect(() => reg.define({ ...p99, threshold: "1s" })).toThrow(/defined in \/etc\/pbe\/budgets.yaml/);
    expect(() => reg.delete("payment-share")).toThrow(/defined in/);
  });

  it("never overwrites an API-defined budget with a file's", () => {
    const { reg } = registry();
    reg.define({ ...p99, threshold: "1s" });
    const { loaded, skipped } = reg.loadFile("b.yaml", file);
    expect(skipped).toEqual(["checkout-p99"]);
    expect(loaded.map((b) => b.id)).toEqual(["payment-share"]);
    expect(reg.get("checkout-p99")?.budget.threshold).toBe(1000);
    expect(reg.get("checkout-p99")?.source).toBe("api");
  });

  it("reloading a file drops the budgets it no longer holds", () => {
    const { reg, store } = registry();
    reg.loadFile("b.yaml", file);
    reg.loadFile("b.yaml", file.split("\n").slice(0, 2).join("\n"));
    expect(reg.budgets().map((b) => b.id)).toEqual(["checkout-p99"]);
    expect(store.listBudgets().map((b) => b.id)).toEqual(["checkout-p99"]);
  });

  it("refuses a file with problems and changes nothing", () => {
    const { reg } = registry();
    reg.define({ ...p99, id: "kept" });
    expect(() => reg.loadFile("bad.yaml", "budgets:\n  - { id: x, type: latency.total }\n")).toThrow(ValidationError);
    expect(reg.budgets().map((b) => b.id)).toEqual(["kept"]);
  });

  it("refuses to delete a parent of other budgets", () => {
    const { reg } = registry();
    reg.define(p99);
    reg.define({ id: "cart-share", type: "latency.component", service: "frontend", operation: "POST /checkout", component: "cart", quantile: 0.99, parent: "checkout-p99", share: 0.2 });
    expect(() => reg.delete("checkout-p99")).toThrow(/parent of "cart-share"/);
    expect(reg.delete("cart-share")).toBe(true);
    expect(reg.delete("checkout-p99")).toBe(true);
    expect(reg.delete("checkout-p99")).toBe(false);
  });

  it("loads stored budgets after a restart and skips ones that no longer validate", () => {
    const { store, reg } = registry();
    reg.define(p99);
    store.upsertBudget("broken", { id: "broken", type: "latency.total" }, "api", now());
    const again = new BudgetRegistry(store, { currency: "USD", now });
    const problems = again.loadStored();
    expect(again.budgets().map((b) => b.id)).toEqual(["checkout-p99"]);
    expect(problems.map((p) => p.path)).toContain("broken.service");
  });
});
