/**
 * Parsing and formatting of the units people write in budgets and configuration.
 * Each parser returns the value in the base unit, or `undefined` when the text is not of its form
 * (callers turn that into a validation problem naming the field).
 */

const DURATION_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3, // µ MICRO SIGN
  "\u03bcs": 1e-3, // μ GREEK SMALL LETTER MU (what many keyboards produce)
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(String.raw`^\s*${NUMBER}\s*(ns|us|\u00b5s|\u03bcs|ms|s|min|m|h|d|w)?\s*$`, "u");

/**
 * A duration in milliseconds: `"300ms"`, `"1.5s"`, `"2m"`, `"1h"`, `"30d"`; a bare number (or
 * numeric string) is milliseconds. Negative, non-finite and malformed values give `undefined`.
 */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = DURATION_RE.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * DURATION_MS[m[2] ?? "ms"]!;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Renders milliseconds compactly: `850µs`, `312ms`, `1.25s`, `2m`, `1h30m`, `30d`. The unit is
 * chosen after rounding, so 999.9ms reads `1s` and 119.9s reads `2m`, never `1000ms` or `1m60s`.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const neg = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a === 0) return "0ms";
  if (round3(a * 1000) < 1000) return `${neg}${trim(a * 1000, 3)}µs`;
  if (round3(a) < 1000) return `${neg}${trim(a, 3)}ms`;
  if (round3(a / 1000) < 60) return `${neg}${trim(a / 1000, 3)}s`;
  if (Math.round(a / 1000) < 3600) return `${neg}${compound(a, 60_000, "m", 1000, "s")}`;
  if (Math.round(a / 60_000) < 1440) return `${neg}${compound(a, 3_600_000, "h", 60_000, "m")}`;
  return `${neg}${compound(a, 86_400_000, "d", 3_600_000, "h")}`;
}

/** `a` in whole `big` units and the rest in `small` units, rounding the rest and carrying when it reaches a whole `big`. */
function compound(a: number, big: number, bigUnit: string, small: number, smallUnit: string): string {
  const totalSmall = Math.round(a / small);
  const perBig = Math.round(big / small);
  const whole = Math.floor(totalSmall / perBig);
  const rest = totalSmall - whole * perBig;
  return rest === 0 ? `${whole}${bigUnit}` : `${whole}${bigUnit}${rest}${smallUnit}`;
}

/** `n` rounded to 3 significant digits, as `trim` shows it. */
function round3(n: number): number {
  return Number(n.toPrecision(3));
}

function trim(n: number, digits: number): string {
  return String(Number(n.toPrecision(digits)));
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};
const BYTES_RE = new RegExp(String.raw`^\s*${NUMBER}\s*([a-zA-Z]{1,3})?\s*$`);

/**
 * Bytes: `"512MiB"`, `"1.5GB"`, `"64Ki"` (Kubernetes style), `"1G"` (binary); a bare number is bytes.
 * Decimal units (kB, MB, GB, TB) are powers of 1000, binary ones (KiB, MiB, …, K, M, G) of 1024.
 */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = BYTES_RE.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? "b").toLowerCase();
  const mult = BYTE_UNITS[unit];
  if (mult === undefined) return undefined;
  return finite(Number(m[1]) * mult);
}

/** Bytes per second: `"10MiB/s"`, `"1.5MB/s"`, or a plain byte quantity read as per second. */
export function parseByteRate(v: unknown): number | undefined {
  if (typeof v === "string") return parseBytes(v.replace(/\s*\/\s*s(ec(ond)?)?\s*$/i, ""));
  return parseBytes(v);
}

/** Renders bytes with binary units: `512MiB`, `1.5GiB`, `900B`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let a = Math.abs(n);
  // Move up while the next unit would show at least 1 (1023.999KiB reads 1MiB, not 1020KiB).
  while ((a >= 1024 || Number((a / 1024).toPrecision(3)) >= 1) && i < units.length - 1) {
    a /= 1024;
    i++;
  }
  return `${n < 0 ? "-" : ""}${trim(a, 3)}${units[i]}`;
}

const CORES_RE = new RegExp(String.raw`^\s*${NUMBER}\s*(m|cores?)?\s*$`);

/** CPU cores: `0.5`, `"0.5"`, `"500m"` (millicores, Kubernetes style), `"2 cores"`. */
export function parseCores(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = CORES_RE.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return finite(m[2] === "m" ? n / 1000 : n);
}

const COUNT_RE = new RegExp(String.raw`^\s*${NUMBER}\s*(/\s*s(ec(ond)?)?|/\s*trace)?\s*$`);

/** A plain non-negative count or rate: `12`, `"12"`, `"100/s"`, `"12/trace"`. */
export function parseCount(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = COUNT_RE.exec(v);
  return m ? finite(Number(m[1])) : undefined;
}

const MONEY_RE = new RegExp(String.raw`^\s*([$€£])?\s*${NUMBER}\s*([A-Za-z]{3})?\s*$`);

/**
 * Money: `12.5`, `"12.50"`, `"$12.50"`, `"12.50 USD"`, `"€3"`. Returns the amount and the
 * currency if the text names one (`$` → USD, `€` → EUR, `£` → GBP, or an ISO code).
 */
export function parseMoney(v: unknown): { amount: number; currency?: string } | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? { amount: v } : undefined;
  if (typeof v !== "string") return undefined;
  const m = MONEY_RE.exec(v);
  if (!m) return undefined;
  if (finite(Number(m[2])) === undefined) return undefined;
  const symbol = m[1];
  const code = m[3]?.toUpperCase();
  const fromSymbol = symbol === "$" ? "USD" : symbol === "€" ? "EUR" : symbol === "£" ? "GBP" : undefined;
  if (fromSymbol && code && code !== fromSymbol) return undefined;
  const currency = code ?? fromSymbol;
  return currency ? { amount: Number(m[2]), currency } : { amount: Number(m[2]) };
}

/** Text of digits can overflow to Infinity ("1" followed by 400 zeros): such values are not quantities. */
function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}
