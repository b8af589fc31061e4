// GET /api/v1/report and the live page through the real API server (createApiServer + Router,
// port 0) over in-memory engine parts: a tracker fed with attributions, the ring and catalogue.
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router, createApiServer, type Route } from "../../../src/api/index.js";
import { reportFileName, reportRoutes } from "../../../src/api/routes-report.js";
import { AttributionRing, Catalogue, type Engine } from "../../../src/engine/index.js";
import { silentLogger } from "../../../src/log/index.js";
import { BudgetRegistry, MemoryBudgetPersistence } from "../../../src/registry/index.js";
import { LIVE_SCRIPT, type ReportData } from "../../../src/report/index.js";
import { makeAttribution, setup, T0 } from "../evaluate/helpers.js";

const EVIL = `<script>alert("x")</script>`;
const TOKEN = "s3cret-token";
const servers: Server[] = [];

async function start(opts: { tokens?: boolean; recommendations?: boolean } = {}): Promise<string> {
  const { tables, tracker } = setup([], { baseMs: 1000 });
  const registry = new BudgetRegistry(new MemoryBudgetPersistence(), { currency: "USD", now: () => T0 });
  registry.onChange((b) => tracker.setBudgets(b));
  registry.loadFile(
    "budgets.yaml",
    `budgets:
  - { id: evil-p99, type: latency.total, service: ${JSON.stringify(EVIL)}, quantile: 0.99, threshold: 100ms, window: 10s, target: 0.99 }
  - { id: shop-p99, type: latency.total, service: shop, operation: "GET /", quantile: 0.99, threshold: 100ms, window: 10s }
`,
  );
  const ring = new AttributionRing(100);
  const catalogue = new Catalogue();
  for (let i = 0; i < 20; i++) {
    for (const service of [EVIL, "shop"]) {
      const a = makeAttribution(tables, { service, operation: "GET /", components: { [service]: 40 + i, db: 10 }, edges: { [`${service}->db`]: 5 } });
      tracker.onTrace(a, T0 + i * 500);
      ring.add(a);
      catalogue.observe(a, T0 + i * 500);
    }
  }
  const engine = { ring, catalogue, tables } as unknown as Engine;
  const router = new Router();
  if (opts.recommendations) {
    const recs: Route = {
      method: "GET",
      path: "/api/v1/services/:service/recommendations",
      handle: ({ params }) => ({ body: { service: params.service, recommendations: [{ kind: "n-plus-one", severity: "warning", service: params.service, title: `fix ${params.service}`, message: "m", evidence: { queries: 12 } }] } }),
    };
    router.add(recs);
  }
  router.add(...reportRoutes({ engine, tracker, registry, now: () => T0 + 10_000, forecastHorizonMs: 3_600_000, authRequired: opts.tokens === true, router, version: "1.2.3" }));
  const server = createApiServer({ router, logger: silentLogger(), tokens: opts.tokens ? [{ token: TOKEN, role: "read" }] : [], maxBodyBytes: 1024 });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let open: string;
let locked: string;
let withRecs: string;
beforeAll(async () => {
  [open, locked, withRecs] = await Promise.all([start(), start({ tokens: true }), start({ recommendations: true })]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe("GET /api/v1/report", () => {
  it("HTML by default: inline, with a file name, a CSP and the data of every service", async () => {
    const res = await fetch(`${open}/api/v1/report`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`inline; filename="pbe-report-${new Date(T0 + 10_000).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.html"`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain(EVIL);
    expect(html).toContain(`<span class="service-name">shop</span>`);
    expect(html).toContain("Engine 1.2.3");
    expect(html).toContain("Recommendations are not available from this engine.");
  });

  it("Markdown and JSON; a service scope; a fragment for the live page", async () => {
    const md = await fetch(`${open}/api/v1/report?format=md&service=shop`);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.headers.get("content-disposition")).toMatch(/^inline; filename="pbe-report-shop-\d{8}T\d{6}Z\.md"$/);
    const text = await md.text();
    expect(text).toContain("## Service shop");
    expect(text).not.toContain("alert");
    const json = await fetch(`${open}/api/v1/report?format=json&service=${encodeURIComponent(EVIL)}`);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-disposition")).toMatch(/filename="pbe-report-_script_alert__x____script_-\d{8}T\d{6}Z\.json"/);
    const data = (await json.json()) as ReportData;
    expect(data.scope).toEqual({ service: EVIL });
    expect(data.services.map((s) => s.service)).toEqual([EVIL]);
    expect(data.services[0].budgets[0]).toMatchObject({ budgetId: "evil-p99", evaluation: { status: "ok", observed: 74, threshold: 100 } });
    expect(data.services[0].journeys[0]).toMatchObject({ operation: "GET /", traces: 20 });
    const fragment = await (await fetch(`${open}/api/v1/report?fragment=1`)).text();
    expect(fragment.startsWith(`<header class="report-header">`)).toBe(true);
  });

  it("unknown service: 404 with a JSON error; unknown format: 400", async () => {
    const r404 = await fetch(`${open}/api/v1/report?service=nope`);
    expect(r404.status).toBe(404);
    expect(r404.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(((await r404.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "not_found", message: expect.stringContaining(`unknown service "nope"`) });
    const r400 = await fetch(`${open}/api/v1/report?format=pdf`);
    expect(r400.status).toBe(400);
    expect(((await r400.json()) as { error: { code: string } }).error.code).toBe("invalid_argument");
  });

  it("includes the recommendations route's answers when the engine has that route", async () => {
    const data = (await (await fetch(`${withRecs}/api/v1/report?format=json`)).json()) as ReportData;
    expect(data.recommendationsAvailable).toBe(true);
    expect(data.services.find((s) => s.service === "shop")!.recommendations).toEqual([{ kind: "n-plus-one", severity: "warning", service: "shop", title: "fix shop", message: "m", evidence: { queries: 12 } }]);
    const html = await (await fetch(`${withRecs}/api/v1/report`)).text();
    expect(html).toContain(`<h4>fix &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</h4>`);
  });

  it("with tokens: 401 without one, 200 with a read token", async () => {
    const no = await fetch(`${locked}/api/v1/report`);
    expect(no.status).toBe(401);
    const yes = await fetch(`${locked}/api/v1/report?format=json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(yes.status).toBe(200);
  });
});

describe("GET / (the live page)", () => {
  it("without tokens: the report's views inline, the refresh script allowed by its hash only", async () => {
    const res = await fetch(`${open}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    const hash = createHash("sha256").update(LIVE_SCRIPT).digest("base64");
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain(`<script>${LIVE_SCRIPT}</script>`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`data-auth="open"`);
    expect(html).toContain(`<span class="service-name">shop</span>`);
    expect(html).not.toContain(EVIL);
  });

  it("with tokens: public, but the shell carries no data and asks for a token", async () => {
    const res = await fetch(`${locked}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-auth="required"`);
    expect(html).not.toContain("shop");
    expect(html).not.toContain(`<span class="service-name">`);
    expect(html).not.toContain("Compliance");
    expect(html).toContain(`<form class="token-form" id="token-form" hidden`);
  });

  it("the script is a constant: no data, no string concatenated into markup", () => {
    expect(LIVE_SCRIPT).not.toMatch(/\$\{/);
    expect(LIVE_SCRIPT).toContain("/api/v1/report?format=html&fragment=1");
    expect(LIVE_SCRIPT).toContain("sessionStorage");
    expect(LIVE_SCRIPT).not.toMatch(/prompt\(|alert\(|confirm\(|document\.write|eval\(/);
    expect(LIVE_SCRIPT).toMatch(/status\.textContent = text/);
  });
});

describe("reportFileName", () => {
  it("keeps only safe characters", () => {
    expect(reportFileName(`a"b\r\nc/../d`, Date.UTC(2025, 0, 31, 12, 0, 5), "html")).toBe("pbe-report-a_b__c_.._d-20250131T120005Z.html");
    expect(reportFileName(undefined, Date.UTC(2025, 0, 31, 12, 0, 5, 999), "md")).toBe("pbe-report-20250131T120005Z.md");
  });
});
