/**
 * The load generator's transports: one instance is one connection. Requests go out as raw bytes
 * (grpc-js with identity serializers; node:http with a keep-alive agent), answers are not
 * decoded: success is the status (gRPC OK, HTTP 200).
 */
import { request as httpRequest, Agent } from "node:http";
import * as grpc from "@grpc/grpc-js";

export type Protocol = "grpc" | "http";
export type Signal = "traces" | "metrics";

/** Called once per request: `undefined` on success, else the error's code name. */
export type Done = (error: string | undefined) => void;

export interface Transport {
  /** `body` must stay unchanged until `done` is called. */
  send(signal: Signal, body: Buffer, done: Done): void;
  /** Resolves when connected (gRPC) or at once (HTTP connects on first use). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

const GRPC_PATHS: Record<Signal, string> = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};
const HTTP_PATHS: Record<Signal, string> = { traces: "/v1/traces", metrics: "/v1/metrics" };

const identity = (b: Buffer) => b;

/** The gRPC status name of a code (`RESOURCE_EXHAUSTED`), or the number. */
function grpcCodeName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}

export class GrpcTransport implements Transport {
  private readonly client: grpc.Client;

  constructor(target: string) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      // A channel of its own: grpc-js otherwise shares one subchannel (one TCP connection)
      // between clients of the same target and options.
      "grpc.use_local_subchannel_pool": 1,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
      "grpc.max_receive_message_length": 4 * 1024 * 1024,
    });
  }

  send(signal: Signal, body: Buffer, done: Done): void {
    this.client.makeUnaryRequest<Buffer, Buffer>(GRPC_PATHS[signal], identity, identity, body, (err) => {
      done(err ? grpcCodeName(err.code) : undefined);
    });
  }

  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.client.close();
  }
}

export class HttpTransport implements Transport {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  /** `sockets`: the connection's share of concurrent requests (HTTP/1.1: one per socket). */
  constructor(target: string, sockets: number) {
    const i = target.lastIndexOf(":");
    this.host = target.slice(0, i).replace(/^\[|\]$/g, "");
    this.port = Number(target.slice(i + 1));
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  send(signal: Signal, body: Buffer, done: Done): void {
    let finished = false;
    const finish = (e: string | undefined) => {
      if (finished) return;
      finished = true;
      done(e);
    };
    const req = httpRequest(
      {
        agent: this.agent,
        host: this.host,
        port: this.port,
        method: "POST",
        path: HTTP_PATHS[signal],
        headers: { "content-type": "application/x-protobuf", "content-length": body.length },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.once("end", () => finish(status === 200 ? undefined : `HTTP_${status}`));
        res.once("error", (err: NodeJS.ErrnoException) => finish(err.code ?? "HTTP_ERROR"));
      },
    );
    req.once("error", (err: NodeJS.ErrnoException) => finish(err.code ?? "HTTP_ERROR"));
    req.end(body);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.agent.destroy();
  }
}

export function createTransport(protocol: Protocol, target: string, concurrency: number): Transport {
  return protocol === "grpc" ? new GrpcTransport(target) : new HttpTransport(target, concurrency);
}
