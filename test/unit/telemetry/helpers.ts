// Test helpers for the derived metrics: attributions from a few numbers, evaluations with
// defaults, health snapshots, and a parser of the Prometheus text format 0.0.4.
import { emptyAttribution, type Attribution } from "../../../src/attribution/index.js";
import type { Evaluation } from "../../../src/evaluate/index.js";
import type { StringTables } from "../../../src/span/index.js";
import type { HealthSnapshot } from "../../../src/telemetry/index.js";

export interface TraceSpec {
  service: string;
  operation: string;
  /** Processing ns per component. */
  components?: Record<string, number>;
  /** Network ns per edge `caller->callee`. */
  edges?: Record<string, number>;
}

let nextKey = 1;

/** An attribution as the attributor produces it, names interned in `tables.strings`. */
export function attribution(tables: StringTables, spec: TraceSpec): Attribution {
  const s = tables.strings;
  const components = spec.components ?? {};
  const edges = spec.edges ?? {};
  const componentNs = Object.values(components);
  const edgeNs = Object.values(edges);
  const processingNs = componentNs.reduce((a, b) => a + b, 0);
  const networkNs = edgeNs.reduce((a, b) => a + b, 0);
  const empty = emptyAttribution();
  return {
    ...empty,
    traceKey: String(nextKey++).padStart(16, "\u0000"),
    journeyService: s.intern(spec.service),
    journeyOperation: s.intern(spec.operation),
    durationNs: processingNs + networkNs,
    processingNs,
    networkNs,
    componentIds: Object.keys(components).map((c) => s.intern(c)),
    componentNs,
    edgeIds: Object.keys(edges).map((e) => s.intern(e)),
    edgeNs,
    counts: { ...empty.counts, spans: 1, reachable: 1 },
  };
}

/** A compliance entry with plausible defaults (a latency budget at 80 % of its threshold). */
export function evaluation(over: Partial<Evaluation> & { budgetId: string }): Evaluation {
  return {
    type: "latency.total",
    service: "checkout",
    status: "ok",
    observed: 240,
    threshold: 300,
    unit: "ms",
    usage: 0.8,
    window: "5m",
    windowMs: 300_000,
    samples: 1000,
    evaluatedAt: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

export function health(over: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    spansReceived: 1000,
    spansRejected: 3,
    spansLate: 5,
    tracesCompleted: 100,
    tracesEvicted: 2,
    requestsRefused: 1,
    alertsPublished: 4,
    natsFailures: 0,
    bufferedSpans: 12,
    bufferedTraces: 3,
    ...over,
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help?: string;
  type?: string;
  unit?: string;
}

export interface Scrape {
  families: Map<string, Family>;
  samples: Sample[];
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Parses the Prometheus text exposition format 0.0.4 strictly enough to fail on what Prometheus
 * refuses: metric and label names, quoted label values with `\\`, `\"`, `\n` escapes, values
 * (`+Inf`, `-Inf`, `NaN` included), HELP/TYPE once per family and before its samples. Other
 * comment lines (e.g. `# UNIT`) are kept as `unit` but otherwise ignored, as Prometheus does.
 */
export function parsePrometheus(text: string): Scrape {
  const families = new Map<string, Family>();
  const samples: Sample[] = [];
  const seenSamples = new Set<string>();
  const family = (n: string) => {
    let f = families.get(n);
    if (!f) families.set(n, (f = {}));
    return f;
  };
  for (const [lineNo, line] of text.split("\n").entries()) {
    const at = `line ${lineNo + 1}: ${line}`;
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest = ""] = m;
      if (!NAME_RE.test(name!)) throw new Error(`bad metric name in ${at}`);
      const f = family(name!);
      if (kind === "HELP") {
        if (f.help !== undefined) throw new Error(`second HELP in ${at}`);
        f.help = rest;
      } else if (kind === "TYPE") {
        if (f.type !== undefined) throw new Error(`second TYPE in ${at}`);
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`bad TYPE in ${at}`);
        if (samples.some((s) => s.name === name || familyOf(s.name, families) === name)) throw new Error(`TYPE after samples in ${at}`);
        f.type = rest;
      } else {
        f.unit = rest;
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m) throw new Error(`bad sample in ${at}`);
    const [, name, rawLabels, rawValue] = m;
    const labels = rawLabels ? parseLabels(rawLabels.slice(1, -1), at) : {};
    const value = rawValue === "+Inf" ? Infinity : rawValue === "-Inf" ? -Infinity : rawValue === "NaN" ? NaN : Number(rawValue);
    if (Number.isNaN(value) && rawValue !== "NaN") throw new Error(`bad value in ${at}`);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(",")}}`;
    if (seenSamples.has(key)) throw new Error(`duplicate series in ${at}`);
    seenSamples.add(key);
    samples.push({ name: name!, labels, value });
  }
  return { families, samples };
}

function parseLabels(body: string, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf("=", i);
    if (eq < 0) throw new Error(`bad labels in ${at}`);
    const name = body.slice(i, eq);
    if (!LABEL_RE.test(name)) throw new Error(`bad label name "${name}" in ${at}`);
    if (body[eq + 1] !== '"') throw new Error(`unquoted label value in ${at}`);
    let j = eq + 2;
    let value = "";
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] === "\\") {
        const c = body[++j];
        value += c === "n" ? "\n" : c === "\\" ? "\\" : c === '"' ? '"' : (() => { throw new Error(`bad escape in ${at}`); })();
      } else value += body[j];
    }
    if (j >= body.length) throw new Error(`unterminated label value in ${at}`);
    if (name in out) throw new Error(`duplicate label ${name} in ${at}`);
    out[name] = value;
    i = j + 1;
    if (body[i] === ",") i++;
  }
  return out;
}

/** The family a sample belongs to: histogram samples carry `_bucket`, `_sum`, `_count`. */
export function familyOf(sample: string, families: Map<string, Family>): string {
  if (families.has(sample)) return sample;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      if (families.get(base)?.type === "histogram") return base;
    }
  }
  return sample;
}

/** Samples of `name` whose labels include `match`. */
export function select(scrape: Scrape, name: string, match: Record<string, string> = {}): Sample[] {
  return scrape.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}
