/**
 * Text renderings of the API's answers for people and LLMs: aligned tables, unicode sparklines
 * and bars, values in their units (`formatValue`). One rendering for the CLI (with colours when
 * the terminal wants them) and the MCP tools (plain). Pure: strings in, strings out.
 */
import { formatNumber, formatValue } from "../budget/index.js";
import { formatDurationMs } from "../units/index.js";
import type {
  AttributionJson,
  BudgetJson,
  ComplianceJson,
  EvaluationJson,
  ForecastJson,
  RecommendationJson,
  RecommendationsJson,
  TrackEntryJson,
  TrackJson,
  TrackPointJson,
} from "./schemas.js";

/** How text is painted; {@link PLAIN} paints nothing. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const id = (s: string) => s;
export const PLAIN: Style = { bold: id, dim: id, red: id, green: id, yellow: id };

const sgr = (open: number, close: number) => (s: string) => (s === "" ? s : `\u001b[${open}m${s}\u001b[${close}m`);
export const ANSI: Style = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };

export interface Column {
  header: string;
  /** Default left; numbers read better right-aligned. */
  align?: "left" | "right";
}

/** A cell: its text, and optionally how to paint it (painting never changes the alignment). */
export type Cell = string | { text: string; paint?: (s: string) => string };

/** Visible width: code points (the sparkline, bar and unit characters are one column each). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, w - width(s)));
  return align === "right" ? fill + s : s + fill;
}

/**
 * An aligned table: a header row (bold), then the rows; two spaces between columns, no trailing
 * spaces. Cells are single-line: line breaks and other control characters become spaces.
 */
export function renderTable(columns: readonly Column[], rows: readonly Cell[][], style: Style = PLAIN): string {
  const cells = rows.map((r) => columns.map((_, i) => cellOf(r[i])));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i]!.text))));
  const line = (parts: string[]) => parts.join("  ").replace(/\s+$/, "");
  const out = [line(columns.map((c, i) => style.bold(pad(c.header, widths[i]!, c.align ?? "left"))))];
  for (const r of cells) {
    out.push(line(r.map((c, i) => (c.paint ?? id)(pad(c.text, widths[i]!, columns[i]!.align ?? "left")))));
  }
  return out.join("\n");
}

function cellOf(c: Cell | undefined): { text: string; paint?: (s: string) => string } {
  if (c === undefined) return { text: "" };
  const v = typeof c === "string" ? { text: c } : c;
  return { ...v, text: oneLine(v.text) };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Control characters (line breaks, escapes) as one space: one record stays one line. */
export function oneLine(s: string): string {
  return s.replace(CONTROL, " ");
}

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/**
 * A sparkline of the values, one character each, scaled between their min and max; `null` (no
 * data in that window) is a space. All-equal values draw a flat middle line; no values, "".
 */
export function sparkline(values: readonly (number | null)[]): string {
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0) return values.length === 0 ? "" : " ".repeat(values.length);
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return " ";
      if (max === min) return SPARKS[3];
      return SPARKS[Math.min(SPARKS.length - 1, Math.floor(((v - min) / (max - min)) * SPARKS.length))];
    })
    .join("");
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A horizontal bar of `fraction` (0..1) of `cells` characters, in eighths. */
export function bar(fraction: number, cells = 10): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * cells * 8);
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** A value in its unit, rounded to 3 significant digits; `—` for none. */
export function valueText(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const rounded = v !== 0 ? Number(v.toPrecision(3)) : v;
  return unit === "" ? formatNumber(rounded) : formatValue(rounded, unit);
}

/** `110ms–130ms`, `2–12 queries/trace` (a unit with a space is said once); `—` without data. */
export function rangeText(min: number | undefined, max: number | undefined, unit: string): string {
  if (min === undefined || max === undefined) return "—";
  const lo = valueText(min, unit);
  const hi = valueText(max, unit);
  const space = hi.indexOf(" ");
  if (space > 0 && lo.endsWith(hi.slice(space))) return `${lo.slice(0, lo.length - (hi.length - space))}–${hi}`;
  return `${lo}–${hi}`;
}

/** `137%`; `—` for none. */
export function percentText(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "—";
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A duration in nanoseconds for people: `1.2ms`, `340µs`, `2.5s`. */
export function nsText(ns: number): string {
  return formatDurationMs(ns / 1e6);
}

function rate(v: number): string {
  return `${formatNumber(Number(v.toPrecision(2)))}×`;
}

function statusCell(status: string, style: Style): Cell {
  const paint = status === "violated" ? style.red : status === "ok" ? style.green : style.yellow;
  return { text: status, paint };
}

/** The first burn-rate pair as `long×/short×`, `!` when it alerts; `—` without. */
export function burnText(e: EvaluationJson): string {
  const first = e.burnRates?.[0];
  if (!first) return "—";
  const alerting = e.burnRates!.some((b) => b.alerting);
  return `${rate(first.longRate)}/${rate(first.shortRate)}${alerting ? "!" : ""}`;
}

// ── compliance ─────────────────────────────────────────────────────────────────────────────────

export function renderCompliance(c: ComplianceJson, style: Style = PLAIN): string {
  const n = c.budgets.length;
  const noData = c.budgets.filter((b) => b.status === "no-data").length;
  if (n === 0) return `${c.service}: no budgets (define one with budget_define or pbe define -f FILE)`;
  const s = (k: number) => (k === 1 ? "" : "s");
  const head =
    c.violated > 0
      ? style.red(`${c.violated} of ${n} budget${s(n)} violated`) + (noData > 0 ? ` (${noData} without data)` : "")
      : noData === n
        ? style.yellow(`no data yet for ${n === 1 ? "the budget" : `any of the ${n} budgets`}`)
        : style.green(`${n - noData} budget${s(n - noData)} within budget`) + (noData > 0 ? `, ${noData} without data` : "");
  const lines = [`${style.bold(c.service)}: ${head}`, ""];
  lines.push(
    renderTable(
      [
        { header: "BUDGET" },
        { header: "TYPE" },
        { header: "STATUS" },
        { header: "OBSERVED", align: "right" },
        { header: "THRESHOLD", align: "right" },
        { header: "USAGE", align: "right" },
        { header: "BURN L/S", align: "right" },
        { header: "ERR BUDGET", align: "right" },
        { header: "SAMPLES", align: "right" },
        { header: "WINDOW", align: "right" },
      ],
      c.budgets.map((e) => [
        e.budgetId,
        e.type,
        statusCell(e.status, style),
        valueText(e.observed, e.unit),
        valueText(e.threshold, e.unit),
        percentText(e.usage),
        burnText(e),
        percentText(e.errorBudgetRemaining),
        String(e.samples),
        e.window,
      ]),
      style,
    ),
  );
  const notes: string[] = [];
  for (const e of c.budgets) {
    if (e.status !== "violated") continue;
    const top = (e.topComponents ?? []).slice(0, 3).map((t) => `${t.component} ${percentText(t.share)}`);
    const ex = (e.exemplars ?? []).slice(0, 2);
    if (top.length === 0 && ex.length === 0) continue;
    notes.push(`  ${e.budgetId}:${top.length ? ` top ${top.join(", ")}` : ""}${ex.length ? `${top.length ? ";" : ""} exemplar traces ${ex.join(", ")}` : ""}`);
  }
  if (notes.length > 0) lines.push("", "Violations:", ...notes);
  if (c.budgets.some((e) => e.burnRates?.length)) lines.push("", style.dim("BURN L/S: burn rate over the long/short window of the fastest pair (! = a pair alerts)"));
  return lines.join("\n");
}

// ── track ──────────────────────────────────────────────────────────────────────────────────────

/** The history a track shows: 1-minute windows when three hold data, else the base windows (as the trend uses). */
export function historySeries(entry: TrackEntryJson): { resolution: "1m" | "base"; points: TrackPointJson[] } {
  const minutes = entry.history.minutes;
  if (minutes.filter((p) => p.observed !== null).length >= 3) return { resolution: "1m", points: minutes };
  return { resolution: "base", points: entry.history.base };
}

export interface HistorySummary {
  resolution: "1m" | "base";
  /** The window length of the series, when it has two points or more. */
  stepMs?: number;
  /** Windows in the history, and those with data. */
  windows: number;
  withData: number;
  from?: string;
  to?: string;
  min?: number;
  max?: number;
  mean?: number;
  last?: number;
  /** The last (up to) `recentCount` windows' values, oldest first; null = no data. */
  recent: (number | null)[];
}

/** A short summary of a budget's history (for the MCP tool and the sparkline). */
export function summariseHistory(entry: TrackEntryJson, recentCount = 30): HistorySummary {
  const { resolution, points } = historySeries(entry);
  const values = points.map((p) => p.observed).filter((v): v is number => v !== null);
  const withTimes = points.filter((p) => p.observed !== null);
  const out: HistorySummary = {
    resolution,
    windows: points.length,
    withData: values.length,
    recent: points.slice(-recentCount).map((p) => (p.observed === null ? null : round(p.observed))),
  };
  let step = Infinity;
  for (let i = 1; i < points.length; i++) {
    const d = points[i]!.t - points[i - 1]!.t;
    if (d > 0 && d < step) step = d;
  }
  if (Number.isFinite(step)) out.stepMs = step;
  if (values.length > 0) {
    out.from = new Date(withTimes[0]!.t).toISOString();
    out.to = new Date(withTimes[withTimes.length - 1]!.t).toISOString();
    out.min = round(Math.min(...values));
    out.max = round(Math.max(...values));
    out.mean = round(values.reduce((a, b) => a + b, 0) / values.length);
    out.last = round(values[values.length - 1]!);
  }
  return out;
}

function round(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(6));
}

/** The trend for people: `rising +12ms/h; crosses 500ms in 2h10m`, `improving`, `not enough data`. */
export function trendText(f: ForecastJson | undefined, unit: string, threshold: number | null): string {
  if (!f) return "—";
  const slope = f.slopePerHour;
  const slopeText = slope === null || slope === 0 ? "" : `${slope > 0 ? "+" : "-"}${valueText(Math.abs(slope), unit)}/h`;
  const limit = threshold === null ? "the threshold" : valueText(threshold, unit);
  switch (f.status) {
    case "insufficient-data":
      return "not enough data";
    case "crossed":
      return `past ${limit}${slopeText ? ` (${slopeText})` : ""}`;
    case "will-cross":
      return `${slopeText ? `${slopeText}; ` : ""}crosses ${limit} in ${f.inMs != null ? formatDurationMs(f.inMs) : "?"}`;
    case "not-within-horizon":
      return slopeText === "" ? "flat" : `${slopeText}; ${f.inMs != null ? `crosses ${limit} in ${formatDurationMs(f.inMs)}` : "no crossing ahead"}`;
    case "improving":
      return `improving${slopeText ? ` (${slopeText})` : ""}`;
    default:
      return f.status;
  }
}

export function renderTrack(t: TrackJson, style: Style = PLAIN, width = 30): string {
  if (t.budgets.length === 0) return `${t.service}: no budgets to track`;
  const rows = t.budgets.map((b) => {
    const e = b.evaluation;
    const h = summariseHistory(b, width);
    return [
      b.budgetId,
      statusCell(e.status, style),
      valueText(e.observed, e.unit),
      valueText(e.threshold, e.unit),
      percentText(e.usage),
      sparkline(h.recent),
      rangeText(h.min, h.max, e.unit),
      h.stepMs === undefined ? "" : formatDurationMs(h.stepMs),
      trendText(b.trend, e.unit, e.threshold),
    ] as Cell[];
  });
  return [
    `${style.bold(t.service)} at ${t.at}`,
    "",
    renderTable(
      [
        { header: "BUDGET" },
        { header: "STATUS" },
        { header: "NOW", align: "right" },
        { header: "THRESHOLD", align: "right" },
        { header: "USAGE", align: "right" },
        { header: `HISTORY (last ${width})` },
        { header: "RANGE" },
        { header: "STEP" },
        { header: "TREND / FORECAST" },
      ],
      rows,
      style,
    ),
  ].join("\n");
}

// ── recommendations ────────────────────────────────────────────────────────────────────────────

/** Evidence or a proposal in one line: `key=value` pairs for a flat object, compact JSON otherwise. */
export function compactText(v: unknown, max = 400): string {
  let s: string;
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    s = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`)
      .join(", ");
  } else {
    s = typeof v === "string" ? v : JSON.stringify(v) ?? "";
  }
  s = oneLine(s);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, warning: 2, medium: 2, info: 3, low: 3 };

function severityPaint(sev: string, style: Style): (s: string) => string {
  const rank = SEVERITY_ORDER[sev] ?? 2;
  return rank <= 1 ? style.red : rank === 2 ? style.yellow : style.dim;
}

export function renderRecommendation(r: RecommendationJson, i: number, style: Style = PLAIN): string {
  const lines = [`${i + 1}. ${severityPaint(r.severity, style)(`[${r.severity}]`)} ${style.bold(oneLine(r.title))}  (${r.kind}${r.budgetId ? `, budget ${r.budgetId}` : ""}${typeof r.operation === "string" ? `, ${r.operation}` : ""})`];
  if (r.message) lines.push(`   ${oneLine(r.message)}`);
  if (r.evidence !== undefined && r.evidence !== null) lines.push(`   evidence: ${compactText(r.evidence)}`);
  if (r.proposal !== undefined && r.proposal !== null) lines.push(`   proposal: ${compactText(r.proposal)}`);
  return lines.join("\n");
}

export function renderRecommendations(r: RecommendationsJson, style: Style = PLAIN): string {
  const n = r.recommendations.length;
  if (n === 0) return `${r.service}: no recommendations at ${r.at}: the budgets fit the observed behaviour`;
  return [`${style.bold(r.service)}: ${n} recommendation${n === 1 ? "" : "s"} at ${r.at}`, "", ...r.recommendations.map((x, i) => renderRecommendation(x, i, style))].join("\n");
}

// ── trace explain ──────────────────────────────────────────────────────────────────────────────

export function shareOf(ns: number, totalNs: number): number {
  return totalNs > 0 ? ns / totalNs : 0;
}

/** A trace's attribution: totals, components, edges and the critical path (up to `maxSegments` rows). */
export function renderAttribution(a: AttributionJson, style: Style = PLAIN, maxSegments = 50): string {
  const total = a.durationNs;
  const pct = (ns: number) => percentText(shareOf(ns, total), 1);
  const lines = [
    `${style.bold(`trace ${a.traceId}`)}: journey ${a.journey.service} ${a.journey.operation}${a.rootMissing ? " (root span missing)" : ""}`,
    `total ${nsText(total)} = processing ${nsText(a.processingNs)} (${pct(a.processingNs)}) + network ${nsText(a.networkNs)} (${pct(a.networkNs)})`,
    "",
  ];
  const comps = Object.entries(a.components).sort((x, y) => y[1] - x[1]);
  lines.push(
    renderTable(
      [{ header: "COMPONENT" }, { header: "TIME", align: "right" }, { header: "SHARE", align: "right" }, { header: "" }],
      comps.map(([name, ns]) => [name, nsText(ns), pct(ns), bar(shareOf(ns, total))]),
      style,
    ),
  );
  const edges = Object.entries(a.edges).sort((x, y) => y[1] - x[1]);
  if (edges.length > 0) {
    lines.push(
      "",
      renderTable(
        [{ header: "EDGE (network)" }, { header: "TIME", align: "right" }, { header: "SHARE", align: "right" }, { header: "" }],
        edges.map(([name, ns]) => [name, nsText(ns), pct(ns), bar(shareOf(ns, total))]),
        style,
      ),
    );
  }
  const path = a.criticalPath.slice(0, maxSegments);
  lines.push(
    "",
    `Critical path (${a.criticalPath.length} segment${a.criticalPath.length === 1 ? "" : "s"}):`,
    renderTable(
      [
        { header: "#", align: "right" },
        { header: "START", align: "right" },
        { header: "TIME", align: "right" },
        { header: "SHARE", align: "right" },
        { header: "KIND" },
        { header: "SERVICE" },
        { header: "SPAN" },
        { header: "COMPONENT / EDGE" },
      ],
      path.map((s, i) => [
        String(i + 1),
        s.startOffsetNs === undefined ? "" : `+${nsText(s.startOffsetNs)}`,
        nsText(s.durationNs),
        pct(s.durationNs),
        s.category,
        s.service,
        s.name,
        (s.category === "network" ? s.edge : s.component) ?? "",
      ]),
      style,
    ),
  );
  if (a.criticalPath.length > path.length) lines.push(style.dim(`… ${a.criticalPath.length - path.length} more segments`));
  const counts = a.counts ? Object.entries(a.counts).filter(([, v]) => v > 0) : [];
  if (counts.length > 0) lines.push("", `counts: ${counts.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  return lines.join("\n");
}

// ── budgets ────────────────────────────────────────────────────────────────────────────────────

/** The statistic of a definition: `p99`, `mean`, `max`, or empty. */
export function statisticText(b: Pick<BudgetJson, "quantile" | "aggregate">): string {
  if (typeof b.quantile === "number") return `p${formatNumber(Number((b.quantile * 100).toPrecision(6)))}`;
  return typeof b.aggregate === "string" ? b.aggregate : "";
}

/** The threshold as written (with its `per`), or the allocation it derives from. */
export function thresholdText(b: BudgetJson): string {
  if (b.threshold !== undefined) return String(b.threshold) + (typeof b.threshold === "number" && b.type.startsWith("latency.") ? "ms" : "") + perText(b);
  if (b.pool !== undefined) return `pool ${b.pool} of ${b.parent ?? "parent"}`;
  if (b.share !== undefined) return `${formatNumber(Number((b.share * 100).toPrecision(6)))}% of ${b.parent ?? "parent"}`;
  return "—";
}

/** `/s`, `/trace`, `/month` after a threshold that does not say it already. */
export function perText(b: Pick<BudgetJson, "per" | "threshold">): string {
  if (b.per === undefined || b.threshold === undefined || (typeof b.threshold === "string" && b.threshold.includes("/"))) return "";
  return b.per === "second" ? "/s" : `/${b.per}`;
}

export function renderBudgets(list: readonly BudgetJson[], style: Style = PLAIN): string {
  if (list.length === 0) return "no budgets";
  return renderTable(
    [
      { header: "ID" },
      { header: "TYPE" },
      { header: "SERVICE" },
      { header: "OPERATION / SCOPE" },
      { header: "STAT" },
      { header: "THRESHOLD", align: "right" },
      { header: "WINDOW", align: "right" },
      { header: "SOURCE" },
    ],
    list.map((b) => [
      b.id,
      b.type,
      b.service,
      [b.operation, b.component, b.edge].filter((x) => x !== undefined).join(" · "),
      statisticText(b),
      thresholdText(b),
      b.window === undefined ? "5m" : String(b.window),
      b.source ?? "",
    ]),
    style,
  );
}
