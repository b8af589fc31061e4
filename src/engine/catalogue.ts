import type { Attribution } from "../attribution/index.js";
import { PATH_STRIDE, PathField } from "../attribution/index.js";
import type { Interner } from "../span/index.js";

interface JourneyStats {
  traces: number;
  lastSeenMs: number;
  durationNsSum: number;
}

/** What the engine has seen: services, their journeys, and the components and edges on them. */
export class Catalogue {
  private readonly journeys = new Map<number, Map<number, JourneyStats>>();
  private readonly components = new Map<number, Set<number>>();
  private readonly edges = new Map<number, Set<number>>();
  private readonly services = new Map<number, number>();

  observe(a: Attribution, nowMs: number): void {
    let ops = this.journeys.get(a.journeyService);
    if (ops === undefined) {
      ops = new Map();
      this.journeys.set(a.journeyService, ops);
      this.components.set(a.journeyService, new Set());
      this.edges.set(a.journeyService, new Set());
    }
    let j = ops.get(a.journeyOperation);
    if (j === undefined) {
      j = { traces: 0, lastSeenMs: nowMs, durationNsSum: 0 };
      ops.set(a.journeyOperation, j);
    }
    j.traces++;
    j.lastSeenMs = nowMs;
    j.durationNsSum += a.durationNs;
    const comps = this.components.get(a.journeyService)!;
    for (const c of a.componentIds) comps.add(c);
    const edges = this.edges.get(a.journeyService)!;
    for (const e of a.edgeIds) edges.add(e);
    this.services.set(a.journeyService, nowMs);
    for (const s of a.serviceIds) this.services.set(s, nowMs);
    // Consecutive segments mostly belong to one service: set each run once.
    let last = -1;
    for (let o = 0; o < a.path.length; o += PATH_STRIDE) {
      const svc = a.path[o + PathField.SERVICE];
      if (svc !== last) {
        this.services.set(svc, nowMs);
        last = svc;
      }
    }
  }

  /** True if the service was seen in any trace (as a root or along a path). */
  hasService(strings: Interner, name: string): boolean {
    const id = strings.lookup(name);
    return id >= 0 && this.services.has(id);
  }

  toJson(strings: Interner): ServiceInfo[] {
    const out: ServiceInfo[] = [];
    for (const [svc, lastSeenMs] of this.services) {
      const ops = this.journeys.get(svc);
      out.push({
        service: strings.get(svc),
        lastSeen: new Date(lastSeenMs).toISOString(),
        journeys: ops
          ? [...ops].map(([op, j]) => ({
              operation: strings.get(op),
              traces: j.traces,
              meanDurationMs: j.traces > 0 ? j.durationNsSum / j.traces / 1e6 : 0,
              lastSeen: new Date(j.lastSeenMs).toISOString(),
            }))
          : [],
        components: [...(this.components.get(svc) ?? [])].map((c) => strings.get(c)).sort(),
        edges: [...(this.edges.get(svc) ?? [])].map((e) => strings.get(e)).sort(),
      });
    }
    return out.sort((a, b) => a.service.localeCompare(b.service));
  }
}

export interface ServiceInfo {
  service: string;
  lastSeen: string;
  /** Journeys rooted at this service. */
  journeys: { operation: string; traces: number; meanDurationMs: number; lastSeen: string }[];
  /** Components and edges seen on the critical paths of this service's journeys. */
  components: string[];
  edges: string[];
}
