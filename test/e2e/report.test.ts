// Reports end to end: the real engine process with budgets for a normal service and for a service
// named `<script>alert(1)</script>` (with a hostile operation, title and label too), OTLP traffic,
// then the HTML report and the live page in headless Chromium: charts drawn, the compliance table
// filled, no console error, no dialog (an injected script would open one), the hostile names shown
// as text. The live page refreshes and works behind an API token. `pbe report` as a process
// writes a self-contained file. Screenshots go to test/.artifacts/.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactPath, chromiumAvailable, launchBrowser, type Browser, type WatchedPage } from "../helpers/browser.js";
import { buildTraceRequest, type SpanSpec } from "../helpers/otlp.js";
import { BIN, eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const EVIL = "<script>alert(1)</script>";
const EVIL_OP = "<img src=x onerror=alert(2)>";
const EVIL_TITLE = `"><svg onload=alert(3)>`;
const EVIL_LABEL = "<b onmouseover=alert(4)>x</b>";
const SHOP = `shop-${process.pid}`;
const TOKEN = "report-e2e-token";

const dir = mkdtempSync(join(tmpdir(), "pbe-report-e2e-"));
const budgets = join(dir, "budgets.yaml");
writeFileSync(
  budgets,
  `budgets:
  - id: evil-p99
    type: latency.total
    service: ${JSON.stringify(EVIL)}
    operation: ${JSON.stringify(EVIL_OP)}
    quantile: 0.99
    threshold: 150ms
    window: 10s
    target: 0.99
    title: ${JSON.stringify(EVIL_TITLE)}
    labels: { team: ${JSON.stringify(EVIL_LABEL)} }
  - { id: evil-network, type: latency.network, service: ${JSON.stringify(EVIL)}, quantile: 0.95, threshold: 50ms, window: 10s }
  - { id: shop-p99, type: latency.total, service: ${SHOP}, operation: GET /checkout, quantile: 0.99, threshold: 250ms, window: 10s, target: 0.99 }
  - { id: shop-payment, type: latency.component, service: ${SHOP}, operation: GET /checkout, component: payment, quantile: 0.95, threshold: 120ms, window: 10s }
  - { id: shop-queries, type: throughput.queries, per: trace, service: ${SHOP}, quantile: 0.9, threshold: 5, window: 10s }
`,
);
const BUDGET_COUNT = 5;
const ENGINE_ARGS = ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "200ms"];

let open: EngineProcess;
let locked: EngineProcess;
let browser: Browser | undefined;
let seq = 0;

/** A trace of `service`: root → payment over the network, a database call; `slowMs` more in payment. */
function trace(service: string, operation: string, slowMs: number): SpanSpec[] {
  const traceId = `rep-${process.pid}-${seq++}`;
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const ms = (v: number) => t0 + BigInt(Math.round(v * 1e6));
  return [
    { traceId, spanId: "root", service, name: operation, kind: "server", startNs: ms(0), endNs: ms(100 + slowMs) },
    { traceId, spanId: "pay-c", parent: "root", service, name: "POST pay", kind: "client", startNs: ms(5), endNs: ms(65 + slowMs) },
    { traceId, spanId: "pay-s", parent: "pay-c", service: "payment", name: "POST /pay", kind: "server", startNs: ms(12), endNs: ms(60 + slowMs) },
    { traceId, spanId: "db", parent: "root", service, name: "SELECT", kind: "client", startNs: ms(70 + slowMs), endNs: ms(85 + slowMs), attributes: { "db.system": "postgresql" } },
  ];
}

async function send(engine: EngineProcess, step: number): Promise<number> {
  const spans = [...trace(EVIL, EVIL_OP, 10), ...trace(SHOP, "GET /checkout", step * 2), ...trace(SHOP, "GET /cart", 0)];
  const res = await fetch(`http://127.0.0.1:${engine.ports.http}/v1/traces`, { method: "POST", body: buildTraceRequest(spans).protobuf, headers: { "content-type": "application/x-protobuf" } });
  await res.arrayBuffer();
  return res.status;
}

let step = 0;
/** Keeps traffic flowing to the open engine while the browser looks at it (the live page moves). */
let traffic: NodeJS.Timeout | undefined;

/** Traffic every 150 ms until the shop's p99 has at least `points` windows of history (and a trend). */
async function drive(engine: EngineProcess, points: number, headers: Record<string, string> = {}): Promise<void> {
  await eventually(
    async () => {
      for (let i = 0; i < 4; i++) {
        expect(await send(engine, step++)).toBe(200);
        await new Promise((r) => setTimeout(r, 150));
      }
      const r = await engine.get(`/api/v1/report?format=json&service=${encodeURIComponent(SHOP)}`, headers);
      const data = r.body as { services: { budgets: { budgetId: string; history: { points: { observed: number | null }[] }; trend?: { status: string } }[] }[] };
      const p99 = data.services?.[0]?.budgets.find((b) => b.budgetId === "shop-p99");
      const observed = p99?.history.points.filter((p) => p.observed !== null).length ?? 0;
      return observed >= points && p99?.trend && p99.trend.status !== "insufficient-data" ? true : undefined;
    },
    40_000,
    0,
  );
}

function clean(p: WatchedPage, allowed: RegExp[] = []): void {
  expect(p.consoleErrors.filter((e) => !allowed.some((a) => a.test(e)))).toEqual([]);
  expect(p.pageErrors).toEqual([]);
  expect(p.dialogs).toEqual([]);
}

/** The checks both views share: charts with paths, a filled compliance table, hostile names as text. */
async function checkViews(p: WatchedPage, scriptsAllowed: number): Promise<void> {
  const { page } = p;
  expect(await page.locator("svg.line-chart").count()).toBe(BUDGET_COUNT);
  expect(await page.locator("svg.line-chart path.observed").count()).toBeGreaterThanOrEqual(4);
  expect(await page.locator("svg.line-chart path.threshold").count()).toBe(BUDGET_COUNT);
  expect(await page.locator("svg.line-chart path.forecast").count()).toBeGreaterThanOrEqual(1);
  expect(await page.locator("svg.burn-chart").count()).toBe(2);
  expect(await page.locator("svg.stacked-chart rect.segment").count()).toBeGreaterThanOrEqual(6);
  expect(await page.locator("svg.chart > title").count()).toBe(await page.locator("svg.chart").count());
  expect(await page.locator("table.compliance tbody tr[class^='status-']").count()).toBe(BUDGET_COUNT);
  expect(await page.locator("table.compliance thead th").allTextContents()).toContain("Observed");
  // Hostile strings are text, nothing of them became an element.
  expect(await page.locator(".service-name", { hasText: EVIL }).count()).toBe(1);
  expect(await page.locator("table.compliance th[scope=rowgroup]", { hasText: EVIL }).count()).toBe(1);
  expect(await page.locator("h4", { hasText: EVIL_TITLE }).count()).toBe(1);
  expect(await page.locator(".label", { hasText: EVIL_LABEL }).count()).toBe(2); // table and card
  expect(await page.locator("table.journeys th[scope=row]", { hasText: EVIL_OP }).count()).toBe(1);
  const injected = {
    scripts: await page.locator("script").count(),
    imgs: await page.locator("img").count(),
    bold: await page.locator("b[onmouseover]").count(),
    svgOnload: await page.locator("svg[onload]").count(),
  };
  expect(injected).toEqual({ scripts: scriptsAllowed, imgs: 0, bold: 0, svgOnload: 0 });
}

beforeAll(async () => {
  [open, locked] = await Promise.all([startEngineProcess({ args: ENGINE_ARGS }), startEngineProcess({ args: ENGINE_ARGS, env: { PBE_API_TOKEN: TOKEN } })]);
  await Promise.all([drive(open, 4), drive(locked, 3, { authorization: `Bearer ${TOKEN}` })]);
  traffic = setInterval(() => void send(open, step++ % 60).catch(() => undefined), 300);
  if (chromiumAvailable()) browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  clearInterval(traffic);
  await browser?.close();
  await Promise.all([open?.stop(), locked?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("report in Chromium", () => {
  it("Chromium is installed (CI installs Debian's chromium)", () => {
    expect(chromiumAvailable()).toBe(true);
  });

  it("GET /api/v1/report?format=html: charts, compliance rows, hostile names as text, no console error, no dialog", async () => {
    const p = await browser!.newPage();
    const res = await p.page.goto(`${open.api}/api/v1/report?format=html`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    await checkViews(p, 0);
    await p.page.waitForTimeout(300); // let any injected handler fire
    clean(p);
    // Self-contained: the page asked for nothing but itself.
    expect(p.requests.filter((u) => !u.startsWith(`${open.api}/api/v1/report`) && !u.startsWith("data:"))).toEqual([]);
    await p.page.screenshot({ path: artifactPath("report.png"), fullPage: true });
    await p.page.close();
  });

  it("the live page at /: the same views, refreshed every 5 s", async () => {
    const p = await browser!.newPage();
    await p.page.goto(`${open.api}/`);
    await expect.poll(() => p.page.locator("#live-status").textContent(), { timeout: 15_000 }).toContain("updated");
    await checkViews(p, 1);
    const first = await p.page.locator("#generated-at").textContent();
    expect(first).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await expect.poll(() => p.page.locator("#generated-at").textContent(), { timeout: 12_000, interval: 250 }).not.toBe(first);
    const second = await p.page.locator("#generated-at").textContent();
    expect(Date.parse(second!.replace(" UTC", "Z").replace(" ", "T"))).toBeGreaterThan(Date.parse(first!.replace(" UTC", "Z").replace(" ", "T")));
    await checkViews(p, 1);
    clean(p);
    await p.page.screenshot({ path: artifactPath("live.png"), fullPage: true });
    await p.page.close();
  }, 40_000);

  it("with an API token: the page asks once (no dialog), keeps it for the tab, refreshes with it", async () => {
    const p = await browser!.newPage();
    await p.page.goto(`${locked.api}/`);
    await expect.poll(() => p.page.locator("#token-form").isVisible()).toBe(true);
    expect(await p.page.locator("svg.chart").count()).toBe(0); // no data before the token
    await p.page.fill("#token-input", TOKEN);
    await p.page.click("#token-form button[type=submit]");
    await expect.poll(() => p.page.locator("#live-status").textContent(), { timeout: 15_000 }).toContain("updated");
    expect(await p.page.locator("#token-form").isVisible()).toBe(false);
    await checkViews(p, 1);
    expect(await p.page.evaluate("sessionStorage.getItem('pbe.apiToken')")).toBe(TOKEN);
    // Reloading the tab does not ask again.
    await p.page.reload();
    await expect.poll(() => p.page.locator("#live-status").textContent(), { timeout: 15_000 }).toContain("updated");
    expect(await p.page.locator("#token-form").isVisible()).toBe(false);
    clean(p);
    await p.page.screenshot({ path: artifactPath("live-token.png"), fullPage: false });
    await p.page.close();
  }, 40_000);

  it("a wrong token is refused on the page, which asks again", async () => {
    const p = await browser!.newPage();
    await p.page.goto(`${locked.api}/`);
    await p.page.fill("#token-input", "wrong");
    await p.page.click("#token-form button[type=submit]");
    await expect.poll(() => p.page.locator("#token-error").textContent()).toBe("The engine refused that token.");
    expect(await p.page.locator("#token-form").isVisible()).toBe(true);
    expect(await p.page.evaluate("sessionStorage.getItem('pbe.apiToken')")).toBeNull();
    clean(p, [/status of 401/]);
    await p.page.close();
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "report", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PBE_API_TOKEN: "", PBE_ENGINE_URL: "", PBE_ENGINE: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("pbe report", () => {
  it("writes a self-contained HTML file from a running engine", async () => {
    const file = join(dir, "r.html");
    const r = await runCli(["--engine", open.api, "-o", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote the HTML report to ${file}`);
    const html = readFileSync(file, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(BUDGET_COUNT);
    expect(html).not.toMatch(/<script/i);
    // No resource from another host: every src/href is data: or a fragment.
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(refs.filter((u) => !u.startsWith("data:") && !u.startsWith("#"))).toEqual([]);
    expect(html).not.toMatch(/url\(\s*['"]?(https?:)?\/\//i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // Opened from disk, it loads nothing and runs nothing.
    if (browser) {
      const p = await browser.newPage();
      await p.page.goto(pathToFileURL(file).href);
      expect(await p.page.locator("svg.line-chart").count()).toBe(BUDGET_COUNT);
      expect(p.requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"))).toEqual([]);
      clean(p);
      await p.page.close();
    }
  });

  it("--service, --format md and --token against an engine with tokens; 404 for an unknown service", async () => {
    const file = join(dir, "shop.md");
    const r = await runCli(["--engine", locked.api, "--token", TOKEN, "--service", SHOP, "--format", "md", "-o", file]);
    expect(r.code).toBe(0);
    const md = readFileSync(file, "utf8");
    expect(md).toContain(`## Service ${SHOP}`);
    expect(md).not.toContain("alert(1)");
    const no = await runCli(["--engine", locked.api, "-o", join(dir, "x.html")]);
    expect(no.code).toBe(4);
    expect(no.stderr).toContain("missing bearer token");
    const unknown = await runCli(["--engine", open.api, "--service", "never-seen", "-o", join(dir, "y.html")]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('unknown service "never-seen"');
  });
});
