/**
 * MCP over Streamable HTTP at `/mcp` on the API port, stateless: every POST gets a fresh server
 * and transport (no session to lose across restarts or replicas), answered as plain JSON. The
 * API server has already checked the bearer token (the route needs the read role); the tools
 * see the caller's role, so `budget_define`/`budget_delete` refuse a read token with an
 * `isError` result. GET (a server-to-client stream) and DELETE (session end) have no meaning
 * without sessions and answer 405, as the specification allows.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { Authorizer, type ApiToken, type Role, type Route, type Router } from "../api/index.js";
import { EngineClient } from "../client/index.js";
import { PbeError } from "../errors/index.js";
import type { Logger } from "../log/index.js";
import { routerTransport } from "./dispatch.js";
import { createMcpServer } from "./server.js";

export interface McpRoutesOptions {
  /** The engine's API router: the tools call its routes in-process. */
  router: Router;
  /** The API's tokens (the same list the API server checks), to know the caller's role. */
  tokens: ApiToken[];
  logger?: Logger;
  /** Per tool call into the routes; default 30 s. */
  timeoutMs?: number;
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `POST|GET|DELETE /mcp`. Add them to the router they call: `router.add(...mcpRoutes({ router, tokens }))`. */
export function mcpRoutes(opts: McpRoutesOptions): Route[] {
  const auth = new Authorizer(opts.tokens);
  const roleOf = (req: IncomingMessage): Role => auth.check(req, "read") ?? "admin";
  const notAllowed: Route["handle"] = ({ res, req }) => {
    jsonRpcError(res, 405, -32000, `${req.method} /mcp is not supported: this server is stateless; send JSON-RPC messages with POST`, { allow: "POST" });
    return undefined;
  };
  return [
    {
      method: "POST",
      path: "/mcp",
      role: "read",
      handle: async (ctx) => {
        const role = roleOf(ctx.req);
        let message: unknown;
        try {
          message = JSON.parse((await ctx.body()).toString("utf8"));
        } catch (err) {
          if (err instanceof PbeError) throw err; // e.g. a body over the limit: 413 as for the API
          jsonRpcError(ctx.res, 400, -32700, `parse error: ${(err as Error).message}`);
          return undefined;
        }
        const backend = new EngineClient({
          baseUrl: "in-process",
          timeoutMs: opts.timeoutMs ?? 30_000,
          transport: routerTransport({
            router: opts.router,
            req: ctx.req,
            role,
            onError: (err, path) => opts.logger?.error({ err, path }, "mcp: api route failed"),
          }),
        });
        const server = createMcpServer(backend, { role });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        ctx.res.on("close", () => {
          void transport.close().catch(() => undefined);
          void server.close().catch(() => undefined);
        });
        await server.connect(transport);
        await transport.handleRequest(ctx.req, ctx.res, message);
        return undefined;
      },
    },
    { method: "GET", path: "/mcp", role: "read", handle: notAllowed },
    { method: "DELETE", path: "/mcp", role: "read", handle: notAllowed },
  ];
}
