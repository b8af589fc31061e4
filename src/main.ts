/**
 * The composition root: builds the engine from a {@link Config}, starts the receivers, the API
 * and the periodic loops, and shuts them down in order. The only place that wires I/O to the
 * pure core (signals and env are read by the CLI, which calls {@link startEngine}).
 */
import { mkdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { getHeapStatistics } from "node:v8";
import * as grpc from "@grpc/grpc-js";
import { Router, budgetRoutes, coreRoutes, createApiServer, evaluationRoutes, type ApiToken } from "./api/index.js";
import { reportRoutes } from "./api/routes-report.js";
import { recommendationRoutes } from "./api/routes-recommendations.js";
import { CostEvaluator } from "./costing/index.js";
import type { Config } from "./config/index.js";
import { Engine } from "./engine/index.js";
import { ValidationError } from "./errors/index.js";
import { BudgetTracker, type AlertEvent, type Evaluation } from "./evaluate/index.js";
import type { Logger } from "./log/index.js";
import { mcpRoutes } from "./mcp/index.js";
import { EnginePipeline, GrpcReceiver, HttpReceiver, MemoryLimiter } from "./receiver/index.js";
import { BudgetRegistry } from "./registry/index.js";
import { ResourceMapper } from "./resource/index.js";
import { Checkpointer, EvaluationLoop, ResourceRouter, type AlertSink } from "./runtime/index.js";
import { createNatsSinks, type NatsSinks } from "./sinks/index.js";
import { Store } from "./store/index.js";
import { DerivedMetrics } from "./telemetry/index.js";

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
  tracker: BudgetTracker;
  store: Store;
  nats: NatsSinks;
  /** Evaluates now (as the periodic loop does) and returns the evaluations. */
  evaluateNow(): Evaluation[];
  /**
   * Calls `listener` with every alert event (firing or resolved) as it is recorded, beside the
   * NATS sink: inside the store transaction that makes it durable, so the listener must not block.
   * What it throws is logged, never propagated. If the store refuses and the alert is retried at
   * the next evaluation, the listener hears it again (de-duplicate by `id` and `state`). Returns a
   * function that removes the listener.
   */
  onAlert(listener: (event: AlertEvent) => void): () => void;
  /** Graceful stop: stop accepting, attribute what is buffered, evaluate, checkpoint, flush, close. Idempotent. */
  close(): Promise<void>;
}

/**
 * How long a store write waits for another connection's lock. better-sqlite3 is synchronous: the
 * wait blocks the event loop, receivers included (with SQLite's 5 s, each checkpoint and
 * evaluation stalled OTLP answers for up to 10 s while another process held the lock). The
 * engine is the database's only writer; a write that finds it locked fails fast, and the
 * checkpointer and the evaluation loop keep their rows in memory and retry at their next tick.
 */
const STORE_BUSY_TIMEOUT_MS = 100;
/** `/readyz` answers not-ready for this long after a request was refused with back-pressure. */
const OVERLOAD_READY_MS = 2000;
/** How often buffered traces are checked for completion. */
const ASSEMBLY_TICK_MS = 200;
/** Base windows are kept this long (the short burn-rate windows and fine history need them). */
const BASE_RETENTION_MS = 2 * 3_600_000;

/** The package's example budgets, used when `--budgets` is not given. */
const DEFAULT_BUDGETS_FILE = fileURLToPath(new URL("../examples/budgets.yaml", import.meta.url));

export async function startEngine(opts: StartOptions): Promise<RunningEngine> {
  const { config, logger } = opts;
  const now = opts.now ?? Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const store = Store.open(config.dataDir, { busyTimeoutMs: STORE_BUSY_TIMEOUT_MS });
  try {
    return await start(config, logger, now, store);
  } catch (err) {
    store.close();
    throw err;
  }
}

async function start(config: Config, logger: Logger, now: () => number, store: Store): Promise<RunningEngine> {
  const engine = new Engine({
    decisionWaitMs: config.decisionWaitMs,
    maxTraceAgeMs: config.maxTraceAgeMs,
    maxBufferedSpans: config.maxBufferedSpans,
    minBufferTimeMs: config.minBufferTimeMs,
    recentTraces: config.recentTraces,
    maxKeysPerService: config.maxKeysPerService,
    maxStrings: config.maxStrings,
  });
  const tracker = new BudgetTracker({
    tables: engine.tables,
    baseMs: config.windowMs,
    retentionBaseMs: BASE_RETENTION_MS,
    retentionMinutesMs: config.retentionMinutesMs,
    retentionHoursMs: config.retentionHoursMs,
    fireAfter: config.alertFireAfter,
    resolveAfter: config.alertResolveAfter,
  });
  engine.addObserver(tracker);
  const resources = new ResourceRouter(
    new ResourceMapper({ mappings: config.metricMappings, serviceAttribute: config.serviceAttribute }),
    tracker,
    Math.max(config.evalIntervalMs * 6, 3_600_000),
  );
  // Cost budgets: computed from the resource samples before every evaluation (see `evaluateAt`).
  const costs = new CostEvaluator({ tracker, strings: engine.tables.strings, prices: config.prices, currency: config.currency, samplesOf: (s) => resources.samplesOf(s) });
  engine.addObserver(costs);

  // Budgets: the stored ones, then the budgets file (which replaces its own earlier entries).
  const registry = new BudgetRegistry(store, { currency: config.currency, now });
  registry.onChange((budgets) => {
    tracker.setBudgets(budgets);
    resources.setBudgets(budgets);
  });
  for (const p of registry.loadStored()) logger.warn({ problem: p }, "a stored budget no longer validates and was skipped");
  loadBudgetsFile(config, registry, logger);
  const checkpointer = new Checkpointer({
    tracker,
    store,
    logger,
    retention: { baseMs: BASE_RETENTION_MS, minutesMs: config.retentionMinutesMs, hoursMs: config.retentionHoursMs },
  });
  const restored = checkpointer.restore(now());
  logger.info(restored, "history restored");

  const nats = createNatsSinks({ config, store, logger });
  const softLimit = config.memoryLimitBytes > 0 ? config.memoryLimitBytes : Math.floor(getHeapStatistics().heap_size_limit * 0.8);
  const memory = new MemoryLimiter(softLimit);
  const pipeline = new EnginePipeline(engine, now, memory, (metrics, nowMs) => {
    resources.consume(metrics, nowMs);
  });
  const metrics = new DerivedMetrics({
    names: engine.tables.strings,
    otlpEndpoint: config.otlpMetricsEndpoint,
    exportIntervalMs: config.metricsExportIntervalMs,
    cardinalityLimit: config.metricsCardinalityLimit,
    onError: (err) => logger.warn({ err }, "derived metrics: OTLP push failed"),
    healthSource: () => ({
      spansReceived: engine.counters.spansReceived,
      spansRejected: engine.counters.spansRejected,
      spansLate: engine.assembler.stats.spansLate,
      tracesCompleted: engine.assembler.stats.tracesCompleted,
      tracesEvicted: engine.assembler.stats.tracesEvicted,
      requestsRefused: pipeline.counters.requestsRefused,
      alertsPublished: nats.alerts.stats.published,
      natsFailures: nats.alerts.stats.failedAttempts + nats.evaluations.stats.failed,
      bufferedSpans: engine.assembler.stats.bufferedSpans,
      bufferedTraces: engine.assembler.stats.bufferedTraces,
    }),
  });
  engine.addObserver(metrics);
  const alertListeners = new Set<(event: AlertEvent) => void>();
  const listenerSink: AlertSink = {
    publish: (event) => {
      for (const l of alertListeners) {
        try {
          l(event);
        } catch (err) {
          logger.error({ err }, "an alert listener failed");
        }
      }
    },
  };
  const evaluation = new EvaluationLoop({
    engine,
    tracker,
    store,
    logger,
    alertSinks: [nats.alerts, listenerSink],
    listeners: [(evaluations) => nats.evaluations.publishAll(evaluations), (evaluations) => metrics.update(evaluations)],
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
    metrics.route(),
    ...budgetRoutes(registry),
    ...evaluationRoutes({ engine, tracker, registry, now, forecastHorizonMs: config.forecastHorizonMs }),
    ...recommendationRoutes({ engine, tracker, registry, now, costModel: costs.model, forecastHorizonMs: config.forecastHorizonMs }),
    ...coreRoutes({
      engine,
      notReady: () => {
        const reasons: string[] = [];
        if (draining) reasons.push("shutting down");
        if (memory.refusing) reasons.push("overloaded: memory above the soft limit, refusing data");
        else if (pipeline.lastRefusal && now() - pipeline.lastRefusal.atMs < OVERLOAD_READY_MS) reasons.push(`overloaded: ${pipeline.lastRefusal.reason}`);
        reasons.push(...nats.notReadyReasons());
        if (checkpointer.lastError) reasons.push(`store: checkpoints failing (${checkpointer.lastError}); the history is kept in memory and retried`);
        if (evaluation.unrecordedAlerts > 0) reasons.push(`store: ${evaluation.unrecordedAlerts} alert event(s) not yet recorded (${evaluation.lastStoreError}); retried at each evaluation`);
        return reasons;
      },
      health: () => ({
        bufferedSpans: engine.assembler.stats.bufferedSpans,
        bufferedTraces: engine.assembler.stats.bufferedTraces,
        nats: nats.connector.state,
      }),
      stats: () => ({
        ingest: { ...pipeline.counters },
        memoryLimiter: { softLimitBytes: memory.softLimitBytes, usedBytes: memory.lastUsedBytes, refusing: memory.refusing, refusals: memory.refusals, collections: memory.collections },
        evaluation: { ...evaluation.stats, budgets: registry.budgets().length },
        checkpoint: { lastMs: checkpointer.lastCheckpointMs, failures: checkpointer.failures },
        resources: { samples: resources.samples },
        nats: { state: nats.connector.state, alerts: nats.alerts.stats, evaluations: nats.evaluations.stats },
      }),
    }),
  );
  const tokens: ApiToken[] = [...config.apiTokens];
  if (config.apiToken) tokens.push({ token: config.apiToken, role: "admin" });
  router.add(...reportRoutes({ engine, tracker, registry, now, forecastHorizonMs: config.forecastHorizonMs, authRequired: tokens.some((t) => t.token.length > 0), router }));
  // MCP over Streamable HTTP at /mcp: the tools call the API routes above in-process, with the caller's role.
  router.add(...mcpRoutes({ router, tokens, logger }));
  const api = createApiServer({ router, logger, tokens, maxBodyBytes: config.maxApiBodyBytes });

  const grpcPort = await grpcReceiver.start();
  const httpPort = await httpReceiver.start();
  const apiPort = await new Promise<number>((resolve, reject) => {
    api.once("error", reject);
    api.listen(config.apiPort, config.host, () => resolve((api.address() as AddressInfo).port));
  });
  memory.start();
  nats.start();

  const evaluateAt = (t: number) => (costs.tick(t), evaluation.tick(t));
  const loops = [
    every(ASSEMBLY_TICK_MS, completer(engine, now, logger), logger, "assembly tick"),
    every(config.evalIntervalMs, () => evaluateAt(now()), logger, "evaluation"),
    every(config.checkpointIntervalMs, () => checkpointer.checkpoint(now()), logger, "checkpoint"),
  ];

  logger.info({ grpc: grpcPort, http: httpPort, api: apiPort }, "listening");

  let closing: Promise<void> | undefined;
  return {
    ports: { grpc: grpcPort, http: httpPort, api: apiPort },
    engine,
    pipeline,
    registry,
    tracker,
    store,
    nats,
    evaluateNow: () => evaluateAt(now()),
    onAlert: (listener) => {
      alertListeners.add(listener);
      return () => void alertListeners.delete(listener);
    },
    close: () =>
      (closing ??= (async () => {
        draining = true;
        logger.info("shutting down: draining receivers");
        await Promise.all([grpcReceiver.stop(), httpReceiver.stop()]);
        for (const l of loops) clearInterval(l);
        const drained = engine.drain(now());
        evaluation.tick(now());
        checkpointer.checkpoint(now());
        logger.info({ traces: drained }, "attributed the buffered traces, evaluated and checkpointed");
        memory.stop();
        await Promise.all([nats.close(5000), metrics.shutdown(5000)]);
        await new Promise<void>((resolve) => {
          api.close(() => resolve());
          api.closeAllConnections();
        });
        store.close();
        logger.info("stopped");
      })()),
  };
}

/** Traces completed per slice of the assembly tick, and the time a run of slices may take. */
const COMPLETION_SLICE = 256;
const COMPLETION_SLICE_MS = 8;

/**
 * Completes the due traces in slices of at most {@link COMPLETION_SLICE_MS}, yielding to the
 * event loop between runs (setImmediate), so a burst of thousands of due traces never holds
 * the receivers for long: measured, completing every due trace in one pass held the loop for
 * 90–250 ms at full load, which was the Export p99.
 */
function completer(engine: Engine, now: () => number, logger: Logger): () => void {
  let completing = false;
  const run = () => {
    try {
      const t = now();
      const start = performance.now();
      while (engine.tick(t, COMPLETION_SLICE) === COMPLETION_SLICE && performance.now() - start < COMPLETION_SLICE_MS);
      if (engine.hasDue(t)) {
        setImmediate(run);
        return;
      }
    } catch (err) {
      logger.error({ err }, "assembly tick failed");
    }
    completing = false;
  };
  return () => {
    if (completing) return;
    completing = true;
    run();
  };
}

/** A periodic loop: unref'd, and a throwing tick is logged, never fatal. */
function every(ms: number, fn: () => unknown, logger: Logger, what: string): NodeJS.Timeout {
  const t = setInterval(() => {
    try {
      fn();
    } catch (err) {
      logger.error({ err }, `${what} failed`);
    }
  }, ms);
  t.unref();
  return t;
}

function loadBudgetsFile(config: Config, registry: BudgetRegistry, logger: Logger): void {
  const file = config.budgets ?? DEFAULT_BUDGETS_FILE;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && config.budgets === undefined) {
      logger.info({ file }, "no default budgets file; starting without file budgets");
      return;
    }
    throw err;
  }
  try {
    const { loaded, skipped } = registry.loadFile(file, text);
    logger.info({ file, budgets: loaded.length, ...(skipped.length ? { keptFromApi: skipped } : {}) }, "budgets loaded");
  } catch (err) {
    if (err instanceof ValidationError) {
      const lines = err.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
      throw new ValidationError(`${err.message}:\n${lines}`, err.problems);
    }
    throw err;
  }
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
