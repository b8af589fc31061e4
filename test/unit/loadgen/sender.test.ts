import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TDigest } from "../../../src/digest/index.js";
import { TrafficPool } from "../../../src/loadgen/index.js";
import { Sender, type SenderOptions } from "../../../src/loadgen/sender.js";
import { silentLogger } from "../../../src/log/index.js";
import { decodeTraceRequest } from "../../../src/otlp/index.js";
import { GrpcReceiver, HttpReceiver, type IngestPipeline } from "../../../src/receiver/index.js";
import { SpanBatch, StringTables } from "../../../src/span/index.js";

/** Decodes with the engine's decoder and counts (the receivers' pipeline below). */
class Counting {
  spans = 0;
  metricsRequests = 0;
  readonly traceKeys = new Set<string>();
  private readonly batch = new SpanBatch(1024);
  private readonly tables = new StringTables();

  decode(body: Uint8Array) {
    const r = decodeTraceRequest(body, this.batch, this.tables);
    for (let i = 0; i < this.batch.length; i++) this.traceKeys.add(this.batch.traceKey[i]!);
    this.spans += r.spans;
    return { accepted: r.spans, rejected: r.rejected };
  }
}

const pool = new TrafficPool({ traces: 150, seed: 5 });
const counting = new Counting();
const pipeline: IngestPipeline = {
  traces: (body) => counting.decode(body),
  metrics: () => {
    counting.metricsRequests++;
    return { accepted: 0, rejected: 0 };
  },
};
const grpc = new GrpcReceiver({ host: "127.0.0.1", port: 0, maxMessageBytes: 16 << 20, pipeline, logger: silentLogger() });
const http = new HttpReceiver({ host: "127.0.0.1", port: 0, maxMessageBytes: 16 << 20, maxInflatedBytes: 64 << 20, pipeline, logger: silentLogger() });
let ports: { grpc: number; http: number };

beforeAll(async () => {
  ports = { grpc: await grpc.start(), http: await http.start() };
});
afterAll(async () => {
  await grpc.stop(100);
  await http.stop();
});

function options(protocol: "grpc" | "http", o: Partial<SenderOptions> = {}): SenderOptions {
  return {
    target: `127.0.0.1:${protocol === "grpc" ? ports.grpc : ports.http}`,
    protocol,
    connections: 2,
    concurrency: 4,
    rate: 0,
    maxSpans: 0,
    metricsIntervalMs: 0,
    worker: 0,
    runSalt: [11, 22],
    ...o,
  };
}

describe("Sender", () => {
  for (const protocol of ["grpc", "http"] as const) {
    it(`sends whole pool passes over ${protocol} with fresh trace ids, counting and timing every request`, async () => {
      const before = { spans: counting.spans, traces: counting.traceKeys.size, metrics: counting.metricsRequests };
      // A run salt of its own: the same salt and worker would repeat the other test's ids.
      const runSalt: [number, number] = protocol === "grpc" ? [1, 2] : [3, 4];
      const sender = new Sender(pool, options(protocol, { maxSpans: 2 * pool.spanCount, metricsIntervalMs: 50, runSalt }));
      await sender.ready();
      const finished = new Promise<void>((resolve) => (sender.onFinished = resolve));
      sender.start();
      await finished;
      await sender.stop("now");
      const { total } = sender.counters();
      sender.close();
      expect(total.errorRequests).toBe(0);
      expect(total.spans).toBe(2 * pool.spanCount);
      expect(total.requests).toBe(2 * pool.requests.length);
      expect(total.traces).toBe(2 * pool.traces.length);
      expect(counting.spans - before.spans).toBe(total.spans);
      expect(counting.traceKeys.size - before.traces).toBe(2 * pool.traces.length);
      expect(TDigest.fromBase64(total.latencyDigest).count).toBe(total.requests);
      expect(total.metricsRequests).toBeGreaterThanOrEqual(1);
      expect(counting.metricsRequests - before.metrics).toBe(total.metricsRequests);
    });
  }

  it("holds the offered rate without per-span timers, and a cycle stop sends every started trace whole", async () => {
    const rate = 20_000;
    const sender = new Sender(pool, options("grpc", { rate }));
    await sender.ready();
    const t0 = performance.now();
    sender.start();
    await new Promise((r) => setTimeout(r, 1000));
    const sent = sender.counters().total.spans;
    const elapsed = (performance.now() - t0) / 1000;
    await sender.stop("cycle");
    const { total } = sender.counters();
    sender.close();
    const largest = Math.max(...pool.requests.map((r) => r.spans));
    expect(sent).toBeLessThanOrEqual(rate * elapsed + 2 * largest);
    expect(sent).toBeGreaterThan(rate * elapsed * 0.4);
    expect(total.spans % pool.spanCount).toBe(0);
    expect(total.traces % pool.traces.length).toBe(0);
  });
});
