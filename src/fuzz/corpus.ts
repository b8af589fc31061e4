/**
 * Valid seeds for the fuzzer's mutations: OTLP trace and metrics requests (protobuf bytes and
 * OTLP/JSON objects), budget definitions and config files, generated from a fixed seed so a
 * run is reproducible from fast-check's seed alone.
 */
import { mulberry32 } from "../random/index.js";
import { encodeMetricsRequest, encodeTraceRequest, type IExportMetricsServiceRequest, type IExportTraceServiceRequest } from "../otlp/index.js";

type Json = { [key: string]: unknown };

const SERVICES = ["frontend", "checkout", "cart", "payment", "orders-db", "ünïcødé-svc", ""];
const NAMES = ["GET /checkout", "POST /cart", "SELECT orders", "publish order", "HTTP GET", "😀 emoji op", ""];
const KEYS = ["http.route", "db.system", "db.system.name", "db.statement", "db.query.text", "peer.service", "messaging.system", "server.address", "net.peer.name", "http.method", "custom.key"];
const VALUES = ["/checkout/{id}", "postgresql", "SELECT * FROM orders WHERE id = ?", "kafka", "payments", "10.0.0.1", "x"];

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function randomBytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  if (b.every((x) => x === 0)) b[0] = 1;
  return b;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export interface TraceSeed {
  protobuf: Uint8Array;
  json: Json;
  spans: number;
}

/** A trace request of 1–4 resources with 1–12 spans each (parents inside the trace, attributes, events, links). */
function traceSeed(r: () => number): TraceSeed {
  const now = 1_700_000_000_000_000_000n + BigInt(Math.floor(r() * 1e12));
  const trace = randomBytes(r, 16);
  const pbResources: NonNullable<IExportTraceServiceRequest["resourceSpans"]> = [];
  const jsonResources: Json[] = [];
  let spans = 0;
  const ids: Uint8Array[] = [];
  for (let res = 0, nres = 1 + Math.floor(r() * 4); res < nres; res++) {
    const service = pick(r, SERVICES);
    const pbSpans = [];
    const jsonSpans: Json[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 12); i < n; i++) {
      const id = randomBytes(r, 8);
      const parent = ids.length > 0 && r() < 0.8 ? pick(r, ids) : undefined;
      ids.push(id);
      const start = now + BigInt(Math.floor(r() * 1e9));
      const end = start + BigInt(Math.floor(r() * 1e9));
      const attrs = Array.from({ length: Math.floor(r() * 5) }, () => ({ key: pick(r, KEYS), value: pick(r, VALUES) }));
      const kind = Math.floor(r() * 6);
      const name = pick(r, NAMES);
      const error = r() < 0.2;
      pbSpans.push({
        traceId: trace,
        spanId: id,
        parentSpanId: parent ?? new Uint8Array(0),
        name,
        kind,
        startTimeUnixNano: start.toString() as unknown as number,
        endTimeUnixNano: end.toString() as unknown as number,
        attributes: [...attrs.map((a) => ({ key: a.key, value: { stringValue: a.value } })), { key: "n", value: { intValue: 7 } }],
        events: r() < 0.3 ? [{ name: "ev", timeUnixNano: start.toString() as unknown as number, attributes: [{ key: "e", value: { boolValue: true } }] }] : [],
        links: r() < 0.2 ? [{ traceId: randomBytes(r, 16), spanId: randomBytes(r, 8) }] : [],
        status: error ? { code: 2, message: "boom" } : { code: 0 },
      });
      jsonSpans.push({
        traceId: hex(trace),
        spanId: hex(id),
        ...(parent ? { parentSpanId: hex(parent) } : {}),
        name,
        kind,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: end.toString(),
        attributes: [...attrs.map((a) => ({ key: a.key, value: { stringValue: a.value } })), { key: "n", value: { intValue: "7" } }],
        status: error ? { code: 2, message: "boom" } : {},
      });
      spans++;
    }
    const resAttrs = [{ key: "service.name", value: { stringValue: service } }, { key: "host.name", value: { stringValue: "h1" } }];
    pbResources.push({ resource: { attributes: resAttrs }, scopeSpans: [{ scope: { name: "fuzz", version: "1" }, spans: pbSpans }] });
    jsonResources.push({ resource: { attributes: resAttrs }, scopeSpans: [{ scope: { name: "fuzz" }, spans: jsonSpans }] });
  }
  return { protobuf: encodeTraceRequest({ resourceSpans: pbResources }), json: { resourceSpans: jsonResources }, spans };
}

export interface MetricsSeed {
  protobuf: Uint8Array;
  json: Json;
}

/** A metrics request with a gauge, a monotonic sum, a histogram, an exponential histogram and a summary. */
function metricsSeed(r: () => number): MetricsSeed {
  const t = (1_700_000_000_000_000_000n + BigInt(Math.floor(r() * 1e12))).toString();
  const attrs = [{ key: "state", value: { stringValue: pick(r, ["user", "system"]) } }, { key: "cpu", value: { intValue: "1" } }];
  const v = () => Math.round(r() * 1e6) / 100;
  const metrics: Json[] = [
    { name: "process.cpu.time", unit: "s", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: attrs, startTimeUnixNano: t, timeUnixNano: t, asDouble: v() }] } },
    { name: "process.memory.usage", unit: "By", gauge: { dataPoints: [{ timeUnixNano: t, asInt: String(Math.floor(r() * 1e9)) }] } },
    { name: "http.server.duration", unit: "ms", histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: t, count: "3", sum: v(), bucketCounts: ["1", "1", "1"], explicitBounds: [10, 100], min: 1, max: 200 }] } },
    { name: "rpc.duration", unit: "s", exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: t, count: "2", sum: 3, scale: 2, zeroCount: "0", positive: { offset: 1, bucketCounts: ["1", "1"] }, negative: { offset: 0, bucketCounts: [] } }] } },
    { name: "db.latency", unit: "s", summary: { dataPoints: [{ timeUnixNano: t, count: "4", sum: 2, quantileValues: [{ quantile: 0.5, value: 0.4 }, { quantile: 0.99, value: 0.9 }] }] } },
  ];
  const json = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: pick(r, SERVICES) } }, { key: "host.cpu.count", value: { intValue: "4" } }] },
        scopeMetrics: [{ scope: { name: "fuzz" }, metrics: metrics.filter(() => r() < 0.8) }],
      },
    ],
  };
  // The protobufjs encoder takes the same lowerCamelCase shape (64-bit integers as strings).
  return { protobuf: encodeMetricsRequest(json as IExportMetricsServiceRequest), json };
}

/** Valid budget definitions of every family (plain JSON values). */
export const BUDGET_SEEDS: readonly Json[] = [
  { id: "checkout-p99", type: "latency.total", service: "checkout", operation: "POST /checkout", quantile: 0.99, threshold: "300ms", window: "1h", target: 0.99, labels: { team: "payments" } },
  { id: "checkout-db", type: "latency.component", service: "checkout", component: "postgresql", quantile: 0.9, threshold: 50, window: "5m" },
  { id: "edge", type: "latency.network", service: "frontend", edge: "frontend->cart", aggregate: "mean", threshold: "20ms" },
  { id: "proc", type: "latency.processing", service: "cart", aggregate: "max", threshold: "1.5s" },
  { id: "cpu", type: "resource.cpu", service: "cart", aggregate: "mean", threshold: 2, window: "10m" },
  { id: "mem", type: "resource.memory", service: "cart", aggregate: "max", threshold: "512MiB" },
  { id: "queries", type: "throughput.queries", service: "checkout", per: "trace", aggregate: "max", threshold: 10 },
  { id: "rps", type: "throughput.requests", service: "frontend", per: "second", direction: "min", threshold: 5 },
  { id: "cost", type: "cost.resource", service: "cart", per: "hour", threshold: "0.5 USD" },
  { id: "parent", type: "latency.total", service: "shop", quantile: 0.95, threshold: "1s" },
  { id: "child-a", type: "latency.component", service: "shop", component: "a", quantile: 0.95, parent: "parent", share: 0.5 },
];

/** Config file seeds (YAML text). */
export const CONFIG_SEEDS: readonly string[] = [
  "grpcPort: 4317\nhttpPort: 0\ndecisionWait: 2s\nmaxBufferedSpans: 1000\nlogLevel: debug\n",
  "nats: nats://user:pw@localhost:4222\nnatsStreamMaxAge: 1d\nprices:\n  coreHour: 0.05\n  memoryGiBHour: 0.01\ncurrency: USD\n",
  "metricMappings:\n  - metric: my.cpu\n    resource: cpu\n    scale: 0.001\n    attributes: { state: user }\napiTokens:\n  - { token: abc, role: read }\n",
  '{"window": "5s", "evalInterval": "5s", "memoryLimit": "1GiB", "otlpTlsClientAuth": false}\n',
];

export interface Corpus {
  traces: TraceSeed[];
  metrics: MetricsSeed[];
}

/** The corpus for `seed`: 64 trace requests and 32 metrics requests. */
export function buildCorpus(seed = 1): Corpus {
  const r = mulberry32(seed);
  return {
    traces: Array.from({ length: 64 }, () => traceSeed(r)),
    metrics: Array.from({ length: 32 }, () => metricsSeed(r)),
  };
}
