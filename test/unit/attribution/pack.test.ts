import { describe, expect, it } from "vitest";
import { Attributor, emptyAttribution, packAttribution, packedLength, packInto, unpackAttribution, unpackFrom } from "../../../src/attribution/index.js";
import { StringTables } from "../../../src/span/index.js";
import { loadScenario, scenarioNames } from "../../helpers/scenarios.js";
import { buildBatch, ms, type SpanSpec } from "../../helpers/spans.js";

describe("packed attributions", () => {
  it.each(scenarioNames())("round-trips scenario %s exactly", (name) => {
    const specs = loadScenario(name).spans.map((s) => ({ ...s, start: ms(s.start), end: ms(s.end) })) as SpanSpec[];
    const tables = new StringTables();
    const batch = buildBatch(specs, tables);
    const a = new Attributor(tables.strings).attribute({ key: "k".repeat(16), cols: batch, slots: Int32Array.from({ length: batch.length }, (_, i) => i), count: batch.length });
    const packed = packAttribution(a);
    expect(unpackAttribution(packed)).toEqual(a);
    // Inside a larger buffer, as the ring's arena holds it: between other data, read back exactly.
    const len = packedLength(a);
    const arena = new Float64Array(len + 14).fill(-1);
    packInto(a, arena, 7);
    expect(arena[6]).toBe(-1);
    expect(arena[7 + len]).toBe(-1);
    expect(unpackFrom(a.traceKey, arena, 7, 7 + len)).toEqual(a);
  });
});

describe("reusing the result object", () => {
  it("gives the same results as fresh ones, trace after trace", () => {
    const tables = new StringTables();
    const attributor = new Attributor(tables.strings);
    const scratch = emptyAttribution();
    for (const name of scenarioNames()) {
      const specs = loadScenario(name).spans.map((s) => ({ ...s, start: ms(s.start), end: ms(s.end) })) as SpanSpec[];
      const batch = buildBatch(specs, tables);
      const trace = { key: name.padEnd(16, "_").slice(0, 16), cols: batch, slots: Int32Array.from({ length: batch.length }, (_, i) => i), count: batch.length };
      const fresh = attributor.attribute(trace);
      const reused = attributor.attribute(trace, scratch);
      expect(reused).toBe(scratch);
      expect({ ...reused, path: Array.from(reused.path) }).toEqual({ ...fresh, path: Array.from(fresh.path) });
    }
  });
});
