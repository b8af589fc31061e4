/**
 * A copy of the configuration that is safe to log: every secret setting (per the schema's
 * metadata) replaced by "***", the tokens of `apiTokens` too (their roles kept), and the
 * credentials in URLs (`nats://user:pass@host`: the password; `nats://token@host`: the token).
 */
import type { Config } from "./schema.js";
import { SETTINGS } from "./settings.js";

export const REDACTED = "***";

/** Masks the credentials of a URL: `user:pass@` → `user:***@`, `token@` → `***@`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_, scheme: string, auth: string) => {
    const colon = auth.indexOf(":");
    return `${scheme}${colon < 0 ? REDACTED : `${auth.slice(0, colon)}:${REDACTED}`}@`;
  });
}

export function redactConfig(config: Config): Config {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const s of SETTINGS) {
    if (s.path.length !== 1) continue;
    const key = s.id;
    const v = out[key];
    if (v === undefined) continue;
    if (s.kind === "tokens" && Array.isArray(v)) {
      out[key] = v.map((t: { role: unknown }) => ({ ...t, token: REDACTED }));
    } else if (s.secret) {
      out[key] = REDACTED;
    } else if (s.kind === "nats-url" && Array.isArray(v)) {
      out[key] = v.map((u) => redactUrl(String(u)));
    } else if (s.kind === "http-url" && typeof v === "string") {
      out[key] = redactUrl(v);
    }
  }
  return out as Config;
}
