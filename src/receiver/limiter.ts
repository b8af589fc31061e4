import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A memory limiter like the collector's `memory_limiter` processor. It samples the process's
 * memory on a timer (`process.memoryUsage()` costs microseconds, too much per request), and
 * between samples it adds up the bytes of the requests it admitted, so a burst is refused
 * before the heap grows past the soft limit rather than up to one interval after. While the
 * heap plus array buffers (where span records live) are above the soft limit, the receivers
 * refuse work with retryable back-pressure, and it forces a garbage collection (at most once a
 * second, as the collector does), so memory that is only garbage (request buffers of a burst
 * just refused) does not keep it refusing after the load dropped. It recovers by itself when
 * usage falls back under 90 % of the limit (hysteresis, so it does not flap).
 */
export class MemoryLimiter {
  private over = false;
  private timer: NodeJS.Timeout | undefined;
  private admittedSinceSample = 0;
  private lastCollectMs = -Infinity;
  lastUsedBytes = 0;
  refusals = 0;
  /** Forced garbage collections. */
  collections = 0;

  constructor(
    readonly softLimitBytes: number,
    private readonly sample: () => number = defaultSample,
    readonly intervalMs = 250,
    private readonly collect: (() => void) | undefined = defaultCollector(),
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer || this.softLimitBytes <= 0) return;
    this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads memory use; returns whether the limiter is refusing. */
  check(): boolean {
    const used = this.sample();
    this.lastUsedBytes = used;
    this.admittedSinceSample = 0;
    if (this.over) {
      if (used < this.softLimitBytes * 0.9) this.over = false;
    } else if (used > this.softLimitBytes) {
      this.over = true;
    }
    if (this.over && this.collect && this.now() - this.lastCollectMs >= 1000) {
      this.lastCollectMs = this.now();
      this.collections++;
      this.collect();
    }
    return this.over;
  }

  /**
   * Whether a request of `bytes` may come in: false while refusing, and false (refusing from
   * then on, until the next sample says otherwise) when the last sample plus what was admitted
   * since plus this request would pass the soft limit.
   */
  admit(bytes: number): boolean {
    if (this.softLimitBytes <= 0) return true;
    if (!this.over && this.lastUsedBytes + this.admittedSinceSample + bytes > this.softLimitBytes) this.over = true;
    if (this.over) {
      this.refusals++;
      return false;
    }
    this.admittedSinceSample += bytes;
    return true;
  }

  /** True while memory is above the soft limit: refuse new data. */
  get refusing(): boolean {
    return this.over;
  }
}

function defaultSample(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * A full garbage collection, as `global.gc` would do with `--expose-gc`: the flag is set at
 * run time and `gc` taken from a fresh context (a well-known Node idiom). Undefined if the
 * runtime refuses, then the limiter only waits for V8's own collections.
 */
function defaultCollector(): (() => void) | undefined {
  try {
    if (typeof globalThis.gc === "function") return globalThis.gc as () => void;
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
