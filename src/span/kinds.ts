/** OTLP `Span.SpanKind` values (opentelemetry-proto trace.proto). */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];

export const SPAN_KIND_NAMES = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"] as const;

/** Bits of {@link SpanColumns.flags}. */
export const SpanFlag = {
  /** The span has a non-empty parent span id. */
  HAS_PARENT: 1,
  /** `status.code == STATUS_CODE_ERROR`. */
  ERROR: 2,
} as const;
