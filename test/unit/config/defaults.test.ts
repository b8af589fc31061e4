import { describe, expect, it } from "vitest";
import { configSchema, defaultConfig, SETTINGS } from "../../../src/config/index.js";
import { CWD, load } from "./helpers.js";

describe("defaults", () => {
  it("are the documented values, normalised, with paths against cwd", () => {
    expect(defaultConfig(CWD)).toEqual({
      host: "0.0.0.0",
      grpcPort: 4317,
      httpPort: 4318,
      apiPort: 8080,
      dataDir: "/srv/pbe/data",
      decisionWaitMs: 5_000,
      maxTraceAgeMs: 30_000,
      maxBufferedSpans: 1_000_000,
      minBufferTimeMs: 1_000,
      evalIntervalMs: 10_000,
      windowMs: 10_000,
      retentionMinutesMs: 24 * 3_600_000,
      retentionHoursMs: 30 * 86_400_000,
      checkpointIntervalMs: 30_000,
      alertFireAfter: 1,
      alertResolveAfter: 3,
      forecastHorizonMs: 7 * 86_400_000,
      natsStreamMaxAgeMs: 7 * 86_400_000,
      natsDuplicateWindowMs: 120_000,
      natsPublishEvaluations: true,
      metricsExportIntervalMs: 10_000,
      metricsCardinalityLimit: 2000,
      serviceAttribute: "service.name",
      metricMappings: [],
      maxMessageBytes: 16 * 1024 * 1024,
      maxInflatedBytes: 64 * 1024 * 1024,
      maxApiBodyBytes: 1024 * 1024,
      recentTraces: 10_000,
      maxStrings: 100_000,
      maxKeysPerService: 1000,
      memoryLimitBytes: 0,
      apiTokens: [],
      otlpTlsClientAuth: false,
      currency: "USD",
      prices: { coreHour: 0.04, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 },
      logLevel: "info",
    });
  });

  it("leave optional settings absent (no NATS, no token, no budgets file, no metrics push)", () => {
    const c = defaultConfig(CWD);
    for (const key of ["nats", "apiToken", "budgets", "config", "otlpMetricsEndpoint", "natsPassword", "otlpTlsCert"]) {
      expect(Object.keys(c)).not.toContain(key);
    }
  });

  it("are the same as loading with no inputs, and come from the schema alone", () => {
    expect(load().config).toEqual(defaultConfig(CWD));
    const fromSchema = configSchema.parse({});
    expect({ ...fromSchema, dataDir: "/srv/pbe/data" }).toEqual(defaultConfig(CWD));
    expect(fromSchema.dataDir).toBe("./data");
  });

  it("resolve against the process's working directory when no cwd is given", () => {
    expect(defaultConfig().dataDir).toBe(`${process.cwd()}/data`);
  });

  it("every setting has a description, a group, and a source", () => {
    expect(SETTINGS.length).toBeGreaterThan(50);
    for (const s of SETTINGS) {
      expect(s.description.length, s.id).toBeGreaterThan(10);
      expect(s.flag !== undefined || s.inFile, s.id).toBe(true);
    }
  });
});
