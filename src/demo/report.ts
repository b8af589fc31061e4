/**
 * The demo's `report.html`: one self-contained file (no script, no external resource) with the
 * incident's timeline, every alert fired and resolved, the explained exemplar trace and the
 * budgets' final compliance.
 */
import type { AlertEvent } from "../evaluate/index.js";
import type { Phase } from "./timeline.js";
import { clock, type BudgetRow } from "./ui.js";

export interface DemoReportData {
  generatedAt: string;
  durationMs: number;
  phases: readonly Phase[];
  alerts: ReadonlyArray<{ elapsedMs: number; event: AlertEvent }>;
  budgets: readonly BudgetRow[];
  /** Plain-text lines (no colour). */
  exemplar?: string[];
  recommendations: readonly string[];
  stats: { requests: number; spansSent: number; spansReceived: number; tracesAttributed: number };
  /** Where alerts went besides the terminal, e.g. `NATS pbe.alert.>`. */
  natsNote: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde3;padding-bottom:.25rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
th{background:#f4f6f8}.ok{color:#1a7f37}.violated{color:#cf222e;font-weight:600}.no-data{color:#6e7781}
.firing{color:#cf222e;font-weight:600}.resolved{color:#1a7f37;font-weight:600}pre{background:#f6f8fa;padding:.75rem;overflow-x:auto}
.muted{color:#6e7781}.bar{display:inline-block;height:.6rem;background:#1a7f37;vertical-align:middle}.bar.over{background:#cf222e}`;

/** The incident section: phases, alerts, exemplar; usable alone or inside a larger report. */
export function renderIncidentSection(d: DemoReportData): string {
  const phases = d.phases
    .map((p) => `<tr><td>${clock(p.fromMs)}–${clock(p.toMs)}</td><td>${escapeHtml(p.title)}</td></tr>`)
    .join("");
  const alerts =
    d.alerts.length === 0
      ? `<p class="muted">No alert fired.</p>`
      : `<table><tr><th>at</th><th>state</th><th>budget</th><th>summary</th><th>top components</th><th>incident</th></tr>${d.alerts
          .map(
            ({ elapsedMs, event: e }) =>
              `<tr><td>${clock(elapsedMs)}</td><td class="${e.state}">${e.state.toUpperCase()}</td><td>${escapeHtml(e.budgetId)}</td><td>${escapeHtml(e.summary)}</td>` +
              `<td>${escapeHtml(e.topComponents.slice(0, 3).map((c) => `${c.component} ${Math.round(c.share * 100)} %`).join(", "))}</td><td class="muted">${escapeHtml(e.id)}</td></tr>`,
          )
          .join("")}</table>`;
  const exemplar = d.exemplar ? `<h2>Exemplar trace</h2><pre>${escapeHtml(d.exemplar.join("\n"))}</pre>` : "";
  return (
    `<section id="demo-incident"><h2>The demo's incident</h2><table><tr><th>time</th><th>phase</th></tr>${phases}</table>` +
    `<h2>Alerts (${d.alerts.filter((a) => a.event.state === "firing").length} fired, ${d.alerts.filter((a) => a.event.state === "resolved").length} resolved)</h2>` +
    `<p class="muted">${escapeHtml(d.natsNote)}</p>${alerts}${exemplar}</section>`
  );
}

/** A complete report written by the demo itself. */
export function renderDemoReport(d: DemoReportData): string {
  const rows = d.budgets
    .map((b) => {
      const usage = b.usage === null ? "–" : `${Math.round(b.usage * 100)} % <span class="bar${b.usage > 1 ? " over" : ""}" style="width:${Math.min(120, Math.round(b.usage * 60))}px"></span>`;
      return `<tr><td>${escapeHtml(b.id)}</td><td>${escapeHtml(b.service)}</td><td class="${b.status}">${b.status}</td><td>${escapeHtml(b.observed)}</td><td>${escapeHtml(b.threshold)}</td><td>${usage}</td><td>${b.burn === null ? "–" : `${b.burn.toFixed(1)}×`}</td></tr>`;
    })
    .join("");
  const recs = d.recommendations.length === 0 ? "" : `<h2>Recommendations</h2><ul>${d.recommendations.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ul>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PBE demo report</title><style>${CSS}</style></head><body>
<h1>Performance Budget Engine: demo report</h1>
<p class="muted">Generated ${escapeHtml(d.generatedAt)} · ${clock(d.durationMs)} of simulated shop traffic · ${d.stats.requests} requests · ${d.stats.spansReceived} spans received · ${d.stats.tracesAttributed} traces attributed</p>
<h2>Budgets at the end</h2><table><tr><th>budget</th><th>service</th><th>status</th><th>observed</th><th>threshold</th><th>usage</th><th>burn</th></tr>${rows}</table>
${renderIncidentSection(d)}${recs}
</body></html>
`;
}
