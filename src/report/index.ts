/**
 * Reports (ARCHITECTURE.md §7): {@link buildReportData} gathers compliance, history, trends,
 * burn rates, attributed latency per journey and recommendations from in-memory data (pure);
 * the renderers turn it into one self-contained HTML file (inline CSS and SVG, every
 * user-supplied string escaped), Markdown tables or JSON. {@link renderLivePage} is the
 * refreshing page the engine serves at `/`.
 */
export { buildReportData, DEFAULT_REPORT_LIMITS, type ReportInput, type ReportLimits, type TrackedBudget } from "./build.js";
export { renderHtml, renderReportBody, REPORT_CSP, type HtmlOptions } from "./html.js";
export { renderMarkdown } from "./markdown.js";
export { renderJson } from "./json.js";
export { renderLivePage, liveCsp, LIVE_SCRIPT, LIVE_REFRESH_MS, type LivePageOptions } from "./live.js";
export { escapeHtml, escapeMarkdown } from "./escape.js";
export { lineChart, burnRateChart, stackedBars, forecastLine, niceTicks, downsample } from "./charts.js";
export {
  REPORT_SCHEMA,
  type ReportData,
  type ReportSummary,
  type ReportService,
  type ReportBudget,
  type ReportHistory,
  type ReportJourney,
  type ReportSegment,
  type ReportRecommendation,
} from "./types.js";

/** The report formats, with their media types and file extensions. */
export const REPORT_FORMATS = {
  html: { contentType: "text/html; charset=utf-8", extension: "html" },
  md: { contentType: "text/markdown; charset=utf-8", extension: "md" },
  json: { contentType: "application/json; charset=utf-8", extension: "json" },
} as const;

export type ReportFormat = keyof typeof REPORT_FORMATS;

export function isReportFormat(s: string): s is ReportFormat {
  return Object.hasOwn(REPORT_FORMATS, s);
}
