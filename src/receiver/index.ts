export { GrpcReceiver, type GrpcReceiverOptions } from "./grpc.js";
export { HttpReceiver, formatOf, type HttpReceiverOptions } from "./http.js";
export { EnginePipeline, type IngestCounters, type MetricsConsumer } from "./ingest.js";
export { MemoryLimiter } from "./limiter.js";
export { encodeStatus, statusJson, GrpcCode } from "./status.js";
export type { IngestPipeline, ExportOutcome, PayloadFormat } from "./pipeline.js";
