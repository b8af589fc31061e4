/** Display helpers shared by the HTML and Markdown renderers (plain text: escape afterwards). */
import { formatNumber, formatValue, type BudgetPer } from "../budget/index.js";
import type { BurnRate, EvaluationStatus } from "../evaluate/index.js";
import type { Forecast } from "../trend/index.js";
import { formatBytes, formatDurationMs } from "../units/index.js";
import type { ReportBudget } from "./types.js";

/** A value in the budget's unit with 3 significant digits: `312ms`, `1.5 cores`, `12 queries/trace`, `$0.002/request`. */
export function valueText(b: Pick<ReportBudget, "evaluation" | "per">, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const rounded = v !== 0 ? Number(v.toPrecision(3)) : 0;
  return formatValue(rounded, b.evaluation.unit, b.per as BudgetPer | undefined);
}

/**
 * A value for a chart's axis: as {@link valueText} for durations and bytes, the bare number
 * for rates and counts (`12`, the unit named once above the axis), money without its `/hour`.
 */
export function axisText(b: Pick<ReportBudget, "evaluation" | "per">, v: number): { text: string; unit?: string } {
  const unit = b.evaluation.unit;
  if (unit === "ms" || unit === "bytes" || unit === "bytes/s") return { text: valueText(b, v) };
  const rounded = v !== 0 ? Number(v.toPrecision(3)) : 0;
  if (unit === "cores" || unit.includes("/")) return { text: formatNumber(rounded), unit };
  return { text: formatValue(rounded, unit), ...(b.per !== undefined ? { unit: `${unit} per ${b.per}` } : {}) };
}

/** `87 %`, `0.4 %`, `1250 %`; `—` for null. */
export function percentText(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "—";
  const p = ratio * 100;
  const digits = Math.abs(p) < 10 && p !== 0 ? Number(p.toFixed(1)) : Math.round(p);
  return `${formatNumber(digits)} %`;
}

/** A burn rate: `0.42×`, `14.4×`. */
export function rateText(rate: number): string {
  if (!Number.isFinite(rate)) return "—";
  const r = rate === 0 ? 0 : rate < 10 ? Number(rate.toFixed(2)) : Number(rate.toPrecision(3));
  return `${formatNumber(r)}×`;
}

/** A burn-rate pair's windows: `1h / 5m`. */
export function burnWindowText(r: Pick<BurnRate, "longWindowMs" | "shortWindowMs">): string {
  return `${formatDurationMs(r.longWindowMs)} / ${formatDurationMs(r.shortWindowMs)}`;
}

/** `2025-01-31 12:00:05 UTC`. */
export function dateTimeText(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `12:00:05` (UTC). */
export function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export const STATUS_TEXT: Record<EvaluationStatus, string> = { ok: "OK", violated: "Violated", "no-data": "No data" };

/** The budget's scope beyond its service: `POST /checkout · payment`, `checkout->payment`. */
export function scopeText(b: Pick<ReportBudget, "operation" | "component" | "edge">): string {
  return [b.operation, b.component, b.edge].filter((s): s is string => s !== undefined && s !== "").join(" · ");
}

/** One sentence on the trend and forecast, e.g. `rising 12ms/h; crosses the threshold in 5m (at 12:04:00 UTC)`. */
export function trendText(b: ReportBudget, nowMs: number): string {
  const f: Forecast | undefined = b.trend;
  if (!f) return b.evaluation.threshold === null ? "no trend: the budget has no threshold yet" : "no trend yet";
  if (f.status === "insufficient-data" || f.slopePerHour === null) return `not enough history for a trend (${f.n} ${f.n === 1 ? "point" : "points"})`;
  const slope = f.slopePerHour;
  const dir = slope === 0 ? "flat" : `${slope > 0 ? "rising" : "falling"} ${valueText(b, Math.abs(slope))}/h`;
  const sure = f.confidence && !f.confidence.significant && slope !== 0 ? " (not significant)" : "";
  switch (f.status) {
    case "crossed":
      return `${dir}${sure}; the trend is past the threshold${f.atMs !== undefined ? ` since ${clockText(f.atMs)} UTC` : ""}`;
    case "will-cross":
      return `${dir}${sure}; crosses the threshold in ${formatDurationMs(f.inMs ?? Math.max(0, (f.atMs ?? nowMs) - nowMs))}${f.atMs !== undefined ? ` (at ${dateTimeText(f.atMs)})` : ""}`;
    case "not-within-horizon":
      return slope === 0 ? `${dir}; no crossing ahead` : `${dir}${sure}; would cross the threshold in ${formatDurationMs(f.inMs ?? 0)}, beyond the forecast horizon`;
    case "improving":
      return `${dir}${sure}; moving away from the threshold`;
  }
}

/**
 * A number of free-form evidence, read by its key's unit suffix (the house naming rule):
 * `…Ms` a Unix time (from the year 2001 on) or a duration, `…Ns` a duration, `…Bytes` bytes;
 * other numbers with at most 6 significant digits.
 */
export function evidenceNumber(key: string | undefined, v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (key !== undefined && /Ms$/.test(key)) return v > 1e12 ? dateTimeText(v) : formatDurationMs(Number(v.toPrecision(3)));
  if (key !== undefined && /Ns$/.test(key)) return formatDurationMs(Number((v / 1e6).toPrecision(3)));
  if (key !== undefined && /Bytes$/.test(key)) return formatBytes(v);
  return formatNumber(Number(v.toPrecision(6)));
}
