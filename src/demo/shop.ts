/**
 * The simulated shop as the engine sees it: five services, each with its own OpenTelemetry SDK
 * (a `BasicTracerProvider` with a batch span processor and the OTLP/gRPC trace exporter, and a
 * `MeterProvider` with the OTLP/gRPC metric exporter), sending real OTLP to the engine.
 *
 * Requests are not really served: each is planned with computed timings (see traffic.ts) so that
 * it ends just before "now", and each span is recorded with explicit start and end times by the
 * SDK of the service it belongs to, which exports it as that service would. Process metrics
 * (`process.cpu.time`, cumulative seconds by `cpu.mode`; `process.memory.usage`, bytes) are
 * observable instruments over a simple model: a baseline plus the CPU time the planned requests
 * spent in the service.
 */
import { ROOT_CONTEXT, SpanKind, trace, type Context, type HrTime, type Tracer } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Rng } from "../random/index.js";
import type { Conditions } from "./timeline.js";
import { JOURNEYS, SHOP_SERVICES, TracePlanner, countSpans, type JourneyId, type PlannedSpan, type ShopService } from "./traffic.js";

const VERSIONS: Record<ShopService, string> = { frontend: "2.14.1", cart: "1.5.2", checkout: "2.0.7", payment: "1.11.0", inventory: "1.3.9" };
/** Idle CPU of each service's process, cores. */
const BASELINE_CORES: Record<ShopService, number> = { frontend: 0.12, cart: 0.1, checkout: 0.1, payment: 0.08, inventory: 0.09 };
/** Resident memory of each service's process, bytes. */
const BASELINE_MEMORY: Record<ShopService, number> = {
  frontend: 180 * 2 ** 20,
  cart: 140 * 2 ** 20,
  checkout: 210 * 2 ** 20,
  payment: 160 * 2 ** 20,
  inventory: 190 * 2 ** 20,
};
const KIND: Record<PlannedSpan["kind"], SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };

/** How often requests are generated. */
const TICK_MS = 100;

export interface ShopOptions {
  /** OTLP/gRPC endpoint of the engine, e.g. `http://127.0.0.1:4317`. */
  endpoint: string;
  /** Mean requests per second over the three journeys. */
  requestsPerSecond: number;
  /** What the shop does now (the scripted incident's current phase). */
  conditions: () => Conditions;
  /** Process metrics export interval, ms. */
  metricsIntervalMs?: number;
  seed?: number;
  now?: () => number;
}

export interface ShopStats {
  requests: number;
  spans: number;
  byJourney: Record<JourneyId, number>;
}

interface ServiceSdk {
  service: ShopService;
  tracer: Tracer;
  traces: BasicTracerProvider;
  meters: MeterProvider;
  /** CPU seconds spent on requests so far. */
  requestCpuSec: number;
}

/** ms since the epoch (fractional) as OpenTelemetry HrTime. */
export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.max(0, Math.round((ms - seconds * 1000) * 1e6)));
  return [seconds, nanos];
}

export class Shop {
  readonly stats: ShopStats = { requests: 0, spans: 0, byJourney: { browse: 0, "add-to-cart": 0, checkout: 0 } };
  private readonly sdks = new Map<ShopService, ServiceSdk>();
  private readonly rng: Rng;
  private readonly planner: TracePlanner;
  private readonly now: () => number;
  private readonly startedMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastTickMs: number;
  private carry = 0;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: ShopOptions) {
    this.now = opts.now ?? Date.now;
    this.rng = new Rng(opts.seed ?? 20_240_611);
    this.planner = new TracePlanner(this.rng, (service, cpuMs) => {
      this.sdks.get(service)!.requestCpuSec += cpuMs / 1000;
    });
    this.startedMs = this.now();
    this.lastTickMs = this.startedMs;
    const intervalMs = opts.metricsIntervalMs ?? 1000;
    for (const service of SHOP_SERVICES) {
      const resource = resourceFromAttributes({
        "service.name": service,
        "service.namespace": "shop",
        "service.version": VERSIONS[service],
        "service.instance.id": `${service}-${this.rng.hex(6)}-${this.rng.hex(5)}`,
        "deployment.environment.name": "demo",
        "telemetry.sdk.language": "nodejs",
        "telemetry.sdk.name": "opentelemetry",
      });
      const traces = new BasicTracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.endpoint, timeoutMillis: 5000 }), {
            scheduledDelayMillis: 250,
            maxExportBatchSize: 1024,
            maxQueueSize: 32_768,
            exportTimeoutMillis: 5000,
          }),
        ],
      });
      const meters = new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: opts.endpoint, timeoutMillis: Math.min(5000, intervalMs) }),
            exportIntervalMillis: intervalMs,
            exportTimeoutMillis: intervalMs,
          }),
        ],
      });
      const sdk: ServiceSdk = { service, tracer: traces.getTracer(`shop-${service}`, VERSIONS[service]), traces, meters, requestCpuSec: 0 };
      this.sdks.set(service, sdk);
      this.instrumentProcess(sdk);
    }
  }

  /** Starts generating requests. */
  start(): void {
    if (this.timer || this.stopping) return;
    this.lastTickMs = this.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops generating, then flushes and shuts down every service's SDK (their last spans and metrics are exported). Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      await Promise.allSettled([...this.sdks.values()].flatMap((s) => [s.traces.shutdown(), s.meters.shutdown()]));
    })());
  }

  /** One generation step: the requests due since the last one, with a gentle ±10 % wave over 30 s. */
  private tick(): void {
    const now = this.now();
    const elapsedSec = (now - this.lastTickMs) / 1000;
    this.lastTickMs = now;
    const wave = 1 + 0.1 * Math.sin(((now - this.startedMs) / 30_000) * 2 * Math.PI);
    const due = this.opts.requestsPerSecond * wave * Math.min(elapsedSec, 1) + this.carry;
    const n = Math.floor(due);
    this.carry = due - n;
    const conditions = this.opts.conditions();
    const weights = JOURNEYS.map((j) => j.weight);
    for (let i = 0; i < n; i++) {
      const journey = JOURNEYS[this.rng.weighted(weights)]!.id;
      const root = this.planner.plan(journey, conditions);
      // The request has just finished: it ends somewhere in the last tick.
      const endMs = now - this.rng.next() * TICK_MS;
      this.emit(root, endMs - root.endMs, ROOT_CONTEXT);
      this.stats.requests++;
      this.stats.byJourney[journey]++;
      this.stats.spans += countSpans(root);
    }
  }

  /** Records a planned span (and its subtree) with the SDK of its service. */
  private emit(p: PlannedSpan, baseMs: number, parent: Context): void {
    const sdk = this.sdks.get(p.service)!;
    const span = sdk.tracer.startSpan(p.name, { kind: KIND[p.kind], startTime: hrTime(baseMs + p.startMs), attributes: p.attributes }, parent);
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    for (const c of p.children) this.emit(c, baseMs, ctx);
    span.end(hrTime(baseMs + p.endMs));
  }

  /** `process.cpu.time` and `process.memory.usage` of the service's (simulated) process. */
  private instrumentProcess(sdk: ServiceSdk): void {
    const meter = sdk.meters.getMeter("shop-process", VERSIONS[sdk.service]);
    const cpu = meter.createObservableCounter("process.cpu.time", { unit: "s", description: "Total CPU seconds broken down by different CPU modes." });
    const memory = meter.createObservableUpDownCounter("process.memory.usage", { unit: "By", description: "The amount of physical memory in use." });
    const jitter = new Rng([...sdk.service].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 17));
    let idleCpuSec = 0;
    let lastMs = this.startedMs;
    let memoryBytes = BASELINE_MEMORY[sdk.service];
    cpu.addCallback((result) => {
      const now = this.now();
      idleCpuSec += (BASELINE_CORES[sdk.service] * (now - lastMs)) / 1000;
      lastMs = now;
      const total = idleCpuSec + sdk.requestCpuSec;
      result.observe(total * 0.8, { "cpu.mode": "user" });
      result.observe(total * 0.2, { "cpu.mode": "system" });
    });
    memory.addCallback((result) => {
      // A gentle random walk pulled back to the baseline.
      const base = BASELINE_MEMORY[sdk.service];
      memoryBytes += (base - memoryBytes) * 0.2 + jitter.normal() * 2 * 2 ** 20;
      result.observe(Math.round(memoryBytes));
    });
  }
}
