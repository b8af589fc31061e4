// OTLP/gRPC end to end: the real OpenTelemetry SDK exporter (@opentelemetry/exporter-trace-otlp-grpc)
// sends a trace from two services; a raw grpc-js client checks errors, partial success and gzip.
import * as grpc from "@grpc/grpc-js";
import { ROOT_CONTEXT, SpanKind, trace, type HrTime } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportTraceServiceResponse } from "../../src/otlp/index.js";
import { buildTraceRequest, grpcClient, grpcExport, traceIdHex } from "../helpers/otlp.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

let engine: EngineProcess;

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--decision-wait", "300ms"] });
});
afterAll(async () => {
  expect(await engine.stop()).toBe(0);
});

function provider(service: string, url: string) {
  const exporter = new OTLPTraceExporter({ url });
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

/** HrTime for `base + offsetMs` exactly, where base is whole seconds. */
const at = (baseSec: number, offsetMs: number): HrTime => [baseSec + Math.floor(offsetMs / 1000), (offsetMs % 1000) * 1_000_000];


describe("OTLP/gRPC ingest", () => {
  it("attributes a trace sent by the OpenTelemetry SDK from two services", async () => {
    const url = `http://127.0.0.1:${engine.ports.grpc}`;
    const frontend = provider("frontend", url);
    const cart = provider("cart", url);
    const base = Math.floor(Date.now() / 1000);
    const tf = frontend.getTracer("e2e");
    const tc = cart.getTracer("e2e");
    // frontend GET /cart [0, 100] ms → CLIENT [10, 90] → cart SERVER [20, 80] → postgres [30, 50]
    const root = tf.startSpan("GET /cart", { kind: SpanKind.SERVER, startTime: at(base, 0), attributes: { "http.route": "/cart" } }, ROOT_CONTEXT);
    const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
    const client = tf.startSpan("GET cart", { kind: SpanKind.CLIENT, startTime: at(base, 10) }, rootCtx);
    const server = tc.startSpan("GET /items", { kind: SpanKind.SERVER, startTime: at(base, 20) }, trace.setSpanContext(ROOT_CONTEXT, client.spanContext()));
    const db = tc.startSpan("SELECT items", { kind: SpanKind.CLIENT, startTime: at(base, 30), attributes: { "db.system": "postgresql", "db.statement": "SELECT * FROM items WHERE cart = ?" } }, trace.setSpan(ROOT_CONTEXT, server));
    db.end(at(base, 50));
    server.end(at(base, 80));
    await cart.forceFlush();
    client.end(at(base, 90));
    root.end(at(base, 100));
    await frontend.forceFlush();
    const traceId = root.spanContext().traceId;
    const a = await eventually(async () => {
      const r = await engine.get(`/api/v1/traces/${traceId}`);
      return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
    });
    expect(a).toMatchObject({
      traceId,
      journey: { service: "frontend", operation: "/cart" },
      durationNs: 100_000_000,
      processingNs: 80_000_000,
      networkNs: 20_000_000,
      components: { frontend: 20_000_000, cart: 40_000_000, postgresql: 20_000_000 },
      edges: { "frontend->cart": 20_000_000 },
      counts: { spans: 4, dbQueries: 1, downstreamCalls: 2 },
    });
    await Promise.all([frontend.shutdown(), cart.shutdown()]);
  });

  it("answers partial_success for invalid spans", async () => {
    const client = grpcClient(engine.ports.grpc);
    const now = BigInt(Date.now()) * 1_000_000n;
    const req = buildTraceRequest([
      { traceId: traceIdHex("grpc-partial"), spanId: "ok", service: "svc", name: "GET", kind: "server", startNs: now, endNs: now + 1000n },
      { traceId: traceIdHex("grpc-partial"), spanId: "bad", parent: "ok", service: "svc", name: "x", startNs: now + 10n, endNs: now + 5n },
    ]);
    const { err, res } = await grpcExport(client, req.protobuf);
    expect(err).toBeNull();
    const body = ExportTraceServiceResponse.decode(res!);
    expect(Number(body.partialSuccess?.rejectedSpans)).toBe(1);
    client.close();
  });

  it("answers INVALID_ARGUMENT for a malformed request and keeps serving", async () => {
    const client = grpcClient(engine.ports.grpc);
    const { err } = await grpcExport(client, new Uint8Array([0x0a, 0x05, 0x01]));
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/cannot decode/);
    const again = await grpcExport(client, buildTraceRequest([{ traceId: traceIdHex("after-bad"), spanId: "r", service: "s", name: "n", kind: "server", startNs: 5n, endNs: 9n }]).protobuf);
    expect(again.err).toBeNull();
    client.close();
  });

  it("accepts gzip-compressed requests", async () => {
    const client = grpcClient(engine.ports.grpc, undefined, { "grpc.default_compression_algorithm": 2 });
    const now = BigInt(Date.now()) * 1_000_000n;
    const traceId = traceIdHex("grpc-gzip");
    const { err } = await grpcExport(client, buildTraceRequest([{ traceId, spanId: "r", service: "gz", name: "GET /gz", kind: "server", startNs: now, endNs: now + 7_000n }]).protobuf);
    expect(err).toBeNull();
    const a = await eventually(async () => {
      const r = await engine.get(`/api/v1/traces/${traceId}`);
      return r.status === 200 ? (r.body as { durationNs: number }) : undefined;
    });
    expect(a.durationNs).toBe(7000);
    client.close();
  });

  it("refuses a message past the size limit with RESOURCE_EXHAUSTED", async () => {
    const client = grpcClient(engine.ports.grpc, undefined, { "grpc.max_send_message_length": -1 });
    const { err } = await grpcExport(client, new Uint8Array(17 * 1024 * 1024));
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    client.close();
  });
});

describe("back-pressure", () => {
  it("refuses with RESOURCE_EXHAUSTED + RetryInfo over gRPC and 429 + Retry-After over HTTP when the buffer is full", async () => {
    const small = await startEngineProcess({ args: ["--max-buffered-spans", "2", "--min-buffer-time", "20s", "--max-trace-age", "30s"] });
    try {
      const now = BigInt(Date.now()) * 1_000_000n;
      const req = (name: string) =>
        buildTraceRequest([
          { traceId: traceIdHex(name), spanId: "a", service: "s", name: "n", kind: "server", startNs: now, endNs: now + 10n },
          { traceId: traceIdHex(name), spanId: "b", parent: "a", service: "s", name: "n", startNs: now, endNs: now + 5n },
        ]).protobuf;
      const client = grpcClient(small.ports.grpc);
      expect((await grpcExport(client, req("first"))).err).toBeNull();
      const { err } = await grpcExport(client, req("second"));
      expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      const details = err?.metadata.get("grpc-status-details-bin")[0] as Buffer;
      expect(details.toString("latin1")).toContain("type.googleapis.com/google.rpc.RetryInfo");
      client.close();
      const res = await fetch(`http://127.0.0.1:${small.ports.http}/v1/traces`, { method: "POST", body: req("third"), headers: { "content-type": "application/x-protobuf" } });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("1");
      const stats = (await small.get("/api/v1/stats")).body as { assembler: { requestsRefused: number; bufferedSpans: number } };
      expect(stats.assembler.requestsRefused).toBe(2);
      expect(stats.assembler.bufferedSpans).toBe(2);
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });
});
