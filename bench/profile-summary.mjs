#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, as written by `node --cpu-prof`): the functions with
// the most self time, and self time by origin (engine code, grpc-js, Node internals, GC…).
//
//   node bench/profile-summary.mjs PROFILE.cpuprofile|DIR [--top 15] [--json]
//
// A directory means every .cpuprofile in it (merged). `pbe bench --cpu-prof DIR` writes the
// engine's profiles to DIR/<phase>/. Self time of a sample is the time until the next sample
// (V8's timeDeltas); shares are of the non-idle time, so they add up to 100 % of the CPU the
// main thread spent (GC helper threads are not sampled; "(garbage collector)" is the main
// thread's own GC time).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function usage() {
  process.stderr.write("usage: node bench/profile-summary.mjs PROFILE.cpuprofile|DIR [--top N] [--json]\n");
  process.exit(2);
}

const args = process.argv.slice(2);
let top = 15;
let json = false;
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--top") top = Number(args[++i]);
  else if (args[i] === "--json") json = true;
  else if (args[i] === "-h" || args[i] === "--help") usage();
  else paths.push(args[i]);
}
if (paths.length === 0 || !(top > 0)) usage();

const files = paths.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(p, f))
    : [p],
);
if (files.length === 0) {
  process.stderr.write(`no .cpuprofile files in ${paths.join(", ")}\n`);
  process.exit(1);
}

const cwd = process.cwd();
function location(frame) {
  let url = frame.url || "";
  if (url.startsWith("file://")) url = relative(cwd, decodeURIComponent(new URL(url).pathname));
  return url ? `${url}:${frame.lineNumber + 1}` : "";
}

function origin(frame) {
  const name = frame.functionName;
  const url = frame.url || "";
  if (!url && name.startsWith("(")) return name; // (garbage collector), (program), (idle), (root)
  if (url.startsWith("node:")) return "node internals";
  if (url.includes("/node_modules/")) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return m ? m[1] : "node_modules";
  }
  if (url.includes("/dist/") || url.includes("/src/")) {
    const m = /\/(?:dist|src)\/([^/]+)\//.exec(url);
    return m ? `engine: ${m[1]}` : "engine";
  }
  return url ? "other" : "native / builtins";
}

const byFunction = new Map();
const byOrigin = new Map();
let totalUs = 0;
let idleUs = 0;
for (const file of files) {
  const prof = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const { samples, timeDeltas } = prof;
  const mean = (prof.endTime - prof.startTime) / Math.max(1, samples.length);
  for (let i = 0; i < samples.length; i++) {
    const us = i + 1 < timeDeltas.length ? Math.max(0, timeDeltas[i + 1]) : mean;
    const frame = nodes.get(samples[i]).callFrame;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    totalUs += us;
    const key = `${frame.functionName || "(anonymous)"}\t${location(frame)}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const o = origin(frame);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
  }
}

const pct = (us) => Math.round((us / totalUs) * 1000) / 10;
const rank = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
const functions = rank(byFunction, top).map(([key, us]) => {
  const [fn, where] = key.split("\t");
  return { function: fn, location: where, selfMs: Math.round(us / 100) / 10, sharePct: pct(us) };
});
const origins = rank(byOrigin, 20).map(([o, us]) => ({ origin: o, selfMs: Math.round(us / 100) / 10, sharePct: pct(us) }));
const summary = {
  files,
  busyMs: Math.round(totalUs / 1000),
  idleMs: Math.round(idleUs / 1000),
  busyShareOfWallPct: Math.round((totalUs / (totalUs + idleUs)) * 1000) / 10,
  top: functions,
  byOrigin: origins,
};

if (json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const out = [];
  out.push(`${files.length} profile(s): main thread busy ${summary.busyMs} ms, idle ${summary.idleMs} ms (${summary.busyShareOfWallPct} % busy)`);
  out.push("", `top ${top} functions by self time (share of busy time)`);
  functions.forEach((f, i) => out.push(`${String(i + 1).padStart(3)}. ${f.sharePct.toFixed(1).padStart(5)} %  ${String(f.selfMs).padStart(9)} ms  ${f.function}  ${f.location}`));
  out.push("", "self time by origin");
  for (const o of origins) out.push(`  ${o.sharePct.toFixed(1).padStart(5)} %  ${String(o.selfMs).padStart(9)} ms  ${o.origin}`);
  process.stdout.write(`${out.join("\n")}\n`);
}
