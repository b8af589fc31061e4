/**
 * A fast slice of the fuzzer (scripts/fuzz.mjs runs a million cases): 20 000 fast-check cases
 * over the OTLP decoders (hand-written wire reader, protobufjs, JSON; traces and metrics),
 * budget definitions and files, configuration loading and the budget API's bodies, plus every
 * target's heavy cases (10 MB values, 100 000-deep nesting, 100 000 spans). Each case decodes
 * with valid invariants or is refused with the documented error; Object.prototype stays clean.
 * FUZZ_SEED=<n> replays another seed (the script prints its own).
 */
import { describe, expect, it } from "vitest";
import { buildTargets, planCases, runTarget, type TargetReport } from "../../src/fuzz/index.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_801);
const targets = buildTargets();
const plan = planCases(targets, 20_000);

describe("fuzz slice (20 000 cases)", () => {
  it.each(targets.map((t) => [t.name, t] as const))("%s: decodes or refuses with the documented error, never anything else", async (_name, target) => {
    const report: TargetReport = await runTarget(target, { cases: plan.get(target.name)!, seed: SEED });
    const failure = report.failure ? `${report.failure.message}\n  case: ${report.failure.label}\n  input: ${report.failure.preview}\n  seed ${report.failure.seed}, path ${report.failure.path}` : undefined;
    expect(failure).toBeUndefined();
    expect(report.cases).toBe(plan.get(target.name));
    // Both outcomes are exercised, so the invariants were checked on accepted inputs too.
    expect(report.accepted).toBeGreaterThan(0);
    expect(report.refused).toBeGreaterThan(0);
    expect(report.heavy.length).toBeGreaterThan(0);
    // No case comes near a hang: the slowest (a 10 MB or 100 000-deep input) stays within seconds.
    expect(report.slowest.ms).toBeLessThan(5_000);
  }, 120_000);

  it("plans at least 20 000 cases, every target included", () => {
    expect([...plan.values()].reduce((a, b) => a + b, 0)).toBe(20_000);
    expect([...plan.keys()].sort()).toEqual(targets.map((t) => t.name).sort());
  });
});
