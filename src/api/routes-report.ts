import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine } from "../engine/index.js";
import { NotFoundError, PbeError } from "../errors/index.js";
import type { BudgetTracker } from "../evaluate/index.js";
import type { BudgetRegistry } from "../registry/index.js";
import {
  LIVE_SCRIPT,
  REPORT_CSP,
  REPORT_FORMATS,
  buildReportData,
  isReportFormat,
  liveCsp,
  renderHtml,
  renderJson,
  renderLivePage,
  renderMarkdown,
  renderReportBody,
  type ReportData,
  type ReportRecommendation,
  type TrackedBudget,
} from "../report/index.js";
import type { ApiResponse, RequestContext, Route, Router } from "./http.js";
import { trendOf } from "./routes-evaluation.js";

export interface ReportRoutesDeps {
  engine: Engine;
  tracker: BudgetTracker;
  registry: BudgetRegistry;
  now: () => number;
  forecastHorizonMs: number;
  /** API tokens are configured: the live page's shell then carries no data and asks for a token. */
  authRequired: boolean;
  /**
   * A service's recommendations (the shape of `GET …/recommendations`). When absent, the report
   * asks `router`'s `GET /api/v1/services/:service/recommendations` route in-process, if the
   * router has one; without either, reports say recommendations are not available.
   */
  recommendations?: (service: string, nowMs: number) => Promise<readonly unknown[]> | readonly unknown[];
  router?: Router;
  /** The engine's version (default: package.json's). */
  version?: string;
}

const RECOMMENDATIONS_PATH = (service: string) => `/api/v1/services/${encodeURIComponent(service)}/recommendations`;

/**
 * `GET /api/v1/report?service=&format=html|md|json[&fragment=1]` and the live page `GET /`.
 * The report is built per request from the engine's in-memory state: compliance and history
 * (`tracker.track`, which does not advance alert state), trends, recent attributions,
 * recommendations. An unknown `service` is a 404, an unknown `format` a 400.
 */
export function reportRoutes(deps: ReportRoutesDeps): Route[] {
  const version = deps.version ?? packageVersion();
  const liveScriptHash = createHash("sha256").update(LIVE_SCRIPT, "utf8").digest("base64");

  const knownService = (service: string) =>
    deps.registry.budgets().some((b) => b.service === service) || deps.engine.catalogue.hasService(deps.engine.tables.strings, service);

  async function build(service: string | undefined): Promise<ReportData> {
    const nowMs = deps.now();
    const budgets = deps.registry.budgets();
    const catalogue = deps.engine.catalogue.toJson(deps.engine.tables.strings);
    const services = new Set<string>();
    for (const b of budgets) if (service === undefined || b.service === service) services.add(b.service);
    for (const s of catalogue) if ((service === undefined || s.service === service) && s.journeys.length > 0) services.add(s.service);
    if (service !== undefined) services.add(service);
    const tracks: TrackedBudget[] = [];
    for (const s of services) {
      if (!budgets.some((b) => b.service === s)) continue;
      for (const t of deps.tracker.track(s, nowMs)) tracks.push({ ...t, trend: trendOf(t, deps.registry.get(t.budgetId)?.budget, nowMs, deps.forecastHorizonMs) });
    }
    const recommendations = await collectRecommendations([...services], nowMs);
    return buildReportData({
      nowMs,
      version,
      forecastHorizonMs: deps.forecastHorizonMs,
      ...(service !== undefined ? { service } : {}),
      budgets,
      catalogue,
      tracks,
      attributions: deps.engine.ring.values(),
      strings: deps.engine.tables.strings,
      ...(recommendations ? { recommendations } : {}),
    });
  }

  async function collectRecommendations(services: string[], nowMs: number): Promise<Map<string, ReportRecommendation[]> | undefined> {
    const source = deps.recommendations ?? viaRouter(deps.router);
    if (!source) return undefined;
    const out = new Map<string, ReportRecommendation[]>();
    for (const s of services) {
      try {
        const list = await source(s, nowMs);
        if (list === undefined) return undefined;
        out.set(s, list.map((r) => normaliseRecommendation(r, s)).filter((r): r is ReportRecommendation => r !== undefined));
      } catch {
        // A service the recommender does not know (e.g. budgets but no traces yet): none for it.
        out.set(s, []);
      }
    }
    return out;
  }

  return [
    {
      method: "GET",
      path: "/api/v1/report",
      handle: async ({ url }): Promise<ApiResponse> => {
        const format = url.searchParams.get("format") ?? "html";
        if (!isReportFormat(format)) throw new PbeError("invalid_argument", `format must be one of html, md, json; got "${format.slice(0, 32)}"`);
        const serviceParam = url.searchParams.get("service");
        const service = serviceParam === null || serviceParam === "" ? undefined : serviceParam;
        if (service !== undefined && !knownService(service)) throw new NotFoundError(`unknown service "${service.slice(0, 200)}": no budget names it and no trace has shown it`);
        const fragment = format === "html" && ["1", "true"].includes(url.searchParams.get("fragment") ?? "");
        const data = await build(service);
        const raw = format === "json" ? renderJson(data) : format === "md" ? renderMarkdown(data) : renderHtml(data, { fragment });
        const headers: Record<string, string> = {
          "content-disposition": `inline; filename="${reportFileName(service, data.generatedAtMs, REPORT_FORMATS[format].extension)}"`,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        };
        if (format === "html") headers["content-security-policy"] = REPORT_CSP;
        return { raw, contentType: REPORT_FORMATS[format].contentType, headers };
      },
    },
    {
      method: "GET",
      path: "/",
      role: "public",
      handle: async (): Promise<ApiResponse> => {
        const initialBody = deps.authRequired ? undefined : renderReportBody(await build(undefined));
        return {
          raw: renderLivePage({ authRequired: deps.authRequired, ...(initialBody !== undefined ? { initialBody } : {}) }),
          contentType: "text/html; charset=utf-8",
          headers: {
            "content-security-policy": liveCsp(liveScriptHash),
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
          },
        };
      },
    },
  ];
}

/** `pbe-report-<service>-20250131T120005Z.html`, the service reduced to `[A-Za-z0-9_.-]`. */
export function reportFileName(service: string | undefined, atMs: number, extension: string): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const svc = service === undefined ? "" : `-${service.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64)}`;
  return `pbe-report${svc}-${stamp}.${extension}`;
}

/**
 * Calls the router's recommendations route in-process (no socket, no auth: the caller of the
 * report is already authorised for reading). Undefined when the router has no such route.
 */
function viaRouter(router: Router | undefined): ((service: string) => Promise<readonly unknown[] | undefined>) | undefined {
  if (!router) return undefined;
  if (!router.match("GET", RECOMMENDATIONS_PATH("probe")).route) return undefined;
  return async (service) => {
    const path = RECOMMENDATIONS_PATH(service);
    const { route, params } = router.match("GET", path);
    if (!route) return undefined;
    const url = new URL(path, "http://localhost");
    const ctx: RequestContext = {
      req: { method: "GET", url: path, headers: {} } as IncomingMessage,
      res: { headersSent: false } as ServerResponse,
      url,
      params,
      body: async () => Buffer.alloc(0),
      json: async () => {
        throw new PbeError("invalid_argument", "no body");
      },
    };
    const out = await route.handle(ctx);
    const body = out?.body as { recommendations?: unknown } | undefined;
    return Array.isArray(body?.recommendations) ? body.recommendations : [];
  };
}

/** A recommendation in the report's shape; strings coerced, unknown extra fields dropped. */
function normaliseRecommendation(r: unknown, service: string): ReportRecommendation | undefined {
  if (r === null || typeof r !== "object") return undefined;
  const o = r as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
  return {
    kind: text(o.kind),
    severity: text(o.severity),
    service: typeof o.service === "string" ? o.service : service,
    ...(typeof o.budgetId === "string" ? { budgetId: o.budgetId } : {}),
    ...(typeof o.operation === "string" ? { operation: o.operation } : {}),
    title: text(o.title),
    message: text(o.message),
    ...(o.evidence !== undefined ? { evidence: o.evidence } : {}),
    ...(o.proposal !== undefined ? { proposal: o.proposal } : {}),
  };
}

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      cachedVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "unknown";
    } catch {
      cachedVersion = "unknown";
    }
  }
  return cachedVersion;
}
