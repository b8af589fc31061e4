import { OVERFLOW } from "../span/index.js";
import type { Attribution } from "../attribution/index.js";

/**
 * Bounds the distinct keys each service contributes (ARCHITECTURE.md §1): journeys (operations),
 * components and edges per journey service. Past `maxKeysPerService` of a kind, further keys fold
 * into the overflow bucket (`__overflow__`) and are counted, as the collector's connectors do.
 */
export class KeyLimiter {
  private readonly seen = new Map<number, { ops: Set<number>; components: Set<number>; edges: Set<number> }>();
  overflowed = 0;

  constructor(readonly maxKeysPerService: number) {}

  /** Rewrites the attribution's keys in place to the bounded ones. */
  apply(a: Attribution): void {
    let s = this.seen.get(a.journeyService);
    if (s === undefined) {
      s = { ops: new Set(), components: new Set(), edges: new Set() };
      this.seen.set(a.journeyService, s);
    }
    a.journeyOperation = this.admit(s.ops, a.journeyOperation);
    foldInto(a.componentIds, a.componentNs, (id) => this.admit(s.components, id));
    foldInto(a.edgeIds, a.edgeNs, (id) => this.admit(s.edges, id));
  }

  private admit(set: Set<number>, id: number): number {
    if (set.has(id)) return id;
    if (set.size >= this.maxKeysPerService) {
      this.overflowed++;
      return OVERFLOW;
    }
    set.add(id);
    return id;
  }
}

/** Maps ids through `map`, merging entries that end up with the same id. */
function foldInto(ids: number[], values: number[], map: (id: number) => number): void {
  let changed = false;
  for (let i = 0; i < ids.length; i++) {
    const m = map(ids[i]);
    if (m !== ids[i]) {
      ids[i] = m;
      changed = true;
    }
  }
  if (!changed) return;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      if (ids[j] === ids[i]) {
        values[i] += values[j];
        ids.splice(j, 1);
        values.splice(j, 1);
        j--;
      }
    }
  }
}
