// DerivedMetrics through its Prometheus reader: budget gauges from evaluations, the attributed
// latency histogram from traces, health counters, cardinality limits, shutdown.
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { StringTables } from "../../../src/span/index.js";
import { DerivedMetrics, PROMETHEUS_CONTENT_TYPE, burnWindowLabel, ucumUnit, type DerivedMetricsOptions } from "../../../src/telemetry/index.js";
import { attribution, evaluation, health, parsePrometheus, select, type Scrape } from "./helpers.js";

const open: DerivedMetrics[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.shutdown()));
});

function setup(over: Partial<DerivedMetricsOptions> = {}) {
  const tables = new StringTables();
  const metrics = new DerivedMetrics({ names: tables.strings, healthSource: () => health(), serviceVersion: "9.9.9", serviceInstanceId: "test-1", ...over });
  open.push(metrics);
  const scrape = async (): Promise<Scrape> => parsePrometheus(await metrics.prometheusText());
  return { tables, metrics, scrape };
}

const MS = 1e6;

describe("budget gauges", () => {
  it("exports every gauge with the budget's attributes, values and units", async () => {
    const { metrics, scrape } = setup();
    metrics.update([
      evaluation({
        budgetId: "checkout-p99",
        operation: "POST /cart",
        status: "violated",
        observed: 420,
        threshold: 300,
        usage: 1.4,
        goodRatio: 0.97,
        errorBudgetRemaining: -2,
        burnRates: [
          { longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 14.4, longRate: 3, shortRate: 20, alerting: false },
          { longWindowMs: 21_600_000, shortWindowMs: 1_800_000, factor: 6, longRate: 2.5, shortRate: 4, alerting: false },
        ],
      }),
      evaluation({ budgetId: "api-cpu", type: "resource.cpu", service: "api", observed: 0.5, threshold: 2, unit: "cores", usage: 0.25 }),
    ]);
    const s = await scrape();
    const checkout = { budget_id: "checkout-p99", budget_type: "latency.total", service_name: "checkout", pbe_operation: "POST /cart" };

    expect(select(s, "pbe_budget_usage", checkout).map((x) => x.value)).toEqual([1.4]);
    expect(select(s, "pbe_budget_observed", { ...checkout, pbe_unit: "ms" }).map((x) => x.value)).toEqual([420]);
    expect(select(s, "pbe_budget_threshold", { ...checkout, pbe_unit: "ms" }).map((x) => x.value)).toEqual([300]);
    expect(select(s, "pbe_budget_compliant", checkout).map((x) => x.value)).toEqual([0]);
    expect(select(s, "pbe_budget_error_budget_remaining", checkout).map((x) => x.value)).toEqual([-2]);
    expect(select(s, "pbe_budget_status", { ...checkout, pbe_status: "violated" })[0]!.value).toBe(1);
    expect(select(s, "pbe_budget_status", { ...checkout, pbe_status: "ok" })[0]!.value).toBe(0);
    expect(select(s, "pbe_budget_status", { ...checkout, pbe_status: "no-data" })[0]!.value).toBe(0);

    const burn = select(s, "pbe_budget_burn_rate", checkout);
    expect(burn.map((b) => [b.labels.pbe_burn_window, b.labels.pbe_burn_range, b.labels.pbe_burn_factor, b.value])).toEqual([
      ["1h/5m", "long", "14.4", 3],
      ["1h/5m", "short", "14.4", 20],
      ["6h/30m", "long", "6", 2.5],
      ["6h/30m", "short", "6", 4],
    ]);

    const cpu = { budget_id: "api-cpu", budget_type: "resource.cpu", service_name: "api" };
    expect(select(s, "pbe_budget_observed", cpu)[0]!.labels.pbe_unit).toBe("{core}");
    expect(select(s, "pbe_budget_compliant", cpu)[0]!.value).toBe(1);
    // No operation: no pbe_operation label at all.
    expect("pbe_operation" in select(s, "pbe_budget_usage", cpu)[0]!.labels).toBe(false);
    // No error budget or burn rates without a target.
    expect(select(s, "pbe_budget_error_budget_remaining", cpu)).toEqual([]);
    expect(select(s, "pbe_budget_burn_rate", cpu)).toEqual([]);

    for (const name of ["pbe_budget_usage", "pbe_budget_observed", "pbe_budget_threshold", "pbe_budget_compliant", "pbe_budget_status", "pbe_budget_burn_rate", "pbe_budget_error_budget_remaining"]) {
      expect(s.families.get(name)?.type, name).toBe("gauge");
      expect(s.families.get(name)?.help, name).toMatch(/\w/);
      expect(s.families.get(name)?.help, name).not.toBe("description missing");
    }
    expect(s.families.get("pbe_budget_usage")!.unit).toBe("1");
  });

  it("gives no compliance, usage or observed point without data, and says no-data in the status", async () => {
    const { metrics, scrape } = setup();
    metrics.update([evaluation({ budgetId: "quiet", status: "no-data", observed: null, usage: null, samples: 0 })]);
    const s = await scrape();
    expect(select(s, "pbe_budget_compliant", { budget_id: "quiet" })).toEqual([]);
    expect(select(s, "pbe_budget_usage", { budget_id: "quiet" })).toEqual([]);
    expect(select(s, "pbe_budget_observed", { budget_id: "quiet" })).toEqual([]);
    expect(select(s, "pbe_budget_threshold", { budget_id: "quiet" })[0]!.value).toBe(300);
    expect(select(s, "pbe_budget_status", { budget_id: "quiet", pbe_status: "no-data" })[0]!.value).toBe(1);
  });

  it("drops a budget's series once it is no longer evaluated, and a no-data budget's old compliance", async () => {
    const { metrics, scrape } = setup();
    metrics.update([evaluation({ budgetId: "a" }), evaluation({ budgetId: "b", status: "violated", usage: 2, observed: 600 })]);
    expect(select(await scrape(), "pbe_budget_usage").map((x) => x.labels.budget_id)).toEqual(["a", "b"]);
    metrics.update([evaluation({ budgetId: "b", status: "no-data", usage: null, observed: null })]);
    const s = await scrape();
    expect(select(s, "pbe_budget_usage")).toEqual([]);
    expect(select(s, "pbe_budget_compliant")).toEqual([]);
    expect(select(s, "pbe_budget_status").map((x) => x.labels.budget_id)).toEqual(["b", "b", "b"]);
  });

  it("maps budget units to UCUM", () => {
    expect(ucumUnit("ms")).toBe("ms");
    expect(ucumUnit("cores")).toBe("{core}");
    expect(ucumUnit("bytes")).toBe("By");
    expect(ucumUnit("bytes/s")).toBe("By/s");
    expect(ucumUnit("requests/s")).toBe("{request}/s");
    expect(ucumUnit("queries/trace")).toBe("{query}/{trace}");
    expect(ucumUnit("events/s")).toBe("{event}/s");
    expect(ucumUnit("EUR")).toBe("{EUR}");
    expect(burnWindowLabel(120_000, 10_000)).toBe("2m/10s");
    expect(burnWindowLabel(3 * 86_400_000, 6 * 3_600_000)).toBe("3d/6h");
  });
});

describe("pbe.latency.attributed", () => {
  it("records each component's processing and each edge's network time, with the journey", async () => {
    const { metrics, scrape, tables } = setup();
    const spec = { service: "frontend", operation: "POST /checkout", components: { frontend: 2 * MS, cart: 30 * MS, postgres: 7 * MS }, edges: { "frontend->cart": 0.4 * MS } };
    metrics.onTrace(attribution(tables, spec), 1000);
    metrics.onTrace(attribution(tables, { ...spec, components: { frontend: 3 * MS, cart: 300 * MS, postgres: 7 * MS } }), 2000);
    const s = await scrape();
    const journey = "frontend POST /checkout";
    const cart = { pbe_journey: journey, pbe_component: "cart", pbe_category: "processing" };
    expect(s.families.get("pbe_latency_attributed")!.type).toBe("histogram");
    expect(s.families.get("pbe_latency_attributed")!.unit).toBe("s");
    expect(select(s, "pbe_latency_attributed_count", cart)[0]!.value).toBe(2);
    expect(select(s, "pbe_latency_attributed_sum", cart)[0]!.value).toBeCloseTo(0.33, 12);
    const buckets = new Map(select(s, "pbe_latency_attributed_bucket", cart).map((b) => [b.labels.le, b.value]));
    expect(buckets.get("0.025")).toBe(0);
    expect(buckets.get("0.05")).toBe(1);
    expect(buckets.get("0.25")).toBe(1);
    expect(buckets.get("0.5")).toBe(2);
    expect(buckets.get("+Inf")).toBe(2);
    const edge = { pbe_journey: journey, pbe_component: "frontend->cart", pbe_category: "network" };
    expect(select(s, "pbe_latency_attributed_sum", edge)[0]!.value).toBeCloseTo(0.0008, 12);
    expect(select(s, "pbe_latency_attributed_count").length).toBe(4);
    expect(select(s, "pbe_journey_traces_total", { pbe_journey: journey })[0]!.value).toBe(2);
    expect(s.families.get("pbe_journey_traces_total")!.type).toBe("counter");
    expect(metrics.stats.latencySeries).toBe(4);
  });

  it("puts values in the same explicit buckets as the SDK's histogram with the same boundaries", async () => {
    const { metrics, scrape, tables } = setup();
    const boundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    class Reader extends MetricReader {
      constructor() {
        super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      }
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    const h = provider.getMeter("t").createHistogram("h", { advice: { explicitBucketBoundaries: boundaries } });
    for (let i = 0; i < 2000; i++) {
      const ns = Math.round(Math.exp(Math.sin(i) * 9) * 1000) + 1; // ~1 µs .. ~8 s, never on a boundary
      h.record(ns / 1e9);
      metrics.onTrace(attribution(tables, { service: "s", operation: "op", components: { c: ns } }), 0);
    }
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    const m = resourceMetrics.scopeMetrics[0]!.metrics[0]!;
    if (m.dataPointType !== DataPointType.HISTOGRAM) throw new Error("not a histogram");
    const sdkCounts = m.dataPoints[0]!.value.buckets.counts;
    let cumulative = 0;
    const expected = sdkCounts.map((c) => (cumulative += c));
    const s = await scrape();
    expect(select(s, "pbe_latency_attributed_bucket", { pbe_component: "c" }).map((b) => b.value)).toEqual(expected);
  });

  it("bounds the series at the cardinality limit, overflow series included, and loses no value", async () => {
    const { metrics, scrape, tables } = setup();
    for (let i = 0; i < 5000; i++) {
      metrics.onTrace(attribution(tables, { service: "svc", operation: "op", components: { [`component-${i}`]: 1 * MS } }), 0);
    }
    const s = await scrape();
    const counts = select(s, "pbe_latency_attributed_count");
    expect(counts.length).toBe(2000);
    const overflow = counts.filter((c) => c.labels.otel_metric_overflow === "true");
    expect(overflow.length).toBe(1);
    expect(overflow[0]!.value).toBe(5000 - 1999);
    expect(counts.reduce((a, c) => a + c.value, 0)).toBe(5000);
    expect(new Set(counts.map((c) => c.labels.pbe_component)).size).toBe(2000); // 1999 named + the overflow series' undefined
    expect(metrics.stats.latencySeries).toBe(2000);
  });

  it("bounds the journeys too: the overflowing journeys' traces and components go to overflow series", async () => {
    const { metrics, scrape, tables } = setup({ cardinalityLimit: 10 });
    for (let i = 0; i < 20; i++) metrics.onTrace(attribution(tables, { service: "svc", operation: `op-${i}`, components: { c: MS } }), 0);
    const s = await scrape();
    const journeys = select(s, "pbe_journey_traces_total");
    expect(journeys.length).toBe(10);
    expect(select(s, "pbe_journey_traces_total", { otel_metric_overflow: "true" })[0]!.value).toBe(11);
    expect(select(s, "pbe_latency_attributed_count").length).toBe(10);
    expect(select(s, "pbe_latency_attributed_count", { otel_metric_overflow: "true" })[0]!.value).toBe(11);
  });
});

describe("cardinality of the gauges", () => {
  it("keeps 5000 budgets to the limit per gauge, with one overflow series", async () => {
    const { metrics, scrape } = setup();
    metrics.update(Array.from({ length: 5000 }, (_, i) => evaluation({ budgetId: `b-${i}`, usage: i })));
    const s = await scrape();
    const usage = select(s, "pbe_budget_usage");
    expect(usage.length).toBe(2000);
    expect(usage.filter((u) => u.labels.otel_metric_overflow === "true").map((u) => u.value)).toEqual([4999]);
    expect(select(s, "pbe_budget_status").length).toBe(2000);
  });

  it("applies the limit to the SDK's instruments as well (heap spaces, limit 3)", async () => {
    const { scrape } = setup({ cardinalityLimit: 3 });
    const heap = select(await scrape(), "v8js_memory_heap_used");
    expect(heap.length).toBe(3);
    expect(heap.filter((h) => h.labels.otel_metric_overflow === "true").length).toBe(1);
  });
});

describe("health and process metrics", () => {
  it("exports the health counters as Prometheus counters with _total", async () => {
    const { scrape } = setup({ healthSource: () => health({ spansReceived: 123456, natsFailures: 7 }) });
    const s = await scrape();
    const expected: Record<string, number> = {
      pbe_spans_received_total: 123456,
      pbe_spans_rejected_total: 3,
      pbe_spans_late_total: 5,
      pbe_traces_completed_total: 100,
      pbe_traces_evicted_total: 2,
      pbe_requests_refused_total: 1,
      pbe_alerts_published_total: 4,
      pbe_nats_failures_total: 7,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect(s.families.get(name)?.type, name).toBe("counter");
      expect(select(s, name)[0]?.value, name).toBe(value);
    }
    expect(s.families.get("pbe_spans_received_total")!.unit).toBe("{span}");
    expect(select(s, "pbe_assembler_buffered_spans")[0]!.value).toBe(12);
    expect(select(s, "process_cpu_time_total", { cpu_mode: "user" })[0]!.value).toBeGreaterThan(0);
    expect(select(s, "process_memory_usage")[0]!.value).toBeGreaterThan(10 * 2 ** 20);
    expect(s.families.get("process_memory_usage")!.type).toBe("gauge");
    // The resource: target_info carries service.name=pbe and the version.
    const target = select(s, "target_info")[0]!;
    expect(target.labels).toMatchObject({ service_name: "pbe", service_version: "9.9.9", service_instance_id: "test-1" });
  });

  it("leaves the process metrics out when asked", async () => {
    const { scrape } = setup({ processMetrics: false });
    const s = await scrape();
    expect(select(s, "process_cpu_time_total")).toEqual([]);
    expect(select(s, "pbe_spans_received_total").length).toBe(1);
  });
});

describe("route, options and lifecycle", () => {
  it("serves GET /metrics publicly in the text format 0.0.4", async () => {
    const { metrics } = setup();
    const route = metrics.route();
    expect(route).toMatchObject({ method: "GET", path: "/metrics", role: "public" });
    const out = await route.handle({} as never);
    expect(out?.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(String(out?.raw)).toContain("# TYPE pbe_spans_received_total counter");
  });

  it("refuses bad options", () => {
    const names = new StringTables().strings;
    const base = { names, healthSource: () => health() };
    expect(() => new DerivedMetrics({ ...base, cardinalityLimit: 1 })).toThrow(/cardinalityLimit/);
    expect(() => new DerivedMetrics({ ...base, exportIntervalMs: 0 })).toThrow(/exportIntervalMs/);
    expect(() => new DerivedMetrics({ ...base, latencyBoundariesSec: [0.1, 0.05] })).toThrow(/latencyBoundariesSec/);
  });

  it("flushes without an OTLP endpoint, shuts down once, and refuses to collect afterwards", async () => {
    const { metrics } = setup();
    await metrics.forceFlush();
    const a = metrics.shutdown();
    expect(metrics.shutdown()).toBe(a);
    await a;
    await expect(metrics.prometheusText()).rejects.toThrow(/shutdown/);
  });
});
