/**
 * A memory limiter like the collector's `memory_limiter` processor: it samples the process's
 * memory on a timer (not per request: `process.memoryUsage()` costs microseconds) and, while the
 * heap plus array buffers (where span columns live) are above the soft limit, the receivers
 * refuse work with retryable back-pressure. It recovers by itself when usage falls back under
 * 90 % of the limit (hysteresis, so it does not flap).
 */
export class MemoryLimiter {
  private over = false;
  private timer: NodeJS.Timeout | undefined;
  lastUsedBytes = 0;
  refusals = 0;

  constructor(
    readonly softLimitBytes: number,
    private readonly sample: () => number = defaultSample,
    readonly intervalMs = 250,
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
    if (this.over) {
      if (used < this.softLimitBytes * 0.9) this.over = false;
    } else if (used > this.softLimitBytes) {
      this.over = true;
    }
    return this.over;
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
