export { Engine, type EngineOptions, type EngineCounters, type TraceObserver } from "./engine.js";
export { AttributionRing } from "./ring.js";
export { Catalogue, type ServiceInfo } from "./catalogue.js";
export { KeyLimiter } from "./limiter.js";
