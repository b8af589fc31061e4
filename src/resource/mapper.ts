import type { AttributeValue, Attributes, MetricData, MetricsDecodeResult } from "../otlp/index.js";
import { UNKNOWN_SERVICE } from "../otlp/index.js";
import { DEFAULT_RESOURCE_MAPPINGS } from "./defaults.js";
import { ExpiringMap } from "./expiring.js";
import type { ResourceKind, ResourceMapperOptions, ResourceMapperStats, ResourceMapping, ResourceSample } from "./types.js";
import { unitInfo, type UnitInfo, type UnitKind } from "./units.js";

export const DEFAULT_SERIES_TTL_MS = 10 * 60_000;
export const DEFAULT_MAX_SERIES = 100_000;

/** Resource attributes that give the number of CPUs a utilization is a fraction of, in order. */
export const CPU_COUNT_ATTRIBUTES = ["host.cpu.count", "process.cpu.count", "k8s.container.cpu.limit"] as const;
/** Resource attributes that name the instance, in order (else `default`). */
export const INSTANCE_ATTRIBUTES = ["service.instance.id", "k8s.pod.name", "host.name"] as const;
export const DEFAULT_INSTANCE = "default";
/** Point attributes that mark a per-logical-CPU utilization (a fraction of one CPU). */
const LOGICAL_CPU_ATTRIBUTES = ["cpu.logical_number", "system.cpu.logical_number", "cpu"];

const NS_PER_S = 1e9;
const SEP = "\u0000";

interface Rule {
  metric: string;
  resource: ResourceKind;
  filter: [string, string][];
  where: ResourceMapping["where"];
  scale: number;
  mode: "gauge" | "rate" | undefined;
  /** Lower is preferred, compared within one resource of one instance. */
  priority: number;
}

/** Per-series state of a cumulative (or start-less delta) series. */
interface Series {
  value: number;
  count: number;
  timeNs: bigint;
  startNs: bigint;
}

interface Identity {
  service: string;
  instance: string;
  cpuCount: number | undefined;
  /** The resource's attributes, canonical: part of every series key. */
  key: string;
}

interface Candidate {
  sample: ResourceSample;
  source: string;
  priority: number;
}

/** How a metric's points are read, decided once per metric. */
interface Plan {
  rule: Rule;
  mode: "gauge" | "rate";
  temporality: "delta" | "cumulative" | "unspecified";
  unit: UnitInfo;
  utilization: boolean;
}

const zeroStats = (): ResourceMapperStats => ({
  points: 0,
  samples: 0,
  unmapped: 0,
  filtered: 0,
  invalid: 0,
  badUnit: 0,
  unknownUnit: 0,
  baselines: 0,
  resets: 0,
  outOfOrder: 0,
  shadowed: 0,
  overflow: 0,
  evicted: 0,
});

/**
 * Turns decoded OTLP metrics into per-service resource samples in base units (cores, bytes,
 * bytes/s). Pure: no I/O and no clock; `nowMs` (the receive time) only ages the state.
 *
 * Rules (docs/resources.md has them for users):
 * - **Mappings**: {@link DEFAULT_RESOURCE_MAPPINGS} plus `options.mappings`; a mapping for a
 *   built-in metric replaces it entirely (its built-in filters too); of several mappings for one
 *   metric the last wins.
 * - **Preference**: when one instance reports several metrics of a resource, only the preferred
 *   one yields samples (the others are counted as `shadowed`): configured metrics first, then the
 *   built-in order (container, k8s pod, process, system). A preferred metric holds its place
 *   until it has not been seen for `seriesTtlMs`.
 * - **Modes**: a gauge (and a non-monotonic sum) is its value; a monotonic sum is a rate.
 *   Cumulative: Δvalue/Δt between consecutive points of a series (series = metric + resource
 *   attributes + point attributes); the first point is a baseline; a drop in value or a new
 *   start time is a reset and the point a new baseline (no value for that interval). Delta:
 *   value / (time − start), start defaulting to the series' previous point. Histograms and
 *   summaries: the mean of the interval's observations (Δsum/Δcount, or sum/count for delta);
 *   in rate mode their sum per second.
 * - **Units**: the metric's unit converts to the base unit (`ms` → s, `KiBy` → bytes …), then
 *   `scale` multiplies. A unit of the wrong kind for the resource (seconds for memory) is refused.
 * - **CPU utilization** (a name ending in `.utilization`) is a fraction of the CPUs available:
 *   × the resource's `host.cpu.count`, `process.cpu.count` or `k8s.container.cpu.limit`, else ×
 *   the mapping's `scale` (default 1, i.e. the fraction is read as cores). A point with a logical
 *   CPU number attribute is a fraction of that one CPU (× 1), so summing them gives cores.
 * - **Summing**: values of one metric, instance and resource at the same millisecond are summed
 *   into one sample (cpu modes, network directions, devices, containers of one pod).
 * - **Service**: the resource attribute `serviceAttribute`, else `service.name`, else
 *   `unknown_service`. **Instance**: `service.instance.id`, else `k8s.pod.name`, else
 *   `host.name`, else `default`.
 */
export class ResourceMapper {
  private readonly rules = new Map<string, Rule>();
  private readonly serviceAttribute: string;
  private readonly series: ExpiringMap<Series>;
  /** Per service + instance + resource: the preferred metric seen lately. */
  private readonly sources: ExpiringMap<number>;
  private readonly counts = zeroStats();

  constructor(options: ResourceMapperOptions = {}) {
    const ttlMs = options.seriesTtlMs ?? DEFAULT_SERIES_TTL_MS;
    const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    if (!(ttlMs > 0)) throw new RangeError(`seriesTtlMs must be > 0, got ${ttlMs}`);
    if (!(Number.isInteger(maxSeries) && maxSeries >= 1)) throw new RangeError(`maxSeries must be an integer ≥ 1, got ${maxSeries}`);
    this.serviceAttribute = options.serviceAttribute || "service.name";
    this.series = new ExpiringMap(ttlMs, maxSeries);
    this.sources = new ExpiringMap(ttlMs, maxSeries);

    const configured = options.mappings ?? [];
    const builtIn = new Set(DEFAULT_RESOURCE_MAPPINGS.map((m) => m.metric));
    const last = new Map<string, ResourceMapping>();
    for (const m of configured) last.set(m.metric, m);
    // Configured metrics that are new come first, in config order; overrides keep the built-in place.
    const ordered = [
      ...[...last.values()].filter((m) => !builtIn.has(m.metric)),
      ...DEFAULT_RESOURCE_MAPPINGS.map((m) => last.get(m.metric) ?? m),
    ];
    ordered.forEach((m, priority) => this.rules.set(m.metric, toRule(m, priority)));
  }

  /** Counters since construction (a copy). */
  get stats(): ResourceMapperStats {
    return { ...this.counts };
  }

  /** Series (cumulative state) currently kept. */
  get seriesCount(): number {
    return this.series.size;
  }

  /** The effective mappings, most preferred first. */
  get mappings(): ResourceMapping[] {
    return [...this.rules.values()]
      .sort((a, b) => a.priority - b.priority)
      .map((r) => ({
        metric: r.metric,
        resource: r.resource,
        attributes: Object.fromEntries(r.filter),
        scale: r.scale,
        ...(r.mode ? { mode: r.mode } : {}),
        ...(r.where ? { where: r.where } : {}),
      }));
  }

  /**
   * The samples of one export, in order of first appearance. Call with exports in the order they
   * arrived and a non-decreasing `nowMs`; state older than the TTL is dropped first.
   */
  map(metrics: MetricsDecodeResult, nowMs: number): ResourceSample[] {
    this.counts.evicted += this.series.expire(nowMs) + this.sources.expire(nowMs);
    const candidates = new Map<string, Candidate>();
    /** Best priority seen in this export per source (valid points only, baselines included). */
    const seen = new Map<string, number>();

    for (const res of metrics.resources) {
      const id = this.identify(res.attributes);
      for (const scope of res.scopes) {
        for (const metric of scope.metrics) {
          const rule = this.rules.get(metric.name);
          if (!rule) {
            this.counts.unmapped += metric.points.length;
            continue;
          }
          this.counts.points += metric.points.length;
          const plan = planOf(metric, rule);
          if (plan === "badUnit") {
            this.counts.badUnit += metric.points.length;
            continue;
          }
          if (!plan.unit.known) this.counts.unknownUnit += metric.points.length;
          const source = `${id.service}${SEP}${id.instance}${SEP}${rule.resource}`;
          this.readPoints(metric, plan, id, res.attributes, nowMs, (timeNs, value) => {
            const best = seen.get(source);
            if (best === undefined || rule.priority < best) seen.set(source, rule.priority);
            if (value === undefined) return;
            const timeMs = Number(timeNs / 1_000_000n);
            const key = `${source}${SEP}${metric.name}${SEP}${timeMs}`;
            const c = candidates.get(key);
            if (c) c.sample.value += value;
            else {
              const sample: ResourceSample = { service: id.service, instance: id.instance, resource: rule.resource, value, timeMs, metric: metric.name };
              candidates.set(key, { sample, source, priority: rule.priority });
            }
          });
        }
      }
    }

    const chosen = new Map<string, number>();
    for (const [source, best] of seen) {
      const held = this.sources.get(source);
      if (held !== undefined && held < best) {
        chosen.set(source, held); // a preferred metric was seen within the TTL: keep it
      } else {
        chosen.set(source, best);
        if (!this.sources.set(source, best, nowMs)) this.counts.overflow++;
      }
    }
    const out: ResourceSample[] = [];
    for (const c of candidates.values()) {
      if (c.priority !== chosen.get(c.source)) this.counts.shadowed++;
      else out.push(c.sample);
    }
    this.counts.samples += out.length;
    return out;
  }

  private identify(attrs: Attributes): Identity {
    const service = text(attrs, this.serviceAttribute) ?? text(attrs, "service.name") ?? UNKNOWN_SERVICE;
    let instance: string = DEFAULT_INSTANCE;
    for (const k of INSTANCE_ATTRIBUTES) {
      const v = text(attrs, k);
      if (v !== undefined) {
        instance = v;
        break;
      }
    }
    let cpuCount: number | undefined;
    for (const k of CPU_COUNT_ATTRIBUTES) {
      cpuCount = cpuQuantity(attr(attrs, k));
      if (cpuCount !== undefined) break;
    }
    return { service, instance, cpuCount, key: canonical(attrs) };
  }

  /**
   * Calls `emit(time, value)` for every point that passes the filter and is valid: `value` is
   * undefined when the point gives none (a baseline, a reset, an empty interval).
   */
  private readPoints(
    metric: MetricData,
    plan: Plan,
    id: Identity,
    resAttrs: Attributes,
    nowMs: number,
    emit: (timeNs: bigint, value: number | undefined) => void,
  ): void {
    const { rule } = plan;
    for (const p of metric.points) {
      const get = (k: string): AttributeValue | undefined => attr(p.attributes, k) ?? attr(resAttrs, k);
      if (!matches(rule, get)) {
        this.counts.filtered++;
        continue;
      }
      const factor = plan.unit.factor * (plan.utilization ? utilizationFactor(p.attributes, id.cpuCount, rule.scale) : rule.scale);
      // A number (gauge, sum) or a distribution's count and sum.
      let value: number;
      let count = 0;
      if ("value" in p) {
        value = p.value * factor;
      } else {
        if (p.sum === undefined) {
          this.counts.invalid++;
          continue;
        }
        count = p.count;
        value = p.sum * factor;
      }
      if (!Number.isFinite(value)) {
        this.counts.invalid++;
        continue;
      }
      const distribution = !("value" in p);
      let out: number | undefined | "invalid";
      if (plan.mode === "gauge" && !distribution) {
        out = value;
      } else if (plan.temporality === "delta") {
        out = this.delta(plan, seriesKey(metric.name, id, p.attributes), p.startTimeUnixNano, p.timeUnixNano, value, count, distribution, nowMs);
      } else if (plan.temporality === "cumulative") {
        out = this.cumulative(plan, seriesKey(metric.name, id, p.attributes), p.startTimeUnixNano, p.timeUnixNano, value, count, distribution, nowMs);
      } else {
        out = "invalid";
      }
      if (out === "invalid" || (out !== undefined && !(out >= 0 && Number.isFinite(out)))) {
        this.counts.invalid++;
        continue;
      }
      emit(p.timeUnixNano, out);
    }
  }

  /** Delta points: rate = value / interval; distributions in gauge mode: sum / count. */
  private delta(
    plan: Plan,
    key: string,
    startNs: bigint,
    timeNs: bigint,
    value: number,
    count: number,
    distribution: boolean,
    nowMs: number,
  ): number | undefined | "invalid" {
    if (plan.mode === "gauge") return distribution ? (count > 0 ? value / count : undefined) : value;
    let start = startNs;
    if (start === 0n) {
      // No start time: the interval runs from the series' previous point.
      const prev = this.series.get(key);
      if (prev && timeNs <= prev.timeNs) {
        this.counts.outOfOrder++;
        return undefined;
      }
      if (!this.series.set(key, { value, count, timeNs, startNs }, nowMs)) {
        this.counts.overflow++;
        return undefined;
      }
      if (!prev) {
        this.counts.baselines++;
        return undefined;
      }
      start = prev.timeNs;
    }
    if (timeNs <= start) return "invalid";
    return value / (Number(timeNs - start) / NS_PER_S);
  }

  /** Cumulative points: Δvalue/Δt (rate) or Δsum/Δcount (mean) against the series' previous point. */
  private cumulative(
    plan: Plan,
    key: string,
    startNs: bigint,
    timeNs: bigint,
    value: number,
    count: number,
    distribution: boolean,
    nowMs: number,
  ): number | undefined {
    const prev = this.series.get(key);
    if (prev && timeNs <= prev.timeNs) {
      this.counts.outOfOrder++;
      return undefined;
    }
    if (!this.series.set(key, { value, count, timeNs, startNs }, nowMs)) {
      this.counts.overflow++;
      return undefined;
    }
    if (!prev) {
      this.counts.baselines++;
      return undefined;
    }
    const restarted = startNs !== 0n && prev.startNs !== 0n && startNs !== prev.startNs;
    // A distribution's sum may fall (negative observations); its count may not.
    const dropped = distribution ? count < prev.count : value < prev.value;
    if (restarted || dropped) {
      this.counts.resets++;
      return undefined;
    }
    if (plan.mode === "rate") return (value - prev.value) / (Number(timeNs - prev.timeNs) / NS_PER_S);
    const dc = count - prev.count;
    return dc > 0 ? (value - prev.value) / dc : undefined;
  }
}

function toRule(m: ResourceMapping, priority: number): Rule {
  const scale = m.scale ?? 1;
  if (!m.metric) throw new RangeError("a resource mapping needs a metric name");
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`mapping ${m.metric}: scale must be a positive number, got ${scale}`);
  return {
    metric: m.metric,
    resource: m.resource,
    filter: Object.entries(m.attributes ?? {}).map(([k, v]) => [k, String(v)]),
    where: m.where,
    scale,
    mode: m.mode,
    priority,
  };
}

/** Which unit kinds make sense for a resource in a mode; `number` (unitless) always does. */
const ALLOWED_UNITS: Record<ResourceKind, Record<"gauge" | "rate", readonly UnitKind[]>> = {
  cpu: { gauge: ["number"], rate: ["time", "number"] },
  memory: { gauge: ["bytes", "number"], rate: ["bytes", "number"] },
  storage: { gauge: ["bytes", "number"], rate: ["bytes", "number"] },
  network: { gauge: ["byteRate", "number"], rate: ["bytes", "number"] },
};

function planOf(metric: MetricData, rule: Rule): Plan | "badUnit" {
  const mode = rule.mode ?? (metric.type === "sum" && metric.monotonic ? "rate" : "gauge");
  const temporality =
    metric.type === "gauge" || metric.type === "summary" ? "cumulative" : metric.temporality;
  const unit = unitInfo(metric.unit);
  if (!ALLOWED_UNITS[rule.resource][mode].includes(unit.kind)) return "badUnit";
  const utilization = rule.resource === "cpu" && mode === "gauge" && metric.name.endsWith(".utilization");
  return { rule, mode, temporality, unit, utilization };
}

/** Cores per unit of utilization: 1 for a per-logical-CPU point, else the CPU count, else the mapping's scale. */
function utilizationFactor(pointAttrs: Attributes, cpuCount: number | undefined, scale: number): number {
  for (const k of LOGICAL_CPU_ATTRIBUTES) if (attr(pointAttrs, k) !== undefined) return 1;
  return cpuCount ?? scale;
}

function matches(rule: Rule, get: (k: string) => AttributeValue | undefined): boolean {
  for (const [k, v] of rule.filter) {
    const a = get(k);
    if (a === undefined || String(a) !== v) return false;
  }
  return rule.where ? rule.where(get) : true;
}

/** An own attribute (plain objects from tests included: `constructor` is not an attribute). */
function attr(attrs: Attributes, key: string): AttributeValue | undefined {
  return Object.hasOwn(attrs, key) ? attrs[key] : undefined;
}

function text(attrs: Attributes, key: string): string | undefined {
  const v = attr(attrs, key);
  if (v === undefined) return undefined;
  const s = String(v);
  return s === "" ? undefined : s;
}

/** A positive CPU quantity: a number, `"4"`, or Kubernetes millicores `"500m"`. */
function cpuQuantity(v: AttributeValue | undefined): number | undefined {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(m?)\s*$/.exec(v);
    if (!m) return undefined;
    n = m[2] ? Number(m[1]) / 1000 : Number(m[1]);
  } else return undefined;
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

/** Attributes as a canonical string: sorted keys, typed values. */
function canonical(attrs: Attributes): string {
  const keys = Object.keys(attrs).sort();
  return JSON.stringify(keys.map((k) => [k, attrs[k]]));
}

function seriesKey(metric: string, id: Identity, pointAttrs: Attributes): string {
  return `${metric}${SEP}${id.key}${SEP}${canonical(pointAttrs)}`;
}
