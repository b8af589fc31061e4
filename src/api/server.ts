import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { PbeError } from "../errors/index.js";
import type { Logger } from "../log/index.js";
import { Authorizer, type ApiToken } from "./auth.js";
import { Router, readBody, sendError, sendJson, bigintReplacer, type RequestContext } from "./http.js";

export interface ApiServerOptions {
  router: Router;
  logger: Logger;
  tokens: ApiToken[];
  maxBodyBytes: number;
}

/**
 * The API server on `--api-port`: routes, JSON errors (`{"error":{"code","message","details"}}`),
 * bearer tokens on `/api/*` and `/mcp`, bounded bodies. A handler's failure is answered and
 * logged; it never takes the server down.
 */
export function createApiServer(opts: ApiServerOptions): Server {
  const auth = new Authorizer(opts.tokens);
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      opts.logger.error({ err, url: req.url }, "api handler failed");
      sendError(res, err);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const { route, params, allowed } = opts.router.match(method, url.pathname);
    if (!route) {
      if (allowed.length > 0) {
        sendJson(res, 405, { error: { code: "method_not_allowed", message: `${method} is not allowed on ${url.pathname}; use ${allowed.join(", ")}` } }, { allow: allowed.join(", ") });
      } else {
        sendJson(res, 404, { error: { code: "not_found", message: `no such endpoint: ${method} ${url.pathname}` } });
      }
      return;
    }
    const protectedPath = url.pathname.startsWith("/api/") || url.pathname === "/mcp";
    auth.check(req, protectedPath ? (route.role ?? "read") : "public");
    let bodyCache: Promise<Buffer> | undefined;
    const ctx: RequestContext = {
      req,
      res,
      url,
      params,
      body: () => (bodyCache ??= readBody(req, opts.maxBodyBytes)),
      json: async () => {
        const buf = await ctx.body();
        if (buf.length === 0) throw new PbeError("invalid_argument", "the request body is empty; send a JSON document");
        try {
          return JSON.parse(buf.toString("utf8"));
        } catch (err) {
          throw new PbeError("invalid_argument", `the request body is not valid JSON: ${(err as Error).message}`);
        }
      },
    };
    const out = await route.handle(ctx);
    if (out === undefined || res.headersSent) return;
    const status = out.status ?? 200;
    if (out.raw !== undefined) {
      res.writeHead(status, { "content-type": out.contentType ?? "text/plain; charset=utf-8", ...out.headers });
      res.end(method === "HEAD" ? undefined : out.raw);
      return;
    }
    if (out.body === undefined) {
      res.writeHead(status, out.headers);
      res.end();
      return;
    }
    const text = JSON.stringify(out.body, bigintReplacer);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...out.headers });
    res.end(method === "HEAD" ? undefined : text);
  }

  server.keepAliveTimeout = 5000;
  return server;
}
