/**
 * What the API-client commands share (`define`, `budgets`, `compliance`, `track`,
 * `recommendations`, `explain`, `mcp`): flag parsing, `--engine`/`--token`/`--timeout`/`--json`,
 * the exit codes, colours and the progress bar on stderr.
 *
 * Exit codes (docs/cli.md): 0 done (and every budget within budget), 1 the check failed (a budget
 * is violated; definitions are invalid or refused), 2 usage error (bad flags or arguments, a file
 * that cannot be read), 3 no data (`compliance --fail-on-no-data` only), 4 the engine is
 * unreachable or answered an error.
 */
import { DEFAULT_TIMEOUT_MS, EngineApiError, EngineClient, ANSI, PLAIN, type Style } from "../client/index.js";
import { PbeError } from "../errors/index.js";
import { parseDurationMs } from "../units/index.js";

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, NO_DATA: 3, ENGINE: 4 } as const;

export const DEFAULT_ENGINE = "http://127.0.0.1:8080";

/** Where a command writes and what it reads; the process's by default (tests pass their own). */
export interface CliIo {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value (`--service S`, `--service=S`). */
  values?: readonly string[];
  /** Flags without a value. */
  bools?: readonly string[];
  /** Short aliases, e.g. `{ f: "file" }`. */
  short?: Readonly<Record<string, string>>;
  /** How many positional arguments: [min, max]. */
  positionals?: readonly [number, number];
  /** Names of the positionals, for messages. */
  positionalNames?: readonly string[];
  /** Leave out the engine flags (`--engine`, `--token`, `--timeout`) and `--json` (commands that do not call the API). */
  standalone?: boolean;
}

export interface ParsedFlags {
  values: Map<string, string>;
  bools: Set<string>;
  positionals: string[];
}

const ENGINE_VALUES = ["engine", "token", "timeout"] as const;

/**
 * Parses `argv` against `spec` plus the engine flags and `--json`/`--help` (only `--help` when
 * `spec.standalone`); throws UsageError. The one flag parser of the API-less commands too.
 */
export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Set<string>([...(spec.standalone ? [] : ENGINE_VALUES), ...(spec.values ?? [])]);
  const bools = new Set<string>([...(spec.standalone ? [] : ["json"]), "help", ...(spec.bools ?? [])]);
  const short: Record<string, string> = { h: "help", ...spec.short };
  const out: ParsedFlags = { values: new Map(), bools: new Set(), positionals: [] };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === "-" || !arg.startsWith("-")) {
      out.positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = arg.slice(2, eq < 0 ? undefined : eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      const s = short[arg.slice(1)];
      if (s === undefined) throw new UsageError(`unknown flag ${arg} (see pbe ${command} --help)`);
      name = s;
    }
    if (bools.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      out.bools.add(name);
    } else if (values.has(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
      out.values.set(name, v);
    } else {
      throw new UsageError(`unknown flag --${name} (see pbe ${command} --help)`);
    }
  }
  if (!out.bools.has("help")) {
    const [min, max] = spec.positionals ?? [0, 0];
    const names = spec.positionalNames ?? [];
    if (out.positionals.length < min) throw new UsageError(`missing ${names[out.positionals.length] ?? "argument"} (usage: see pbe ${command} --help)`);
    if (out.positionals.length > max) throw new UsageError(`unexpected argument "${out.positionals[max]}"`);
  }
  return out;
}

export interface EngineFlags {
  engine: string;
  token: string | undefined;
  timeoutMs: number;
  json: boolean;
}

export const ENGINE_HELP = `  --engine URL          the engine's API (env PBE_ENGINE or PBE_ENGINE_URL; default ${DEFAULT_ENGINE})
  --token TOKEN         bearer token for the API (env PBE_API_TOKEN)
  --timeout DURATION    per request (default ${DEFAULT_TIMEOUT_MS / 1000}s)`;

export const COMMON_HELP = `  --json                print the API's JSON instead of a table
  -h, --help            this text`;

export const EXIT_HELP = `Exit codes: 0 ok, 1 check failed, 2 usage error, 4 engine unreachable or API error.`;

export function engineFlags(flags: ParsedFlags, env: NodeJS.ProcessEnv): EngineFlags {
  const pick = (flag: string, ...envNames: string[]): string | undefined => {
    const v = flags.values.get(flag);
    if (v !== undefined) return v === "" ? undefined : v;
    for (const name of envNames) {
      const e = env[name];
      if (e !== undefined && e !== "") return e;
    }
    return undefined;
  };
  const engine = pick("engine", "PBE_ENGINE", "PBE_ENGINE_URL") ?? DEFAULT_ENGINE;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  const t = flags.values.get("timeout");
  if (t !== undefined) {
    const v = parseDurationMs(t);
    if (v === undefined || v <= 0) throw new UsageError(`--timeout "${t}" is not a positive duration (e.g. 10s, 500ms)`);
    timeoutMs = v;
  }
  return { engine, token: pick("token", "PBE_API_TOKEN"), timeoutMs, json: flags.bools.has("json") };
}

/** A client for the flags; a bad `--engine` URL is a usage error. */
export function clientFor(f: EngineFlags): EngineClient {
  try {
    return new EngineClient({ baseUrl: f.engine, ...(f.token === undefined ? {} : { token: f.token }), timeoutMs: f.timeoutMs });
  } catch (err) {
    if (err instanceof PbeError) throw new UsageError(`--engine: ${err.message}`);
    throw err;
  }
}

/** Colours when stdout is a terminal, NO_COLOR is unset and the output is not JSON. */
export function styleFor(io: CliIo, json: boolean): Style {
  const stdout = io.stdout ?? process.stdout;
  const env = io.env ?? process.env;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return !json && stdout.isTTY === true && !noColor ? ANSI : PLAIN;
}

export interface CommandContext {
  flags: ParsedFlags;
  engine: EngineFlags;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  style: Style;
  /** The client for `--engine`/`--token` (created on first use). */
  client(): EngineClient;
  /** Writes `value` as pretty JSON and a newline. */
  printJson(value: unknown): void;
}

/**
 * Runs a command: parses flags (usage errors → 2), prints `help` for `--help` (0), and maps
 * failures: an engine error is one line on stderr and exit 4, a usage error 2.
 */
export async function runCommand(
  command: string,
  argv: readonly string[],
  io: CliIo,
  spec: FlagSpec,
  help: string,
  body: (ctx: CommandContext) => Promise<number>,
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  try {
    const flags = parseFlags(command, argv, spec);
    if (flags.bools.has("help")) {
      stdout.write(help.endsWith("\n") ? help : `${help}\n`);
      return EXIT.OK;
    }
    const engine = engineFlags(flags, env);
    let client: EngineClient | undefined;
    return await body({
      flags,
      engine,
      stdout,
      stderr,
      env,
      style: styleFor({ stdout, env }, engine.json),
      client: () => (client ??= clientFor(engine)),
      printJson: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`pbe ${command}: ${err.message}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof EngineApiError) {
      stderr.write(`pbe ${command}: ${engineErrorText(err)}\n`);
      return EXIT.ENGINE;
    }
    throw err;
  }
}

/** One line for an engine error, with a hint for the usual causes. */
export function engineErrorText(err: EngineApiError): string {
  if (err.unreachable) return `${err.message} (is the engine running? start it with pbe serve, or point --engine / PBE_ENGINE at it)`;
  if (err.code === "unauthenticated") return `${err.message} (give a token with --token or PBE_API_TOKEN)`;
  if (err.code === "permission_denied") return `${err.message} (this needs a token with the admin role)`;
  if (err.noSuchEndpoint) return `${err.message} (the engine may be an older version)`;
  return err.message;
}

/** For a 404 on a service: the API's message plus the services the engine knows. */
export async function unknownServiceText(client: EngineClient, err: EngineApiError): Promise<string> {
  const known = await client.knownServices().catch(() => [] as string[]);
  return `${err.message}${known.length ? `; known services: ${known.slice(0, 50).join(", ")}${known.length > 50 ? ", …" : ""}` : ""}`;
}

/** A service-scoped call; a 404 for the service becomes one line naming the known services, exit 4. */
export async function serviceCall<T>(ctx: CommandContext, command: string, call: () => Promise<T>): Promise<T | number> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EngineApiError && err.status === 404 && !err.noSuchEndpoint) {
      ctx.stderr.write(`pbe ${command}: ${await unknownServiceText(ctx.client(), err)}\n`);
      return EXIT.ENGINE;
    }
    throw err;
  }
}

/**
 * A progress bar on stderr when it is a terminal (nothing otherwise): `[######----] 6/10 label`,
 * redrawn in place, cleared by `done()`.
 */
export function progressBar(stderr: NodeJS.WritableStream & { isTTY?: boolean }, total: number, width = 24): { tick(label?: string): void; done(): void } {
  if (stderr.isTTY !== true || total < 2) return { tick: () => undefined, done: () => undefined };
  let n = 0;
  let drawn = false;
  const draw = (label: string) => {
    const filled = Math.round((n / total) * width);
    const text = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${n}/${total} ${label}`;
    stderr.write(`\r\u001b[2K${text.slice(0, 100)}`);
    drawn = true;
  };
  draw("");
  return {
    tick(label = "") {
      n++;
      draw(label);
    },
    done() {
      if (drawn) stderr.write("\r\u001b[2K");
    },
  };
}
