import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BUDGET_TYPES, budgetFileJsonSchema, budgetJsonSchema } from "../../../src/budget/index.js";
import { VALID } from "./fixtures.js";

const example = parseYaml(readFileSync(fileURLToPath(new URL("../../../examples/budgets.yaml", import.meta.url)), "utf8")) as { budgets: Array<Record<string, unknown>> };

describe("budgetJsonSchema", () => {
  // Default strictness (unknown keywords throw); union types such as ["number", "string"] allowed.
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
  const validate = ajv.compile(budgetJsonSchema());

  it("is a draft 2020-12 object schema with every field and no others", () => {
    const schema = budgetJsonSchema() as { $schema: string; properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(Object.keys(schema.properties)).toContain("threshold");
    expect(schema.required).toEqual(["id", "type", "service"]);
    expect(schema.additionalProperties).toBe(false);
    expect((schema.properties.type as { enum: string[] }).enum).toEqual([...BUDGET_TYPES]);
  });

  it("accepts every budget of the example file", () => {
    for (const b of example.budgets) expect(validate(b), `${String(b.id)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it("accepts a valid definition of every type", () => {
    for (const t of BUDGET_TYPES) expect(validate(VALID[t].def), `${t}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it.each([
    ["an unknown key", { ...VALID["latency.total"].def, treshold: 1 }],
    ["an unknown type", { ...VALID["latency.total"].def, type: "latency.totl" }],
    ["a bad id", { ...VALID["latency.total"].def, id: "Bad Id" }],
    ["a quantile of 1", { ...VALID["latency.total"].def, quantile: 1 }],
    ["latency.component without component", { ...VALID["latency.component"].def, component: undefined }],
    ["a component on latency.total", { ...VALID["latency.total"].def, component: "x" }],
    ["an edge on latency.total", { ...VALID["latency.total"].def, edge: "a->b" }],
    ["per on a latency budget", { ...VALID["latency.total"].def, per: "second" }],
    ["a per the type does not take", { ...VALID["cost.resource"].def, per: "month" }],
    ["an empty service", { ...VALID["latency.total"].def, service: "" }],
  ])("refuses %s", (_name, def) => {
    const defined = JSON.parse(JSON.stringify(def)) as unknown;
    expect(validate(defined)).toBe(false);
  });

  it("has a budget-file variant that accepts the example file", () => {
    const validateFile = ajv.compile(budgetFileJsonSchema());
    expect(validateFile(example), ajv.errorsText(validateFile.errors)).toBe(true);
    expect(validateFile({ budget: [] })).toBe(false);
  });
});
