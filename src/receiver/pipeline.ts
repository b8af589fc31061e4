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
}

export type PayloadFormat = "protobuf" | "json";

export interface ExportOutcome {
  accepted: number;
  rejected: number;
  reason?: string;
}
