// Benchmarks of the engine's t-digest (src/digest) against the npm `tdigest` package.
//
// Run (vitest bench drives tinybench; the repo's vitest config only includes test/**/*.test.ts
// for `vitest run`, bench files are picked by vitest's default benchmark include):
//
//   npx vitest bench --run bench/digest.bench.ts
//
// Set DIGEST_BENCH_SWEEP=1 to also print the accuracy/memory sweep over compressions (~20 s).
// Machines here are noisy (±10–25 %): compare the rows of one run, not runs.
//
// What it prints before the timings (deterministic, not timed): bytes per digest (typed arrays)
// and serialised size after 10k and 1M values, and the p50/p90/p99/p99.9 relative errors on 1M
// values. The bench rows: adds of 1M lognormal values (hz × 1e6 = adds/s), merging 100 windows
// of 10k values, toBytes/fromBytes/base64, quantile and cdf queries.
//
// How the scale function and default compression were chosen (1M values, 16 seeds, single
// digest and 100 merged windows; worst relative error over p50/p90/p99/p99.9):
//   - k1 (arcsine) at δ = 500 (~360 centroids): p99.9 off by 0.6–0.9 % on lognormal, 1.7–2.5 % on
//     Pareto α = 1.5: its end centroids hold ~π²/δ² of the data. Checking the size at both
//     centroid ends (Java's variant) did not help enough (Pareto α = 1.5: 2.0 %).
//   - k3 at δ = 300–500: tails like k2, coarser in the middle (uniform p50 0.49 % at δ = 300).
//   - k2 (chosen): worst over all distributions, Pareto α = 1.5 included:
//       δ = 500: 0.51 %   δ = 600: 0.39 %   δ = 700: 0.41 %   δ = 1000: 0.36 %
//     The default is 600, the smallest with margin. Pareto α ≤ 1.16 misses at p99.9 (α = 1:
//     0.62 % at 600, still 0.53 % at 1000): one rank there is 0.1 % of the value, and the
//     sampling noise inside a tail centroid dominates.
//   - Alternating the direction of buffer passes cut the mid-quantile drift of incremental
//     passes (uniform p50 0.11 % → 0.04 %); a buffer of δ points was as fast as 2–8·δ.
import tdigestNpm from "tdigest";
import { bench, describe } from "vitest";
import { TDigest } from "../src/digest/index.js";
import { mulberry32 } from "../src/random/index.js";

const rng = mulberry32;

function lognormal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = 0;
    while (u === 0) u = r();
    a[i] = Math.exp(Math.log(50) + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()));
  }
  return a;
}

function pareto(n: number, seed: number, alpha: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => Math.pow(1 - r(), -1 / alpha));
}

const N = 1_000_000;
const values = lognormal(N, 1);
const QS = [0.5, 0.9, 0.99, 0.999];

function errorsOf(quantile: (q: number) => number, exact: Float64Array): string {
  return QS.map((q) => {
    const e = exact[Math.min(exact.length - 1, Math.floor(q * exact.length))]!;
    return `${((Math.abs(quantile(q) - e) / e) * 100).toFixed(3)}%`;
  }).join(" / ");
}

function digestOf(v: Float64Array, compression?: number): TDigest {
  const d = new TDigest(compression);
  d.addAll(v);
  return d;
}

const windows: TDigest[] = [];
for (let w = 0; w < 100; w++) windows.push(digestOf(values.subarray(w * 10_000, (w + 1) * 10_000)));
const full = digestOf(values);
const fullBytes = full.toBytes();
const fullBase64 = full.toBase64();

// Deterministic figures, printed once.
{
  const exact = Float64Array.from(values).sort();
  const small = digestOf(values.subarray(0, 10_000));
  const npm = new tdigestNpm.TDigest();
  for (let i = 0; i < N; i++) npm.push(values[i]!);
  npm.compress();
  const lines = [
    `TDigest(δ=${full.compression}, k2) memory per digest (typed arrays) / centroids / serialised:`,
    `  after 10k values: ${small.memoryBytes} B / ${small.centroidCount} / ${small.toBytes().length} B`,
    `  after 1M values:  ${full.memoryBytes} B / ${full.centroidCount} / ${fullBytes.length} B  (deserialised: ${TDigest.fromBytes(fullBytes).memoryBytes} B)`,
    `p50 / p90 / p99 / p99.9 relative error on 1M lognormal values:`,
    `  ours, one digest:          ${errorsOf((q) => full.quantile(q), exact)}`,
    `  ours, 100 windows merged:  ${errorsOf((q) => TDigest.mergeAll(windows).quantile(q), exact)}`,
    `  npm tdigest (${npm.size()} centroids): ${errorsOf((q) => npm.percentile(q), exact)}`,
  ];
  if (process.env.DIGEST_BENCH_SWEEP === "1") {
    lines.push("sweep: δ, centroids after 1M, bytes; worst error over p50–p99.9 (one digest | 100 windows merged)");
    const data = [
      ["lognormal", values],
      ["pareto α=1.5", pareto(N, 2, 1.5)],
      ["pareto α=1", pareto(N, 3, 1)],
    ] as const;
    for (const c of [300, 400, 500, 600, 800, 1000]) {
      const cells = data.map(([name, v]) => {
        const ex = Float64Array.from(v).sort();
        const one = digestOf(v, c);
        const parts = Array.from({ length: 100 }, (_, w) => digestOf(v.subarray(w * 10_000, (w + 1) * 10_000), c));
        const merged = TDigest.mergeAll(parts);
        const worst = (d: TDigest) => Math.max(...QS.map((q) => Math.abs(d.quantile(q) / ex[Math.floor(q * N)]! - 1)));
        return `${name} ${(worst(one) * 100).toFixed(3)}% | ${(worst(merged) * 100).toFixed(3)}%`;
      });
      const d = digestOf(values, c);
      lines.push(`  δ=${c}: ${d.centroidCount} centroids, ${d.memoryBytes} B; ${cells.join("; ")}`);
    }
  }
  console.log(lines.join("\n"));
}

describe("add 1M lognormal values (hz × 1e6 = adds/s)", () => {
  bench(
    "TDigest (ours)",
    () => {
      digestOf(values);
    },
    { iterations: 10, time: 0 },
  );
  bench(
    "npm tdigest",
    () => {
      const d = new tdigestNpm.TDigest();
      for (let i = 0; i < N; i++) d.push(values[i]!);
    },
    { iterations: 5, time: 0 },
  );
});

describe("merge 100 windows of 10k values", () => {
  bench("TDigest.mergeAll", () => {
    TDigest.mergeAll(windows);
  });
  bench("TDigest.merge one at a time", () => {
    const acc = new TDigest();
    for (const w of windows) acc.merge(w);
  });
  const npmWindows = windows.map((w) => {
    const d = new tdigestNpm.TDigest();
    for (let q = 0; q < 10_000; q++) d.push(w.quantile((q + 0.5) / 10_000));
    d.compress();
    return d;
  });
  bench(
    "npm tdigest (no merge API: push every centroid)",
    () => {
      const acc = new tdigestNpm.TDigest();
      for (const w of npmWindows) for (const c of w.toArray()) acc.push(c.mean, c.n);
      acc.compress();
    },
    { iterations: 10, time: 0 },
  );
});

describe("serialise a 1M-value digest", () => {
  bench("toBytes", () => {
    full.toBytes();
  });
  bench("fromBytes", () => {
    TDigest.fromBytes(fullBytes);
  });
  bench("toBase64", () => {
    full.toBase64();
  });
  bench("fromBase64", () => {
    TDigest.fromBase64(fullBase64);
  });
});

describe("queries on a 1M-value digest", () => {
  const buffered = digestOf(values.subarray(0, 123_456));
  let x = 0;
  bench("quantile(0.99)", () => {
    full.quantile(0.99);
  });
  bench("cdf(x)", () => {
    full.cdf(120);
  });
  bench("add then quantile(0.99) (re-merges the buffer)", () => {
    buffered.add(values[x++ % N]!);
    buffered.quantile(0.99);
  });
});
