/**
 * Shared by the reliability suite (`npm run test:reliability`): private nats-server processes,
 * fast OTLP request encoding for large volumes, raw OTLP clients with retry on back-pressure,
 * and typed reads of /api/v1/stats.
 */
import { bytes, concat, fixed64, kvString, message, varint } from "../../src/fuzz/pb.js";
import type { EngineProcess } from "../helpers/server.js";

import { sleep } from "../helpers/nats-server.js";

export { NATS_SERVER, NatsServer, freePort, sleep, tempDir, until, type NatsOptions } from "../helpers/nats-server.js";
export { TRACE_EXPORT, grpcClient, grpcExport } from "../helpers/otlp.js";

// ---- OTLP encoding for volume -----------------------------------------------------------

export const NS_PER_MS = 1_000_000n;

export interface FastSpan {
  trace: Uint8Array;
  id: number;
  parent?: number;
  name: string;
  kind?: number;
  startNs: bigint;
  endNs: bigint;
  attrs?: [string, string][];
}

/** Span id bytes of a small integer (little-endian, never zero). */
export function spanIdBytes(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, n + 1, true);
  b[7] = 0x5a;
  return b;
}

/** Trace id bytes of an integer and a tag (distinct runs use distinct tags). */
export function traceIdBytes(n: number, tag = 0): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, n + 1, true);
  v.setUint32(4, tag, true);
  b[15] = 0xa5;
  return b;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** An ExportTraceServiceRequest of `spans` from one service, hand-encoded (fast for millions of spans). */
export function encodeSpans(service: string, spans: readonly FastSpan[]): Uint8Array {
  const parts = spans.map((s) =>
    bytes(
      2,
      concat([
        bytes(1, s.trace),
        bytes(2, spanIdBytes(s.id)),
        ...(s.parent === undefined ? [] : [bytes(4, spanIdBytes(s.parent))]),
        bytes(5, s.name),
        varint(6, s.kind ?? 2),
        fixed64(7, s.startNs),
        fixed64(8, s.endNs),
        ...(s.attrs ?? []).map(([k, v]) => message(9, kvString(k, v))),
      ]),
    ),
  );
  return message(1, message(1, message(1, kvString("service.name", service))), bytes(2, concat(parts)));
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}

// ---- clients --------------------------------------------------------------------------

export interface PostResult {
  status: number;
  retryAfter: string | null;
  body: Buffer;
}

export async function postOtlp(port: number, path: "/v1/traces" | "/v1/metrics", body: Uint8Array | string, contentType = "application/x-protobuf", headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body, headers: { "content-type": contentType, ...headers } });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: Buffer.from(await res.arrayBuffer()) };
}

/** POSTs until accepted, waiting Retry-After on 429/503 (as an OTLP exporter would); returns the tries. */
export async function postUntilAccepted(port: number, body: Uint8Array, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    const r = await postOtlp(port, "/v1/traces", body);
    if (r.status === 200) return tries;
    if (r.status !== 429 && r.status !== 503) throw new Error(`POST /v1/traces answered ${r.status}: ${r.body.toString("utf8").slice(0, 300)}`);
    if (Date.now() > deadline) throw new Error(`still refused (${r.status}) after ${timeoutMs} ms`);
    await sleep(Math.min(1000, Number(r.retryAfter ?? 1) * 1000) / 10);
  }
}


// ---- /api/v1/stats ----------------------------------------------------------------------

export interface Stats {
  engine: { spansReceived: number; spansRejected: number; tracesAttributed: number };
  assembler: { bufferedSpans: number; bufferedTraces: number; spansLate: number; requestsRefused: number; tracesCompleted: number; tracesEvicted: number };
  strings: { size: number; overflowed: number };
  keysOverflowed: number;
  ingest: { requestsRefused: number; requestsMalformed: number; metricPointsReceived: number };
  memoryLimiter: { softLimitBytes: number; usedBytes: number; refusing: boolean };
  evaluation: { evaluations: number; alertsFired: number; alertsResolved: number; storeFailures: number };
  checkpoint: { lastMs: number; failures: number };
  nats: { state: string; alerts: { published: number; pending: number; failedAttempts: number; duplicates: number } };
  process: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; arrayBuffersBytes: number; externalBytes: number };
}

export async function stats(engine: EngineProcess, headers: Record<string, string> = {}): Promise<Stats> {
  const r = await engine.get("/api/v1/stats", headers);
  if (r.status !== 200) throw new Error(`/api/v1/stats answered ${r.status}`);
  return r.body as Stats;
}
