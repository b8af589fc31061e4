export { EvaluationLoop, type AlertSink, type EvaluationListener, type EvaluationStats } from "./evaluation-loop.js";
export { Checkpointer } from "./checkpointer.js";
export { ResourceRouter } from "./resources.js";
