import { describe, expect, it } from "vitest";
import { MAX_YAML_DEPTH, yamlTooDeep } from "../../../src/yaml/index.js";

describe("yamlTooDeep", () => {
  it("passes ordinary documents", () => {
    expect(yamlTooDeep("budgets:\n  - id: a\n    labels: { team: web, tier: [1, 2] }\n  - id: b\n")).toBeUndefined();
    expect(yamlTooDeep('{"budgets": [{"id": "a", "labels": {"x": "y"}}]}')).toBeUndefined();
    expect(yamlTooDeep("")).toBeUndefined();
  });

  it("counts flow brackets, block indentation levels and leading sequence indicators, with the line", () => {
    // A line is one block level; each open bracket one more.
    expect(yamlTooDeep("[".repeat(MAX_YAML_DEPTH - 1))).toBeUndefined();
    expect(yamlTooDeep("[".repeat(MAX_YAML_DEPTH))).toEqual({ depth: MAX_YAML_DEPTH + 1, line: 1 });
    expect(yamlTooDeep("a:\n b:\n  c:\n   d: 1\n", 3)).toEqual({ depth: 4, line: 4 });
    expect(yamlTooDeep("a:\n b:\nc:\n d:\n", 2)).toBeUndefined(); // dedent pops levels
    expect(yamlTooDeep("- - - - x\n", 4)).toEqual({ depth: 5, line: 1 });
    expect(yamlTooDeep("a: [[\n[[1]]]]\n", 4)).toEqual({ depth: 5, line: 2 });
  });

  it("over-estimates rather than misses: brackets in strings and comments count", () => {
    expect(yamlTooDeep('a: "[[[["\n', 3)).toBeDefined();
    expect(yamlTooDeep("a: 1 # {{{{\n", 3)).toBeDefined();
    expect(yamlTooDeep("a: don't [[[[\n", 3)).toBeDefined();
  });
});
