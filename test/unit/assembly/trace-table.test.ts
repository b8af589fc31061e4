// The trace table against a Map model: random adds, finds, done marks and removals, with
// colliding hashes forced through a tiny key space.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DONE, LIVE, TraceTable } from "../../../src/assembly/trace-table.js";

describe("TraceTable", () => {
  it("behaves like a Map under random operations, through growth and deletions", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("add", "done", "remove"), fc.integer({ min: 0, max: 300 })), { maxLength: 3000 }), (ops) => {
        const t = new TraceTable(8);
        const model = new Map<string, { idx: number; state: number }>();
        for (const [op, k] of ops) {
          const key = `k${k}`.padEnd(16, "_");
          // A weak hash on purpose: many keys share a home slot.
          const h = k % 7;
          const found = t.find(key, h);
          expect(found).toBe(model.get(key)?.idx ?? -1);
          if (op === "add" && found < 0) model.set(key, { idx: t.add(key, h, k), state: LIVE });
          else if (op === "done" && found >= 0 && t.state[found] === LIVE) {
            t.markDone(found);
            model.get(key)!.state = DONE;
          } else if (op === "remove" && found >= 0) {
            t.remove(found);
            model.delete(key);
          }
        }
        for (const [key, v] of model) {
          expect(t.find(key, Number(key.slice(1).replace(/_+$/, "")) % 7)).toBe(v.idx);
          expect(t.state[v.idx]).toBe(v.state);
        }
        expect(t.size).toBe(model.size);
        expect(t.live).toBe([...model.values()].filter((v) => v.state === LIVE).length);
      }),
      { numRuns: 200 },
    );
  });

  it("changes an index's generation when it is reused", () => {
    const t = new TraceTable(4);
    const a = t.add("a".repeat(16), TraceTable.hashOf("a".repeat(16)), 0);
    const gen = t.gen[a];
    t.remove(a);
    const b = t.add("b".repeat(16), TraceTable.hashOf("b".repeat(16)), 0);
    expect(b).toBe(a);
    expect(t.gen[b]).not.toBe(gen);
  });
});
