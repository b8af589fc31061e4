/**
 * Parsing and formatting of the units people write in budgets and configuration.
 * Each parser returns the value in the base unit, or `undefined` when the text is not of its form
 * (callers turn that into a validation problem naming the field).
 */

const DURATION_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const DURATION_RE = new RegExp(String.raw`^\s*${NUMBER}\s*(ns|us|µs|ms|s|min|m|h|d|w)?\s*$`);

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

/** Renders milliseconds compactly: `850µs`, `312ms`, `1.25s`, `2m`, `1h30m`, `30d`. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const neg = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a === 0) return "0ms";
  if (a < 1) return `${neg}${trim(a * 1000, 3)}µs`;
  if (a < 1000) return `${neg}${trim(a, 3)}ms`;
  if (a < 60_000) return `${neg}${trim(a / 1000, 3)}s`;
  if (a < 3_600_000) return `${neg}${compound(a, 60_000, "m", 1000, "s")}`;
  if (a < 86_400_000) return `${neg}${compound(a, 3_600_000, "h", 60_000, "m")}`;
  return `${neg}${compound(a, 86_400_000, "d", 3_600_000, "h")}`;
}

function compound(a: number, big: number, bigUnit: string, small: number, smallUnit: string): string {
  const whole = Math.floor(a / big);
  const rest = Math.round((a - whole * big) / small);
  return rest === 0 ? `${whole}${bigUnit}` : `${whole}${bigUnit}${rest}${smallUnit}`;
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
  return Number(m[1]) * mult;
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
  while (a >= 1024 && i < units.length - 1) {
    a /= 1024;
    i++;
  }
  return `${n < 0 ? "-" : ""}${trim(a, 3)}${units[i]}`;
}

/** CPU cores: `0.5`, `"0.5"`, `"500m"` (millicores, Kubernetes style), `"2 cores"`. */
export function parseCores(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = new RegExp(String.raw`^\s*${NUMBER}\s*(m|cores?)?\s*$`).exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === "m" ? n / 1000 : n;
}

/** A plain non-negative count or rate: `12`, `"12"`, `"100/s"`. */
export function parseCount(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string") return undefined;
  const m = new RegExp(String.raw`^\s*${NUMBER}\s*(/\s*s(ec(ond)?)?|/\s*trace)?\s*$`).exec(v);
  return m ? Number(m[1]) : undefined;
}

/**
 * Money: `12.5`, `"12.50"`, `"$12.50"`, `"12.50 USD"`, `"€3"`. Returns the amount and the
 * currency if the text names one (`$` → USD, `€` → EUR, `£` → GBP, or an ISO code).
 */
export function parseMoney(v: unknown): { amount: number; currency?: string } | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? { amount: v } : undefined;
  if (typeof v !== "string") return undefined;
  const m = new RegExp(String.raw`^\s*([$€£])?\s*${NUMBER}\s*([A-Za-z]{3})?\s*$`).exec(v);
  if (!m) return undefined;
  const symbol = m[1];
  const code = m[3]?.toUpperCase();
  const fromSymbol = symbol === "$" ? "USD" : symbol === "€" ? "EUR" : symbol === "£" ? "GBP" : undefined;
  if (fromSymbol && code && code !== fromSymbol) return undefined;
  const currency = code ?? fromSymbol;
  return currency ? { amount: Number(m[2]), currency } : { amount: Number(m[2]) };
}
