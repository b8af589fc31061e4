/**
 * Loads the configuration of `pbe serve` from flags, environment and a config file, with the
 * precedence flag > environment > file > default, and validates it with the schema. The first
 * problem found stops loading with one {@link ConfigError} whose key is spelled as the user wrote
 * it: `--grpc-port`, `PBE_DECISION_WAIT`, `pbe.yaml: decisionWait`. Secrets are never echoed.
 *
 * Edge cases, decided here:
 * - Flags: `--name value` or `--name=value`; booleans take no separate value (`--flag`,
 *   `--no-flag`, `--flag=false`); a repeated flag: the last one wins; `--` ends the flags;
 *   `-h`/`--help` set `help` and are otherwise ignored (the caller prints {@link configHelp}).
 *   An empty value (`--nats=`) unsets an optional setting, overriding env and file.
 * - Environment: an empty variable counts as unset; unknown `PBE_*` variables are ignored (other
 *   tools and older versions share the prefix).
 * - File: YAML or JSON (read as YAML, which gives line numbers for JSON errors too); an empty file
 *   is no settings; a key set to null (`nats:` or `nats: ~`) is unset; unknown keys are errors;
 *   `config` cannot be set in the file.
 * - Relative paths: from a flag or the environment against `cwd`, from the file against the
 *   file's directory (so a config file can travel with its certificates).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import YAML from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors/index.js";
import { MAX_YAML_DEPTH, yamlTooDeep } from "../yaml/index.js";
import { configSchema, type Config, type CrossIssueParams } from "./schema.js";
import { BY_FLAG, BY_ID, FILE_KEYS, SETTINGS, knownKeysAt, type Setting } from "./settings.js";
import { closest } from "./suggest.js";

export interface LoadConfigOptions {
  /** Arguments after the command name, e.g. `["--grpc-port", "4317"]`. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths from flags and the environment are resolved against. */
  cwd: string;
  /** Reads the config file (UTF-8); defaults to the file system. */
  readFile?: (path: string) => string;
}

export interface LoadedConfig {
  config: Config;
  /** Arguments that are not flags (and everything after `--`). */
  positionals: string[];
  /** `-h` or `--help` was given. */
  help: boolean;
}

type Origin =
  | { source: "flag" | "env"; name: string; raw: string | undefined }
  | { source: "file" }
  | { source: "default" };

interface Ctx {
  origins: Map<string, Origin>;
  /** The config file's name as the user wrote it, its directory and content. */
  file?: { label: string; dir: string; data: Record<string, unknown> };
  input: Record<string, unknown>;
}

type Path = readonly (string | number)[];

function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

function getIn(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A value for a message: strings quoted, URL passwords masked, long values cut. */
function show(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : typeof v === "number" || typeof v === "boolean" ? String(v) : json(v);
  // Credentials in URLs: `user:pass@` keeps the user, a lone `token@` (NATS token, basic-auth token) is masked whole.
  const masked = (s ?? String(v)).replace(/\/\/([^/@\s"]*)@/g, (_, auth: string) => {
    const colon = auth.indexOf(":");
    return `//${colon < 0 ? "***" : `${auth.slice(0, colon)}:***`}@`;
  });
  return masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
}

/** JSON text of a file value; a YAML alias can make it cyclic (`a: &x [*x]`), which JSON cannot show. */
function json(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? "a list that contains itself" : "a value that contains itself";
  }
}

// ---- flags ----

interface ParsedArgs {
  values: Map<string, { name: string; raw: string | undefined }>;
  positionals: string[];
  help: boolean;
}

function unknownFlag(spelled: string, name: string): ConfigError {
  const fileOnly = SETTINGS.find((s) => s.flag === undefined && s.path.length === 1 && kebabEq(s.id, name));
  if (fileOnly) return new ConfigError(spelled, `unknown flag (${fileOnly.id} can only be set in the config file)`);
  const candidates = [...BY_FLAG.values()].flatMap((s) => (s.kind === "bool" ? [s.flag!, `no-${s.flag!}`] : [s.flag!]));
  const guess = closest(name, [...candidates, "help"]);
  return new ConfigError(spelled, guess ? `unknown flag (did you mean --${guess}?)` : "unknown flag (see pbe serve --help)");
}

function kebabEq(id: string, name: string): boolean {
  return id.toLowerCase() === name.replace(/-/g, "").toLowerCase();
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, { name: string; raw: string | undefined }>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help" || arg.startsWith("--help=")) {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw unknownFlag(arg.split("=")[0]!, arg.replace(/^-+/, "").split("=")[0]!);
    const body = arg.slice(2);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const spelled = `--${name}`;
    let setting = BY_FLAG.get(name);
    if (!setting && name.startsWith("no-") && BY_FLAG.has(name.slice(3))) {
      setting = BY_FLAG.get(name.slice(3))!;
      if (setting.kind !== "bool") throw new ConfigError(spelled, `--${setting.flag!} is not a boolean flag`);
      if (inline !== undefined) throw new ConfigError(spelled, "takes no value");
      values.set(setting.id, { name: spelled, raw: "false" });
      continue;
    }
    if (!setting) throw unknownFlag(spelled, name);
    let raw: string | undefined;
    if (setting.kind === "bool") {
      raw = inline ?? "true";
    } else if (inline !== undefined) {
      raw = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new ConfigError(spelled, `needs a value (${spelled} <${setting.placeholder ?? "value"}>)`);
      }
      raw = next;
      i++;
    }
    values.set(setting.id, { name: spelled, raw: raw === "" && setting.default === undefined ? undefined : raw });
  }
  return { values, positionals, help };
}

// ---- the config file ----

function readConfigFile(
  origin: { name: string; raw: string },
  cwd: string,
  readFile: (path: string) => string,
): NonNullable<Ctx["file"]> {
  const label = origin.raw.trim();
  const abs = resolve(cwd, label);
  let text: string;
  try {
    text = readFile(abs);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new ConfigError(origin.name, `cannot read ${show(label)}: ${reason}`, { cause: err });
  }
  const deep = yamlTooDeep(text);
  if (deep) throw new ConfigError(label, `line ${deep.line}: nested deeper than ${MAX_YAML_DEPTH} levels`);
  // logLevel error: the library would print Node warnings (e.g. for a collection used as a key) on our stderr; such keys are reported as unknown.
  const doc = YAML.parseDocument(text, { prettyErrors: true, logLevel: "error" });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const msg = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "").trim();
    throw new ConfigError(label, pos ? `line ${pos.line}, column ${pos.col}: ${msg}` : msg, { cause: first });
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    throw new ConfigError(label, (err as Error).message, { cause: err });
  }
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) {
    throw new ConfigError(label, `is not a mapping of settings (e.g. "grpcPort: 4317"), found ${Array.isArray(data) ? "a list" : show(data)}`);
  }
  if ("config" in data) throw new ConfigError(`${label}: config`, "cannot be set in the config file (use --config or PBE_CONFIG)");
  return { label, dir: dirname(abs), data };
}

/** The file's settings with null (unset) values dropped at the top level and in tables. */
function withoutNulls(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null) continue;
    out[k] = isPlainObject(v) && SETTINGS.some((s) => s.path.length > 1 && s.path[0] === k)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null))
      : v;
  }
  return out;
}

function setIn(input: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = input;
  for (const seg of path.slice(0, -1)) {
    if (cur[seg] === undefined) cur[seg] = {};
    const next = cur[seg];
    if (!isPlainObject(next)) return; // a malformed table in the file: its own error is reported
    cur = next;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

// ---- problems ----

/** The setting an issue path falls in (the longest matching prefix). */
function settingAt(path: Path): Setting | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = BY_ID.get(path.slice(0, n).join("."));
    if (s) return s;
  }
  return undefined;
}

function originOf(ctx: Ctx, path: Path): Origin {
  const s = settingAt(path);
  const o = s ? ctx.origins.get(s.id) : undefined;
  if (o) return o;
  return ctx.file && getIn(ctx.file.data, path) !== undefined ? { source: "file" } : { source: "default" };
}

function valueAt(ctx: Ctx, origin: Origin, path: Path): unknown {
  if (origin.source === "flag" || origin.source === "env") return origin.raw;
  if (origin.source === "file") return getIn(ctx.file?.data, path);
  return settingAt(path)?.default;
}

/** The key as the user wrote it. */
function spell(ctx: Ctx, origin: Origin, path: Path): string {
  if (origin.source === "flag" || origin.source === "env") return origin.name;
  if (origin.source === "file" && ctx.file) return `${ctx.file.label}: ${formatPath(path)}`;
  return formatPath(path);
}

/** The second setting of a cross-field rule, for the message about the first. */
function spellOther(ctx: Ctx, path: Path, primary: Origin): string {
  const s = settingAt(path);
  const origin = originOf(ctx, path);
  const value = valueAt(ctx, origin, path);
  const shown = value === undefined || s?.secret ? "" : ` ${show(value)}`;
  switch (origin.source) {
    case "flag":
    case "env":
      return `${origin.name}${shown}`;
    case "file":
      return `${formatPath(path)}${shown}${primary.source === "file" ? "" : ` in ${ctx.file!.label}`}`;
    case "default":
      if (value !== undefined) return `${formatPath(path)}${shown} (the default)`;
      // Unset: name it the way the user is writing the first one.
      if (primary.source === "flag" && s?.flag) return `--${s.flag}`;
      if (primary.source === "env" && s?.env[0]) return s.env[0];
      return formatPath(path);
  }
}

function plainMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return "is required";
      return `is not ${{ string: "a string", number: "a number", array: "a list", object: "a mapping", boolean: "a boolean" }[issue.expected as string] ?? `a ${issue.expected}`}`;
    case "invalid_value":
      return `is not one of ${issue.values.map(String).join("|")}`;
    case "too_small":
      return issue.origin === "string" ? "must not be empty" : `must be ${issue.inclusive ? "at least" : "greater than"} ${String(issue.minimum)}`;
    default:
      return issue.message;
  }
}

function problem(ctx: Ctx, issue: z.core.$ZodIssue): ConfigError {
  // Paths hold only keys and indexes: the schema has no symbol keys.
  const issuePath = issue.path as (string | number)[];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const path = [...issuePath, key];
    const known = knownKeysAt(issuePath).filter((k) => issuePath.length > 0 || (FILE_KEYS.includes(k) && k !== "config"));
    const guess = closest(key, known);
    const where = ctx.file ? `${ctx.file.label}: ${formatPath(path)}` : formatPath(path);
    return new ConfigError(where, guess ? `unknown key (did you mean "${guess}"?)` : "unknown key");
  }
  let path: Path = issuePath;
  let message = issue.code === "custom" ? issue.message : "";
  let origin = originOf(ctx, path);
  const params = issue.code === "custom" ? (issue.params as Partial<CrossIssueParams> & { bare?: boolean }) : undefined;
  let other: Path | undefined = params?.cross ? params.other : undefined;
  if (other && params?.inverse && origin.source === "default" && originOf(ctx, other).source !== "default") {
    [path, other] = [other, path];
    message = params.inverse;
    origin = originOf(ctx, path);
  }
  if (other) message = message.replace("{other}", spellOther(ctx, other, origin));
  const value = valueAt(ctx, origin, path);
  if (issue.code !== "custom") message = plainMessage(issue, value);
  const setting = settingAt(path);
  // A boolean named in a cross-field rule reads better bare: "--otlp-tls-client-auth needs …".
  const bare =
    params?.bare === true || setting?.secret === true || value === undefined || (other !== undefined && setting?.kind === "bool");
  return new ConfigError(spell(ctx, origin, path), bare ? message : `${show(value)} ${message}`);
}

// ---- loading ----

/**
 * Reads flags, environment and the config file (`--config` or `PBE_CONFIG`), validates and
 * normalises them. Throws {@link ConfigError} on the first problem.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  const args = parseArgs(opts.argv);
  const ctx: Ctx = { origins: new Map(), input: {} };

  const fromEnv = new Map<string, { name: string; raw: string }>();
  for (const s of SETTINGS) {
    const name = s.env.find((n) => opts.env[n] !== undefined && opts.env[n] !== "");
    if (name !== undefined) fromEnv.set(s.id, { name, raw: opts.env[name]! });
  }

  const configOrigin = args.values.get("config") ?? fromEnv.get("config");
  if (configOrigin?.raw !== undefined) {
    ctx.file = readConfigFile({ name: configOrigin.name, raw: configOrigin.raw }, opts.cwd, readFile);
    ctx.input = withoutNulls(ctx.file.data);
    for (const s of SETTINGS) if (getIn(ctx.input, s.path) !== undefined) ctx.origins.set(s.id, { source: "file" });
  }
  for (const [id, v] of fromEnv) {
    setIn(ctx.input, BY_ID.get(id)!.path, v.raw);
    ctx.origins.set(id, { source: "env", ...v });
  }
  for (const [id, v] of args.values) {
    setIn(ctx.input, BY_ID.get(id)!.path, v.raw);
    ctx.origins.set(id, { source: "flag", ...v });
  }

  const result = configSchema.safeParse(ctx.input);
  if (!result.success) {
    const issues = [...result.error.issues].sort(
      (a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"),
    );
    throw problem(ctx, issues[0]!);
  }

  const config = result.data;
  const record = config as Record<string, unknown>;
  for (const s of SETTINGS) {
    const v = record[s.id];
    if (s.kind !== "path" || typeof v !== "string") continue;
    const base = ctx.origins.get(s.id)?.source === "file" && ctx.file ? ctx.file.dir : opts.cwd;
    record[s.id] = resolve(base, v);
  }
  return { config, positionals: args.positionals, help: args.help };
}

/**
 * Whether `argv` asks for help (`-h` or `--help` before any `--`). The caller checks this first
 * and prints {@link configHelp}, so that help works even next to a bad flag.
 */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "-h" || arg === "--help" || arg.startsWith("--help=")) return true;
  }
  return false;
}

/** The configuration with no flags, environment or file; relative paths against `cwd`. */
export function defaultConfig(cwd: string = process.cwd()): Config {
  return loadConfig({ argv: [], env: {}, cwd }).config;
}
