// Golden scenarios: each folder of test/scenarios holds a trace (trace.yaml) and its hand-computed
// attribution (expected.yaml, times in milliseconds). The trace goes through the assembler and the
// attributor exactly as the engine runs them.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Assembler } from "../../../src/assembly/index.js";
import { Attributor, attributionToJson, type AttributionJson } from "../../../src/attribution/index.js";
import { StringTables } from "../../../src/span/index.js";
import { buildBatch, ms, spanHex, type SpanSpec } from "../../helpers/spans.js";

const root = join(import.meta.dirname, "../../scenarios");
const scenarios = readdirSync(root).filter((d) => existsSync(join(root, d, "trace.yaml")) && existsSync(join(root, d, "expected.yaml")));

interface Expected {
  journey: { service: string; operation: string };
  durationMs: number;
  components: Record<string, number>;
  edges: Record<string, number>;
  criticalPath: [string, "processing" | "network", string, number, number][];
  counts: Record<string, number>;
  rootMissing: boolean;
}

function loadSpans(name: string): SpanSpec[] {
  const doc = parse(readFileSync(join(root, name, "trace.yaml"), "utf8")) as { spans: SpanSpec[] };
  return doc.spans.map((s) => ({ ...s, start: ms(Number(s.start)), end: ms(Number(s.end)) }));
}

/** Runs the spans through the assembler (one request) and attributes the completed trace. */
export function attributeSpans(specs: SpanSpec[]): AttributionJson[] {
  const tables = new StringTables();
  const attributor = new Attributor(tables.strings);
  const out: AttributionJson[] = [];
  const assembler = new Assembler(
    { decisionWaitMs: 5000, maxTraceAgeMs: 30_000, maxBufferedSpans: 1_000_000, minBufferTimeMs: 1000 },
    (t) => out.push(attributionToJson(attributor.attribute({ key: t.key, cols: t.cols, slots: t.slots, count: t.count }), tables)),
  );
  assembler.add(buildBatch(specs, tables), 0);
  assembler.tick(60_000);
  return out;
}

describe("golden attribution scenarios", () => {
  it("has at least 12 scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of scenarios) {
    it(name, () => {
      const specs = loadSpans(name);
      const expected = parse(readFileSync(join(root, name, "expected.yaml"), "utf8")) as Expected;
      const results = attributeSpans(specs);
      expect(results).toHaveLength(1);
      const got = results[0];
      const nameOf = new Map(specs.map((s) => [spanHex(s.id), s.id]));
      const nsOf = (v: number) => ms(v);
      expect(got.journey).toEqual(expected.journey);
      expect(got.durationNs).toBe(nsOf(expected.durationMs));
      expect(got.components).toEqual(Object.fromEntries(Object.entries(expected.components).map(([k, v]) => [k, nsOf(v)])));
      expect(got.edges).toEqual(Object.fromEntries(Object.entries(expected.edges ?? {}).map(([k, v]) => [k, nsOf(v)])));
      expect(got.criticalPath.map((s) => [nameOf.get(s.spanId) ?? s.spanId, s.category, s.edge ?? s.component, s.startOffsetNs, s.durationNs])).toEqual(
        expected.criticalPath.map(([span, cat, key, start, dur]) => [span, cat, key, nsOf(start), nsOf(dur)]),
      );
      expect(got.counts).toEqual(expected.counts);
      expect(got.rootMissing).toBe(expected.rootMissing);
      // The contract's invariants, to the nanosecond.
      expect(got.processingNs + got.networkNs).toBe(got.durationNs);
      expect(Object.values(got.components).reduce((a, b) => a + b, 0)).toBe(got.processingNs);
      expect(Object.values(got.edges).reduce((a, b) => a + b, 0)).toBe(got.networkNs);
    });
  }
});
