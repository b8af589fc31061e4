/**
 * The demo's `report.html`: the engine's own report (`GET /api/v1/report?format=html`: compliance,
 * charts, attributed latency, recommendations) with the demo's incident added after its summary:
 * the timeline, every alert fired and resolved, and the explained exemplar trace. When the
 * engine's report cannot be had, a smaller self-contained report of the demo's own data. Either
 * is one file with no script and no external resource.
 */
import type { AlertEvent } from "../evaluate/index.js";
import { escapeHtml } from "../report/index.js";
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

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d232b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde3;padding-bottom:.25rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
th{background:#f4f6f8}.ok{color:#1a7f37}.violated{color:#cf222e;font-weight:600}.no-data{color:#6e7781}
.firing{color:#cf222e;font-weight:600}.resolved{color:#1a7f37;font-weight:600}pre{background:#f6f8fa;padding:.75rem;overflow-x:auto}
.muted{color:#6e7781}.bar{display:inline-block;height:.6rem;background:#1a7f37;vertical-align:middle}.bar.over{background:#cf222e}`;

const SECTION_CSS = `#demo-incident pre{background:#f6f8fa;border:1px solid #d8dde3;border-radius:8px;padding:12px;overflow-x:auto;font-size:12px;line-height:1.4}
#demo-incident td.when{white-space:nowrap;font-variant-numeric:tabular-nums}#demo-incident .incident-id{color:#6e7781;font-size:11px}`;

/** The incident as a section in the engine report's own markup (its tables and badges). */
export function incidentSection(d: DemoReportData): string {
  const fired = d.alerts.filter((a) => a.event.state === "firing").length;
  const resolved = d.alerts.filter((a) => a.event.state === "resolved").length;
  const phases = d.phases.map((p) => `<tr><td class="when">${clock(p.fromMs)}–${clock(p.toMs)}</td><td>${escapeHtml(p.title)}</td></tr>`).join("");
  const alerts = d.alerts
    .map(({ elapsedMs, event: e }) => {
      const top = e.topComponents.slice(0, 3).map((c) => `${c.component} ${Math.round(c.share * 100)} %`).join(", ");
      const state = e.state === "firing" ? `<span class="badge violated">FIRING</span>` : `<span class="badge ok">RESOLVED</span>`;
      return `<tr><td class="when">${clock(elapsedMs)}</td><td>${state}</td><td>${escapeHtml(e.budgetId)}</td><td>${escapeHtml(e.summary)}</td><td>${escapeHtml(top || "—")}</td><td class="incident-id">${escapeHtml(e.id)}</td></tr>`;
    })
    .join("");
  return `<section id="demo-incident" aria-label="The demo's incident"><style>${SECTION_CSS}</style>
<h2>The demo's incident</h2>
<p class="note">${clock(d.durationMs)} of simulated shop traffic: ${d.stats.requests} requests, ${d.stats.spansReceived} spans received, ${d.stats.tracesAttributed} traces attributed. ${escapeHtml(d.natsNote)}</p>
<div class="table-wrap"><table><thead><tr><th>Time</th><th>Phase</th></tr></thead><tbody>${phases}</tbody></table></div>
<h2>Alerts: ${fired} fired, ${resolved} resolved</h2>
${
  d.alerts.length === 0
    ? `<p class="empty">No alert fired.</p>`
    : `<div class="table-wrap"><table class="demo-alerts"><thead><tr><th>At</th><th>State</th><th>Budget</th><th>Summary</th><th>Top components</th><th>Incident</th></tr></thead><tbody>${alerts}</tbody></table></div>`
}
${d.exemplar ? `<h2>Why was it slow? An exemplar trace</h2><pre>${escapeHtml(d.exemplar.join("\n"))}</pre>` : ""}
</section>`;
}

/**
 * The engine's HTML report with `section` added after its summary (else after its header, else
 * at the end of its body).
 */
export function withSection(reportHtml: string, section: string): string {
  const summary = reportHtml.indexOf('<section class="summary"');
  const summaryEnd = summary < 0 ? -1 : reportHtml.indexOf("</section>", summary);
  if (summaryEnd >= 0) return insertAt(reportHtml, summaryEnd + "</section>".length, section);
  const header = reportHtml.indexOf("</header>");
  if (header >= 0) return insertAt(reportHtml, header + "</header>".length, section);
  const body = reportHtml.lastIndexOf("</body>");
  return body >= 0 ? insertAt(reportHtml, body, section) : reportHtml + section;
}

function insertAt(s: string, at: number, insert: string): string {
  return `${s.slice(0, at)}\n${insert}\n${s.slice(at)}`;
}

/** The incident section of the fallback report: phases, alerts, exemplar. */
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

/** A complete report of the demo's own data, for when the engine's report cannot be had. */
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
