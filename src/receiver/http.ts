import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from "node:https";
import { gunzip, inflate } from "node:zlib";
import { promisify } from "node:util";
import { CapacityError, DecodeError, PbeError, TooLargeError } from "../errors/index.js";
import type { Logger } from "../log/index.js";
import { encodeMetricsResponse, encodeTraceResponse, metricsResponseJson, traceResponseJson } from "../otlp/index.js";
import { readBody } from "../api/index.js";
import type { IngestPipeline, PayloadFormat } from "./pipeline.js";
import { GrpcCode, encodeStatus, statusJson } from "./status.js";

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface HttpReceiverOptions {
  host: string;
  port: number;
  /** Largest accepted request body, as sent. */
  maxMessageBytes: number;
  /** Largest body after gzip/deflate inflation (a decompression bomb stops here). */
  maxInflatedBytes: number;
  pipeline: IngestPipeline;
  logger: Logger;
  /** Refuses new requests with 503 while set (memory limiter, draining). */
  refusing?: () => string | undefined;
  tls?: HttpsOptions;
}

type Signal = "traces" | "metrics";

/**
 * The OTLP/HTTP receiver: `POST /v1/traces` and `/v1/metrics`, protobuf or JSON, optionally gzip
 * (or deflate) encoded. Answers as the OTLP specification says: 200 with the Export*Response
 * (partial_success when spans were rejected) in the request's encoding; 400 with a
 * google.rpc.Status for undecodable bodies; 413 past the size limits; 415 for other content
 * types; 429/503 with Retry-After for back-pressure.
 */
export class HttpReceiver {
  private readonly server: Server;
  port = 0;

  constructor(private readonly opts: HttpReceiverOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => {
        opts.logger.error({ err }, "otlp/http handler failed");
        if (!res.headersSent) this.fail(res, "protobuf", 500, GrpcCode.INTERNAL, "internal error");
      });
    };
    this.server = opts.tls ? createHttpsServer(opts.tls, handler) : createHttpServer(handler);
    this.server.keepAliveTimeout = 30_000;
    this.server.headersTimeout = 60_000;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", reject);
        const addr = this.server.address();
        this.port = typeof addr === "object" && addr ? addr.port : this.opts.port;
        resolve(this.port);
      });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const signal: Signal | undefined = path === "/v1/traces" ? "traces" : path === "/v1/metrics" ? "metrics" : undefined;
    if (signal === undefined) {
      req.resume();
      this.fail(res, "json", 404, 5, `no OTLP endpoint at ${path}; use POST /v1/traces or /v1/metrics`);
      return;
    }
    if (req.method !== "POST") {
      req.resume();
      this.fail(res, "json", 405, 12, `${req.method} is not allowed on ${path}; use POST`, { allow: "POST" });
      return;
    }
    const format = formatOf(req.headers["content-type"]);
    if (format === undefined) {
      req.resume();
      this.fail(res, "json", 415, GrpcCode.INVALID_ARGUMENT, `unsupported content type "${req.headers["content-type"] ?? ""}"; send application/x-protobuf or application/json`);
      return;
    }
    const refusal = this.opts.refusing?.();
    if (refusal) {
      req.resume();
      this.fail(res, format, 503, GrpcCode.UNAVAILABLE, refusal, { "retry-after": "1" }, 1);
      return;
    }
    // Refused whatever it holds (memory limiter): answer without buffering the body (it is
    // read and dropped), so a flood that is being refused does not fill the heap with bodies.
    try {
      this.opts.pipeline.precheck?.();
    } catch (err) {
      if (!(err instanceof CapacityError)) throw err;
      req.resume();
      this.fail(res, format, 429, GrpcCode.RESOURCE_EXHAUSTED, err.message, { "retry-after": String(err.retryAfterSec) }, err.retryAfterSec);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.opts.maxMessageBytes);
      body = await this.inflate(body, String(req.headers["content-encoding"] ?? "identity").toLowerCase());
    } catch (err) {
      if (err instanceof TooLargeError) {
        this.fail(res, format, 413, GrpcCode.INVALID_ARGUMENT, err.message);
        return;
      }
      if (err instanceof DecodeError || err instanceof PbeError) {
        this.fail(res, format, 400, GrpcCode.INVALID_ARGUMENT, err.message);
        return;
      }
      throw err;
    }
    try {
      const out = signal === "traces" ? this.opts.pipeline.traces(body, format) : this.opts.pipeline.metrics(body, format);
      const partial = out.rejected > 0 ? { rejected: out.rejected, errorMessage: out.reason } : undefined;
      if (format === "json") {
        const text = signal === "traces" ? traceResponseJson(partial) : metricsResponseJson(partial);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(text);
      } else {
        const bytes = signal === "traces" ? encodeTraceResponse(partial) : encodeMetricsResponse(partial);
        res.writeHead(200, { "content-type": "application/x-protobuf" });
        res.end(bytes);
      }
    } catch (err) {
      if (err instanceof CapacityError) {
        this.fail(res, format, 429, GrpcCode.RESOURCE_EXHAUSTED, err.message, { "retry-after": String(err.retryAfterSec) }, err.retryAfterSec);
        return;
      }
      if (err instanceof DecodeError || (err instanceof PbeError && err.code === "invalid_argument")) {
        this.fail(res, format, 400, GrpcCode.INVALID_ARGUMENT, `cannot decode the ${signal} request: ${err.message}`);
        return;
      }
      throw err;
    }
  }

  /** Inflates gzip/deflate bodies, refusing at `maxInflatedBytes` (zlib stops at the limit). */
  private async inflate(body: Buffer, encoding: string): Promise<Buffer> {
    if (encoding === "identity" || encoding === "") return body;
    if (encoding !== "gzip" && encoding !== "deflate") throw new PbeError("invalid_argument", `unsupported content encoding "${encoding}"; use gzip or none`);
    const limit = this.opts.maxInflatedBytes;
    try {
      return await (encoding === "gzip" ? gunzipAsync(body, { maxOutputLength: limit }) : inflateAsync(body, { maxOutputLength: limit }));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
        throw new TooLargeError(`the ${encoding} body inflates past the limit of ${limit} bytes`, limit);
      }
      throw new DecodeError(`the ${encoding} body is corrupt or truncated: ${e.message}`, { cause: err });
    }
  }

  /** An error answer: a google.rpc.Status in the request's encoding. */
  private fail(res: ServerResponse, format: PayloadFormat, status: number, code: number, message: string, headers: Record<string, string> = {}, retryAfterSec?: number): void {
    if (format === "json") {
      const text = JSON.stringify(statusJson(code, message, retryAfterSec));
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(text);
    } else {
      const bytes = encodeStatus(code, message, retryAfterSec);
      res.writeHead(status, { "content-type": "application/x-protobuf", ...headers });
      res.end(bytes);
    }
  }
}

/** The payload format of a Content-Type header, or undefined if unsupported. */
export function formatOf(contentType: string | undefined): PayloadFormat | undefined {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return undefined;
}
