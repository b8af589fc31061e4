/**
 * Multi-window, multi-burn-rate alerting pairs (Google SRE workbook, "Alerting on SLOs"), for a
 * 30-day SLO window: 14.4× over 1 h and 5 m, 6× over 6 h and 30 m, 3× over 1 d and 2 h, 1× over
 * 3 d and 6 h. A budget window shorter than 30 days scales every window by windowMs / 30 d
 * (rounded to whole base windows, never shorter than one); longer windows keep them as they are.
 */
import { alignUp, DAY_MS, HOUR_MS, MINUTE_MS } from "../window/index.js";

export const BURN_PAIRS: ReadonlyArray<{ longWindowMs: number; shortWindowMs: number; factor: number }> = [
  { longWindowMs: HOUR_MS, shortWindowMs: 5 * MINUTE_MS, factor: 14.4 },
  { longWindowMs: 6 * HOUR_MS, shortWindowMs: 30 * MINUTE_MS, factor: 6 },
  { longWindowMs: DAY_MS, shortWindowMs: 2 * HOUR_MS, factor: 3 },
  { longWindowMs: 3 * DAY_MS, shortWindowMs: 6 * HOUR_MS, factor: 1 },
];

export const SLO_REFERENCE_WINDOW_MS = 30 * DAY_MS;

/** A window length scaled to the budget window and rounded to whole base windows (at least one). */
export function scaledWindowMs(lengthMs: number, budgetWindowMs: number, baseMs: number): number {
  const scale = budgetWindowMs < SLO_REFERENCE_WINDOW_MS ? budgetWindowMs / SLO_REFERENCE_WINDOW_MS : 1;
  return Math.max(baseMs, Math.round((lengthMs * scale) / baseMs) * baseMs);
}

/** The burn-rate windows of a budget window. */
export function burnWindows(budgetWindowMs: number, baseMs: number): Array<{ longWindowMs: number; shortWindowMs: number; factor: number }> {
  return BURN_PAIRS.map((p) => ({
    longWindowMs: scaledWindowMs(p.longWindowMs, budgetWindowMs, baseMs),
    shortWindowMs: scaledWindowMs(p.shortWindowMs, budgetWindowMs, baseMs),
    factor: p.factor,
  }));
}

/**
 * The base-aligned range evaluated for a window of `lengthMs` at `nowMs`, as `[fromMs, toMs)` for
 * `WindowSeries.over`: the base windows starting in `[alignUp(now − max(length, base)), now)`.
 * At a tick on a window boundary that is exactly the last ⌈length / base⌉ closed windows; between
 * boundaries the open window is included and the range holds between `length − base` and
 * `length` of data. (A value recorded exactly at `nowMs` on a boundary belongs to the window
 * starting there, so it counts from the next evaluation on.)
 */
export function evaluationRange(nowMs: number, lengthMs: number, baseMs: number): { fromMs: number; toMs: number } {
  return { fromMs: alignUp(nowMs - Math.max(lengthMs, baseMs), baseMs), toMs: nowMs };
}
