/** Numbers for recommendation sentences, and the rounding of proposed thresholds. */
import { formatMoney, formatNumber, type Budget } from "../budget/index.js";
import { displayValue, measureLabel } from "../evaluate/index.js";

/**
 * A proposed limit: `x` rounded **up** to 2 significant digits — in the binary unit that shows it
 * (KiB, MiB, GiB, TiB) for bytes and bytes/s, as is otherwise: 524.4ms → 530ms, 0.24 cores →
 * 0.24, 614.4MiB → 620MiB. Float noise (0.2 × 1.2 = 0.24000000000000002) does not round up.
 * 0 for `x` ≤ 0 or not finite.
 */
export function proposeValue(x: number, unit: string): number {
  if (!(x > 0 && Number.isFinite(x))) return 0;
  if (unit === "bytes" || unit === "bytes/s") {
    let scale = 1;
    while (x / scale >= 1024 && scale < 1024 ** 4) scale *= 1024;
    return ceil2(x / scale) * scale;
  }
  return ceil2(x);
}

function ceil2(x: number): number {
  const clean = Number(x.toPrecision(12));
  const step = 10 ** (Math.floor(Math.log10(clean)) - 1);
  return Number((Math.ceil(Number((clean / step).toPrecision(12))) * step).toPrecision(12));
}

/** A fraction as a percentage for a sentence: 0.784 → `78.4 %`. */
export function pct(fraction: number): string {
  return `${formatNumber(Math.round(fraction * 1000) / 10)} %`;
}

/** A value of the budget's unit for a sentence (3 significant digits): `412ms`, `0.24 cores`, `$0.0105/hour`. */
export function show(b: Pick<Budget, "unit" | "family" | "per">, v: number): string {
  return displayValue(b, v);
}

/** Money for a sentence: `$51.39` (2 decimals from 1 up, 3 significant digits below). */
export function money(amount: number, currency: string): string {
  const a = Math.abs(amount) >= 1 ? Math.round(amount * 100) / 100 : Number(amount.toPrecision(3));
  return formatMoney(a, currency);
}

/** `checkout-p99 (frontend POST /checkout p99 latency)`. */
export function budgetName(b: Budget): string {
  return `${b.id} (${b.service}${b.operation !== undefined ? ` ${b.operation}` : ""} ${measureLabel(b)})`;
}

/** A time ahead for a sentence: `45 min`, `2.5 h`, `3.1 days`. */
export function hoursText(ms: number): string {
  const h = ms / 3_600_000;
  if (h >= 48) return `${formatNumber(Math.round(h / 2.4) / 10)} days`;
  if (h >= 1) return `${formatNumber(Math.round(h * 10) / 10)} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}
