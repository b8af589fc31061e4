import type { ResourceKind, ResourceSample } from "../resource/index.js";
import type { ResourceUsage } from "./model.js";

/** A service's usage over a window, with what it is made of. */
export interface WindowUsage extends ResourceUsage {
  /** Distinct instances with at least one sample in the window, per resource. */
  instances: Record<ResourceKind, number>;
  /** Samples used. */
  samples: number;
}

const FIELD: Record<ResourceKind, keyof ResourceUsage> = {
  cpu: "cores",
  memory: "memoryBytes",
  network: "networkBytesPerSec",
  storage: "storageBytes",
};

/**
 * The usage of `service` over the window `[fromMs, toMs)`: per resource, the mean of each
 * instance's samples in the window (unweighted: every sample counts once), summed over the
 * instances that have samples in it. A resource without samples is 0 (see `instances`).
 *
 * An instance that lived for part of the window counts with its mean as if it had lived for all
 * of it, so during a rolling restart old and new instances both count: the figure is the
 * capacity the service held, erring high.
 */
export function serviceUsage(samples: Iterable<ResourceSample>, service: string, fromMs: number, toMs: number): WindowUsage {
  const acc = new Map<string, { resource: ResourceKind; sum: number; n: number }>();
  let used = 0;
  for (const s of samples) {
    if (s.service !== service || !(s.timeMs >= fromMs && s.timeMs < toMs)) continue;
    const key = `${s.resource}\u0000${s.instance}`;
    const a = acc.get(key);
    if (a) {
      a.sum += s.value;
      a.n++;
    } else acc.set(key, { resource: s.resource, sum: s.value, n: 1 });
    used++;
  }
  const out: WindowUsage = {
    cores: 0,
    memoryBytes: 0,
    networkBytesPerSec: 0,
    storageBytes: 0,
    instances: { cpu: 0, memory: 0, network: 0, storage: 0 },
    samples: used,
  };
  for (const a of acc.values()) {
    out[FIELD[a.resource]] += a.sum / a.n;
    out.instances[a.resource]++;
  }
  return out;
}
