/**
 * A small typed client of the engine's HTTP API (CONTRACT.md "HTTP API"), used by the CLI and by
 * `pbe mcp --engine URL`. Every answer is checked against its schema; every failure is an
 * {@link EngineApiError} (a PbeError) carrying the API's code, message and details (the
 * validation problems), or code `unavailable` with no status when the engine did not answer.
 */
import type { z } from "zod";
import { PbeError, type ErrorCode, type Problem } from "../errors/index.js";
import {
  AttributionSchema,
  BudgetJsonSchema,
  BudgetListSchema,
  ComplianceSchema,
  DryRunSchema,
  ErrorBodySchema,
  RecommendationsSchema,
  ServicesSchema,
  TrackSchema,
  type AttributionJson,
  type BudgetJson,
  type ComplianceJson,
  type RecommendationsJson,
  type ServiceInfoJson,
  type TrackJson,
} from "./schemas.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** One API call as a transport sees it: `path` includes the query string. */
export interface EngineRequest {
  method: HttpMethod;
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface EngineResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Carries requests to an engine: {@link fetchTransport} over HTTP, or an in-process one (the MCP
 * route calls the engine's own routes without a socket). Throws only when there is no answer.
 */
export type EngineTransport = (req: EngineRequest) => Promise<EngineResponse>;

export interface EngineClientOptions {
  /** E.g. `http://127.0.0.1:8080` (a trailing slash or `/api/v1` is ignored). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Default: HTTP with the global `fetch`. */
  transport?: EngineTransport;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "permission_denied",
  404: "not_found",
  405: "invalid_argument",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_failed",
  429: "resource_exhausted",
  503: "unavailable",
};
const KNOWN_CODES = new Set<string>([...Object.values(STATUS_CODES), "invalid_config", "decode_failed", "sink_failed", "store_failed", "internal"]);

/**
 * An API error: `status` is the HTTP status (undefined when the engine did not answer: refused,
 * unreachable, timed out), `code`/`message`/`details` are the API's `{"error":{…}}`.
 */
export class EngineApiError extends PbeError {
  readonly status: number | undefined;
  /** `METHOD path` of the call. */
  readonly request: string;
  constructor(code: ErrorCode, message: string, opts: { status?: number; request: string; details?: unknown; cause?: unknown }) {
    super(code, message, { details: opts.details, cause: opts.cause });
    this.status = opts.status;
    this.request = opts.request;
  }

  /** The engine did not answer (connection refused, DNS, timeout). */
  get unreachable(): boolean {
    return this.status === undefined;
  }

  /** The validation problems of a 422 (`details.problems`), else empty. */
  get problems(): Problem[] {
    return problemsOf(this.details);
  }

  /** The route does not exist on this engine (an older engine), as opposed to an unknown object. */
  get noSuchEndpoint(): boolean {
    return this.status === 404 && /^no such endpoint/.test(this.message);
  }
}

/** `details.problems` of an API error, when well-formed. */
export function problemsOf(details: unknown): Problem[] {
  if (typeof details !== "object" || details === null) return [];
  const list = (details as { problems?: unknown }).problems;
  if (!Array.isArray(list)) return [];
  return list
    .filter((p): p is Problem => typeof p === "object" && p !== null && typeof (p as Problem).path === "string" && typeof (p as Problem).message === "string")
    .map((p) => ({ path: p.path, message: p.message }));
}

/** The HTTP transport: `fetch` to `baseUrl + path`. */
export function fetchTransport(baseUrl: string): EngineTransport {
  const base = normaliseBaseUrl(baseUrl);
  return async (req) => {
    const res = await fetch(base + req.path, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
    });
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
  };
}

/** `http://host:8080/` and `http://host:8080/api/v1` → `http://host:8080`. Throws PbeError for a URL that is not http(s). */
export function normaliseBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new PbeError("invalid_argument", `"${baseUrl}" is not a URL; give the engine's API address, e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PbeError("invalid_argument", `"${baseUrl}" is not an http(s) URL; give the engine's API address, e.g. http://127.0.0.1:8080`);
  }
  return url.toString().replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}

export interface DefineResult {
  /** The stored budget, or (dry run) the validated definition. */
  budget: BudgetJson;
  /** True when the budget did not exist before (unknown for a dry run). */
  created?: boolean;
  dryRun: boolean;
}

export type ReportFormat = "md" | "html" | "json";

const enc = encodeURIComponent;

export class EngineClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly transport: EngineTransport;

  constructor(opts: EngineClientOptions) {
    this.transport = opts.transport ?? fetchTransport(opts.baseUrl);
    this.baseUrl = opts.transport ? opts.baseUrl : normaliseBaseUrl(opts.baseUrl);
    this.token = opts.token === "" ? undefined : opts.token;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `GET /api/v1/budgets[?service=]`. */
  async listBudgets(opts: { service?: string } = {}): Promise<BudgetJson[]> {
    const q = opts.service === undefined ? "" : `?service=${enc(opts.service)}`;
    return (await this.json("GET", `/api/v1/budgets${q}`, BudgetListSchema)).budgets;
  }

  /** `GET /api/v1/budgets/{id}`. */
  getBudget(id: string): Promise<BudgetJson> {
    return this.json("GET", `/api/v1/budgets/${enc(id)}`, BudgetJsonSchema);
  }

  /**
   * Creates or replaces a budget (`PUT /api/v1/budgets/{id}`; `POST` when the definition has no
   * string id, so the engine lists that problem with the others). `dryRun` validates only.
   */
  async defineBudget(definition: unknown, opts: { dryRun?: boolean } = {}): Promise<DefineResult> {
    const dryRun = opts.dryRun === true;
    const id = typeof definition === "object" && definition !== null ? (definition as { id?: unknown }).id : undefined;
    const q = dryRun ? "?dryRun=true" : "";
    const path = typeof id === "string" && id !== "" ? `/api/v1/budgets/${enc(id)}${q}` : `/api/v1/budgets${q}`;
    const method = path.startsWith("/api/v1/budgets/") ? "PUT" : "POST";
    const res = await this.call(method, path, definition);
    if (dryRun) return { budget: this.check(method, path, res, DryRunSchema).budget, dryRun };
    return { budget: this.check(method, path, res, BudgetJsonSchema), created: res.status === 201, dryRun };
  }

  /** `DELETE /api/v1/budgets/{id}`. */
  async deleteBudget(id: string): Promise<void> {
    await this.call("DELETE", `/api/v1/budgets/${enc(id)}`);
  }

  /** `GET /api/v1/budgets/{id}/allocation`: the proposal (shape as the engine answers). */
  async allocation(id: string): Promise<unknown> {
    return this.parse("GET", `/api/v1/budgets/${enc(id)}/allocation`, await this.call("GET", `/api/v1/budgets/${enc(id)}/allocation`));
  }

  /** `GET /api/v1/services`. */
  async services(): Promise<ServiceInfoJson[]> {
    return (await this.json("GET", "/api/v1/services", ServicesSchema)).services;
  }

  /** `GET /api/v1/services/{service}/compliance`. */
  compliance(service: string): Promise<ComplianceJson> {
    return this.json("GET", `/api/v1/services/${enc(service)}/compliance`, ComplianceSchema);
  }

  /** `GET /api/v1/services/{service}/track`. */
  track(service: string): Promise<TrackJson> {
    return this.json("GET", `/api/v1/services/${enc(service)}/track`, TrackSchema);
  }

  /** `GET /api/v1/services/{service}/recommendations`. */
  recommendations(service: string): Promise<RecommendationsJson> {
    return this.json("GET", `/api/v1/services/${enc(service)}/recommendations`, RecommendationsSchema);
  }

  /** `GET /api/v1/traces/{traceId}`. */
  trace(traceId: string): Promise<AttributionJson> {
    return this.json("GET", `/api/v1/traces/${enc(traceId)}`, AttributionSchema);
  }

  /** `GET /api/v1/stats`. */
  async stats(): Promise<Record<string, unknown>> {
    const path = "/api/v1/stats";
    const v = this.parse("GET", path, await this.call("GET", path));
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw this.unexpected("GET", path, "not an object");
    return v as Record<string, unknown>;
  }

  /** `GET /api/v1/report?service=&format=md|html` as text. */
  async reportText(opts: { service?: string; format: "md" | "html" }): Promise<string> {
    const path = reportPath(opts.service, opts.format);
    return (await this.call("GET", path)).text;
  }

  /** `GET /api/v1/report?service=&format=json`. */
  async reportJson(opts: { service?: string } = {}): Promise<unknown> {
    const path = reportPath(opts.service, "json");
    return this.parse("GET", path, await this.call("GET", path));
  }

  /** `GET /healthz`. */
  async health(): Promise<unknown> {
    return this.parse("GET", "/healthz", await this.call("GET", "/healthz"));
  }

  /** Every service the engine knows: from traces and from budgets, sorted. */
  async knownServices(): Promise<string[]> {
    const [services, budgets] = await Promise.all([this.services().catch(() => []), this.listBudgets().catch(() => [])]);
    return [...new Set([...services.map((s) => s.service), ...budgets.map((b) => b.service)])].sort();
  }

  private async json<S extends z.ZodType>(method: HttpMethod, path: string, schema: S): Promise<z.infer<S>> {
    return this.check(method, path, await this.call(method, path), schema);
  }

  private check<S extends z.ZodType>(method: HttpMethod, path: string, res: EngineResponse, schema: S): z.infer<S> {
    const r = schema.safeParse(this.parse(method, path, res));
    if (!r.success) {
      const issue = r.error.issues[0];
      throw this.unexpected(method, path, issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unexpected shape");
    }
    return r.data;
  }

  private parse(method: HttpMethod, path: string, res: EngineResponse): unknown {
    if (res.text === "") return undefined;
    try {
      return JSON.parse(res.text);
    } catch {
      throw this.unexpected(method, path, `not JSON (${res.contentType || "no content type"})`);
    }
  }

  private unexpected(method: HttpMethod, path: string, why: string): EngineApiError {
    return new EngineApiError("internal", `unexpected answer from the engine at ${this.baseUrl} to ${method} ${stripQuery(path)}: ${why}`, {
      status: 200,
      request: `${method} ${path}`,
    });
  }

  /** One call; a non-2xx answer becomes an EngineApiError with the API's code, message and details. */
  private async call(method: HttpMethod, path: string, body?: unknown): Promise<EngineResponse> {
    const request = `${method} ${path}`;
    const headers: Record<string, string> = { accept: "application/json, text/markdown;q=0.9, text/*;q=0.8" };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let text: string | undefined;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      text = JSON.stringify(body);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: EngineResponse;
    try {
      res = await this.transport({ method, path, headers, ...(text === undefined ? {} : { body: text }), signal });
    } catch (err) {
      throw this.noAnswer(err, request, signal);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw this.apiError(res, request);
  }

  private noAnswer(err: unknown, request: string, signal: AbortSignal): EngineApiError {
    if (err instanceof EngineApiError) return err;
    if (signal.aborted || (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))) {
      return new EngineApiError("unavailable", `the engine at ${this.baseUrl} did not answer within ${this.timeoutMs / 1000} s (${request.split("?")[0]})`, { request, cause: err });
    }
    return new EngineApiError("unavailable", `cannot reach the engine at ${this.baseUrl}: ${causeText(err)}`, { request, cause: err });
  }

  private apiError(res: EngineResponse, request: string): EngineApiError {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      parsed = undefined;
    }
    const body = ErrorBodySchema.safeParse(parsed);
    if (body.success) {
      const { code, message, details } = body.data.error;
      const known = KNOWN_CODES.has(code) ? (code as ErrorCode) : (STATUS_CODES[res.status] ?? "internal");
      return new EngineApiError(known, message, { status: res.status, request, details });
    }
    const snippet = res.text.trim().slice(0, 200);
    return new EngineApiError(STATUS_CODES[res.status] ?? "internal", `the engine at ${this.baseUrl} answered ${res.status} to ${request.split("?")[0]}${snippet ? `: ${snippet}` : ""}`, {
      status: res.status,
      request,
    });
  }
}

function reportPath(service: string | undefined, format: ReportFormat): string {
  const q = new URLSearchParams();
  if (service !== undefined) q.set("service", service);
  q.set("format", format);
  return `/api/v1/report?${q.toString()}`;
}

function stripQuery(path: string): string {
  const i = path.indexOf("?");
  return i < 0 ? path : path.slice(0, i);
}

/** `fetch failed` hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, an AggregateError of both address families, …). */
function causeText(err: unknown): string {
  let e: unknown = err;
  let deepest = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") {
      const addr = (e as { address?: string }).address;
      const port = (e as { port?: number }).port;
      return `${code}${addr ? ` ${addr}${port ? `:${port}` : ""}` : ""}`;
    }
    deepest = e.message || deepest;
    const inner = (e as { errors?: unknown[] }).errors;
    e = Array.isArray(inner) && inner.length > 0 ? inner[0] : e.cause;
  }
  return deepest;
}
