/**
 * The building blocks of the settings schema: one zod schema per kind of value (port, duration,
 * size, …). Each accepts both the typed form of a config file (numbers, booleans, lists) and the
 * string form of a flag or an environment variable, so flags and env vars go through the schema
 * unchanged and normalisation lives in one place. Problems are reported as custom issues whose
 * message says what is wrong with the value ("is not a port (0-65535)"); the loader prefixes the
 * key as the user wrote it and the value. An issue with `params.bare` must not have its value
 * echoed (secrets).
 */
import { z } from "zod";
import { parseBytes, parseDurationMs, parseMoney } from "../units/index.js";

/** The kind of a setting: drives flag parsing (booleans take no value) and the help placeholder. */
export type Kind =
  | "text"
  | "secret"
  | "path"
  | "port"
  | "count"
  | "bool"
  | "duration"
  | "size"
  | "nats-url"
  | "http-url"
  | "level"
  | "currency"
  | "price"
  | "tokens"
  | "mappings"
  | "table";

/** Section of `--help` and of docs/configuration.md, in display order. */
export const GROUPS = {
  listen: "Listening",
  files: "Files",
  assembly: "Trace assembly",
  evaluation: "Windows, evaluation and history",
  alerts: "Alerts and forecasts",
  nats: "NATS",
  metrics: "Derived metrics",
  input: "Metric input",
  limits: "Limits",
  security: "API access and TLS",
  cost: "Cost",
  logging: "Logging",
} as const;
export type Group = keyof typeof GROUPS;

/** What the schema says about a setting besides its type and description. */
export interface SettingMeta {
  kind?: Kind;
  group?: Group;
  /** The value changes unit when normalised: the Config key gets the suffix `Ms` / `Bytes`. */
  unit?: "ms" | "bytes";
  /** Never printed: redacted by redactConfig and never echoed in error messages. */
  secret?: boolean;
  /** Explicit flag name without `--`; `null` = no flag (config file only). Default: kebab-case key. */
  flag?: string | null;
  /** Environment variables, first set one wins; `null` = none. Default: PBE_ + the flag in SCREAMING_SNAKE. */
  env?: readonly string[] | null;
  /** `false` = flag and environment only (the `config` path itself). */
  inFile?: boolean;
  /** Placeholder of the value in `--help`, e.g. `port`. */
  placeholder?: string;
}

/** Registry of the settings' metadata; clones (`.describe()`) inherit their parent's entry. */
export const settingMeta = z.registry<SettingMeta>();

declare const msBrand: unique symbol;
declare const bytesBrand: unique symbol;
declare const priceBrand: unique symbol;
/** A duration normalised to milliseconds; the Config key gets the suffix `Ms`. */
export type Ms = number & { readonly [msBrand]: true };
/** A size normalised to bytes; the Config key gets the suffix `Bytes`. */
export type Bytes = number & { readonly [bytesBrand]: true };
/** A price before the cross-field currency check; the Config holds only the amount. */
export interface Price {
  readonly amount: number;
  readonly currency: string | undefined;
  readonly [priceBrand]: true;
}

export const API_ROLES = ["read", "admin"] as const;
export type ApiRole = (typeof API_ROLES)[number];
export interface ApiToken {
  token: string;
  role: ApiRole;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A problem with a value; `bare` = do not echo the value (secrets). */
class Bad {
  constructor(
    readonly message: string,
    readonly bare = false,
  ) {}
}

/** A schema from a parse function that returns the normalised value or a {@link Bad}. */
function scalar<T>(parse: (v: unknown) => T | Bad) {
  return z.unknown().transform((v, ctx): T => {
    const out = parse(v);
    if (out instanceof Bad) {
      ctx.addIssue({ code: "custom", message: out.message, params: out.bare ? { bare: true } : {} });
      return z.NEVER;
    }
    return out;
  });
}

function trimmed(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

function parsePort(v: unknown): number | Bad {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : new Bad("is not a port (0-65535)");
}

function parseCount(v: unknown): number | Bad {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d[\d_]*\s*$/.test(v) ? Number(v.replace(/_/g, "")) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : new Bad("is not a positive integer");
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
function parseBool(v: unknown): boolean | Bad {
  if (typeof v === "boolean") return v;
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim().toLowerCase() : undefined;
  if (s !== undefined && TRUE.has(s)) return true;
  if (s !== undefined && FALSE.has(s)) return false;
  return new Bad("is not a boolean (true or false)");
}

const NATS_SCHEMES = new Set(["nats:", "tls:", "ws:", "wss:"]);
/** Rebuilds a URL from its parts: scheme and host lower-cased, no trailing `/` on an empty path. */
function canonicalUrl(u: URL): string {
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ""}@` : "";
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.protocol.toLowerCase()}//${auth}${u.hostname.toLowerCase()}${u.port ? `:${u.port}` : ""}${path}${u.search}`;
}

function parseNatsUrls(v: unknown): string[] | Bad {
  const bad = new Bad(`is not a NATS URL (e.g. "nats://localhost:4222")`);
  const items = typeof v === "string" ? v.split(",") : Array.isArray(v) ? v : undefined;
  if (!items || items.length === 0) return bad;
  const out: string[] = [];
  for (const item of items) {
    const s = trimmed(item);
    if (s === undefined) return bad;
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `nats://${s}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      return bad;
    }
    if (!NATS_SCHEMES.has(u.protocol.toLowerCase()) || u.hostname === "") return bad;
    out.push(canonicalUrl(u));
  }
  return out;
}

function parseHttpUrl(v: unknown): string | Bad {
  const bad = new Bad(`is not an http(s) URL (e.g. "http://collector:4317")`);
  const s = trimmed(v);
  if (s === undefined) return bad;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return bad;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname === "") return bad;
  return canonicalUrl(u);
}

function parseTokens(v: unknown): ApiToken[] | Bad {
  const format = `("token:role,…" or a list of {token, role}; role ${API_ROLES.join(" or ")})`;
  const entries: unknown[] | undefined =
    typeof v === "string" ? (v.trim() === "" ? [] : v.split(",")) : Array.isArray(v) ? v : undefined;
  if (entries === undefined) return new Bad(`is not a token list ${format}`, true);
  const out: ApiToken[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of entries.entries()) {
    const where = `entry ${i + 1}`;
    let token: unknown;
    let role: unknown;
    if (typeof entry === "string") {
      const colon = entry.lastIndexOf(":");
      if (colon < 0) return new Bad(`${where} has no role ${format}`, true);
      token = entry.slice(0, colon).trim();
      role = entry.slice(colon + 1).trim();
    } else if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
      const extra = Object.keys(entry).find((k) => k !== "token" && k !== "role");
      if (extra !== undefined) return new Bad(`${where} has an unknown key "${extra}" (expected token and role)`, true);
      ({ token, role } = entry as { token?: unknown; role?: unknown });
    } else {
      return new Bad(`${where} is not "token:role" or {token, role}`, true);
    }
    if (typeof token !== "string" || token.trim() === "") return new Bad(`${where} has an empty token`, true);
    if (/\s/.test(token.trim())) return new Bad(`${where} has a token with white space`, true);
    if (typeof role !== "string" || !(API_ROLES as readonly string[]).includes(role.trim().toLowerCase())) {
      // In "token:role" the text after the last colon may be part of a token that holds a colon:
      // it is not echoed (found by scripts/fuzz.mjs).
      return typeof entry === "string"
        ? new Bad(`${where} has no valid role after its last ":" (want ${API_ROLES.join(" or ")})`, true)
        : new Bad(`${where} has role ${JSON.stringify(role)}, not ${API_ROLES.join(" or ")}`, true);
    }
    const t = token.trim();
    if (seen.has(t)) return new Bad(`${where} repeats an earlier token`, true);
    seen.add(t);
    out.push({ token: t, role: role.trim().toLowerCase() as ApiRole });
  }
  return out;
}

// ---- the field constructors used by the schema; each registers its kind (and unit) ----

function textBase() {
  return scalar((v) => trimmed(v) ?? new Bad("must be a non-empty string"));
}
export function text(): ReturnType<ReturnType<typeof textBase>["optional"]>;
export function text(def: string): ReturnType<ReturnType<typeof textBase>["prefault"]>;
export function text(def?: string) {
  const base = textBase();
  return (def === undefined ? base.optional() : base.prefault(def)).register(settingMeta, { kind: "text" });
}

/** A secret string: taken as written (no trimming), never echoed. */
export function secret() {
  const base = scalar((v) => (typeof v === "string" && v !== "" ? v : new Bad("must be a non-empty string", true)));
  return base.optional().register(settingMeta, { kind: "secret", secret: true });
}

/** A file or directory path; the loader resolves it (flags/env: against cwd, file: against the file's directory). */
function pathBase() {
  return scalar((v) => trimmed(v) ?? new Bad("is not a path"));
}
export function path(): ReturnType<ReturnType<typeof pathBase>["optional"]>;
export function path(def: string): ReturnType<ReturnType<typeof pathBase>["prefault"]>;
export function path(def?: string) {
  const base = pathBase();
  return (def === undefined ? base.optional() : base.prefault(def)).register(settingMeta, { kind: "path", placeholder: "path" });
}

export function port(def: number) {
  return scalar(parsePort).prefault(def).register(settingMeta, { kind: "port", placeholder: "port" });
}

export function count(def: number) {
  return scalar(parseCount).prefault(def).register(settingMeta, { kind: "count", placeholder: "n" });
}

export function bool(def: boolean) {
  return scalar(parseBool).prefault(def).register(settingMeta, { kind: "bool" });
}

/** A duration (`"250ms"`, `"5s"`, `"7d"`; a bare number is milliseconds), normalised to ms. */
export function duration(def: string, opts: { zeroAllowed?: boolean } = {}) {
  return scalar((v): Ms | Bad => {
    const ms = parseDurationMs(v);
    if (ms === undefined) return new Bad(`is not a duration (e.g. "5s")`);
    if (ms === 0 && !opts.zeroAllowed) return new Bad("must be greater than 0");
    return ms as Ms;
  })
    .prefault(def)
    .register(settingMeta, { kind: "duration", unit: "ms", placeholder: "duration" });
}

/** A size (`"16MiB"`, `"1GB"`; a bare number is bytes), normalised to whole bytes. */
export function size(def: string, opts: { zeroAllowed?: boolean } = {}) {
  return scalar((v): Bytes | Bad => {
    const n = parseBytes(v);
    if (n === undefined || !Number.isSafeInteger(Math.floor(n))) return new Bad(`is not a size (e.g. "16MiB")`);
    if (Math.floor(n) === 0 && !opts.zeroAllowed) return new Bad("must be greater than 0");
    return Math.floor(n) as Bytes;
  })
    .prefault(def)
    .register(settingMeta, { kind: "size", unit: "bytes", placeholder: "size" });
}

/** One or more NATS server URLs (comma-separated or a list), normalised to a list. */
export function natsUrls() {
  return scalar(parseNatsUrls).optional().register(settingMeta, { kind: "nats-url", placeholder: "url" });
}

export function httpUrl() {
  return scalar(parseHttpUrl).optional().register(settingMeta, { kind: "http-url", placeholder: "url" });
}

export function logLevel(def: LogLevel) {
  return scalar((v): LogLevel | Bad => {
    const s = trimmed(v)?.toLowerCase();
    return s !== undefined && (LOG_LEVELS as readonly string[]).includes(s)
      ? (s as LogLevel)
      : new Bad(`is not a log level (${LOG_LEVELS.join("|")})`);
  })
    .prefault(def)
    .register(settingMeta, { kind: "level", placeholder: "level" });
}

export function currency(def: string) {
  return scalar((v) => {
    const s = trimmed(v);
    return s !== undefined && /^[A-Za-z]{3}$/.test(s) ? s.toUpperCase() : new Bad(`is not a currency code (e.g. "USD")`);
  })
    .prefault(def)
    .register(settingMeta, { kind: "currency", placeholder: "code" });
}

/** An amount of money (`0.04`, `"$0.04"`, `"0.04 EUR"`); a named currency is checked against `currency`. */
export function price(def: number) {
  return scalar((v): Price | Bad => {
    const m = parseMoney(v);
    return m === undefined
      ? new Bad("is not an amount of money (e.g. 0.04)")
      : ({ amount: m.amount, currency: m.currency } as Price);
  })
    .prefault(def)
    .register(settingMeta, { kind: "price", placeholder: "amount" });
}

export function apiTokens() {
  return scalar(parseTokens).prefault([]).register(settingMeta, { kind: "tokens", secret: true, placeholder: "token:role,…" });
}

const attributeValue = scalar((v) =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : new Bad("is not a string"),
);

/** One metric mapping of the file's `metricMappings` list. */
export const metricMapping = z.strictObject({
  metric: z.string().trim().min(1),
  resource: z.enum(["cpu", "memory", "network", "storage"]),
  attributes: z.record(z.string(), attributeValue).prefault({}),
  scale: z.number().positive().prefault(1),
  mode: z.enum(["gauge", "rate"]).optional(),
});
export type MetricMapping = z.output<typeof metricMapping>;

export function metricMappings() {
  return z.array(metricMapping).prefault([]).register(settingMeta, { kind: "mappings", flag: null, env: null });
}
