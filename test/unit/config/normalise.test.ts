import { describe, expect, it } from "vitest";
import { load, loadFile } from "./helpers.js";

describe("durations become milliseconds in ...Ms keys", () => {
  it.each([
    ["250ms", 250],
    ["5s", 5000],
    ["1.5s", 1500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["750", 750],
    [" 3s ", 3000],
  ])("%j → %d", (text, ms) => {
    expect(load(["--decision-wait", text, "--max-trace-age", "30d"]).config.decisionWaitMs).toBe(ms);
  });

  it("a YAML number is milliseconds; the written key is gone", () => {
    const c = loadFile("decisionWait: 1200\nwindow: 1m\n").config;
    expect(c.decisionWaitMs).toBe(1200);
    expect(c.windowMs).toBe(60_000);
    expect(c).not.toHaveProperty("decisionWait");
    expect(c).not.toHaveProperty("window");
  });

  it("zero is allowed where documented (natsStreamMaxAge, minBufferTime)", () => {
    const c = load(["--nats-stream-max-age", "0", "--min-buffer-time", "0s"]).config;
    expect(c.natsStreamMaxAgeMs).toBe(0);
    expect(c.minBufferTimeMs).toBe(0);
  });
});

describe("sizes become bytes", () => {
  it.each([
    ["16MiB", 16 * 1024 ** 2],
    ["1GB", 1e9],
    ["64Ki", 65_536],
    ["1.5KiB", 1536],
    ["2048", 2048],
  ])("%j → %d", (text, bytes) => {
    expect(load(["--max-message-bytes", text]).config.maxMessageBytes).toBe(bytes);
  });

  it("memoryLimit becomes memoryLimitBytes; fractions of a byte are dropped", () => {
    const c = loadFile("memoryLimit: 1GiB\nmaxApiBodyBytes: 1000.7\n").config;
    expect(c.memoryLimitBytes).toBe(1024 ** 3);
    expect(c).not.toHaveProperty("memoryLimit");
    expect(c.maxApiBodyBytes).toBe(1000);
  });
});

describe("URLs", () => {
  it("NATS: a bare host:port gets nats://, scheme and host lower-cased, comma lists and YAML lists", () => {
    expect(load(["--nats", "localhost:4222"]).config.nats).toEqual(["nats://localhost:4222"]);
    expect(load(["--nats", "NATS://Broker.Example:4222/"]).config.nats).toEqual(["nats://broker.example:4222"]);
    expect(load(["--nats", "nats://a:4222, tls://b:4443,wss://c/ws"]).config.nats).toEqual([
      "nats://a:4222",
      "tls://b:4443",
      "wss://c/ws",
    ]);
    expect(loadFile("nats: [a:1, b:2]\n").config.nats).toEqual(["nats://a:1", "nats://b:2"]);
    expect(load(["--nats", "nats://u:p@a:4222"]).config.nats).toEqual(["nats://u:p@a:4222"]);
  });

  it("OTLP metrics endpoint: http(s), canonical form", () => {
    expect(load(["--otlp-metrics-endpoint", "HTTP://Collector:4317/"]).config.otlpMetricsEndpoint).toBe("http://collector:4317");
    expect(load(["--otlp-metrics-endpoint", "https://otel.example/v1"]).config.otlpMetricsEndpoint).toBe("https://otel.example/v1");
  });
});

describe("booleans", () => {
  it.each([
    ["true", true],
    ["YES", true],
    ["on", true],
    ["1", true],
    ["false", false],
    ["No", false],
    ["off", false],
    ["0", false],
  ])("env %j → %s", (text, value) => {
    expect(load([], { PBE_NATS_PUBLISH_EVALUATIONS: text }).config.natsPublishEvaluations).toBe(value);
  });

  it("YAML booleans and YAML 1.2 strings", () => {
    expect(loadFile("natsPublishEvaluations: false\n").config.natsPublishEvaluations).toBe(false);
    expect(loadFile("natsPublishEvaluations: no\n").config.natsPublishEvaluations).toBe(false);
  });
});

describe("numbers, names and enums", () => {
  it("counts accept underscores; ports accept 0 (pick a free port)", () => {
    const c = load(["--max-buffered-spans", "2_000_000", "--api-port", "0"]).config;
    expect(c.maxBufferedSpans).toBe(2_000_000);
    expect(c.apiPort).toBe(0);
  });

  it("log level and currency are case-insensitive; text is trimmed", () => {
    const c = load(["--log-level", "DEBUG", "--currency", "eur", "--service-attribute", " k8s.deployment.name "]).config;
    expect(c.logLevel).toBe("debug");
    expect(c.currency).toBe("EUR");
    expect(c.serviceAttribute).toBe("k8s.deployment.name");
  });
});

describe("the token list", () => {
  it("from the environment: token:role, comma-separated, roles case-insensitive, a token may hold ':'", () => {
    expect(load([], { PBE_API_TOKENS: "tok1:read, tok2:ADMIN,a:b:read" }).config.apiTokens).toEqual([
      { token: "tok1", role: "read" },
      { token: "tok2", role: "admin" },
      { token: "a:b", role: "read" },
    ]);
  });

  it("from the file: a list of {token, role}, or of token:role strings", () => {
    expect(loadFile("apiTokens:\n  - { token: r1, role: read }\n  - w1:admin\n").config.apiTokens).toEqual([
      { token: "r1", role: "read" },
      { token: "w1", role: "admin" },
    ]);
  });
});

describe("prices", () => {
  it("plain amounts, numeric strings, and amounts in the configured currency", () => {
    const c = load(["--price-core-hour", "0.05", "--price-network-gib", "$0.1", "--price-storage-gib-month", "0.2 usd"]).config;
    expect(c.prices).toEqual({ coreHour: 0.05, memoryGiBHour: 0.005, networkGiB: 0.1, storageGiBMonth: 0.2 });
    expect(loadFile("currency: EUR\nprices: { coreHour: €0.03, memoryGiBHour: 0.004 EUR }\n").config.prices).toMatchObject({
      coreHour: 0.03,
      memoryGiBHour: 0.004,
    });
  });
});

describe("metric mappings", () => {
  it("defaults scale to 1 and attributes to {}, stringifies attribute values, keeps mode when given", () => {
    const c = loadFile(
      [
        "metricMappings:",
        "  - metric: process.cpu.time",
        "    resource: cpu",
        "    mode: rate",
        "  - metric: app.disk.used_kib",
        "    resource: storage",
        "    scale: 1024",
        "    attributes: { disk.index: 0, fs.primary: true, mount: /data }",
      ].join("\n"),
    ).config;
    expect(c.metricMappings).toEqual([
      { metric: "process.cpu.time", resource: "cpu", mode: "rate", scale: 1, attributes: {} },
      { metric: "app.disk.used_kib", resource: "storage", scale: 1024, attributes: { "disk.index": "0", "fs.primary": "true", mount: "/data" } },
    ]);
  });
});
