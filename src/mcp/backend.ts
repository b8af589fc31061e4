/**
 * What the MCP tools need from an engine. Two implementations, one tool layer:
 * - `pbe mcp --engine URL` (stdio): an {@link EngineClient} over HTTP to a running engine;
 * - `POST /mcp` on the engine itself: an EngineClient whose transport calls the engine's own API
 *   routes in-process ({@link routerTransport}): no loopback socket, the same answers, errors and
 *   role checks as the HTTP API, and the routes other issues add (recommendations, reports) are
 *   available without more wiring.
 */
import type { BudgetJson, ComplianceJson, DefineResult, AttributionJson, RecommendationsJson, ServiceInfoJson, TrackJson } from "../client/index.js";

export interface McpBackend {
  /** Where the engine is, for messages (`http://127.0.0.1:8080`, `in-process`). */
  readonly baseUrl: string;
  listBudgets(opts?: { service?: string }): Promise<BudgetJson[]>;
  getBudget(id: string): Promise<BudgetJson>;
  defineBudget(definition: unknown, opts?: { dryRun?: boolean }): Promise<DefineResult>;
  deleteBudget(id: string): Promise<void>;
  services(): Promise<ServiceInfoJson[]>;
  /** Services from traces and budgets, sorted. */
  knownServices(): Promise<string[]>;
  compliance(service: string): Promise<ComplianceJson>;
  track(service: string): Promise<TrackJson>;
  recommendations(service: string): Promise<RecommendationsJson>;
  trace(traceId: string): Promise<AttributionJson>;
  reportText(opts: { service?: string; format: "md" | "html" }): Promise<string>;
}
