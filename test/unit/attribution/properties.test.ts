// The attribution invariant, on random span trees: the critical-path segments partition the
// root's interval exactly (to the nanosecond), and the component and edge sums add up.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Attributor, Category, PATH_STRIDE, PathField } from "../../../src/attribution/index.js";
import { StringTables } from "../../../src/span/index.js";
import { buildBatch, type KindName, type SpanSpec } from "../../helpers/spans.js";

const kinds: KindName[] = ["internal", "server", "client", "producer", "consumer", "unspecified"];

/** A random trace: parents chosen among earlier spans (a tree), with random extras. */
const traceArb = fc
  .record({
    n: fc.integer({ min: 1, max: 60 }),
    seed: fc.array(
      fc.record({
        parentPick: fc.nat(),
        orphan: fc.boolean(),
        cycle: fc.boolean(),
        duplicate: fc.boolean(),
        kind: fc.constantFrom(...kinds),
        service: fc.constantFrom("a", "b", "c", "d"),
        // Offsets and durations from zero-length to huge, including skew before the root.
        start: fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
        dur: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 2 ** 42 })),
        db: fc.boolean(),
        error: fc.boolean(),
      }),
      { minLength: 60, maxLength: 60 },
    ),
  })
  .map(({ n, seed }) => {
    const specs: SpanSpec[] = [];
    for (let i = 0; i < n; i++) {
      const r = seed[i];
      const spec: SpanSpec = {
        id: `s${i}`,
        service: r.service,
        name: `op${i % 7}`,
        kind: i === 0 ? "server" : r.kind,
        start: r.start,
        end: r.start + r.dur,
        error: r.error,
        ...(r.db ? { attributes: { "db.system": "postgresql" } } : {}),
      };
      if (i > 0) {
        if (r.orphan) spec.parentHex = "00000000000000ff";
        else if (r.cycle && i > 1) spec.parent = `s${i}`;
        else spec.parent = `s${r.parentPick % i}`;
      }
      specs.push(spec);
      if (r.duplicate && i > 0) specs.push({ ...spec, start: r.start + 1, end: r.start + r.dur + 1 });
    }
    return specs;
  });

function check(specs: SpanSpec[]): void {
  const tables = new StringTables();
  const batch = buildBatch(specs, tables);
  const slots = Int32Array.from({ length: batch.length }, (_, i) => i);
  const a = new Attributor(tables.strings).attribute({ key: "k", cols: batch, slots, count: batch.length });
  expect(a.processingNs + a.networkNs).toBe(a.durationNs);
  expect(a.componentNs.reduce((x, y) => x + y, 0)).toBe(a.processingNs);
  expect(a.edgeNs.reduce((x, y) => x + y, 0)).toBe(a.networkNs);
  let cursor = 0;
  for (let o = 0; o < a.path.length; o += PATH_STRIDE) {
    expect(a.path[o + PathField.START_NS]).toBe(cursor);
    expect(a.path[o + PathField.DURATION_NS]).toBeGreaterThan(0);
    expect([Category.PROCESSING, Category.NETWORK]).toContain(a.path[o + PathField.CATEGORY]);
    cursor += a.path[o + PathField.DURATION_NS];
  }
  expect(cursor).toBe(a.durationNs);
  expect(Number.isSafeInteger(a.durationNs)).toBe(true);
  expect(a.counts.reachable).toBeLessThanOrEqual(a.counts.spans - a.counts.duplicates);
}

describe("attribution invariant", () => {
  it("segments partition the root interval for random span trees", () => {
    fc.assert(fc.property(traceArb, check), { numRuns: 2000 });
  });

  it("holds regardless of the order spans arrive in", () => {
    fc.assert(
      fc.property(traceArb, fc.integer(), (specs, shuffleSeed) => {
        const shuffled = [...specs];
        let s = shuffleSeed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        check(shuffled);
      }),
      { numRuns: 500 },
    );
  });
});
