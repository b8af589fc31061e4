/**
 * The Markdown report: the HTML report's sections as tables. Every string from the data goes
 * through {@link escapeMarkdown} (`|`, Markdown syntax, raw HTML and line breaks are neutralised).
 */
import { formatDurationMs } from "../units/index.js";
import { escapeMarkdown as md } from "./escape.js";
import { STATUS_TEXT, burnWindowText, dateTimeText, evidenceNumber, percentText, rateText, scopeText, trendText, valueText } from "./format.js";
import type { ReportBudget, ReportData, ReportService } from "./types.js";

function table(head: string[], rows: string[][], align: Array<"l" | "r"> = []): string {
  const sep = head.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

const ms = (v: number) => formatDurationMs(Number(v.toPrecision(3)));

export function renderMarkdown(data: ReportData): string {
  const scope = data.scope.service === undefined ? "all services" : data.scope.service;
  const out: string[] = [];
  out.push(`# Performance budget report`);
  out.push(`Scope: **${md(scope)}** · Generated ${md(dateTimeText(data.generatedAtMs))} · ${md(data.engine.name)} ${md(data.engine.version)}`);
  const s = data.summary;
  out.push(`## Summary`);
  out.push(table(["Services", "Budgets", "Violated", "OK", "No data", "Recommendations"], [[s.services, s.budgets, s.violated, s.ok, s.noData, s.recommendations].map(String)], ["r", "r", "r", "r", "r", "r"]));

  out.push(`## Compliance`);
  const rows = data.services.flatMap((svc) =>
    svc.budgets.map((b) => {
      const ev = b.evaluation;
      const scopeCell = scopeText(b);
      return [
        md(svc.service),
        `${md(b.budgetId)}${b.title ? ` (${md(b.title)})` : ""}`,
        md(b.measure) + (scopeCell ? ` (${md(scopeCell)})` : ""),
        STATUS_TEXT[ev.status],
        md(valueText(b, ev.observed)),
        md(valueText(b, ev.threshold)),
        md(percentText(ev.usage)),
        ev.errorBudgetRemaining === undefined ? "—" : md(percentText(ev.errorBudgetRemaining)),
        burnText(b),
        md(ev.window),
      ];
    }),
  );
  out.push(
    rows.length === 0
      ? "No budgets."
      : table(["Service", "Budget", "Measure", "Status", "Observed", "Threshold", "Usage", "Error budget left", "Burn rates (long / short, factor)", "Window"], rows, ["l", "l", "l", "l", "r", "r", "r", "r", "l", "r"]),
  );
  if (data.services.length === 0) out.push("No budgets and no traces yet.");
  for (const svc of data.services) out.push(serviceMarkdown(data, svc));
  return out.join("\n\n") + "\n";
}

function burnText(b: ReportBudget): string {
  const rates = b.evaluation.burnRates;
  if (!rates || rates.length === 0) return "—";
  return rates.map((r) => `${md(burnWindowText(r))}: ${md(rateText(r.longRate))} / ${md(rateText(r.shortRate))} (${md(rateText(r.factor))})${r.alerting ? " **alerting**" : ""}`).join("<br>");
}

function serviceMarkdown(data: ReportData, svc: ReportService): string {
  const out: string[] = [`## Service ${md(svc.service)}`];
  out.push(svc.lastSeen ? `Last trace ${md(dateTimeText(Date.parse(svc.lastSeen)))}.` : "No trace has shown this service yet.");

  out.push(`### Budgets over time`);
  if (svc.budgets.length === 0) out.push("No budgets for this service.");
  else {
    out.push(
      table(
        ["Budget", "Windows", "Latest", "Min", "Max", "Threshold", "Trend and forecast"],
        svc.budgets.map((b) => {
          const values = b.history.points.map((p) => p.observed).filter((v): v is number => v !== null);
          const latest = values.length ? values[values.length - 1] : null;
          return [
            md(b.budgetId),
            `${values.length} × ${b.history.resolution === "minutes" ? "1m" : md(formatDurationMs(b.history.stepMs))}`,
            md(valueText(b, latest)),
            md(valueText(b, values.length ? Math.min(...values) : null)),
            md(valueText(b, values.length ? Math.max(...values) : null)),
            md(valueText(b, b.evaluation.threshold)),
            md(trendText(b, data.generatedAtMs)),
          ];
        }),
        ["l", "r", "r", "r", "r", "r", "l"],
      ),
    );
    const burning = svc.budgets.filter((b) => b.evaluation.burnRates && b.evaluation.burnRates.length > 0);
    if (burning.length > 0) {
      out.push(`### Burn rates`);
      out.push(
        table(
          ["Budget", "Long window", "Short window", "Factor", "Long rate", "Short rate", "Alerting"],
          burning.flatMap((b) =>
            b.evaluation.burnRates!.map((r) => [
              md(b.budgetId),
              md(formatDurationMs(r.longWindowMs)),
              md(formatDurationMs(r.shortWindowMs)),
              md(rateText(r.factor)),
              md(rateText(r.longRate)),
              md(rateText(r.shortRate)),
              r.alerting ? "**yes**" : "no",
            ]),
          ),
          ["l", "r", "r", "r", "r", "r", "l"],
        ),
      );
    }
  }

  out.push(`### Attributed latency by journey`);
  if (svc.journeys.length === 0) out.push("No attributed traces rooted at this service among the recent ones.");
  for (const j of svc.journeys) {
    out.push(`**${md(j.operation)}**: mean ${md(ms(j.meanDurationMs))} over ${j.traces} recent ${j.traces === 1 ? "trace" : "traces"} (processing ${md(ms(j.meanProcessingMs))}, network ${md(ms(j.meanNetworkMs))})`);
    out.push(
      table(
        ["Component or edge", "Category", "Mean", "Share"],
        j.segments.map((seg) => [md(seg.name), seg.category, md(ms(seg.meanMs)), md(percentText(j.meanDurationMs > 0 ? seg.meanMs / j.meanDurationMs : null))]),
        ["l", "l", "r", "r"],
      ),
    );
  }
  if (svc.journeysOmitted > 0) out.push(`${svc.journeysOmitted} more journeys with fewer traces not shown.`);

  out.push(`### Recommendations`);
  if (!data.recommendationsAvailable) out.push("Recommendations are not available from this engine.");
  else if (svc.recommendations.length === 0) out.push("No recommendations for this service.");
  else {
    out.push(
      table(
        ["Severity", "Kind", "Budget / journey", "Title", "Message", "Evidence"],
        svc.recommendations.map((r) => [md(r.severity ?? ""), md(r.kind ?? ""), [r.budgetId, r.operation].filter((x) => x !== undefined).map(md).join(" · ") || "—", md(r.title ?? ""), md(r.message ?? ""), md(evidenceText(r.evidence)) + (r.proposal !== undefined ? `; proposal: ${md(evidenceText(r.proposal))}` : "")]),
      ),
    );
  }
  return out.join("\n\n");
}

/** Evidence as one line: `key: value; key: value`, nested objects in braces. */
function evidenceText(v: unknown, depth = 0, key?: string): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return evidenceNumber(key, v);
  if (typeof v !== "object") return String(v);
  if (depth >= 3) return "…";
  if (Array.isArray(v)) return `[${v.slice(0, 20).map((x) => evidenceText(x, depth + 1, key)).join(", ")}${v.length > 20 ? ", …" : ""}]`;
  const inner = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${evidenceText(x, depth + 1, k)}`).join("; ");
  return depth === 0 ? inner : `{${inner}}`;
}
