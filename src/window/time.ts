/**
 * Window resolutions and epoch alignment. Every window is `[startMs, startMs + size)` with
 * `startMs` a multiple of its size since the Unix epoch, so windows of different processes (and
 * replicas) line up and merge.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** `base`: the tumbling window (`--window`, default 10 s); `1m` and `1h`: rollups of closed base windows. */
export type Resolution = "base" | "1m" | "1h";
export const RESOLUTIONS: readonly Resolution[] = ["base", "1m", "1h"];

/** The largest multiple of `size` that is ≤ t (also for negative t). */
export function alignDown(t: number, size: number): number {
  const r = t % size;
  return r === 0 ? t : r > 0 ? t - r : t - r - size;
}

/** The smallest multiple of `size` that is ≥ t. */
export function alignUp(t: number, size: number): number {
  const d = alignDown(t, size);
  return d === t ? t : d + size;
}
