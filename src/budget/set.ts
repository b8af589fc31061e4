/**
 * Rules of a set of budgets: unique ids, parents that exist and form no cycle, children that
 * fit their parent, and allocations that do not over-allocate a parent.
 */
import type { Problem } from "../errors/index.js";
import { MAX_DEPTH, clamp, planAllocation, resolveThresholds, type AllocationPlan } from "./allocation.js";
import { formatNumber, formatValue } from "./format.js";
import type { Budget } from "./schema.js";
import { closest } from "./suggest.js";

export interface BudgetSetOptions {
  /** The path prefix of each budget by index (default `budgets[<index>]`): problems read `budgets[2].parent`. */
  paths?: readonly string[];
  /** Ids that exist outside `budgets` (e.g. definitions that failed validation): a parent among them is not reported missing. */
  knownIds?: Iterable<string>;
}

/** Relative tolerance of the over-allocation sum (shares are binary fractions: 0.1 + 0.2 > 0.3). */
const EPSILON = 1e-9;

/**
 * Every problem of a set of (individually valid) budgets, in the order of the budgets:
 * - duplicate ids (reported on the later ones);
 * - `parent` must exist and not be the budget itself; parents form no cycle and no chain deeper
 *   than 16;
 * - a child is of its parent's family and unit (and `per`), has its direction; a latency child
 *   is of the parent's service and journey (the same `operation`, or any when the parent has
 *   none);
 * - the pool members of one parent agree on `share`; a parent has at most one remainder pool
 *   (a pool without share); a sized pool holds its members' `min`;
 * - over-allocation, for `direction: max` parents whose threshold is known: Σ explicit child
 *   thresholds + Σ share children (share × parent, bounded by min/max) + Σ sized pool sizes +
 *   Σ minimums of the remainder pool's members must not exceed the parent's threshold. The
 *   message names the parent, every child involved and the figures.
 */
export function validateBudgetSet(budgets: readonly Budget[], opts: BudgetSetOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const at = (i: number, field?: string) => {
    const prefix = opts.paths?.[i] ?? `budgets[${i}]`;
    return field === undefined ? prefix : `${prefix}.${field}`;
  };
  const known = new Set(opts.knownIds ?? []);
  const indexOf = new Map<string, number>();
  budgets.forEach((b, i) => {
    const first = indexOf.get(b.id);
    if (first === undefined) indexOf.set(b.id, i);
    else problems.push({ path: at(i, "id"), message: `duplicate id "${b.id}": ${at(first)} has it too; ids must be unique` });
  });
  const byId = (id: string) => {
    const i = indexOf.get(id);
    return i === undefined ? undefined : budgets[i];
  };

  // Parents exist; cycles; depth.
  const inCycle = new Set<string>();
  const reportedCycles = new Set<string>();
  budgets.forEach((b, i) => {
    if (b.parent === undefined) return;
    if (b.parent === b.id) {
      problems.push({ path: at(i, "parent"), message: "a budget cannot be its own parent" });
      inCycle.add(b.id);
      return;
    }
    if (!byId(b.parent)) {
      if (known.has(b.parent)) return;
      const guess = closest(b.parent, [...indexOf.keys()]);
      problems.push({ path: at(i, "parent"), message: `"${b.parent}" does not exist${guess ? `; did you mean "${guess}"?` : "; give the id of another budget of the set"}` });
      return;
    }
    const chain = [b.id];
    let cur = byId(b.parent);
    while (cur) {
      if (cur.id === b.id) {
        const members = [...chain].sort();
        const key = members.join("\u0000");
        for (const m of chain) inCycle.add(m);
        if (!reportedCycles.has(key)) {
          reportedCycles.add(key);
          problems.push({ path: at(i, "parent"), message: `parents form a cycle: ${[...chain, b.id].map((x) => `"${x}"`).join(" -> ")}; a budget cannot be its own ancestor` });
        }
        break;
      }
      if (chain.includes(cur.id) || cur.parent === undefined) break; // a cycle further up, reported from its own members
      chain.push(cur.id);
      if (chain.length > MAX_DEPTH + 1) {
        problems.push({ path: at(i, "parent"), message: `the chain of parents is deeper than ${MAX_DEPTH} levels` });
        break;
      }
      cur = byId(cur.parent);
    }
  });

  // Compatibility of each child with its parent.
  const childrenOf = new Map<string, Array<{ child: Budget; index: number }>>();
  budgets.forEach((b, i) => {
    if (b.parent === undefined || indexOf.get(b.id) !== i || inCycle.has(b.id)) return;
    const p = byId(b.parent);
    if (!p) return;
    const parentIs = `the parent "${p.id}"`;
    if (p.family !== b.family) {
      problems.push({ path: at(i, "parent"), message: `${parentIs} is a ${p.type} budget and this one ${b.type}; a child must be of its parent's family (${b.family})` });
      return;
    }
    if (p.unit !== b.unit) {
      problems.push({ path: at(i, "type"), message: `${b.type} is measured in ${b.unit} and ${parentIs} (${p.type}) in ${p.unit}; a child must have its parent's unit` });
      return;
    }
    // Only children in the parent's unit take part in its allocation.
    const list = childrenOf.get(p.id) ?? [];
    list.push({ child: b, index: i });
    childrenOf.set(p.id, list);
    if (p.per !== b.per) {
      problems.push({ path: at(i, "per"), message: `is "${b.per ?? "none"}" but ${parentIs} is per "${p.per ?? "none"}"; a child must have its parent's per` });
    }
    if (p.direction !== b.direction) {
      problems.push({ path: at(i, "direction"), message: `is "${b.direction}" but ${parentIs} is "${p.direction}"; a child must have its parent's direction` });
    }
    if (b.family === "latency") {
      if (p.service !== b.service) {
        problems.push({ path: at(i, "service"), message: `is "${b.service}" but ${parentIs} is on the journeys of "${p.service}"; a latency child divides its parent's journey, so it has the parent's service` });
      } else if (p.operation !== undefined && b.operation !== p.operation) {
        problems.push({
          path: at(i, "operation"),
          message: `${b.operation === undefined ? "is absent (every journey)" : `is "${b.operation}"`} but ${parentIs} is on the journey "${p.operation}"; give the child operation "${p.operation}"`,
        });
      }
    }
  });

  // Allocation.
  const nominal = resolveThresholds(budgets);
  for (const [parentId, entries] of childrenOf) {
    const parent = byId(parentId)!;
    const pathOfChild = new Map(entries.map((e) => [e.child, e.index]));
    const children = entries.map((e) => e.child);
    checkPools(children, parent, (b, field) => at(pathOfChild.get(b)!, field), problems);
    const threshold = nominal.get(parentId);
    if (threshold === undefined || parent.direction !== "max") continue;
    const plan = planAllocation(parent, threshold, children);
    const over = overAllocation(plan);
    if (over) problems.push({ path: at(indexOf.get(parentId)!), message: over });
    for (const pool of plan.pools) {
      if (!pool.sized) continue;
      const mins = pool.members.filter((m) => m.min !== undefined);
      const total = mins.reduce((a, m) => a + m.min!, 0);
      if (total > pool.size * (1 + EPSILON)) {
        const v = (x: number) => formatValue(x, parent.unit, parent.family === "cost" ? parent.per : undefined);
        problems.push({
          path: at(pathOfChild.get(pool.members[0]!)!, "pool"),
          message: `pool "${pool.name}" of "${parent.id}" is ${v(pool.size)} (${formatNumber(pool.share! * 100)}%) but its members' minimums add up to ${v(total)}: ${mins.map((m) => `"${m.id}" ${v(m.min!)}`).join(" + ")}; lower a min or raise the pool's share`,
        });
      }
    }
  }
  return problems;
}

function checkPools(children: Budget[], parent: Budget, at: (b: Budget, field: string) => string, problems: Problem[]): void {
  const pools = new Map<string, Budget[]>();
  for (const c of children) {
    if (c.pool === undefined) continue;
    const list = pools.get(c.pool) ?? [];
    list.push(c);
    pools.set(c.pool, list);
  }
  const remainderPools: string[] = [];
  for (const [name, members] of pools) {
    const first = members[0]!;
    const odd = members.find((m) => m.share !== first.share);
    if (odd) {
      const list = members.map((m) => `"${m.id}" ${m.share === undefined ? "none" : formatNumber(m.share)}`).join(", ");
      problems.push({
        path: at(odd, "share"),
        message: `the members of pool "${name}" of "${parent.id}" must agree on share (${list}); give them all the same share (the pool's size), or none to take the parent's remainder`,
      });
    } else if (first.share === undefined) {
      remainderPools.push(name);
      if (remainderPools.length === 2) {
        problems.push({
          path: at(first, "pool"),
          message: `"${parent.id}" already has a remainder pool ("${remainderPools[0]}"), and this pool "${name}" has no share either; a parent's remainder goes to one pool: give one of them a share`,
        });
      }
    }
  }
}

/** The over-allocation message of a plan, or `undefined` when its children fit the parent. */
function overAllocation(plan: AllocationPlan): string | undefined {
  const { parent, parentThreshold: t } = plan;
  const v = (x: number) => formatValue(x, parent.unit, parent.family === "cost" ? parent.per : undefined);
  const parts: string[] = [];
  let total = 0;
  for (const e of plan.explicit) {
    total += e.value;
    parts.push(`"${e.child.id}" ${v(e.value)} (threshold)`);
  }
  for (const s of plan.shares) {
    total += s.value;
    const raw = s.child.share! * t;
    const bound = s.value !== raw ? ` bounded by its ${s.value > raw ? "min" : "max"}` : "";
    parts.push(`"${s.child.id}" ${formatNumber(s.child.share! * 100)}% = ${v(s.value)}${bound} (share)`);
  }
  for (const p of plan.pools) {
    const ids = p.members.map((m) => `"${m.id}"`).join(", ");
    if (p.sized) {
      total += p.size;
      parts.push(`pool "${p.name}" ${formatNumber(p.share! * 100)}% = ${v(p.size)} (${ids})`);
    } else {
      const mins = p.members.filter((m) => m.min !== undefined);
      const sum = mins.reduce((a, m) => a + clamp(m.min!, undefined, m.max), 0);
      if (sum > 0) {
        total += sum;
        parts.push(`the minimums of remainder pool "${p.name}" ${mins.map((m) => `"${m.id}" ${v(m.min!)}`).join(" + ")} = ${v(sum)}`);
      }
    }
  }
  if (total <= t * (1 + EPSILON)) return undefined;
  return `"${parent.id}" is over-allocated: its threshold is ${v(t)} but its children take ${v(total)} (${v(total - t)} too much): ${parts.join(", ")}; lower a child's threshold, share or min, or raise "${parent.id}"'s threshold`;
}
