import { describe, expect, it } from "vitest";
import { Assembler } from "../../../src/assembly/index.js";
import { Attributor, PATH_STRIDE, PathField, type Attribution } from "../../../src/attribution/index.js";
import { CyclePatcher, MAX_SPANS, MIN_SPANS, SERVICES, TrafficPool, type PoolRequest } from "../../../src/loadgen/index.js";
import { ExportTraceServiceRequest, decodeTraceRequest, type IAnyValue } from "../../../src/otlp/index.js";
import { SpanBatch, SpanFlag, SpanKind, StringTables, spanIdToHex, traceKeyToHex } from "../../../src/span/index.js";

const pool = new TrafficPool({ traces: 800, seed: 3 });
const SALT: [number, number] = [0xdeadbeef, 0x01234567];

function patchedCycle(patcher: CyclePatcher, nowMs = Date.now()): Buffer[] {
  patcher.startCycle(nowMs);
  return pool.requests.map((r) => {
    const b = Buffer.alloc(r.bytes.length);
    patcher.patch(r, b);
    return b;
  });
}

/** Decodes every request of a cycle with the engine's decoder, one batch each. */
function decodeCycle(bufs: Buffer[]): { batches: SpanBatch[]; tables: StringTables } {
  const tables = new StringTables();
  const batches = bufs.map((b, i) => {
    const batch = new SpanBatch(pool.requests[i]!.spans);
    const r = decodeTraceRequest(b, batch, tables);
    expect(r.rejected, r.reason).toBe(0);
    expect(r.spans).toBe(pool.requests[i]!.spans);
    return batch;
  });
  return { batches, tables };
}

const str = (v: IAnyValue | null | undefined) => (v?.stringValue ?? undefined) as string | undefined;

describe("traffic pool: realistic traces", () => {
  const patcher = new CyclePatcher(pool, 0, SALT);
  const { batches, tables } = decodeCycle(patchedCycle(patcher));

  it("decodes with the engine's decoder, 5–40 spans per trace, every span exactly once", () => {
    const perTrace = new Map<string, Set<string>>();
    let spans = 0;
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        const id = spanIdToHex(b.spanLo[i]!, b.spanHi[i]!);
        let set = perTrace.get(b.traceKey[i]!);
        if (!set) perTrace.set(b.traceKey[i]!, (set = new Set()));
        expect(set.has(id), "a span delivered twice").toBe(false);
        set.add(id);
        spans++;
      }
    }
    expect(spans).toBe(pool.spanCount);
    expect(perTrace.size).toBe(pool.traces.length);
    for (let k = 0; k < pool.traces.length; k++) {
      const key = Buffer.from(patcher.traceId(k)).toString("latin1");
      const n = perTrace.get(key)?.size;
      expect(n).toBe(pool.traces[k]!.spans.length);
      expect(n).toBeGreaterThanOrEqual(MIN_SPANS);
      expect(n).toBeLessThanOrEqual(MAX_SPANS);
    }
  });

  it("has at least 8 services, every span kind, and every journey", () => {
    const services = new Set<string>();
    const kinds = new Set<number>();
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        services.add(tables.strings.get(b.service[i]!));
        kinds.add(b.kind[i]!);
      }
    }
    expect(services.size).toBeGreaterThanOrEqual(8);
    expect(services.size).toBe(SERVICES.length);
    expect([...kinds].sort()).toEqual([SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER].sort());
    const journeys = pool.stats().journeys;
    expect(Object.keys(journeys).sort()).toEqual(["browse", "cart-add", "checkout", "login", "order-history", "payment-webhook", "search", "view-cart"]);
  });

  it("carries ~8 attributes per span and the resource attributes of a Kubernetes pod", () => {
    let attrs = 0;
    let spans = 0;
    let dbSpans = 0;
    for (const r of pool.requests) {
      const req = ExportTraceServiceRequest.decode(r.bytes);
      expect(req.resourceSpans).toHaveLength(1);
      const rs = req.resourceSpans[0]!;
      const res = new Map(rs.resource!.attributes!.map((kv) => [kv.key, str(kv.value)]));
      for (const k of ["service.name", "service.version", "host.name", "k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name"]) expect(res.get(k), k).toBeTruthy();
      expect(res.get("service.name")).toBe(SERVICES[r.service]!.name);
      for (const ss of rs.scopeSpans!) {
        expect(ss.scope?.name).toBeTruthy();
        for (const s of ss.spans!) {
          spans++;
          attrs += s.attributes!.length;
          expect(s.attributes!.length).toBeGreaterThanOrEqual(5);
          const keys = new Set(s.attributes!.map((a) => a.key));
          if (keys.has("db.system") || keys.has("db.system.name")) {
            dbSpans++;
            expect(keys.has("db.statement") || keys.has("db.query.text")).toBe(true);
          }
          if (s.kind === 2) for (const k of ["http.request.method", "http.route", "url.path", "server.address", "user_agent.original"]) expect(keys.has(k), k).toBe(true);
          if (s.kind === 4 || s.kind === 5) expect(keys.has("messaging.system")).toBe(true);
        }
      }
    }
    expect(attrs / spans).toBeGreaterThan(7.5);
    expect(attrs / spans).toBeLessThan(8.5);
    expect(dbSpans / spans).toBeGreaterThan(0.15);
  });

  it("includes N+1 query patterns (one statement many times in one trace)", () => {
    const nPlusOne = pool.traces.filter((t) => {
      const counts = new Map<string, number>();
      for (const s of t.spans) {
        const st = s.attrs.find(([k]) => k === "db.statement" || k === "db.query.text")?.[1];
        if (typeof st === "string" && st.startsWith("SELECT")) counts.set(st, (counts.get(st) ?? 0) + 1);
      }
      return [...counts.values()].some((c) => c >= 3);
    });
    expect(nPlusOne.length / pool.traces.length).toBeGreaterThan(0.05);
  });

  it("splits traces across per-service requests of at most 512 spans, the root often last", () => {
    const requestsOf = new Map<number, Set<number>>();
    pool.requests.forEach((r, ri) => {
      expect(r.spans).toBeLessThanOrEqual(512);
      for (const k of r.traceIdx) {
        let s = requestsOf.get(k);
        if (!s) requestsOf.set(k, (s = new Set()));
        s.add(ri);
      }
    });
    const split = [...requestsOf.values()].filter((s) => s.size > 1).length;
    expect(split / pool.traces.length).toBeGreaterThan(0.8);
    const stats = pool.stats();
    expect(stats.rootLastShare).toBeGreaterThan(0.1);
    expect(stats.meanBytesPerSpan).toBeGreaterThan(300);
    expect(stats.meanBytesPerSpan).toBeLessThan(450);
    expect(pool.requests.reduce((a, r) => a + r.firstTraces, 0)).toBe(pool.traces.length);
  });
});

/** Byte ranges a send may change in `r`. */
function patchedRanges(r: PoolRequest): boolean[] {
  const mask = new Array<boolean>(r.bytes.length).fill(false);
  const mark = (off: number, n: number) => {
    for (let i = 0; i < n; i++) mask[off + i] = true;
  };
  for (const o of r.traceOff) mark(o, 16);
  for (const o of r.spanOff) mark(o, 8);
  for (const o of r.timeOff) mark(o, 8);
  return mask;
}

describe("per-send patching", () => {
  it("gives distinct, valid trace ids per cycle and worker, and keeps every other byte", () => {
    const a = new CyclePatcher(pool, 0, SALT);
    const b = new CyclePatcher(pool, 1, SALT);
    const ids = new Set<string>();
    for (const [p, cycles] of [[a, 3], [b, 2]] as const) {
      for (let c = 0; c < cycles; c++) {
        const bufs = patchedCycle(p);
        const seen = new Set<string>();
        bufs.forEach((buf, i) => {
          const r = pool.requests[i]!;
          for (const o of r.traceOff) {
            const id = buf.subarray(o, o + 16).toString("hex");
            expect(id).not.toBe("0".repeat(32));
            seen.add(id);
          }
          for (const o of r.spanOff) expect(buf.subarray(o, o + 8).toString("hex")).not.toBe("0".repeat(16));
          const mask = patchedRanges(r);
          for (let j = 0; j < buf.length; j++) if (!mask[j] && buf[j] !== r.bytes[j]) throw new Error(`byte ${j} of request ${i} changed`);
        });
        expect(seen.size).toBe(pool.traces.length);
        for (const id of seen) ids.add(id);
      }
    }
    expect(ids.size).toBe(5 * pool.traces.length);
  });

  it("keeps parent links and puts times near now", () => {
    const p = new CyclePatcher(pool, 3, SALT);
    p.startCycle(Date.now());
    p.startCycle(Date.now()); // a later cycle: different salt
    const now = Date.now();
    const bufs = pool.requests.map((r) => {
      const buf = Buffer.alloc(r.bytes.length);
      p.patch(r, buf);
      return buf;
    });
    const { batches } = decodeCycle(bufs);
    const ids = new Map<string, Set<string>>();
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        const key = traceKeyToHex(b.traceKey[i]!);
        if (!ids.has(key)) ids.set(key, new Set());
        ids.get(key)!.add(spanIdToHex(b.spanLo[i]!, b.spanHi[i]!));
        const startMs = (b.startHi[i]! * 2 ** 32 + b.startLo[i]!) / 1e6;
        const endMs = (b.endHi[i]! * 2 ** 32 + b.endLo[i]!) / 1e6;
        expect(startMs).toBeGreaterThan(now - pool.spanNs / 1e6 - 10_000);
        expect(endMs).toBeLessThanOrEqual(now + 1000);
        expect(endMs).toBeGreaterThanOrEqual(startMs);
      }
    }
    let roots = 0;
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        if ((b.flags[i]! & SpanFlag.HAS_PARENT) === 0) {
          roots++;
          continue;
        }
        expect(ids.get(traceKeyToHex(b.traceKey[i]!))!.has(spanIdToHex(b.parentLo[i]!, b.parentHi[i]!))).toBe(true);
      }
    }
    expect(roots).toBe(pool.traces.length);
  });
});

describe("assembly and attribution of the generated traffic", () => {
  it("attributes every trace, segments summing to its duration", () => {
    const patcher = new CyclePatcher(pool, 0, SALT);
    const { batches, tables } = decodeCycle(patchedCycle(patcher));
    const attributor = new Attributor(tables.strings);
    const out: Attribution[] = [];
    const asm = new Assembler({ decisionWaitMs: 5000, maxTraceAgeMs: 30_000, maxBufferedSpans: 1_000_000, minBufferTimeMs: 1000 }, (t) => {
      out.push(attributor.attribute({ key: t.key, cols: t.cols, slots: t.slots, count: t.count }));
      expect(t.reason).toBe("decision");
    });
    batches.forEach((b, i) => {
      const r = asm.add(b, 1000 + i); // one request per ms, in pool order
      expect(r.late).toBe(0);
    });
    asm.tick(1000 + batches.length + 5000);
    expect(out).toHaveLength(pool.traces.length);
    expect(asm.stats.bufferedSpans).toBe(0);
    let withDb = 0;
    let withNetwork = 0;
    for (const a of out) {
      expect(a.rootMissing).toBe(false);
      expect(a.processingNs + a.networkNs).toBe(a.durationNs);
      expect(a.componentNs.reduce((x, y) => x + y, 0)).toBe(a.processingNs);
      expect(a.edgeNs.reduce((x, y) => x + y, 0)).toBe(a.networkNs);
      let pathNs = 0;
      for (let s = 0; s < a.path.length; s += PATH_STRIDE) pathNs += a.path[s + PathField.DURATION_NS]!;
      expect(pathNs).toBe(a.durationNs);
      expect(a.counts.duplicates).toBe(0);
      expect(a.counts.reachable).toBe(a.counts.spans);
      if (a.counts.dbQueries > 0) withDb++;
      if (a.networkNs > 0) withNetwork++;
    }
    expect(withDb / out.length).toBeGreaterThan(0.8);
    expect(withNetwork / out.length).toBeGreaterThan(0.9);
  });
});
