/** `forecast-exhaustion`: a budget whose trend reaches its threshold within the horizon. */
import { formatThreshold } from "../budget/index.js";
import { forecastCrossing } from "../trend/index.js";
import { budgetName, hoursText, show } from "./format.js";
import type { BudgetFacts, Recommendation, RecommendRules, WindowPoint } from "./types.js";

/**
 * The points a budget's trend is fitted on: its 1-minute windows of the last day when at least
 * `minPoints` have data, else its base windows of the last hour (`t` = the window's start).
 */
export function trendPoints(f: BudgetFacts, minPoints: number): Array<{ t: number; v: number }> {
  const data = (ps: readonly WindowPoint[]) => ps.filter((p) => p.observed !== null && Number.isFinite(p.observed)).map((p) => ({ t: p.t, v: p.observed as number }));
  const minutes = data(f.history.minutes);
  return minutes.length >= minPoints ? minutes : data(f.history.base);
}

/**
 * A budget not violated now whose Theil–Sen trend (≥ `forecastMinPoints` points) crosses its
 * effective threshold within `horizonMs` (`forecastCrossing` says `will-cross`) with a
 * significant slope (its 95 % interval excludes 0), no further ahead than
 * `forecastMaxExtrapolation` × the time the points span. Critical when the crossing is less than
 * `forecastCriticalMs` away, else warning.
 */
export function forecastExhaustion(budgets: readonly BudgetFacts[], nowMs: number, horizonMs: number, rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  for (const f of budgets) {
    const b = f.budget;
    const threshold = f.evaluation.threshold;
    if (threshold === null || f.evaluation.status === "violated") continue;
    const points = trendPoints(f, rules.forecastMinPoints);
    if (points.length < rules.forecastMinPoints) continue;
    const fc = forecastCrossing({ points, threshold, direction: b.direction, nowMs, horizonMs });
    if (fc.status !== "will-cross" || fc.inMs === undefined || fc.atMs === undefined || !fc.confidence?.significant) continue;
    const spanMs = points.reduce((m, p) => Math.max(m, p.t), -Infinity) - points.reduce((m, p) => Math.min(m, p.t), Infinity);
    if (fc.inMs > rules.forecastMaxExtrapolation * spanMs) continue;
    const verb = b.direction === "min" ? "falls below" : "reaches";
    out.push({
      kind: "forecast-exhaustion",
      severity: fc.inMs <= rules.forecastCriticalMs ? "critical" : "warning",
      service: b.service,
      budgetId: b.id,
      title: `${b.id}: ${verb === "reaches" ? "exhausted" : "below its floor"} in ${hoursText(fc.inMs)} at the current trend`,
      message:
        `${budgetName(b)} is ${show(b, fc.valueNow!)} and moving ${show(b, Math.abs(fc.slopePerHour!))} per hour ${fc.slopePerHour! >= 0 ? "up" : "down"}: ` +
        `it ${verb} its ${formatThreshold(b, threshold)} threshold in about ${hoursText(fc.inMs)} (${new Date(fc.atMs).toISOString()}) — ` +
        `find what is growing (traffic, data size, a leak) before then, or plan capacity.`,
      evidence: {
        threshold,
        valueNow: fc.valueNow ?? null,
        slopePerHour: fc.slopePerHour,
        slopeLowPerHour: fc.confidence.lowPerHour,
        slopeHighPerHour: fc.confidence.highPerHour,
        inMs: fc.inMs,
        atMs: fc.atMs,
        at: new Date(fc.atMs).toISOString(),
        ...(fc.earliestMs !== undefined ? { earliestMs: fc.earliestMs } : {}),
        ...(fc.latestMs !== undefined ? { latestMs: fc.latestMs } : {}),
        points: fc.n,
        dataSpanMs: spanMs,
        horizonMs,
      },
    });
  }
  return out;
}
