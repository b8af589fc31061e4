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

/**
 * How much of a refused (too large) body is read and dropped before the connection is closed.
 * Closing at once makes many clients (undici's fetch among them) fail with EPIPE while still
 * writing, so they never see the 413; draining costs bandwidth, not memory, and this bounds it.
 */
const DRAIN_LIMIT_BYTES = 256 * 1024 * 1024;

/** Reads a request body up to `limit` bytes; past it, a 413 (the rest is read and dropped). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      drain(req, 0);
      reject(new TooLargeError(`request body of ${declared} bytes exceeds the limit of ${limit} bytes`, limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        chunks.length = 0;
        drain(req, size);
        reject(new TooLargeError(`request body exceeds the limit of ${limit} bytes`, limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => {
      if (size <= limit) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on("error", (err) => {
      if (size <= limit) reject(err);
    });
  });
}

/** Reads and drops the rest of a refused body; closes the connection past DRAIN_LIMIT_BYTES. */
function drain(req: IncomingMessage, already: number): void {
  let dropped = already;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
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
