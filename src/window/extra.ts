/**
 * The small per-window counters (`extra`) and how they merge when windows roll up or are read
 * together. The rule is carried by the key, so a store row needs no schema of its own:
 *
 * - `max.<name>` merges by maximum (e.g. the most executions of a statement in one trace);
 * - every other key merges by sum (counts, nanosecond sums, covered milliseconds);
 * - ranked groups: the keys `top.<group>:<name>` and `max.top.<group>:<name>` describe one
 *   `name` of a group; after a merge only the {@link TOP_K} names with the largest
 *   `max.top.<group>:<name>` (ties: larger `top.<group>:<name>`, then name) are kept, so the
 *   group stays small however many windows are merged.
 *
 * Keys the engine writes always start with a fixed prefix (`good.`, `bad.`, `cov.`, `top.`,
 * `max.`), so a name such as `__proto__` never becomes a bare key; rows read back from a store
 * are filtered of the prototype keys anyway.
 */

export const MAX_PREFIX = "max.";
export const TOP_PREFIX = "top.";
export const MAX_TOP_PREFIX = "max.top.";
/** Names kept per ranked group. */
export const TOP_K = 3;

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

export type Extra = Record<string, number>;

/** Adds `n` under `key` into `into` following the key's merge rule. */
export function addExtra(into: Extra, key: string, n: number): void {
  const old = into[key];
  if (old === undefined) into[key] = n;
  else if (key.startsWith(MAX_PREFIX)) {
    if (n > old) into[key] = n;
  } else into[key] = old + n;
}

/** Merges every key of `from` into `into` (see the module comment). Does not trim ranked groups. */
export function mergeExtra(into: Extra, from: Readonly<Extra>): void {
  for (const key of Object.keys(from)) addExtra(into, key, from[key]!);
}

/** Keeps the {@link TOP_K} best names of every ranked group (in place); returns `extra`. */
export function trimExtra(extra: Extra, k = TOP_K): Extra {
  let groups: Map<string, Array<{ name: string; max: number; total: number }>> | undefined;
  for (const key of Object.keys(extra)) {
    if (!key.startsWith(MAX_TOP_PREFIX)) continue;
    const rest = key.slice(MAX_TOP_PREFIX.length);
    const colon = rest.indexOf(":");
    if (colon < 0) continue;
    const group = rest.slice(0, colon);
    const name = rest.slice(colon + 1);
    groups ??= new Map();
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    list.push({ name, max: extra[key]!, total: extra[`${TOP_PREFIX}${group}:${name}`] ?? 0 });
  }
  if (!groups) return extra;
  for (const [group, list] of groups) {
    if (list.length <= k) continue;
    list.sort((a, b) => b.max - a.max || b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const drop of list.slice(k)) {
      delete extra[`${MAX_TOP_PREFIX}${group}:${drop.name}`];
      delete extra[`${TOP_PREFIX}${group}:${drop.name}`];
    }
  }
  return extra;
}

/** A clean copy of an `extra` read from outside (a store row): finite numbers only, no prototype keys. */
export function sanitiseExtra(value: unknown): Extra | null {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return null;
  const out: Extra = {};
  let any = false;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN.has(key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    out[key] = v;
    any = true;
  }
  return any ? out : null;
}
