// Derived metrics served through the real API server (createApiServer + Router, port 0, API
// tokens on) and scraped with fetch: traces go through the real engine (assembler, attributor,
// key limiter) to DerivedMetrics as an observer, health comes from the engine's own counters as
// main.ts wires it. The scrape is parsed strictly; every metric and label that a query of the
// Grafana dashboard (deploy/grafana/pbe-dashboard.json) uses must be in it.
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router, createApiServer } from "../../src/api/index.js";
import { Engine } from "../../src/engine/index.js";
import { silentLogger } from "../../src/log/index.js";
import { DerivedMetrics } from "../../src/telemetry/index.js";
import { buildBatch, ms, type SpanSpec } from "../helpers/spans.js";
import { evaluation, familyOf, parsePrometheus, select, type Scrape } from "../unit/telemetry/helpers.js";

const TOKEN = "s3cret-token-for-the-api";
let engine: Engine;
let metrics: DerivedMetrics;
let server: Server;
let base: string;
let scrape: Scrape;
let contentType: string | null;

/** A checkout through frontend → checkout → payment → stripe (a virtual component), and postgres. */
function checkout(trace: string, paymentMs: number): SpanSpec[] {
  return [
    { trace, id: `${trace}-root`, service: "frontend", name: "POST /api/checkout", kind: "server", start: 0, end: ms(20 + paymentMs), attributes: { "http.route": "POST /api/checkout" } },
    { trace, id: `${trace}-fe-call`, parent: `${trace}-root`, service: "frontend", name: "POST checkout", kind: "client", start: ms(2), end: ms(18 + paymentMs) },
    { trace, id: `${trace}-co`, parent: `${trace}-fe-call`, service: "checkout", name: "POST /checkout", kind: "server", start: ms(3), end: ms(17 + paymentMs) },
    { trace, id: `${trace}-db`, parent: `${trace}-co`, service: "checkout", name: "SELECT cart", kind: "client", start: ms(4), end: ms(8), attributes: { "db.system": "postgresql" } },
    { trace, id: `${trace}-co-call`, parent: `${trace}-co`, service: "checkout", name: "POST charge", kind: "client", start: ms(9), end: ms(15 + paymentMs) },
    { trace, id: `${trace}-pay`, parent: `${trace}-co-call`, service: "payment", name: "POST /charge", kind: "server", start: ms(10), end: ms(14 + paymentMs) },
    { trace, id: `${trace}-stripe`, parent: `${trace}-pay`, service: "payment", name: "POST stripe", kind: "client", start: ms(11), end: ms(11 + paymentMs), attributes: { "peer.service": "stripe-api" } },
  ];
}

beforeAll(async () => {
  engine = new Engine({ decisionWaitMs: 1000, maxTraceAgeMs: 5000, maxBufferedSpans: 100_000, minBufferTimeMs: 0, recentTraces: 100, maxKeysPerService: 1000, maxStrings: 10_000 });
  metrics = new DerivedMetrics({
    names: engine.tables.strings,
    // As src/main.ts wires it (NATS counters are 0 until a NATS sink exists).
    healthSource: () => ({
      spansReceived: engine.counters.spansReceived,
      spansRejected: engine.counters.spansRejected,
      spansLate: engine.assembler.stats.spansLate,
      tracesCompleted: engine.assembler.stats.tracesCompleted,
      tracesEvicted: engine.assembler.stats.tracesEvicted,
      requestsRefused: engine.assembler.stats.requestsRefused,
      alertsPublished: 0,
      natsFailures: 0,
      bufferedSpans: engine.assembler.stats.bufferedSpans,
      bufferedTraces: engine.assembler.stats.bufferedTraces,
    }),
  });
  engine.addObserver(metrics);

  const specs = [...Array.from({ length: 20 }, (_, i) => checkout(`t${i}`, i < 15 ? 40 : 400)).flat()];
  engine.ingestSpans(buildBatch(specs, engine.tables), 0, 1_000);
  engine.tick(10_000);
  // A late span of an attributed trace: counted.
  engine.ingestSpans(buildBatch([{ trace: "t0", id: "late", parent: "t0-root", service: "frontend", name: "late", start: 0, end: 1 }], engine.tables), 0, 10_001);

  metrics.update([
    evaluation({
      budgetId: "checkout-p99",
      service: "frontend",
      operation: "POST /api/checkout",
      status: "violated",
      observed: 420,
      threshold: 300,
      usage: 1.4,
      goodRatio: 0.75,
      errorBudgetRemaining: -24,
      burnRates: [
        { longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 14.4, longRate: 25, shortRate: 25, alerting: true },
        { longWindowMs: 21_600_000, shortWindowMs: 1_800_000, factor: 6, longRate: 25, shortRate: 25, alerting: true },
      ],
    }),
    evaluation({ budgetId: "payment-cpu", type: "resource.cpu", service: "payment", observed: 0.4, threshold: 1, unit: "cores", usage: 0.4 }),
    evaluation({ budgetId: "cart-rate", type: "throughput.requests", service: "cart", status: "no-data", observed: null, usage: null, threshold: 50, unit: "requests/s" }),
  ]);

  server = createApiServer({ router: new Router().add(metrics.route()), logger: silentLogger(), tokens: [{ token: TOKEN, role: "admin" }], maxBodyBytes: 1024 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const res = await fetch(`${base}/metrics`); // no Authorization header: /metrics is public
  expect(res.status).toBe(200);
  contentType = res.headers.get("content-type");
  scrape = parsePrometheus(await res.text());
});

afterAll(async () => {
  await metrics?.shutdown();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("GET /metrics", () => {
  it("answers in the Prometheus text format 0.0.4 without a token", () => {
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(scrape.samples.length).toBeGreaterThan(50);
  });

  it("answers HEAD with the headers only", async () => {
    const res = await fetch(`${base}/metrics`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("declares HELP and TYPE for every sample's family", () => {
    for (const s of scrape.samples) {
      const f = scrape.families.get(familyOf(s.name, scrape.families));
      expect(f?.type, s.name).toBeDefined();
      expect(f?.help, s.name).toBeDefined();
    }
    expect(scrape.families.get("pbe_latency_attributed")?.type).toBe("histogram");
    expect(scrape.families.get("pbe_budget_usage")?.type).toBe("gauge");
    expect(scrape.families.get("pbe_spans_received_total")?.type).toBe("counter");
  });

  it("exports the real engine's attribution: components, virtual components and edges per journey", () => {
    const journey = "frontend POST /api/checkout";
    const components = new Set(select(scrape, "pbe_latency_attributed_count", { pbe_journey: journey }).map((s) => `${s.labels.pbe_category}:${s.labels.pbe_component}`));
    expect(components).toEqual(
      new Set([
        "processing:frontend",
        "processing:checkout",
        "processing:payment",
        "processing:postgresql",
        "processing:stripe-api",
        "network:frontend->checkout",
        "network:checkout->payment",
      ]),
    );
    // stripe-api takes 40 ms in 15 traces and 400 ms in 5: its buckets say so.
    const stripe = { pbe_journey: journey, pbe_component: "stripe-api", pbe_category: "processing" };
    expect(select(scrape, "pbe_latency_attributed_count", stripe)[0]!.value).toBe(20);
    expect(select(scrape, "pbe_latency_attributed_sum", stripe)[0]!.value).toBeCloseTo(15 * 0.04 + 5 * 0.4, 9);
    const le = new Map(select(scrape, "pbe_latency_attributed_bucket", stripe).map((b) => [b.labels.le, b.value]));
    expect(le.get("0.05")).toBe(15);
    expect(le.get("0.25")).toBe(15);
    expect(le.get("0.5")).toBe(20);
    expect(select(scrape, "pbe_journey_traces_total", { pbe_journey: journey })[0]!.value).toBe(20);
    // The shares add up to the traces' durations (the attribution's invariant, through the metrics).
    const total = select(scrape, "pbe_latency_attributed_sum", { pbe_journey: journey }).reduce((a, s) => a + s.value, 0);
    expect(total).toBeCloseTo(15 * 0.06 + 5 * 0.42, 9);
  });

  it("exports the engine's health counters", () => {
    expect(select(scrape, "pbe_spans_received_total")[0]!.value).toBe(141);
    expect(select(scrape, "pbe_traces_completed_total")[0]!.value).toBe(20);
    expect(select(scrape, "pbe_spans_late_total")[0]!.value).toBe(1);
    expect(select(scrape, "pbe_assembler_buffered_spans")[0]!.value).toBe(0);
  });

  it("exports the budgets with their labels", () => {
    const b = { budget_id: "checkout-p99", budget_type: "latency.total", service_name: "frontend", pbe_operation: "POST /api/checkout" };
    expect(select(scrape, "pbe_budget_usage", b)[0]!.value).toBe(1.4);
    expect(select(scrape, "pbe_budget_compliant", b)[0]!.value).toBe(0);
    expect(select(scrape, "pbe_budget_burn_rate", { ...b, pbe_burn_window: "1h/5m", pbe_burn_range: "short", pbe_burn_factor: "14.4" })[0]!.value).toBe(25);
    expect(select(scrape, "pbe_budget_threshold", { budget_id: "cart-rate" })[0]!.labels.pbe_unit).toBe("{request}/s");
    expect(select(scrape, "pbe_budget_compliant", { budget_id: "cart-rate" })).toEqual([]);
  });
});

// ---- the dashboard's queries against the scrape ----

interface Query {
  where: string;
  expr: string;
}

type Json = Record<string, unknown>;

function dashboardQueries(): Query[] {
  const dash = JSON.parse(readFileSync(join(import.meta.dirname, "../../deploy/grafana/pbe-dashboard.json"), "utf8")) as Json;
  const out: Query[] = [];
  const walk = (panels: Json[]) => {
    for (const p of panels) {
      for (const t of (p.targets as Json[] | undefined) ?? []) out.push({ where: `panel "${String(p.title)}" ${String(t.refId)}`, expr: String(t.expr) });
      walk((p.panels as Json[] | undefined) ?? []);
    }
  };
  walk(dash.panels as Json[]);
  for (const v of (dash.templating as { list: Json[] }).list) {
    if (v.type === "query") out.push({ where: `variable ${String(v.name)}`, expr: String(v.definition) });
  }
  return out;
}

const FUNCTIONS = new Set(["sum", "avg", "max", "min", "count", "rate", "irate", "increase", "histogram_quantile", "scalar", "vector", "label_values", "topk", "bottomk", "clamp_min", "clamp_max", "abs", "sort", "sort_desc"]);
/** Labels Prometheus adds to every scraped series (target labels), absent from /metrics itself. */
const TARGET_LABELS = new Set(["job", "instance"]);
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"]);

/** The metric selectors of a PromQL expression (or a Grafana `label_values(...)`), with the label names they use. */
function selectors(expr: string): { metric: string; labels: string[] }[] {
  const out: { metric: string; labels: string[] }[] = [];
  // Grafana variables and range durations carry no metric names.
  const e = expr.replace(/\[[^\]]*\]/g, "").replace(/\$\{?[\w:]+\}?/g, "VAR");
  // label_values(metric{…}, label): the label must exist on the metric.
  const lv = /^label_values\(\s*([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s*,\s*(\w+)\s*\)$/.exec(e.trim());
  if (lv) return [{ metric: lv[1]!, labels: [...matcherLabels(lv[2] ?? ""), lv[3]!] }];
  // Grouping clauses name labels (checked against the selectors of the same expression).
  const grouping = [...e.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(",").map((s) => s.trim()).filter(Boolean));
  const stripped = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  for (const m of stripped.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?/g)) {
    const name = m[1]!;
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (FUNCTIONS.has(name) || KEYWORDS.has(name) || name === "VAR" || /^\d/.test(name)) continue;
    if (after.startsWith("(")) throw new Error(`unknown function ${name} in ${expr}: add it to FUNCTIONS if it is one`);
    if (m.index! > 0 && /["\w]/.test(stripped[m.index! - 1]!)) continue; // inside a word or a string
    out.push({ metric: name, labels: matcherLabels(m[2] ?? "") });
  }
  if (grouping.length > 0 && out.length > 0) out[0] = { ...out[0]!, labels: [...out[0]!.labels, ...grouping] };
  return out;
}

function matcherLabels(braces: string): string[] {
  return [...braces.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
}

describe("the Grafana dashboard against the scrape", () => {
  const queries = dashboardQueries();

  it("has queries to check (panels and variables)", () => {
    expect(queries.length).toBeGreaterThan(15);
    expect(queries.some((q) => q.where.startsWith("variable service"))).toBe(true);
  });

  it("uses only metric names the engine serves, with labels those metrics have", () => {
    const problems: string[] = [];
    const names = new Set(scrape.samples.map((s) => s.name));
    let checked = 0;
    for (const q of queries) {
      const sels = selectors(q.expr);
      if (sels.length === 0) problems.push(`${q.where}: no metric in ${q.expr}`);
      for (const { metric, labels } of sels) {
        checked++;
        if (!names.has(metric)) {
          problems.push(`${q.where}: ${metric} is not served at /metrics`);
          continue;
        }
        const have = new Set(scrape.samples.filter((s) => s.name === metric).flatMap((s) => Object.keys(s.labels)));
        for (const l of labels) if (!have.has(l) && !TARGET_LABELS.has(l)) problems.push(`${q.where}: ${metric} has no label ${l}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(queries.length);
  });

  it("catches a misspelt metric or label (the checker itself)", () => {
    expect(selectors('sum by (service_name) (rate(pbe_spans_recieved_total{x="a"}[5m]))')).toEqual([{ metric: "pbe_spans_recieved_total", labels: ["x", "service_name"] }]);
    expect(selectors('label_values(pbe_budget_usage{service_name=~"$service"}, budget_id)')).toEqual([{ metric: "pbe_budget_usage", labels: ["service_name", "budget_id"] }]);
  });
});
