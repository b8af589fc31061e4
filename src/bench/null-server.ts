/**
 * Entry of the raw-transport ceiling server (dist/bench/null-server.js), forked by the bench:
 * the engine's own OTLP receivers (same grpc-js options and raised HTTP/2 windows, same HTTP
 * server) with a pipeline that does nothing, so the load generator measures transport alone.
 * Reports {type:"listening", grpc, http} on the IPC channel; exits on SIGTERM or when the bench
 * goes away.
 */
import { silentLogger } from "../log/index.js";
import { GrpcReceiver, HttpReceiver, type IngestPipeline } from "../receiver/index.js";

const nothing: IngestPipeline = {
  traces: () => ({ accepted: 0, rejected: 0 }),
  metrics: () => ({ accepted: 0, rejected: 0 }),
};

async function main(): Promise<void> {
  const logger = silentLogger();
  const maxMessageBytes = 64 * 1024 * 1024;
  const grpc = new GrpcReceiver({ host: "127.0.0.1", port: 0, maxMessageBytes, pipeline: nothing, logger });
  const http = new HttpReceiver({ host: "127.0.0.1", port: 0, maxMessageBytes, maxInflatedBytes: maxMessageBytes, pipeline: nothing, logger });
  const ports = { grpc: await grpc.start(), http: await http.start() };
  const stop = () => {
    void Promise.all([grpc.stop(1000), http.stop()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.once("disconnect", stop);
  process.send?.({ type: "listening", ...ports });
}

if (process.send) {
  main().catch((err: unknown) => {
    process.stderr.write(`null server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
