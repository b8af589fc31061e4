/**
 * Resource metrics of the simulated pods, as their SDKs' host/runtime instrumentation would
 * export them: `process.cpu.time` (cumulative sum by cpu.mode), `process.memory.usage`,
 * `process.cpu.utilization` and the `http.server.request.duration` histogram. Low volume (one
 * request per interval for all pods), so encoded per send through the generated code.
 */
import { encodeMetricsRequest, type IExportMetricsServiceRequest } from "../otlp/index.js";
import { Rng } from "./rand.js";
import { INSTANCES_PER_SERVICE, SERVICES, resourceAttributes, type Attr } from "./shop.js";

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function kv(attrs: readonly Attr[]) {
  return attrs.map(([key, v]) => ({
    key,
    value: typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
  }));
}

/** Cumulative state of every pod's metrics; `encode` advances it to `nowMs`. */
export class MetricsModel {
  private readonly rng: Rng;
  private readonly startNs: string;
  private readonly cpuUser: number[];
  private readonly cpuSystem: number[];
  private readonly requests: number[][];
  private readonly pods: { service: number; instance: number; resource: ReturnType<typeof kv> }[] = [];
  private lastMs: number;

  constructor(seed: number, nowMs: number) {
    this.rng = new Rng(seed);
    this.startNs = (BigInt(Math.floor(nowMs)) * 1_000_000n).toString();
    this.lastMs = nowMs;
    for (let s = 0; s < SERVICES.length; s++) {
      for (let i = 0; i < INSTANCES_PER_SERVICE; i++) this.pods.push({ service: s, instance: i, resource: kv(resourceAttributes(s, i)) });
    }
    this.cpuUser = this.pods.map(() => 0);
    this.cpuSystem = this.pods.map(() => 0);
    this.requests = this.pods.map(() => new Array<number>(BOUNDS.length + 1).fill(0));
  }

  /** Data points per request. */
  get pointsPerRequest(): number {
    return this.pods.length * 5;
  }

  encode(nowMs: number): Uint8Array {
    const dt = Math.max(0.001, (nowMs - this.lastMs) / 1000);
    this.lastMs = nowMs;
    const timeNs = (BigInt(Math.floor(nowMs)) * 1_000_000n).toString();
    const req: IExportMetricsServiceRequest = {
      resourceMetrics: this.pods.map((p, i) => {
        const util = 0.05 + this.rng.next() * 0.5;
        this.cpuUser[i]! += util * dt * 0.8;
        this.cpuSystem[i]! += util * dt * 0.2;
        const buckets = this.requests[i]!;
        const n = this.rng.int(20, 200);
        for (let r = 0; r < n; r++) buckets[Math.min(BOUNDS.length, Math.floor(this.rng.next() * this.rng.next() * 8))]!++;
        const count = buckets.reduce((a, b) => a + b, 0);
        const mem = 150_000_000 + Math.floor(this.rng.next() * 50_000_000);
        return {
          resource: { attributes: p.resource },
          scopeMetrics: [
            {
              scope: { name: "@opentelemetry/host-metrics", version: "0.38.3" },
              metrics: [
                {
                  name: "process.cpu.time",
                  unit: "s",
                  description: "Total CPU seconds broken down by different CPU modes.",
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      { attributes: kv([["cpu.mode", "user"]]), startTimeUnixNano: this.startNs, timeUnixNano: timeNs, asDouble: this.cpuUser[i] },
                      { attributes: kv([["cpu.mode", "system"]]), startTimeUnixNano: this.startNs, timeUnixNano: timeNs, asDouble: this.cpuSystem[i] },
                    ],
                  },
                },
                {
                  name: "process.memory.usage",
                  unit: "By",
                  description: "The amount of physical memory in use.",
                  sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ startTimeUnixNano: this.startNs, timeUnixNano: timeNs, asInt: mem }] },
                },
                {
                  name: "process.cpu.utilization",
                  unit: "1",
                  description: "Difference in process.cpu.time since the last measurement, divided by the elapsed time and number of CPUs.",
                  gauge: { dataPoints: [{ timeUnixNano: timeNs, asDouble: util }] },
                },
              ],
            },
            {
              scope: { name: "@opentelemetry/instrumentation-http", version: "0.57.2" },
              metrics: [
                {
                  name: "http.server.request.duration",
                  unit: "s",
                  description: "Duration of HTTP server requests.",
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        attributes: kv([["http.request.method", "GET"], ["http.response.status_code", 200]]),
                        startTimeUnixNano: this.startNs,
                        timeUnixNano: timeNs,
                        count,
                        sum: count * 0.04,
                        bucketCounts: buckets.slice(),
                        explicitBounds: BOUNDS,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        };
      }),
    } as unknown as IExportMetricsServiceRequest;
    return encodeMetricsRequest(req);
  }
}
