// OTLP/HTTP end to end: the real server process, protobuf and JSON, gzip, traces split across
// requests and services in any order, and every documented error answer.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportTraceServiceResponse, decodeTraceRequest } from "../../src/otlp/index.js";
import { buildTraceRequest, spanIdHex, traceIdHex } from "../helpers/otlp.js";
import { loadScenario, scenarioNames, wireSpans } from "../helpers/scenarios.js";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { ms } from "../helpers/spans.js";

let engine: EngineProcess;
let otlp: string;

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--decision-wait", "300ms", "--max-trace-age", "5s", "--max-message-bytes", "8MiB", "--max-inflated-bytes", "16MiB"] });
  otlp = `http://127.0.0.1:${engine.ports.http}`;
});
afterAll(async () => {
  expect(await engine.stop()).toBe(0);
});

const post = (path: string, body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(otlp + path, { method: "POST", body, headers });

/**
 * Sends the scenario's spans one service per request, services in reverse order (the root's
 * last), unless the scenario's result depends on arrival order.
 */
async function sendScenario(name: string, traceId: string, format: "protobuf" | "json", gzip = false) {
  const { spans, arrivalOrderMatters } = loadScenario(name);
  const specs = wireSpans(spans, traceId, BigInt(Date.now()) * 1_000_000n);
  const services = [...new Set(specs.map((s) => s.service))];
  if (!arrivalOrderMatters) services.reverse();
  for (const svc of services) {
    const req = buildTraceRequest(specs.filter((s) => s.service === svc));
    let body: Uint8Array | string = format === "protobuf" ? req.protobuf : req.jsonText;
    const headers: Record<string, string> = { "content-type": format === "protobuf" ? "application/x-protobuf" : "application/json" };
    if (gzip) {
      body = gzipSync(body);
      headers["content-encoding"] = "gzip";
    }
    const res = await post("/v1/traces", body, headers);
    expect(res.status).toBe(200);
    if (format === "json") expect(await res.json()).toEqual({});
    else expect((await res.arrayBuffer()).byteLength).toBe(0);
  }
}

async function attribution(traceId: string) {
  return eventually(async () => {
    const r = await engine.get(`/api/v1/traces/${traceId}`);
    return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
  });
}

describe("OTLP/HTTP ingest", () => {
  const cases = scenarioNames().flatMap((name, i) => [
    { name, format: "protobuf" as const, gzip: i % 2 === 0 },
    { name, format: "json" as const, gzip: i % 2 === 1 },
  ]);
  it.concurrent.each(cases)("attributes scenario $name sent as $format (gzip $gzip), split by service", async ({ name, format, gzip }) => {
    const traceId = traceIdHex(`${name}-${format}`);
    await sendScenario(name, traceId, format, gzip);
    const a = (await attribution(traceId)) as {
      journey: unknown;
      durationNs: number;
      processingNs: number;
      networkNs: number;
      components: Record<string, number>;
      edges: Record<string, number>;
      criticalPath: { spanId: string; category: string; component?: string; edge?: string; startOffsetNs: number; durationNs: number }[];
    };
    const { expected, spans } = loadScenario(name);
    const nameOf = new Map(spans.map((s) => [spanIdHex(s.id), s.id]));
    expect(a.journey).toEqual(expected.journey);
    expect(a.durationNs).toBe(ms(expected.durationMs));
    expect(a.processingNs + a.networkNs).toBe(a.durationNs);
    expect(a.components).toEqual(Object.fromEntries(Object.entries(expected.components).map(([k, v]) => [k, ms(v)])));
    expect(a.edges).toEqual(Object.fromEntries(Object.entries(expected.edges ?? {}).map(([k, v]) => [k, ms(v)])));
    expect(a.criticalPath.map((s) => [nameOf.get(s.spanId), s.category, s.edge ?? s.component, s.startOffsetNs, s.durationNs])).toEqual(
      expected.criticalPath.map(([span, cat, key, start, dur]) => [span, cat, key, ms(start), ms(dur)]),
    );
  });

  it("answers partial_success for invalid spans and keeps the valid ones (protobuf)", async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const traceId = traceIdHex("partial-pb");
    const req = buildTraceRequest([
      { traceId, spanId: "ok", service: "svc", name: "GET /ok", kind: "server", startNs: now, endNs: now + 5_000_000n },
      { traceId, spanId: "backwards", parent: "ok", service: "svc", name: "bad", startNs: now + 10n, endNs: now },
    ]);
    const res = await post("/v1/traces", req.protobuf, { "content-type": "application/x-protobuf" });
    expect(res.status).toBe(200);
    const body = ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer()));
    expect(Number(body.partialSuccess?.rejectedSpans)).toBe(1);
    expect(body.partialSuccess?.errorMessage).toMatch(/end.*before.*start/i);
    const a = (await attribution(traceId)) as { durationNs: number };
    expect(a.durationNs).toBe(5_000_000);
  });

  it("answers partial_success for OTLP JSON with bad ids", async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const good = traceIdHex("partial-json");
    const req = buildTraceRequest([{ traceId: good, spanId: "ok", service: "svc", name: "GET /j", kind: "server", startNs: now, endNs: now + 1_000n }]);
    const json = JSON.parse(req.jsonText) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const spans = json.resourceSpans[0].scopeSpans[0].spans;
    spans.push({ ...spans[0], traceId: "abc", spanId: spanIdHex("x") });
    spans.push({ ...spans[0], spanId: "zz".repeat(8) });
    const res = await post("/v1/traces", JSON.stringify(json), { "content-type": "application/json" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe("2");
    expect(body.partialSuccess.errorMessage).toMatch(/trace_?id|traceId/i);
    await attribution(good);
  });

  it("refuses malformed protobuf with 400 and a google.rpc.Status", async () => {
    const res = await post("/v1/traces", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]), { "content-type": "application/x-protobuf" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes[0]).toBe(0x08); // field 1 (code), varint
    expect(bytes[1]).toBe(3); // INVALID_ARGUMENT
    expect(bytes.toString("latin1")).toMatch(/cannot decode/);
  });

  it("refuses malformed JSON with 400 and a JSON Status", async () => {
    const res = await post("/v1/traces", "{\"resourceSpans\": [", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(3);
    expect(body.message).toMatch(/cannot decode/);
  });

  it("refuses an unsupported content type with 415", async () => {
    const res = await post("/v1/traces", "hello", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/application\/x-protobuf/);
  });

  it("refuses truncated gzip with 400", async () => {
    const gz = gzipSync(buildTraceRequest([{ spanId: "a", service: "s", name: "n", startNs: 1n, endNs: 2n }]).protobuf);
    const res = await post("/v1/traces", gz.subarray(0, gz.length - 8), { "content-type": "application/x-protobuf", "content-encoding": "gzip" });
    expect(res.status).toBe(400);
    expect(Buffer.from(await res.arrayBuffer()).toString("latin1")).toMatch(/corrupt or truncated/);
  });

  it("refuses a body past the size limit with 413 (100 MB)", async () => {
    const big = new Uint8Array(100 * 1024 * 1024);
    const res = await post("/v1/traces", big, { "content-type": "application/x-protobuf" }).catch((err: Error) => err);
    // The server answers 413 as soon as the declared length is over the limit.
    if (res instanceof Error) throw res;
    expect(res.status).toBe(413);
  });

  it("refuses gzip that inflates past the limit with 413 (a bomb)", async () => {
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await post("/v1/traces", bomb, { "content-type": "application/x-protobuf", "content-encoding": "gzip" });
    expect(res.status).toBe(413);
    expect(Buffer.from(await res.arrayBuffer()).toString("latin1")).toMatch(/inflates past the limit/);
  });

  it("answers 404 and 405 for other paths and methods", async () => {
    expect((await fetch(`${otlp}/v1/logs`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(404);
    expect((await fetch(`${otlp}/v1/traces`)).status).toBe(405);
  });

  it("accepts metrics (protobuf) and counts their points", async () => {
    const { encodeMetricsRequest } = await import("../../src/otlp/index.js");
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = encodeMetricsRequest({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "cart" } }] },
          scopeMetrics: [{ metrics: [{ name: "process.memory.usage", unit: "By", gauge: { dataPoints: [{ timeUnixNano: Number(now), asInt: 123456 }] } }] }],
        },
      ],
    });
    const before = (await engine.get("/api/v1/stats")).body as { ingest: { metricPointsReceived: number } };
    const res = await post("/v1/metrics", body, { "content-type": "application/x-protobuf" });
    expect(res.status).toBe(200);
    const after = (await engine.get("/api/v1/stats")).body as { ingest: { metricPointsReceived: number } };
    expect(after.ingest.metricPointsReceived - before.ingest.metricPointsReceived).toBe(1);
  });

  it("keeps serving after every bad request", async () => {
    expect((await engine.get("/healthz")).status).toBe(200);
    // The decoder used by the server still agrees with the wire format (sanity).
    expect(typeof decodeTraceRequest).toBe("function");
  });

  it("answers 404 with a JSON error for an unknown trace id and 400 for a bad one", async () => {
    const missing = await engine.get(`/api/v1/traces/${"ab".repeat(16)}`);
    expect(missing.status).toBe(404);
    expect((missing.body as { error: { code: string } }).error.code).toBe("not_found");
    const bad = await engine.get("/api/v1/traces/xyz");
    expect(bad.status).toBe(400);
  });
});
