import { ConfigError, PbeError } from "../errors/index.js";
import { configHelp, loadConfig, redactConfig, wantsHelp } from "../config/index.js";
import { createLogger } from "../log/index.js";
import { startEngine } from "../main.js";
import { ENGINE_NODE_FLAGS, hasEngineNodeFlags } from "./node-flags.js";

/** `pbe serve [flags]`: runs the engine until SIGTERM/SIGINT, then drains and exits 0. */
export async function serveCommand(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`Usage: pbe serve [flags]\n\nRuns the engine: OTLP receivers, evaluation, API.\n\n${configHelp()}\n`);
    return 0;
  }
  let loaded;
  try {
    loaded = loadConfig({ argv, env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pbe serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel);
  logger.debug({ config: redactConfig(config) }, "configuration");
  if (!hasEngineNodeFlags()) {
    logger.info({ nodeFlags: ENGINE_NODE_FLAGS }, "node was started without the engine's flags: at high load the engine spends ~30 % more CPU in garbage collection; `npm start` and the `pbe` command pass them, or run node with them");
  }
  let running;
  try {
    running = await startEngine({ config, logger });
  } catch (err) {
    logger.flush();
    const e = err as NodeJS.ErrnoException;
    if (err instanceof PbeError) process.stderr.write(`pbe serve: ${err.message}\n`);
    else if (e.code === "EADDRINUSE") process.stderr.write(`pbe serve: cannot listen: ${e.message} (choose another port, or 0 for a free one)\n`);
    else if (e.code === "ENOENT" || e.code === "EACCES") process.stderr.write(`pbe serve: ${e.message}\n`);
    else throw err;
    return 2;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "stopping");
      const force = setTimeout(() => {
        logger.error("shutdown took too long; exiting");
        process.exit(1);
      }, 30_000);
      force.unref();
      running.close().then(resolve, (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        resolve();
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  logger.flush();
  return 0;
}
