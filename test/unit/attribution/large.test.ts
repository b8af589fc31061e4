// Large and deep traces: iterative algorithms, exact sums, no stack overflow.
import { describe, expect, it } from "vitest";
import { Attributor, attributionToJson } from "../../../src/attribution/index.js";
import { StringTables } from "../../../src/span/index.js";
import { buildBatch, type SpanSpec } from "../../helpers/spans.js";

function attribute(specs: SpanSpec[]) {
  const tables = new StringTables();
  const batch = buildBatch(specs, tables);
  const slots = Int32Array.from({ length: batch.length }, (_, i) => i);
  const a = new Attributor(tables.strings).attribute({ key: "k", cols: batch, slots, count: batch.length });
  return attributionToJson(a, tables);
}

describe("large traces", () => {
  it("attributes a 10 000-deep chain: each level owns 1 ns at each end", () => {
    const depth = 10_000;
    const specs: SpanSpec[] = [];
    for (let i = 0; i < depth; i++) {
      specs.push({ id: `l${i}`, ...(i > 0 ? { parent: `l${i - 1}` } : {}), service: `svc${i % 3}`, name: "op", kind: "internal", start: i, end: 2 * depth + 10 - i });
    }
    const a = attribute(specs);
    expect(a.durationNs).toBe(2 * depth + 10);
    expect(a.counts.reachable).toBe(depth);
    // Levels 0..depth-2 own 2 ns each; the innermost owns its whole 12 ns.
    const own = (k: number) => {
      let total = 0;
      for (let i = 0; i < depth; i++) if (i % 3 === k) total += i === depth - 1 ? 2 * depth + 10 - 2 * i : 2;
      return total;
    };
    expect(a.components).toEqual({ svc0: own(0), svc1: own(1), svc2: own(2) });
    expect(a.criticalPath).toHaveLength(2 * depth - 1);
  });

  it("attributes a 100 000-span fan-out in well under the stack", () => {
    const n = 100_000;
    const specs: SpanSpec[] = [{ id: "root", service: "api", name: "GET /all", kind: "server", start: 0, end: 10 * n }];
    // Children back to back: [10i, 10i+5], each with a gap of 5 ns of the root's own time.
    for (let i = 0; i < n - 1; i++) {
      specs.push({ id: `c${i}`, parent: "root", service: "worker", name: "task", kind: "internal", start: 10 * i, end: 10 * i + 5 });
    }
    const a = attribute(specs);
    expect(a.durationNs).toBe(10 * n);
    expect(a.components.worker).toBe(5 * (n - 1));
    expect(a.components.api).toBe(10 * n - 5 * (n - 1));
    expect(a.counts.reachable).toBe(n);
  });

  it("refuses an empty trace (a bug in the caller)", () => {
    const tables = new StringTables();
    expect(() => new Attributor(tables.strings).attribute({ key: "k", cols: buildBatch([], tables), slots: [], count: 0 })).toThrow(RangeError);
  });

  it("attributes a zero-length root with no path", () => {
    const a = attribute([{ id: "r", service: "s", name: "n", kind: "server", start: 5, end: 5 }]);
    expect(a.durationNs).toBe(0);
    expect(a.criticalPath).toEqual([]);
    expect(a.components).toEqual({});
  });
});
