/**
 * The HTML report: one self-contained document (inline CSS and SVG, no script, no external
 * resource; a Content-Security-Policy meta forbids scripts and remote loads as a second line of
 * defence). Every string from the data goes through {@link escapeHtml}; attribute values are
 * always double-quoted; ids and classes are the renderer's own.
 */
import { formatDurationMs } from "../units/index.js";
import { burnRateChart, forecastLine, lineChart, segmentColors, segmentKey, stackedBars } from "./charts.js";
import { escapeHtml } from "./escape.js";
import { STATUS_TEXT, axisText, burnWindowText, dateTimeText, evidenceNumber, percentText, rateText, scopeText, trendText, valueText } from "./format.js";
import { REPORT_CSS } from "./style.js";
import type { ReportBudget, ReportData, ReportJourney, ReportRecommendation, ReportService } from "./types.js";

/** The report document's policy: no script at all, nothing loaded from anywhere. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export interface HtmlOptions {
  /** Only the body content (header and sections), for the live page to swap in. */
  fragment?: boolean;
}

export function renderHtml(data: ReportData, opts: HtmlOptions = {}): string {
  const body = renderReportBody(data);
  if (opts.fragment) return body;
  const scope = data.scope.service === undefined ? "all services" : data.scope.service;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">
<meta name="generator" content="${escapeHtml(`${data.engine.name} ${data.engine.version}`)}">
<title>${escapeHtml(`Performance budget report: ${scope}, ${dateTimeText(data.generatedAtMs)}`)}</title>
<link rel="icon" href="data:,">
<style>${REPORT_CSS}</style>
</head>
<body>
<div class="page">
${body}
</div>
</body>
</html>
`;
}

/** The report's content: header, summary, compliance table, one section per service. */
export function renderReportBody(data: ReportData): string {
  const scope = data.scope.service === undefined ? "all services" : data.scope.service;
  const parts: string[] = [];
  parts.push(`<header class="report-header"><div><p class="eyebrow">${escapeHtml(data.engine.name)}</p><h1>Performance budget report</h1>
<p class="meta">Scope: <strong>${escapeHtml(scope)}</strong> · Generated <time id="generated-at" datetime="${escapeHtml(data.generatedAt)}">${escapeHtml(dateTimeText(data.generatedAtMs))}</time> · Engine ${escapeHtml(data.engine.version)}</p></div></header>`);
  parts.push(summary(data));
  parts.push(complianceTable(data));
  if (data.services.length === 0) {
    parts.push(`<p class="empty">No budgets and no traces yet. Define budgets (<code>pbe define -f budgets.yaml</code> or <code>--budgets FILE</code>) and send OTLP traces to the engine.</p>`);
  }
  data.services.forEach((s, i) => parts.push(serviceSection(data, s, i)));
  parts.push(
    `<footer class="report-footer">Observed values are the budgets' statistics over their windows; usage is observed / threshold (over 100 % is over budget). Burn rates compare the bad-event rate with the SLO target's allowance over the multi-window pairs (SRE workbook), scaled to the budget's window. Attributed latency is the mean over the most recent traces of each journey, split along the critical path. Forecasts extend the robust (Theil–Sen) trend; horizon ${escapeHtml(formatDurationMs(data.forecastHorizonMs))}.</footer>`,
  );
  return parts.join("\n");
}

function summary(data: ReportData): string {
  const s = data.summary;
  const stat = (cls: string, n: number, label: string) => `<div class="stat ${cls}"><span class="n">${n}</span><span class="l">${label}</span></div>`;
  return `<section class="summary" aria-label="Summary">${[
    stat("services", s.services, s.services === 1 ? "Service" : "Services"),
    stat("budgets", s.budgets, s.budgets === 1 ? "Budget" : "Budgets"),
    stat("violated", s.violated, "Violated"),
    stat("ok", s.ok, "OK"),
    stat("no-data", s.noData, "No data"),
    stat("stat-recs", s.recommendations, s.recommendations === 1 ? "Recommendation" : "Recommendations"),
  ].join("")}</section>`;
}

function badge(status: ReportBudget["evaluation"]["status"]): string {
  return `<span class="badge ${status}">${STATUS_TEXT[status]}</span>`;
}

function labelsHtml(b: ReportBudget): string {
  if (!b.labels) return "";
  const items = Object.entries(b.labels).map(([k, v]) => `<span class="label">${escapeHtml(k)}=${escapeHtml(v)}</span>`);
  return `<span class="labels">${items.join("")}</span>`;
}

function usageCell(b: ReportBudget): string {
  const u = b.evaluation.usage;
  if (u === null || !Number.isFinite(u)) return `<td class="num">—</td>`;
  const width = Math.round(Math.min(1, Math.max(0, u)) * 100);
  return `<td class="num"><span class="usage${u > 1 ? " over" : ""}"><span class="bar"><span style="width:${width}%"></span></span>${escapeHtml(percentText(u))}</span></td>`;
}

function burnCell(b: ReportBudget): string {
  const rates = b.evaluation.burnRates;
  if (!rates || rates.length === 0) return `<td>—</td>`;
  // The pair burning fastest relative to its alerting factor; every pair is in the budget's card.
  const worst = rates.reduce((w, r) => (Math.max(r.longRate, r.shortRate) / r.factor > Math.max(w.longRate, w.shortRate) / w.factor ? r : w));
  const alerting = rates.filter((r) => r.alerting).length;
  return `<td class="burn-cell${alerting > 0 ? " alerting" : ""}">${escapeHtml(rateText(worst.longRate))} / ${escapeHtml(rateText(worst.shortRate))}<span class="sub">${escapeHtml(burnWindowText(worst))}, alerts at ${escapeHtml(rateText(worst.factor))}${alerting > 0 ? ` · ${alerting} alerting` : ""}</span></td>`;
}

function complianceTable(data: ReportData): string {
  const groups = data.services
    .filter((s) => s.budgets.length > 0)
    .map((s, gi) => {
      const head = `<tr class="group"><th scope="rowgroup" colspan="9" id="cg${gi}">${escapeHtml(s.service)}</th></tr>`;
      const rows = s.budgets.map((b) => {
        const ev = b.evaluation;
        const scope = scopeText(b);
        return `<tr class="status-${ev.status}">
<th scope="row" headers="cg${gi}"><code>${escapeHtml(b.budgetId)}</code>${b.title ? `<span class="sub">${escapeHtml(b.title)}</span>` : ""}${labelsHtml(b)}</th>
<td>${escapeHtml(b.measure)}${scope ? `<span class="sub">${escapeHtml(scope)}</span>` : ""}</td>
<td>${badge(ev.status)}</td>
<td class="num">${escapeHtml(valueText(b, ev.observed))}</td>
<td class="num">${escapeHtml(valueText(b, ev.threshold))}</td>
${usageCell(b)}
<td class="num">${ev.errorBudgetRemaining === undefined ? "—" : escapeHtml(percentText(ev.errorBudgetRemaining))}</td>
${burnCell(b)}
<td class="num">${escapeHtml(ev.window)}<span class="sub">${ev.samples} ${ev.samples === 1 ? "sample" : "samples"}</span></td>
</tr>`;
      });
      return `<tbody>\n${head}\n${rows.join("\n")}\n</tbody>`;
    });
  const body = groups.length === 0 ? `<tbody><tr><td colspan="9" class="note">No budgets${data.scope.service === undefined ? "" : " for this service"}.</td></tr></tbody>` : groups.join("\n");
  return `<section id="compliance" aria-labelledby="compliance-h"><h2 id="compliance-h">Compliance</h2>
<div class="table-wrap"><table class="compliance">
<caption>Each budget at ${escapeHtml(dateTimeText(data.generatedAtMs))}, by service, violated first. Burn rate: the pair burning fastest relative to its alerting factor (long / short window).</caption>
<thead><tr><th scope="col">Budget</th><th scope="col">Measure</th><th scope="col">Status</th><th scope="col" class="num">Observed</th><th scope="col" class="num">Threshold</th><th scope="col" class="num">Usage</th><th scope="col" class="num">Error budget left</th><th scope="col">Burn rate</th><th scope="col" class="num">Window</th></tr></thead>
${body}
</table></div></section>`;
}

function serviceSection(data: ReportData, s: ReportService, index: number): string {
  const id = `svc${index}`;
  const parts: string[] = [];
  parts.push(`<section class="service" id="service-${index}" aria-labelledby="${id}-h"><h2 id="${id}-h">Service <span class="service-name">${escapeHtml(s.service)}</span></h2>`);
  parts.push(`<p class="seen">${s.lastSeen ? `Last trace ${escapeHtml(dateTimeText(Date.parse(s.lastSeen)))}` : "No trace has shown this service yet"} · ${s.budgets.length} ${s.budgets.length === 1 ? "budget" : "budgets"} · ${s.journeys.length + s.journeysOmitted} ${s.journeys.length + s.journeysOmitted === 1 ? "journey" : "journeys"}</p>`);

  parts.push(`<h3>Budgets over time</h3>`);
  if (s.budgets.length === 0) parts.push(`<p class="note">No budgets for this service.</p>`);
  else parts.push(`<div class="cards">${s.budgets.map((b, i) => budgetCard(data, b, `${id}-b${i}`)).join("\n")}</div>`);

  parts.push(`<h3>Attributed latency by journey</h3>`);
  parts.push(journeysPanel(s, `${id}-j`));

  parts.push(`<h3>Recommendations</h3>`);
  parts.push(recommendations(data, s));
  parts.push(`</section>`);
  return parts.join("\n");
}

function budgetCard(data: ReportData, b: ReportBudget, id: string): string {
  const ev = b.evaluation;
  const scope = scopeText(b);
  const points = b.history.points.map((p) => ({ t: p.t, v: p.observed }));
  const first = points.find((p) => p.v !== null)?.t;
  const span = first === undefined ? 0 : Math.max(0, data.generatedAtMs - first);
  const fc = forecastLine(b.trend, data.generatedAtMs, data.forecastHorizonMs, span, b.history.stepMs);
  const fmt = (v: number) => valueText(b, v);
  const title = `${b.budgetId}: ${b.measure} of ${b.service} over time`;
  const description = `Observed ${b.measure} per ${b.history.resolution === "minutes" ? "minute" : formatDurationMs(b.history.stepMs)} window (${points.filter((p) => p.v !== null).length} windows with data), threshold ${valueText(b, ev.threshold)}; ${trendText(b, data.generatedAtMs)}.`;
  const axisUnit = axisText(b, 1).unit;
  const chart = lineChart({
    idPrefix: id,
    title,
    description,
    points,
    stepMs: b.history.stepMs,
    threshold: ev.threshold,
    ...(fc ? { forecast: fc } : {}),
    nowMs: data.generatedAtMs,
    format: fmt,
    axisFormat: (v) => axisText(b, v).text,
    ...(axisUnit !== undefined ? { axisUnit } : {}),
  });
  const burn =
    ev.burnRates && ev.burnRates.length > 0
      ? burnRateChart({ idPrefix: `${id}-burn`, title: `${b.budgetId}: burn rates`, rates: ev.burnRates, windowText: burnWindowText })
      : `<p class="note">${b.target === undefined ? "No burn rates: the budget has no SLO target." : "No burn rates yet."}</p>`;
  return `<article class="card ${ev.status}" aria-labelledby="${id}-h">
<div class="card-head"><div><h4 id="${id}-h"><code>${escapeHtml(b.budgetId)}</code>${b.title ? ` · ${escapeHtml(b.title)}` : ""}</h4>
<p>${escapeHtml(b.measure)}${scope ? ` · ${escapeHtml(scope)}` : ""} · window ${escapeHtml(b.window)}${b.target !== undefined ? ` · target ${escapeHtml(percentText(b.target))}` : ""}</p>${labelsHtml(b)}${b.description ? `<p>${escapeHtml(b.description)}</p>` : ""}</div>${badge(ev.status)}</div>
<div class="figures"><span>Observed <b>${escapeHtml(valueText(b, ev.observed))}</b></span><span>Threshold <b>${escapeHtml(valueText(b, ev.threshold))}</b></span><span>Usage <b>${escapeHtml(percentText(ev.usage))}</b></span>${ev.errorBudgetRemaining !== undefined ? `<span>Error budget left <b>${escapeHtml(percentText(ev.errorBudgetRemaining))}</b></span>` : ""}</div>
<figure>${chart}<figcaption>${escapeHtml(trendText(b, data.generatedAtMs))}${fc ? " · dashed: forecast" : ""}</figcaption></figure>
<div class="burn"><h5>Burn rates</h5>${burn}</div>
</article>`;
}

function journeysPanel(s: ReportService, id: string): string {
  if (s.journeys.length === 0) return `<p class="note">No attributed traces rooted at this service among the recent ones.</p>`;
  const colors = segmentColors(s.journeys);
  const chart = stackedBars({
    idPrefix: id,
    title: `Attributed latency of the journeys of ${s.service}, by component and network edge`,
    journeys: s.journeys,
    colors,
    formatMs: (ms) => formatDurationMs(Number(ms.toPrecision(3))),
  });
  const seen = new Set<string>();
  const legend: string[] = [];
  for (const j of s.journeys) {
    for (const seg of j.segments) {
      const key = segmentKey(seg);
      if (seen.has(key)) continue;
      seen.add(key);
      const c = colors.get(key)!;
      legend.push(`<li><span class="swatch${c.hatched ? " hatched" : ""}" style="background-color:${c.color}"></span>${escapeHtml(seg.name)} <span class="cat">${seg.category === "network" ? "network" : "component"}</span></li>`);
    }
  }
  const rows = s.journeys.map(
    (j: ReportJourney) =>
      `<tr><th scope="row">${escapeHtml(j.operation)}</th><td class="num">${j.traces}</td><td class="num">${escapeHtml(ms(j.meanDurationMs))}</td><td class="num">${escapeHtml(ms(j.meanProcessingMs))}</td><td class="num">${escapeHtml(ms(j.meanNetworkMs))}</td><td>${escapeHtml(
        j.segments
          .slice()
          .sort((a, b) => b.meanMs - a.meanMs)
          .slice(0, 3)
          .map((x) => `${x.name} ${ms(x.meanMs)}`)
          .join(", "),
      )}</td></tr>`,
  );
  return `<div class="panel">${chart}
<ul class="legend" aria-label="Legend">${legend.join("")}</ul>
<table class="mini journeys"><caption>Means over the most recent traces of each journey; network edges are hatched.</caption><thead><tr><th scope="col">Journey</th><th scope="col" class="num">Traces</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Processing</th><th scope="col" class="num">Network</th><th scope="col">Largest</th></tr></thead><tbody>${rows.join("")}</tbody></table>
${s.journeysOmitted > 0 ? `<p class="note">${s.journeysOmitted} more ${s.journeysOmitted === 1 ? "journey" : "journeys"} with fewer traces not shown.</p>` : ""}</div>`;
}

function ms(v: number): string {
  return formatDurationMs(Number(v.toPrecision(3)));
}

function recommendations(data: ReportData, s: ReportService): string {
  if (!data.recommendationsAvailable) return `<p class="note">Recommendations are not available from this engine.</p>`;
  if (s.recommendations.length === 0) return `<p class="note">No recommendations for this service.</p>`;
  return `<div class="recs">${s.recommendations.map(recommendation).join("\n")}</div>`;
}

const SEVERITY_CLASSES = new Set(["critical", "high", "error", "warning", "medium", "info", "low"]);

function recommendation(r: ReportRecommendation): string {
  const sev = String(r.severity ?? "").toLowerCase();
  const cls = SEVERITY_CLASSES.has(sev) ? ` ${sev}` : "";
  return `<article class="rec">
<div class="rec-head"><span class="sev${cls}">${escapeHtml(r.severity ?? "")}</span><h4>${escapeHtml(r.title ?? "")}</h4><span class="kind">${escapeHtml(r.kind ?? "")}${r.budgetId !== undefined ? ` · budget <code>${escapeHtml(r.budgetId)}</code>` : ""}${r.operation !== undefined ? ` · ${escapeHtml(r.operation)}` : ""}</span></div>
<p>${escapeHtml(r.message ?? "")}</p>
${r.evidence !== undefined && r.evidence !== null ? `<div class="evidence"><h5>Evidence</h5>${valueHtml(r.evidence, 0)}</div>` : ""}
${r.proposal !== undefined && r.proposal !== null ? `<div class="evidence"><h5>Proposal</h5>${valueHtml(r.proposal, 0)}</div>` : ""}
</article>`;
}

/** Free-form evidence as HTML: scalars as text, objects as key/value lists, arrays of objects as tables. */
export function valueHtml(v: unknown, depth: number, key?: string): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return escapeHtml(evidenceNumber(key, v));
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return escapeHtml(String(v));
  if (depth >= 3) return `<code>${escapeHtml(safeJson(v))}</code>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return "—";
    const shown = v.slice(0, 20);
    const more = v.length > shown.length ? `<p class="note">${v.length - shown.length} more</p>` : "";
    if (shown.every((x) => x !== null && typeof x === "object" && !Array.isArray(x))) {
      const keys = [...new Set(shown.flatMap((x) => Object.keys(x as object)))].slice(0, 8);
      const head = keys.map((k) => `<th scope="col">${escapeHtml(k)}</th>`).join("");
      const rows = shown.map((x) => `<tr>${keys.map((k) => `<td>${valueHtml((x as Record<string, unknown>)[k], depth + 1, k)}</td>`).join("")}</tr>`).join("");
      return `<table class="mini"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${more}`;
    }
    return shown.map((x) => valueHtml(x, depth + 1, key)).join(", ") + more;
  }
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return "—";
    return `<dl class="kv">${entries.map(([k, x]) => `<dt>${escapeHtml(k)}</dt><dd>${valueHtml(x, depth + 1, k)}</dd>`).join("")}</dl>`;
  }
  return escapeHtml(String(v));
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? "";
  } catch {
    return String(v);
  }
}
