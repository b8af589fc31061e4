/**
 * The engine's own health as SDK observable instruments, read from a callback at each collection:
 * cumulative counters the engine already keeps (so nothing is counted twice) and a few gauges,
 * plus the process's CPU time and memory (OpenTelemetry semantic-convention names, no extra
 * package). These series never go away, so the SDK's observable instruments suit them.
 */
import { getHeapSpaceStatistics } from "node:v8";
import { ValueType, type Meter, type Observable, type ObservableCounter, type ObservableGauge } from "@opentelemetry/api";

/** What {@link DerivedMetricsOptions.healthSource} returns: totals since start, and current levels. */
export interface HealthSnapshot {
  /** Spans accepted into the engine (`engine.counters.spansReceived`). */
  spansReceived: number;
  /** Spans the decoders refused (partial success). */
  spansRejected: number;
  /** Spans of traces already attributed, dropped (`assembler.stats.spansLate`). */
  spansLate: number;
  tracesCompleted: number;
  /** Traces attributed early because the span buffer was full. */
  tracesEvicted: number;
  /** Export requests refused with back-pressure (memory limiter or full buffer). */
  requestsRefused: number;
  /** Alert events published to NATS (0 without NATS). */
  alertsPublished: number;
  /** Failed NATS publishes or connection errors (0 without NATS). */
  natsFailures: number;
  /** Spans buffered in incomplete traces now (optional gauge). */
  bufferedSpans?: number;
  /** Incomplete traces buffered now (optional gauge). */
  bufferedTraces?: number;
}

type CounterKey = Exclude<keyof HealthSnapshot, "bufferedSpans" | "bufferedTraces">;

/** Health counters: field, OpenTelemetry name, unit, description. */
export const HEALTH_COUNTERS: ReadonlyArray<{ key: CounterKey; name: string; unit: string; description: string }> = [
  { key: "spansReceived", name: "pbe.spans.received", unit: "{span}", description: "Spans received and accepted by the engine." },
  { key: "spansRejected", name: "pbe.spans.rejected", unit: "{span}", description: "Spans rejected by the decoders (reported as partial success)." },
  { key: "spansLate", name: "pbe.spans.late", unit: "{span}", description: "Spans that arrived after their trace was attributed (dropped)." },
  { key: "tracesCompleted", name: "pbe.traces.completed", unit: "{trace}", description: "Traces completed by the assembler and attributed." },
  { key: "tracesEvicted", name: "pbe.traces.evicted", unit: "{trace}", description: "Traces attributed early because the span buffer was full." },
  { key: "requestsRefused", name: "pbe.requests.refused", unit: "{request}", description: "Export requests refused with retryable back-pressure." },
  { key: "alertsPublished", name: "pbe.alerts.published", unit: "{alert}", description: "Alert events published to NATS." },
  { key: "natsFailures", name: "pbe.nats.failures", unit: "{failure}", description: "NATS publish or connection failures." },
];

export const HEALTH_GAUGES: ReadonlyArray<{ key: "bufferedSpans" | "bufferedTraces"; name: string; unit: string; description: string }> = [
  { key: "bufferedSpans", name: "pbe.assembler.buffered_spans", unit: "{span}", description: "Spans buffered in incomplete traces." },
  { key: "bufferedTraces", name: "pbe.assembler.buffered_traces", unit: "{trace}", description: "Incomplete traces buffered." },
];

/** Registers the health and process instruments on `meter`. */
export function registerHealth(meter: Meter, source: () => HealthSnapshot, processMetrics: boolean): void {
  const counters = HEALTH_COUNTERS.map((c) => ({
    key: c.key,
    instrument: meter.createObservableCounter(c.name, { unit: c.unit, description: c.description, valueType: ValueType.INT }),
  }));
  const gauges = HEALTH_GAUGES.map((g) => ({
    key: g.key,
    instrument: meter.createObservableGauge(g.name, { unit: g.unit, description: g.description, valueType: ValueType.INT }),
  }));
  const observables: Observable[] = [...counters.map((c) => c.instrument), ...gauges.map((g) => g.instrument)];
  meter.addBatchObservableCallback((r) => {
    const h = source();
    for (const c of counters) {
      const v = h[c.key];
      if (Number.isFinite(v)) r.observe(c.instrument, v);
    }
    for (const g of gauges) {
      const v = h[g.key];
      if (v !== undefined && Number.isFinite(v)) r.observe(g.instrument, v);
    }
  }, observables);

  if (!processMetrics) return;
  const cpu: ObservableCounter = meter.createObservableCounter("process.cpu.time", {
    unit: "s",
    description: "CPU time of the engine's process, by mode (user, system).",
    valueType: ValueType.DOUBLE,
  });
  const rss = meter.createObservableUpDownCounter("process.memory.usage", {
    unit: "By",
    description: "Resident set size of the engine's process.",
    valueType: ValueType.INT,
  });
  const heap: ObservableGauge = meter.createObservableGauge("v8js.memory.heap.used", {
    unit: "By",
    description: "V8 heap in use, by heap space.",
    valueType: ValueType.INT,
  });
  const USER = Object.freeze({ "cpu.mode": "user" });
  const SYSTEM = Object.freeze({ "cpu.mode": "system" });
  const spaces = new Map<string, Readonly<Record<string, string>>>();
  meter.addBatchObservableCallback(
    (r) => {
      const u = process.cpuUsage();
      r.observe(cpu, u.user / 1e6, USER);
      r.observe(cpu, u.system / 1e6, SYSTEM);
      r.observe(rss, process.memoryUsage.rss());
      for (const s of getHeapSpaceStatistics()) {
        let a = spaces.get(s.space_name);
        if (a === undefined) {
          a = Object.freeze({ "v8js.heap.space.name": s.space_name });
          spaces.set(s.space_name, a);
        }
        r.observe(heap, s.space_used_size, a);
      }
    },
    [cpu, rss, heap],
  );
}
