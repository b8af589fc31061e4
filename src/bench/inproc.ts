/**
 * The whole engine in one process, without sockets: `startEngine` (every observer, budget,
 * tracker, metric) fed by the load generator's pre-encoded requests straight into its ingest
 * pipeline, with a simulated clock. For profiling the hot path without transport noise:
 *
 *   node --cpu-prof --cpu-prof-dir /tmp/prof dist/bench/inproc.js [seconds]
 *
 * Prints spans/s and CPU-s per million spans of this process (one core). Env: INPROC_PASS_MS
 * (simulated ms per pool pass, default 1000: how many passes the decision wait buffers),
 * INPROC_RECENT (the attribution ring's size).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../config/index.js";
import { CyclePatcher, TrafficPool } from "../loadgen/index.js";
import { silentLogger } from "../log/index.js";
import { startEngine } from "../main.js";

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 20);
  const dataDir = mkdtempSync(join(tmpdir(), "pbe-inproc-"));
  let clock = Date.now();
  const config = { ...defaultConfig(process.cwd()), ...(process.env.INPROC_RECENT ? { recentTraces: Number(process.env.INPROC_RECENT) } : {}), dataDir, grpcPort: 0, httpPort: 0, apiPort: 0, host: "127.0.0.1", maxBufferedSpans: 5_000_000 };
  const running = await startEngine({ config, logger: silentLogger(), now: () => clock });
  const pool = new TrafficPool({ traces: 4000, seed: 1 });
  const patcher = new CyclePatcher(pool, 0, [0x1234, 0x5678]);
  const out = Buffer.allocUnsafe(pool.maxRequestBytes);
  const start = process.cpuUsage();
  const t0 = performance.now();
  let spans = 0;
  // Each pool pass is 1 s of simulated time: traces complete 5 s (5 passes) later.
  while (performance.now() - t0 < seconds * 1000) {
    patcher.startCycle(clock);
    for (const r of pool.requests) {
      running.pipeline.traces(out.subarray(0, patcher.patch(r, out)), "protobuf");
      spans += r.spans;
    }
    clock += Number(process.env.INPROC_PASS_MS ?? 1000);
    while (running.engine.tick(clock, 4096) === 4096);
    await new Promise((r) => setImmediate(r));
  }
  const cpu = process.cpuUsage(start);
  const wall = (performance.now() - t0) / 1000;
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${Math.round(spans / wall)} spans/s, ${(cpuSec / (spans / 1e6)).toFixed(2)} CPU-s per million spans, ${running.engine.counters.tracesAttributed} traces attributed\n`);
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
}

void main();
