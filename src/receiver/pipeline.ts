/** What the receivers hand payloads to; implemented over the decoders and the engine. */
export interface IngestPipeline {
  /**
   * Decodes and buffers an ExportTraceServiceRequest. Throws DecodeError (malformed),
   * CapacityError (retryable back-pressure). Returns the spans rejected as invalid, with the
   * first reason.
   */
  traces(body: Uint8Array, format: PayloadFormat): ExportOutcome;
  /** Decodes and consumes an ExportMetricsServiceRequest; same errors. */
  metrics(body: Uint8Array, format: PayloadFormat): ExportOutcome;
  /**
   * Throws CapacityError when a request would be refused whatever it holds (the memory limiter
   * is refusing), so a receiver that can skip reading the body does (counted as refused).
   */
  precheck?(): void;
}

export type PayloadFormat = "protobuf" | "json";

export interface ExportOutcome {
  accepted: number;
  rejected: number;
  reason?: string;
}
