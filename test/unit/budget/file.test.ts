import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BUDGET_TYPES, parseBudgetFile, resolveThresholds, validateBudgetSet } from "../../../src/budget/index.js";
import { pathsOf } from "./fixtures.js";

const EXAMPLE_PATH = fileURLToPath(new URL("../../../examples/budgets.yaml", import.meta.url));
const example = readFileSync(EXAMPLE_PATH, "utf8");

describe("examples/budgets.yaml", () => {
  const { budgets, problems } = parseBudgetFile(example, "budgets.yaml");

  it("validates cleanly", () => {
    expect(problems).toEqual([]);
    expect(budgets.length).toBe((parseYaml(example) as { budgets: unknown[] }).budgets.length);
    expect(validateBudgetSet(budgets)).toEqual([]);
  });

  it("covers all 16 types", () => {
    expect(new Set(budgets.map((b) => b.type))).toEqual(new Set(BUDGET_TYPES));
  });

  it("shows the features the docs promise: allocation of all three kinds, N+1, a floor, targets", () => {
    const children = budgets.filter((b) => b.parent === "checkout-p99");
    expect(children.some((b) => b.threshold !== undefined && b.share === undefined && b.pool === undefined)).toBe(true);
    expect(children.some((b) => b.share !== undefined && b.pool === undefined)).toBe(true);
    expect(children.filter((b) => b.pool !== undefined).length).toBeGreaterThan(1);
    expect(budgets.some((b) => b.type === "throughput.queries" && b.per === "trace" && b.quantile !== undefined)).toBe(true);
    expect(budgets.some((b) => b.family === "throughput" && b.direction === "min")).toBe(true);
    expect(budgets.filter((b) => b.target !== undefined).length).toBeGreaterThanOrEqual(2);
    for (const s of ["frontend", "cart", "checkout", "payment", "inventory"]) expect(budgets.some((b) => b.service === s)).toBe(true);
    expect(budgets.some((b) => b.component === "postgresql")).toBe(true);
    expect(budgets.some((b) => b.component === "stripe-api")).toBe(true);
    expect(budgets.some((b) => b.edge === "checkout->payment")).toBe(true);
  });

  it("resolves the allocation as its comments say", () => {
    const t = resolveThresholds(budgets);
    expect(t.get("checkout-payment")).toBe(360);
    expect(t.get("checkout-stripe")).toBe(300);
    // The remainder 1200 − 150 − 40 − 360 − 300 = 350ms, minus the others' minimums.
    expect([t.get("checkout-service"), t.get("checkout-inventory"), t.get("checkout-postgres")]).toEqual([260, 300, 310]);
  });

  it("reads the same as JSON", () => {
    const json = JSON.stringify(parseYaml(example), null, 2);
    const fromJson = parseBudgetFile(json, "budgets.json");
    expect(fromJson.problems).toEqual([]);
    expect(fromJson.budgets).toEqual(budgets);
  });
});

describe("parseBudgetFile", () => {
  const yaml = [
    "budgets:", //                                  1
    "  - id: ok", //                                2
    "    type: latency.total", //                   3
    "    service: checkout", //                     4
    "    quantile: 0.99", //                        5
    "    threshold: 300ms", //                      6
    "  - id: bad", //                               7
    "    type: latency.total", //                   8
    "    service: checkout", //                     9
    "    quantile: 0.99", //                        10
    '    threshold: "300"', //                      11
    "    labels:", //                               12
    "      tier: 1", //                             13
    "  - id: ok", //                                14
    "    type: latency.total", //                   15
    "    service: checkout", //                     16
    "    aggregate: mean", //                       17
    "    threshold: 1s", //                         18
  ].join("\n");

  it("reports problems by index with the line, and keeps the valid budgets", () => {
    const r = parseBudgetFile(yaml, "budgets.yaml");
    expect(r.budgets.map((b) => b.id)).toEqual(["ok", "ok"]);
    expect(r.problems).toEqual([
      { path: "budgets[1].threshold", message: `"300" is not a duration; write e.g. "300ms" or "1.5s" (a bare number is milliseconds) (line 11)` },
      { path: "budgets[1].labels.tier", message: `1 is not a string; label values are text (quote numbers, e.g. "1") (line 13)` },
      { path: "budgets[2].id", message: `duplicate id "ok": budgets[0] has it too; ids must be unique (line 14)` },
    ]);
  });

  it("points at the budget when a required field is missing", () => {
    const r = parseBudgetFile("budgets:\n  - id: a\n    type: latency.total\n    quantile: 0.5\n    threshold: 1s\n", "b.yml");
    expect(r.problems).toEqual([{ path: "budgets[0].service", message: `required: a service name, e.g. "checkout" (line 2)` }]);
  });

  it("accepts a top-level list and reports it as budgets[i]", () => {
    const r = parseBudgetFile("- id: a\n  type: latency.total\n  service: s\n  quantile: 0.5\n  threshold: 1s\n- id: b\n", "list.yaml");
    expect(r.budgets.map((b) => b.id)).toEqual(["a"]);
    expect(pathsOf(r.problems)).toEqual(["budgets[1].type", "budgets[1].service", "budgets[1].threshold"]);
    expect(r.problems[0]!.message).toMatch(/\(line 6\)$/);
  });

  it("reports YAML syntax errors with line and column and stops there", () => {
    const r = parseBudgetFile("budgets:\n  - id: a\n    type: [latency.total\n  - id: b\n", "bad.yaml");
    expect(r.budgets).toEqual([]);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems[0]!.path).toMatch(/^bad\.yaml:\d+:\d+$/);
    expect(r.problems[0]!.message).toMatch(/^YAML syntax error: /);
  });

  it("reports a duplicate key as a YAML error at its line", () => {
    const r = parseBudgetFile("budgets:\n  - id: a\n    id: b\n", "dup.yaml");
    expect(r.problems).toEqual([{ path: "dup.yaml:3:5", message: "YAML syntax error: Map keys must be unique" }]);
  });

  it("reports JSON syntax errors with line and column", () => {
    const r = parseBudgetFile('{\n  "budgets": [\n    {"id": "a",}\n  ]\n}', "bad.json");
    expect(r.budgets).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toMatch(/^bad\.json:3:\d+$/);
    expect(r.problems[0]!.message).toMatch(/^not valid JSON: /);
  });

  it("reports the line of a problem in a JSON file", () => {
    const json = '{\n  "budgets": [\n    {"id": "a", "type": "latency.total", "service": "s", "quantile": 0.5,\n     "threshold": "slow"}\n  ]\n}';
    const r = parseBudgetFile(json, "b.json");
    expect(r.problems).toEqual([{ path: "budgets[0].threshold", message: `"slow" is not a duration; write e.g. "300ms" or "1.5s" (a bare number is milliseconds) (line 4)` }]);
  });

  it("sniffs the format when the extension says nothing", () => {
    const def = { id: "a", type: "latency.total", service: "s", quantile: 0.5, threshold: "1s" };
    expect(parseBudgetFile(JSON.stringify({ budgets: [def] }), "budgets").budgets).toHaveLength(1);
    expect(parseBudgetFile("budgets:\n  - " + JSON.stringify(def), "budgets.txt").budgets).toHaveLength(1);
    // Flow-style YAML that is not JSON, sniffed as JSON first, is read as YAML.
    expect(parseBudgetFile("{budgets: [{id: a, type: latency.total, service: s, quantile: 0.5, threshold: 1s}]}", "-").budgets).toHaveLength(1);
  });

  it("strips a byte-order mark", () => {
    expect(parseBudgetFile("\ufeffbudgets: []\n", "b.yaml")).toEqual({ budgets: [], problems: [] });
  });

  it("refuses an empty file, a missing or mistyped budgets key, and budgets that are not a list", () => {
    expect(parseBudgetFile("", "e.yaml").problems).toEqual([{ path: "e.yaml", message: "the file is empty; write budgets: [ … ]" }]);
    const typo = parseBudgetFile("budget:\n  - id: a\n", "t.yaml");
    expect(typo.problems).toEqual([
      { path: "budget", message: `unknown top-level key; did you mean "budgets"? (line 1)` },
      { path: "budgets", message: "required: the list of budgets, e.g. budgets: [ { id: checkout-p99, … } ]" },
    ]);
    expect(parseBudgetFile("budgets: {a: 1}\n", "m.yaml").problems[0]!.message).toMatch(/^an object is not a list/);
    expect(parseBudgetFile("42\n", "n.yaml").problems[0]!.message).toMatch(/^42 is not a budget file/);
  });

  it("does not report a missing parent when the parent is in the file but invalid", () => {
    const text = [
      "budgets:",
      "  - { id: parent, type: latency.total, service: s, quantile: 0.5, threshold: fast }",
      "  - { id: child, type: latency.component, service: s, component: c, quantile: 0.5, parent: parent, share: 0.5 }",
    ].join("\n");
    const r = parseBudgetFile(text, "p.yaml");
    expect(pathsOf(r.problems)).toEqual(["budgets[0].threshold"]);
  });

  it("reports set problems with the file's indices after an invalid budget", () => {
    const text = [
      "budgets:",
      "  - { id: Broken }",
      "  - { id: a, type: latency.total, service: s, quantile: 0.5, threshold: 1s }",
      "  - { id: a, type: latency.total, service: s, quantile: 0.5, threshold: 2s }",
    ].join("\n");
    const r = parseBudgetFile(text, "i.yaml");
    // Valid budgets 0 and 1 are the file's 1 and 2.
    expect(r.problems.at(-1)).toEqual({ path: "budgets[2].id", message: `duplicate id "a": budgets[1] has it too; ids must be unique (line 4)` });
  });

  it("refuses an alias bomb", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]", "budgets: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]"].join("\n");
    const r = parseBudgetFile(bomb, "bomb.yaml");
    expect(r.budgets).toEqual([]);
    expect(r.problems[0]!.message).toMatch(/^cannot read YAML: .*alias/i);
  });

  it("refuses a document nested deeper than 128 levels before the YAML parser recurses into it (found by scripts/fuzz.mjs: it could kill the process)", () => {
    for (const [text, name] of [
      [`budgets: ${"[".repeat(3000)}1${"]".repeat(3000)}\n`, "flow.yaml"],
      [`budgets: ${'{"a":'.repeat(2000)}1${"}".repeat(2000)}\n`, "flow-map.yaml"],
      [`{"budgets": ${"[".repeat(200)}${"]".repeat(200)}}`, "deep.json"],
      ["budgets:\n" + Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n"), "block.yaml"],
      [`budgets:\n  ${"- ".repeat(300)}x\n`, "seq.yaml"],
    ] as const) {
      const r = parseBudgetFile(text, name);
      expect(r.budgets).toEqual([]);
      expect(r.problems).toEqual([{ path: expect.stringMatching(new RegExp(`^${name.replace(".", "\\.")}:\\d+$`)) as unknown as string, message: "nested deeper than 128 levels; a budget file is a few levels deep" }]);
    }
    // The example file and ordinary nesting pass the guard.
    expect(parseBudgetFile(example, EXAMPLE_PATH).problems).toEqual([]);
    expect(parseBudgetFile(`budgets: ${"[".repeat(100)}${"]".repeat(100)}\n`, "ok.yaml").problems[0]?.message).not.toMatch(/nested deeper/);
  });

  it("refuses prototype keys in YAML and JSON and leaves Object.prototype untouched", () => {
    const y = parseBudgetFile("__proto__: {polluted: true}\nbudgets:\n  - {id: a, type: latency.total, service: s, quantile: 0.5, threshold: 1s, __proto__: {polluted: true}}\n", "p.yaml");
    expect(pathsOf(y.problems)).toEqual(["__proto__", "budgets[0].__proto__"]);
    const j = parseBudgetFile('{"budgets": [{"id": "a", "type": "latency.total", "service": "s", "quantile": 0.5, "threshold": "1s", "labels": {"constructor": "x"}}]}', "p.json");
    expect(pathsOf(j.problems)).toEqual(["budgets[0].labels.constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});
