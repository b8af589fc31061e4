/**
 * Quantile sketches: the engine's merging t-digest (one per budget key and window; windows roll
 * up by merging, checkpoint as bytes, and replicas merge each other's) and its binary format.
 */
export { TDigest, DEFAULT_COMPRESSION, MIN_COMPRESSION, MAX_COMPRESSION } from "./tdigest.js";
export { FORMAT_VERSION } from "./codec.js";
