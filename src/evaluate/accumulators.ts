/**
 * Per-window data a budget keeps besides its values, recorded on the hot path by interned id
 * (no string work, no allocation once a key has been seen) and turned into the window's `extra`
 * (by name, so rows stay meaningful after a restart) when the series asks: see `PendingExtra`.
 *
 * Keys written (ns are nanoseconds; see window/extra.ts for the merge rules):
 * - latency budgets: `good.n` / `bad.n` traces within / over the threshold, `good.ns` / `bad.ns`
 *   their summed durations, `good.c:<name>` / `bad.c:<name>` the summed time of each component
 *   (for `latency.network` budgets: of each edge `caller->callee`) in them;
 * - `throughput.queries per: trace` budgets: the statements run most often in one trace —
 *   `max.top.stmt:<text>` (most executions in one trace) and `top.stmt:<text>` (executions in
 *   the window), the 3 largest kept; statement texts are cut to {@link STATEMENT_CHARS}.
 */
import type { Attribution } from "../attribution/index.js";
import type { Interner } from "../span/index.js";
import { MAX_TOP_PREFIX, TOP_PREFIX, type PendingExtra, type Window } from "../window/index.js";

export const GOOD_COUNT = "good.n";
export const BAD_COUNT = "bad.n";
export const GOOD_NS = "good.ns";
export const BAD_NS = "bad.ns";
export const GOOD_COMPONENT = "good.c:";
export const BAD_COMPONENT = "bad.c:";
export const STATEMENT_GROUP = "stmt";
export const STATEMENT_CHARS = 200;

/** Σ time per component (or edge) in violating and in good traces, by interned id. */
export class ComponentSplit implements PendingExtra {
  private goodN = 0;
  private badN = 0;
  private goodNs = 0;
  private badNs = 0;
  /** Ids seen (kept across windows so no key is re-inserted); sums zeroed at each flush. */
  private readonly good = new Map<number, number>();
  private readonly bad = new Map<number, number>();

  constructor(
    private readonly names: Interner,
    /** Record edges (network budgets) instead of components. */
    readonly edges: boolean,
  ) {}

  record(a: Attribution, violating: boolean): void {
    const ids = this.edges ? a.edgeIds : a.componentIds;
    const ns = this.edges ? a.edgeNs : a.componentNs;
    const into = violating ? this.bad : this.good;
    if (violating) {
      this.badN++;
      this.badNs += a.durationNs;
    } else {
      this.goodN++;
      this.goodNs += a.durationNs;
    }
    for (let i = 0; i < ids.length; i++) into.set(ids[i]!, (into.get(ids[i]!) ?? 0) + ns[i]!);
  }

  flushInto(w: Window): void {
    if (this.goodN > 0) {
      w.addExtra(GOOD_COUNT, this.goodN);
      w.addExtra(GOOD_NS, this.goodNs);
      this.flushMap(this.good, GOOD_COMPONENT, w);
    }
    if (this.badN > 0) {
      w.addExtra(BAD_COUNT, this.badN);
      w.addExtra(BAD_NS, this.badNs);
      this.flushMap(this.bad, BAD_COMPONENT, w);
    }
    this.goodN = this.badN = this.goodNs = this.badNs = 0;
  }

  private flushMap(m: Map<number, number>, prefix: string, w: Window): void {
    for (const [id, ns] of m) {
      if (ns === 0) continue;
      w.addExtra(prefix + this.names.get(id), ns);
      m.set(id, 0);
    }
    // Bound the ids kept between windows (the key limiter bounds them per journey; this is a backstop).
    if (m.size > 4096) m.clear();
  }
}

/** The statements a trace runs most often, per window (N+1 detection). */
export class StatementTop implements PendingExtra {
  private readonly maxPerTrace = new Map<number, number>();
  private readonly total = new Map<number, number>();

  constructor(
    private readonly statements: Interner,
    readonly keep = 3,
  ) {}

  record(a: Attribution): void {
    const ids = a.statementIds;
    const counts = a.statementCounts;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const c = counts[i]!;
      if ((this.maxPerTrace.get(id) ?? 0) < c) this.maxPerTrace.set(id, c);
      this.total.set(id, (this.total.get(id) ?? 0) + c);
    }
  }

  flushInto(w: Window): void {
    if (this.total.size === 0) return;
    const ranked = [...this.maxPerTrace.entries()].sort((x, y) => y[1] - x[1] || (this.total.get(y[0]) ?? 0) - (this.total.get(x[0]) ?? 0) || x[0] - y[0]);
    for (const [id, max] of ranked.slice(0, this.keep)) {
      const text = statementText(this.statements, id);
      w.addExtra(`${MAX_TOP_PREFIX}${STATEMENT_GROUP}:${text}`, max);
      w.addExtra(`${TOP_PREFIX}${STATEMENT_GROUP}:${text}`, this.total.get(id) ?? 0);
    }
    this.maxPerTrace.clear();
    this.total.clear();
  }
}

function statementText(statements: Interner, id: number): string {
  let s: string;
  try {
    s = statements.get(id);
  } catch {
    s = `#${id}`;
  }
  return s.length > STATEMENT_CHARS ? s.slice(0, STATEMENT_CHARS) : s;
}

/**
 * Components' (or edges') shares of the latency of the violating (`bad`) or good traces of a
 * merged `extra`, largest first (ties by name); empty when there are none.
 */
export function componentShares(extra: Readonly<Record<string, number>>, which: "bad" | "good" = "bad", limit = Infinity): Array<{ component: string; share: number }> {
  const total = extra[which === "bad" ? BAD_NS : GOOD_NS] ?? 0;
  if (!(total > 0)) return [];
  const prefix = which === "bad" ? BAD_COMPONENT : GOOD_COMPONENT;
  const out: Array<{ component: string; share: number }> = [];
  for (const key of Object.keys(extra)) {
    if (!key.startsWith(prefix)) continue;
    const ns = extra[key]!;
    if (ns > 0) out.push({ component: key.slice(prefix.length), share: ns / total });
  }
  out.sort((a, b) => b.share - a.share || (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
  return out.slice(0, limit);
}

/**
 * For the "component that drives violations" recommendation: per component, its share in the
 * violating traces and in the good ones, sorted by the difference (largest first).
 */
export function violationDrivers(extra: Readonly<Record<string, number>>): Array<{ component: string; badShare: number; goodShare: number; violatingTraces: number; goodTraces: number }> {
  const bad = new Map(componentShares(extra, "bad").map((c) => [c.component, c.share]));
  const good = new Map(componentShares(extra, "good").map((c) => [c.component, c.share]));
  const names = new Set([...bad.keys(), ...good.keys()]);
  const violatingTraces = extra[BAD_COUNT] ?? 0;
  const goodTraces = extra[GOOD_COUNT] ?? 0;
  return [...names]
    .map((component) => ({ component, badShare: bad.get(component) ?? 0, goodShare: good.get(component) ?? 0, violatingTraces, goodTraces }))
    .sort((a, b) => b.badShare - b.goodShare - (a.badShare - a.goodShare) || (a.component < b.component ? -1 : 1));
}

/** The statements of a merged `extra` of a per-trace query budget, most executions per trace first. */
export function topStatements(extra: Readonly<Record<string, number>>): Array<{ statement: string; maxPerTrace: number; total: number }> {
  const prefix = `${MAX_TOP_PREFIX}${STATEMENT_GROUP}:`;
  const out: Array<{ statement: string; maxPerTrace: number; total: number }> = [];
  for (const key of Object.keys(extra)) {
    if (!key.startsWith(prefix)) continue;
    const statement = key.slice(prefix.length);
    out.push({ statement, maxPerTrace: extra[key]!, total: extra[`${TOP_PREFIX}${STATEMENT_GROUP}:${statement}`] ?? 0 });
  }
  return out.sort((a, b) => b.maxPerTrace - a.maxPerTrace || b.total - a.total);
}
