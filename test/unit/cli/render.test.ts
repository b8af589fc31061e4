// Text renderings shared by the CLI and the MCP tools (src/client/render.ts): tables, sparklines,
// bars, values with units, trends, and the compliance/track/attribution/budget views.
import { describe, expect, it } from "vitest";
import {
  ANSI,
  PLAIN,
  bar,
  rangeText,
  renderAttribution,
  renderBudgets,
  renderCompliance,
  renderRecommendations,
  renderTable,
  renderTrack,
  sparkline,
  summariseHistory,
  thresholdText,
  trendText,
  valueText,
  type AttributionJson,
  type ComplianceJson,
  type EvaluationJson,
  type TrackEntryJson,
} from "../../../src/client/index.js";

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\u001b\[\d+m/g, "");

describe("renderTable", () => {
  it("aligns columns (right for numbers), two spaces apart, no trailing spaces", () => {
    const out = renderTable(
      [{ header: "NAME" }, { header: "VALUE", align: "right" }, { header: "NOTE" }],
      [
        ["a", "1ms", ""],
        ["longer-name", "1200ms", "x"],
      ],
    );
    expect(out.split("\n")).toEqual(["NAME          VALUE  NOTE", "a               1ms", "longer-name  1200ms  x"]);
  });

  it("paints cells without changing the alignment", () => {
    const rows = [[{ text: "violated", paint: ANSI.red }, "9"], [{ text: "ok", paint: ANSI.green }, "10"]];
    const painted = renderTable([{ header: "STATUS" }, { header: "N", align: "right" }], rows, ANSI);
    expect(painted).toContain("\u001b[31mviolated\u001b[39m");
    expect(stripAnsi(painted)).toBe(renderTable([{ header: "STATUS" }, { header: "N", align: "right" }], [["violated", "9"], ["ok", "10"]]));
  });

  it("keeps every row on one line and counts unicode characters as one column", () => {
    const out = renderTable([{ header: "A" }, { header: "B" }], [["x\ny\u001b[2J", "▁▂█"], ["µs", "z"]]);
    const lines = out.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe("x y [2J  ▁▂█"); // the escape character itself is gone: no terminal control
    expect(lines[2]).toBe("µs       z");
  });
});

describe("sparkline", () => {
  it("scales values between their min and max over eight levels", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([10, 20])).toBe("▁█");
    expect(sparkline([2, 2, 2, 12])).toBe("▁▁▁█");
  });
  it("draws gaps for missing windows, a flat middle line for equal values, nothing for no values", () => {
    expect(sparkline([1, null, 3])).toBe("▁ █");
    expect(sparkline([5, 5, 5])).toBe("▄▄▄");
    expect(sparkline([null, null])).toBe("  ");
    expect(sparkline([])).toBe("");
  });
});

describe("bar, values and ranges", () => {
  it("draws bars in eighths of a cell", () => {
    expect(bar(1, 4)).toBe("████");
    expect(bar(0.5, 4)).toBe("██");
    expect(bar(0.5, 1)).toBe("▌");
    expect(bar(1 / 8, 1)).toBe("▏");
    expect(bar(0, 4)).toBe("");
    expect(bar(2, 2)).toBe("██");
    expect(bar(Number.NaN, 2)).toBe("");
  });
  it("formats values in their unit to 3 significant digits, — for none", () => {
    expect(valueText(123.456, "ms")).toBe("123ms");
    expect(valueText(1500, "ms")).toBe("1.5s");
    expect(valueText(12, "queries/trace")).toBe("12 queries/trace");
    expect(valueText(536870912, "bytes")).toBe("512MiB");
    expect(valueText(0.0023456, "USD")).toBe("$0.00235");
    expect(valueText(null, "ms")).toBe("—");
  });
  it("says a spaced unit once in a range", () => {
    expect(rangeText(2, 12, "queries/trace")).toBe("2–12 queries/trace");
    expect(rangeText(110, 130, "ms")).toBe("110ms–130ms");
    expect(rangeText(undefined, undefined, "ms")).toBe("—");
  });
});

describe("trendText", () => {
  const base = { n: 10, slopePerHour: 120 };
  it("names the status, the slope per hour and when the threshold is crossed", () => {
    expect(trendText({ ...base, status: "will-cross", inMs: 7_800_000 }, "ms", 500)).toBe("+120ms/h; crosses 500ms in 2h10m");
    expect(trendText({ ...base, status: "crossed" }, "ms", 500)).toBe("past 500ms (+120ms/h)");
    expect(trendText({ ...base, status: "improving", slopePerHour: -3 }, "queries/trace", 5)).toBe("improving (-3 queries/trace/h)");
    expect(trendText({ status: "not-within-horizon", slopePerHour: 0, n: 10 }, "ms", 500)).toBe("flat");
    expect(trendText({ status: "insufficient-data", slopePerHour: null, n: 1 }, "ms", 500)).toBe("not enough data");
    expect(trendText(undefined, "ms", 500)).toBe("—");
  });
});

function evaluation(over: Partial<EvaluationJson>): EvaluationJson {
  return {
    budgetId: "b",
    type: "latency.total",
    service: "shop",
    status: "ok",
    observed: 120,
    threshold: 500,
    unit: "ms",
    usage: 0.24,
    window: "5m",
    windowMs: 300_000,
    samples: 40,
    evaluatedAt: "2025-05-01T12:00:00.000Z",
    ...over,
  };
}

describe("renderCompliance", () => {
  it("heads with the violated count and lists each budget with units, usage, burn and drivers", () => {
    const c: ComplianceJson = {
      service: "shop",
      compliant: false,
      violated: 1,
      budgets: [
        evaluation({ budgetId: "shop-p99", burnRates: [{ longWindowMs: 1, shortWindowMs: 1, factor: 14.4, longRate: 0.5, shortRate: 0.25, alerting: false }], errorBudgetRemaining: 0.9 }),
        evaluation({
          budgetId: "shop-queries",
          type: "throughput.queries",
          status: "violated",
          observed: 12,
          threshold: 5,
          unit: "queries/trace",
          usage: 2.4,
          topComponents: [{ component: "postgresql", share: 0.62 }],
          exemplars: ["aa".repeat(16)],
        }),
        evaluation({ budgetId: "shop-cpu", type: "resource.cpu", status: "no-data", observed: null, usage: null, unit: "cores", threshold: 2 }),
      ],
    };
    const out = renderCompliance(c);
    expect(out.split("\n")[0]).toBe("shop: 1 of 3 budgets violated (1 without data)");
    expect(out).toMatch(/shop-p99\s+latency\.total\s+ok\s+120ms\s+500ms\s+24%\s+0\.5×\/0\.25×\s+90%\s+40\s+5m/);
    expect(out).toMatch(/shop-queries\s+throughput\.queries\s+violated\s+12 queries\/trace\s+5 queries\/trace\s+240%/);
    expect(out).toMatch(/shop-cpu\s+resource\.cpu\s+no-data\s+—\s+2 cores\s+—/);
    expect(out).toContain(`shop-queries: top postgresql 62%; exemplar traces ${"aa".repeat(16)}`);
  });
  it("says when nothing has data yet, and when all is well", () => {
    expect(renderCompliance({ service: "s", compliant: true, violated: 0, budgets: [evaluation({ status: "no-data", observed: null })] }).split("\n")[0]).toBe("s: no data yet for the budget");
    expect(renderCompliance({ service: "s", compliant: true, violated: 0, budgets: [evaluation({}), evaluation({ budgetId: "c" })] }).split("\n")[0]).toBe("s: 2 budgets within budget");
    expect(renderCompliance({ service: "s", compliant: true, violated: 0, budgets: [] })).toContain("no budgets");
  });
});

describe("track", () => {
  const entry = (minutes: (number | null)[], base: (number | null)[]): TrackEntryJson => ({
    budgetId: "q",
    evaluation: evaluation({ budgetId: "q", unit: "queries/trace", observed: 12, threshold: 5, usage: 2.4, status: "violated" }),
    history: {
      base: base.map((v, i) => ({ t: 1_000_000 + i * 10_000, observed: v, count: v === null ? 0 : 5 })),
      minutes: minutes.map((v, i) => ({ t: 1_000_000 + i * 60_000, observed: v, count: v === null ? 0 : 50 })),
      hours: [],
    },
    trend: { status: "crossed", slopePerHour: 30, n: 8 },
  });

  it("summarises the 1-minute history when three windows hold data, else the base windows", () => {
    const m = summariseHistory(entry([2, 2, null, 12], [1]), 3);
    expect(m).toMatchObject({ resolution: "1m", stepMs: 60_000, windows: 4, withData: 3, min: 2, max: 12, last: 12, recent: [2, null, 12] });
    expect(m.mean).toBeCloseTo(16 / 3, 4);
    const b = summariseHistory(entry([2, null], [2, 2, 12]));
    expect(b).toMatchObject({ resolution: "base", stepMs: 10_000, withData: 3, recent: [2, 2, 12] });
  });

  it("renders a sparkline, the range and the trend per budget", () => {
    const out = renderTrack({ service: "shop", at: "2025-05-01T12:00:00.000Z", budgets: [entry([], [2, 2, 2, 12])] }, PLAIN, 10);
    expect(out).toMatch(/q\s+violated\s+12 queries\/trace\s+5 queries\/trace\s+240%\s+▁▁▁█\s+2–12 queries\/trace\s+10s\s+past 5 queries\/trace \(\+30 queries\/trace\/h\)/);
  });
});

describe("renderAttribution", () => {
  const a: AttributionJson = {
    traceId: "ab".repeat(16),
    journey: { service: "frontend", operation: "POST /checkout" },
    durationNs: 120e6,
    processingNs: 110e6,
    networkNs: 10e6,
    components: { frontend: 60e6, payment: 50e6 },
    edges: { "frontend->payment": 10e6 },
    criticalPath: [
      { spanId: "1", service: "frontend", name: "POST /checkout", category: "processing", component: "frontend", startOffsetNs: 0, durationNs: 5e6 },
      { spanId: "2", service: "frontend", name: "POST pay", category: "network", edge: "frontend->payment", startOffsetNs: 5e6, durationNs: 5e6 },
      { spanId: "3", service: "payment", name: "POST /pay", category: "processing", component: "payment", startOffsetNs: 10e6, durationNs: 50e6 },
      { spanId: "2", service: "frontend", name: "POST pay", category: "network", edge: "frontend->payment", startOffsetNs: 60e6, durationNs: 5e6 },
      { spanId: "1", service: "frontend", name: "POST /checkout", category: "processing", component: "frontend", startOffsetNs: 65e6, durationNs: 55e6 },
    ],
    counts: { spans: 3, dbQueries: 0 },
  };
  it("shows totals, components and edges with shares and bars, and the critical path", () => {
    const out = renderAttribution(a);
    expect(out).toContain("total 120ms = processing 110ms (91.7%) + network 10ms (8.3%)");
    expect(out).toMatch(/frontend\s+60ms\s+50\.0%\s+█████$/m);
    expect(out).toMatch(/payment\s+50ms\s+41\.7%\s+████▏$/m);
    expect(out).toMatch(/frontend->payment\s+10ms\s+8\.3%\s+▉$/m);
    expect(out).toContain("Critical path (5 segments):");
    expect(out).toMatch(/^3\s+\+10ms\s+50ms\s+41\.7%\s+processing\s+payment\s+POST \/pay\s+payment$/m);
    expect(out).toContain("counts: spans 3");
  });
  it("cuts the critical path at maxSegments and says how many are left", () => {
    const out = renderAttribution(a, PLAIN, 2);
    expect(out).toContain("… 3 more segments");
    expect(out).not.toMatch(/^3\s/m);
  });
});

describe("budgets and recommendations", () => {
  it("shows thresholds as written with their per, and allocations", () => {
    expect(thresholdText({ id: "a", type: "latency.total", service: "s", threshold: 300 })).toBe("300ms");
    expect(thresholdText({ id: "a", type: "throughput.queries", service: "s", threshold: 5, per: "trace" })).toBe("5/trace");
    expect(thresholdText({ id: "a", type: "throughput.requests", service: "s", threshold: "100/s", per: "second" })).toBe("100/s");
    expect(thresholdText({ id: "a", type: "latency.component", service: "s", parent: "p", share: 0.4 })).toBe("40% of p");
    expect(thresholdText({ id: "a", type: "latency.component", service: "s", parent: "p", pool: "backends" })).toBe("pool backends of p");
    const out = renderBudgets([{ id: "checkout-p99", type: "latency.total", service: "frontend", operation: "POST /checkout", quantile: 0.99, threshold: "1.2s", window: "30d", source: "api" }]);
    expect(out.split("\n")[1]).toMatch(/^checkout-p99\s+latency\.total\s+frontend\s+POST \/checkout\s+p99\s+1\.2s\s+30d\s+api$/);
    expect(renderBudgets([])).toBe("no budgets");
  });
  it("lists recommendations with severity, evidence and proposal", () => {
    const out = renderRecommendations({
      service: "shop",
      at: "2025-05-01T12:00:00.000Z",
      recommendations: [
        { kind: "n-plus-one", severity: "warning", service: "shop", budgetId: "q", title: "N+1 queries", message: "12 queries per trace", evidence: { queriesPerTrace: 12, traceIds: ["a", "b"] }, proposal: { batch: true } },
      ],
    });
    expect(out).toContain("shop: 1 recommendation at 2025-05-01T12:00:00.000Z");
    expect(out).toContain("1. [warning] N+1 queries  (n-plus-one, budget q)");
    expect(out).toContain('   evidence: queriesPerTrace=12, traceIds=["a","b"]');
    expect(out).toContain("   proposal: batch=true");
    expect(renderRecommendations({ service: "s", at: "t", recommendations: [] })).toContain("no recommendations");
  });
});
