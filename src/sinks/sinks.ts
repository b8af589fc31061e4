/** The NATS outputs wired together from the engine's configuration, for the composition root. */
import type { Logger } from "../log/index.js";
import { AlertPublisher, type AlertPublisherOptions } from "./alerts.js";
import { NatsConnector, type NatsConnectorOptions } from "./connector.js";
import type { OutboxStore } from "./delivery.js";
import { EvaluationPublisher } from "./evaluations.js";
import { natsAuthFromConfig, type NatsConfigLike } from "./options.js";

/** The configuration keys of the NATS outputs (a structural subset of the engine's `Config`). */
export interface NatsSinksConfig extends NatsConfigLike {
  natsStreamMaxAgeMs: number;
  natsDuplicateWindowMs: number;
  natsPublishEvaluations: boolean;
}

export interface NatsSinks {
  connector: NatsConnector;
  alerts: AlertPublisher;
  evaluations: EvaluationPublisher;
  /** Starts connecting (in the background) and the alert delivery loop; returns at once. */
  start(): void;
  /** Shutdown in order: stop the alert loop and flush it (at most `timeoutMs`), then drain the connection. */
  close(timeoutMs?: number): Promise<void>;
  /** `/readyz` reasons (empty when NATS is disabled or fine). */
  notReadyReasons(): string[];
}

/**
 * Builds the connector and both publishers. With `nats` unset everything is `disabled`: alerts
 * are neither published nor stored, evaluations are counted as dropped, no reason is reported.
 */
export function createNatsSinks(opts: {
  config: NatsSinksConfig;
  store: OutboxStore;
  logger: Logger;
  connector?: Partial<Omit<NatsConnectorOptions, "auth" | "logger">>;
  alerts?: Partial<Omit<AlertPublisherOptions, "connector" | "store" | "logger" | "stream">>;
}): NatsSinks {
  const { config, store, logger } = opts;
  const connector = new NatsConnector({ ...opts.connector, auth: natsAuthFromConfig(config), logger });
  const alerts = new AlertPublisher({
    ...opts.alerts,
    connector,
    store,
    logger,
    stream: { maxAgeMs: config.natsStreamMaxAgeMs, duplicateWindowMs: config.natsDuplicateWindowMs },
  });
  const evaluations = new EvaluationPublisher({ connector, logger, enabled: config.natsPublishEvaluations });
  return {
    connector,
    alerts,
    evaluations,
    start() {
      alerts.start();
      connector.start();
    },
    async close(timeoutMs = 5000) {
      await alerts.close(timeoutMs);
      await connector.close(timeoutMs);
    },
    notReadyReasons: () => alerts.notReadyReasons(),
  };
}
