/**
 * The metric units resource mapping understands (UCUM as OpenTelemetry writes them, plus common
 * spellings), each as a kind and a factor to the base unit: seconds, bytes, bytes per second, or
 * a plain number.
 */

export type UnitKind = "time" | "bytes" | "byteRate" | "number";

export interface UnitInfo {
  kind: UnitKind;
  factor: number;
  /** False when the unit is not known: it is then read as a plain number (factor 1). */
  known: boolean;
}

const TIME = table({
  ns: 1e-9,
  us: 1e-6,
  "\u00b5s": 1e-6,
  "\u03bcs": 1e-6,
  ms: 1e-3,
  s: 1,
  min: 60,
  h: 3600,
  d: 86_400,
});

const BYTES = table({
  By: 1,
  B: 1,
  bytes: 1,
  KiBy: 2 ** 10,
  MiBy: 2 ** 20,
  GiBy: 2 ** 30,
  TiBy: 2 ** 40,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  kBy: 1e3,
  KBy: 1e3,
  MBy: 1e6,
  GBy: 1e9,
  TBy: 1e12,
});

const NUMBER = table({ "": 1, "1": 1, "%": 0.01 });

/** A lookup that knows only its own keys (`"constructor" in {}` is true; a Map's `get` is not fooled). */
function table(entries: Record<string, number>): ReadonlyMap<string, number> {
  return new Map(Object.entries(entries));
}

/**
 * The kind and factor of a metric unit: `s`/`ms`/`us`/`ns` (time), `By`/`KiBy`/`MiBy`/`GiBy`/
 * `kBy`/`MBy`… (bytes; `KiB`-style spellings too), the same over `/s` (byte rates), and plain
 * numbers: `""`, `1`, `%` (0.01) and any annotation such as `{cpu}` or `{core}`. Anything else is
 * unknown and read as a plain number.
 */
export function unitInfo(unit: string): UnitInfo {
  const u = unit.trim();
  const plain = NUMBER.get(u);
  if (plain !== undefined) return { kind: "number", factor: plain, known: true };
  if (/^\{[^{}]*\}$/.test(u)) return { kind: "number", factor: 1, known: true };
  const time = TIME.get(u);
  if (time !== undefined) return { kind: "time", factor: time, known: true };
  const bytes = BYTES.get(u);
  if (bytes !== undefined) return { kind: "bytes", factor: bytes, known: true };
  const rate = u.endsWith("/s") ? BYTES.get(u.slice(0, -2)) : undefined;
  if (rate !== undefined) return { kind: "byteRate", factor: rate, known: true };
  return { kind: "number", factor: 1, known: false };
}
