/**
 * The composition root: builds the engine from a {@link Config}, starts the receivers, the API
 * and the periodic loops, and shuts them down in order. The only place that wires I/O to the
 * pure core (signals and env are read by the CLI, which calls {@link startEngine}).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { Router, budgetRoutes, coreRoutes, createApiServer, type ApiToken } from "./api/index.js";
import { ValidationError } from "./errors/index.js";
import { BudgetRegistry } from "./registry/index.js";
import { Store } from "./store/index.js";
import type { Config } from "./config/index.js";
import { Engine } from "./engine/index.js";
import type { Logger } from "./log/index.js";
import { EnginePipeline, GrpcReceiver, HttpReceiver, MemoryLimiter } from "./receiver/index.js";
import { getHeapStatistics } from "node:v8";

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** The engine's wall clock in ms (tests inject one). */
  now?: () => number;
}

export interface RunningEngine {
  ports: { grpc: number; http: number; api: number };
  engine: Engine;
  pipeline: EnginePipeline;
  registry: BudgetRegistry;
  store: Store;
  /** Graceful stop: stop accepting, attribute what is buffered, flush, close. Idempotent. */
  close(): Promise<void>;
}

/** How often buffered traces are checked for completion. */
const ASSEMBLY_TICK_MS = 200;

/** The package's example budgets, used when `--budgets` is not given. */
const DEFAULT_BUDGETS_FILE = fileURLToPath(new URL("../examples/budgets.yaml", import.meta.url));

export async function startEngine(opts: StartOptions): Promise<RunningEngine> {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const store = Store.open(config.dataDir);
  const registry = new BudgetRegistry(store, { currency: config.currency, now });
  for (const p of registry.loadStored()) logger.warn({ problem: p }, "a stored budget no longer validates and was skipped");
  const budgetsFile = config.budgets ?? DEFAULT_BUDGETS_FILE;
  try {
    const { loaded, skipped } = registry.loadFile(budgetsFile, readFileSync(budgetsFile, "utf8"));
    logger.info({ file: budgetsFile, budgets: loaded.length, ...(skipped.length ? { keptFromApi: skipped } : {}) }, "budgets loaded");
  } catch (err) {
    store.close();
    if (err instanceof ValidationError) {
      const lines = err.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
      throw new ValidationError(`${err.message}:\n${lines}`, err.problems);
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && config.budgets === undefined) {
      logger.info({ file: budgetsFile }, "no default budgets file; starting without file budgets");
    } else {
      throw err;
    }
  }

  const engine = new Engine({
    decisionWaitMs: config.decisionWaitMs,
    maxTraceAgeMs: config.maxTraceAgeMs,
    maxBufferedSpans: config.maxBufferedSpans,
    minBufferTimeMs: config.minBufferTimeMs,
    recentTraces: config.recentTraces,
    maxKeysPerService: config.maxKeysPerService,
    maxStrings: config.maxStrings,
  });

  const softLimit = config.memoryLimitBytes > 0 ? config.memoryLimitBytes : Math.floor(getHeapStatistics().heap_size_limit * 0.8);
  const memory = new MemoryLimiter(softLimit);
  memory.start();

  const pipeline = new EnginePipeline(engine, now, memory, () => {
    // Metrics feed resource budgets (a later capability); they are decoded and counted here.
  });

  let draining = false;
  const grpcReceiver = new GrpcReceiver({
    host: config.host,
    port: config.grpcPort,
    maxMessageBytes: config.maxMessageBytes,
    pipeline,
    logger,
    credentials: grpcCredentials(config),
  });
  const httpReceiver = new HttpReceiver({
    host: config.host,
    port: config.httpPort,
    maxMessageBytes: config.maxMessageBytes,
    maxInflatedBytes: config.maxInflatedBytes,
    pipeline,
    logger,
    refusing: () => (draining ? "the engine is shutting down" : undefined),
    tls: httpsOptions(config),
  });

  const router = new Router().add(
    ...budgetRoutes(registry),
    ...coreRoutes({
      engine,
      notReady: () => {
        const reasons: string[] = [];
        if (draining) reasons.push("shutting down");
        if (memory.refusing) reasons.push("overloaded: memory above the soft limit, refusing data");
        return reasons;
      },
      health: () => ({
        bufferedSpans: engine.assembler.stats.bufferedSpans,
        bufferedTraces: engine.assembler.stats.bufferedTraces,
      }),
      stats: () => ({ ingest: { ...pipeline.counters }, memoryLimiter: { softLimitBytes: memory.softLimitBytes, usedBytes: memory.lastUsedBytes, refusing: memory.refusing } }),
    }),
  );
  const tokens: ApiToken[] = [...config.apiTokens];
  if (config.apiToken) tokens.push({ token: config.apiToken, role: "admin" });
  const api = createApiServer({ router, logger, tokens, maxBodyBytes: config.maxApiBodyBytes });

  const grpcPort = await grpcReceiver.start();
  const httpPort = await httpReceiver.start();
  const apiPort = await new Promise<number>((resolve, reject) => {
    api.once("error", reject);
    api.listen(config.apiPort, config.host, () => resolve((api.address() as AddressInfo).port));
  });

  const tick = setInterval(() => {
    try {
      engine.tick(now());
    } catch (err) {
      logger.error({ err }, "assembly tick failed");
    }
  }, ASSEMBLY_TICK_MS);
  tick.unref();

  logger.info({ grpc: grpcPort, http: httpPort, api: apiPort }, "listening");

  let closing: Promise<void> | undefined;
  return {
    ports: { grpc: grpcPort, http: httpPort, api: apiPort },
    engine,
    pipeline,
    registry,
    store,
    close: () =>
      (closing ??= (async () => {
        draining = true;
        logger.info("shutting down: draining receivers");
        await Promise.all([grpcReceiver.stop(), httpReceiver.stop()]);
        clearInterval(tick);
        const drained = engine.drain(now());
        logger.info({ traces: drained }, "attributed the buffered traces");
        memory.stop();
        await new Promise<void>((resolve) => {
          api.close(() => resolve());
          api.closeAllConnections();
        });
        store.close();
        logger.info("stopped");
      })()),
  };
}

function grpcCredentials(config: Config): grpc.ServerCredentials | undefined {
  if (!config.otlpTlsCert || !config.otlpTlsKey) return undefined;
  const ca = config.otlpTlsCa ? readFileSync(config.otlpTlsCa) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readFileSync(config.otlpTlsCert), private_key: readFileSync(config.otlpTlsKey) }],
    config.otlpTlsClientAuth,
  );
}

function httpsOptions(config: Config) {
  if (!config.otlpTlsCert || !config.otlpTlsKey) return undefined;
  return {
    cert: readFileSync(config.otlpTlsCert),
    key: readFileSync(config.otlpTlsKey),
    ...(config.otlpTlsCa ? { ca: readFileSync(config.otlpTlsCa) } : {}),
    requestCert: config.otlpTlsClientAuth,
    rejectUnauthorized: config.otlpTlsClientAuth,
  };
}
