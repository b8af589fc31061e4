#!/usr/bin/env node
// The fuzzer (issue 8, hostile input): fast-check cases against the OTLP decoders (hand-written
// wire reader, protobufjs, JSON; traces and metrics), budget definitions and files, config
// loading and the budget API's bodies. Each case must decode (with the result's invariants) or
// be refused with the documented error; never another exception, never a hang.
//
//   npm run build && node scripts/fuzz.mjs --cases 1000000 [--seed N] [--workers N]
//                                          [--targets trace-wire,budget] [--hang-ms 60000] [--json out.json]
//
// Targets run in worker threads (one per core by default); a worker that reports no progress for
// --hang-ms is terminated and the run fails with "hang". Exit code 0: no failure; 1: failures.
import { availableParallelism } from "node:os";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const DIST = new URL("../dist/fuzz/index.js", import.meta.url);

if (!isMainThread) {
  const { buildTargets, runTarget } = await import(DIST.href);
  const { name, cases, seed } = workerData;
  const target = buildTargets().find((t) => t.name === name);
  const report = await runTarget(target, {
    cases,
    seed,
    progressEvery: 500,
    onProgress: (done) => parentPort.postMessage({ type: "progress", done }),
    onHeavy: (label) => parentPort.postMessage({ type: "heavy", label }),
  });
  parentPort.postMessage({ type: "report", report });
} else {
  const { values } = parseArgs({
    options: {
      cases: { type: "string", default: "1000000" },
      seed: { type: "string" },
      workers: { type: "string" },
      targets: { type: "string" },
      "hang-ms": { type: "string", default: "60000" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write("Usage: node scripts/fuzz.mjs [--cases 1000000] [--seed N] [--workers N] [--targets a,b] [--hang-ms 60000] [--json FILE]\n");
    process.exit(0);
  }
  const { buildTargets, planCases } = await import(DIST.href);
  const all = buildTargets();
  const wanted = values.targets ? values.targets.split(",") : all.map((t) => t.name);
  const unknown = wanted.filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown target(s): ${unknown.join(", ")}; targets: ${all.map((t) => t.name).join(", ")}\n`);
    process.exit(2);
  }
  const targets = all.filter((t) => wanted.includes(t.name));
  const total = Number(values.cases);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  const workers = Math.max(1, Number(values.workers ?? availableParallelism()));
  const hangMs = Number(values["hang-ms"]);
  const plan = planCases(targets, total);
  process.stderr.write(`fuzz: ${total} cases over ${targets.length} targets, seed ${seed}, ${workers} worker(s), hang watchdog ${hangMs} ms\n`);

  const started = performance.now();
  const reports = [];
  const queue = targets.map((t, i) => ({ name: t.name, cases: plan.get(t.name), seed: seed + i }));
  const runOne = (job) =>
    new Promise((resolve) => {
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 4096 } });
      let last = performance.now();
      let where = "random cases";
      let done = false;
      const finish = (report) => {
        if (done) return;
        done = true;
        clearInterval(watch);
        resolve(report);
      };
      const watch = setInterval(() => {
        if (performance.now() - last > hangMs) {
          void w.terminate();
          finish({ target: job.name, seed: job.seed, cases: 0, accepted: 0, refused: 0, failure: { message: `hang: no progress for ${hangMs} ms during ${where}`, label: where, preview: "", seed: job.seed }, slowest: { ms: hangMs, label: where, size: 0 }, meanUs: 0, elapsedMs: 0, heavy: [] });
        }
      }, 1000);
      w.on("message", (m) => {
        last = performance.now();
        if (m.type === "progress") where = `random cases after ${m.done}`;
        else if (m.type === "heavy") where = `heavy case "${m.label}"`;
        else if (m.type === "report") {
          process.stderr.write(`  ${m.report.target}: ${m.report.cases} cases in ${(m.report.elapsedMs / 1000).toFixed(1)} s${m.report.failure ? " — FAILED" : ""}\n`);
          finish(m.report);
        }
      });
      w.on("error", (err) => finish({ target: job.name, seed: job.seed, cases: 0, accepted: 0, refused: 0, failure: { message: `worker crashed: ${err.stack ?? err}`, label: where, preview: "", seed: job.seed }, slowest: { ms: 0, label: "", size: 0 }, meanUs: 0, elapsedMs: 0, heavy: [] }));
      w.on("exit", (code) => finish({ target: job.name, seed: job.seed, cases: 0, accepted: 0, refused: 0, failure: { message: `worker exited with ${code} during ${where}`, label: where, preview: "", seed: job.seed }, slowest: { ms: 0, label: "", size: 0 }, meanUs: 0, elapsedMs: 0, heavy: [] }));
    });
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) reports.push(await runOne(job));
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  reports.sort((a, b) => targets.findIndex((t) => t.name === a.target) - targets.findIndex((t) => t.name === b.target));

  const pad = (s, n) => String(s).padEnd(n);
  const lines = [];
  lines.push(`${pad("target", 18)}${pad("cases", 10)}${pad("accepted", 10)}${pad("refused", 10)}${pad("mean µs", 9)}${pad("slowest ms", 12)}slowest case`);
  let cases = 0;
  let slowest = { ms: 0, label: "", target: "" };
  for (const r of reports) {
    cases += r.cases;
    if (r.slowest.ms > slowest.ms) slowest = { ...r.slowest, target: r.target };
    lines.push(`${pad(r.target, 18)}${pad(r.cases, 10)}${pad(r.accepted, 10)}${pad(r.refused, 10)}${pad(r.meanUs.toFixed(1), 9)}${pad(r.slowest.ms.toFixed(1), 12)}${r.slowest.label}${r.slowest.size ? ` (${r.slowest.size} B)` : ""}`);
  }
  lines.push(`total: ${cases} cases (+ ${reports.reduce((s, r) => s + r.heavy.length, 0)} heavy) in ${elapsed.toFixed(0)} s; slowest case ${slowest.ms.toFixed(1)} ms (${slowest.target}: ${slowest.label})`);
  lines.push("heavy cases:");
  for (const r of reports) for (const h of r.heavy) lines.push(`  ${pad(r.target, 18)}${pad(h.outcome, 9)}${pad(h.ms.toFixed(1) + " ms", 12)}${h.label}`);
  const failures = reports.filter((r) => r.failure);
  for (const r of failures) {
    lines.push(`FAILURE in ${r.target}: ${r.failure.message}`);
    lines.push(`  case: ${r.failure.label}; reproduce: node scripts/fuzz.mjs --targets ${r.target} --seed ${r.seed - targets.findIndex((t) => t.name === r.target)} --cases ${total}${r.failure.path ? ` (fast-check path ${r.failure.path})` : ""}`);
    if (r.failure.preview) lines.push(`  input: ${r.failure.preview}`);
  }
  lines.push(failures.length === 0 ? "no failures: every case decoded with valid invariants or was refused with the documented error" : `${failures.length} target(s) failed`);
  process.stdout.write(`${lines.join("\n")}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ seed, total, elapsedSec: elapsed, reports }, null, 2));
  process.exit(failures.length === 0 ? 0 : 1);
}
