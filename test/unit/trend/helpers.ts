// Shared by the trend tests.

/** A deterministic PRNG (mulberry32) in [0, 1). */
export { mulberry32 as rng } from "../../../src/random/index.js";
