// The local exponential histogram must put every value where the OpenTelemetry JS SDK's
// exponential aggregation puts it: same scale, offset and counts for the same values.
import fc from "fast-check";
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { ExpoHistogram, expoIndex } from "../../../src/telemetry/index.js";
import { mulberry32 } from "../../../src/random/index.js";

class ExpoReader extends MetricReader {
  constructor() {
    super({ aggregationSelector: () => ({ type: AggregationType.EXPONENTIAL_HISTOGRAM }), aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function sdkHistogram(values: number[]): Promise<ExponentialHistogram> {
  const reader = new ExpoReader();
  const provider = new MeterProvider({ readers: [reader] });
  const h = provider.getMeter("t").createHistogram("h");
  for (const v of values) h.record(v);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const m = resourceMetrics.scopeMetrics[0]!.metrics[0]!;
  if (m.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) throw new Error("not an exponential histogram");
  return m.dataPoints[0]!.value;
}

function mine(values: number[]) {
  const h = new ExpoHistogram();
  for (const v of values) h.record(v);
  return h.snapshot();
}

/** Trailing and leading zero buckets are not significant; compare the populated range. */
function trimmed(offset: number, counts: number[]) {
  let a = 0;
  let b = counts.length;
  while (a < b && counts[a] === 0) a++;
  while (b > a && counts[b - 1] === 0) b--;
  return { offset: a < b ? offset + a : 0, counts: counts.slice(a, b) };
}

function lognormal(n: number, seed: number, medianSec: number, sigma: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => medianSec * Math.exp(sigma * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r())));
}

describe("expoIndex", () => {
  it("maps exact powers of two to the bucket they close (upper-inclusive)", () => {
    expect(expoIndex(1, 0)).toBe(-1);
    expect(expoIndex(2, 0)).toBe(0);
    expect(expoIndex(4, 0)).toBe(1);
    expect(expoIndex(0.5, 0)).toBe(-2);
    expect(expoIndex(2, 3)).toBe(7);
    expect(expoIndex(1, 3)).toBe(-1);
    expect(expoIndex(4, -1)).toBe(0);
    expect(expoIndex(8, -1)).toBe(1);
  });

  it("puts a value strictly above its bucket's lower boundary and at most its upper one", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e4, noNaN: true }), fc.integer({ min: -4, max: 8 }), (v, scale) => {
        const i = expoIndex(v, scale);
        const base = 2 ** (2 ** -scale);
        const lower = base ** i;
        const upper = base ** (i + 1);
        // Allow the last-ulp slack of Math.log near a boundary, as the SDK does.
        expect(v).toBeGreaterThan(lower * (1 - 1e-12));
        expect(v).toBeLessThanOrEqual(upper * (1 + 1e-12));
      }),
    );
  });
});

describe("ExpoHistogram", () => {
  it("matches the SDK's exponential aggregation on attributed-latency-like values", async () => {
    for (const [seed, median, sigma] of [
      [1, 0.02, 1],
      [2, 0.0003, 2.5],
      [3, 1.5, 0.1],
    ] as const) {
      const values = lognormal(20_000, seed, median, sigma);
      const sdk = await sdkHistogram(values);
      const local = mine(values);
      expect(local.scale).toBe(sdk.scale);
      expect(trimmed(local.offset, local.counts)).toEqual(trimmed(sdk.positive.offset, sdk.positive.bucketCounts));
      expect(local.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    }
  });

  it("matches the SDK with zeros and a single repeated value", async () => {
    const values = [0, 0, 0.25, 0.25, 0.25];
    const sdk = await sdkHistogram(values);
    const local = mine(values);
    expect(local.zeroCount).toBe(2);
    expect(sdk.zeroCount).toBe(2);
    expect(local.scale).toBe(sdk.scale);
    expect(trimmed(local.offset, local.counts)).toEqual(trimmed(sdk.positive.offset, sdk.positive.bucketCounts));
  });

  it("downscales to keep at most maxSize buckets and loses no count", () => {
    const h = new ExpoHistogram(8);
    const values = [1e-9, 1e-6, 1e-3, 1, 1e3];
    for (const v of values) h.record(v);
    const s = h.snapshot();
    expect(s.counts.length).toBeLessThanOrEqual(8);
    expect(s.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    // Both ends still fall into the reported range at the reported scale.
    expect(expoIndex(1e-9, s.scale)).toBe(s.offset);
    expect(expoIndex(1e3, s.scale)).toBe(s.offset + s.counts.length - 1);
  });

  it("refuses negative and non-finite values", () => {
    const h = new ExpoHistogram();
    expect(h.record(-1)).toBe(false);
    expect(h.record(NaN)).toBe(false);
    expect(h.record(Infinity)).toBe(false);
    expect(h.snapshot()).toEqual({ scale: 20, zeroCount: 0, offset: 0, counts: [] });
  });
});
