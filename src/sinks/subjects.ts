/**
 * NATS subjects of the engine's outputs (CONTRACT.md "NATS"):
 * `pbe.alert.<service>.<budgetId>` and `pbe.eval.<service>.<budgetId>`, where each name is one
 * subject token.
 */

/** Prefix of alert subjects; the JetStream stream `PBE_ALERTS` captures `pbe.alert.>`. */
export const ALERT_SUBJECT_PREFIX = "pbe.alert";
/** Prefix of evaluation subjects (core NATS, not captured by a stream). */
export const EVAL_SUBJECT_PREFIX = "pbe.eval";
/** Everything the alert stream captures. */
export const ALERT_SUBJECTS = `${ALERT_SUBJECT_PREFIX}.>`;

const OUTSIDE_TOKEN = /[^A-Za-z0-9_-]/g;

/**
 * A name as one NATS subject token: every UTF-16 code unit outside `[A-Za-z0-9_-]` becomes `_`
 * (CONTRACT.md), and the empty name becomes `_`. So a name never adds a token (`.`), never becomes
 * a wildcard (`*`, `>`), never holds whitespace or control characters, and the result is plain
 * ASCII. Examples: `checkout` → `checkout`, `a.>` → `a__`, `x*` → `x_`, `a b` → `a_b`,
 * `café` → `caf_`, `🚀` → `__` (an astral character is two code units), `""` → `_`.
 *
 * The mapping is not injective (`a.b` and `a_b` share a token); subscribers that need the exact
 * names read `service` and `budgetId` from the JSON payload.
 */
export function subjectToken(name: string): string {
  if (name.length === 0) return "_";
  return name.replace(OUTSIDE_TOKEN, "_");
}

/** `pbe.alert.<service token>.<budgetId token>`: always exactly four tokens. */
export function alertSubject(service: string, budgetId: string): string {
  return `${ALERT_SUBJECT_PREFIX}.${subjectToken(service)}.${subjectToken(budgetId)}`;
}

/** `pbe.eval.<service token>.<budgetId token>`: always exactly four tokens. */
export function evalSubject(service: string, budgetId: string): string {
  return `${EVAL_SUBJECT_PREFIX}.${subjectToken(service)}.${subjectToken(budgetId)}`;
}

/** The filter for every alert of one service: `pbe.alert.<service token>.>`. */
export function alertServiceFilter(service: string): string {
  return `${ALERT_SUBJECT_PREFIX}.${subjectToken(service)}.>`;
}
