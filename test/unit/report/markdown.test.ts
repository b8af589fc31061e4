import { describe, expect, it } from "vitest";
import { renderJson, renderMarkdown, REPORT_SCHEMA, type ReportData } from "../../../src/report/index.js";
import { makeReport } from "./fixture.js";

const md = renderMarkdown(makeReport());

/** The rows (cells trimmed) of the table right after `heading`. */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split("\n");
  const at = lines.indexOf(heading);
  if (at < 0) throw new Error(`no heading ${heading}`);
  const start = lines.findIndex((l, i) => i > at && l.startsWith("|"));
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i].startsWith("|"); i++) rows.push(lines[i].slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  return rows;
}

describe("renderMarkdown", () => {
  it("has the same sections as the HTML report", () => {
    const headings = md.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# Performance budget report",
      "## Summary",
      "## Compliance",
      "## Service checkout",
      "### Budgets over time",
      "### Burn rates",
      "### Attributed latency by journey",
      "### Recommendations",
      "## Service inventory",
      "### Budgets over time",
      "### Attributed latency by journey",
      "### Recommendations",
    ]);
  });

  it("compliance: one row per budget with units, usage, error budget and burn rates", () => {
    const rows = tableAfter(md, "## Compliance");
    expect(rows[0]).toEqual(["Service", "Budget", "Measure", "Status", "Observed", "Threshold", "Usage", "Error budget left", "Burn rates (long / short, factor)", "Window"]);
    expect(rows[1]).toEqual(["---", "---", "---", "---", "---:", "---:", "---:", "---:", "---", "---:"]);
    expect(rows).toHaveLength(2 + 5);
    expect(rows[2].slice(0, 8)).toEqual(["checkout", "checkout-p99 (Checkout stays fast)", "p99 latency (POST /checkout)", "Violated", "412ms", "300ms", "137 %", "-200 %"]);
    expect(rows[2][8]).toContain("1m / 5s: 7.5× / 9× (6×) **alerting**");
    expect(rows[6]).toEqual(["inventory", "inventory-cost", "resource cost", "No data", "—", "$0.40/hour", "—", "—", "—", "1h"]);
  });

  it("budgets over time: window counts, latest/min/max and the trend sentence", () => {
    const rows = tableAfter(md, "### Budgets over time");
    expect(rows[2]).toEqual(["checkout-p99", "11 × 1m", "345ms", "180ms", "345ms", "300ms", "rising 900ms/h; the trend is past the threshold since 11:52:00 UTC"]);
    expect(rows[5]).toEqual(["queries-per-checkout", "2 × 10s", "2 queries/trace", "2 queries/trace", "2 queries/trace", "5 queries/trace", "not enough history for a trend (2 points)"]);
  });

  it("journeys: one table per journey with means and shares", () => {
    expect(md).toContain("**POST /checkout**: mean 250ms over 240 recent traces (processing 230ms, network 20ms)");
    const rows = tableAfter(md, "**POST /checkout**: mean 250ms over 240 recent traces (processing 230ms, network 20ms)");
    expect(rows.slice(2)).toEqual([
      ["payment", "processing", "150ms", "60 %"],
      ["checkout", "processing", "60ms", "24 %"],
      ["postgresql", "processing", "20ms", "8 %"],
      ["checkout->payment", "network", "15ms", "6 %"],
      ["other", "network", "5ms", "2 %"],
    ]);
  });

  it("recommendations with their evidence on one line", () => {
    const rows = tableAfter(md, "### Recommendations");
    expect(rows[2].slice(0, 5)).toEqual(["warning", "violation-driver", "checkout-p99 · POST /checkout", "payment drives the violations", "payment takes 61 % of the violating traces."]);
    expect(rows[2][5]).toBe("shareInViolations: 0.61; component: postgresql; traceIds: \\[0af7651916cd43dd8448eb211c80319c, postgresql\\]; proposal: threshold: 250ms; rows: \\[{component: postgresql; share: 0.5}\\]");
  });

  it("escapes | and line breaks in every cell", () => {
    const out = renderMarkdown(makeReport({ service: "a|b", operation: "GET /x\n| injected | row |", recMessage: "one\r\ntwo" }));
    expect(out).toContain("| a\\|b | checkout-p99");
    expect(out).toContain("p99 latency (GET /x \\| injected \\| row \\|)");
    expect(out).toContain("| one  two |");
    expect(out).not.toMatch(/^\| injected/m);
  });
});

describe("renderJson", () => {
  it("is the ReportData, round-tripping", () => {
    const data = makeReport();
    const back = JSON.parse(renderJson(data)) as ReportData;
    expect(back).toEqual(data);
    expect(back.schema).toBe(REPORT_SCHEMA);
    expect(renderJson(data).endsWith("}\n")).toBe(true);
  });
});
