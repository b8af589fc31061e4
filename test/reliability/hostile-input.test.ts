// Hostile input through the real server (OTLP/HTTP and gRPC): span trees with cycles and
// self-parents, a 100 000-span trace, a 10 000-deep chain, a million distinct span names against
// the cardinality limits, fuzzed payloads on both transports, and a gzip bomb over gRPC.
import * as grpc from "@grpc/grpc-js";
import { connect as h2connect } from "node:http2";
import { createGzip } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTargets } from "../../src/fuzz/index.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { encodeSpans, grpcClient, grpcExport, hex, nowNs, NS_PER_MS, postOtlp, postUntilAccepted, stats, traceIdBytes, type FastSpan } from "./helpers.js";

interface TraceJson {
  durationNs: number;
  processingNs: number;
  networkNs: number;
  components: Record<string, number>;
  criticalPath: unknown[];
  counts: { spans: number };
}

let engine: EngineProcess;

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--decision-wait", "200ms", "--max-trace-age", "2s", "--min-buffer-time", "0s"] });
});
afterAll(async () => {
  expect(await engine.stop()).toBe(0);
});

async function attribution(trace: Uint8Array, spans?: number): Promise<TraceJson> {
  return eventually(async () => {
    const r = await engine.get(`/api/v1/traces/${hex(trace)}`);
    if (r.status !== 200) return undefined;
    const t = r.body as TraceJson;
    return spans === undefined || t.counts.spans === spans ? t : undefined;
  }, 20_000);
}

function exact(t: TraceJson): void {
  expect(t.processingNs + t.networkNs).toBe(t.durationNs);
  expect(Object.values(t.components).reduce((a, b) => a + b, 0)).toBe(t.processingNs);
}

describe("span trees that are not trees", () => {
  it("attributes a trace with a cycle and a self-parent beside its root, and a trace that is only a cycle", async () => {
    const t0 = nowNs();
    const a = traceIdBytes(1, 0xc1c1e);
    const spans: FastSpan[] = [
      { trace: a, id: 1, name: "GET /x", startNs: t0, endNs: t0 + 100n * NS_PER_MS },
      { trace: a, id: 2, parent: 1, name: "child", kind: 1, startNs: t0 + 10n * NS_PER_MS, endNs: t0 + 50n * NS_PER_MS },
      // 3 ↔ 4: a cycle; 5: its own parent; 6: child of the cycle
      { trace: a, id: 3, parent: 4, name: "cycle-a", kind: 1, startNs: t0 + 20n * NS_PER_MS, endNs: t0 + 30n * NS_PER_MS },
      { trace: a, id: 4, parent: 3, name: "cycle-b", kind: 1, startNs: t0 + 21n * NS_PER_MS, endNs: t0 + 29n * NS_PER_MS },
      { trace: a, id: 5, parent: 5, name: "self", kind: 1, startNs: t0 + 60n * NS_PER_MS, endNs: t0 + 70n * NS_PER_MS },
      { trace: a, id: 6, parent: 3, name: "under-cycle", kind: 1, startNs: t0 + 22n * NS_PER_MS, endNs: t0 + 23n * NS_PER_MS },
    ];
    const b = traceIdBytes(2, 0xc1c1e);
    const onlyCycle: FastSpan[] = [
      { trace: b, id: 1, parent: 2, name: "x", startNs: t0, endNs: t0 + 10n * NS_PER_MS },
      { trace: b, id: 2, parent: 1, name: "y", startNs: t0 + 1n * NS_PER_MS, endNs: t0 + 9n * NS_PER_MS },
    ];
    expect((await postOtlp(engine.ports.http, "/v1/traces", encodeSpans("cyclic", [...spans, ...onlyCycle]))).status).toBe(200);
    const ta = await attribution(a);
    expect(ta.durationNs).toBe(100_000_000);
    expect(ta.counts.spans).toBe(6);
    exact(ta);
    // No root at all: attributed from its top-most span at the max trace age (2 s here).
    const tb = await attribution(b);
    expect(tb.counts.spans).toBe(2);
    exact(tb);
    expect((await engine.get("/healthz")).status).toBe(200);
  });

  it("attributes a 100 000-span trace sent in one request, exactly", async () => {
    const t0 = nowNs();
    const trace = traceIdBytes(3, 0xb16);
    const spans: FastSpan[] = [{ trace, id: 0, name: "GET /fanout", startNs: t0, endNs: t0 + 1_000n * NS_PER_MS }];
    for (let i = 1; i < 100_000; i++) {
      const start = t0 + BigInt(i % 997) * NS_PER_MS;
      spans.push({ trace, id: i, parent: 0, name: `call-${i % 50}`, kind: 3, startNs: start, endNs: start + BigInt(1 + (i % 7)) * NS_PER_MS, attrs: [["peer.service", `dep-${i % 20}`]] });
    }
    const body = encodeSpans("fanout", spans);
    expect(body.length).toBeLessThan(16 * 2 ** 20);
    const started = performance.now();
    expect((await postOtlp(engine.ports.http, "/v1/traces", body)).status).toBe(200);
    const t = await attribution(trace, 100_000);
    const ms = performance.now() - started;
    expect(t.durationNs).toBe(1_000_000_000);
    exact(t);
    expect(ms).toBeLessThan(15_000);
  });

  it("attributes a 10 000-deep chain without recursion limits", async () => {
    const t0 = nowNs();
    const trace = traceIdBytes(4, 0xdee9);
    const depth = 10_000;
    const spans: FastSpan[] = [];
    for (let i = 0; i < depth; i++) {
      // each span encloses the next: [i µs, (2·depth − i) µs]
      spans.push({ trace, id: i, ...(i === 0 ? {} : { parent: i - 1 }), name: `level-${i % 10}`, kind: i === 0 ? 2 : 1, startNs: t0 + BigInt(i) * 1000n, endNs: t0 + BigInt(2 * depth - i) * 1000n });
    }
    expect((await postOtlp(engine.ports.http, "/v1/traces", encodeSpans("deep", spans))).status).toBe(200);
    const t = await attribution(trace, depth);
    expect(t.durationNs).toBe(2 * depth * 1000);
    exact(t);
    expect((await engine.get("/healthz")).status).toBe(200);
  });
});

describe("fuzzed payloads through both transports", () => {
  it("answers every mutated or random payload with 200/OK or 400/INVALID_ARGUMENT, never an internal error, and keeps serving", async () => {
    const targets = buildTargets();
    const pick = (name: string, n: number, seed: number) => fc.sample(targets.find((t) => t.name === name)!.arbitrary as unknown as fc.Arbitrary<{ input: Uint8Array | string }>, { numRuns: n, seed }).map((c) => c.input);
    const before = await stats(engine);
    const http: Record<number, number> = {};
    let sent = 0;
    const send = async (path: "/v1/traces" | "/v1/metrics", inputs: (Uint8Array | string)[], type: string) => {
      for (const input of inputs) {
        const r = await postOtlp(engine.ports.http, path, input, type);
        http[r.status] = (http[r.status] ?? 0) + 1;
        sent++;
      }
    };
    await send("/v1/traces", pick("trace-wire", 600, 1), "application/x-protobuf");
    await send("/v1/traces", pick("trace-json", 600, 2), "application/json");
    await send("/v1/metrics", pick("metrics-protobuf", 300, 3), "application/x-protobuf");
    await send("/v1/metrics", pick("metrics-json", 300, 4), "application/json");
    const grpcCodes: Record<number, number> = {};
    const client = grpcClient(engine.ports.grpc);
    try {
      for (const input of pick("trace-wire", 600, 5)) {
        const { err } = await grpcExport(client, input as Uint8Array);
        const code = err?.code ?? grpc.status.OK;
        grpcCodes[code] = (grpcCodes[code] ?? 0) + 1;
      }
      for (const input of pick("metrics-protobuf", 200, 6)) {
        const { err } = await grpcExport(client, input as Uint8Array, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
        const code = err?.code ?? grpc.status.OK;
        grpcCodes[code] = (grpcCodes[code] ?? 0) + 1;
      }
    } finally {
      client.close();
    }
    console.log(`fuzzed through the server: HTTP ${JSON.stringify(http)} (${sent} requests), gRPC ${JSON.stringify(grpcCodes)} (800 calls)`);
    expect(Object.keys(http).map(Number).sort()).toEqual([200, 400]);
    expect(Object.keys(grpcCodes).map(Number).sort()).toEqual([grpc.status.OK, grpc.status.INVALID_ARGUMENT].sort());
    const after = await stats(engine);
    expect(after.ingest.requestsMalformed - before.ingest.requestsMalformed).toBe(http[400]! + grpcCodes[grpc.status.INVALID_ARGUMENT]!);
    expect((await engine.get("/healthz")).status).toBe(200);
    expect(engine.output()).not.toMatch(/"level":(50|60)/); // no error or fatal log line
  });

  it("refuses a gzip bomb over gRPC at the message limit without inflating it", async () => {
    // 1 GiB of zeros, gzip'd as a stream (~1 MB), sent as one compressed gRPC message.
    const gz = createGzip({ level: 9 });
    const chunks: Buffer[] = [];
    gz.on("data", (c: Buffer) => chunks.push(c));
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once("drain", r));
    await new Promise((r) => gz.end(r));
    const bomb = Buffer.concat(chunks);
    const frame = Buffer.alloc(5 + bomb.length);
    frame[0] = 1; // compressed
    frame.writeUInt32BE(bomb.length, 1);
    bomb.copy(frame, 5);
    const heapBefore = (await stats(engine)).process.heapUsedBytes;
    const session = h2connect(`http://127.0.0.1:${engine.ports.grpc}`);
    try {
      const status = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "content-type": "application/grpc", "grpc-encoding": "gzip", te: "trailers" });
        let code = "";
        req.on("response", (h) => (code = String(h["grpc-status"] ?? code)));
        req.on("trailers", (t) => (code = String(t["grpc-status"] ?? code)));
        req.on("data", () => {});
        req.on("end", () => resolve(code));
        req.on("error", reject);
        req.end(frame);
      });
      expect(Number(status)).toBe(grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      session.close();
    }
    const s = await stats(engine);
    // Nothing near 1 GiB was inflated (the limit is 16 MiB).
    expect(s.process.heapUsedBytes - heapBefore).toBeLessThan(100 * 2 ** 20);
    expect(s.process.rssBytes).toBeLessThan(600 * 2 ** 20);
    expect((await engine.get("/healthz")).status).toBe(200);
  });
});

describe("a million distinct span names", () => {
  it("holds the string table and per-service key limits, counts the overflow bucket, and keeps memory bounded", async () => {
    const limited = await startEngineProcess({ args: ["--decision-wait", "100ms", "--max-strings", "20000", "--max-keys-per-service", "200", "--min-buffer-time", "0s"] });
    try {
      const total = 1_000_000;
      const perRequest = 5_000;
      const t0 = nowNs();
      let maxHeap = 0;
      let retries = 0;
      const started = performance.now();
      for (let off = 0; off < total; off += perRequest) {
        const spans: FastSpan[] = [];
        for (let i = off; i < off + perRequest; i++) spans.push({ trace: traceIdBytes(i, 0x4a3e5), id: 0, name: `op-${i}`, startNs: t0, endNs: t0 + 1_000_000n });
        retries += (await postUntilAccepted(limited.ports.http, encodeSpans("names", spans))) - 1;
        if (off % 100_000 === 0) maxHeap = Math.max(maxHeap, (await stats(limited)).process.heapUsedBytes);
      }
      const s = await eventually(async () => {
        const x = await stats(limited);
        return x.engine.tracesAttributed === total ? x : undefined;
      }, 60_000);
      maxHeap = Math.max(maxHeap, s.process.heapUsedBytes);
      const services = (await limited.get("/api/v1/services")).body as { services: { service: string; journeys: { operation: string; traces: number }[] }[] };
      const svc = services.services.find((x) => x.service === "names")!;
      const overflow = svc.journeys.find((j) => j.operation === "__overflow__");
      console.log(`1M names: ${((performance.now() - started) / 1000).toFixed(1)} s, ${retries} retried requests, strings ${s.strings.size} (overflowed ${s.strings.overflowed}), keys overflowed ${s.keysOverflowed}, journeys ${svc.journeys.length}, overflow bucket ${overflow?.traces} traces, max heap ${(maxHeap / 2 ** 20).toFixed(0)} MiB`);
      expect(s.engine.spansReceived).toBe(total);
      expect(s.strings.size).toBeLessThanOrEqual(20_000);
      expect(s.strings.overflowed).toBeGreaterThanOrEqual(total - 20_000);
      expect(svc.journeys.length).toBeLessThanOrEqual(201);
      expect(overflow).toBeDefined();
      expect(svc.journeys.reduce((a, j) => a + j.traces, 0)).toBe(total);
      expect(overflow!.traces).toBeGreaterThanOrEqual(total - 200);
      expect(s.keysOverflowed).toBeGreaterThanOrEqual(total - 200);
      expect(maxHeap).toBeLessThan(400 * 2 ** 20);
    } finally {
      expect(await limited.stop()).toBe(0);
    }
  }, 170_000);
});
