/**
 * The JetStream stream `PBE_ALERTS`: created when absent, updated when its age limit or
 * de-duplication window differ from the configuration, left alone (and reported) when it
 * conflicts with what the engine needs.
 */
import { nanos } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from "@nats-io/jetstream";
import { SinkError } from "../errors/index.js";
import { ALERT_SUBJECTS } from "./subjects.js";

/** The stream that captures `pbe.alert.>`. */
export const ALERT_STREAM = "PBE_ALERTS";

/** JetStream API error codes this module reacts to. */
const STREAM_NAME_IN_USE = 10058;
const SUBJECTS_OVERLAP = 10065;

export interface AlertStreamSettings {
  /** Default `PBE_ALERTS`. */
  name?: string;
  /** How long the stream keeps an alert; 0 = no age limit (the engine's `natsStreamMaxAge`). */
  maxAgeMs: number;
  /**
   * The `Nats-Msg-Id` de-duplication window (`natsDuplicateWindow`). JetStream requires it to be
   * at most `maxAgeMs` when an age limit is set: a larger value is lowered to `maxAgeMs`.
   */
  duplicateWindowMs: number;
}

/** What {@link ensureAlertStream} did. */
export interface StreamSetupResult {
  action: "created" | "updated" | "unchanged";
  name: string;
  subjects: string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
}

/**
 * The stream cannot be used as is, and the engine will not change it by itself: it exists with
 * subjects that do not include `pbe.alert.>` or with memory storage, or another stream already
 * captures `pbe.alert.>`. An operator must act; the message says what to do. Not retryable.
 */
export class StreamConflictError extends SinkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/** The configuration the engine wants for the alert stream. */
export function alertStreamConfig(settings: AlertStreamSettings): Pick<StreamConfig, "name" | "subjects" | "storage" | "max_age" | "duplicate_window"> {
  const { maxAgeMs, duplicateWindowMs } = effectiveWindows(settings);
  return {
    name: settings.name ?? ALERT_STREAM,
    subjects: [ALERT_SUBJECTS],
    storage: StorageType.File,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(duplicateWindowMs),
  };
}

function effectiveWindows(s: AlertStreamSettings): { maxAgeMs: number; duplicateWindowMs: number } {
  if (!Number.isSafeInteger(s.maxAgeMs) || s.maxAgeMs < 0) throw new RangeError(`maxAgeMs must be a non-negative integer, got ${s.maxAgeMs}`);
  if (!Number.isSafeInteger(s.duplicateWindowMs) || s.duplicateWindowMs <= 0) {
    throw new RangeError(`duplicateWindowMs must be a positive integer, got ${s.duplicateWindowMs}`);
  }
  const duplicateWindowMs = s.maxAgeMs > 0 ? Math.min(s.duplicateWindowMs, s.maxAgeMs) : s.duplicateWindowMs;
  return { maxAgeMs: s.maxAgeMs, duplicateWindowMs };
}

/**
 * Creates the alert stream, or updates its `max_age` and `duplicate_window` when they differ;
 * idempotent, so it runs at every (re)connect and from several replicas at once (a replica that
 * loses the creation race updates instead). Subjects beyond `pbe.alert.>` that an operator added
 * are kept. Throws {@link StreamConflictError} for a conflict (see there) and the client's error
 * for anything else (JetStream not enabled, a timeout).
 */
export async function ensureAlertStream(jsm: JetStreamManager, settings: AlertStreamSettings): Promise<StreamSetupResult> {
  const want = alertStreamConfig(settings);
  for (let attempt = 0; ; attempt++) {
    const info = await streamInfo(jsm, want.name);
    if (info === undefined) {
      try {
        const created = await jsm.streams.add({ ...want });
        return result("created", created);
      } catch (err) {
        if (apiCode(err) === STREAM_NAME_IN_USE && attempt === 0) continue; // another replica created it just now
        if (apiCode(err) === SUBJECTS_OVERLAP) throw await overlapError(jsm, want.name, err);
        throw err;
      }
    }
    const cfg = info.config;
    const subjects = cfg.subjects ?? [];
    if (!subjects.includes(ALERT_SUBJECTS)) {
      throw new StreamConflictError(
        `JetStream stream ${want.name} exists with subjects ${JSON.stringify(subjects)}, which do not include "${ALERT_SUBJECTS}"; ` +
          `the engine does not change another stream's subjects: add "${ALERT_SUBJECTS}" to them or delete the stream (nats stream rm ${want.name})`,
      );
    }
    if (cfg.storage !== StorageType.File) {
      throw new StreamConflictError(
        `JetStream stream ${want.name} exists with ${cfg.storage} storage; alerts need file storage, which cannot be changed on an existing stream: ` +
          `delete the stream (nats stream rm ${want.name}) and the engine recreates it`,
      );
    }
    if (cfg.max_age === want.max_age && cfg.duplicate_window === want.duplicate_window) return result("unchanged", info);
    const updated = await jsm.streams.update(want.name, { ...cfg, max_age: want.max_age, duplicate_window: want.duplicate_window });
    return result("updated", updated);
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (apiCode(err) === JetStreamApiCodes.StreamNotFound) return undefined;
    throw err;
  }
}

async function overlapError(jsm: JetStreamManager, name: string, cause: unknown): Promise<StreamConflictError> {
  let others: string[] = [];
  try {
    const names = jsm.streams.names(ALERT_SUBJECTS);
    for await (const n of names) others.push(n);
  } catch {
    others = [];
  }
  const which = others.length > 0 ? `stream(s) ${others.join(", ")} already capture` : "another stream already captures";
  return new StreamConflictError(
    `cannot create JetStream stream ${name}: ${which} subjects overlapping "${ALERT_SUBJECTS}"; ` +
      `remove those subjects from the other stream (or delete it) so that alerts have their own stream`,
    { cause },
  );
}

function apiCode(err: unknown): number | undefined {
  return err instanceof JetStreamApiError ? err.code : undefined;
}

function result(action: StreamSetupResult["action"], info: StreamInfo): StreamSetupResult {
  return {
    action,
    name: info.config.name,
    subjects: [...(info.config.subjects ?? [])],
    maxAgeMs: Math.round(info.config.max_age / 1e6),
    duplicateWindowMs: Math.round(info.config.duplicate_window / 1e6),
  };
}
