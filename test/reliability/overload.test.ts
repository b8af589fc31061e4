// Overload: the load generator offers 10× the rate the configured buffer sustains, then floods
// an engine whose memory limiter is the binding limit. The engine answers with retryable
// back-pressure (gRPC RESOURCE_EXHAUSTED with RetryInfo, HTTP 429/503 with Retry-After), keeps
// its heap under --memory-limit, reports not-ready on /readyz while refusing, and recovers by
// itself (ready, accepting) when the load stops.
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { BIN, startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { encodeSpans, grpcClient, grpcExport, nowNs, postOtlp, sleep, stats, traceIdBytes, until, type Stats } from "./helpers.js";

interface LoadReport {
  window: { elapsedSec: number; spans: number; spansPerSec: number; errors: Record<string, number>; errorSpans: number; requests: number };
}

/** Runs `pbe loadgen` to completion and returns its JSON report. */
function loadgen(args: string[]): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "loadgen", "--json", "--metrics-interval", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => {
      try {
        if (code !== 0) throw new Error(`loadgen exited with ${code}: ${err}`);
        resolve(JSON.parse(out.trim().split("\n").at(-1)!) as LoadReport);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

interface Sample {
  atMs: number;
  heap: number;
  heapPlusBuffers: number;
  rss: number;
  refusingMemory: boolean;
  ready: number;
  buffered: number;
}

/** Samples /api/v1/stats and /readyz every 200 ms until stopped. */
function sampler(engine: EngineProcess): { samples: Sample[]; stop(): Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const started = Date.now();
  const loop = (async () => {
    while (running) {
      try {
        const s: Stats = await stats(engine);
        const ready = (await fetch(`${engine.api}/readyz`)).status;
        samples.push({
          atMs: Date.now() - started,
          heap: s.process.heapUsedBytes,
          heapPlusBuffers: s.process.heapUsedBytes + s.process.arrayBuffersBytes,
          rss: s.process.rssBytes,
          refusingMemory: s.memoryLimiter.refusing,
          ready,
          buffered: s.assembler.bufferedSpans,
        });
      } catch {
        // a sample lost under load is not a failure; the assertions count samples
      }
      await sleep(200);
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const MiB = 2 ** 20;

function smallRequest(tag: number): Uint8Array {
  const t0 = nowNs();
  return encodeSpans("probe", [{ trace: traceIdBytes(tag, 0x9b0be), id: 1, name: "GET /probe", startNs: t0, endNs: t0 + 1_000_000n }]);
}

/** After the load: ready again and accepting, by itself, within `ms`. Returns how long it took. */
async function recovers(engine: EngineProcess, ms: number): Promise<number> {
  const t0 = Date.now();
  await until(async () => (await fetch(`${engine.api}/readyz`)).status === 200, ms, "ready again");
  await until(async () => (await postOtlp(engine.ports.http, "/v1/traces", smallRequest(Date.now() % 1e6))).status === 200, ms, "accepting again");
  return Date.now() - t0;
}

function mb(n: number): string {
  return `${(n / MiB).toFixed(0)} MiB`;
}

describe("overload", () => {
  it("at 10× the rate its buffer sustains: RESOURCE_EXHAUSTED / 429 with retry hints, not ready while refusing, heap under the limit, recovers by itself", async () => {
    // 100 000 buffered spans held for the 5 s decision wait sustain 20 000 spans/s; 200 000 are offered.
    const memoryLimit = 256 * MiB;
    const engine = await startEngineProcess({ args: ["--max-buffered-spans", "100000", "--decision-wait", "5s", "--memory-limit", String(memoryLimit)] });
    try {
      const sustainable = 100_000 / 5;
      const s = sampler(engine);
      const load = loadgen(["--target", `127.0.0.1:${engine.ports.grpc}`, "--protocol", "grpc", "--rate", String(10 * sustainable), "--duration", "10s", "--workers", "2", "--connections", "4", "--concurrency", "16"]);
      // While it runs: probe both transports for the retry hints.
      await until(async () => (await stats(engine)).ingest.requestsRefused > 0, 15_000, "refusals under load");
      const client = grpcClient(engine.ports.grpc);
      let grpcProbe: grpc.ServiceError | null = null;
      let httpProbe = { status: 0, retryAfter: null as string | null };
      try {
        await until(async () => ((grpcProbe = (await grpcExport(client, smallRequest(1))).err), grpcProbe?.code === grpc.status.RESOURCE_EXHAUSTED), 8_000, "a RESOURCE_EXHAUSTED probe");
        await until(async () => ((httpProbe = await postOtlp(engine.ports.http, "/v1/traces", smallRequest(2))), httpProbe.status === 429), 8_000, "a 429 probe");
      } finally {
        client.close();
      }
      const report = await load;
      const recoveryMs = await recovers(engine, 15_000);
      await s.stop();
      const w = report.window;
      const offered = (w.spans + w.errorSpans) / w.elapsedSec;
      const refusedShare = w.errorSpans / (w.spans + w.errorSpans);
      const maxHeap = Math.max(...s.samples.map((x) => x.heap));
      console.log(
        `10× load: offered ${Math.round(offered)} spans/s (sustainable ${sustainable}), accepted ${w.spansPerSec} spans/s, refused ${(refusedShare * 100).toFixed(0)} % (${JSON.stringify(w.errors)}); ` +
          `max heap ${mb(maxHeap)} (limit ${mb(memoryLimit)}), max heap+buffers ${mb(Math.max(...s.samples.map((x) => x.heapPlusBuffers)))}, max RSS ${mb(Math.max(...s.samples.map((x) => x.rss)))}; ` +
          `not-ready samples ${s.samples.filter((x) => x.ready === 503).length}/${s.samples.length}; recovered in ${recoveryMs} ms`,
      );
      expect(offered).toBeGreaterThan(8 * sustainable); // the generator kept up (within its token bucket)
      expect(Object.keys(w.errors)).toEqual(["RESOURCE_EXHAUSTED"]); // retryable, nothing else
      expect(refusedShare).toBeGreaterThan(0.2);
      const details = grpcProbe!.metadata.get("grpc-status-details-bin")[0] as Buffer;
      expect(details.toString("latin1")).toContain("type.googleapis.com/google.rpc.RetryInfo");
      expect(httpProbe.retryAfter).toBe("1");
      expect(s.samples.length).toBeGreaterThan(20);
      expect(maxHeap).toBeLessThan(memoryLimit);
      expect(s.samples.some((x) => x.ready === 503)).toBe(true);
      expect(recoveryMs).toBeLessThan(15_000);
      const after = await stats(engine);
      expect(after.assembler.bufferedSpans).toBeLessThanOrEqual(100_000);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  it("when memory is the binding limit: the limiter refuses (HTTP 503/429 with Retry-After), the heap stays under --memory-limit, and it recovers by itself", async () => {
    const memoryLimit = 160 * MiB;
    const engine = await startEngineProcess({ args: ["--max-buffered-spans", "4000000", "--decision-wait", "5s", "--memory-limit", String(memoryLimit)] });
    try {
      const s = sampler(engine);
      const load = loadgen(["--target", `127.0.0.1:${engine.ports.http}`, "--protocol", "http", "--max", "--duration", "12s", "--workers", "2", "--connections", "4", "--concurrency", "8"]);
      let probe = { status: 0, retryAfter: null as string | null };
      await until(async () => (await stats(engine)).memoryLimiter.refusing, 20_000, "the memory limiter refusing");
      await until(async () => ((probe = await postOtlp(engine.ports.http, "/v1/traces", smallRequest(3))), probe.status === 429 || probe.status === 503), 8_000, "a refused probe");
      const report = await load;
      const recoveryMs = await recovers(engine, 30_000);
      await s.stop();
      const after = await stats(engine);
      const w = report.window;
      const maxHeap = Math.max(...s.samples.map((x) => x.heap));
      console.log(
        `memory-bound flood: accepted ${w.spansPerSec} spans/s, refused ${w.errorSpans} spans (${JSON.stringify(w.errors)}); max buffered ${Math.max(...s.samples.map((x) => x.buffered))} spans; ` +
          `max heap ${mb(maxHeap)} (limit ${mb(memoryLimit)}), max heap+buffers ${mb(Math.max(...s.samples.map((x) => x.heapPlusBuffers)))}, max RSS ${mb(Math.max(...s.samples.map((x) => x.rss)))}; ` +
          `limiter refusals ${(after as unknown as { memoryLimiter: { refusals: number; collections: number } }).memoryLimiter.refusals}, forced GCs ${(after as unknown as { memoryLimiter: { collections: number } }).memoryLimiter.collections}; ` +
          `not-ready samples ${s.samples.filter((x) => x.ready === 503).length}/${s.samples.length}; recovered in ${recoveryMs} ms`,
      );
      expect(Object.keys(w.errors).length).toBeGreaterThan(0);
      expect(Object.keys(w.errors).every((k) => /^HTTP_(429|503)$/.test(k))).toBe(true); // retryable, nothing else
      expect(w.errorSpans).toBeGreaterThan(0);
      expect(probe.retryAfter).toBe("1");
      expect(s.samples.some((x) => x.refusingMemory)).toBe(true);
      expect(s.samples.some((x) => x.ready === 503)).toBe(true);
      expect(maxHeap).toBeLessThan(memoryLimit);
      expect(after.memoryLimiter.refusing).toBe(false);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });
});
