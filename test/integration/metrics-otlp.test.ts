// The OTLP push of the derived metrics: the real OTLP/gRPC exporter sends to a grpc-js server
// started here (raw-bytes Export method, as src/receiver/grpc.ts), and the request is decoded
// with the engine's own decoder: names, units, attributes, temporality, the exponential histogram.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SinkError } from "../../src/errors/index.js";
import { decodeMetricsRequest, encodeMetricsResponse, type MetricData, type MetricsDecodeResult, type NumberPoint } from "../../src/otlp/index.js";
import { StringTables } from "../../src/span/index.js";
import { DerivedMetrics, expoIndex } from "../../src/telemetry/index.js";
import { attribution, evaluation, health } from "../unit/telemetry/helpers.js";

const identity = (b: Buffer) => b;
const METRICS_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: (b: Uint8Array) => Buffer.from(b),
    responseDeserialize: identity,
  },
};

interface Collector {
  port: number;
  received: MetricsDecodeResult[];
  /** Answer the next exports with this status instead of OK. */
  failWith?: grpc.status;
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const server = new grpc.Server();
  const c: Collector = {
    port: 0,
    received: [],
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(METRICS_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>) => {
      if (c.failWith !== undefined) {
        cb({ code: c.failWith, details: "refused by the test collector" });
        return;
      }
      c.received.push(decodeMetricsRequest(call.request));
      cb(null, encodeMetricsResponse(undefined));
    },
  });
  c.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return c;
}

const MS = 1e6;
let collector: Collector;

beforeAll(async () => {
  collector = await startCollector();
});
afterAll(async () => {
  await collector.close();
});

/** The points of a gauge or sum (throws for the histogram kinds). */
function numbers(m: MetricData | undefined): NumberPoint[] {
  if (m?.type !== "gauge" && m?.type !== "sum") throw new Error(`${m?.name} is not a gauge or a sum`);
  return m.points;
}

function metricsOf(r: MetricsDecodeResult): Map<string, MetricData> {
  const out = new Map<string, MetricData>();
  for (const res of r.resources) for (const s of res.scopes) for (const m of s.metrics) out.set(m.name, m);
  return out;
}

describe("OTLP push of the derived metrics", () => {
  it("pushes the budget gauges, the exponential latency histogram and the health counters", async () => {
    const tables = new StringTables();
    const errors: Error[] = [];
    const metrics = new DerivedMetrics({
      names: tables.strings,
      healthSource: () => health({ spansReceived: 777 }),
      otlpEndpoint: `http://127.0.0.1:${collector.port}`,
      exportIntervalMs: 3_600_000, // exports happen on forceFlush only
      serviceVersion: "1.2.3",
      serviceInstanceId: "pbe-0",
      onError: (e) => errors.push(e),
    });
    try {
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) {
        metrics.onTrace(
          attribution(tables, {
            service: "frontend",
            operation: "POST /api/checkout",
            components: { frontend: 2 * MS, "stripe-api": (i < 15 ? 40 : 400) * MS },
            edges: { "frontend->payment": 0.5 * MS },
          }),
          t0,
        );
      }
      metrics.update([
        evaluation({
          budgetId: "checkout-p99",
          service: "frontend",
          operation: "POST /api/checkout",
          status: "violated",
          usage: 1.4,
          observed: 420,
          errorBudgetRemaining: -1.5,
          burnRates: [{ longWindowMs: 3_600_000, shortWindowMs: 300_000, factor: 14.4, longRate: 16, shortRate: 30, alerting: true }],
        }),
        evaluation({ budgetId: "api-mem", type: "resource.memory", service: "api", unit: "bytes", observed: 3e8, threshold: 5e8, usage: 0.6 }),
      ]);
      collector.received.length = 0;
      await metrics.forceFlush();
      expect(collector.received.length).toBe(1);
      const req = collector.received[0]!;
      expect(req.rejected).toBe(0);
      expect(req.resources.length).toBe(1);
      expect(req.resources[0]!.attributes).toMatchObject({ "service.name": "pbe", "service.version": "1.2.3", "service.instance.id": "pbe-0" });
      const m = metricsOf(req);

      // The histogram: exponential, cumulative, in seconds, one point per (journey, component, category).
      const lat = m.get("pbe.latency.attributed")!;
      expect(lat.type).toBe("exponentialHistogram");
      expect(lat.unit).toBe("s");
      expect(lat.temporality).toBe("cumulative");
      if (lat.type !== "exponentialHistogram") throw new Error("unreachable");
      expect(lat.points.map((p) => `${p.attributes["pbe.category"]}:${p.attributes["pbe.component"]}`).sort()).toEqual([
        "network:frontend->payment",
        "processing:frontend",
        "processing:stripe-api",
      ]);
      const stripe = lat.points.find((p) => p.attributes["pbe.component"] === "stripe-api")!;
      expect(stripe.attributes["pbe.journey"]).toBe("frontend POST /api/checkout");
      expect(stripe.count).toBe(20);
      expect(stripe.sum).toBeCloseTo(15 * 0.04 + 5 * 0.4, 9);
      expect(stripe.min).toBeCloseTo(0.04, 12);
      expect(stripe.max).toBeCloseTo(0.4, 12);
      expect(stripe.scale).toBeLessThanOrEqual(20);
      expect(stripe.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(20);
      const at = (v: number) => stripe.positive.bucketCounts[expoIndex(v, stripe.scale) - stripe.positive.offset];
      expect(at(0.04)).toBe(15);
      expect(at(0.4)).toBe(5);
      expect(Number(stripe.startTimeUnixNano / 1_000_000n)).toBe(t0);
      const journeys = m.get("pbe.journey.traces")!;
      expect(journeys).toMatchObject({ type: "sum", monotonic: true, temporality: "cumulative", unit: "{trace}" });
      expect(journeys.points[0]).toMatchObject({ value: 20, attributes: { "pbe.journey": "frontend POST /api/checkout" } });

      // The budget gauges: units and attributes (pbe.operation only when set; pbe.unit in UCUM).
      const usage = m.get("pbe.budget.usage")!;
      expect(usage).toMatchObject({ type: "gauge", unit: "1" });
      expect(usage.points.find((p) => p.attributes["budget.id"] === "checkout-p99")!).toMatchObject({
        value: 1.4,
        attributes: { "budget.id": "checkout-p99", "budget.type": "latency.total", "service.name": "frontend", "pbe.operation": "POST /api/checkout" },
      });
      const observed = m.get("pbe.budget.observed")!;
      expect(observed.unit).toBe("");
      const mem = numbers(observed).find((p) => p.attributes["budget.id"] === "api-mem")!;
      expect(mem.attributes).toEqual({ "budget.id": "api-mem", "budget.type": "resource.memory", "service.name": "api", "pbe.unit": "By" });
      expect(mem.value).toBe(3e8);
      const burn = m.get("pbe.budget.burn_rate")!;
      expect(numbers(burn).map((p) => [p.attributes["pbe.burn.window"], p.attributes["pbe.burn.range"], p.attributes["pbe.burn.factor"], p.value])).toEqual([
        ["1h/5m", "long", 14.4, 16],
        ["1h/5m", "short", 14.4, 30],
      ]);
      expect(numbers(m.get("pbe.budget.compliant")).map((p) => p.value)).toEqual([0, 1]);
      expect(numbers(m.get("pbe.budget.error_budget.remaining")).map((p) => p.value)).toEqual([-1.5]);

      // Health: monotonic cumulative sums with units.
      const spans = m.get("pbe.spans.received")!;
      expect(spans).toMatchObject({ type: "sum", monotonic: true, temporality: "cumulative", unit: "{span}" });
      expect(numbers(spans)[0]!.value).toBe(777);
      for (const n of ["pbe.spans.rejected", "pbe.spans.late", "pbe.traces.completed", "pbe.traces.evicted", "pbe.requests.refused", "pbe.alerts.published", "pbe.nats.failures", "process.cpu.time"]) {
        expect(m.get(n)?.type, n).toBe("sum");
      }
      expect(m.get("process.memory.usage")).toMatchObject({ type: "sum", monotonic: false, unit: "By" });

      // Cumulative: a second push carries the totals since the start, from the same start time.
      metrics.onTrace(attribution(tables, { service: "frontend", operation: "POST /api/checkout", components: { "stripe-api": 40 * MS } }), t0 + 5000);
      await metrics.forceFlush();
      const again = metricsOf(collector.received[1]!).get("pbe.latency.attributed")!;
      if (again.type !== "exponentialHistogram") throw new Error("unreachable");
      const stripe2 = again.points.find((p) => p.attributes["pbe.component"] === "stripe-api")!;
      expect(stripe2.count).toBe(21);
      expect(stripe2.startTimeUnixNano).toBe(stripe.startTimeUnixNano);
      expect(stripe2.timeUnixNano > stripe.timeUnixNano || stripe2.timeUnixNano === stripe.timeUnixNano).toBe(true);
      expect(errors).toEqual([]);
      expect(metrics.stats).toMatchObject({ exports: 2, exportFailures: 0, latencySeries: 3, journeys: 1 });

      // Shutdown pushes once more before closing.
      await metrics.shutdown();
      expect(collector.received.length).toBe(3);
    } finally {
      await metrics.shutdown();
    }
  });

  it("reports a refused push: forceFlush rejects with a retryable SinkError and onError hears of it", async () => {
    const tables = new StringTables();
    const errors: Error[] = [];
    const metrics = new DerivedMetrics({
      names: tables.strings,
      healthSource: () => health(),
      otlpEndpoint: `http://127.0.0.1:${collector.port}`,
      exportIntervalMs: 3_600_000,
      processMetrics: false,
      onError: (e) => errors.push(e),
    });
    collector.failWith = grpc.status.INVALID_ARGUMENT; // not retried by the exporter
    try {
      const err = await metrics.forceFlush().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SinkError);
      expect((err as SinkError).retryable).toBe(true);
      expect((err as SinkError).message).toMatch(/OTLP endpoint failed/);
      expect(errors.length).toBe(1);
      expect(metrics.stats.exportFailures).toBe(1);
      expect(metrics.stats.lastExportError).toMatch(/refused by the test collector|INVALID_ARGUMENT|3/);
      // /metrics keeps working while the push fails.
      expect(await metrics.prometheusText()).toContain("pbe_spans_received_total 1000");
    } finally {
      collector.failWith = undefined;
      await metrics.shutdown();
    }
  });
});
