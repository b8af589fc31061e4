/**
 * Node (V8) flags the engine process runs with: `npm start`, the `pbe` command (its shebang),
 * the benchmark's and the tests' engine processes, the Kubernetes manifest.
 *
 * `--initial-old-space-size=256` (MiB): the engine's old generation is small (~30 MiB live at
 * 200k spans/s) while it allocates fast, so V8 kept its old-space limit within one young
 * generation of the live size and ran a major GC every ~150 ms ("GC in old space requested").
 * A higher starting limit leaves room: measured at 200k spans/s over gRPC, 22 instead of ~150
 * major GCs in 30 s and ~30 % less engine CPU. It can only be given at start-up (V8 ignores it
 * at run time), so `pbe serve` says so in its log when it is missing. It reserves nothing, and
 * garbage may wait longer for a major GC; measured, RSS under load did not grow (bench phase b:
 * 411 → 426 MiB with it at fb576b9, 418 → 439 MiB without it at 92063c9, the same day).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=256"];

/** True if this process was started with {@link ENGINE_NODE_FLAGS} (on the command line or NODE_OPTIONS). */
export function hasEngineNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return ENGINE_NODE_FLAGS.every((flag) => given.some((g) => g.replace(/_/g, "-").startsWith(flag.split("=")[0])));
}
