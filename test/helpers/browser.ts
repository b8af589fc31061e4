/**
 * Headless Chromium for the report tests: Debian's `/usr/bin/chromium` (or `PBE_CHROMIUM`)
 * driven by playwright-core, with a fresh user-data dir per launch. Pages record console errors,
 * uncaught page errors, failed requests and dialogs (an `alert()` from an injected script would
 * show up there; dialogs are dismissed so nothing blocks).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.PBE_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dirname, "../.artifacts");

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  failedRequests: string[];
  /** Every request URL the page made. */
  requests: string[];
}

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "pbe-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const watched: WatchedPage = { page, consoleErrors: [], pageErrors: [], dialogs: [], failedRequests: [], requests: [] };
      page.on("console", (m) => {
        if (m.type() === "error") watched.consoleErrors.push(m.text());
      });
      page.on("pageerror", (e) => watched.pageErrors.push(e.message));
      page.on("dialog", (d) => {
        watched.dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
      page.on("request", (r) => watched.requests.push(r.url()));
      page.on("requestfailed", (r) => watched.failedRequests.push(`${r.url()}: ${r.failure()?.errorText ?? "failed"}`));
      return watched;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
