import type { ReportData } from "./types.js";

/** The JSON report: the {@link ReportData} itself, indented. */
export function renderJson(data: ReportData): string {
  return `${JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
