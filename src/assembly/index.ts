export {
  Assembler,
  type AssemblerOptions,
  type AssemblerStats,
  type AddResult,
  type CompletedTrace,
  type CompletionReason,
  type TraceConsumer,
} from "./assembler.js";
export { SpanStore } from "./store.js";
