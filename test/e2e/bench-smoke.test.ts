// The CI smoke run of the benchmark: `pbe bench --quick` as a process (the built dist code, as
// `npm run bench -- --quick` runs it), every phase exercised, a results file written. No figure
// is asserted: this machine is shared and noisy; the committed bench/results.json holds the
// measurements.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../dist/cli/bin.js");
const dir = mkdtempSync(join(tmpdir(), "pbe-bench-smoke-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("pbe bench --quick", () => {
  it("runs every phase and writes a results file", { timeout: 180_000 }, async () => {
    const out = join(dir, "results.json");
    const r = await run(["bench", "--quick", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const results = JSON.parse(readFileSync(out, "utf8"));
    expect(results.schema).toBe("pbe.bench.v1");
    expect(results.quick).toBe(true);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.gitCommit).toBeTypeOf("string");
    for (const phase of ["rawGrpc", "rawHttp", "grpc", "http", "halfRate", "memory", "micro"]) expect(results.phases[phase], phase).toBeDefined();
    for (const phase of ["grpc", "http", "halfRate"]) {
      const p = results.phases[phase];
      expect(p.acceptedSpansPerSec.unit).toBe("spans/s");
      expect(p.acceptedSpansPerSec.value).toBeGreaterThan(0);
      expect(p.cpuSecPerMillionSpans.unit).toBe("CPU-s per 1M spans");
      expect(p.tracesSent).toBeGreaterThan(0);
      expect(p.rss.samples.length).toBeGreaterThan(0);
    }
    expect(results.phases.memory.bufferedSpans.value).toBeGreaterThan(0);
    expect(results.phases.micro.rows.map((row: { name: string }) => row.name)).toEqual(
      expect.arrayContaining(["decode: hand-written wire reader", "decode: protobufjs 7 full decode", "assembly: add + tick", "attribution: per trace", "digest insert: TDigest (ours)"]),
    );
    expect(results.goals.map((g: { id: string }) => g.id)).toEqual([
      "cpu-per-million-spans",
      "sustained-no-drops",
      "heap-per-buffered-span",
      "rss-flat",
      "export-p99-half-rate",
      "attribution-lag",
      "http-vs-grpc",
    ]);
    expect(r.stdout).toContain("goals (issue 3)");
  });
});
