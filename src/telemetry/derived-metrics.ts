/**
 * Derived metrics (ARCHITECTURE.md §7, CONTRACT.md "Derived metrics"): one OpenTelemetry
 * `MeterProvider` (resource `service.name=pbe`, `service.version`) with two readers, a
 * Prometheus reader served at `GET /metrics` on the API port (no server of its own) and, with
 * an OTLP endpoint, a periodic OTLP/gRPC push (cumulative temporality).
 *
 * Instruments: docs/metrics.md. Budget gauges and the attributed-latency histogram are
 * aggregated here and handed to both readers as metric producers (see budgets.ts, latency.ts,
 * producer.ts for why); the health counters and process metrics are SDK observable instruments.
 * Every metric is bounded by `cardinalityLimit` attribute sets, the overflow series
 * (`otel.metric.overflow=true`) included: the SDK's instruments through the readers' cardinality
 * selectors, the produced ones by the same rule.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { defaultResource, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type InstrumentType,
  type MetricProducer,
  type MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { Route } from "../api/index.js";
import type { Attribution } from "../attribution/index.js";
import type { TraceObserver } from "../engine/index.js";
import { SinkError } from "../errors/index.js";
import type { Evaluation } from "../evaluate/index.js";
import { BudgetGauges } from "./budgets.js";
import { registerHealth, type HealthSnapshot } from "./health.js";
import { DEFAULT_LATENCY_BOUNDARIES_SEC, LatencyAggregator, type NameTable } from "./latency.js";
import { DerivedProducer } from "./producer.js";

/** Content type of the Prometheus text exposition format served at `/metrics`. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface DerivedMetricsOptions {
  /** Names of interned ids: the engine's strings table (`engine.tables.strings`). */
  names: NameTable;
  /** The engine's health counters, read at each collection; must be cheap and must not throw. */
  healthSource: () => HealthSnapshot;
  /** OTLP/gRPC endpoint of the push (`--otlp-metrics-endpoint`, e.g. `http://collector:4317`); unset = `/metrics` only. */
  otlpEndpoint?: string;
  /** Interval of the OTLP push (`metricsExportIntervalMs`). Default 10 000. */
  exportIntervalMs?: number;
  /** Attribute sets per metric, the overflow series included (`metricsCardinalityLimit`). Default 2000. */
  cardinalityLimit?: number;
  /** Explicit bucket boundaries of `pbe.latency.attributed` on `/metrics`, seconds, increasing. */
  latencyBoundariesSec?: readonly number[];
  /** `service.version` of the resource; default: this package's version. */
  serviceVersion?: string;
  /** `service.instance.id` of the resource; default: the host name (a pod's name in Kubernetes). */
  serviceInstanceId?: string;
  /** Export `process.cpu.time`, `process.memory.usage`, `v8js.memory.heap.used`. Default true. */
  processMetrics?: boolean;
  /** A failed OTLP export or collection (the caller logs it); never thrown into the engine. */
  onError?: (err: Error) => void;
  /** Wall clock, Unix ms (tests inject one). */
  now?: () => number;
}

export interface DerivedMetricsStats {
  exports: number;
  exportFailures: number;
  lastExportError?: string;
  latencySeries: number;
  journeys: number;
  /** Keys folded into an overflow series of the produced metrics. */
  overflowed: number;
}

const SCOPE = "pbe";

/**
 * The derived metrics of one engine. A {@link TraceObserver} (`engine.addObserver(metrics)`), fed
 * the latest evaluations with {@link update}, served by {@link route} on the API server.
 */
export class DerivedMetrics implements TraceObserver {
  readonly meterProvider: MeterProvider;
  readonly resource: Resource;
  readonly cardinalityLimit: number;
  private readonly gauges: BudgetGauges;
  private readonly latency: LatencyAggregator;
  private readonly prometheus: PrometheusReader;
  private readonly serializer = new PrometheusSerializer("", false, undefined, false, true);
  private readonly otlp?: { reader: PeriodicExportingMetricReader; exporter: CountingExporter };
  private readonly onError?: (err: Error) => void;
  private closing?: Promise<void>;

  constructor(opts: DerivedMetricsOptions) {
    const limit = opts.cardinalityLimit ?? 2000;
    if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`cardinalityLimit must be an integer of at least 2, got ${limit}`);
    const intervalMs = opts.exportIntervalMs ?? 10_000;
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) throw new RangeError(`exportIntervalMs must be a positive number, got ${intervalMs}`);
    const bounds = opts.latencyBoundariesSec ?? DEFAULT_LATENCY_BOUNDARIES_SEC;
    if (bounds.length === 0 || bounds.some((b, i) => !(b > 0) || !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new RangeError("latencyBoundariesSec must be positive, finite and strictly increasing");
    }
    const now = opts.now ?? Date.now;
    this.cardinalityLimit = limit;
    this.onError = opts.onError;
    const version = opts.serviceVersion ?? packageVersion();
    this.resource = defaultResource().merge(
      resourceFromAttributes({
        "service.name": "pbe",
        "service.version": version,
        "service.instance.id": opts.serviceInstanceId ?? hostname(),
      }),
    );
    this.gauges = new BudgetGauges(limit);
    const endpoint = opts.otlpEndpoint || undefined; // "" = unset, as in the configuration
    this.latency = new LatencyAggregator({ names: opts.names, cardinalityLimit: limit, boundariesSec: bounds, exponential: endpoint !== undefined });
    const startMs = now();
    const producer = (form: "explicit" | "exponential") =>
      new DerivedProducer({ form, gauges: this.gauges, latency: this.latency, resource: this.resource, scope: { name: SCOPE, version }, startMs, now });

    this.prometheus = new PrometheusReader(limit, [producer("explicit")]);
    const readers: MetricReader[] = [this.prometheus];
    if (endpoint !== undefined) {
      const exporter = new CountingExporter(
        new OTLPMetricExporter({ url: endpoint, temporalityPreference: AggregationTemporality.CUMULATIVE }),
        opts.onError,
      );
      const reader = new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: intervalMs,
        exportTimeoutMillis: Math.min(intervalMs, 30_000),
        metricProducers: [producer("exponential")],
        cardinalityLimits: { default: limit },
      });
      this.otlp = { reader, exporter };
      readers.push(reader);
    }
    this.meterProvider = new MeterProvider({ resource: this.resource, readers });
    registerHealth(this.meterProvider.getMeter(SCOPE, version), opts.healthSource, opts.processMetrics ?? true);
  }

  /** Replaces the budget gauges' values with the latest evaluations (one per budget). */
  update(evaluations: readonly Evaluation[]): void {
    this.gauges.update(evaluations);
  }

  /** The hot path: records the trace's component and edge times. Allocation-free once its series exist. */
  onTrace(a: Attribution, nowMs: number): void {
    this.latency.onTrace(a, nowMs);
  }

  get stats(): DerivedMetricsStats {
    const e = this.otlp?.exporter;
    return {
      exports: e?.exports ?? 0,
      exportFailures: e?.failures ?? 0,
      ...(e?.lastError ? { lastExportError: e.lastError.message } : {}),
      latencySeries: this.latency.seriesCount,
      journeys: this.latency.journeyCount,
      overflowed: this.latency.overflowed,
    };
  }

  /** One collection in the Prometheus text format 0.0.4 (what `GET /metrics` answers). */
  async prometheusText(): Promise<string> {
    const { resourceMetrics, errors } = await this.prometheus.collect();
    for (const err of errors) this.onError?.(err instanceof Error ? err : new Error(String(err)));
    return this.serializer.serialize(resourceMetrics);
  }

  /** `GET /metrics`: public like the health routes (the API's bearer tokens guard `/api/*` and `/mcp`). */
  route(): Route {
    return {
      method: "GET",
      path: "/metrics",
      role: "public",
      handle: async () => ({ raw: await this.prometheusText(), contentType: PROMETHEUS_CONTENT_TYPE, headers: { "cache-control": "no-store" } }),
    };
  }

  /**
   * Pushes the current values now (OTLP). Rejects with a retryable {@link SinkError} when that
   * export failed; resolves at once without an OTLP endpoint.
   */
  async forceFlush(): Promise<void> {
    const e = this.otlp?.exporter;
    const before = e?.failures ?? 0;
    await this.meterProvider.forceFlush();
    if (e && e.failures > before) {
      throw new SinkError(`the derived metrics push to the OTLP endpoint failed: ${e.lastError?.message ?? "unknown error"}`, true, { cause: e.lastError });
    }
  }

  /**
   * Shuts the provider's readers down; the OTLP reader stops its timer, pushes the last values
   * once and closes the exporter, in that order (the periodic reader's own shutdown). Waits at
   * most `timeoutMs`. Never rejects: a failed last push or a timeout goes to
   * `onError`. Idempotent; `/metrics` fails afterwards.
   */
  shutdown(timeoutMs = 10_000): Promise<void> {
    return (this.closing ??= this.meterProvider.shutdown({ timeoutMillis: timeoutMs }).catch((err: unknown) => {
      this.onError?.(new SinkError(`shutting the derived metrics down failed: ${(err as Error).message}`, false, { cause: err }));
    }));
  }
}

/**
 * The Prometheus exporter as a pull reader: no HTTP server (`preventServerStart`), collected by
 * {@link DerivedMetrics.prometheusText}. Its constructor takes no cardinality selector, hence the
 * override (the SDK asks the reader for each instrument's limit).
 */
class PrometheusReader extends PrometheusExporter {
  constructor(
    private readonly limit: number,
    metricProducers: MetricProducer[],
  ) {
    super({ preventServerStart: true, metricProducers, withoutScopeInfo: true });
  }

  override selectCardinalityLimit(_instrumentType: InstrumentType): number {
    return this.limit;
  }
}

type ExportCallback = Parameters<PushMetricExporter["export"]>[1];

/** Counts the OTLP exports and keeps the last failure (the periodic reader only logs them to `diag`). */
class CountingExporter implements PushMetricExporter {
  exports = 0;
  failures = 0;
  lastError: Error | undefined;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly onError?: (err: Error) => void,
  ) {}

  export(metrics: ResourceMetrics, done: ExportCallback): void {
    this.inner.export(metrics, (result) => {
      this.exports++;
      // ExportResultCode.SUCCESS is 0 (@opentelemetry/core, not a direct dependency).
      if (result.code !== 0) {
        this.failures++;
        this.lastError = result.error ?? new Error("export failed");
        this.onError?.(this.lastError);
      }
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(t: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality?.(t) ?? AggregationTemporality.CUMULATIVE;
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
