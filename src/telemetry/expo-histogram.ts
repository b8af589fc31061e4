/**
 * A base-2 exponential histogram of positive values (OpenTelemetry data model, "ExponentialHistogram"),
 * with the same mapping and the same rescaling rule as the OpenTelemetry JS SDK's aggregation
 * (`@opentelemetry/sdk-metrics`, maximum scale 20, 160 buckets), so a value lands in the bucket
 * the SDK would put it in. It exists because recording through the SDK costs ~1.4 µs per value
 * and reader (docs/metrics.md), too much for every segment of every trace.
 *
 * Bucket `i` at scale `s` holds values in `(2^(i/2^s), 2^((i+1)/2^s)]` (upper-inclusive). When a new
 * value would make the populated index range wider than `maxSize`, the scale drops by the least
 * amount that fits (indexes `>> change`), merging neighbouring buckets. Zero goes to `zeroCount`;
 * negative values, NaN and infinities are not recorded (durations never are any of them) and
 * return false.
 */

/** Largest scale, as the SDK (`MAX_SCALE`). */
export const EXPO_MAX_SCALE = 20;
/** Buckets per histogram, as the SDK's default `maxSize`. */
export const EXPO_MAX_SIZE = 160;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the high 32-bit word of a float64 in {@link U32} (platform endianness). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;
const MIN_NORMAL_EXPONENT = -1022;
const MIN_NORMAL_VALUE = 2 ** MIN_NORMAL_EXPONENT;

/** The bucket index of `value > 0` at `scale` (the SDK's ExponentMapping / LogarithmMapping). */
export function expoIndex(value: number, scale: number): number {
  F64[0] = value;
  const hi = U32[HI]!;
  const biased = (hi >>> 20) & 0x7ff;
  // Subnormals (below 2^-1022) share the lowest normal bucket: never a duration in seconds.
  const exponent = biased === 0 ? MIN_NORMAL_EXPONENT : biased - 1023;
  const powerOfTwo = biased === 0 || ((hi & 0xfffff) === 0 && U32[LO] === 0);
  if (scale <= 0) return (powerOfTwo ? exponent - 1 : exponent) >> -scale;
  if (powerOfTwo) return exponent * 2 ** scale - 1;
  return Math.floor(Math.log(value) * Math.LOG2E * 2 ** scale);
}

export interface ExpoBuckets {
  scale: number;
  zeroCount: number;
  /** Index of `counts[0]`. */
  offset: number;
  counts: number[];
}

export class ExpoHistogram {
  scale: number;
  zeroCount = 0;
  private readonly backing: Float64Array;
  /** Populated index range `[start, end]`; `start > end` when no bucket is populated. */
  private start = 0;
  private end = -1;
  /** The index stored at `backing[0]` (a circular window of `maxSize` indexes). */
  private base = 0;
  private scaleFactor: number;

  constructor(
    readonly maxSize = EXPO_MAX_SIZE,
    maxScale = EXPO_MAX_SCALE,
  ) {
    if (!Number.isInteger(maxSize) || maxSize < 2) throw new RangeError(`maxSize must be an integer of at least 2, got ${maxSize}`);
    if (!Number.isInteger(maxScale) || maxScale < -10 || maxScale > 20) throw new RangeError(`maxScale must be an integer in [-10, 20], got ${maxScale}`);
    this.backing = new Float64Array(maxSize);
    this.scale = maxScale;
    this.scaleFactor = Math.LOG2E * 2 ** maxScale;
  }

  /** Records one value; false (and nothing recorded) for a negative or non-finite value. */
  record(value: number): boolean {
    if (!(value > 0)) {
      if (value === 0) {
        this.zeroCount++;
        return true;
      }
      return false;
    }
    if (value === Infinity) return false;
    let i =
      this.scale > 0 && value >= MIN_NORMAL_VALUE && !isPowerOfTwo(value)
        ? Math.floor(Math.log(value) * this.scaleFactor)
        : expoIndex(value, this.scale);
    if (this.start > this.end) {
      this.start = this.end = this.base = i;
    } else if (i < this.start || i > this.end) {
      const lo = i < this.start ? i : this.start;
      const hi = i > this.end ? i : this.end;
      if (hi - lo + 1 > this.maxSize) {
        let change = 1;
        while ((hi >> change) - (lo >> change) + 1 > this.maxSize) change++;
        this.downscale(change);
        i >>= change;
      }
      if (i < this.start) this.start = i;
      if (i > this.end) this.end = i;
    }
    this.backing[this.slot(i)]! += 1;
    return true;
  }

  /** A copy of the populated buckets (safe to hand to an exporter while recording goes on). */
  snapshot(): ExpoBuckets {
    if (this.start > this.end) return { scale: this.scale, zeroCount: this.zeroCount, offset: 0, counts: [] };
    const counts = new Array<number>(this.end - this.start + 1);
    for (let i = this.start; i <= this.end; i++) counts[i - this.start] = this.backing[this.slot(i)]!;
    return { scale: this.scale, zeroCount: this.zeroCount, offset: this.start, counts };
  }

  /** `index`'s position in the circular backing array; every populated index is within `maxSize` of `base`. */
  private slot(index: number): number {
    const d = index - this.base;
    return d < 0 ? d + this.maxSize : d >= this.maxSize ? d - this.maxSize : d;
  }

  /** Lowers the scale by `change`, merging buckets `i` into `i >> change`. */
  private downscale(change: number): void {
    const old = this.snapshot();
    this.backing.fill(0);
    this.scale -= change;
    this.scaleFactor = Math.LOG2E * 2 ** this.scale;
    this.start = this.base = old.offset >> change;
    this.end = (old.offset + old.counts.length - 1) >> change;
    for (let k = 0; k < old.counts.length; k++) {
      const c = old.counts[k]!;
      if (c !== 0) this.backing[this.slot((old.offset + k) >> change)]! += c;
    }
  }
}

function isPowerOfTwo(value: number): boolean {
  F64[0] = value;
  return (U32[HI]! & 0xfffff) === 0 && U32[LO] === 0;
}
