import type { IncomingMessage, ServerResponse } from "node:http";
import { PbeError, TooLargeError, errorBody, httpStatusOf } from "../errors/index.js";

/** What a route handler returns; `body` is serialised as JSON unless `raw` is given. */
export interface ApiResponse {
  status?: number;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Role = "read" | "admin";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** Reads the body (bounded by the API body limit); cached. */
  body(): Promise<Buffer>;
  /** Reads and parses a JSON body; a syntax error becomes a 400. */
  json(): Promise<unknown>;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** A path with `:name` segments, e.g. `/api/v1/budgets/:id`. */
  path: string;
  /** Who may call it when tokens are configured: `public` needs none. Default `read`. */
  role?: Role | "public";
  /**
   * The handler; it may also write to `ctx.res` itself (streaming, MCP) and return undefined.
   */
  handle(ctx: RequestContext): Promise<ApiResponse | undefined> | ApiResponse | undefined;
}

interface CompiledRoute extends Route {
  re: RegExp;
  names: string[];
}

/** A minimal router: exact segments and `:params`, JSON errors in the contract's shape. */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) {
      const names: string[] = [];
      const re = new RegExp(
        "^" +
          r.path
            .split("/")
            .map((seg) => {
              if (seg.startsWith(":")) {
                names.push(seg.slice(1));
                return "([^/]+)";
              }
              return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            })
            .join("/") +
          "/?$",
      );
      this.routes.push({ ...r, re, names });
    }
    return this;
  }

  /** The matching route and its params; `allowed` lists methods when only the path matched. */
  match(method: string, path: string): { route?: CompiledRoute; params: Record<string, string>; allowed: string[] } {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method && !(method === "HEAD" && r.method === "GET")) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = Object.create(null);
      r.names.forEach((n, i) => {
        params[n] = safeDecode(m[i + 1]);
      });
      return { route: r, params, allowed };
    }
    return { params: {}, allowed };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Reads a request body up to `limit` bytes; past it, a 413 (the rest is not buffered). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new TooLargeError(`request body of ${declared} bytes exceeds the limit of ${limit} bytes`, limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new TooLargeError(`request body exceeds the limit of ${limit} bytes`, limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, bigintReplacer);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  let status = err instanceof PbeError ? httpStatusOf(err.code) : 500;
  // A store that is busy or full now may work in a moment: say so (503 + Retry-After), not 500.
  if (err instanceof PbeError && err.code === "store_failed" && (err as PbeError & { retryable?: boolean }).retryable === true) {
    status = 503;
    headers = { "retry-after": "1", ...headers };
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, errorBody(err), headers);
}

export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
