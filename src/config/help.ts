/**
 * `pbe serve --help` and docs/configuration.md, both generated from the settings schema (flag,
 * environment variables, file key, default as written, description), so neither can drift from
 * what the loader accepts. The error examples in the docs are produced by the loader itself.
 */
import { ConfigError } from "../errors/index.js";
import { GROUPS, type Group } from "./fields.js";
import { loadConfig } from "./load.js";
import { SETTINGS, type Setting } from "./settings.js";

const FORMATS =
  "Durations: 250ms, 5s, 2m, 1h, 7d (a bare number is milliseconds). Sizes: 512KiB, 16MiB, 1GB (a bare number is bytes; KiB/MiB/GiB and K/M/G are powers of 1024, kB/MB/GB of 1000). Booleans: --flag, --no-flag or --flag=false; true/false, yes/no, on/off, 1/0 in the environment and the file.";

function defaultText(s: Setting): string {
  const d = s.default;
  if (d === undefined) return "unset";
  if (Array.isArray(d)) return d.length === 0 ? "none" : JSON.stringify(d);
  return String(d);
}

function flagText(s: Setting): string | undefined {
  if (s.flag === undefined) return undefined;
  if (s.kind === "bool") return s.default === true ? `--[no-]${s.flag}` : `--${s.flag}`;
  return `--${s.flag} <${s.placeholder ?? "value"}>`;
}

function byGroup(): [Group, Setting[]][] {
  return (Object.keys(GROUPS) as Group[]).map((g) => [g, SETTINGS.filter((s) => s.group === g)]);
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

/** The text of `pbe serve --help`. */
export function configHelp(): string {
  const out: string[] = ["Usage: pbe serve [options]", ""];
  out.push(
    ...wrap(
      "Runs the Performance Budget Engine. Every option can also be set with an environment variable or a key in a YAML or JSON config file (--config FILE or PBE_CONFIG); precedence: flag > environment > file > default. Unknown PBE_* variables are ignored; unknown flags and file keys are errors. " +
        FORMATS +
        " Reference: docs/configuration.md.",
      80,
      "",
    ),
  );
  for (const [group, settings] of byGroup()) {
    out.push("", `${GROUPS[group]}:`);
    for (const s of settings) {
      const head = flagText(s) ?? `${s.id} (config file only)`;
      out.push(`  ${head.padEnd(40)} default: ${defaultText(s)}`);
      out.push(...wrap(s.description, 80, "      "));
      const where = [
        s.env.length > 0 ? `env ${s.env.join(" or ")}` : undefined,
        s.inFile ? `file key ${s.id}` : "not in the config file",
      ].filter((x) => x !== undefined);
      out.push(`      ${where.join(", ")}`);
    }
  }
  out.push("", "  -h, --help                               show this help", "");
  return out.join("\n");
}

/** Escapes text for a Markdown table cell. */
function md(text: string): string {
  return text.replace(/([\\|*<>])/g, "\\$1");
}

const EXAMPLE_FILE = `# pbe.yaml: every key is optional; paths are relative to this file.
grpcPort: 4317
httpPort: 4318
apiPort: 8080
budgets: ./budgets.yaml
dataDir: /var/lib/pbe
nats: nats://nats:4222
decisionWait: 5s
maxTraceAge: 30s
maxMessageBytes: 16MiB
otlpMetricsEndpoint: http://otel-collector:4317
logLevel: info
apiTokens:
  - { token: change-me-reader, role: read }
  - { token: change-me-admin, role: admin }
currency: EUR
prices:
  coreHour: 0.037
  memoryGiBHour: 0.0046
  networkGiB: 0.08
  storageGiBMonth: 0.09
metricMappings:
  - metric: process.cpu.time
    resource: cpu
    mode: rate
  - metric: jvm.memory.used
    resource: memory
    attributes: { jvm.memory.type: heap }
  - metric: app.disk.used_kib
    resource: storage
    scale: 1024
`;

/** The error the loader gives for these inputs (for the docs: real messages, never stale). */
function errorOf(argv: string[], env: Record<string, string> = {}, file?: string): string {
  try {
    loadConfig({ argv, env, cwd: "/", readFile: () => file ?? "" });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

/** docs/configuration.md. */
export function configDocsMarkdown(): string {
  const out: string[] = [
    "# Configuration of `pbe serve`",
    "",
    "<!-- Generated from the settings schema by configDocsMarkdown() in src/config/help.ts. Do not edit:",
    "     `UPDATE_DOCS=1 npx vitest run test/unit/config` rewrites it, and a test fails when it is stale. -->",
    "",
    "Every setting can come from a command-line flag (`--grpc-port 4317` or `--grpc-port=4317`), an",
    "environment variable (`PBE_GRPC_PORT=4317`) or a key of a YAML or JSON config file given with",
    "`--config pbe.yaml` or `PBE_CONFIG` (`grpcPort: 4317`). `pbe serve --help` prints the same reference.",
    "",
    "## Sources and precedence",
    "",
    "- **flag > environment > file > default**, per setting (and per key of `prices`).",
    "- Flags are kebab-case; a repeated flag counts once (the last one wins); `--` ends the flags.",
    "  Booleans take no separate value: `--otlp-tls-client-auth`, `--no-nats-publish-evaluations`,",
    "  `--otlp-tls-client-auth=false`. An empty value (`--nats=`) unsets an optional setting.",
    "- Environment variables are `PBE_` and the flag in SCREAMING_SNAKE case; the standard `NATS_URL` is",
    "  read too (after `PBE_NATS`). An empty variable counts as unset. Unknown `PBE_*` variables are",
    "  ignored, because other tools and other versions of the engine may share the prefix.",
    "- File keys are camelCase; `prices` is a nested mapping, `metricMappings` and `apiTokens` are lists.",
    "  A key set to null (`nats:` or `nats: ~`) is unset. Unknown keys are errors. The file is read as",
    "  YAML 1.2, so JSON works too. `config` cannot be set in the file. There is no implicit config file.",
    "- Relative paths are resolved against the working directory (flags, environment) or against the",
    "  directory of the config file (file keys).",
    "- Secrets (`apiToken`, `apiTokens`, `natsPassword`, `natsToken`, passwords in URLs) are never printed:",
    "  log the configuration through `redactConfig()`, and error messages do not echo them.",
    "",
    "## Value formats",
    "",
    FORMATS.replace(/--flag, --no-flag or --flag=false/, "`--flag`, `--no-flag` or `--flag=false`"),
    "In the loaded configuration durations are milliseconds and sizes bytes, in keys with a unit suffix:",
    "`decisionWait` becomes `decisionWaitMs`, `memoryLimit` becomes `memoryLimitBytes`.",
    "Prices are amounts in `currency` (`0.04`, `\"$0.04\"`, `\"0.04 EUR\"`; a currency named in a price must",
    "be `currency`). The default prices are example cloud list prices: replace them with yours.",
    "",
    "## Settings",
  ];
  for (const [group, settings] of byGroup()) {
    out.push("", `### ${GROUPS[group]}`, "", "| File key | Flag | Environment | Default | Description |", "|---|---|---|---|---|");
    for (const s of settings) {
      const flag = flagText(s);
      out.push(
        `| ${s.inFile ? `\`${s.id}\`` : "(not in the file)"} | ${flag ? `\`${flag}\`` : "(file only)"} | ${
          s.env.length > 0 ? s.env.map((e) => `\`${e}\``).join(", ") : "(file only)"
        } | \`${defaultText(s)}\` | ${md(s.description)} |`,
      );
    }
  }
  out.push(
    "",
    "## A config file",
    "",
    "```yaml",
    EXAMPLE_FILE.trimEnd(),
    "```",
    "",
    "## Errors",
    "",
    "A bad value stops start-up with one message that names the key as it was written, and what is wrong:",
    "",
    "```",
    errorOf(["--grpc-port", "abc"]),
    errorOf([], { PBE_DECISION_WAIT: "5 parsecs" }),
    errorOf(["--config", "pbe.yaml"], {}, "decisionWait: 5 parsecs\n"),
    errorOf(["--grpc-prot", "4317"]),
    errorOf(["--config", "pbe.yaml"], {}, "grpcprot: 4317\n"),
    errorOf(["--config", "pbe.yaml"], {}, "grpcPort: 4317\nhttpPort: [4318\n"),
    errorOf(["--decision-wait", "1m"]),
    "```",
    "",
  );
  return out.join("\n");
}
