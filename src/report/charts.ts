/**
 * Small inline-SVG charts for the report: a line chart (observed value, threshold, forecast),
 * burn-rate bars and stacked latency bars. Pure functions from numbers to markup; every text
 * goes through {@link escapeHtml}; every coordinate is clamped into the viewBox. `idPrefix` is
 * the renderer's own (never user data) and makes element ids unique within a document.
 */
import type { BurnRate } from "../evaluate/index.js";
import type { Forecast } from "../trend/index.js";
import { escapeHtml, truncate } from "./escape.js";
import { clockText, rateText } from "./format.js";
import type { ReportJourney, ReportSegment } from "./types.js";

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"`;

export const COLORS = {
  line: "#1f5fbf",
  area: "#1f5fbf",
  threshold: "#c62828",
  forecast: "#7b1fa2",
  grid: "#e3e7ee",
  axis: "#5f6b7a",
  text: "#2b3440",
  ok: "#2e7d32",
  bad: "#c62828",
  long: "#3f51b5",
  short: "#9fa8da",
  other: "#c9cdd3",
} as const;

/** Component colours (Tableau 10 order) and, for network edges, greys drawn hatched. */
const PROCESSING_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#e15759", "#edc948", "#9c755f", "#ff9da7"];
const NETWORK_COLORS = ["#7b8794", "#a3acb9", "#5b6777", "#c3cad3", "#8f99a8"];
const LIGHT = new Set(["#edc948", "#ff9da7", "#76b7b2", "#a3acb9", "#c3cad3", "#c9cdd3", "#f28e2b"]);

/** A finite number rounded to 0.1 for path data. */
function n(v: number): string {
  return (Math.round(v * 10) / 10).toFixed(1).replace(/\.0$/, "");
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function svgOpen(id: string, width: number, height: number, title: string, desc: string, cls: string): string {
  return (
    `<svg class="${cls}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg" ${FONT}>` +
    `<title id="${id}-t">${escapeHtml(title)}</title><desc id="${id}-d">${escapeHtml(desc)}</desc>`
  );
}

/** Ticks from 0 to a "nice" top (steps of 1, 2 or 5 × 10^k), about `count` of them. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const e = Math.floor(Math.log10(raw));
  const f = raw / 10 ** e;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * 10 ** e;
  const ticks: number[] = [];
  const top = Math.ceil(max / step - 1e-9) * step;
  for (let i = 0; i * step <= top + step / 2; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

export interface ForecastLine {
  from: { t: number; v: number };
  to: { t: number; v: number };
  /** When the line meets the threshold, if that is within the drawn part. */
  crossingT?: number;
}

/**
 * The forecast to draw: the trend line from now to the crossing, or to the horizon, at most
 * `max(dataSpan, 4 windows)` ahead so the history stays readable (the sentence beside the
 * chart gives the exact time when it is further), cut where it would go below 0.
 */
export function forecastLine(f: Forecast | undefined, nowMs: number, horizonMs: number, dataSpanMs: number, stepMs: number): ForecastLine | undefined {
  if (!f || f.status === "insufficient-data" || f.slopePerHour === null || f.valueNow === undefined) return undefined;
  if (!Number.isFinite(f.valueNow) || f.valueNow < 0) return undefined;
  const slope = f.slopePerHour / 3_600_000;
  let end = nowMs + Math.max(0, Math.min(horizonMs, Math.max(dataSpanMs, 4 * stepMs)));
  let crossingT: number | undefined;
  if ((f.status === "will-cross" || f.status === "not-within-horizon") && f.atMs !== undefined && f.atMs >= nowMs && f.atMs <= end) {
    end = f.atMs;
    crossingT = f.atMs;
  }
  let v = f.valueNow + slope * (end - nowMs);
  if (v < 0 && slope < 0) {
    end = nowMs + -f.valueNow / slope;
    v = 0;
  }
  if (!Number.isFinite(v) || end <= nowMs) return crossingT === undefined ? undefined : { from: { t: nowMs, v: f.valueNow }, to: { t: nowMs, v: f.valueNow }, crossingT };
  return { from: { t: nowMs, v: f.valueNow }, to: { t: end, v }, ...(crossingT !== undefined ? { crossingT } : {}) };
}

export interface LineChartInput {
  idPrefix: string;
  title: string;
  description: string;
  /** Windows in time order: `t` = the window's start (ms), `v` null when the window had no data. */
  points: ReadonlyArray<{ t: number; v: number | null }>;
  stepMs: number;
  threshold: number | null;
  forecast?: ForecastLine;
  nowMs: number;
  format: (v: number) => string;
  /** Tick labels (default `format`): shorter, e.g. without a `/trace` suffix named in `axisUnit`. */
  axisFormat?: (v: number) => string;
  /** Shown above the value axis when tick labels leave the unit out. */
  axisUnit?: string;
  width?: number;
  height?: number;
}

/** At most `max` points: per bucket of consecutive windows its lowest and highest value (in time order); an empty bucket keeps a gap. */
export function downsample(points: ReadonlyArray<{ t: number; v: number | null }>, max: number): Array<{ t: number; v: number | null }> {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor(max / 2));
  const out: Array<{ t: number; v: number | null }> = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * points.length) / buckets);
    const to = Math.floor(((b + 1) * points.length) / buckets);
    let lo: { t: number; v: number } | undefined;
    let hi: { t: number; v: number } | undefined;
    for (let i = from; i < to; i++) {
      const p = points[i];
      if (p.v === null) continue;
      if (!lo || p.v < lo.v) lo = { t: p.t, v: p.v };
      if (!hi || p.v > hi.v) hi = { t: p.t, v: p.v };
    }
    if (!lo || !hi) out.push({ t: points[from].t, v: null });
    else if (lo === hi || lo.t === hi.t) out.push(lo);
    else out.push(...(lo.t < hi.t ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** The observed value over time, the threshold as a dashed red line and the forecast as a dashed extension. */
export function lineChart(input: LineChartInput): string {
  const W = input.width ?? 540;
  const H = input.height ?? 210;
  const m = { l: 66, r: 14, t: 16, b: 28 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const id = input.idPrefix;
  const half = input.stepMs / 2;
  const pts = downsample(input.points, Math.floor(pw / 2)).map((p) => ({ t: Math.min(p.t + half, input.nowMs), v: p.v !== null && Number.isFinite(p.v) ? p.v : null }));
  const values = pts.filter((p) => p.v !== null).map((p) => p.v as number);
  const fc = input.forecast;
  let out = svgOpen(id, W, H, input.title, input.description, "chart line-chart");
  if (values.length === 0) {
    out += `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="#f7f9fc" stroke="${COLORS.grid}"/>`;
    out += `<text x="${n(m.l + pw / 2)}" y="${n(m.t + ph / 2)}" text-anchor="middle" font-size="13" fill="${COLORS.axis}">No data in the recent windows</text>`;
    return out + "</svg>";
  }

  const t0 = pts.find((p) => p.v !== null)!.t;
  let t1 = Math.max(pts[pts.length - 1].t, input.nowMs);
  if (fc) t1 = Math.max(t1, fc.to.t);
  if (t1 - t0 < 1000) t1 = t0 + 1000;
  const topCandidates = [...values, input.threshold ?? 0, ...(fc ? [fc.from.v, fc.to.v] : [])].filter(Number.isFinite);
  const ticks = niceTicks(Math.max(...topCandidates, 0) * 1.05);
  const yTop = ticks[ticks.length - 1] || 1;
  const x = (t: number) => clamp(m.l + ((t - t0) / (t1 - t0)) * pw, m.l, m.l + pw);
  const y = (v: number) => clamp(m.t + ph - (v / yTop) * ph, m.t, m.t + ph);

  // Grid and y labels.
  for (const tick of ticks) {
    out += `<line x1="${m.l}" x2="${m.l + pw}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="${COLORS.grid}" stroke-width="1"/>`;
    out += `<text x="${m.l - 6}" y="${n(y(tick) + 4)}" text-anchor="end" font-size="11" fill="${COLORS.axis}">${escapeHtml((input.axisFormat ?? input.format)(tick))}</text>`;
  }
  if (input.axisUnit) out += `<text x="${m.l - 6}" y="10" text-anchor="end" font-size="10" fill="${COLORS.axis}">${escapeHtml(input.axisUnit)}</text>`;
  // Time labels.
  const labels = 4;
  for (let i = 0; i < labels; i++) {
    const t = t0 + ((t1 - t0) * i) / (labels - 1);
    const anchor = i === 0 ? "start" : i === labels - 1 ? "end" : "middle";
    out += `<text x="${n(x(t))}" y="${H - 10}" text-anchor="${anchor}" font-size="11" fill="${COLORS.axis}">${escapeHtml(timeLabel(t, t1 - t0))}</text>`;
  }
  out += `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="${COLORS.axis}" stroke-width="1"/>`;

  // Observed: area and line, broken at windows without data.
  const segments: Array<Array<{ t: number; v: number }>> = [];
  let cur: Array<{ t: number; v: number }> = [];
  for (const p of pts) {
    if (p.v === null) {
      if (cur.length) segments.push(cur);
      cur = [];
    } else cur.push({ t: p.t, v: p.v });
  }
  if (cur.length) segments.push(cur);
  let line = "";
  let area = "";
  for (const s of segments) {
    line += s.map((p, i) => `${i === 0 ? "M" : "L"}${n(x(p.t))} ${n(y(p.v))}`).join(" ") + " ";
    if (s.length > 1) area += `M${n(x(s[0].t))} ${n(y(0))} ` + s.map((p) => `L${n(x(p.t))} ${n(y(p.v))}`).join(" ") + ` L${n(x(s[s.length - 1].t))} ${n(y(0))} Z `;
  }
  if (area) out += `<path class="area" d="${area.trim()}" fill="${COLORS.area}" fill-opacity="0.10" stroke="none"/>`;
  out += `<path class="observed" d="${line.trim()}" fill="none" stroke="${COLORS.line}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`;
  const dots = values.length <= 60 ? segments.flat() : segments.filter((s) => s.length === 1).flat().concat(segments[segments.length - 1].slice(-1));
  for (const p of dots) out += `<circle cx="${n(x(p.t))}" cy="${n(y(p.v))}" r="2.4" fill="${COLORS.line}"/>`;

  // Forecast: from now, dashed.
  if (fc) {
    out += `<line x1="${n(x(fc.from.t))}" x2="${n(x(fc.from.t))}" y1="${m.t}" y2="${m.t + ph}" stroke="${COLORS.axis}" stroke-width="1" stroke-dasharray="2 3" opacity="0.6"/>`;
    out += `<text x="${n(x(fc.from.t) - 3)}" y="${m.t + 10}" text-anchor="end" font-size="10" fill="${COLORS.axis}">now</text>`;
    if (fc.to.t > fc.from.t) {
      out += `<path class="forecast" d="M${n(x(fc.from.t))} ${n(y(fc.from.v))} L${n(x(fc.to.t))} ${n(y(fc.to.v))}" fill="none" stroke="${COLORS.forecast}" stroke-width="2" stroke-dasharray="6 4"/>`;
    }
    if (fc.crossingT !== undefined && input.threshold !== null) {
      out += `<circle class="crossing" cx="${n(x(fc.crossingT))}" cy="${n(y(input.threshold))}" r="4.5" fill="#fff" stroke="${COLORS.threshold}" stroke-width="2"/>`;
    }
  }

  // Threshold on top, labelled.
  if (input.threshold !== null && Number.isFinite(input.threshold)) {
    const ty = y(input.threshold);
    out += `<path class="threshold" d="M${m.l} ${n(ty)} L${m.l + pw} ${n(ty)}" stroke="${COLORS.threshold}" stroke-width="1.5" stroke-dasharray="7 4" fill="none"/>`;
    const labelY = ty - 5 < m.t + 10 ? ty + 13 : ty - 5;
    out += `<text x="${m.l + pw - 4}" y="${n(labelY)}" text-anchor="end" font-size="11" font-weight="600" fill="${COLORS.threshold}" paint-order="stroke" stroke="#fff" stroke-width="3">threshold ${escapeHtml(input.format(input.threshold))}</text>`;
  }
  return out + "</svg>";
}

function timeLabel(t: number, spanMs: number): string {
  if (spanMs >= 2 * 86_400_000) return new Date(t).toISOString().slice(5, 16).replace("T", " ");
  return clockText(t);
}

export interface BurnChartInput {
  idPrefix: string;
  title: string;
  rates: readonly BurnRate[];
  /** `1h / 5m` for a pair. */
  windowText: (r: BurnRate) => string;
}

/**
 * Burn rates as bars relative to each pair's alerting factor: the dashed line in the middle is
 * the factor (14.4×, 6×, 3×, 1×), a bar past it burns faster than the pair alerts on; bars stop
 * at twice the factor (the value is written beside them).
 */
export function burnRateChart(input: BurnChartInput): string {
  const W = 540;
  const rowH = 30;
  const top = 20;
  const H = top + input.rates.length * rowH + 24;
  const x0 = 110;
  const bw = 290;
  const id = input.idPrefix;
  const desc = input.rates.map((r) => `${input.windowText(r)}: long ${rateText(r.longRate)}, short ${rateText(r.shortRate)}, alerts at ${rateText(r.factor)}${r.alerting ? " (alerting)" : ""}`).join("; ");
  let out = svgOpen(id, W, H, input.title, desc, "chart burn-chart");
  const xr = (rate: number, factor: number) => x0 + (clamp(factor > 0 ? rate / factor : 0, 0, 2) / 2) * bw;
  out += `<text x="${x0 + bw / 2}" y="12" text-anchor="middle" font-size="10" fill="${COLORS.threshold}">alerting factor</text>`;
  out += `<text x="${x0}" y="12" text-anchor="start" font-size="10" fill="${COLORS.axis}">0</text>`;
  out += `<text x="${x0 + bw}" y="12" text-anchor="end" font-size="10" fill="${COLORS.axis}">2× factor</text>`;
  input.rates.forEach((r, i) => {
    const yRow = top + i * rowH;
    out += `<text x="${x0 - 8}" y="${yRow + 13}" text-anchor="end" font-size="11" fill="${COLORS.text}">${escapeHtml(input.windowText(r))}</text>`;
    out += `<text x="${x0 - 8}" y="${yRow + 25}" text-anchor="end" font-size="10" fill="${COLORS.axis}">alerts at ${escapeHtml(rateText(r.factor))}</text>`;
    out += `<rect x="${x0}" y="${yRow + 3}" width="${bw}" height="${rowH - 6}" fill="#f4f6f9"/>`;
    const bars: Array<[number, number, string, string]> = [
      [r.longRate, yRow + 5, r.longRate > r.factor ? COLORS.bad : COLORS.long, "long"],
      [r.shortRate, yRow + 16, r.shortRate > r.factor ? "#ef9a9a" : COLORS.short, "short"],
    ];
    for (const [rate, yb, color, which] of bars) {
      const w = xr(Number.isFinite(rate) ? rate : 0, r.factor) - x0;
      out += `<rect class="burn-${which}" x="${x0}" y="${yb}" width="${n(Math.max(w, 0))}" height="9" fill="${color}"><title>${which} window: ${escapeHtml(rateText(rate))}</title></rect>`;
    }
    out += `<text x="${x0 + bw + 10}" y="${yRow + 18}" font-size="11" fill="${r.alerting ? COLORS.bad : COLORS.text}"${r.alerting ? ` font-weight="700"` : ""}>${escapeHtml(`${rateText(r.longRate)} / ${rateText(r.shortRate)}`)}${r.alerting ? " alerting" : ""}</text>`;
  });
  out += `<line x1="${x0 + bw / 2}" x2="${x0 + bw / 2}" y1="16" y2="${top + input.rates.length * rowH}" stroke="${COLORS.threshold}" stroke-width="1.2" stroke-dasharray="4 3"/>`;
  const ly = H - 8;
  out += `<rect x="${x0}" y="${ly - 8}" width="10" height="8" fill="${COLORS.long}"/><text x="${x0 + 14}" y="${ly}" font-size="10" fill="${COLORS.axis}">long window</text>`;
  out += `<rect x="${x0 + 100}" y="${ly - 8}" width="10" height="8" fill="${COLORS.short}"/><text x="${x0 + 114}" y="${ly}" font-size="10" fill="${COLORS.axis}">short window</text>`;
  return out + "</svg>";
}

export interface SegmentColor {
  color: string;
  /** Text colour readable on it. */
  ink: string;
  hatched: boolean;
}

/** Stable colours per segment name for one chart: processing components first, most latency first. */
export function segmentColors(journeys: readonly ReportJourney[]): Map<string, SegmentColor> {
  const totals = new Map<string, { category: ReportSegment["category"]; ms: number; other: boolean }>();
  for (const j of journeys) {
    for (const s of j.segments) {
      const key = segmentKey(s);
      const t = totals.get(key);
      if (t) t.ms += s.meanMs;
      else totals.set(key, { category: s.category, ms: s.meanMs, other: s.other === true });
    }
  }
  const out = new Map<string, SegmentColor>();
  let pi = 0;
  let ni = 0;
  const sorted = [...totals].sort((a, b) => (a[1].category === b[1].category ? b[1].ms - a[1].ms : a[1].category === "processing" ? -1 : 1));
  for (const [key, t] of sorted) {
    const color = t.other ? COLORS.other : t.category === "processing" ? PROCESSING_COLORS[pi++ % PROCESSING_COLORS.length] : NETWORK_COLORS[ni++ % NETWORK_COLORS.length];
    out.set(key, { color, ink: LIGHT.has(color) ? "#1a1f27" : "#ffffff", hatched: t.category === "network" });
  }
  return out;
}

/** The key of a segment in {@link segmentColors}: category and name (a component and an edge may share a name). */
export function segmentKey(s: Pick<ReportSegment, "category" | "name">): string {
  return `${s.category}\u0000${s.name}`;
}

export interface StackedBarsInput {
  idPrefix: string;
  title: string;
  journeys: readonly ReportJourney[];
  colors: ReadonlyMap<string, SegmentColor>;
  formatMs: (ms: number) => string;
}

/** One bar per journey: its mean latency split into components (solid) and network edges (hatched). */
export function stackedBars(input: StackedBarsInput): string {
  const W = 960;
  const rowH = 34;
  const top = 6;
  const H = top + input.journeys.length * rowH + 4;
  const x0 = 230;
  const bw = 620;
  const id = input.idPrefix;
  const max = Math.max(...input.journeys.map((j) => j.meanDurationMs), 0) || 1;
  const desc = input.journeys
    .map((j) => `${j.operation}: mean ${input.formatMs(j.meanDurationMs)} over ${j.traces} traces; ` + j.segments.map((s) => `${s.name} (${s.category}) ${input.formatMs(s.meanMs)}`).join(", "))
    .join(". ");
  let out = svgOpen(id, W, H, input.title, desc, "chart stacked-chart");
  out += `<defs><pattern id="${id}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="3" height="6" fill="#ffffff" fill-opacity="0.45"/></pattern></defs>`;
  input.journeys.forEach((j, i) => {
    const yRow = top + i * rowH;
    const label = truncate(j.operation === "" ? "(unnamed)" : j.operation, 34);
    out += `<text x="${x0 - 8}" y="${yRow + 14}" text-anchor="end" font-size="12" fill="${COLORS.text}">${escapeHtml(label)}<title>${escapeHtml(j.operation)}</title></text>`;
    out += `<text x="${x0 - 8}" y="${yRow + 26}" text-anchor="end" font-size="10" fill="${COLORS.axis}">${j.traces} ${j.traces === 1 ? "trace" : "traces"}</text>`;
    let cursor = x0;
    const scale = bw / max;
    const ordered = [...j.segments].sort((a, b) => (a.category === b.category ? 0 : a.category === "processing" ? -1 : 1));
    for (const s of ordered) {
      const w = Math.max(0, s.meanMs * scale);
      if (w <= 0) continue;
      const c = input.colors.get(segmentKey(s)) ?? { color: COLORS.other, ink: "#1a1f27", hatched: false };
      const share = j.meanDurationMs > 0 ? Math.round((s.meanMs / j.meanDurationMs) * 100) : 0;
      const xs = Math.min(cursor, x0 + bw);
      const ws = Math.min(w, x0 + bw - xs);
      const tip = `${s.name} (${s.category === "network" ? "network" : "processing"}): ${input.formatMs(s.meanMs)}, ${share} %`;
      out += `<rect class="segment segment-${s.category}" x="${n(xs)}" y="${yRow + 3}" width="${n(ws)}" height="18" fill="${c.color}"><title>${escapeHtml(tip)}</title></rect>`;
      if (c.hatched) out += `<rect x="${n(xs)}" y="${yRow + 3}" width="${n(ws)}" height="18" fill="url(#${id}-hatch)" pointer-events="none"/>`;
      if (ws >= 44) out += `<text x="${n(xs + ws / 2)}" y="${yRow + 16}" text-anchor="middle" font-size="10" fill="${c.ink}" pointer-events="none">${escapeHtml(input.formatMs(s.meanMs))}</text>`;
      cursor += w;
    }
    out += `<text x="${n(Math.min(cursor, x0 + bw) + 8)}" y="${yRow + 16}" font-size="11" font-weight="600" fill="${COLORS.text}">${escapeHtml(input.formatMs(j.meanDurationMs))}</text>`;
  });
  return out + "</svg>";
}
