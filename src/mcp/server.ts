/**
 * The MCP tool layer: one {@link createMcpServer} over a {@link McpBackend}, served over stdio
 * (`pbe mcp --engine URL`) and Streamable HTTP (`POST /mcp` on the API port). Tools are named
 * with underscores (several widely used LLM clients refuse dots) and titled as the design names
 * them (`budget.define`, …). Every tool has an input and an output schema, returns structured
 * content plus a text rendering (compact tables with units), and answers bad input, unknown
 * services, budgets and traces, and missing roles with `isError` results that say what to do.
 */
import { readFileSync } from "node:fs";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Role } from "../api/index.js";
import { budgetJsonSchema } from "../budget/index.js";
import {
  EngineApiError,
  PLAIN,
  percentText,
  problemsOf,
  renderAttribution,
  renderBudgets,
  renderCompliance,
  renderRecommendations,
  renderTrack,
  shareOf,
  sparkline,
  statisticText,
  summariseHistory,
  thresholdText,
  trendText,
  valueText,
  type AttributionJson,
  type BudgetJson,
} from "../client/index.js";
import { PbeError, type Problem } from "../errors/index.js";
import type { McpBackend } from "./backend.js";
import {
  ComplianceOutputSchema,
  DefineOutputSchema,
  DeleteInputSchema,
  DeleteOutputSchema,
  ExplainInputSchema,
  ExplainOutputSchema,
  ListInputSchema,
  ListOutputSchema,
  RecommendationsOutputSchema,
  ReportInputSchema,
  ReportOutputSchema,
  ServiceInputSchema,
  TrackInputSchema,
  TrackOutputSchema,
  defineInputSchema,
} from "./schemas.js";

export interface McpServerOptions {
  /**
   * The caller's role when the server knows it (the `/mcp` route): `budget_define` and
   * `budget_delete` need `admin`. Undefined: the engine decides (stdio, with the token given to
   * `pbe mcp`).
   */
  role?: Role;
}

/** The tools, in the order `tools/list` shows them. */
export const TOOL_NAMES = [
  "budget_define",
  "budget_list",
  "budget_delete",
  "budget_compliance",
  "budget_track",
  "budget_recommendations",
  "budget_report",
  "trace_explain",
] as const;

const INSTRUCTIONS = `Performance Budget Engine (PBE): latency, resource, throughput and cost budgets computed from OpenTelemetry traces and metrics.
Start with budget_list (what is defined) or budget_compliance {service} (what is violated). budget_track shows history and the trend/forecast,
budget_recommendations gives evidence-based fixes, trace_explain {traceId} explains one trace's latency along its critical path (use the
exemplar trace ids that compliance lists for violated budgets), budget_report writes a markdown report. budget_define creates or replaces
a budget (dryRun: true validates only); budget_define and budget_delete need the admin role.
Units: latency values are milliseconds unless a field name says Ns; usage is observed/threshold (above 1 = over budget).`;

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
const VERSION = packageVersion();

function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

function failed(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: "text", text }], ...(structured ? { structuredContent: structured } : {}) };
}

function problemsOfError(err: unknown): Problem[] {
  if (err instanceof PbeError && err.code === "validation_failed") return problemsOf(err.details);
  return [];
}

function problemLines(problems: readonly Problem[]): string {
  return problems.map((p) => `- ${p.path === "" ? "(definition)" : p.path}: ${p.message}`).join("\n");
}

function needsAdmin(tool: string): string {
  return `${tool} needs the admin role: the token of this connection has the read role. Use a token with the admin role (PBE_API_TOKEN or an apiTokens entry with role admin).`;
}

/** How a budget reads: `latency.total p99 of frontend POST /checkout ≤ 300ms over 5m`. */
export function describeBudget(b: BudgetJson): string {
  const stat = statisticText(b);
  const scope = [b.operation, b.component ? `component ${b.component}` : undefined, b.edge ? `edge ${b.edge}` : undefined].filter((x) => x !== undefined).join(", ");
  const op = b.direction === "min" ? "≥" : "≤";
  return `${b.type}${stat ? ` ${stat}` : ""} of ${b.service}${scope ? ` (${scope})` : ""} ${op} ${thresholdText(b)} over ${b.window ?? "5m"}`;
}

export function createMcpServer(backend: McpBackend, opts: McpServerOptions = {}): McpServer {
  const server = new McpServer({ name: "pbe", title: "Performance Budget Engine", version: VERSION }, { instructions: INSTRUCTIONS });

  /** An error of the backend as a tool result that names the thing and what exists instead. */
  const toolError = async (err: unknown, tool: string, about: { service?: string; budgetId?: string; traceId?: string } = {}): Promise<CallToolResult> => {
    if (!(err instanceof PbeError)) return failed(`${tool} failed: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof EngineApiError && err.unreachable) return failed(`${tool}: ${err.message}. Is the engine running (pbe serve)?`);
    switch (err.code) {
      case "permission_denied":
        return failed(needsAdmin(tool));
      case "unauthenticated":
        return failed(`${tool}: the engine refused the credentials: ${err.message}`);
      case "validation_failed": {
        const problems = problemsOf(err.details);
        return failed(problems.length ? `${tool}: ${err.message}:\n${problemLines(problems)}` : `${tool}: ${err.message}`);
      }
      case "not_found": {
        if (err instanceof EngineApiError && err.noSuchEndpoint) {
          return failed(`${tool}: this engine does not serve that yet (${err.message}); it may be an older version than this MCP server.`);
        }
        if (about.service !== undefined) {
          const known = await backend.knownServices().catch(() => [] as string[]);
          const list = known.length === 0 ? "The engine knows no services yet: send it traces or define a budget." : `Known services (${known.length}): ${known.slice(0, 100).join(", ")}${known.length > 100 ? ", …" : ""}.`;
          return failed(`Unknown service "${about.service}": no budget names it and no trace has shown it. ${list}`);
        }
        if (about.budgetId !== undefined) {
          const ids = (await backend.listBudgets().catch(() => [] as BudgetJson[])).map((b) => b.id);
          return failed(`No budget "${about.budgetId}". ${ids.length ? `Budgets (${ids.length}): ${ids.slice(0, 100).join(", ")}${ids.length > 100 ? ", …" : ""}.` : "No budgets are defined."}`);
        }
        if (about.traceId !== undefined) {
          return failed(`Unknown trace ${about.traceId}: ${err.message}. Traces are kept for a while after they complete; use the exemplar trace ids of budget_compliance.`);
        }
        return failed(`${tool}: ${err.message}`);
      }
      default:
        return failed(`${tool}: ${err.message}`);
    }
  };

  // ── budget_define ──────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_define",
    {
      title: "budget.define",
      description:
        "Create or replace one performance budget (an id that exists is replaced, unless a budgets file owns it). " +
        "dryRun: true validates only. A refused definition is an error result listing every problem with its field path. Needs the admin role.",
      inputSchema: defineInputSchema(),
      outputSchema: DefineOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const { dryRun: dry, ...definition } = args as Record<string, unknown> & { dryRun?: boolean };
      const dryRun = dry === true;
      if (opts.role === "read") return failed(needsAdmin("budget_define"));
      const id = typeof definition.id === "string" ? definition.id : undefined;
      try {
        const r = await backend.defineBudget(definition, { dryRun });
        const structured = { dryRun, valid: true, ...(dryRun || r.created === undefined ? {} : { created: r.created }), budget: r.budget };
        const text = dryRun
          ? `Valid (dry run, nothing stored): ${r.budget.id}: ${describeBudget(r.budget)}`
          : `${r.created ? "Created" : "Replaced"} budget ${r.budget.id}: ${describeBudget(r.budget)}`;
        return ok(text, structured);
      } catch (err) {
        const problems = problemsOfError(err);
        if (problems.length > 0) {
          const n = problems.length;
          return failed(
            `The budget definition${id ? ` "${id}"` : ""} was refused with ${n} problem${n === 1 ? "" : "s"}; nothing was stored:\n${problemLines(problems)}`,
            { dryRun, valid: false, problems },
          );
        }
        return toolError(err, "budget_define");
      }
    },
  );

  // ── budget_list ────────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_list",
    {
      title: "budget.list",
      description: "List the defined budgets (all, or those of one service) with their type, scope, statistic, threshold, window and source (api or a budgets file).",
      inputSchema: ListInputSchema,
      outputSchema: ListOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service }) => {
      try {
        const budgets = await backend.listBudgets(service === undefined ? {} : { service });
        const head = `${budgets.length} budget${budgets.length === 1 ? "" : "s"}${service === undefined ? "" : ` of ${service}`}`;
        return ok(budgets.length ? `${head}:\n\n${renderBudgets(budgets)}` : `${head}.`, { count: budgets.length, budgets });
      } catch (err) {
        return toolError(err, "budget_list");
      }
    },
  );

  // ── budget_delete ──────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_delete",
    {
      title: "budget.delete",
      description: "Delete an API-defined budget by id (budgets from a budgets file are changed in the file). Needs the admin role.",
      inputSchema: DeleteInputSchema,
      outputSchema: DeleteOutputSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ id }) => {
      if (opts.role === "read") return failed(needsAdmin("budget_delete"));
      try {
        await backend.deleteBudget(id);
        return ok(`Deleted budget ${id}.`, { deleted: id });
      } catch (err) {
        return toolError(err, "budget_delete", { budgetId: id });
      }
    },
  );

  // ── budget_compliance ──────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_compliance",
    {
      title: "budget.compliance",
      description:
        "Compliance of every budget of a service: status (ok, violated, no-data), observed value vs threshold in the budget's unit, usage, " +
        "burn rates and error budget left, and for violated latency budgets the components driving it and exemplar trace ids.",
      inputSchema: ServiceInputSchema,
      outputSchema: ComplianceOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service }) => {
      try {
        const c = await backend.compliance(service);
        const budgets = c.budgets.map((e) => ({
          ...e,
          observedText: valueText(e.observed, e.unit),
          thresholdText: valueText(e.threshold, e.unit),
          usageText: percentText(e.usage),
        }));
        const noData = c.budgets.filter((e) => e.status === "no-data").length;
        return ok(renderCompliance(c), { service: c.service, compliant: c.compliant, violated: c.violated, noData, budgets });
      } catch (err) {
        return toolError(err, "budget_compliance", { service });
      }
    },
  );

  // ── budget_track ───────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_track",
    {
      title: "budget.track",
      description:
        "Track every budget of a service over time: the current value, a summary of its history (min, max, mean, the recent windows as numbers " +
        "and a sparkline) and the trend with a forecast of when it crosses the threshold.",
      inputSchema: TrackInputSchema,
      outputSchema: TrackOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service, points }) => {
      const n = points ?? 30;
      try {
        const t = await backend.track(service);
        const budgets = t.budgets.map((b) => {
          const e = b.evaluation;
          const history = summariseHistory(b, n);
          return {
            budgetId: b.budgetId,
            type: e.type,
            status: e.status,
            observed: e.observed,
            threshold: e.threshold,
            unit: e.unit,
            usage: e.usage,
            window: e.window,
            observedText: valueText(e.observed, e.unit),
            thresholdText: valueText(e.threshold, e.unit),
            usageText: percentText(e.usage),
            history,
            sparkline: sparkline(history.recent),
            ...(b.trend ? { trend: b.trend } : {}),
            trendText: trendText(b.trend, e.unit, e.threshold),
          };
        });
        return ok(renderTrack(t, PLAIN, n), { service: t.service, at: t.at, budgets });
      } catch (err) {
        return toolError(err, "budget_track", { service });
      }
    },
  );

  // ── budget_recommendations ─────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_recommendations",
    {
      title: "budget.recommendations",
      description:
        "Evidence-based recommendations for a service's budgets: thresholds too tight or loose against observed quantiles, re-allocation by observed share, " +
        "the component driving violations, N+1 queries, network-heavy edges, over-provisioned resources and what they cost. Each with its evidence and, when there is one, a proposal.",
      inputSchema: ServiceInputSchema,
      outputSchema: RecommendationsOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service }) => {
      try {
        const r = await backend.recommendations(service);
        return ok(renderRecommendations(r), { service: r.service, at: r.at, count: r.recommendations.length, recommendations: r.recommendations });
      } catch (err) {
        return toolError(err, "budget_recommendations", { service });
      }
    },
  );

  // ── budget_report ──────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "budget_report",
    {
      title: "budget.report",
      description: "A markdown report of one service (or every service): compliance, history and trends, attributed latency, burn rates and recommendations.",
      inputSchema: ReportInputSchema,
      outputSchema: ReportOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ service }) => {
      try {
        const markdown = await backend.reportText({ ...(service === undefined ? {} : { service }), format: "md" });
        return ok(markdown, { ...(service === undefined ? {} : { service }), format: "markdown", markdown });
      } catch (err) {
        return toolError(err, "budget_report", service === undefined ? {} : { service });
      }
    },
  );

  // ── trace_explain ──────────────────────────────────────────────────────────────────────────
  server.registerTool(
    "trace_explain",
    {
      title: "trace.explain",
      description:
        "Explain one trace's latency: its journey, the split into processing and network time, each component's and edge's share, and the critical path " +
        "segment by segment (which span, which component or edge, how long, what share).",
      inputSchema: ExplainInputSchema,
      outputSchema: ExplainOutputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ traceId, maxSegments }) => {
      const max = maxSegments ?? 100;
      try {
        const a = await backend.trace(traceId.trim());
        return ok(renderAttribution(a, PLAIN, max), explainStructured(a, max));
      } catch (err) {
        return toolError(err, "trace_explain", { traceId: traceId.trim() });
      }
    },
  );

  registerResources(server, backend);
  return server;
}

const ms = (ns: number) => ns / 1e6;

/** The attribution with milliseconds and shares, components and edges largest first. */
export function explainStructured(a: AttributionJson, maxSegments: number): Record<string, unknown> {
  const total = a.durationNs;
  const share = (ns: number) => Number(shareOf(ns, total).toFixed(6));
  return {
    traceId: a.traceId,
    journey: { service: a.journey.service, operation: a.journey.operation },
    durationMs: ms(total),
    processingMs: ms(a.processingNs),
    networkMs: ms(a.networkNs),
    processingShare: share(a.processingNs),
    networkShare: share(a.networkNs),
    components: Object.entries(a.components)
      .sort((x, y) => y[1] - x[1])
      .map(([component, ns]) => ({ component, durationMs: ms(ns), share: share(ns) })),
    edges: Object.entries(a.edges)
      .sort((x, y) => y[1] - x[1])
      .map(([edge, ns]) => ({ edge, durationMs: ms(ns), share: share(ns) })),
    criticalPath: a.criticalPath.slice(0, maxSegments).map((s) => ({
      spanId: s.spanId,
      service: s.service,
      name: s.name,
      category: s.category,
      ...(s.component !== undefined ? { component: s.component } : {}),
      ...(s.edge !== undefined ? { edge: s.edge } : {}),
      ...(s.startOffsetNs !== undefined ? { startOffsetMs: ms(s.startOffsetNs) } : {}),
      durationMs: ms(s.durationNs),
      share: share(s.durationNs),
    })),
    segments: a.criticalPath.length,
    truncated: a.criticalPath.length > maxSegments,
    ...(a.counts ? { counts: a.counts } : {}),
    ...(a.rootMissing !== undefined ? { rootMissing: a.rootMissing } : {}),
  };
}

function one(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Resources: the budgets (all, one), a service's markdown report, the budget JSON Schema. */
function registerResources(server: McpServer, backend: McpBackend): void {
  const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] });
  server.registerResource(
    "budgets",
    "pbe://budgets",
    { title: "Budgets", description: "Every defined budget (JSON, as GET /api/v1/budgets).", mimeType: "application/json" },
    async (uri) => json(uri, { budgets: await backend.listBudgets() }),
  );
  server.registerResource(
    "budget",
    new ResourceTemplate("pbe://budgets/{id}", {
      list: async () => ({
        resources: (await backend.listBudgets()).map((b) => ({ uri: `pbe://budgets/${encodeURIComponent(b.id)}`, name: b.id, title: b.title ?? describeBudget(b), mimeType: "application/json" })),
      }),
    }),
    { title: "Budget", description: "One budget definition with its source (JSON).", mimeType: "application/json" },
    async (uri, vars) => json(uri, await backend.getBudget(one(vars.id))),
  );
  server.registerResource(
    "service-report",
    new ResourceTemplate("pbe://services/{service}/report", {
      list: async () => ({
        resources: (await backend.knownServices()).map((s) => ({ uri: `pbe://services/${encodeURIComponent(s)}/report`, name: `${s} report`, mimeType: "text/markdown" })),
      }),
    }),
    { title: "Service report", description: "The markdown report of one service (as GET /api/v1/report?service=…&format=md).", mimeType: "text/markdown" },
    async (uri, vars) => ({ contents: [{ uri: uri.href, mimeType: "text/markdown", text: await backend.reportText({ service: one(vars.service), format: "md" }) }] }),
  );
  server.registerResource(
    "budget-schema",
    "pbe://schema/budget",
    { title: "Budget definition schema", description: "JSON Schema of one budget definition (the input of budget_define).", mimeType: "application/schema+json" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/schema+json", text: JSON.stringify(budgetJsonSchema(), null, 2) }] }),
  );
}
