/**
 * Allocation of a parent budget's threshold to its children (ARCHITECTURE.md §5), as pure
 * arithmetic. A child has exactly one of:
 * - an explicit `threshold` (used as is);
 * - a `share` (0 < share ≤ 1): share × the parent's effective threshold, bounded by the child's
 *   `min`/`max`;
 * - a `pool` name: children of one parent with the same pool share one allotment. Its size is
 *   the members' common `share` × the parent's threshold, or, when the members give no share,
 *   the parent's remainder: its threshold minus every explicit and share child and every sized
 *   pool (never below 0; two remainder pools of one parent are refused by validation, and split
 *   it equally here).
 *
 * A pool member's effective threshold is what its pool-mates leave of the pool:
 * `size − Σ over the other members of max(observed(other) ?? 0, other.min ?? 0)`, never below 0,
 * then bounded by the member's own `min` and `max`. Without observations every member may use the
 * whole pool except what the others are guaranteed (their `min`). The observed values are the
 * evaluator's latest values of the member budgets (e.g. each member's p99 on the same window).
 */
import type { Budget } from "./schema.js";

export interface PoolAllocation {
  name: string;
  members: Budget[];
  /** The members' share when they give one (the first member's when they disagree). */
  share?: number;
  /** `share` × the parent's threshold, or the parent's remainder. */
  size: number;
  sized: boolean;
}

export interface AllocationPlan {
  parent: Budget;
  parentThreshold: number;
  explicit: Array<{ child: Budget; value: number }>;
  shares: Array<{ child: Budget; value: number }>;
  pools: PoolAllocation[];
  /** Parent threshold minus explicit, share and sized-pool allotments; may be negative when over-allocated. */
  remainder: number;
}

export function isDerived(b: Budget): boolean {
  return b.parent !== undefined && (b.share !== undefined || b.pool !== undefined);
}

export function clamp(v: number, min: number | undefined, max: number | undefined): number {
  let x = v;
  if (min !== undefined && x < min) x = min;
  if (max !== undefined && x > max) x = max;
  return x;
}

/** The allotments of a parent whose effective threshold is `parentThreshold` to its direct children. */
export function planAllocation(parent: Budget, parentThreshold: number, children: readonly Budget[]): AllocationPlan {
  const explicit: AllocationPlan["explicit"] = [];
  const shares: AllocationPlan["shares"] = [];
  const poolMembers = new Map<string, Budget[]>();
  for (const c of children) {
    if (c.pool !== undefined) {
      const list = poolMembers.get(c.pool) ?? [];
      list.push(c);
      poolMembers.set(c.pool, list);
    } else if (c.share !== undefined) {
      shares.push({ child: c, value: clamp(c.share * parentThreshold, c.min, c.max) });
    } else if (c.threshold !== undefined) {
      explicit.push({ child: c, value: c.threshold });
    }
  }
  const pools: PoolAllocation[] = [];
  for (const [name, members] of poolMembers) {
    const share = members.find((m) => m.share !== undefined)?.share;
    pools.push(share === undefined ? { name, members, size: 0, sized: false } : { name, members, share, size: share * parentThreshold, sized: true });
  }
  const sum = (xs: Array<{ value: number }>) => xs.reduce((a, x) => a + x.value, 0);
  const remainder = parentThreshold - sum(explicit) - sum(shares) - pools.reduce((a, p) => a + (p.sized ? p.size : 0), 0);
  const unsized = pools.filter((p) => !p.sized);
  for (const p of unsized) p.size = Math.max(0, remainder) / unsized.length;
  return { parent, parentThreshold, explicit, shares, pools, remainder };
}

/** A pool member's effective threshold (see the module comment). */
export function poolMemberThreshold(pool: PoolAllocation, member: Budget, observed?: (budgetId: string) => number | undefined): number {
  let taken = 0;
  for (const other of pool.members) {
    if (other === member) continue;
    const seen = observed?.(other.id);
    taken += Math.max(seen !== undefined && Number.isFinite(seen) ? seen : 0, other.min ?? 0);
  }
  return clamp(Math.max(0, pool.size - taken), member.min, member.max);
}

/**
 * The effective threshold of every budget: explicit thresholds as is; share children and pool
 * members from their parent's effective threshold (recursively, so a derived budget can itself
 * be a parent), following the rules of the module comment. Budgets whose threshold cannot be
 * determined (a derived budget whose parent is missing or part of a cycle) are absent from the
 * map. With duplicate ids the first budget wins.
 */
export function resolveThresholds(budgets: readonly Budget[], observed?: (budgetId: string) => number | undefined): Map<string, number> {
  const byId = new Map<string, Budget>();
  const childrenOf = new Map<string, Budget[]>();
  for (const b of budgets) {
    if (byId.has(b.id)) continue;
    byId.set(b.id, b);
    if (b.parent !== undefined) {
      const list = childrenOf.get(b.parent) ?? [];
      list.push(b);
      childrenOf.set(b.parent, list);
    }
  }
  const result = new Map<string, number>();
  const plans = new Map<string, AllocationPlan>();
  const visiting = new Set<string>();

  const resolve = (b: Budget, depth = 0): number | undefined => {
    const known = result.get(b.id);
    if (known !== undefined) return known;
    if (!isDerived(b)) {
      if (b.threshold !== undefined) result.set(b.id, b.threshold);
      return b.threshold;
    }
    if (visiting.has(b.id) || depth > MAX_DEPTH) return undefined;
    const parent = byId.get(b.parent!);
    if (!parent) return undefined;
    visiting.add(b.id);
    const parentThreshold = resolve(parent, depth + 1);
    visiting.delete(b.id);
    if (parentThreshold === undefined) return undefined;
    let plan = plans.get(parent.id);
    if (!plan) {
      plan = planAllocation(parent, parentThreshold, childrenOf.get(parent.id) ?? []);
      plans.set(parent.id, plan);
    }
    let value: number | undefined;
    if (b.pool !== undefined) {
      const pool = plan.pools.find((p) => p.name === b.pool);
      value = pool ? poolMemberThreshold(pool, b, observed) : undefined;
    } else {
      value = plan.shares.find((s) => s.child === b)?.value;
    }
    if (value !== undefined) result.set(b.id, value);
    return value;
  };

  for (const b of byId.values()) resolve(b);
  return result;
}

/** Levels of derived thresholds followed (validation refuses deeper allocation trees). */
export const MAX_DEPTH = 16;

/** The key a child's observed share is looked up by: its component, its edge, else what it measures. */
export function allocationKey(b: Budget): string {
  switch (b.type) {
    case "latency.component":
      return b.component!;
    case "latency.processing":
      return b.component ?? "processing";
    case "latency.network":
      return b.edge ?? "network";
    case "latency.total":
      return "total";
    default:
      return b.service;
  }
}

export interface ChildProposal {
  id: string;
  /** The key the observed share was looked up by (see `allocationKey`). */
  key: string;
  /** The child's observed share of the parent, when known. */
  observedShare?: number;
  /** Proposed fraction of the parent's threshold. */
  share: number;
  /** Proposed threshold in the parent's unit: share × parent threshold, bounded by the child's min/max. */
  threshold: number;
  /** Proposed threshold minus the child's observed contribution (observedShare × parentObserved), when both are known. */
  headroom?: number;
  /** `observed`: from the observed share; `kept`: no observation, the current allotment is kept. */
  basis: "observed" | "kept";
}

export interface AllocationProposal {
  parentId: string;
  unit: string;
  parentThreshold: number;
  children: ChildProposal[];
  /** Σ proposed shares. */
  allocatedShare: number;
  /** Parent threshold not given to any child (the parent's own work and headroom). */
  unallocated: number;
  notes: string[];
}

/**
 * Proposes a distribution of `parent`'s threshold to `children` by their observed shares of the
 * parent's critical paths (e.g. `payment` took 40% of checkout's latency). Rule:
 * 1. a child's observed share is `observedShares.get(allocationKey(child)) ?? .get(child.id)`;
 *    shares that are not finite or negative are ignored; above 1 is read as 1;
 * 2. children without an observed share keep their current allotment (explicit threshold, share,
 *    or resolved pool value: `opts.current`), as a fraction of the parent's threshold;
 * 3. observed children get their observed share of the parent's threshold, so every child keeps
 *    the same relative headroom the parent has; when the observed shares and the kept ones add
 *    up to more than 1 (overlapping keys), the observed ones are scaled down proportionally to
 *    fit;
 * 4. the child's `min`/`max` bound its threshold (its share follows);
 * 5. `headroom` is the proposed threshold minus the child's observed contribution
 *    (observedShare × `opts.parentObserved`), when the parent's observed value is given.
 * The parent's threshold is `opts.parentThreshold ?? parent.threshold`; without one the
 * proposal has no children and says so in `notes`.
 */
export function proposeAllocation(
  parent: Budget,
  children: readonly Budget[],
  observedShares: ReadonlyMap<string, number>,
  opts: { parentThreshold?: number; parentObserved?: number; current?: ReadonlyMap<string, number> } = {},
): AllocationProposal {
  const parentThreshold = opts.parentThreshold ?? parent.threshold;
  const notes: string[] = [];
  if (parentThreshold === undefined || !(parentThreshold > 0)) {
    notes.push(`parent "${parent.id}" has no threshold to distribute; pass its effective threshold`);
    return { parentId: parent.id, unit: parent.unit, parentThreshold: parentThreshold ?? 0, children: [], allocatedShare: 0, unallocated: 0, notes };
  }
  const current = opts.current ?? resolveThresholds([parent.threshold === undefined ? { ...parent, threshold: parentThreshold } : parent, ...children]);

  type Draft = { child: Budget; key: string; observedShare?: number; share: number; basis: "observed" | "kept" };
  const drafts: Draft[] = [];
  for (const child of children) {
    const key = allocationKey(child);
    let s = observedShares.get(key) ?? observedShares.get(child.id);
    if (s !== undefined && !(Number.isFinite(s) && s >= 0)) {
      notes.push(`observed share of "${key}" (${String(s)}) is not a fraction and was ignored`);
      s = undefined;
    }
    if (s !== undefined && s > 1) {
      notes.push(`observed share of "${key}" (${s}) is above 1 and was read as 1`);
      s = 1;
    }
    if (s === undefined) {
      const now = current.get(child.id);
      drafts.push({ child, key, share: now === undefined ? 0 : now / parentThreshold, basis: "kept" });
      notes.push(`"${child.id}" has no observed share; its current allotment is kept`);
    } else {
      drafts.push({ child, key, observedShare: s, share: s, basis: "observed" });
    }
  }
  const kept = drafts.filter((d) => d.basis === "kept").reduce((a, d) => a + d.share, 0);
  const observed = drafts.filter((d) => d.basis === "observed").reduce((a, d) => a + d.share, 0);
  const available = Math.max(0, 1 - kept);
  if (observed > available && observed > 0) {
    const scale = available / observed;
    for (const d of drafts) if (d.basis === "observed") d.share *= scale;
    notes.push(`observed shares add up to ${round(observed)}${kept > 0 ? ` and kept ones to ${round(kept)}` : ""}; observed ones were scaled by ${round(scale)} to fit the parent`);
  }
  const proposals: ChildProposal[] = drafts.map((d) => {
    const raw = d.share * parentThreshold;
    const threshold = clamp(raw, d.child.min, d.child.max);
    if (threshold !== raw) notes.push(`"${d.child.id}" is bounded by its ${threshold > raw ? "min" : "max"}`);
    const headroom =
      d.observedShare !== undefined && opts.parentObserved !== undefined ? threshold - d.observedShare * opts.parentObserved : undefined;
    return {
      id: d.child.id,
      key: d.key,
      ...(d.observedShare !== undefined && { observedShare: d.observedShare }),
      share: threshold / parentThreshold,
      threshold,
      ...(headroom !== undefined && { headroom }),
      basis: d.basis,
    };
  });
  const allocatedShare = proposals.reduce((a, p) => a + p.share, 0);
  return {
    parentId: parent.id,
    unit: parent.unit,
    parentThreshold,
    children: proposals,
    allocatedShare,
    unallocated: parentThreshold * (1 - allocatedShare),
    notes,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
