import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors/index.js";
import {
  decodeMetricsJson,
  decodeMetricsRequest,
  encodeMetricsRequest,
  type IExportMetricsServiceRequest,
  type MetricsDecodeResult,
} from "../../../src/otlp/index.js";
import { bytes, cat, message, nestedArrayValue } from "./pb.js";

const T0 = "1700000000000000000";
const T1 = "1700000010000000001"; // not a double: must survive exactly

/** An OTLP/JSON metrics request that `fromObject` also accepts (camelCase, int64 strings, enum names). */
function fixture(): Record<string, unknown> {
  const attrs = (m: Record<string, unknown>) => Object.entries(m).map(([key, value]) => ({ key, value }));
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: attrs({
            "service.name": { stringValue: "checkout" },
            "host.cpu.count": { intValue: "8" },
            "k8s.pod.ready": { boolValue: true },
            "weight": { doubleValue: 0.25 },
            "tags": { arrayValue: { values: [{ stringValue: "a" }, { intValue: "2" }, { arrayValue: { values: [{ boolValue: false }] } }] } },
            "labels": { kvlistValue: { values: [{ key: "team", value: { stringValue: "pay" } }, { key: "empty", value: {} }] } },
            "id": { bytesValue: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString("base64") },
            "nothing": {},
          }),
        },
        scopeMetrics: [
          {
            scope: { name: "io.opentelemetry.host", version: "1.0" },
            metrics: [
              {
                name: "process.cpu.utilization",
                unit: "1",
                description: "CPU",
                gauge: {
                  dataPoints: [
                    { attributes: attrs({ "cpu.mode": { stringValue: "user" } }), timeUnixNano: T1, asDouble: 0.75 },
                    { timeUnixNano: T1, asInt: "-3" },
                    { timeUnixNano: "0", asDouble: 1 }, // rejected: time 0
                    { timeUnixNano: T1, asDouble: "NaN" }, // rejected: not finite
                    { timeUnixNano: T1, flags: 1 }, // no recorded value: skipped
                  ],
                },
              },
              {
                name: "http.server.request.count",
                unit: "{request}",
                sum: {
                  aggregationTemporality: "AGGREGATION_TEMPORALITY_DELTA",
                  isMonotonic: true,
                  dataPoints: [{ startTimeUnixNano: T0, timeUnixNano: T1, asInt: "120" }],
                },
              },
              {
                name: "queue.depth",
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: false,
                  dataPoints: [{ startTimeUnixNano: T0, timeUnixNano: T1, asDouble: -4.5 }, { timeUnixNano: T1 }], // second: no value
                },
              },
              {
                name: "http.server.request.duration",
                unit: "s",
                histogram: {
                  aggregationTemporality: "AGGREGATION_TEMPORALITY_CUMULATIVE",
                  dataPoints: [
                    { startTimeUnixNano: T0, timeUnixNano: T1, count: "10", sum: 2.5, min: 0.01, max: 1.2, bucketCounts: ["1", "6", "3"], explicitBounds: [0.1, 0.5] },
                    { timeUnixNano: T1, count: "0" },
                    { timeUnixNano: T1, count: "3", bucketCounts: ["1", "2"], explicitBounds: [0.1, 0.5] }, // rejected: buckets
                    { timeUnixNano: T1, count: "1", sum: "Infinity" }, // rejected: not finite
                  ],
                },
              },
              {
                name: "latency.exp",
                unit: "ms",
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      startTimeUnixNano: T0,
                      timeUnixNano: T1,
                      count: "7",
                      sum: 30,
                      scale: -2,
                      zeroCount: "1",
                      zeroThreshold: 0.001,
                      positive: { offset: -3, bucketCounts: ["2", "0", "3"] },
                      negative: { offset: 4, bucketCounts: ["1"] },
                      min: -9,
                      max: 12,
                    },
                    { timeUnixNano: T1, count: "0", scale: 3 },
                  ],
                },
              },
              {
                name: "rpc.latency.summary",
                summary: {
                  dataPoints: [
                    { startTimeUnixNano: T0, timeUnixNano: T1, count: "4", sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 5 }] },
                    { timeUnixNano: T1, count: "1", sum: 1, quantileValues: [{ quantile: 1.5, value: 1 }] }, // rejected: quantile
                  ],
                },
              },
              { name: "no.data", unit: "1" },
            ],
          },
          { metrics: [] },
        ],
      },
      {},
    ],
  };
}

const EXPECTED_REJECTED = 6;
const EXPECTED_ACCEPTED = 9;

function fromBoth(json: Record<string, unknown>): [MetricsDecodeResult, MetricsDecodeResult] {
  const proto = encodeMetricsRequest(json as IExportMetricsServiceRequest);
  return [decodeMetricsRequest(proto), decodeMetricsJson(JSON.stringify(json))];
}

const nullProto = (o: Record<string, unknown>) => Object.assign(Object.create(null) as Record<string, unknown>, o);

describe("metrics decoders", () => {
  it("protobuf and JSON decode to the same normalised result", () => {
    const [pb, json] = fromBoth(fixture());
    expect(pb).toEqual(json);
    expect(pb.dataPoints).toBe(EXPECTED_ACCEPTED);
    expect(pb.rejected).toBe(EXPECTED_REJECTED);
    expect(pb.reason).toBe('metric "process.cpu.utilization" data point 2: time_unix_nano is 0');
  });

  for (const [label, decode] of [
    ["protobuf", (j: Record<string, unknown>) => decodeMetricsRequest(encodeMetricsRequest(j as IExportMetricsServiceRequest))],
    ["JSON", (j: Record<string, unknown>) => decodeMetricsJson(JSON.stringify(j))],
  ] as const) {
    describe(`from ${label}`, () => {
      const result = decode(fixture());
      const [res, empty] = result.resources;
      const metrics = res!.scopes[0]!.metrics;
      const byName = (n: string) => metrics.find((m) => m.name === n)!;

      it("renders resource attributes (arrays and kvlists as JSON, bytes as hex) in a null-prototype record", () => {
        expect(Object.getPrototypeOf(res!.attributes)).toBeNull();
        expect({ ...res!.attributes }).toEqual({
          "service.name": "checkout",
          "host.cpu.count": 8,
          "k8s.pod.ready": true,
          weight: 0.25,
          tags: '["a",2,[false]]',
          labels: '{"team":"pay","empty":null}',
          id: "deadbeef",
        });
        expect(empty).toEqual({ attributes: nullProto({}), scopes: [] });
      });

      it("keeps scopes, names and the structure; drops a metric without data", () => {
        expect(res!.scopes.map((s) => s.name)).toEqual(["io.opentelemetry.host", ""]);
        expect(metrics.map((m) => [m.name, m.type])).toEqual([
          ["process.cpu.utilization", "gauge"],
          ["http.server.request.count", "sum"],
          ["queue.depth", "sum"],
          ["http.server.request.duration", "histogram"],
          ["latency.exp", "exponentialHistogram"],
          ["rpc.latency.summary", "summary"],
        ]);
      });

      it("gauge: double and int values, exact bigint times, attributes; rejects time 0 and NaN, skips no-recorded-value", () => {
        const g = byName("process.cpu.utilization");
        expect(g).toEqual({
          name: "process.cpu.utilization",
          unit: "1",
          description: "CPU",
          type: "gauge",
          points: [
            { attributes: nullProto({ "cpu.mode": "user" }), startTimeUnixNano: 0n, timeUnixNano: 1700000010000000001n, value: 0.75 },
            { attributes: nullProto({}), startTimeUnixNano: 0n, timeUnixNano: 1700000010000000001n, value: -3 },
          ],
        });
        expect(g.temporality).toBeUndefined();
      });

      it("sums: delta monotonic and cumulative non-monotonic", () => {
        expect(byName("http.server.request.count")).toMatchObject({
          type: "sum",
          unit: "{request}",
          monotonic: true,
          temporality: "delta",
          points: [{ startTimeUnixNano: 1700000000000000000n, timeUnixNano: 1700000010000000001n, value: 120 }],
        });
        const q = byName("queue.depth");
        expect(q).toMatchObject({ type: "sum", monotonic: false, temporality: "cumulative" });
        expect(q.points.map((p) => ("value" in p ? p.value : undefined))).toEqual([-4.5]);
      });

      it("histograms: counts, optional sum/min/max, buckets and bounds", () => {
        const h = byName("http.server.request.duration");
        expect(h.temporality).toBe("cumulative");
        expect(h.points).toEqual([
          {
            attributes: nullProto({}),
            startTimeUnixNano: 1700000000000000000n,
            timeUnixNano: 1700000010000000001n,
            count: 10,
            sum: 2.5,
            min: 0.01,
            max: 1.2,
            bucketCounts: [1, 6, 3],
            explicitBounds: [0.1, 0.5],
          },
          { attributes: nullProto({}), startTimeUnixNano: 0n, timeUnixNano: 1700000010000000001n, count: 0, bucketCounts: [], explicitBounds: [] },
        ]);
        expect("sum" in h.points[1]!).toBe(false);
      });

      it("exponential histograms: scale, zero bucket, positive and negative ranges", () => {
        const e = byName("latency.exp");
        expect(e.temporality).toBe("delta");
        expect(e.points).toEqual([
          {
            attributes: nullProto({}),
            startTimeUnixNano: 1700000000000000000n,
            timeUnixNano: 1700000010000000001n,
            count: 7,
            sum: 30,
            min: -9,
            max: 12,
            scale: -2,
            zeroCount: 1,
            zeroThreshold: 0.001,
            positive: { offset: -3, bucketCounts: [2, 0, 3] },
            negative: { offset: 4, bucketCounts: [1] },
          },
          {
            attributes: nullProto({}),
            startTimeUnixNano: 0n,
            timeUnixNano: 1700000010000000001n,
            count: 0,
            scale: 3,
            zeroCount: 0,
            zeroThreshold: 0,
            positive: { offset: 0, bucketCounts: [] },
            negative: { offset: 0, bucketCounts: [] },
          },
        ]);
      });

      it("summaries: count, sum and quantiles; rejects a quantile outside [0, 1]", () => {
        expect(byName("rpc.latency.summary").points).toEqual([
          {
            attributes: nullProto({}),
            startTimeUnixNano: 1700000000000000000n,
            timeUnixNano: 1700000010000000001n,
            count: 4,
            sum: 10,
            quantileValues: [
              { quantile: 0.5, value: 2 },
              { quantile: 1, value: 5 },
            ],
          },
        ]);
      });
    });
  }

  it("reports each kind of rejection", () => {
    const point = (p: Record<string, unknown>) => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "m", gauge: { dataPoints: [p] } }] }] }] });
    const reason = (p: Record<string, unknown>) => decodeMetricsJson(JSON.stringify(point(p))).reason;
    expect(reason({ asDouble: 1 })).toBe('metric "m" data point 0: time_unix_nano is 0');
    expect(reason({ timeUnixNano: "x", asDouble: 1 })).toBe('metric "m" data point 0: time_unix_nano is not an unsigned 64-bit integer');
    expect(reason({ timeUnixNano: "1", startTimeUnixNano: "-1", asDouble: 1 })).toBe('metric "m" data point 0: start_time_unix_nano is not an unsigned 64-bit integer');
    expect(reason({ timeUnixNano: "1", asDouble: "-Infinity" })).toBe('metric "m" data point 0: value is not finite');
    expect(reason({ timeUnixNano: "1" })).toBe('metric "m" data point 0: number data point has no value');
    const hist = (p: Record<string, unknown>) =>
      decodeMetricsJson(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "h", histogram: { dataPoints: [{ timeUnixNano: "1", ...p }] } }] }] }] }));
    expect(hist({ count: "-1" }).reason).toBe('metric "h" data point 0: count is negative');
    expect(hist({ explicitBounds: ["NaN"], bucketCounts: [1, 1] }).reason).toBe('metric "h" data point 0: explicit_bounds is not finite');
    expect(hist({ max: "Infinity" }).reason).toBe('metric "h" data point 0: max is not finite');
    expect(hist({ bucketCounts: [1], explicitBounds: [1] }).reason).toBe(
      'metric "h" data point 0: bucket_counts has 1 entries for 1 explicit_bounds (want bounds + 1)',
    );
    expect(hist({ count: 2, bucketCounts: [1, 1], explicitBounds: [1] })).toMatchObject({ dataPoints: 1, rejected: 0 });
    // Counts are uint64: negative or 2^64 and beyond is refused (found by scripts/fuzz.mjs).
    expect(hist({ count: 2, bucketCounts: [3, -1], explicitBounds: [1] }).reason).toBe('metric "h" data point 0: bucket_counts is negative');
    expect(hist({ count: "1e300" }).reason).toBe('metric "h" data point 0: count is not an unsigned 64-bit integer');
    const expo = decodeMetricsJson(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "e", exponentialHistogram: { dataPoints: [
      { timeUnixNano: "1", positive: { offset: 0, bucketCounts: ["-2"] } },
      { timeUnixNano: "1", count: "1e40" },
      { timeUnixNano: "1", negative: { offset: "18446744073709551616" } },
      { timeUnixNano: "1", scale: -2147483649 },
    ] } }] }] }] }));
    expect(expo).toMatchObject({ dataPoints: 0, rejected: 4, reason: 'metric "e" data point 0: bucket_counts is negative' });
  });

  it("JSON: snake_case names, enum integers, int64 as numbers, unknown fields", () => {
    const text = JSON.stringify({
      resource_metrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { string_value: "s" } }, { key: "n", value: { int_value: 7 } }] },
          schema_url: "x",
          unknown_thing: { a: 1 },
          scope_metrics: [
            {
              scope: { name: "sc" },
              metrics: [
                {
                  name: "c",
                  sum: { aggregation_temporality: 1, is_monotonic: true, data_points: [{ start_time_unix_nano: 5, time_unix_nano: 6, as_int: 9, exemplars: [{}] }] },
                  metadata: [{ key: "m", value: { stringValue: "v" } }],
                },
                {
                  name: "e",
                  exponential_histogram: {
                    data_points: [{ time_unix_nano: "6", zero_count: 2, zero_threshold: "NaN", positive: { offset: 1, bucket_counts: [1] } }],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const r = decodeMetricsJson(text);
    expect(r.dataPoints).toBe(1);
    expect(r.rejected).toBe(1);
    expect(r.reason).toBe('metric "e" data point 0: zero_threshold is not finite');
    expect({ ...r.resources[0]!.attributes }).toEqual({ "service.name": "s", n: 7 });
    expect(r.resources[0]!.scopes[0]!.metrics[0]).toEqual({
      name: "c",
      unit: "",
      description: "",
      type: "sum",
      monotonic: true,
      temporality: "delta",
      points: [{ attributes: nullProto({}), startTimeUnixNano: 5n, timeUnixNano: 6n, value: 9 }],
    });
  });

  it("JSON: exact nanosecond times given as numbers", () => {
    const text = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":${T1},"startTimeUnixNano":${T0},"asDouble":1}]}}]}]}]}`;
    const p = decodeMetricsJson(text).resources[0]!.scopes[0]!.metrics[0]!.points[0]!;
    expect(p.timeUnixNano).toBe(BigInt(T1));
    expect(p.startTimeUnixNano).toBe(BigInt(T0));
  });

  it("keeps __proto__ keys as plain data and pollutes nothing", () => {
    const text =
      '{"__proto__":{"polluted":1},"resourceMetrics":[{"resource":{"attributes":[' +
      '{"key":"__proto__","value":{"stringValue":"p"}},{"key":"constructor","value":{"intValue":"1"}},' +
      '{"key":"kv","value":{"kvlistValue":{"values":[{"key":"__proto__","value":{"boolValue":true}}]}}}]}}]}';
    const r = decodeMetricsJson(text);
    const attrs = r.resources[0]!.attributes;
    expect(Object.keys(attrs)).toEqual(["__proto__", "constructor", "kv"]);
    expect(attrs["__proto__"]).toBe("p");
    expect(attrs.constructor).toBe(1);
    expect(attrs.kv).toBe('{"__proto__":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("renders nesting deeper than 16 levels as null (JSON), refuses > 100 levels (protobuf)", () => {
    let v: Record<string, unknown> = { stringValue: "leaf" };
    for (let i = 0; i < 20; i++) v = { arrayValue: { values: [v] } };
    const r = decodeMetricsJson(JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: "deep", value: v }] } }] }));
    expect(r.resources[0]!.attributes.deep).toBe("[".repeat(16) + "null" + "]".repeat(16));
    // ExportMetricsServiceRequest{resource_metrics{resource{attributes{key,value: 200 nested arrays}}}}
    const deep = message(1, message(1, bytes(1, cat(bytes(1, "deep"), bytes(2, nestedArrayValue(200))))));
    expect(() => decodeMetricsRequest(deep)).toThrow(/malformed ExportMetricsServiceRequest: .*nesting/);
    const ok = message(1, message(1, bytes(1, cat(bytes(1, "ok"), bytes(2, nestedArrayValue(3))))));
    expect(decodeMetricsRequest(ok).resources[0]!.attributes.ok).toBe('[[["leaf"]]]');
  });

  it("throws DecodeError on malformed protobuf", () => {
    for (const bad of [Uint8Array.from([0x0a, 0x05, 0x00]), Uint8Array.from([0x0a]), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]) {
      expect(() => decodeMetricsRequest(bad)).toThrow(DecodeError);
    }
    expect(() => decodeMetricsRequest(Uint8Array.from([0x0a, 0x05, 0x00]))).toThrow(/^malformed ExportMetricsServiceRequest: /);
    expect(decodeMetricsRequest(new Uint8Array(0))).toEqual({ resources: [], dataPoints: 0, rejected: 0 });
    expect(decodeMetricsRequest(message(1, message(2, message(2, bytes(1, "m")))))).toMatchObject({ dataPoints: 0, rejected: 0 });
  });

  it("throws DecodeError on malformed JSON and wrong structural types, naming the path", () => {
    const cases: [string, RegExp][] = [
      ["{", /^malformed ExportMetricsServiceRequest JSON: /],
      ["null", /^ExportMetricsServiceRequest: want an object, got null$/],
      ['{"resourceMetrics":{}}', /^ExportMetricsServiceRequest.resourceMetrics: want an array, got an object$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[5]}]}]}', /resourceMetrics\[0\].scopeMetrics\[0\].metrics\[0\]: want an object, got a number$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":[]}]}]}]}', /metrics\[0\].gauge: want an object, got an array$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":1}]}]}]}', /metrics\[0\].name: want a string, got a number$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"isMonotonic":"yes"}}]}]}]}', /metrics\[0\].sum.isMonotonic: want a boolean, got a string$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":{}}]}}]}]}]}', /dataPoints\[0\].asDouble: want a number, got an object$/],
      ['{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":5}}]}}]}', /resource.attributes\[0\].value.stringValue: want a string, got number$/],
      ['{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"timeUnixNano":"1","bucketCounts":[true]}]}}]}]}]}', /dataPoints\[0\].bucketCounts: want an integer, got a boolean$/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        decodeMetricsJson(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(DecodeError);
      expect((err as Error).message, text).toMatch(re);
    }
  });
});
