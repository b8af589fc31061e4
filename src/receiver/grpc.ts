import * as grpc from "@grpc/grpc-js";
import { CapacityError, DecodeError, PbeError } from "../errors/index.js";
import type { Logger } from "../log/index.js";
import { encodeMetricsResponse, encodeTraceResponse } from "../otlp/index.js";
import type { IngestPipeline } from "./pipeline.js";
import { GrpcCode, encodeStatus } from "./status.js";

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  pipeline: IngestPipeline;
  logger: Logger;
  credentials?: grpc.ServerCredentials;
}

const identity = (b: Buffer) => b;
const toBuffer = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A unary Export method that hands the raw request bytes to the engine's own decoder. */
function exportMethod(path: string): grpc.MethodDefinition<Buffer, Uint8Array> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: toBuffer,
    responseDeserialize: identity,
  };
}

const TRACE_SERVICE: grpc.ServiceDefinition = {
  Export: exportMethod("/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
};
const METRICS_SERVICE: grpc.ServiceDefinition = {
  Export: exportMethod("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"),
};

/** HTTP/2 flow-control window for OTLP connections; see {@link raiseReceiveWindows}. */
const RECEIVE_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * The OTLP/gRPC receiver (TraceService/Export, MetricsService/Export) on @grpc/grpc-js. gzip
 * request compression is handled by grpc-js, within `maxMessageBytes` after inflating. Errors
 * follow the OTLP specification: INVALID_ARGUMENT for undecodable requests (not retried),
 * RESOURCE_EXHAUSTED with a RetryInfo detail when the engine is full (retried after the delay),
 * success with partial_success for rejected spans.
 */
export class GrpcReceiver {
  private readonly server: grpc.Server;
  port = 0;

  constructor(private readonly opts: GrpcReceiverOptions) {
    this.server = new grpc.Server({
      "grpc.max_receive_message_length": opts.maxMessageBytes,
      "grpc.max_send_message_length": 4 * 1024 * 1024,
    });
    this.server.addService(TRACE_SERVICE, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>) =>
        this.handle(call, cb, "traces"),
    });
    this.server.addService(METRICS_SERVICE, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>) =>
        this.handle(call, cb, "metrics"),
    });
  }

  async start(): Promise<number> {
    const creds = this.opts.credentials ?? grpc.ServerCredentials.createInsecure();
    this.port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${hostForBind(this.opts.host)}:${this.opts.port}`, creds, (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.raiseReceiveWindows();
    return this.port;
  }

  /** Stops accepting calls and waits for those in flight (bounded by `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private handle(call: grpc.ServerUnaryCall<Buffer, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>, signal: "traces" | "metrics"): void {
    try {
      const out = signal === "traces" ? this.opts.pipeline.traces(call.request, "protobuf") : this.opts.pipeline.metrics(call.request, "protobuf");
      const partial = out.rejected > 0 ? { rejected: out.rejected, errorMessage: out.reason } : undefined;
      cb(null, signal === "traces" ? encodeTraceResponse(partial) : encodeMetricsResponse(partial));
    } catch (err) {
      cb(this.toStatus(err, signal));
    }
  }

  private toStatus(err: unknown, signal: string): Partial<grpc.StatusObject> {
    const metadata = new grpc.Metadata();
    if (err instanceof CapacityError) {
      metadata.set("grpc-status-details-bin", encodeStatus(GrpcCode.RESOURCE_EXHAUSTED, err.message, err.retryAfterSec));
      return { code: grpc.status.RESOURCE_EXHAUSTED, details: err.message, metadata };
    }
    if (err instanceof DecodeError || (err instanceof PbeError && (err.code === "invalid_argument" || err.code === "payload_too_large"))) {
      return { code: grpc.status.INVALID_ARGUMENT, details: `cannot decode the ${signal} request: ${err.message}`, metadata };
    }
    this.opts.logger.error({ err }, `grpc ${signal} export failed`);
    return { code: grpc.status.INTERNAL, details: "internal error", metadata };
  }

  /**
   * grpc-js keeps HTTP/2's default 64 KiB receive window and has no option to raise it; measured
   * here, that caps one connection at ~190 MB/s and raising it to 16 MiB tripled raw ingest. The
   * http2 servers are reached through grpc-js's (private) `http2Servers` map; if a grpc-js
   * release renames it, this quietly does nothing and the defaults apply.
   */
  private raiseReceiveWindows(): void {
    const servers = (this.server as unknown as { http2Servers?: Map<unknown, unknown> }).http2Servers;
    if (!(servers instanceof Map)) {
      this.opts.logger.debug("grpc-js internals changed: HTTP/2 receive window left at its default");
      return;
    }
    for (const h2 of servers.keys()) {
      const server = h2 as import("node:http2").Http2Server;
      if (typeof server.on !== "function") continue;
      server.updateSettings?.({ initialWindowSize: RECEIVE_WINDOW_BYTES });
      server.on("session", (session: import("node:http2").ServerHttp2Session) => {
        try {
          session.setLocalWindowSize(RECEIVE_WINDOW_BYTES);
        } catch {
          // The session may already be closing; nothing to tune then.
        }
      });
    }
  }
}

/** grpc-js wants IPv6 addresses in brackets. */
function hostForBind(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
