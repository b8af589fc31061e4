import { emptyAttribution } from "./attribute.js";
import type { Attribution } from "./types.js";

/**
 * An attribution packed into one Float64Array (plus its trace key): what the engine keeps for
 * its ring of recent traces. One typed array instead of a dozen objects and arrays per trace,
 * because every ring entry outlives a young-generation collection and gets promoted: measured,
 * the unpacked ring cost ~20 % of the engine's CPU in garbage collection at full load.
 * All fields are integers below 2^53 (ids, counts, nanoseconds), exact as doubles.
 */
export interface PackedAttribution {
  traceKey: string;
  data: Float64Array;
}

const HEADER = 22;

export function packAttribution(a: Attribution): PackedAttribution {
  const d = new Float64Array(packedLength(a));
  packInto(a, d, 0);
  return { traceKey: a.traceKey, data: d };
}

/** The doubles an attribution takes packed. */
export function packedLength(a: Attribution): number {
  return HEADER + 2 * a.componentIds.length + 2 * a.edgeIds.length + 4 * a.serviceIds.length + 2 * a.statementIds.length + a.path.length;
}

/** Packs `a` into `d` from offset `at` ({@link packedLength} doubles). */
export function packInto(a: Attribution, d: Float64Array, at: number): void {
  const nc = a.componentIds.length;
  const ne = a.edgeIds.length;
  const ns = a.serviceIds.length;
  const nq = a.statementIds.length;
  const c = a.counts;
  d[at + 0] = a.startLo;
  d[at + 1] = a.startHi;
  d[at + 2] = a.rootSpanLo;
  d[at + 3] = a.rootSpanHi;
  d[at + 4] = a.journeyService;
  d[at + 5] = a.journeyOperation;
  d[at + 6] = a.durationNs;
  d[at + 7] = a.processingNs;
  d[at + 8] = a.networkNs;
  d[at + 9] = a.rootMissing ? 1 : 0;
  d[at + 10] = c.spans;
  d[at + 11] = c.reachable;
  d[at + 12] = c.duplicates;
  d[at + 13] = c.async;
  d[at + 14] = c.downstreamCalls;
  d[at + 15] = c.dbQueries;
  d[at + 16] = c.messagingEvents;
  d[at + 17] = c.errors;
  d[at + 18] = nc;
  d[at + 19] = ne;
  d[at + 20] = ns;
  d[at + 21] = nq;
  let o = at + HEADER;
  for (let i = 0; i < nc; i++) {
    d[o++] = a.componentIds[i];
    d[o++] = a.componentNs[i];
  }
  for (let i = 0; i < ne; i++) {
    d[o++] = a.edgeIds[i];
    d[o++] = a.edgeNs[i];
  }
  for (let i = 0; i < ns; i++) {
    d[o++] = a.serviceIds[i];
    d[o++] = a.serviceRequests[i];
    d[o++] = a.serviceQueries[i];
    d[o++] = a.serviceEvents[i];
  }
  for (let i = 0; i < nq; i++) {
    d[o++] = a.statementIds[i];
    d[o++] = a.statementCounts[i];
  }
  d.set(a.path, o);
}

export function unpackAttribution(p: PackedAttribution): Attribution {
  return unpackFrom(p.traceKey, p.data, 0, p.data.length);
}

/** Unpacks the attribution packed in `d[at, end)` (copied out: `d` may be reused). */
export function unpackFrom(traceKey: string, d: Float64Array, at: number, end: number): Attribution {
  const nc = d[at + 18];
  const ne = d[at + 19];
  const ns = d[at + 20];
  const nq = d[at + 21];
  const a = emptyAttribution();
  a.traceKey = traceKey;
  a.startLo = d[at + 0];
  a.startHi = d[at + 1];
  a.rootSpanLo = d[at + 2];
  a.rootSpanHi = d[at + 3];
  a.journeyService = d[at + 4];
  a.journeyOperation = d[at + 5];
  a.durationNs = d[at + 6];
  a.processingNs = d[at + 7];
  a.networkNs = d[at + 8];
  a.rootMissing = d[at + 9] === 1;
  const c = a.counts;
  c.spans = d[at + 10];
  c.reachable = d[at + 11];
  c.duplicates = d[at + 12];
  c.async = d[at + 13];
  c.downstreamCalls = d[at + 14];
  c.dbQueries = d[at + 15];
  c.messagingEvents = d[at + 16];
  c.errors = d[at + 17];
  let o = at + HEADER;
  for (let i = 0; i < nc; i++) {
    a.componentIds.push(d[o++]);
    a.componentNs.push(d[o++]);
  }
  for (let i = 0; i < ne; i++) {
    a.edgeIds.push(d[o++]);
    a.edgeNs.push(d[o++]);
  }
  for (let i = 0; i < ns; i++) {
    a.serviceIds.push(d[o++]);
    a.serviceRequests.push(d[o++]);
    a.serviceQueries.push(d[o++]);
    a.serviceEvents.push(d[o++]);
  }
  for (let i = 0; i < nq; i++) {
    a.statementIds.push(d[o++]);
    a.statementCounts.push(d[o++]);
  }
  a.path = d.slice(o, end);
  return a;
}
