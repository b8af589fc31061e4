/**
 * The pre-encoded request pool and the per-send patcher.
 *
 * Building (once per worker): traces from the shop model start at a steady simulated rate; as
 * each span ends it joins its pod's export queue, and every pod exports like the SDK's batch span
 * processor: a request as soon as 512 spans are queued, else whatever is queued every
 * `scheduledDelayMs`. So the spans of one trace are split across requests and services in the
 * order real pipelines deliver them, and the root (which ends last) often arrives last. Each
 * request is one ResourceSpans (the pod's resource) with a ScopeSpans per instrumentation scope.
 *
 * Sending: one pass over the pool is a *cycle*. At the start of a cycle every trace gets a fresh
 * id (so the engine sees new traces every cycle), span ids are XORed with a fresh salt (parent
 * links stay intact) and times are re-based near now. A send copies the request's bytes into the
 * caller's buffer and patches those fields at offsets recorded while encoding: no re-encoding.
 *
 * Trace ids: bytes 8–11 are the cycle number and 12–15 the worker (high byte) and the trace's
 * index in the pool, so ids are distinct within a run; bytes 0–7 mix those with a per-run salt so
 * they look random and differ between runs.
 *
 * Times: each span keeps its offset from the pool's start; a cycle's base is now minus the
 * pool's simulated span (so spans are never in the future). Offsets are exact (fixed64 words).
 */
import { Rng, mix32 } from "./rand.js";
import { INSTANCES_PER_SERVICE, SERVICES, buildTrace, resourceAttributes, scopeOf, type Attr, type SpanTemplate, type TraceTemplate } from "./shop.js";
import { Patch, PbWriter, readU32, writeU32 } from "./writer.js";

export interface PoolOptions {
  /** Traces in the pool (default 4000, about 60k spans and 22 MB). */
  traces?: number;
  seed?: number;
  /** The batch span processor's `maxExportBatchSize` (default 512). */
  maxBatchSpans?: number;
  /** The batch span processor's `scheduledDelayMillis`, in simulated time (default 500). */
  scheduledDelayMs?: number;
  /** Simulated traffic: traces started per second (default 1000). */
  tracesPerSec?: number;
}

/** One pre-encoded ExportTraceServiceRequest and where its per-send fields are. */
export interface PoolRequest {
  bytes: Uint8Array;
  /** The exporting pod: service index and instance. */
  service: number;
  instance: number;
  spans: number;
  /** Traces whose first span (in pool order) is in this request. */
  firstTraces: number;
  /** Offsets of the 16-byte trace ids and each one's trace index. */
  traceOff: Int32Array;
  traceIdx: Int32Array;
  /** Offsets of the 8-byte span ids and parent span ids. */
  spanOff: Int32Array;
  /** Offsets of the fixed64 start/end times and their ns offsets from the pool's start. */
  timeOff: Int32Array;
  timeRel: Float64Array;
}

export interface PoolStats {
  traces: number;
  spans: number;
  requests: number;
  bytes: number;
  meanSpansPerRequest: number;
  meanBytesPerSpan: number;
  journeys: Record<string, number>;
  /** Share of traces whose root span is in the last request that carries the trace. */
  rootLastShare: number;
}

export class TrafficPool {
  readonly requests: PoolRequest[] = [];
  readonly traces: TraceTemplate[] = [];
  readonly spanCount: number;
  readonly maxRequestBytes: number;
  /** Simulated ns from the first span's start to the last span's end. */
  readonly spanNs: number;

  constructor(opts: PoolOptions = {}) {
    const n = opts.traces ?? 4000;
    const maxBatch = opts.maxBatchSpans ?? 512;
    const delayNs = (opts.scheduledDelayMs ?? 500) * 1e6;
    const intervalNs = 1e9 / (opts.tracesPerSec ?? 1000);
    const rng = new Rng(opts.seed ?? 1);
    if (n < 1 || n >= 1 << 24) throw new RangeError("pool traces must be in [1, 2^24)");

    // Every span, placed in simulated time, in the order it ends.
    const starts = new Float64Array(n);
    const events: { t: number; trace: number; span: number }[] = [];
    let spanCount = 0;
    for (let k = 0; k < n; k++) {
      const t = buildTrace(rng);
      this.traces.push(t);
      starts[k] = Math.round((k + rng.next()) * intervalNs);
      for (let i = 0; i < t.spans.length; i++) events.push({ t: starts[k]! + t.spans[i]!.endNs, trace: k, span: i });
      spanCount += t.spans.length;
    }
    this.spanCount = spanCount;
    events.sort((a, b) => a.t - b.t || a.trace - b.trace || a.span - b.span);

    // One batch span processor per pod, timers offset so pods do not flush in lockstep.
    const pods = SERVICES.length * INSTANCES_PER_SERVICE;
    const queues: { trace: number; span: number }[][] = Array.from({ length: pods }, () => []);
    const nextFlush = Array.from({ length: pods }, () => Math.round(rng.next() * delayNs));
    const batches: { pod: number; items: { trace: number; span: number }[] }[] = [];
    const flush = (pod: number) => {
      const q = queues[pod]!;
      while (q.length > 0) batches.push({ pod, items: q.splice(0, maxBatch) });
    };
    for (const e of events) {
      for (let p = 0; p < pods; p++) {
        if (nextFlush[p]! > e.t) continue;
        flush(p);
        while (nextFlush[p]! <= e.t) nextFlush[p]! += delayNs;
      }
      const s = this.traces[e.trace]!.spans[e.span]!;
      const pod = s.service * INSTANCES_PER_SERVICE + s.instance;
      queues[pod]!.push({ trace: e.trace, span: e.span });
      if (queues[pod]!.length >= maxBatch) flush(pod);
    }
    // The end of the pool: every pod flushes what is left, in order of its next timer.
    const order = Array.from({ length: pods }, (_, p) => p).sort((a, b) => nextFlush[a]! - nextFlush[b]!);
    for (const p of order) flush(p);

    let minStart = Infinity;
    let maxEnd = 0;
    for (let k = 0; k < n; k++) {
      for (const s of this.traces[k]!.spans) {
        minStart = Math.min(minStart, starts[k]! + s.startNs);
        maxEnd = Math.max(maxEnd, starts[k]! + s.endNs);
      }
    }
    this.spanNs = maxEnd - minStart;

    const seen = new Uint8Array(n);
    const resources = new Map<number, Attr[]>();
    let maxBytes = 0;
    for (const b of batches) {
      const service = Math.floor(b.pod / INSTANCES_PER_SERVICE);
      const instance = b.pod % INSTANCES_PER_SERVICE;
      let res = resources.get(b.pod);
      if (!res) resources.set(b.pod, (res = resourceAttributes(service, instance)));
      let firstTraces = 0;
      for (const it of b.items) {
        if (seen[it.trace] === 0) {
          seen[it.trace] = 1;
          firstTraces++;
        }
      }
      const req = encodeRequest(service, instance, res, b.items.map((it) => ({ trace: it.trace, span: this.traces[it.trace]!.spans[it.span]!, parent: this.traces[it.trace]!.spans[it.span]!.parent, offsetNs: starts[it.trace]! - minStart, spanIds: this.traces[it.trace]!.spans })));
      req.firstTraces = firstTraces;
      maxBytes = Math.max(maxBytes, req.bytes.length);
      this.requests.push(req);
    }
    this.maxRequestBytes = maxBytes;
  }

  stats(): PoolStats {
    const journeys: Record<string, number> = {};
    for (const t of this.traces) journeys[t.journey] = (journeys[t.journey] ?? 0) + 1;
    const bytes = this.requests.reduce((a, r) => a + r.bytes.length, 0);
    // Root-last share: the request index of each trace's root vs its last request.
    const lastReq = new Int32Array(this.traces.length).fill(-1);
    const rootReq = new Int32Array(this.traces.length).fill(-1);
    const rootSpanIdx = this.traces.map((t) => t.spans.findIndex((s) => s.parent < 0));
    this.requests.forEach((r, ri) => {
      for (let i = 0; i < r.traceIdx.length; i++) lastReq[r.traceIdx[i]!] = ri;
    });
    // Roots are SERVER spans with no parent: find them by span-id bytes in the request.
    this.requests.forEach((r, ri) => {
      for (let i = 0; i < r.traceIdx.length; i++) {
        const k = r.traceIdx[i]!;
        const root = this.traces[k]!.spans[rootSpanIdx[k]!]!;
        if (readU32(r.bytes, r.spanOff[spanSlotOf(r, i)]!) === readU32(root.spanId, 0)) rootReq[k] = ri;
      }
    });
    let rootLast = 0;
    for (let k = 0; k < this.traces.length; k++) if (rootReq[k] === lastReq[k]) rootLast++;
    return {
      traces: this.traces.length,
      spans: this.spanCount,
      requests: this.requests.length,
      bytes,
      meanSpansPerRequest: this.spanCount / this.requests.length,
      meanBytesPerSpan: bytes / this.spanCount,
      journeys,
      rootLastShare: rootLast / this.traces.length,
    };
  }
}

/**
 * The index in `spanOff` of the span id of the request's i-th span: spans are written with
 * their span id right after the trace id, and a parent id (when present) after it, so the
 * i-th span's id is the first span-id offset after the i-th trace-id offset.
 */
function spanSlotOf(r: PoolRequest, i: number): number {
  const at = r.traceOff[i]!;
  let lo = 0;
  let hi = r.spanOff.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r.spanOff[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface EncodeItem {
  trace: number;
  span: SpanTemplate;
  parent: number;
  offsetNs: number;
  spanIds: SpanTemplate[];
}

const PLACEHOLDER_TRACE = new Uint8Array(16);

function encodeAttr(w: PbWriter, field: number, key: string, v: string | number | boolean): void {
  w.begin(field);
  w.string(1, key);
  w.begin(2);
  if (typeof v === "string") w.string(1, v);
  else if (typeof v === "boolean") w.int(2, v ? 1 : 0);
  else if (Number.isInteger(v) && v >= 0) w.int(3, v);
  else w.double(4, v);
  w.end();
  w.end();
}

/** Encodes one pod's batch as an ExportTraceServiceRequest, recording the patch offsets. */
function encodeRequest(service: number, instance: number, resource: Attr[], items: EncodeItem[]): PoolRequest {
  const w = new PbWriter(items.length * 400 + 2048);
  w.begin(1); // resource_spans
  w.begin(1); // resource
  for (const [k, v] of resource) encodeAttr(w, 1, k, v);
  w.end();
  // One ScopeSpans per instrumentation scope, in order of first appearance.
  const scopes = new Map<number, EncodeItem[]>();
  for (const it of items) {
    const g = scopes.get(it.span.scope);
    if (g) g.push(it);
    else scopes.set(it.span.scope, [it]);
  }
  for (const [category, group] of scopes) {
    const [name, version] = scopeOf(service, category);
    w.begin(2); // scope_spans
    w.begin(1); // scope
    w.string(1, name);
    w.string(2, version);
    w.end();
    for (const it of group) {
      const s = it.span;
      w.begin(2); // span
      PLACEHOLDER_TRACE.fill(0);
      writeU32(PLACEHOLDER_TRACE, 12, it.trace + 1);
      w.bytes(1, PLACEHOLDER_TRACE, Patch.TRACE_ID, it.trace);
      w.bytes(2, s.spanId, Patch.SPAN_ID);
      if (s.parent >= 0) w.bytes(4, it.spanIds[s.parent]!.spanId, Patch.SPAN_ID);
      w.string(5, s.name);
      w.int(6, s.kind);
      w.time(7, it.offsetNs + s.startNs);
      w.time(8, it.offsetNs + s.endNs);
      for (const [k, v] of s.attrs) encodeAttr(w, 9, k, v);
      if (s.error) {
        w.begin(15);
        w.string(2, "request failed");
        w.int(3, 2);
        w.end();
      }
      w.end();
    }
    w.end();
  }
  w.end();
  const bytes = w.finish();
  const traceOff: number[] = [];
  const traceIdx: number[] = [];
  const spanOff: number[] = [];
  const timeOff: number[] = [];
  const timeRel: number[] = [];
  for (let i = 0; i < w.patchOff.length; i++) {
    const off = w.patchOff[i]!;
    switch (w.patchKind[i]) {
      case Patch.TRACE_ID:
        traceOff.push(off);
        traceIdx.push(w.patchArg[i]!);
        break;
      case Patch.SPAN_ID:
        spanOff.push(off);
        break;
      default:
        timeOff.push(off);
        timeRel.push(w.patchArg[i]!);
    }
  }
  return {
    bytes,
    service,
    instance,
    spans: items.length,
    firstTraces: 0,
    traceOff: Int32Array.from(traceOff),
    traceIdx: Int32Array.from(traceIdx),
    spanOff: Int32Array.from(spanOff),
    timeOff: Int32Array.from(timeOff),
    timeRel: Float64Array.from(timeRel),
  };
}

const TWO32 = 4294967296;

/**
 * Applies a cycle's fresh ids and times to pool requests. One per sender; `startCycle` before
 * the first request of every pass over the pool.
 */
export class CyclePatcher {
  cycle = 0;
  private readonly ids: Uint8Array;
  private readonly salt = new Uint8Array(8);
  private baseLo = 0;
  private baseHi = 0;

  /**
   * @param worker 0–255: keeps the ids of parallel workers apart.
   * @param runSalt two random words per run: keeps runs apart.
   */
  constructor(
    private readonly pool: TrafficPool,
    private readonly worker: number,
    private readonly runSalt: readonly [number, number],
  ) {
    if (worker < 0 || worker > 255) throw new RangeError("worker index must be in [0, 255]");
    this.ids = new Uint8Array(pool.traces.length * 16);
  }

  /** Starts the next cycle: fresh trace ids, span-id salt, and times based at `nowMs`. */
  startCycle(nowMs: number): void {
    const c = ++this.cycle >>> 0;
    const ids = this.ids;
    const [s0, s1] = this.runSalt;
    for (let k = 0; k < this.pool.traces.length; k++) {
      const w3 = ((this.worker << 24) | k) >>> 0;
      const w0 = mix32(c ^ s0 ^ mix32(w3));
      const w1 = mix32(w3 ^ s1 ^ mix32((c + 0x9e3779b9) >>> 0));
      const o = k * 16;
      writeU32(ids, o, w0);
      writeU32(ids, o + 4, w1);
      writeU32(ids, o + 8, c);
      writeU32(ids, o + 12, w3);
    }
    writeU32(this.salt, 0, mix32(c ^ s1 ^ this.worker));
    // The last byte's high bit stays clear: template span ids have it set, so XOR keeps it set.
    writeU32(this.salt, 4, mix32((c * 0x85ebca6b) ^ s0) & 0x7fffffff);
    const baseNs = BigInt(Math.floor(nowMs - this.pool.spanNs / 1e6)) * 1_000_000n;
    this.baseLo = Number(baseNs & 0xffffffffn);
    this.baseHi = Number(baseNs >> 32n);
  }

  /** Copies `req` into `out` with this cycle's ids and times; returns the byte length. */
  patch(req: PoolRequest, out: Uint8Array): number {
    out.set(req.bytes);
    const ids = this.ids;
    const { traceOff, traceIdx, spanOff, timeOff, timeRel } = req;
    for (let i = 0; i < traceOff.length; i++) {
      const o = traceOff[i]!;
      const src = traceIdx[i]! * 16;
      for (let b = 0; b < 16; b++) out[o + b] = ids[src + b]!;
    }
    const salt = this.salt;
    for (let i = 0; i < spanOff.length; i++) {
      const o = spanOff[i]!;
      for (let b = 0; b < 8; b++) out[o + b] ^= salt[b]!;
    }
    const lo0 = this.baseLo;
    const hi0 = this.baseHi;
    for (let i = 0; i < timeOff.length; i++) {
      const rel = timeRel[i]!;
      const relHi = Math.floor(rel / TWO32);
      let lo = lo0 + (rel - relHi * TWO32);
      let hi = hi0 + relHi;
      if (lo >= TWO32) {
        lo -= TWO32;
        hi++;
      }
      writeU32(out, timeOff[i]!, lo);
      writeU32(out, timeOff[i]! + 4, hi);
    }
    return req.bytes.length;
  }

  /** The 16-byte id of pool trace `k` in the current cycle. */
  traceId(k: number): Uint8Array {
    return this.ids.slice(k * 16, k * 16 + 16);
  }
}
