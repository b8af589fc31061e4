// Cost per attributed trace of recording `pbe.latency.attributed`: the SDK histogram with cached
// frozen attribute objects (what docs/metrics.md compares against) versus DerivedMetrics.onTrace
// (local aggregation). A trace here has 5 components and 3 edges (8 values), 20 journeys.
//
//   npx vitest bench --run test/unit/telemetry/record-cost.bench.ts
//
// Each iteration records a batch of 256 traces (so the harness's own per-call cost is spread):
// ns per trace = 1e9 / (hz × 256). Machines here are noisy (±10–25 %): compare rows of one run.
import { AggregationType, InstrumentType, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import type { Attributes, Histogram } from "@opentelemetry/api";
import { afterAll, bench, describe } from "vitest";
import { StringTables } from "../../../src/span/index.js";
import { DEFAULT_LATENCY_BOUNDARIES_SEC, DerivedMetrics } from "../../../src/telemetry/index.js";
import type { Attribution } from "../../../src/attribution/index.js";
import { attribution, health } from "./helpers.js";
import { mulberry32 } from "../../../src/random/index.js";

const JOURNEYS = 20;
const TRACES = 4096;
const COMPONENTS = ["frontend", "cart", "pricing", "postgres", "redis"];
const EDGES = ["frontend->cart", "cart->pricing", "cart->postgres"];

const rng = mulberry32;
const r = rng(7);
const ns = () => Math.round(Math.exp(Math.log(2e6) + 1.2 * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r())));

const tables = new StringTables();
const traces: Attribution[] = Array.from({ length: TRACES }, (_, i) =>
  attribution(tables, {
    service: "frontend",
    operation: `GET /route-${i % JOURNEYS}`,
    components: Object.fromEntries(COMPONENTS.map((c) => [c, ns()])),
    edges: Object.fromEntries(EDGES.map((e) => [e, ns() / 10])),
  }),
);

/** The SDK path at its best: a Map from interned ids to a frozen attributes object built once. */
function sdkRecorder(h: Histogram) {
  const cache = new Map<number, Map<number, Attributes>>();
  const attrs = (a: Attribution, id: number, category: string): Attributes => {
    const key = a.journeyOperation;
    let m = cache.get(key);
    if (!m) cache.set(key, (m = new Map()));
    const k = category === "network" ? -id - 1 : id;
    let x = m.get(k);
    if (!x) {
      x = Object.freeze({ "pbe.journey": `${tables.strings.get(a.journeyService)} ${tables.strings.get(a.journeyOperation)}`, "pbe.component": tables.strings.get(id), "pbe.category": category });
      m.set(k, x);
    }
    return x;
  };
  return (a: Attribution) => {
    for (let i = 0; i < a.componentIds.length; i++) h.record(a.componentNs[i]! / 1e9, attrs(a, a.componentIds[i]!, "processing"));
    for (let i = 0; i < a.edgeIds.length; i++) h.record(a.edgeNs[i]! / 1e9, attrs(a, a.edgeIds[i]!, "network"));
  };
}

const providers: MeterProvider[] = [];
const derived: DerivedMetrics[] = [];
afterAll(async () => {
  await Promise.all([...providers.map((p) => p.shutdown()), ...derived.map((d) => d.shutdown())]);
});

function sdkHistogram(withOtlp: boolean): Histogram {
  const readers = [new PrometheusExporter({ preventServerStart: true })] as Array<PrometheusExporter | PeriodicExportingMetricReader>;
  if (withOtlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          url: "http://127.0.0.1:9",
          aggregationPreference: (t) => (t === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT }),
        }),
        exportIntervalMillis: 3_600_000,
      }),
    );
  }
  const p = new MeterProvider({ readers });
  providers.push(p);
  return p.getMeter("bench").createHistogram("pbe.latency.attributed", { unit: "s", advice: { explicitBucketBoundaries: [...DEFAULT_LATENCY_BOUNDARIES_SEC] } });
}

function local(withOtlp: boolean): DerivedMetrics {
  const d = new DerivedMetrics({ names: tables.strings, healthSource: () => health(), processMetrics: false, ...(withOtlp ? { otlpEndpoint: "http://127.0.0.1:9", exportIntervalMs: 3_600_000 } : {}) });
  derived.push(d);
  return d;
}

const BATCH = 256;

describe(`record ${BATCH} attributed traces (8 values each)`, () => {
  const sdk1 = sdkRecorder(sdkHistogram(false));
  const sdk2 = sdkRecorder(sdkHistogram(true));
  const loc1 = local(false);
  const loc2 = local(true);
  let i = 0;
  const batch = (record: (a: Attribution) => void) => () => {
    for (let k = 0; k < BATCH; k++) record(traces[i++ & (TRACES - 1)]!);
  };
  bench("SDK histogram, cached attributes, Prometheus reader", batch(sdk1));
  bench("SDK histogram, cached attributes, Prometheus + OTLP exponential readers", batch(sdk2));
  bench("DerivedMetrics.onTrace, /metrics only (explicit buckets)", batch((a) => loc1.onTrace(a, 0)));
  bench("DerivedMetrics.onTrace, /metrics + OTLP (explicit + exponential)", batch((a) => loc2.onTrace(a, 0)));
});
