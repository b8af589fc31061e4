import { describe, expect, it } from "vitest";
import { SpanStore } from "../../../src/assembly/store.js";
import { SpanBatch } from "../../../src/span/index.js";

describe("SpanStore", () => {
  it("says how many bytes buffering n more records would allocate (0 when they fit)", () => {
    const store = new SpanStore(4);
    expect(store.growthBytes(4)).toBe(0);
    expect(store.growthBytes(5)).toBe(8 * 68);
    expect(store.growthBytes(20)).toBe(32 * 68);
    const batch = new SpanBatch();
    batch.add("k".repeat(16));
    for (let i = 0; i < 4; i++) store.insert(batch, 0);
    expect(store.growthBytes(1)).toBe(8 * 68);
  });
});
