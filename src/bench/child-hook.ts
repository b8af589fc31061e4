/**
 * Preloaded (`node --import`) into the engine processes the bench starts:
 * - SIGUSR2 runs a full garbage collection (the engine runs with --expose-gc) and answers
 *   {type:"gc"} on the IPC channel, so memory is read without garbage in it;
 * - when the bench goes away (IPC disconnect), the engine gets SIGTERM (graceful drain, and the
 *   CPU profile is written), then is forced out after 15 s: a dead bench leaves no engine.
 * The channel is unref'd so it never keeps a stopping engine alive.
 */
const gc = (globalThis as { gc?: () => void }).gc;

process.on("SIGUSR2", () => {
  gc?.();
  process.send?.({ type: "gc" });
});

if (process.channel) {
  process.channel.unref();
  process.once("disconnect", () => {
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => process.exit(1), 15_000).unref();
  });
}

export {};
