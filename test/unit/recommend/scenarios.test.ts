// Recommendation scenarios: each folder of test/scenarios-recommend is one kind; `fires.yaml`
// triggers it (the expected recommendations, hand-computed, in order) and every `quiet*.yaml` is a
// near miss that must give exactly what it lists (usually nothing). See the README there.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RECOMMENDATION_KINDS, type Recommendation } from "../../../src/recommend/index.js";
import { loadScenario, runScenario, traceHex, type ExpectedRecommendation } from "./helpers.js";

const root = join(import.meta.dirname, "../../scenarios-recommend");
const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Numbers to a relative 1e-9 (absolute for small ones), objects and arrays recursively, the rest exactly. */
function check(got: unknown, want: unknown, path: string): void {
  if (typeof want === "number") {
    expect(typeof got, path).toBe("number");
    expect(Math.abs((got as number) - want), `${path}: ${String(got)} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got), path).toBe(true);
    expect((got as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => check((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (want !== null && typeof want === "object") {
    expect(got !== null && typeof got === "object", path).toBe(true);
    for (const [k, w] of Object.entries(want)) check((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else {
    expect(got, path).toEqual(want);
  }
}

function checkRecommendation(got: Recommendation, want: ExpectedRecommendation, path: string): void {
  expect(got.kind, path).toBe(want.kind);
  expect(got.severity, `${path}.severity`).toBe(want.severity);
  if (want.budgetId !== undefined) expect(got.budgetId ?? null, `${path}.budgetId`).toBe(want.budgetId);
  if (want.operation !== undefined) expect(got.operation, `${path}.operation`).toBe(want.operation);
  if (want.evidence) check(got.evidence, want.evidence, `${path}.evidence`);
  if (want.proposal) check(got.proposal, want.proposal, `${path}.proposal`);
  if (want.traceIds) expect(got.evidence.traceIds, `${path}.traceIds`).toEqual(want.traceIds.map(traceHex));
  for (const part of want.message ?? []) expect(got.message, `${path}.message`).toContain(part);
  expect(got.title.length, `${path}.title`).toBeGreaterThan(10);
}

describe("recommendation scenarios", () => {
  it("has a firing scenario and a quiet one for every kind, and a healthy service", () => {
    for (const kind of RECOMMENDATION_KINDS) {
      expect(folders, kind).toContain(kind);
      const files = readdirSync(join(root, kind));
      expect(files, kind).toContain("fires.yaml");
      expect(files.some((f) => f.startsWith("quiet")), `${kind} has a quiet scenario`).toBe(true);
    }
    expect(folders).toContain("healthy");
  });

  for (const folder of folders) {
    for (const file of readdirSync(join(root, folder)).filter((f) => f.endsWith(".yaml")).sort()) {
      it(`${folder}/${file}`, () => {
        const s = loadScenario(join(root, folder, file));
        const { recommendations } = runScenario(s);
        const summary = recommendations.map((r) => `${r.severity} ${r.kind} ${r.budgetId ?? "-"}: ${r.message}`);
        expect(recommendations.length, summary.join("\n")).toBe(s.expected.length);
        s.expected.forEach((want, i) => checkRecommendation(recommendations[i]!, want, `[${i}]`));
        if (file === "fires.yaml" && folder !== "healthy") expect(recommendations.some((r) => r.kind === folder)).toBe(true);
        if (file.startsWith("quiet")) expect(recommendations.some((r) => r.kind === folder), summary.join("\n")).toBe(false);
      });
    }
  }
});
