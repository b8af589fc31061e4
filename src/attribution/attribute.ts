import { ABSENT, OVERFLOW, SpanFlag, SpanKind, diffNs, type Interner, type SpanColumns } from "../span/index.js";
import { Category, PATH_STRIDE, type Attribution, type TraceCounts, type TraceSpans } from "./types.js";

const NONE = -1;
/** Local span flags. */
const DUPLICATE = 1;
const REACHABLE = 2;
const ASYNC = 4;

/**
 * Splits each trace's end-to-end latency along its critical path (ARCHITECTURE.md §3).
 *
 * 1. Root: the span without a parent in the trace; among several, one with no parent id at all
 *    before orphans, then the earliest start, then the longest, then arrival order. If every
 *    span has a parent in the trace (cycles), the earliest span becomes the root.
 * 2. Children are clamped into their parent's (already adjusted) interval, top-down: a child no
 *    longer than its parent is shifted inside by the least amount (and its subtree moves with
 *    it: a shift corrects a clock); a longer one is cut to the overlap. A child that starts after
 *    its parent's end (or at it, with a non-zero duration) is asynchronous work: it and its
 *    subtree are not on the path.
 * 3. Critical path (as Jaeger's, after CRISP): from the root's end, repeatedly take the child
 *    that ended last at or before the cursor, descend into it, continue from its start; time not
 *    covered by a child is the span's own time. Ties: earlier start, then arrival order.
 * 4. Own time of a CLIENT/PRODUCER span with a synchronous SERVER/CONSUMER child is network on
 *    the edge `caller->callee` (callee: the longest such child's service); of a CLIENT/PRODUCER
 *    span with no synchronous child, the virtual component named by peer.service, db.system,
 *    messaging.system or server.address (the caller's own service if none); of any other span,
 *    processing of its service.
 *
 * Everything is iterative (a 10 000-deep chain or a 100 000-span trace does not touch the call
 * stack) and works on reused scratch arrays; per trace it allocates only the result.
 */
export class Attributor {
  private cap = 0;
  private parent = new Int32Array(0);
  private flags = new Uint8Array(0);
  private dur = new Float64Array(0);
  private as = new Float64Array(0);
  private ae = new Float64Array(0);
  private shift = new Float64Array(0);
  private frameCat = new Uint8Array(0);
  private frameKey = new Int32Array(0);
  private childStart = new Int32Array(0);
  private childCount = new Int32Array(0);
  private childList = new Int32Array(0);
  private stack = new Int32Array(0);
  private cursor = new Float64Array(0);
  private next = new Int32Array(0);
  // Path segments as found (end backwards) and in time order: typed buffers with their own
  // lengths, reused across traces (a number[] emptied with `length = 0` drops its backing store
  // and regrows it: measured, that was most of the engine's garbage under load).
  private segs = new Float64Array(32 * PATH_STRIDE);
  private segsLen = 0;
  private tmp = new Float64Array(32 * PATH_STRIDE);
  // Span id index: low id word → first local index, open addressing over typed arrays, emptied
  // per trace by a generation stamp (a Map cleared per trace reallocates its table every time).
  private idxMask = 0;
  private idxGen = 0;
  private idxStamp = new Uint32Array(0);
  private idxKey = new Int32Array(0);
  private idxVal = new Int32Array(0);
  private readonly byLoHi = new Map<string, number>();
  private readonly edgeCache = new Map<number, number>();

  constructor(private readonly strings: Interner) {}

  /**
   * Attributes one trace. With `into`, that object (and its arrays) is reused for the result —
   * the engine's hot path does so, to allocate nothing per trace; the result is then valid until
   * the next call, and `path` views a buffer the next call overwrites.
   */
  attribute(trace: TraceSpans, into?: Attribution): Attribution {
    const n = trace.count;
    if (n === 0) throw new RangeError("cannot attribute an empty trace");
    this.ensure(n);
    const c = trace.cols;
    const slots = trace.slots;
    const { parent, flags, dur } = this;
    const attribution = into ?? emptyAttribution();
    resetAttribution(attribution);
    const counts = attribution.counts;
    counts.spans = n;

    // Index span ids (keep the first of duplicates) and read durations.
    this.resetIndex(n);
    if (this.byLoHi.size > 0) this.byLoHi.clear();
    for (let j = 0; j < n; j++) {
      const s = slots[j];
      flags[j] = 0;
      dur[j] = diffNs(c.endLo[s], c.endHi[s], c.startLo[s], c.startHi[s]);
      if (this.indexSpan(c, slots, j)) {
        flags[j] = DUPLICATE;
        counts.duplicates++;
      }
    }

    // Parents: -1 for none, a missing parent, or itself.
    let root = NONE;
    let rootHasParentId = true;
    for (let j = 0; j < n; j++) {
      parent[j] = NONE;
      if (flags[j] & DUPLICATE) continue;
      const s = slots[j];
      const hasParentId = (c.flags[s] & SpanFlag.HAS_PARENT) !== 0;
      if (hasParentId) {
        const p = this.lookup(c, slots, c.parentLo[s], c.parentHi[s]);
        if (p !== NONE && p !== j) parent[j] = p;
      }
      if (parent[j] === NONE && (root === NONE || betterRoot(c, slots, dur, j, !hasParentId, root, !rootHasParentId))) {
        root = j;
        rootHasParentId = hasParentId;
      }
    }
    if (root === NONE) {
      // Every span has a parent in the trace: only cycles. Break at the earliest span.
      for (let j = 0; j < n; j++) {
        if (flags[j] & DUPLICATE) continue;
        if (root === NONE || betterRoot(c, slots, dur, j, false, root, false)) root = j;
      }
      parent[root] = NONE;
    }

    this.buildChildren(n);
    const rs = slots[root];
    const startLo = c.startLo[rs];
    const startHi = c.startHi[rs];
    const durationNs = dur[root];
    this.clampAndCount(c, slots, root, startLo, startHi, counts);
    this.walk(c, slots, root, durationNs, attribution, into !== undefined);

    attribution.traceKey = trace.key;
    attribution.startLo = startLo;
    attribution.startHi = startHi;
    attribution.rootSpanLo = c.spanLo[rs];
    attribution.rootSpanHi = c.spanHi[rs];
    attribution.journeyService = c.service[rs];
    attribution.journeyOperation = c.route[rs] !== ABSENT ? c.route[rs] : c.name[rs];
    attribution.rootMissing = rootHasParentId;
    this.countServices(c, slots, n, attribution);
    return attribution;
  }

  private ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 64);
    this.cap = cap;
    this.parent = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
    this.dur = new Float64Array(cap);
    this.as = new Float64Array(cap);
    this.ae = new Float64Array(cap);
    this.shift = new Float64Array(cap);
    this.frameCat = new Uint8Array(cap);
    this.frameKey = new Int32Array(cap);
    this.childStart = new Int32Array(cap + 1);
    this.childCount = new Int32Array(cap);
    this.childList = new Int32Array(cap);
    this.stack = new Int32Array(cap);
    this.cursor = new Float64Array(cap);
    this.next = new Int32Array(cap);
  }

  /** Empties the span id index, sized for `n` spans (load factor at most 1/2). */
  private resetIndex(n: number): void {
    if (this.idxStamp.length < 2 * n) {
      let size = 64;
      while (size < 2 * n) size *= 2;
      this.idxMask = size - 1;
      this.idxStamp = new Uint32Array(size);
      this.idxKey = new Int32Array(size);
      this.idxVal = new Int32Array(size);
      this.idxGen = 0;
    }
    if (++this.idxGen === 0x1_0000_0000) {
      this.idxStamp.fill(0);
      this.idxGen = 1;
    }
  }

  /** The slot of `lo` in the index: where it is, or the empty slot where it would go. */
  private slotOf(lo: number): number {
    const { idxStamp, idxKey, idxMask, idxGen } = this;
    const key = lo | 0;
    let h = Math.imul(key ^ (key >>> 16), 0x45d9f3b); // every bit of the id reaches the low bits
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    let i = (h ^ (h >>> 16)) & idxMask;
    while (idxStamp[i] === idxGen && idxKey[i] !== key) i = (i + 1) & idxMask;
    return i;
  }

  /** Adds span j to the id index; true if its id was already there (a duplicate). */
  private indexSpan(c: SpanColumns, slots: ArrayLike<number>, j: number): boolean {
    const s = slots[j];
    const lo = c.spanLo[s];
    const hi = c.spanHi[s];
    const i = this.slotOf(lo);
    if (this.idxStamp[i] !== this.idxGen) {
      this.idxStamp[i] = this.idxGen;
      this.idxKey[i] = lo | 0;
      this.idxVal[i] = j;
      return false;
    }
    if (c.spanHi[slots[this.idxVal[i]]] === hi) return true;
    // Same low word, different id: rare; fall back to a string key.
    const k = `${lo}:${hi}`;
    if (this.byLoHi.has(k)) return true;
    this.byLoHi.set(k, j);
    return false;
  }

  private lookup(c: SpanColumns, slots: ArrayLike<number>, lo: number, hi: number): number {
    const i = this.slotOf(lo);
    if (this.idxStamp[i] !== this.idxGen) return NONE;
    const first = this.idxVal[i];
    if (c.spanHi[slots[first]] === hi) return first;
    return this.byLoHi.get(`${lo}:${hi}`) ?? NONE;
  }

  /** Children of every span, as CSR arrays over local indices. */
  private buildChildren(n: number): void {
    const { parent, childStart, childCount, childList } = this;
    childCount.fill(0, 0, n);
    for (let j = 0; j < n; j++) if (parent[j] !== NONE) childCount[parent[j]]++;
    let acc = 0;
    for (let j = 0; j < n; j++) {
      childStart[j] = acc;
      acc += childCount[j];
      childCount[j] = 0;
    }
    childStart[n] = acc;
    for (let j = 0; j < n; j++) {
      const p = parent[j];
      if (p !== NONE) childList[childStart[p] + childCount[p]++] = j;
    }
  }

  /**
   * Top-down from the root: adjusted intervals (offsets from the root's start), reachability,
   * asynchronous children, and the per-trace counts.
   */
  private clampAndCount(
    c: SpanColumns,
    slots: ArrayLike<number>,
    root: number,
    baseLo: number,
    baseHi: number,
    counts: TraceCounts,
  ): void {
    const { as, ae, dur, flags, stack, childStart, childList, shift } = this;
    as[root] = 0;
    ae[root] = dur[root];
    shift[root] = 0;
    let top = 0;
    stack[top++] = root;
    flags[root] |= REACHABLE;
    while (top > 0) {
      const p = stack[--top];
      const ps = slots[p];
      counts.reachable++;
      const kind = c.kind[ps];
      if (kind === SpanKind.CLIENT) {
        counts.downstreamCalls++;
        if (c.dbSystem[ps] !== ABSENT) counts.dbQueries++;
      } else if (kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER) {
        counts.messagingEvents++;
      }
      if (c.flags[ps] & SpanFlag.ERROR) counts.errors++;
      if (flags[p] & ASYNC) counts.async++;
      const pStart = as[p];
      const pEnd = ae[p];
      const pDur = pEnd - pStart;
      const parentAsync = flags[p] & ASYNC;
      const pShift = shift[p];
      for (let k = childStart[p]; k < childStart[p + 1]; k++) {
        const ch = childList[k];
        if (flags[ch] & REACHABLE) continue;
        flags[ch] |= REACHABLE | parentAsync;
        const cs = slots[ch];
        const s = diffNs(c.startLo[cs], c.startHi[cs], baseLo, baseHi) + pShift;
        const d = dur[ch];
        let ns: number;
        let ne: number;
        if (s > pEnd || (s === pEnd && d > 0)) {
          // Starts after the parent's end (or at it, and lasts): asynchronous work, off the path.
          // A zero-length child at the parent's end lies inside the parent's closed interval.
          flags[ch] |= ASYNC;
          ns = s;
          ne = s + d;
        } else if (d <= pDur) {
          ns = s < pStart ? pStart : s + d > pEnd ? pEnd - d : s;
          ne = ns + d;
        } else {
          ns = s > pStart ? s : pStart;
          ne = s + d < pEnd ? s + d : pEnd;
          if (ne < ns) ne = ns;
        }
        as[ch] = ns;
        ae[ch] = ne;
        shift[ch] = d <= pDur ? pShift + (ns - s) : pShift;
        stack[top++] = ch;
      }
    }
  }

  /** The critical-path walk; builds the result's path, components and edges. */
  private walk(c: SpanColumns, slots: ArrayLike<number>, root: number, durationNs: number, out: Attribution, reuse: boolean): void {
    const { as, ae, flags, stack, cursor, next, childStart, childList } = this;
    this.segsLen = 0;
    const { componentIds, componentNs, edgeIds, edgeNs } = out;

    // Each frame: span `stack[f]`, cursor `cursor[f]`, and `next[f]`: the position in its
    // children sorted by end (descending) from which to look for the next child.
    stack[0] = root;
    cursor[0] = ae[root];
    next[0] = this.sortChildren(root);
    this.classify(c, slots, root, 0);
    let top = 1;
    while (top > 0) {
      const f = top - 1;
      const span = stack[f];
      const cur = cursor[f];
      let k = next[f];
      const end = childStart[span + 1];
      let chosen = NONE;
      for (; k < end; k++) {
        const ch = childList[k];
        if (flags[ch] & ASYNC) continue;
        if (ae[ch] <= cur) {
          chosen = ch;
          k++;
          break;
        }
      }
      next[f] = k;
      if (chosen !== NONE) {
        if (cur > ae[chosen]) this.own(c, slots, f, span, ae[chosen], cur);
        cursor[f] = as[chosen];
        stack[top] = chosen;
        cursor[top] = ae[chosen];
        next[top] = this.sortChildren(chosen);
        this.classify(c, slots, chosen, top);
        top++;
      } else {
        if (cur > as[span]) this.own(c, slots, f, span, as[span], cur);
        top--;
      }
    }

    // Segments were found from the end backwards; emit them in time order, joining adjacent
    // pieces of one span (split only by zero-length children) into one segment.
    const segs = this.segs;
    if (this.tmp.length < this.segsLen) this.tmp = new Float64Array(this.segs.length);
    const tmp = this.tmp;
    let n = 0;
    for (let src = this.segsLen - PATH_STRIDE; src >= 0; src -= PATH_STRIDE) {
      const last = n - PATH_STRIDE;
      if (
        last >= 0 &&
        tmp[last] === segs[src] &&
        tmp[last + 1] === segs[src + 1] &&
        tmp[last + 4] === segs[src + 4] &&
        tmp[last + 5] === segs[src + 5] &&
        tmp[last + 6] + tmp[last + 7] === segs[src + 6]
      ) {
        tmp[last + 7] += segs[src + 7];
      } else {
        for (let f = 0; f < PATH_STRIDE; f++) tmp[n + f] = segs[src + f];
        n += PATH_STRIDE;
      }
    }
    // Reused: a view of the buffer the next call overwrites; else a copy of its own.
    const path = reuse ? tmp.subarray(0, n) : tmp.slice(0, n);
    let processingNs = 0;
    let networkNs = 0;
    for (let o = 0; o < path.length; o += PATH_STRIDE) {
      const key = path[o + 5];
      const d = path[o + 7];
      if (path[o + 4] === Category.NETWORK) {
        networkNs += d;
        addTo(edgeIds, edgeNs, key, d);
      } else {
        processingNs += d;
        addTo(componentIds, componentNs, key, d);
      }
    }
    out.durationNs = durationNs;
    out.processingNs = processingNs;
    out.networkNs = networkNs;
    out.path = path;
  }

  /** Decides, once per span on the path, what its own time is (see the class comment). */
  private classify(c: SpanColumns, slots: ArrayLike<number>, j: number, frame: number): void {
    const s = slots[j];
    const kind = c.kind[s];
    let category: number = Category.PROCESSING;
    let key = c.service[s];
    if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) {
      const remote = this.remoteChild(c, slots, j);
      if (remote !== NONE) {
        category = Category.NETWORK;
        key = this.edge(c.service[s], c.service[slots[remote]]);
      } else if (!this.hasSyncChild(j) && c.peer[s] !== ABSENT) {
        key = c.peer[s];
      }
    }
    this.frameCat[frame] = category;
    this.frameKey[frame] = key;
  }

  /** Records the own time [from, to] of span j (in frame `frame`) on the path. */
  private own(c: SpanColumns, slots: ArrayLike<number>, frame: number, j: number, from: number, to: number): void {
    const s = slots[j];
    let o = this.segsLen;
    if (o + PATH_STRIDE > this.segs.length) {
      const grown = new Float64Array(this.segs.length * 2);
      grown.set(this.segs);
      this.segs = grown;
    }
    const segs = this.segs;
    segs[o++] = c.spanLo[s];
    segs[o++] = c.spanHi[s];
    segs[o++] = c.service[s];
    segs[o++] = c.name[s];
    segs[o++] = this.frameCat[frame];
    segs[o++] = this.frameKey[frame];
    segs[o++] = from;
    segs[o++] = to - from;
    this.segsLen = o;
  }

  /** The longest synchronous SERVER/CONSUMER child of span j (ties: earlier start, arrival). */
  private remoteChild(c: SpanColumns, slots: ArrayLike<number>, j: number): number {
    const { childStart, childList, flags, as, ae } = this;
    let best = NONE;
    for (let k = childStart[j]; k < childStart[j + 1]; k++) {
      const ch = childList[k];
      if (flags[ch] & ASYNC) continue;
      const kind = c.kind[slots[ch]];
      if (kind !== SpanKind.SERVER && kind !== SpanKind.CONSUMER) continue;
      if (
        best === NONE ||
        ae[ch] - as[ch] > ae[best] - as[best] ||
        (ae[ch] - as[ch] === ae[best] - as[best] && (as[ch] < as[best] || (as[ch] === as[best] && ch < best)))
      ) {
        best = ch;
      }
    }
    return best;
  }

  private hasSyncChild(j: number): boolean {
    for (let k = this.childStart[j]; k < this.childStart[j + 1]; k++) {
      if ((this.flags[this.childList[k]] & ASYNC) === 0) return true;
    }
    return false;
  }

  /**
   * Sorts span j's children in place by adjusted end, latest first (ties: earlier start, then
   * arrival order) and returns the position of the first.
   */
  private sortChildren(j: number): number {
    const { childList, childStart, as, ae } = this;
    const from = childStart[j];
    const to = childStart[j + 1];
    const count = to - from;
    if (count < 2) return from;
    const before = (a: number, b: number) => ae[a] > ae[b] || (ae[a] === ae[b] && (as[a] < as[b] || (as[a] === as[b] && a < b)));
    if (count <= 16) {
      for (let i = from + 1; i < to; i++) {
        const v = childList[i];
        let p = i - 1;
        while (p >= from && before(v, childList[p])) {
          childList[p + 1] = childList[p];
          p--;
        }
        childList[p + 1] = v;
      }
    } else {
      const sorted = Array.from(childList.subarray(from, to)).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
      childList.set(sorted, from);
    }
    return from;
  }

  /** The interned name `caller->callee`, cached by id pair. */
  private edge(caller: number, callee: number): number {
    if (caller === OVERFLOW || callee === OVERFLOW) return OVERFLOW;
    const pair = caller * 0x100000 + callee;
    let id = this.edgeCache.get(pair);
    if (id === undefined) {
      id = this.strings.intern(`${this.strings.get(caller)}->${this.strings.get(callee)}`);
      if (caller < 0x100000 && callee < 0x100000) this.edgeCache.set(pair, id);
    }
    return id;
  }

  /** Requests (SERVER), queries (db CLIENT) and events (PRODUCER/CONSUMER) per service; statements. */
  private countServices(c: SpanColumns, slots: ArrayLike<number>, n: number, a: Attribution): void {
    const { flags } = this;
    for (let j = 0; j < n; j++) {
      if ((flags[j] & REACHABLE) === 0) continue;
      const s = slots[j];
      const kind = c.kind[s];
      let req = 0;
      let q = 0;
      let ev = 0;
      if (kind === SpanKind.SERVER) req = 1;
      else if (kind === SpanKind.CLIENT && c.dbSystem[s] !== ABSENT) q = 1;
      else if (kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER) ev = 1;
      else continue;
      const svc = c.service[s];
      let i = a.serviceIds.indexOf(svc);
      if (i < 0) {
        i = a.serviceIds.length;
        a.serviceIds.push(svc);
        a.serviceRequests.push(0);
        a.serviceQueries.push(0);
        a.serviceEvents.push(0);
      }
      a.serviceRequests[i] += req;
      a.serviceQueries[i] += q;
      a.serviceEvents[i] += ev;
      if (q === 1 && c.statement[s] !== ABSENT) addTo(a.statementIds, a.statementCounts, c.statement[s], 1);
    }
  }
}

/** A blank result (see {@link resetAttribution}). */
export function emptyAttribution(): Attribution {
  return {
    traceKey: "",
    startLo: 0,
    startHi: 0,
    rootSpanLo: 0,
    rootSpanHi: 0,
    journeyService: 0,
    journeyOperation: 0,
    durationNs: 0,
    processingNs: 0,
    networkNs: 0,
    componentIds: [],
    componentNs: [],
    edgeIds: [],
    edgeNs: [],
    path: new Float64Array(0),
    counts: { spans: 0, reachable: 0, duplicates: 0, async: 0, downstreamCalls: 0, dbQueries: 0, messagingEvents: 0, errors: 0 },
    serviceIds: [],
    serviceRequests: [],
    serviceQueries: [],
    serviceEvents: [],
    statementIds: [],
    statementCounts: [],
    rootMissing: false,
  };
}

/**
 * Empties a reused array keeping its backing store: `length = 0` drops the store, and the next
 * push allocates a new one (measured: 10 such arrays per trace were a third of the engine's
 * garbage); pop never shrinks a small array.
 */
function empty(xs: number[]): void {
  while (xs.length > 0) xs.pop();
}

function resetAttribution(a: Attribution): void {
  empty(a.componentIds);
  empty(a.componentNs);
  empty(a.edgeIds);
  empty(a.edgeNs);
  empty(a.serviceIds);
  empty(a.serviceRequests);
  empty(a.serviceQueries);
  empty(a.serviceEvents);
  empty(a.statementIds);
  empty(a.statementCounts);
  const c = a.counts;
  c.spans = c.reachable = c.duplicates = c.async = c.downstreamCalls = c.dbQueries = c.messagingEvents = c.errors = 0;
  a.rootMissing = false;
}

/** Root preference: no parent id first, then earliest start, then longest, then arrival. */
function betterRoot(
  c: SpanColumns,
  slots: ArrayLike<number>,
  dur: Float64Array,
  j: number,
  jTrueRoot: boolean,
  r: number,
  rTrueRoot: boolean,
): boolean {
  if (jTrueRoot !== rTrueRoot) return jTrueRoot;
  const sj = slots[j];
  const sr = slots[r];
  const d = diffNs(c.startLo[sj], c.startHi[sj], c.startLo[sr], c.startHi[sr]);
  if (d !== 0) return d < 0;
  if (dur[j] !== dur[r]) return dur[j] > dur[r];
  return j < r;
}

function addTo(ids: number[], values: number[], id: number, v: number): void {
  const i = ids.indexOf(id);
  if (i < 0) {
    ids.push(id);
    values.push(v);
  } else {
    values[i] += v;
  }
}
