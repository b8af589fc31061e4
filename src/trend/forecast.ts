import { theilSen, type TheilSenOptions, type TrendPoint } from "./theil-sen.js";

const MS_PER_HOUR = 3_600_000;

export type ForecastStatus = "crossed" | "will-cross" | "not-within-horizon" | "improving" | "insufficient-data";

export interface ForecastInput extends TheilSenOptions {
  /** The observed values over time (e.g. one per evaluation window, t = the window's end). */
  points: readonly TrendPoint[];
  threshold: number;
  /** `max`: values must stay at or under the threshold (rising is bad); `min`: at or over it. */
  direction: "max" | "min";
  nowMs: number;
  /** How far ahead a crossing counts as `will-cross`; Infinity for no limit. */
  horizonMs: number;
}

export interface Forecast {
  /**
   * - `crossed`: the fitted value now is beyond the threshold;
   * - `will-cross`: the trend reaches the threshold within the horizon (`atMs`, `inMs`);
   * - `not-within-horizon`: it reaches it later (`atMs`, `inMs` say when), or the trend is flat;
   * - `improving`: the trend moves away from the threshold;
   * - `insufficient-data`: fewer than 3 points with distinct times.
   */
  status: ForecastStatus;
  /** When the fitted line crosses the threshold: ahead for will-cross / not-within-horizon; for crossed, when it did (omitted before the first point). */
  atMs?: number;
  /** `atMs − nowMs` for a crossing ahead. */
  inMs?: number;
  /**
   * The crossing time band from the slope's confidence interval, the line pivoting about the
   * data's median time: `earliestMs` from the steepest slope (never before `nowMs`), `latestMs`
   * from the gentlest, absent when the interval allows a flat or improving trend (maybe never).
   */
  earliestMs?: number;
  latestMs?: number;
  /** The Theil–Sen slope in value units per hour; null for insufficient data. */
  slopePerHour: number | null;
  /** The slope's confidence interval per hour; `significant` when it excludes 0. */
  confidence?: { lowPerHour: number; highPerHour: number; level: number; significant: boolean };
  /** The fitted value at `nowMs`. */
  valueNow?: number;
  /** Mann–Kendall p-value of the trend. */
  pValue?: number;
  /** Points used. */
  n: number;
}

/**
 * Where the robust trend of `points` meets `threshold`. The status follows the central (median)
 * slope even when its confidence interval includes 0: `confidence.significant` and the band say
 * how much to trust it.
 */
export function forecastCrossing(input: ForecastInput): Forecast {
  const { threshold, direction, nowMs, horizonMs } = input;
  const fit = theilSen(input.points, input);
  if (!fit) {
    return { status: "insufficient-data", slopePerHour: null, n: input.points.filter(finite).length };
  }
  const slope = fit.slopePerMs;
  const { lowSlope, highSlope, level } = fit.confidence;
  /** +1 when rising is bad. */
  const bad = direction === "max" ? 1 : -1;
  const valueNow = fit.centerV + slope * (nowMs - fit.centerT);
  /** When a line through the pivot with slope `s` meets the threshold. */
  const crossingAt = (s: number) => fit.centerT + (threshold - fit.centerV) / s;
  const base: Forecast = {
    status: "improving",
    slopePerHour: slope * MS_PER_HOUR,
    confidence: {
      lowPerHour: lowSlope * MS_PER_HOUR,
      highPerHour: highSlope * MS_PER_HOUR,
      level,
      significant: lowSlope > 0 || highSlope < 0,
    },
    valueNow,
    pValue: fit.pValue,
    n: fit.n,
  };

  if (bad * (threshold - valueNow) < 0) {
    const out: Forecast = { ...base, status: "crossed" };
    if (bad * slope > 0) {
      const at = crossingAt(slope);
      if (at >= firstT(input.points) && at <= nowMs) out.atMs = at;
    }
    return out;
  }
  if (bad * slope < 0) return base;
  if (slope === 0) return { ...base, status: "not-within-horizon" };

  const at = crossingAt(slope);
  const inMs = Math.max(0, at - nowMs);
  const out: Forecast = { ...base, status: inMs <= horizonMs ? "will-cross" : "not-within-horizon", atMs: nowMs + inMs, inMs };
  // Steepest and gentlest slopes of the interval in the bad direction.
  const [steep, gentle] = bad > 0 ? [highSlope, lowSlope] : [lowSlope, highSlope];
  if (bad * steep > 0) out.earliestMs = Math.max(nowMs, Math.min(crossingAt(steep), out.atMs!));
  if (bad * gentle > 0) out.latestMs = Math.max(crossingAt(gentle), out.atMs!);
  return out;
}

const finite = (p: TrendPoint) => Number.isFinite(p.t) && Number.isFinite(p.v);

function firstT(points: readonly TrendPoint[]): number {
  let m = Infinity;
  for (const p of points) if (finite(p) && p.t < m) m = p.t;
  return m;
}
