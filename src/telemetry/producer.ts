/**
 * The metrics aggregated outside the SDK (budget gauges, attributed latency, journey traces),
 * handed to a reader as a `MetricProducer`: the reader merges them with the SDK's instruments at
 * every collection. One producer per reader, because the histogram's form depends on the reader:
 * explicit buckets for the Prometheus endpoint (its text format has no exponential histograms;
 * the JS Prometheus serializer drops them, printing only HELP and TYPE `untyped` lines), base-2
 * exponential buckets for the OTLP push. Temporality is cumulative for both.
 */
import { ValueType, type HrTime } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import { BUDGET_GAUGES, type BudgetGauges } from "./budgets.js";
import type { LatencyAggregator } from "./latency.js";

export const LATENCY_METRIC = "pbe.latency.attributed";
export const JOURNEY_TRACES_METRIC = "pbe.journey.traces";
const LATENCY_DESCRIPTION =
  "Latency attributed to a component (processing) or an edge (network) on the critical path of a journey's traces, one value per trace and component.";
const JOURNEY_TRACES_DESCRIPTION = "Attributed traces per journey (the denominator of per-trace latency shares).";

export type HistogramForm = "explicit" | "exponential";

export function msToHrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  const ns = Math.round((ms - s * 1000) * 1e6);
  return ns >= 1e9 ? [s + 1, ns - 1e9] : [s, ns];
}

export interface DerivedProducerOptions {
  form: HistogramForm;
  gauges: BudgetGauges;
  latency: LatencyAggregator;
  resource: Resource;
  scope: { name: string; version?: string };
  /** Gauges' start time (when the metrics were set up), Unix ms. */
  startMs: number;
  now: () => number;
}

export class DerivedProducer implements MetricProducer {
  constructor(private readonly opts: DerivedProducerOptions) {}

  async collect(): Promise<CollectionResult> {
    return { resourceMetrics: { resource: this.opts.resource, scopeMetrics: [{ scope: this.opts.scope, metrics: this.metrics() }] }, errors: [] };
  }

  /** The metrics of one collection, synchronously (values are copies). */
  metrics(): MetricData[] {
    const { gauges, latency, form } = this.opts;
    const endTime = msToHrTime(this.opts.now());
    const gaugeStart = msToHrTime(this.opts.startMs);
    const out: MetricData[] = [];
    const points = gauges.points();
    for (const g of BUDGET_GAUGES) {
      const list = points.get(g.name)!;
      if (list.length === 0) continue;
      out.push({
        descriptor: { name: g.name, description: g.description, unit: g.unit, valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: list.map((p) => ({ startTime: gaugeStart, endTime, attributes: p.attributes, value: p.value })),
      });
    }
    const snap = latency.snapshot();
    if (snap.series.length > 0) {
      const descriptor = { name: LATENCY_METRIC, description: LATENCY_DESCRIPTION, unit: "s", valueType: ValueType.DOUBLE };
      if (form === "explicit") {
        const boundaries = [...latency.boundariesSec];
        out.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: snap.series.map((s) => ({
            startTime: msToHrTime(s.startMs),
            endTime,
            attributes: s.attributes,
            value: { buckets: { boundaries, counts: s.counts }, count: s.count, sum: s.sumSec, min: s.minSec, max: s.maxSec },
          })),
        });
      } else {
        out.push({
          descriptor,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
          dataPoints: snap.series.map((s) => {
            const e = s.expo!;
            return {
              startTime: msToHrTime(s.startMs),
              endTime,
              attributes: s.attributes,
              value: {
                count: s.count,
                sum: s.sumSec,
                min: s.minSec,
                max: s.maxSec,
                scale: e.scale,
                zeroCount: e.zeroCount,
                positive: { offset: e.offset, bucketCounts: e.counts },
                negative: { offset: 0, bucketCounts: [] },
              },
            };
          }),
        });
      }
    }
    if (snap.journeys.length > 0) {
      out.push({
        descriptor: { name: JOURNEY_TRACES_METRIC, description: JOURNEY_TRACES_DESCRIPTION, unit: "{trace}", valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: snap.journeys.map((j) => ({ startTime: msToHrTime(j.startMs), endTime, attributes: j.attributes, value: j.traces })),
      });
    }
    return out;
  }
}
