/**
 * What a budget measures over a range of windows: a quantile of the digest, the mean, the max,
 * or a per-second rate (events / observed seconds).
 */
import type { Budget } from "../budget/index.js";
import { COVERAGE_KEY, type WindowData, type WindowView } from "../window/index.js";

export type Statistic = { kind: "quantile"; q: number } | { kind: "mean" } | { kind: "max" } | { kind: "rate" };

/**
 * The statistic of a budget: per-second throughput is a rate; otherwise the budget's quantile,
 * else its aggregate; a budget with neither (cost, which takes no statistic) is the mean of its
 * samples.
 */
export function statisticOf(b: Budget): Statistic {
  if (b.family === "throughput" && b.per !== "trace") return { kind: "rate" };
  if (b.quantile !== undefined) return { kind: "quantile", q: b.quantile };
  if (b.aggregate === "max") return { kind: "max" };
  return { kind: "mean" };
}

/** A short name of the statistic, e.g. for a cache key: `q0.99`, `mean`, `max`, `rate`. */
export function statisticKey(s: Statistic): string {
  return s.kind === "quantile" ? `q${s.q}` : s.kind;
}

/**
 * The statistic over a merged view; null when there is no data. A rate needs at least
 * `minCoverageMs` of observed time (`extra["cov.ms"]`) and is then count / observed seconds,
 * which may be 0.
 */
export function observeView(view: WindowView, s: Statistic, minCoverageMs: number): number | null {
  return observe(view.digest, view.count, view.sum, view.max, view.extra, s, minCoverageMs);
}

/** The statistic of one window (history charts); a rate needs some observed time. */
export function observeWindow(w: WindowData, s: Statistic): number | null {
  return observe(w.digest, w.count, w.sum, w.max, w.extra, s, Number.MIN_VALUE);
}

function observe(
  digest: WindowView["digest"],
  count: number,
  sum: number,
  max: number,
  extra: Readonly<Record<string, number>> | null,
  s: Statistic,
  minCoverageMs: number,
): number | null {
  switch (s.kind) {
    case "rate": {
      const cov = extra?.[COVERAGE_KEY] ?? 0;
      return cov >= minCoverageMs && cov > 0 ? count / (cov / 1000) : null;
    }
    case "quantile":
      return count > 0 && digest !== null && digest.count > 0 ? digest.quantile(s.q) : null;
    case "mean":
      return count > 0 ? sum / count : null;
    case "max":
      return count > 0 && Number.isFinite(max) ? max : null;
  }
}
