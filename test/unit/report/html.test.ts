import { describe, expect, it } from "vitest";
import { REPORT_CSP, renderHtml, renderReportBody, type ReportData } from "../../../src/report/index.js";
import { NOW, makeReport } from "./fixture.js";
import { outside, svgsOf } from "./svg.js";

const html = renderHtml(makeReport());

/** The text of the element with this id (tags stripped). */
function textOf(doc: string, re: RegExp): string {
  const m = re.exec(doc);
  if (!m) throw new Error(`no match for ${re}`);
  return m[1].replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

describe("renderHtml", () => {
  it("is one self-contained document: inline CSS, no script, no external resource, a CSP that forbids both", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, "&#39;")}">`);
    expect(REPORT_CSP).toContain("default-src 'none'");
    expect(REPORT_CSP).not.toContain("script-src");
  });

  it("has the sections: summary, compliance, per service budgets over time, journeys, recommendations", () => {
    expect(html).toContain(`aria-label="Summary"`);
    expect(html).toContain(`<h2 id="compliance-h">Compliance</h2>`);
    expect(html.match(/<h3>Budgets over time<\/h3>/g)).toHaveLength(2);
    expect(html.match(/<h3>Attributed latency by journey<\/h3>/g)).toHaveLength(2);
    expect(html.match(/<h3>Recommendations<\/h3>/g)).toHaveLength(2);
    expect(html).toContain(`Service <span class="service-name">checkout</span>`);
    expect(html).toContain(`Service <span class="service-name">inventory</span>`);
    expect(html).toContain(`<time id="generated-at" datetime="${new Date(NOW).toISOString()}">2025-01-31 12:00:00 UTC</time>`);
    expect(html).toContain("Engine 0.1.0");
  });

  it("summary cards count budgets by status", () => {
    const summary = textOf(html, /<section class="summary"[^>]*>([\s\S]*?)<\/section>/);
    expect(summary).toBe("2 Services 5 Budgets 1 Violated 3 OK 1 No data 2 Recommendations");
  });

  it("the compliance table: column headers, one row per budget grouped by service, values with units", () => {
    const table = /<table class="compliance">[\s\S]*?<\/table>/.exec(html)![0];
    const headers = [...table.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(["Budget", "Measure", "Status", "Observed", "Threshold", "Usage", "Error budget left", "Burn rate", "Window"]);
    expect(table.match(/<tr class="status-/g)).toHaveLength(5);
    expect([...table.matchAll(/<th scope="rowgroup"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(["checkout", "inventory"]);
    const row = (id: string) => textOf(table, new RegExp(`<tr class="status-[^"]+">\\s*<th scope="row"[^>]*><code>${id}</code>([\\s\\S]*?)</tr>`));
    // 412.3456 shown with 3 significant digits; usage 137 %; error budget -200 %; worst burn pair 1m/5s (7.5×/9× of 6×).
    expect(row("checkout-p99")).toBe("Checkout stays fast team=payments p99 latency POST /checkout Violated 412ms 300ms 137 % -200 % 7.5× / 9× 1m / 5s, alerts at 6× · 1 alerting 5m 480 samples");
    expect(row("queries-per-checkout")).toBe("p90 queries per trace OK 2 queries/trace 5 queries/trace 40 % — — 1m 90 samples");
    expect(row("inventory-cost")).toBe("resource cost No data — $0.40/hour — — — 1h 0 samples");
    // Violated first, as given; the usage bar is capped at 100 % of its width.
    expect(table).toContain(`<span class="usage over"><span class="bar"><span style="width:100%"></span></span>137 %</span>`);
    expect(table).toContain(`<span class="badge violated">Violated</span>`);
    expect(table).toContain(`<span class="badge no-data">No data</span>`);
  });

  it("draws a chart per budget with the observed path, the threshold line and the forecast, all inside the viewBox", () => {
    const svgs = svgsOf(html);
    // 5 budgets + 1 burn-rate chart + 1 journeys chart (one service has journeys).
    expect(svgs).toHaveLength(7);
    for (const svg of svgs) {
      expect(svg.title, svg.markup.slice(0, 120)).toBeTruthy();
      expect(svg.markup).toMatch(/role="img" aria-labelledby="[^"]+-t [^"]+-d"/);
      expect(outside(svg)).toEqual([]);
    }
    const line = svgs.filter((s) => s.markup.includes("line-chart"));
    expect(line).toHaveLength(5);
    const p99 = line.find((s) => s.title?.startsWith("checkout-p99:"))!;
    expect(p99.markup).toMatch(/<path class="observed" d="M[\d.]+ [\d.]+ (L[\d.]+ [\d.]+ ?)+M/); // broken at the window without data
    expect(p99.markup).toContain(`<path class="threshold"`);
    expect(p99.markup).toContain(`<path class="forecast"`);
    expect(p99.markup).toContain("threshold 300ms");
    expect(p99.markup).toMatch(/>600ms<\/text>/); // y axis up to 1.05 × the forecast end, on a 200ms grid
    // The no-data budget: an empty chart with a sentence.
    const cost = line.find((s) => s.title?.startsWith("inventory-cost:"))!;
    expect(cost.markup).toContain("No data in the recent windows");
    expect(cost.markup).not.toContain(`class="observed"`);
    // A count budget: bare numbers on the axis, the unit named once.
    const q = line.find((s) => s.title?.startsWith("queries-per-checkout:"))!;
    expect(q.markup).toContain(`>queries/trace</text>`);
    expect(q.markup).toContain("threshold 5 queries/trace");
  });

  it("forecast: the crossing marker when the crossing is within the drawn part, and the sentence says when", () => {
    const data = makeReport();
    const b = data.services[0].budgets[1];
    b.trend = { status: "will-cross", slopePerHour: 600, valueNow: 150, atMs: NOW + 5 * 60_000, inMs: 5 * 60_000, n: 11 };
    const out = renderHtml(data);
    const chart = svgsOf(out).find((s) => s.title?.startsWith("checkout-p99-component:"))!;
    expect(chart.markup).toContain(`<circle class="crossing"`);
    expect(out).toContain("rising 600ms/h; crosses the threshold in 5m (at 2025-01-31 12:05:00 UTC)");
    expect(outside(chart)).toEqual([]);
  });

  it("burn rates: a bar per window of each pair, relative to the alerting factor", () => {
    const burn = svgsOf(html).find((s) => s.markup.includes("burn-chart"))!;
    expect(burn.markup.match(/class="burn-long"/g)).toHaveLength(4);
    expect(burn.markup.match(/class="burn-short"/g)).toHaveLength(4);
    expect(burn.markup).toContain("7.5× / 9× alerting");
    expect(burn.markup).toContain("alerts at 14.4×");
    // Short rate 16.2 of 14.4 is past the factor line (the middle): x0 + bw/2 = 255.
    const short16 = /<rect class="burn-short" x="110" y="\d+" width="([\d.]+)"/.exec(burn.markup)!;
    expect(Number(short16[1])).toBeGreaterThan(145);
    // Budgets without a target say why there are no burn rates.
    expect(html).toContain("No burn rates: the budget has no SLO target.");
  });

  it("attributed latency: stacked segments per journey, network hatched, a legend naming every segment", () => {
    const stacked = svgsOf(html).find((s) => s.markup.includes("stacked-chart"))!;
    expect(stacked.markup.match(/class="segment segment-processing"/g)).toHaveLength(4);
    expect(stacked.markup.match(/class="segment segment-network"/g)).toHaveLength(3);
    expect(stacked.markup).toContain(`fill="url(#svc0-j-hatch)"`);
    expect(stacked.markup).toContain("payment (processing): 150ms, 60 %");
    expect(stacked.markup).toContain("checkout-&gt;payment (network): 15ms, 6 %");
    // The bar of the 250ms journey fills the bar area (620 wide from 230); the 40ms one is 40/250 of it.
    const widths = [...stacked.markup.matchAll(/class="segment[^"]*" x="[\d.]+" y="(\d+)" width="([\d.]+)"/g)];
    const rowWidth = (y: string) => widths.filter((w) => w[1] === y).reduce((s, w) => s + Number(w[2]), 0);
    expect(rowWidth("9")).toBeCloseTo(620, 0);
    expect(rowWidth("43")).toBeCloseTo((620 * 40) / 250, 0);
    const legend = textOf(html, /<ul class="legend"[^>]*>([\s\S]*?)<\/ul>/);
    expect(legend).toBe("payment component checkout component postgresql component checkout->payment network other network".replace("->", "-&gt;"));
    expect(html).toContain("3 more journeys with fewer traces not shown.");
  });

  it("recommendations with their evidence and proposal; a note when the engine offers none", () => {
    expect(html).toContain(`<span class="sev warning">warning</span><h4>payment drives the violations</h4>`);
    expect(html).toContain(`<span class="sev critical">critical</span><h4>N+1 queries</h4>`);
    expect(html).toContain("<dt>shareInViolations</dt><dd>0.61</dd>");
    expect(html).toContain("<dd>0af7651916cd43dd8448eb211c80319c, postgresql</dd>");
    expect(html).toMatch(/<h5>Proposal<\/h5><dl class="kv"><dt>threshold<\/dt><dd>250ms<\/dd><dt>rows<\/dt><dd><table class="mini"><thead><tr><th scope="col">component<\/th><th scope="col">share<\/th>/);
    expect(html).toContain("No recommendations for this service.");
    const none: ReportData = { ...makeReport(), recommendationsAvailable: false };
    none.services.forEach((s) => (s.recommendations = []));
    expect(renderHtml(none).match(/Recommendations are not available from this engine\./g)).toHaveLength(2);
  });

  it("evidence numbers are read by their unit suffix: times, durations, bytes", () => {
    const data = makeReport();
    data.services[0].recommendations[0].evidence = { atMs: Date.UTC(2025, 0, 31, 13), horizonMs: 604_800_000, selfNs: 12_500_000, heapBytes: 536_870_912, ratio: 0.123456789 };
    const out = renderHtml(data);
    expect(out).toContain("<dt>atMs</dt><dd>2025-01-31 13:00:00 UTC</dd><dt>horizonMs</dt><dd>7d</dd><dt>selfNs</dt><dd>12.5ms</dd><dt>heapBytes</dt><dd>512MiB</dd><dt>ratio</dt><dd>0.123457</dd>");
  });

  it("a fragment is the body only (for the live page), the same markup as in the document", () => {
    const data = makeReport();
    const fragment = renderHtml(data, { fragment: true });
    expect(fragment).toBe(renderReportBody(data));
    expect(fragment).not.toContain("<html");
    expect(fragment).not.toContain("<style>");
    expect(renderHtml(data)).toContain(fragment);
  });

  it("an engine with nothing yet: an empty table and a hint", () => {
    const empty: ReportData = { ...makeReport(), services: [], summary: { services: 0, budgets: 0, ok: 0, violated: 0, noData: 0, recommendations: 0 } };
    const out = renderHtml(empty);
    expect(out).toContain("No budgets and no traces yet.");
    expect(out).toContain(`<td colspan="9" class="note">No budgets.</td>`);
    expect(svgsOf(out)).toHaveLength(0);
  });

  it("is readable in print: a print stylesheet that keeps cards whole and colours exact", () => {
    expect(html).toMatch(/@media print\{[^]*break-inside:avoid|@media print\{[^]*print-color-adjust:exact/);
    expect(html).toContain("page-break-inside:avoid");
  });
});
