// End to end (in process): the real OpenTelemetry metrics SDK with HostMetrics (process metrics)
// exports through the real OTLP/gRPC exporter to a grpc-js server started here; the raw request
// bytes are decoded with the engine's decoder and mapped to resource samples.
import { availableParallelism } from "node:os";
import * as grpc from "@grpc/grpc-js";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { HostMetrics } from "@opentelemetry/host-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMetricsRequest, encodeMetricsResponse, type MetricsDecodeResult } from "../../../src/otlp/index.js";
import { ResourceMapper } from "../../../src/resource/index.js";

const received: MetricsDecodeResult[] = [];
let server: grpc.Server;
let port: number;

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

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(METRICS_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>) => {
      received.push(decodeMetricsRequest(call.request));
      cb(null, encodeMetricsResponse(undefined));
    },
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

describe("OpenTelemetry SDK host metrics → resource samples", () => {
  it("gives a plausible CPU and memory for the service", async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${port}` }),
      exportIntervalMillis: 3_600_000, // exports happen on forceFlush only
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "sdk-probe", "service.instance.id": "probe-1" }),
      readers: [reader],
    });
    new HostMetrics({ meterProvider: provider, name: "pbe-test", metricGroups: ["process.cpu", "process.memory"] }).start();
    let exports: number;
    try {
      await reader.forceFlush();
      await new Promise((r) => setTimeout(r, 250));
      let x = 0;
      for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); // some CPU between the two exports
      expect(x).toBeGreaterThan(0);
      await reader.forceFlush();
      exports = received.length; // not the one shutdown sends a few ms later: too short an interval to judge CPU by
    } finally {
      await provider.shutdown();
    }

    expect(exports).toBe(2);
    const mapper = new ResourceMapper();
    const samples = received.slice(0, exports).flatMap((r, i) => mapper.map(r, Date.now() + i));
    const mine = samples.filter((s) => s.service === "sdk-probe" && s.instance === "probe-1");

    const cpu = mine.filter((s) => s.resource === "cpu");
    expect(cpu).toHaveLength(1); // the first export is the counter's baseline
    // process.cpu.time (a cumulative counter) is preferred to process.cpu.utilization.
    expect(cpu.every((s) => s.metric === "process.cpu.time")).toBe(true);
    for (const s of cpu) {
      expect(s.value).toBeGreaterThanOrEqual(0);
      expect(s.value).toBeLessThan(availableParallelism());
    }

    const memory = mine.filter((s) => s.resource === "memory");
    expect(memory.length).toBeGreaterThanOrEqual(2);
    for (const s of memory) {
      expect(s.metric).toBe("process.memory.usage");
      expect(s.value).toBeGreaterThan(10 * 2 ** 20);
      expect(s.value).toBeLessThan(64 * 2 ** 30);
    }
    expect(mapper.stats.invalid + mapper.stats.badUnit).toBe(0);
  });
});
