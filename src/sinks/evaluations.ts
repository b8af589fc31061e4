/**
 * Every evaluation to core NATS on `pbe.eval.<service>.<budgetId>`, best effort: evaluations
 * recur every interval, so one missed while NATS is away is replaced by the next.
 */
import type { Logger } from "../log/index.js";
import type { NatsConnector } from "./connector.js";
import { errorText } from "./delivery.js";
import { evalSubject } from "./subjects.js";

/** The schema tag added to every published evaluation. */
export const EVAL_SCHEMA = "pbe.eval.v1";

/** What the publisher needs of an evaluation (a compliance entry); the whole object is published. */
export interface PublishableEvaluation {
  budgetId: string;
  service: string;
}

export interface EvaluationPublisherStats {
  /** Handed to the NATS client (core publish has no ack). */
  published: number;
  /** Not sent because NATS was not connected (or publishing is disabled by configuration). */
  dropped: number;
  /** The client refused them (e.g. larger than the server's max_payload). */
  failed: number;
  lastError: string | undefined;
}

export interface EvaluationPublisherOptions {
  connector: NatsConnector;
  logger: Logger;
  /** `natsPublishEvaluations`; default true. When false every evaluation is counted as dropped. */
  enabled?: boolean;
  /** Subjects cached for this many (service, budget) pairs; default 10 000 (then the cache restarts). */
  subjectCacheSize?: number;
}

/**
 * Core NATS publish (no JetStream, no ack) of evaluations as JSON with `schema: "pbe.eval.v1"`
 * first. Best effort: while the connector is not `connected` an evaluation is dropped and
 * counted (not buffered: the client's reconnect buffer stays free for alerts' retries and the
 * next evaluation supersedes it). Cheap: one `JSON.stringify` per evaluation, subjects cached,
 * no await.
 */
export class EvaluationPublisher {
  private readonly connector: NatsConnector;
  private readonly logger: Logger;
  private readonly enabled: boolean;
  private readonly cacheSize: number;
  private readonly subjects = new Map<string, string>();
  private readonly counters = { published: 0, dropped: 0, failed: 0 };
  private error: string | undefined;
  private loggedError: string | undefined;

  constructor(opts: EvaluationPublisherOptions) {
    this.connector = opts.connector;
    this.logger = opts.logger;
    this.enabled = opts.enabled ?? true;
    this.cacheSize = opts.subjectCacheSize ?? 10_000;
  }

  /** Publishes one evaluation; true when it was handed to the client. Never throws for NATS trouble. */
  publish(evaluation: PublishableEvaluation): boolean {
    const nc = this.connector.connection;
    if (!this.enabled || this.connector.state !== "connected" || nc === undefined) {
      this.counters.dropped++;
      return false;
    }
    try {
      nc.publish(this.subject(evaluation.service, evaluation.budgetId), serializeEvaluation(evaluation));
      this.counters.published++;
      return true;
    } catch (err) {
      this.counters.failed++;
      const message = errorText(err);
      this.error = message;
      if (this.loggedError !== message) {
        this.loggedError = message;
        this.logger.warn({ budgetId: evaluation.budgetId, service: evaluation.service, error: message }, "evaluation not published to NATS");
      }
      return false;
    }
  }

  /** Publishes each; returns how many were handed to the client. */
  publishAll(evaluations: Iterable<PublishableEvaluation>): number {
    let n = 0;
    for (const e of evaluations) if (this.publish(e)) n++;
    return n;
  }

  get stats(): EvaluationPublisherStats {
    return { ...this.counters, lastError: this.error };
  }

  private subject(service: string, budgetId: string): string {
    const key = `${service}\u0000${budgetId}`;
    let s = this.subjects.get(key);
    if (s === undefined) {
      if (this.subjects.size >= this.cacheSize) this.subjects.clear();
      s = evalSubject(service, budgetId);
      this.subjects.set(key, s);
    }
    return s;
  }
}

/** `{"schema":"pbe.eval.v1", …the evaluation's fields}` as one JSON line; an evaluation's own `schema` field is replaced. */
export function serializeEvaluation(evaluation: object): string {
  if ("schema" in evaluation) return JSON.stringify({ ...evaluation, schema: EVAL_SCHEMA });
  const body = JSON.stringify(evaluation);
  return body === "{}" ? `{"schema":"${EVAL_SCHEMA}"}` : `{"schema":"${EVAL_SCHEMA}",${body.slice(1)}`;
}
