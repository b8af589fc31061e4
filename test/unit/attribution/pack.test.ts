import { describe, expect, it } from "vitest";
import { Attributor, packAttribution, unpackAttribution } from "../../../src/attribution/index.js";
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
  });
});
