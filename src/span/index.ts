export { Interner, ABSENT, OVERFLOW, OVERFLOW_NAME } from "./interner.js";
export { SpanKind, SPAN_KIND_NAMES, SpanFlag, type SpanKindValue } from "./kinds.js";
export { SpanColumns, SpanBatch, StringTables } from "./columns.js";
export {
  traceKeyToHex,
  hexToTraceKey,
  spanIdToHex,
  hexToSpanId,
  wordsToBigInt,
  bigIntToWords,
  diffNs,
} from "./ids.js";
