// Resource budgets from real OTLP metrics: the OpenTelemetry SDK with HostMetrics (process CPU and
// memory) exports through @opentelemetry/exporter-metrics-otlp-grpc to the real engine process,
// whose CPU and memory budgets are then evaluated from those samples.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { HostMetrics } from "@opentelemetry/host-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-resources-"));
const budgets = join(dir, "budgets.yaml");
writeFileSync(
  budgets,
  `budgets:
  - { id: probe-cpu, type: resource.cpu, service: metrics-probe, aggregate: max, threshold: 4, window: 1m }
  - { id: probe-memory, type: resource.memory, service: metrics-probe, aggregate: max, threshold: 1MiB, window: 1m }
  - { id: probe-cost, type: cost.resource, service: metrics-probe, threshold: $100 }
`,
);
let engine: EngineProcess;

beforeAll(async () => {
  engine = await startEngineProcess({ args: ["--budgets", budgets, "--window", "1s", "--eval-interval", "1s"] });
});
afterAll(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Entry {
  budgetId: string;
  status: string;
  observed: number | null;
  samples: number;
}

describe("resource budgets from OTLP metrics", () => {
  it("evaluates CPU and memory budgets from the SDK's process metrics", async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${engine.ports.grpc}` }),
      exportIntervalMillis: 500,
    });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": "metrics-probe", "service.instance.id": "probe-1" }), readers: [reader] });
    new HostMetrics({ meterProvider: provider, name: "pbe-e2e", metricGroups: ["process.cpu", "process.memory"] }).start();
    try {
      const entries = await eventually(async () => {
        const r = await engine.get("/api/v1/services/metrics-probe/compliance");
        if (r.status !== 200) return undefined;
        const list = (r.body as { budgets: Entry[] }).budgets;
        const cpu = list.find((e) => e.budgetId === "probe-cpu");
        const mem = list.find((e) => e.budgetId === "probe-memory");
        const cost = list.find((e) => e.budgetId === "probe-cost");
        return cpu && mem && cost && cpu.samples >= 1 && mem.samples >= 1 && cost.observed !== null ? list : undefined;
      }, 20_000);
      const byId = Object.fromEntries(entries.map((e) => [e.budgetId, e]));
      // This test process uses some CPU (cores, a cumulative counter turned into a rate) …
      expect(byId["probe-cpu"].observed).toBeGreaterThanOrEqual(0);
      expect(byId["probe-cpu"].observed).toBeLessThan(4);
      expect(byId["probe-cpu"].status).toBe("ok");
      // … and far more than 1 MiB of memory: the memory budget is violated.
      expect(byId["probe-memory"].observed).toBeGreaterThan(10 * 2 ** 20);
      expect(byId["probe-memory"].status).toBe("violated");
      // The hourly cost of that usage at the default prices (0.04 per core-hour, 0.005 per GiB-hour):
      // memory alone is between 10 MiB and 4 GiB here, i.e. $0.00005–$0.02 an hour, plus CPU.
      expect(byId["probe-cost"].observed).toBeGreaterThan(0);
      expect(byId["probe-cost"].observed).toBeLessThan(0.2);
      expect(byId["probe-cost"].status).toBe("ok");
      const stats = (await engine.get("/api/v1/stats")).body as { resources: { samples: number }; ingest: { metricPointsReceived: number } };
      expect(stats.ingest.metricPointsReceived).toBeGreaterThan(0);
      expect(stats.resources.samples).toBeGreaterThan(0);
    } finally {
      await provider.shutdown();
    }
  });
});
