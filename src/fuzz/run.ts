/**
 * Runs a fuzz target for a number of cases with fast-check (reproducible from the seed), times
 * every case, and checks after each one that `Object.prototype` was not polluted.
 */
import fc from "fast-check";
import { FuzzFailure, type FuzzCase, type FuzzTarget, type Outcome } from "./targets.js";

export interface SlowestCase {
  ms: number;
  label: string;
  size: number;
}

export interface TargetReport {
  target: string;
  what: string;
  seed: number;
  /** Random cases run (the heavy ones not included). */
  cases: number;
  accepted: number;
  refused: number;
  /** The first failure (fast-check stops there), with what reproduces it. */
  failure?: { message: string; label: string; preview: string; seed: number; path: string | undefined };
  slowest: SlowestCase;
  meanUs: number;
  elapsedMs: number;
  heavy: { label: string; size: number; ms: number; outcome: Outcome | "failed"; error?: string }[];
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** Called every `progressEvery` cases with the number done. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
  /** Also run the target's heavy cases (default true). */
  heavy?: boolean;
  /** Called before each heavy case (a watchdog's heartbeat). */
  onHeavy?: (label: string) => void;
}

const SENTINEL = "__pbeFuzzPolluted__";
const baseline = Object.getOwnPropertyNames(Object.prototype).length;

/** Throws when a case left something on `Object.prototype` (or the usual sentinel `polluted`). */
export function checkPrototypes(): void {
  const o = {} as Record<string, unknown>;
  if (Object.getOwnPropertyNames(Object.prototype).length !== baseline || o.polluted !== undefined || o[SENTINEL] !== undefined || o.toString !== Object.prototype.toString) {
    throw new FuzzFailure(`Object.prototype was polluted: ${Object.getOwnPropertyNames(Object.prototype).join(", ")}`);
  }
}

function preview(c: FuzzCase): string {
  const fields = Object.entries(c).filter(([k]) => k !== "label" && k !== "size");
  const show = (v: unknown): string => {
    if (v instanceof Uint8Array) return `0x${Buffer.from(v.subarray(0, 96)).toString("hex")}${v.length > 96 ? `… (${v.length} bytes)` : ""}`;
    if (typeof v === "string") return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}… (${v.length} chars)` : v);
    try {
      const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
      return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
    } catch {
      return String(v);
    }
  };
  return fields.map(([k, v]) => `${k}=${show(v)}`).join(" ");
}

export async function runTarget(target: FuzzTarget, opts: RunOptions): Promise<TargetReport> {
  const report: TargetReport = {
    target: target.name,
    what: target.what,
    seed: opts.seed,
    cases: 0,
    accepted: 0,
    refused: 0,
    slowest: { ms: 0, label: "", size: 0 },
    meanUs: 0,
    elapsedMs: 0,
    heavy: [],
  };
  const every = opts.progressEvery ?? 1000;
  let totalMs = 0;
  let current: FuzzCase | undefined;
  const account = (c: FuzzCase, out: Outcome, ms: number) => {
    checkPrototypes();
    report.cases++;
    totalMs += ms;
    if (out === "accepted") report.accepted++;
    else report.refused++;
    if (ms > report.slowest.ms) report.slowest = { ms, label: c.label, size: c.size };
    if (report.cases % every === 0) opts.onProgress?.(report.cases);
  };
  const started = performance.now();
  // Sync targets run as a sync property (no promise per case); the API target is async.
  const probe = target.run as (c: FuzzCase) => Outcome | Promise<Outcome>;
  const isAsync = target.name === "api-budgets";
  const params = { numRuns: opts.cases, seed: opts.seed, endOnFailure: true };
  let details: fc.RunDetails<[FuzzCase]>;
  try {
    details = await check();
  } catch (err) {
    // An exception outside the property (the harness generating a case) ends the target too.
    report.failure = { message: `harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, label: current?.label ?? "?", preview: "", seed: opts.seed, path: undefined };
    report.elapsedMs = performance.now() - started;
    return report;
  }
  function check(): Promise<fc.RunDetails<[FuzzCase]>> | fc.RunDetails<[FuzzCase]> {
    return isAsync
      ? fc.check(
        fc.asyncProperty(target.arbitrary, async (c) => {
          current = c;
          const t0 = performance.now();
          const out = await probe(c);
          account(c, out, performance.now() - t0);
        }),
        params,
      )
      : fc.check(
        fc.property(target.arbitrary, (c) => {
          current = c;
          const t0 = performance.now();
          const out = probe(c) as Outcome;
          account(c, out, performance.now() - t0);
        }),
        params,
      );
  }
  if (details.failed) {
    const err = details.errorInstance;
    const c = (details.counterexample?.[0] as FuzzCase | undefined) ?? current;
    report.failure = {
      message: err instanceof Error ? err.message : String(err),
      label: c?.label ?? "?",
      preview: c ? preview(c) : "",
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
    };
  }
  if (opts.heavy !== false && !report.failure) {
    for (const c of target.heavy()) {
      opts.onHeavy?.(c.label);
      const t0 = performance.now();
      try {
        const out = await probe(c);
        checkPrototypes();
        const ms = performance.now() - t0;
        report.heavy.push({ label: c.label, size: c.size, ms, outcome: out });
        if (ms > report.slowest.ms) report.slowest = { ms, label: c.label, size: c.size };
      } catch (err) {
        const ms = performance.now() - t0;
        const message = err instanceof Error ? err.message : String(err);
        report.heavy.push({ label: c.label, size: c.size, ms, outcome: "failed", error: message });
        report.failure ??= { message, label: c.label, preview: `heavy case: ${c.label}`, seed: opts.seed, path: undefined };
      }
    }
  }
  report.elapsedMs = performance.now() - started;
  report.meanUs = report.cases > 0 ? (totalMs / report.cases) * 1000 : 0;
  return report;
}

/** Splits `total` cases over the targets by weight (at least one each). */
export function planCases(targets: readonly { name: string; weight: number }[], total: number): Map<string, number> {
  const sum = targets.reduce((s, t) => s + t.weight, 0);
  const plan = new Map<string, number>();
  let given = 0;
  targets.forEach((t, i) => {
    const n = i === targets.length - 1 ? total - given : Math.max(1, Math.round((total * t.weight) / sum));
    plan.set(t.name, Math.max(1, n));
    given += n;
  });
  return plan;
}
