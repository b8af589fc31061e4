import type { Budget } from "../budget/index.js";
import type { BudgetTracker } from "../evaluate/index.js";
import type { MetricsDecodeResult } from "../otlp/index.js";
import type { ResourceMapper, ResourceSample } from "../resource/index.js";

/**
 * Feeds resource samples (from OTLP metrics) to the resource budgets of their service, and keeps
 * the recent samples per service for cost budgets and recommendations.
 */
export class ResourceRouter {
  private byKey = new Map<string, string[]>();
  private readonly recent = new Map<string, ResourceSample[]>();
  samples = 0;

  constructor(
    private readonly mapper: ResourceMapper,
    private readonly tracker: BudgetTracker,
    private readonly keepMs: number,
  ) {}

  setBudgets(budgets: readonly Budget[]): void {
    const next = new Map<string, string[]>();
    for (const b of budgets) {
      if (b.family !== "resource") continue;
      const key = `${b.service}\u0000${b.type.slice("resource.".length)}`;
      const ids = next.get(key) ?? [];
      ids.push(b.id);
      next.set(key, ids);
    }
    this.byKey = next;
  }

  consume(metrics: MetricsDecodeResult, nowMs: number): ResourceSample[] {
    const samples = this.mapper.map(metrics, nowMs);
    for (const s of samples) {
      this.samples++;
      for (const id of this.byKey.get(`${s.service}\u0000${s.resource}`) ?? []) this.tracker.observe(id, s.value, nowMs);
      let list = this.recent.get(s.service);
      if (!list) {
        list = [];
        this.recent.set(s.service, list);
      }
      list.push(s);
    }
    this.prune(nowMs);
    return samples;
  }

  /** Samples of a service received in the last `keepMs`. */
  samplesOf(service: string): readonly ResourceSample[] {
    return this.recent.get(service) ?? [];
  }

  services(): string[] {
    return [...this.recent.keys()];
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.keepMs;
    for (const [service, list] of this.recent) {
      let i = 0;
      while (i < list.length && list[i].timeMs < cutoff) i++;
      if (i > 0) list.splice(0, i);
      if (list.length === 0) this.recent.delete(service);
    }
  }
}
