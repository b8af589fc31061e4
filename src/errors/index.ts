/**
 * The engine's error family. One base error with a machine-readable `code` and the standard
 * `cause`; subclasses per kind. Edges map codes mechanically: see {@link httpStatusOf} and the
 * gRPC/MCP mappings in the receivers and the MCP server. The pure core returns expected outcomes
 * as values and throws only for bugs.
 */

export type ErrorCode =
  | "invalid_config"
  | "invalid_argument"
  | "validation_failed"
  | "decode_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "resource_exhausted"
  | "unavailable"
  | "not_found"
  | "conflict"
  | "unauthenticated"
  | "permission_denied"
  | "sink_failed"
  | "store_failed"
  | "internal";

/** One problem found while validating input: where (a dotted path) and why. */
export interface Problem {
  path: string;
  message: string;
}

export class PbeError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** Bad configuration: the message names the key. */
export class ConfigError extends PbeError {
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super("invalid_config", `${key}: ${message}`, options);
    this.key = key;
  }
}

/** Input that is well-formed but invalid; carries every problem found. */
export class ValidationError extends PbeError {
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[]) {
    super("validation_failed", message, { details: { problems } });
    this.problems = problems;
  }
}

/** A payload that cannot be decoded (malformed protobuf or JSON). */
export class DecodeError extends PbeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("decode_failed", message, options);
  }
}

/** A payload or inflated body past its size limit. */
export class TooLargeError extends PbeError {
  readonly limitBytes: number;
  constructor(message: string, limitBytes: number) {
    super("payload_too_large", message, { details: { limitBytes } });
    this.limitBytes = limitBytes;
  }
}

/** Retryable back-pressure: the engine is full; the client should retry after `retryAfterSec`. */
export class CapacityError extends PbeError {
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec = 1) {
    super("resource_exhausted", message, { details: { retryAfterSec } });
    this.retryAfterSec = retryAfterSec;
  }
}

export class NotFoundError extends PbeError {
  constructor(message: string) {
    super("not_found", message);
  }
}

/** A sink (NATS, exporter, store) failed; `retryable` says whether trying again may help. */
export class SinkError extends PbeError {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super("sink_failed", message, options);
    this.retryable = retryable;
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_config: 400,
  invalid_argument: 400,
  validation_failed: 422,
  decode_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  resource_exhausted: 429,
  unavailable: 503,
  not_found: 404,
  conflict: 409,
  unauthenticated: 401,
  permission_denied: 403,
  sink_failed: 502,
  store_failed: 500,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** The JSON error body of the HTTP API: `{"error":{"code","message","details"}}`. */
export function errorBody(err: unknown): { error: { code: ErrorCode; message: string; details?: unknown } } {
  if (err instanceof PbeError) {
    return { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
  }
  return { error: { code: "internal", message: "internal error" } };
}
