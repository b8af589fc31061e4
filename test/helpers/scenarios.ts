/** Loads the golden attribution scenarios (test/scenarios) for tests at any layer. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ms } from "./spans.js";
import type { SpanSpec as WireSpanSpec } from "./otlp.js";

export const SCENARIO_DIR = join(import.meta.dirname, "../scenarios");

export interface ScenarioSpan {
  id: string;
  parent?: string;
  parentHex?: string;
  trace?: string;
  service: string;
  name: string;
  kind?: WireSpanSpec["kind"];
  start: number;
  end: number;
  attributes?: Record<string, string | number | boolean>;
  error?: boolean;
}

export interface ScenarioExpected {
  journey: { service: string; operation: string };
  durationMs: number;
  components: Record<string, number>;
  edges: Record<string, number>;
  criticalPath: [string, "processing" | "network", string, number, number][];
  counts: Record<string, number>;
  rootMissing: boolean;
}

export function scenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR).filter((d) => existsSync(join(SCENARIO_DIR, d, "trace.yaml")) && existsSync(join(SCENARIO_DIR, d, "expected.yaml")));
}

export function loadScenario(name: string): { spans: ScenarioSpan[]; expected: ScenarioExpected; arrivalOrderMatters: boolean } {
  const doc = parse(readFileSync(join(SCENARIO_DIR, name, "trace.yaml"), "utf8")) as { spans: ScenarioSpan[]; arrivalOrderMatters?: boolean };
  const expected = parse(readFileSync(join(SCENARIO_DIR, name, "expected.yaml"), "utf8")) as ScenarioExpected;
  return { spans: doc.spans, expected, arrivalOrderMatters: doc.arrivalOrderMatters === true };
}

/** The scenario's spans as wire specs for `buildTraceRequest`, with times from `baseNs`. */
export function wireSpans(spans: ScenarioSpan[], traceId: string, baseNs: bigint): WireSpanSpec[] {
  return spans.map((s) => ({
    traceId,
    spanId: s.id,
    ...(s.parent ? { parent: s.parent } : s.parentHex ? { parent: s.parentHex } : {}),
    service: s.service,
    name: s.name,
    kind: s.kind ?? "internal",
    startNs: baseNs + BigInt(ms(s.start)),
    endNs: baseNs + BigInt(ms(s.end)),
    ...(s.attributes ? { attributes: s.attributes } : {}),
    ...(s.error ? { error: true } : {}),
  }));
}
