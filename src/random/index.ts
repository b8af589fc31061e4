/**
 * Seeded randomness for everything that must be reproducible from a seed: the load generator's
 * pools, the demo's traffic, the fuzzer's corpus, and the tests' and benchmarks' data.
 */

/** mulberry32: a small, fast PRNG with 32 bits of state; uniform draws in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A small seeded PRNG (mulberry32) and the draws the simulated shops need: the load generator's
 * deterministic pools and the demo's traffic.
 */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An index drawn with the given (non-negative) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * A lognormal duration in nanoseconds with the given median (ms) and shape σ: service latencies
   * are right-skewed, a few calls take several times the median.
   */
  durationNs(medianMs: number, sigma = 0.5): number {
    return Math.max(1_000, Math.round(medianMs * 1e6 * Math.exp(sigma * this.normal())));
  }

  /** The same lognormal draw in milliseconds (at least 0.01 ms), default σ 0.4. */
  latencyMs(medianMs: number, sigma = 0.4): number {
    return Math.max(0.01, medianMs * Math.exp(sigma * this.normal()));
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(this.next() * 16)];
    return s;
  }
}
