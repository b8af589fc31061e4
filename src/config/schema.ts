/**
 * The settings of `pbe serve`: this schema is the single source of truth. Keys are the names
 * users write in a config file (camelCase); flags (`--kebab-case`) and environment variables
 * (`PBE_SCREAMING_SNAKE`) are derived from them unless the metadata names them. Defaults live
 * only here (`prefault`: written as a user would, then parsed like any input). The descriptions
 * generate `pbe serve --help` and docs/configuration.md. The parsed {@link Config} renames the
 * settings whose unit changed: `decisionWait: "5s"` becomes `decisionWaitMs: 5000`,
 * `memoryLimit: "1GiB"` becomes `memoryLimitBytes`.
 */
import { z } from "zod";
import {
  apiTokens,
  bool,
  count,
  currency,
  duration,
  httpUrl,
  logLevel,
  metricMappings,
  natsUrls,
  path,
  port,
  price,
  secret,
  settingMeta,
  size,
  text,
  type Bytes,
  type Ms,
  type Price,
} from "./fields.js";

const EXAMPLE_PRICES = "Example cloud list price: replace it with yours.";

const prices = z
  .strictObject({
    coreHour: price(0.04)
      .describe(`Price of one CPU core for one hour. ${EXAMPLE_PRICES}`)
      .register(settingMeta, { flag: "price-core-hour" }),
    memoryGiBHour: price(0.005)
      .describe(`Price of one GiB of memory for one hour. ${EXAMPLE_PRICES}`)
      .register(settingMeta, { flag: "price-memory-gib-hour" }),
    networkGiB: price(0.09)
      .describe(`Price of one GiB of network egress. ${EXAMPLE_PRICES}`)
      .register(settingMeta, { flag: "price-network-gib" }),
    storageGiBMonth: price(0.1)
      .describe(`Price of one GiB of storage for one month. ${EXAMPLE_PRICES}`)
      .register(settingMeta, { flag: "price-storage-gib-month" }),
  })
  .prefault({});

/** The settings as users write them; see {@link configSchema} for the normalised form. */
export const settingsSchema = z.strictObject({
  // -- listening
  host: text("0.0.0.0")
    .describe("Address the OTLP receivers (gRPC and HTTP) and the HTTP API listen on.")
    .register(settingMeta, { group: "listen", placeholder: "address" }),
  grpcPort: port(4317)
    .describe("Port of the OTLP/gRPC receiver (TraceService and MetricsService Export); 0 picks a free port.")
    .register(settingMeta, { group: "listen" }),
  httpPort: port(4318)
    .describe("Port of the OTLP/HTTP receiver (POST /v1/traces and /v1/metrics); 0 picks a free port.")
    .register(settingMeta, { group: "listen" }),
  apiPort: port(8080)
    .describe(
      'Port of the HTTP API, /metrics and /mcp; 0 picks a free port. The ports in use are logged as one JSON line {"msg":"listening","grpc":N,"http":N,"api":N}.',
    )
    .register(settingMeta, { group: "listen" }),

  // -- files
  config: path()
    .describe(
      "Path of a YAML or JSON config file whose keys are the file keys of this reference. Flag or environment only.",
    )
    .register(settingMeta, { group: "files", inFile: false }),
  budgets: path()
    .describe("Path of a budgets file (YAML or JSON holding `budgets: [...]`); unset = the package's examples/budgets.yaml.")
    .register(settingMeta, { group: "files" }),
  dataDir: path("./data")
    .describe("Directory of the SQLite store (budget definitions, window history, alert outbox).")
    .register(settingMeta, { group: "files" }),

  // -- trace assembly
  decisionWait: duration("5s")
    .describe("A trace is complete when its root span has arrived and no span has arrived for this long.")
    .register(settingMeta, { group: "assembly" }),
  maxTraceAge: duration("30s")
    .describe(
      "A trace is evaluated at the latest this long after its first span arrived, complete or not. Not shorter than decisionWait.",
    )
    .register(settingMeta, { group: "assembly" }),
  maxBufferedSpans: count(1_000_000)
    .describe("Spans buffered across incomplete traces; beyond it the oldest traces are evaluated early (counted).")
    .register(settingMeta, { group: "assembly" }),
  minBufferTime: duration("1s", { zeroAllowed: true })
    .describe(
      "Traces younger than this are never evicted early; if no room can be made, the request is refused with retryable back-pressure (gRPC RESOURCE_EXHAUSTED, HTTP 429). Not longer than maxTraceAge.",
    )
    .register(settingMeta, { group: "assembly" }),

  // -- windows, evaluation, history
  evalInterval: duration("10s")
    .describe("How often every budget is evaluated.")
    .register(settingMeta, { group: "evaluation" }),
  window: duration("10s")
    .describe("Size of the tumbling windows (t-digests and counters) that traces and metrics are aggregated into.")
    .register(settingMeta, { group: "evaluation" }),
  retentionMinutes: duration("24h")
    .describe("How long the 1-minute rollup windows are kept.")
    .register(settingMeta, { group: "evaluation" }),
  retentionHours: duration("30d")
    .describe("How long the 1-hour rollup windows are kept.")
    .register(settingMeta, { group: "evaluation" }),
  checkpointInterval: duration("30s")
    .describe("How often window state is checkpointed to the store, so history survives a restart.")
    .register(settingMeta, { group: "evaluation" }),

  // -- alerts and forecasts
  alertFireAfter: count(1)
    .describe("Consecutive evaluations over budget before an alert fires.")
    .register(settingMeta, { group: "alerts" }),
  alertResolveAfter: count(3)
    .describe("Consecutive evaluations within budget before a firing alert resolves.")
    .register(settingMeta, { group: "alerts" }),
  forecastHorizon: duration("7d")
    .describe("How far ahead the trend forecast looks for a threshold crossing.")
    .register(settingMeta, { group: "alerts" }),

  // -- NATS
  nats: natsUrls()
    .describe(
      "NATS server URL, or several separated by commas (nats://, tls://, ws://, wss://; a bare host:port means nats://). Unset = no NATS. Standard variable NATS_URL is read too.",
    )
    .register(settingMeta, { group: "nats", env: ["PBE_NATS", "NATS_URL"] }),
  natsUser: text()
    .describe("User name for NATS authentication, with natsPassword.")
    .register(settingMeta, { group: "nats", placeholder: "user" }),
  natsPassword: secret()
    .describe("Password for NATS authentication, with natsUser. Secret.")
    .register(settingMeta, { group: "nats", placeholder: "password" }),
  natsToken: secret()
    .describe("Token for NATS token authentication. Secret.")
    .register(settingMeta, { group: "nats", placeholder: "token" }),
  natsCreds: path()
    .describe("Path of a NATS credentials file (.creds: user JWT and NKey seed).")
    .register(settingMeta, { group: "nats" }),
  natsTlsCa: path()
    .describe("Path of the PEM CA bundle that verifies the NATS server's certificate.")
    .register(settingMeta, { group: "nats" }),
  natsTlsCert: path()
    .describe("Path of the PEM client certificate for NATS mutual TLS, with natsTlsKey.")
    .register(settingMeta, { group: "nats" }),
  natsTlsKey: path()
    .describe("Path of the PEM private key of natsTlsCert.")
    .register(settingMeta, { group: "nats" }),
  natsStreamMaxAge: duration("7d", { zeroAllowed: true })
    .describe("How long the JetStream stream PBE_ALERTS keeps alert events; 0 = no age limit.")
    .register(settingMeta, { group: "nats" }),
  natsDuplicateWindow: duration("2m")
    .describe("JetStream de-duplication window of PBE_ALERTS (Nats-Msg-Id).")
    .register(settingMeta, { group: "nats" }),
  natsPublishEvaluations: bool(true)
    .describe("Publish every evaluation on pbe.eval.<service>.<budgetId>; alerts are published either way.")
    .register(settingMeta, { group: "nats" }),

  // -- derived metrics
  otlpMetricsEndpoint: httpUrl()
    .describe(
      "OTLP/gRPC endpoint the derived metrics are pushed to, e.g. http://collector:4317. Unset = only the Prometheus endpoint /metrics.",
    )
    .register(settingMeta, { group: "metrics" }),
  metricsExportInterval: duration("10s")
    .describe("Interval of the OTLP metrics push.")
    .register(settingMeta, { group: "metrics" }),
  metricsCardinalityLimit: count(2000)
    .describe("Distinct attribute sets per derived metric; further ones go to the SDK's overflow series.")
    .register(settingMeta, { group: "metrics" }),

  // -- metric input
  serviceAttribute: text("service.name")
    .describe("Resource attribute that names the service of incoming OTLP metrics (resource budgets).")
    .register(settingMeta, { group: "input", placeholder: "attribute" }),
  metricMappings: metricMappings()
    .describe(
      "Config file only. A list of {metric, resource: cpu|memory|network|storage, attributes (filter: attribute name to value), scale (unit conversion factor, default 1), mode: gauge|rate (default: rate for monotonic sums, gauge for everything else)}; adds to or overrides the built-in semantic-convention mappings of resource budgets.",
    )
    .register(settingMeta, { group: "input" }),

  // -- limits
  maxMessageBytes: size("16MiB")
    .describe("Largest OTLP request accepted over gRPC and HTTP, as received.")
    .register(settingMeta, { group: "limits" }),
  maxInflatedBytes: size("64MiB")
    .describe("Largest size a gzip-compressed OTLP request may inflate to.")
    .register(settingMeta, { group: "limits" }),
  maxApiBodyBytes: size("1MiB")
    .describe("Largest request body accepted by the HTTP API and /mcp.")
    .register(settingMeta, { group: "limits" }),
  recentTraces: count(10_000)
    .describe("Attributed traces kept for GET /api/v1/traces/{traceId} (a ring of the most recent; exemplars are kept besides).")
    .register(settingMeta, { group: "limits" }),
  maxStrings: count(100_000)
    .describe("Distinct interned names (services, operations, components, attribute values) kept.")
    .register(settingMeta, { group: "limits" }),
  maxKeysPerService: count(1000)
    .describe("Distinct journeys or components per service before further ones are counted in the overflow bucket.")
    .register(settingMeta, { group: "limits" }),
  memoryLimit: size("0", { zeroAllowed: true })
    .describe("Soft heap limit of the memory limiter, in bytes or with a unit (e.g. 1GiB); 0 = 80 % of V8's heap limit.")
    .register(settingMeta, { group: "limits" }),

  // -- API access and TLS
  apiToken: secret()
    .describe("Admin token: when set, /api/* and /mcp require Authorization: Bearer <token> (401 otherwise). Secret.")
    .register(settingMeta, { group: "security", placeholder: "token" }),
  apiTokens: apiTokens()
    .describe(
      'More tokens with roles: "tok1:read,tok2:admin" in a flag or the environment, a list of {token, role} in the file; role read or admin. Secret.',
    )
    .register(settingMeta, { group: "security" }),
  otlpTlsCert: path()
    .describe("Path of the PEM server certificate; with otlpTlsKey the OTLP receivers serve TLS.")
    .register(settingMeta, { group: "security" }),
  otlpTlsKey: path()
    .describe("Path of the PEM private key of otlpTlsCert.")
    .register(settingMeta, { group: "security" }),
  otlpTlsCa: path()
    .describe("Path of the PEM CA bundle that signs client certificates, for otlpTlsClientAuth.")
    .register(settingMeta, { group: "security" }),
  otlpTlsClientAuth: bool(false)
    .describe("Require and verify client certificates (mutual TLS) on the OTLP receivers; needs otlpTlsCa.")
    .register(settingMeta, { group: "security" }),

  // -- cost
  currency: currency("USD")
    .describe("ISO 4217 code of the prices and of cost budgets.")
    .register(settingMeta, { group: "cost" }),
  prices: prices
    .describe("Price table of cost budgets (one key per price below).")
    .register(settingMeta, { group: "cost", kind: "table" }),

  // -- logging
  logLevel: logLevel("info")
    .describe("Log level: trace, debug, info, warn, error, fatal or silent.")
    .register(settingMeta, { group: "logging" }),
});

type Settings = z.output<typeof settingsSchema>;

/**
 * A rule that involves two settings. The issue names the first; `{other}` in the message is
 * replaced by the second as the user wrote it. When the first has its default value and the
 * second was set, the loader reports the second with `inverse` instead.
 */
export interface CrossIssueParams {
  cross: true;
  other: (string | number)[];
  inverse?: string;
}

function cross(
  ctx: z.core.$RefinementCtx<Settings>,
  at: (string | number)[],
  message: string,
  other: (string | number)[],
  inverse?: string,
): void {
  const params: CrossIssueParams = inverse === undefined ? { cross: true, other } : { cross: true, other, inverse };
  ctx.addIssue({ code: "custom", path: at, message, params });
}

/** Every rule between settings, in one place. Runs only when each setting is valid on its own. */
function crossRules(s: Settings, ctx: z.core.$RefinementCtx<Settings>): void {
  if (s.window < 1000 || 60_000 % s.window !== 0) {
    ctx.addIssue({ code: "custom", path: ["window"], message: "must divide one minute, at least 1s (e.g. 5s, 10s, 15s, 30s, 1m)" });
  }
  if (s.decisionWait > s.maxTraceAge) {
    cross(ctx, ["decisionWait"], "is longer than {other}", ["maxTraceAge"], "is shorter than {other}");
  }
  if (s.minBufferTime > s.maxTraceAge) {
    cross(ctx, ["minBufferTime"], "is longer than {other}", ["maxTraceAge"], "is shorter than {other}");
  }
  const pairs: [keyof Settings, keyof Settings][] = [
    ["otlpTlsCert", "otlpTlsKey"],
    ["otlpTlsKey", "otlpTlsCert"],
    ["otlpTlsCa", "otlpTlsCert"],
    ["natsTlsCert", "natsTlsKey"],
    ["natsTlsKey", "natsTlsCert"],
    ["natsUser", "natsPassword"],
    ["natsPassword", "natsUser"],
  ];
  if (s.otlpTlsClientAuth && s.otlpTlsCa === undefined) {
    cross(ctx, ["otlpTlsClientAuth"], "needs {other} (the CA of the client certificates)", ["otlpTlsCa"]);
  }
  for (const [a, b] of pairs) {
    if (s[a] !== undefined && s[b] === undefined) cross(ctx, [a], "needs {other} too", [b]);
  }
  for (const [key, p] of Object.entries(s.prices)) {
    if (p.currency !== undefined && p.currency !== s.currency) {
      cross(ctx, ["prices", key], `is in ${p.currency}, not in {other}`, ["currency"]);
    }
  }
}

// ---- normalised names ----

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type OutKey<K extends string, V> = [V] extends [Ms]
  ? `${K}Ms`
  : [V] extends [Bytes]
    ? K extends `${string}Bytes`
      ? K
      : `${K}Bytes`
    : K;
type OutValue<V> = [V] extends [Ms | Bytes] ? number : [V] extends [Record<string, Price>] ? { [P in keyof V]: number } : V;
type Normalised<T> = Simplify<{ [K in keyof T as K extends string ? OutKey<K, T[K]> : never]: OutValue<T[K]> }>;

/** The key a setting has in {@link Config}: with `Ms` / `Bytes` when its unit changed. */
export function configKey(key: string): string {
  const meta = settingMeta.get(settingsSchema.shape[key as keyof Settings]);
  if (meta?.unit === "ms") return `${key}Ms`;
  if (meta?.unit === "bytes") return key.endsWith("Bytes") ? key : `${key}Bytes`;
  return key;
}

function normalise(s: Settings): Normalised<Settings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (value === undefined) continue;
    out[configKey(key)] =
      key === "prices"
        ? Object.fromEntries(Object.entries(s.prices).map(([k, p]) => [k, p.amount]))
        : value;
  }
  return out as Normalised<Settings>;
}

/**
 * The whole configuration: the settings, their cross-field rules, then the normalised names.
 * `configSchema.parse({})` gives the defaults (with relative paths still relative: the loader
 * resolves them).
 */
export const configSchema = settingsSchema
  .superRefine(crossRules, { when: (payload) => payload.issues.length === 0 })
  .transform(normalise);

/** The normalised configuration of `pbe serve`. */
export type Config = z.output<typeof configSchema>;
