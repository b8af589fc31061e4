import { describe, expect, it } from "vitest";
import { failure, load, loadFile, message } from "./helpers.js";

describe("a bad value names the key as written, the value and what is wrong", () => {
  it.each([
    [["--grpc-port", "abc"], '--grpc-port: "abc" is not a port (0-65535)'],
    [["--http-port=70000"], '--http-port: "70000" is not a port (0-65535)'],
    [["--decision-wait", "5 parsecs"], '--decision-wait: "5 parsecs" is not a duration (e.g. "5s")'],
    [["--eval-interval", "0s"], '--eval-interval: "0s" must be greater than 0'],
    [["--max-message-bytes", "16XB"], '--max-message-bytes: "16XB" is not a size (e.g. "16MiB")'],
    [["--max-api-body-bytes", "0"], '--max-api-body-bytes: "0" must be greater than 0'],
    [["--max-buffered-spans", "1.5"], '--max-buffered-spans: "1.5" is not a positive integer'],
    [["--alert-fire-after", "0"], '--alert-fire-after: "0" is not a positive integer'],
    [["--otlp-tls-client-auth=maybe"], '--otlp-tls-client-auth: "maybe" is not a boolean (true or false)'],
    [["--log-level", "loud"], '--log-level: "loud" is not a log level (trace|debug|info|warn|error|fatal|silent)'],
    [["--currency", "euro"], '--currency: "euro" is not a currency code (e.g. "USD")'],
    [["--price-core-hour", "cheap"], '--price-core-hour: "cheap" is not an amount of money (e.g. 0.04)'],
    [["--nats", "http://broker:4222"], '--nats: "http://broker:4222" is not a NATS URL (e.g. "nats://localhost:4222")'],
    [["--nats", "nats://a:4222,"], '--nats: "nats://a:4222," is not a NATS URL (e.g. "nats://localhost:4222")'],
    [["--otlp-metrics-endpoint", "collector:4317"], '--otlp-metrics-endpoint: "collector:4317" is not an http(s) URL (e.g. "http://collector:4317")'],
    [["--host="], '--host: "" must be a non-empty string'],
  ])("flag %j", (argv, expected) => {
    expect(message(() => load(argv))).toBe(expected);
  });

  it.each([
    [{ PBE_DECISION_WAIT: "5 parsecs" }, 'PBE_DECISION_WAIT: "5 parsecs" is not a duration (e.g. "5s")'],
    [{ PBE_GRPC_PORT: "-1" }, 'PBE_GRPC_PORT: "-1" is not a port (0-65535)'],
    [{ NATS_URL: "nats://bad host" }, 'NATS_URL: "nats://bad host" is not a NATS URL (e.g. "nats://localhost:4222")'],
    [{ PBE_NATS_PUBLISH_EVALUATIONS: "si" }, 'PBE_NATS_PUBLISH_EVALUATIONS: "si" is not a boolean (true or false)'],
    [{ PBE_PRICE_MEMORY_GIB_HOUR: "-1" }, 'PBE_PRICE_MEMORY_GIB_HOUR: "-1" is not an amount of money (e.g. 0.04)'],
  ])("env %j", (env, expected) => {
    expect(message(() => load([], env))).toBe(expected);
  });

  it.each([
    ["decisionWait: 5 parsecs\n", 'pbe.yaml: decisionWait: "5 parsecs" is not a duration (e.g. "5s")'],
    ["grpcPort: 70000\n", "pbe.yaml: grpcPort: 70000 is not a port (0-65535)"],
    ["natsPublishEvaluations: [true]\n", "pbe.yaml: natsPublishEvaluations: [true] is not a boolean (true or false)"],
    ["prices: 5\n", "pbe.yaml: prices: 5 is not a mapping"],
    ["prices: { storageGiBMonth: lots }\n", 'pbe.yaml: prices.storageGiBMonth: "lots" is not an amount of money (e.g. 0.04)'],
    ["metricMappings: {}\n", "pbe.yaml: metricMappings: {} is not a list"],
    ["metricMappings:\n  - resource: cpu\n", "pbe.yaml: metricMappings[0].metric: is required"],
    ["metricMappings:\n  - { metric: m, resource: disk }\n", 'pbe.yaml: metricMappings[0].resource: "disk" is not one of cpu|memory|network|storage'],
    ["metricMappings:\n  - { metric: m, resource: cpu, scale: 0 }\n", "pbe.yaml: metricMappings[0].scale: 0 must be greater than 0"],
    ['metricMappings:\n  - { metric: m, resource: cpu, scale: "2" }\n', 'pbe.yaml: metricMappings[0].scale: "2" is not a number'],
    ["metricMappings:\n  - { metric: m, resource: cpu, mode: sum }\n", 'pbe.yaml: metricMappings[0].mode: "sum" is not one of gauge|rate'],
    ["metricMappings:\n  - { metric: m, resource: cpu, attributes: { a: [1] } }\n", "pbe.yaml: metricMappings[0].attributes.a: [1] is not a string"],
    ["apiTokens:\n  - { token: a, role: read }\n  - { token: b, role: root }\n", 'pbe.yaml: apiTokens: entry 2 has role "root", not read or admin'],
  ])("file %j", (yaml, expected) => {
    expect(message(() => loadFile(yaml))).toBe(expected);
  });

  it("the file is named as the user wrote it", () => {
    const files = { "/etc/pbe/pbe.json": '{"httpPort": "x"}' };
    expect(message(() => load(["--config", "/etc/pbe/pbe.json"], {}, files))).toBe(
      '/etc/pbe/pbe.json: httpPort: "x" is not a port (0-65535)',
    );
  });

  it("is a ConfigError with code invalid_config and the key", () => {
    const err = failure(() => load([], { PBE_GRPC_PORT: "abc" }));
    expect(err.code).toBe("invalid_config");
    expect(err.key).toBe("PBE_GRPC_PORT");
    expect(failure(() => loadFile("grpcPort: x\n")).key).toBe("pbe.yaml: grpcPort");
  });
});

describe("unknown flags and keys", () => {
  it.each([
    [["--grpc-prot", "1"], "--grpc-prot: unknown flag (did you mean --grpc-port?)"],
    [["--decisionwait=1s"], "--decisionwait: unknown flag (did you mean --decision-wait?)"],
    [["--no-nats-publish-evaluation"], "--no-nats-publish-evaluation: unknown flag (did you mean --no-nats-publish-evaluations?)"],
    [["--frobnicate"], "--frobnicate: unknown flag (see pbe serve --help)"],
    [["-p", "4317"], "-p: unknown flag (see pbe serve --help)"],
    [["-grpc-port", "4317"], "-grpc-port: unknown flag (did you mean --grpc-port?)"],
    [["--metric-mappings", "x"], "--metric-mappings: unknown flag (metricMappings can only be set in the config file)"],
    [["--no-grpc-port"], "--no-grpc-port: --grpc-port is not a boolean flag"],
    [["--no-otlp-tls-client-auth=yes"], "--no-otlp-tls-client-auth: takes no value"],
    [["--grpc-port"], "--grpc-port: needs a value (--grpc-port <port>)"],
    [["--decision-wait", "--window", "1s"], "--decision-wait: needs a value (--decision-wait <duration>)"],
  ])("flag %j", (argv, expected) => {
    expect(message(() => load(argv))).toBe(expected);
  });

  it.each([
    ["grpcprot: 1\n", 'pbe.yaml: grpcprot: unknown key (did you mean "grpcPort"?)'],
    ["grpc-port: 1\n", 'pbe.yaml: grpc-port: unknown key (did you mean "grpcPort"?)'],
    ["DECISION_WAIT: 1s\n", 'pbe.yaml: DECISION_WAIT: unknown key (did you mean "decisionWait"?)'],
    ["frobnicate: 1\n", "pbe.yaml: frobnicate: unknown key"],
    ["prices: { coreHours: 1 }\n", 'pbe.yaml: prices.coreHours: unknown key (did you mean "coreHour"?)'],
    ["metricMappings:\n  - { metric: m, resource: cpu, scal: 2 }\n", 'pbe.yaml: metricMappings[0].scal: unknown key (did you mean "scale"?)'],
    ["confg: x.yaml\n", "pbe.yaml: confg: unknown key"],
    ["config: other.yaml\n", "pbe.yaml: config: cannot be set in the config file (use --config or PBE_CONFIG)"],
  ])("file key %j", (yaml, expected) => {
    expect(message(() => loadFile(yaml))).toBe(expected);
  });

  it("an unknown key is reported before a bad value", () => {
    expect(message(() => loadFile("grpcPort: x\nhttpPrt: 1\n"))).toBe('pbe.yaml: httpPrt: unknown key (did you mean "httpPort"?)');
  });
});

describe("the config file itself", () => {
  it("cannot be read: named by the flag or variable that gave it", () => {
    expect(message(() => load(["--config", "missing.yaml"]))).toBe('--config: cannot read "missing.yaml": no such file');
    expect(message(() => load([], { PBE_CONFIG: "missing.yaml" }))).toBe('PBE_CONFIG: cannot read "missing.yaml": no such file');
  });

  it("a YAML syntax error gives the file name, line and column", () => {
    expect(message(() => loadFile("grpcPort: 4317\nhttpPort: [4318\ndecisionWait: 5s\n"))).toMatch(
      /^pbe\.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
    );
    expect(message(() => loadFile("grpcPort: 1\ngrpcPort: 2\n"))).toBe("pbe.yaml: line 2, column 1: Map keys must be unique");
    expect(message(() => loadFile("a: *nowhere\n"))).toMatch(/^pbe\.yaml: Unresolved alias/);
  });

  it("a JSON syntax error too", () => {
    const files = { "/srv/pbe/pbe.json": '{\n  "grpcPort": 4317\n  "httpPort": 4318\n}\n' };
    expect(message(() => load(["--config", "pbe.json"], {}, files))).toMatch(/^pbe\.json: line 2, column 15: /);
  });

  it("a self-referencing alias or a document nested too deep is a ConfigError, not a crash (found by scripts/fuzz.mjs)", () => {
    expect(message(() => loadFile("budgets: &x [*x]\n"))).toMatch(/^pbe\.yaml: /);
    expect(message(() => loadFile("host: &x [*x]\n"))).toBe("pbe.yaml: host: a list that contains itself must be a non-empty string");
    expect(message(() => loadFile(`host: ${"[".repeat(5000)}\n`))).toBe("pbe.yaml: line 1: nested deeper than 128 levels");
    const block = Array.from({ length: 2000 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n");
    expect(message(() => loadFile(block))).toBe("pbe.yaml: line 129: nested deeper than 128 levels");
  });

  it("must hold a mapping", () => {
    expect(message(() => loadFile("- grpcPort: 1\n"))).toBe('pbe.yaml: is not a mapping of settings (e.g. "grpcPort: 4317"), found a list');
    expect(message(() => loadFile("4317\n"))).toBe('pbe.yaml: is not a mapping of settings (e.g. "grpcPort: 4317"), found 4317');
  });
});

describe("rules between settings name both keys", () => {
  it("decisionWait must not exceed maxTraceAge: the one the user set is named", () => {
    expect(message(() => load(["--decision-wait", "1m"]))).toBe('--decision-wait: "1m" is longer than maxTraceAge "30s" (the default)');
    expect(message(() => load(["--window", "7s"]))).toBe('--window: "7s" must divide one minute, at least 1s (e.g. 5s, 10s, 15s, 30s, 1m)');
    expect(message(() => loadFile("window: 500ms\n"))).toBe('pbe.yaml: window: "500ms" must divide one minute, at least 1s (e.g. 5s, 10s, 15s, 30s, 1m)');
    expect(message(() => load(["--max-trace-age", "2s"]))).toBe('--max-trace-age: "2s" is shorter than decisionWait "5s" (the default)');
    expect(message(() => loadFile("decisionWait: 10s\nmaxTraceAge: 9s\n"))).toBe('pbe.yaml: decisionWait: "10s" is longer than maxTraceAge "9s"');
    expect(message(() => loadFile("maxTraceAge: 9s\n", [], { PBE_DECISION_WAIT: "10s" }))).toBe(
      'PBE_DECISION_WAIT: "10s" is longer than maxTraceAge "9s" in pbe.yaml',
    );
    expect(message(() => load(["--min-buffer-time", "1m", "--max-trace-age", "30s"]))).toBe(
      '--min-buffer-time: "1m" is longer than --max-trace-age "30s"',
    );
  });

  it("TLS and NATS credentials come in pairs, named in the user's spelling", () => {
    expect(message(() => load(["--otlp-tls-cert", "c.pem"]))).toBe('--otlp-tls-cert: "c.pem" needs --otlp-tls-key too');
    expect(message(() => load([], { PBE_OTLP_TLS_KEY: "k.pem" }))).toBe('PBE_OTLP_TLS_KEY: "k.pem" needs PBE_OTLP_TLS_CERT too');
    expect(message(() => loadFile("natsTlsCert: c.pem\n"))).toBe('pbe.yaml: natsTlsCert: "c.pem" needs natsTlsKey too');
    expect(message(() => load(["--otlp-tls-ca", "ca.pem"]))).toBe('--otlp-tls-ca: "ca.pem" needs --otlp-tls-cert too');
    expect(message(() => load(["--otlp-tls-client-auth"]))).toBe(
      "--otlp-tls-client-auth: needs --otlp-tls-ca (the CA of the client certificates)",
    );
    expect(message(() => load(["--nats-user", "bob"]))).toBe('--nats-user: "bob" needs --nats-password too');
  });

  it("a price in another currency than `currency`", () => {
    expect(message(() => load(["--price-core-hour", "0.04 EUR"]))).toBe('--price-core-hour: "0.04 EUR" is in EUR, not in currency "USD" (the default)');
    expect(message(() => loadFile("prices: { coreHour: $0.04 }\n", ["--currency", "GBP"]))).toBe(
      'pbe.yaml: prices.coreHour: "$0.04" is in USD, not in --currency "GBP"',
    );
  });
});

describe("secrets are never echoed in errors", () => {
  it.each([
    [[], { PBE_API_TOKENS: "s3cr3t" }, "PBE_API_TOKENS: entry 1 has no role"],
    [["--api-tokens", "ok:read,s3cr3t:root"], {}, '--api-tokens: entry 2 has no valid role after its last ":" (want read or admin)'],
    [["--api-tokens", "tok:with:s3cr3t"], {}, '--api-tokens: entry 1 has no valid role after its last ":" (want read or admin)'],
    [["--api-tokens", "s3cr3t:read,s3cr3t:admin"], {}, "--api-tokens: entry 2 repeats an earlier token"],
    [[], { PBE_NATS_PASSWORD: "s3cr3t" }, "PBE_NATS_PASSWORD: needs PBE_NATS_USER too"],
    [["--nats", "nats://bob:s3cr3t@bad host"], {}, '--nats: "nats://bob:***@bad host" is not a NATS URL'],
    // A token as the user part (found by scripts/fuzz.mjs): masked whole, as in logged configuration.
    [["--otlp-metrics-endpoint", "http://s3cr3t@h:99999"], {}, '--otlp-metrics-endpoint: "http://***@h:99999" is not an http(s) URL'],
    [["--nats", "nats://s3cr3t@bad host"], {}, '--nats: "nats://***@bad host" is not a NATS URL'],
  ])("%j %j", (argv, env, expected) => {
    const text = message(() => load(argv, env));
    expect(text.startsWith(expected)).toBe(true);
    expect(text).not.toContain("s3cr3t");
  });
});
