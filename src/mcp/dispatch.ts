/**
 * An in-process {@link EngineTransport}: calls the engine's API routes directly (no socket), with
 * the same answers as over HTTP: JSON bodies, `{"error":{…}}` errors with the codes' statuses,
 * and the routes' roles checked against the caller's.
 */
import { ServerResponse, type IncomingMessage } from "node:http";
import type { RequestContext, Role, Router } from "../api/index.js";
import type { EngineResponse, EngineTransport } from "../client/index.js";
import { PbeError, errorBody, httpStatusOf } from "../errors/index.js";

export interface RouterTransportOptions {
  router: Router;
  /** The request that carried the MCP call: its headers are visible to the routes. */
  req: IncomingMessage;
  /** The caller's role; `admin` when the API has no tokens. */
  role: Role;
  /** Unexpected handler failures (answered 500, as the API server does). */
  onError?: (err: unknown, path: string) => void;
}

/** Only the API itself is reachable this way (never `/mcp`, so a tool cannot call the MCP route). */
const ALLOWED_PREFIX = "/api/";

export function routerTransport(opts: RouterTransportOptions): EngineTransport {
  return async (r) => {
    const url = new URL(r.path, "http://in-process");
    try {
      if (!url.pathname.startsWith(ALLOWED_PREFIX)) throw new PbeError("not_found", `no such endpoint: ${r.method} ${url.pathname}`);
      const { route, params, allowed } = opts.router.match(r.method, url.pathname);
      if (!route) {
        if (allowed.length > 0) throw new PbeError("invalid_argument", `${r.method} is not allowed on ${url.pathname}; use ${allowed.join(", ")}`);
        throw new PbeError("not_found", `no such endpoint: ${r.method} ${url.pathname}`);
      }
      if (route.role === "admin" && opts.role !== "admin") throw new PbeError("permission_denied", "this operation needs a token with the admin role");
      const body = Buffer.from(r.body ?? "", "utf8");
      const ctx: RequestContext = {
        req: opts.req,
        // A response object no socket is attached to: a route that writes to it itself is not supported in-process.
        res: new ServerResponse(opts.req),
        url,
        params,
        body: async () => body,
        json: async () => {
          if (body.length === 0) throw new PbeError("invalid_argument", "the request body is empty; send a JSON document");
          try {
            return JSON.parse(body.toString("utf8"));
          } catch (err) {
            throw new PbeError("invalid_argument", `the request body is not valid JSON: ${(err as Error).message}`);
          }
        },
      };
      const out = await route.handle(ctx);
      if (out === undefined) throw new PbeError("internal", `${r.method} ${url.pathname} streams its answer and cannot be called in-process`);
      const status = out.status ?? 200;
      if (out.raw !== undefined) {
        return { status, contentType: out.contentType ?? "text/plain; charset=utf-8", text: typeof out.raw === "string" ? out.raw : out.raw.toString("utf8") };
      }
      if (out.body === undefined) return { status, contentType: "", text: "" };
      return { status, contentType: "application/json; charset=utf-8", text: JSON.stringify(out.body, bigints) };
    } catch (err) {
      return errorResponse(err, url.pathname, opts.onError);
    }
  };
}

function errorResponse(err: unknown, path: string, onError?: (err: unknown, path: string) => void): EngineResponse {
  if (!(err instanceof PbeError)) onError?.(err, path);
  const status = err instanceof PbeError ? httpStatusOf(err.code) : 500;
  return { status, contentType: "application/json; charset=utf-8", text: JSON.stringify(errorBody(err)) };
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
