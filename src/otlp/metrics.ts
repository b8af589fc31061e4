/**
 * OTLP metrics decoders: protobuf through the generated protobufjs code, and OTLP/JSON. Both
 * produce the normalised {@link MetricsDecodeResult}, through one walker: a protobufjs-decoded
 * message is a plain object tree with the lowerCamelCase names of the JSON mapping, so the JSON
 * walker (json.ts) reads both; the only differences are value representations it accepts anyway
 * (Long vs string/number for 64-bit integers, Uint8Array vs base64 for bytes).
 *
 * Rules:
 * - Rejected (counted, reason kept, point left out): time_unix_nano 0 or not a uint64,
 *   start_time_unix_nano not a uint64, a non-finite value (number value, sum, min, max, bounds,
 *   zero threshold, quantile values), a number point with no value, a negative count, a
 *   histogram whose bucket_counts is neither empty nor explicit_bounds + 1 long, a quantile
 *   outside [0, 1], a count (count, zero_count, a bucket count) that is negative or not below 2^64,
 *   an exponential histogram scale or offset outside the 32-bit range.
 * - A point flagged NO_RECORDED_VALUE (a staleness marker) carries no measurement: it is left
 *   out and counted neither as accepted nor as rejected.
 * - A metric with no data field counts nothing and is left out; a metric whose points were all
 *   rejected stays, with no points.
 * - Malformed protobuf or JSON, or a wrong type where a structure is required, throws
 *   {@link DecodeError}. protobufjs recurses on nested attribute values and refuses more than
 *   100 levels (protoc's default limit): a DecodeError too. JSON has no such limit, but rendered
 *   attribute arrays/kvlists stop at depth 16 (deeper values render as null).
 */
import { ExportMetricsServiceRequest } from "./proto.js";
import { JsonReader, isObject, parseJsonBody, uint64, type JsonObject } from "./json.js";
import type {
  AttributeValue,
  Attributes,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  MetricData,
  MetricsDecodeResult,
  NumberPoint,
  QuantileValue,
  ResourceMetricsData,
  ScopeMetricsData,
  SummaryPoint,
  Temporality,
} from "./metrics-types.js";
import { protobufjsDecode } from "./trace-protobufjs.js";

const TEMPORALITY_NAMES: ReadonlyMap<string, number> = new Map([
  ["AGGREGATION_TEMPORALITY_UNSPECIFIED", 0],
  ["AGGREGATION_TEMPORALITY_DELTA", 1],
  ["AGGREGATION_TEMPORALITY_CUMULATIVE", 2],
]);
const NO_RECORDED_VALUE = 1;
const MAX_RENDER_DEPTH = 16;
const TWO64 = 2 ** 64;
const HEX = "0123456789abcdef";

/**
 * Decodes an OTLP `ExportMetricsServiceRequest` (protobuf bytes). Throws {@link DecodeError} on
 * malformed protobuf.
 */
export function decodeMetricsRequest(buf: Uint8Array): MetricsDecodeResult {
  const req = protobufjsDecode((b) => ExportMetricsServiceRequest.decode(b), buf, "ExportMetricsServiceRequest");
  return new MetricsWalker().request(req);
}

/**
 * Decodes an OTLP/JSON metrics export body (string or UTF-8 bytes). Throws {@link DecodeError}
 * on malformed JSON or a wrong type where a structure is required.
 */
export function decodeMetricsJson(body: string | Uint8Array): MetricsDecodeResult {
  return new MetricsWalker().request(parseJsonBody(body, "ExportMetricsServiceRequest"));
}

function temporalityOf(v: number): Temporality {
  return v === 1 ? "delta" : v === 2 ? "cumulative" : "unspecified";
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return s;
}

/** A point's rejection, thrown inside the walker and caught per point. */
class Reject {
  constructor(readonly what: string) {}
}

class MetricsWalker {
  private readonly r = new JsonReader("ExportMetricsServiceRequest");
  private accepted = 0;
  private rejected = 0;
  private reason: string | undefined;

  request(root: unknown): MetricsDecodeResult {
    const r = this.r;
    const req = r.rootObject(root);
    const resources: ResourceMetricsData[] = [];
    const rms = r.array(req, "resourceMetrics", "resource_metrics");
    for (let i = 0; i < rms.length; i++) {
      r.enter("resourceMetrics", i);
      const rm = r.element(rms[i]);
      const resource = r.object(rm, "resource", "resource");
      let attributes: Attributes = Object.create(null) as Attributes;
      if (resource !== undefined) {
        r.enter("resource");
        attributes = this.attributes(resource, "attributes", "attributes");
        r.leave(false);
      }
      const scopes: ScopeMetricsData[] = [];
      const sms = r.array(rm, "scopeMetrics", "scope_metrics");
      for (let j = 0; j < sms.length; j++) {
        r.enter("scopeMetrics", j);
        const sm = r.element(sms[j]);
        const scope = r.object(sm, "scope", "scope");
        let name = "";
        if (scope !== undefined) {
          r.enter("scope");
          name = r.string(scope, "name", "name");
          r.leave(false);
        }
        const metrics: MetricData[] = [];
        const ms = r.array(sm, "metrics", "metrics");
        for (let k = 0; k < ms.length; k++) {
          r.enter("metrics", k);
          const metric = this.metric(r.element(ms[k]));
          if (metric !== undefined) metrics.push(metric);
          r.leave();
        }
        scopes.push({ name, metrics });
        r.leave();
      }
      resources.push({ attributes, scopes });
      r.leave();
    }
    const result: MetricsDecodeResult = { resources, dataPoints: this.accepted, rejected: this.rejected };
    if (this.reason !== undefined) result.reason = this.reason;
    return result;
  }

  private metric(m: JsonObject): MetricData | undefined {
    const r = this.r;
    const name = r.string(m, "name", "name");
    const base = { name, unit: r.string(m, "unit", "unit"), description: r.string(m, "description", "description") };
    let data = r.object(m, "gauge", "gauge");
    if (data !== undefined) {
      r.enter("gauge");
      const points = this.points(data, name, (p) => this.numberPoint(p));
      r.leave(false);
      return { ...base, type: "gauge", points };
    }
    if ((data = r.object(m, "sum", "sum")) !== undefined) {
      r.enter("sum");
      const monotonic = r.bool(data, "isMonotonic", "is_monotonic");
      const temporality = temporalityOf(r.enumValue(data, "aggregationTemporality", "aggregation_temporality", TEMPORALITY_NAMES));
      const points = this.points(data, name, (p) => this.numberPoint(p));
      r.leave(false);
      return { ...base, type: "sum", monotonic, temporality, points };
    }
    if ((data = r.object(m, "histogram", "histogram")) !== undefined) {
      r.enter("histogram");
      const temporality = temporalityOf(r.enumValue(data, "aggregationTemporality", "aggregation_temporality", TEMPORALITY_NAMES));
      const points = this.points(data, name, (p) => this.histogramPoint(p));
      r.leave(false);
      return { ...base, type: "histogram", temporality, points };
    }
    if ((data = r.object(m, "exponentialHistogram", "exponential_histogram")) !== undefined) {
      r.enter("exponentialHistogram");
      const temporality = temporalityOf(r.enumValue(data, "aggregationTemporality", "aggregation_temporality", TEMPORALITY_NAMES));
      const points = this.points(data, name, (p) => this.exponentialPoint(p));
      r.leave(false);
      return { ...base, type: "exponentialHistogram", temporality, points };
    }
    if ((data = r.object(m, "summary", "summary")) !== undefined) {
      r.enter("summary");
      const points = this.points(data, name, (p) => this.summaryPoint(p));
      r.leave(false);
      return { ...base, type: "summary", points };
    }
    return undefined;
  }

  /** The accepted points of `data.dataPoints`, counting rejections. */
  private points<P>(data: JsonObject, metric: string, read: (p: JsonObject) => P | undefined): P[] {
    const r = this.r;
    const out: P[] = [];
    const dps = r.array(data, "dataPoints", "data_points");
    for (let i = 0; i < dps.length; i++) {
      r.enter("dataPoints", i);
      const depth = r.depth();
      const p = r.element(dps[i]);
      try {
        const point = read(p);
        if (point !== undefined) {
          out.push(point);
          this.accepted++;
        }
      } catch (err) {
        if (!(err instanceof Reject)) throw err;
        r.unwind(depth); // a rejection may come from inside a nested field
        this.rejected++;
        this.reason ??= `metric ${JSON.stringify(metric)} data point ${i}: ${err.what}`;
      }
      r.leave();
    }
    return out;
  }

  /** The common fields; undefined for a NO_RECORDED_VALUE point. Throws Reject. */
  private base(p: JsonObject): { attributes: Attributes; startTimeUnixNano: bigint; timeUnixNano: bigint } | undefined {
    const r = this.r;
    if ((r.int64(p, "flags", "flags") & NO_RECORDED_VALUE) !== 0) return undefined;
    const time = uint64(r.get(p, "timeUnixNano", "time_unix_nano"));
    if (time === undefined) throw new Reject("time_unix_nano is not an unsigned 64-bit integer");
    if (time === 0n) throw new Reject("time_unix_nano is 0");
    const start = uint64(r.get(p, "startTimeUnixNano", "start_time_unix_nano"));
    if (start === undefined) throw new Reject("start_time_unix_nano is not an unsigned 64-bit integer");
    return { attributes: this.attributes(p, "attributes", "attributes"), startTimeUnixNano: start, timeUnixNano: time };
  }

  private finite(v: number, what: string): number {
    if (!Number.isFinite(v)) throw new Reject(`${what} is not finite`);
    return v;
  }

  private count(p: JsonObject, camel: string, snake: string): number {
    return this.countValue(this.r.get(p, camel, snake), camel, snake);
  }

  /** A uint64 count (count, zero_count, a bucket count): negative or 2^64 and beyond is rejected. */
  private countValue(v: unknown, camel: string, snake: string): number {
    const n = this.r.int64Value(v, camel);
    if (n < 0) throw new Reject(`${snake} is negative`);
    if (n >= TWO64) throw new Reject(`${snake} is not an unsigned 64-bit integer`);
    return n;
  }

  /** A sint32 field (exponential histogram scale and offsets): outside the 32-bit range is rejected. */
  private int32(p: JsonObject, camel: string, snake: string): number {
    const n = this.r.int64(p, camel, snake);
    if (n < -2147483648 || n > 2147483647) throw new Reject(`${snake} is not a 32-bit integer`);
    return n;
  }

  /** An optional double (proto3 `optional`): undefined when absent. */
  private optionalDouble(p: JsonObject, camel: string, snake: string): number | undefined {
    const v = this.r.get(p, camel, snake);
    return v === undefined ? undefined : this.finite(this.r.doubleValue(v, camel), snake);
  }

  private numberPoint(p: JsonObject): NumberPoint | undefined {
    const b = this.base(p);
    if (b === undefined) return undefined;
    const r = this.r;
    const asDouble = r.get(p, "asDouble", "as_double");
    const asInt = r.get(p, "asInt", "as_int");
    let value: number;
    if (asDouble !== undefined) value = this.finite(r.doubleValue(asDouble, "asDouble"), "value");
    else if (asInt !== undefined) value = this.finite(r.int64Value(asInt, "asInt"), "value");
    else throw new Reject("number data point has no value");
    return { ...b, value };
  }

  private histogramPoint(p: JsonObject): HistogramPoint | undefined {
    const b = this.base(p);
    if (b === undefined) return undefined;
    const r = this.r;
    const count = this.count(p, "count", "count");
    const sum = this.optionalDouble(p, "sum", "sum");
    const min = this.optionalDouble(p, "min", "min");
    const max = this.optionalDouble(p, "max", "max");
    const bucketCounts = r.array(p, "bucketCounts", "bucket_counts").map((v) => this.countValue(v, "bucketCounts", "bucket_counts"));
    const explicitBounds = r.array(p, "explicitBounds", "explicit_bounds").map((v) => this.finite(r.doubleValue(v, "explicitBounds"), "explicit_bounds"));
    if (bucketCounts.length !== 0 && bucketCounts.length !== explicitBounds.length + 1) {
      throw new Reject(`bucket_counts has ${bucketCounts.length} entries for ${explicitBounds.length} explicit_bounds (want bounds + 1)`);
    }
    const point: HistogramPoint = { ...b, count, bucketCounts, explicitBounds };
    if (sum !== undefined) point.sum = sum;
    if (min !== undefined) point.min = min;
    if (max !== undefined) point.max = max;
    return point;
  }

  private buckets(p: JsonObject, camel: string): ExponentialBuckets {
    const r = this.r;
    const o = r.object(p, camel, camel);
    if (o === undefined) return { offset: 0, bucketCounts: [] };
    r.enter(camel);
    const offset = this.int32(o, "offset", "offset");
    const bucketCounts = r.array(o, "bucketCounts", "bucket_counts").map((v) => this.countValue(v, "bucketCounts", "bucket_counts"));
    r.leave(false);
    return { offset, bucketCounts };
  }

  private exponentialPoint(p: JsonObject): ExponentialHistogramPoint | undefined {
    const b = this.base(p);
    if (b === undefined) return undefined;
    const r = this.r;
    const count = this.count(p, "count", "count");
    const sum = this.optionalDouble(p, "sum", "sum");
    const min = this.optionalDouble(p, "min", "min");
    const max = this.optionalDouble(p, "max", "max");
    const point: ExponentialHistogramPoint = {
      ...b,
      count,
      scale: this.int32(p, "scale", "scale"),
      zeroCount: this.count(p, "zeroCount", "zero_count"),
      zeroThreshold: this.finite(r.double(p, "zeroThreshold", "zero_threshold"), "zero_threshold"),
      positive: this.buckets(p, "positive"),
      negative: this.buckets(p, "negative"),
    };
    if (sum !== undefined) point.sum = sum;
    if (min !== undefined) point.min = min;
    if (max !== undefined) point.max = max;
    return point;
  }

  private summaryPoint(p: JsonObject): SummaryPoint | undefined {
    const b = this.base(p);
    if (b === undefined) return undefined;
    const r = this.r;
    const count = this.count(p, "count", "count");
    const sum = this.finite(r.double(p, "sum", "sum"), "sum");
    const quantileValues: QuantileValue[] = [];
    const qs = r.array(p, "quantileValues", "quantile_values");
    for (let i = 0; i < qs.length; i++) {
      r.enter("quantileValues", i);
      const q = r.element(qs[i]);
      const quantile = this.finite(r.double(q, "quantile", "quantile"), "quantile");
      if (quantile < 0 || quantile > 1) throw new Reject(`quantile ${quantile} is outside [0, 1]`);
      quantileValues.push({ quantile, value: this.finite(r.double(q, "value", "value"), "quantile value") });
      r.leave();
    }
    return { ...b, count, sum, quantileValues };
  }

  /** The KeyValue list `o[camel]` as a null-prototype record (last duplicate wins). */
  private attributes(o: JsonObject, camel: string, snake: string): Attributes {
    const r = this.r;
    const out = Object.create(null) as Attributes;
    const kvs = r.array(o, camel, snake);
    for (let i = 0; i < kvs.length; i++) {
      r.enter(camel, i);
      const kv = r.element(kvs[i]);
      const key = r.string(kv, "key", "key");
      const value = r.object(kv, "value", "value");
      if (value !== undefined) {
        r.enter("value");
        const v = this.topValue(value);
        r.leave(false);
        if (v !== undefined) out[key] = v;
      }
      r.leave();
    }
    return out;
  }

  /** An AnyValue as an attribute value; undefined when no member is set. */
  private topValue(av: JsonObject): AttributeValue | undefined {
    const v = this.plain(av, 0);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    return v === undefined || v === null ? undefined : JSON.stringify(v);
  }

  /**
   * An AnyValue as a JSON-able value: arrays and kvlists (null-prototype objects) nested up to
   * {@link MAX_RENDER_DEPTH}, bytes as hex. undefined when no member is set.
   */
  private plain(av: JsonObject, depth: number): unknown {
    const r = this.r;
    let v = r.get(av, "stringValue", "string_value");
    if (v !== undefined) {
      return typeof v === "string" ? v : r.fail(`want a string, got ${typeof v}`, "stringValue");
    }
    if ((v = r.get(av, "boolValue", "bool_value")) !== undefined) {
      return typeof v === "boolean" ? v : r.fail(`want a boolean, got ${typeof v}`, "boolValue");
    }
    if ((v = r.get(av, "intValue", "int_value")) !== undefined) return r.int64Value(v, "intValue");
    if ((v = r.get(av, "doubleValue", "double_value")) !== undefined) return r.doubleValue(v, "doubleValue");
    if ((v = r.get(av, "bytesValue", "bytes_value")) !== undefined) {
      if (v instanceof Uint8Array) return hex(v);
      return typeof v === "string" ? hex(Buffer.from(v, "base64")) : r.fail(`want base64, got ${typeof v}`, "bytesValue");
    }
    if ((v = r.get(av, "arrayValue", "array_value")) !== undefined) {
      if (!isObject(v)) return r.fail("want an object", "arrayValue");
      if (depth >= MAX_RENDER_DEPTH) return null;
      const values = r.array(v, "values", "values");
      const out: unknown[] = [];
      for (const item of values) out.push(isObject(item) ? (this.plain(item, depth + 1) ?? null) : null);
      return out;
    }
    if ((v = r.get(av, "kvlistValue", "kvlist_value")) !== undefined) {
      if (!isObject(v)) return r.fail("want an object", "kvlistValue");
      if (depth >= MAX_RENDER_DEPTH) return null;
      const out = Object.create(null) as Record<string, unknown>;
      for (const kv of r.array(v, "values", "values")) {
        if (!isObject(kv)) continue;
        const key = r.get(kv, "key", "key");
        const value = r.get(kv, "value", "value");
        if (typeof key === "string") out[key] = isObject(value) ? (this.plain(value, depth + 1) ?? null) : null;
      }
      return out;
    }
    return undefined;
  }
}
