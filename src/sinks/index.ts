/**
 * The engine's NATS outputs (an edge): alert events through a durable outbox into the JetStream
 * stream `PBE_ALERTS`, evaluations on core NATS, the connection that carries them, and the
 * subject rules. See docs/nats.md for subscribers.
 */
export {
  ALERT_SUBJECT_PREFIX,
  EVAL_SUBJECT_PREFIX,
  ALERT_SUBJECTS,
  subjectToken,
  alertSubject,
  evalSubject,
  alertServiceFilter,
} from "./subjects.js";
export { natsConnectOptions, natsAuthFromConfig, splitCredentials, type NatsAuthSettings, type NatsConfigLike, type NatsClientTuning } from "./options.js";
export { NatsConnector, backoffMs, type NatsState, type NatsStateListener, type NatsConnectorOptions } from "./connector.js";
export {
  ALERT_STREAM,
  StreamConflictError,
  alertStreamConfig,
  ensureAlertStream,
  type AlertStreamSettings,
  type StreamSetupResult,
} from "./stream.js";
export {
  DEFAULT_RETRY,
  OutboxDelivery,
  classifyPublishError,
  isNoStreamError,
  retryDelayMs,
  errorText,
  type OutboxStore,
  type SendFn,
  type RetryPolicy,
  type FailureKind,
  type DeliveryFailure,
  type DeliveryOutcome,
  type DeliverOptions,
  type OutboxDeliveryOptions,
} from "./delivery.js";
export {
  AlertPublisher,
  alertMsgId,
  type PublishableAlert,
  type PublishResult,
  type AlertPublisherStats,
  type AlertPublisherOptions,
} from "./alerts.js";
export {
  EvaluationPublisher,
  EVAL_SCHEMA,
  serializeEvaluation,
  type PublishableEvaluation,
  type EvaluationPublisherStats,
  type EvaluationPublisherOptions,
} from "./evaluations.js";
export { createNatsSinks, type NatsSinks, type NatsSinksConfig } from "./sinks.js";
