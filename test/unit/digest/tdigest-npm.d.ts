// Minimal types for the npm `tdigest` package (0.1.3, untyped CommonJS), used only as a test oracle.
declare module "tdigest" {
  export class TDigest {
    constructor(delta?: number | false, K?: number, CX?: number);
    push(x: number | number[], n?: number): void;
    compress(): void;
    size(): number;
    percentile(p: number): number;
    p_rank(x: number): number;
    toArray(): { mean: number; n: number }[];
  }
  const mod: { TDigest: typeof TDigest };
  export default mod;
}
