import { describe, expect, it } from "vitest";
import { MemoryLimiter } from "../../../src/receiver/index.js";

function setup(limit = 1000) {
  let used = 0;
  let now = 0;
  let collected = 0;
  const m = new MemoryLimiter(limit, () => used, 250, () => collected++, () => now);
  return {
    m,
    set: (u: number) => (used = u),
    advance: (ms: number) => (now += ms),
    collected: () => collected,
  };
}

describe("MemoryLimiter", () => {
  it("refuses above the soft limit and recovers by itself under 90 % of it", () => {
    const { m, set } = setup();
    set(900);
    expect(m.check()).toBe(false);
    expect(m.admit(10)).toBe(true);
    set(1001);
    expect(m.check()).toBe(true);
    expect(m.admit(1)).toBe(false);
    set(950); // under the limit but above 90 %: still refusing (hysteresis)
    expect(m.check()).toBe(true);
    set(899);
    expect(m.check()).toBe(false);
    expect(m.admit(1)).toBe(true);
    expect(m.refusals).toBe(1);
  });

  it("counts the requests admitted since the last sample, so a burst is refused before it passes the limit", () => {
    const { m, set } = setup();
    set(700);
    m.check();
    expect(m.admit(200)).toBe(true);
    expect(m.admit(99)).toBe(true); // 999
    expect(m.admit(2)).toBe(false); // would be 1001: refusing from now on
    expect(m.refusing).toBe(true);
    expect(m.admit(1)).toBe(false);
    // The next sample decides again, with the real figure.
    set(720);
    expect(m.check()).toBe(false);
    expect(m.admit(250)).toBe(true);
  });

  it("forces a garbage collection while over the limit, at most once a second", () => {
    const { m, set, advance, collected } = setup();
    set(2000);
    m.check();
    m.check();
    expect(collected()).toBe(1);
    advance(999);
    m.check();
    expect(collected()).toBe(1);
    advance(1);
    m.check();
    expect(collected()).toBe(2);
    set(100);
    advance(5000);
    m.check();
    expect(collected()).toBe(2);
    expect(m.collections).toBe(2);
  });

  it("admits everything without a limit", () => {
    const m = new MemoryLimiter(0, () => 1e12, 250, undefined);
    expect(m.admit(1e9)).toBe(true);
  });

  it("has a working default collector (a full GC through the exposed gc function)", () => {
    const m = new MemoryLimiter(1, () => 10);
    m.check();
    expect(m.collections).toBe(1);
  });
});
