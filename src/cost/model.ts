/** Cost arithmetic from a price table. Pure; amounts are unrounded (round only for display: `formatMoney`). */

/** Hours in a month, as cloud price lists count them: 8760 h per year ÷ 12. */
export const HOURS_PER_MONTH = 730;
/** One GiB, the unit of the memory, network and storage prices. */
export const GIB = 2 ** 30;

/** The price table of the configuration (`Config.prices`), in `currency`. */
export interface Prices {
  /** One CPU core for one hour. */
  coreHour: number;
  /** One GiB of memory for one hour. */
  memoryGiBHour: number;
  /** One GiB transferred. */
  networkGiB: number;
  /** One GiB stored for one month. */
  storageGiBMonth: number;
}

/** What a service uses, in base units (as resource samples are). */
export interface ResourceUsage {
  cores: number;
  memoryBytes: number;
  networkBytesPerSec: number;
  storageBytes: number;
}

/** An amount per resource and their total, in the model's currency. */
export interface CostBreakdown {
  total: number;
  cpu: number;
  memory: number;
  network: number;
  storage: number;
}

export interface CostModelOptions {
  prices: Prices;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
}

/**
 * Prices usage:
 * - cpu: cores × `coreHour` per hour;
 * - memory: memoryBytes / 2^30 × `memoryGiBHour` per hour;
 * - network: networkBytesPerSec × 3600 / 2^30 × `networkGiB` per hour (every byte counted, in
 *   whatever direction the samples measured);
 * - storage: storageBytes / 2^30 × `storageGiBMonth` / 730 per hour;
 * - a month is 730 hours.
 *
 * Negative or non-finite prices or usage are programming errors (config and samples are
 * validated before) and throw a RangeError.
 */
export class CostModel {
  readonly prices: Readonly<Prices>;
  readonly currency: string;

  constructor(options: CostModelOptions) {
    for (const [k, v] of Object.entries(options.prices)) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`price ${k} must be a finite amount ≥ 0, got ${v}`);
    }
    this.prices = Object.freeze({ ...options.prices });
    this.currency = options.currency;
  }

  /** Cost of one hour at `usage`. */
  hourly(usage: ResourceUsage): CostBreakdown {
    checkUsage(usage);
    const p = this.prices;
    return breakdown({
      cpu: usage.cores * p.coreHour,
      memory: (usage.memoryBytes / GIB) * p.memoryGiBHour,
      network: ((usage.networkBytesPerSec * 3600) / GIB) * p.networkGiB,
      storage: ((usage.storageBytes / GIB) * p.storageGiBMonth) / HOURS_PER_MONTH,
    });
  }

  /** Cost of one month (730 hours) at `usage`: the projection of a steady usage. */
  monthly(usage: ResourceUsage): CostBreakdown {
    return scale(this.hourly(usage), HOURS_PER_MONTH);
  }

  /**
   * Cost of one request: `hourlyCost / (requestsPerSec × 3600)`. Null when there is no
   * throughput (0, negative, NaN) or the cost is not finite: a cost per request is then undefined.
   */
  perRequest(hourlyCost: number, requestsPerSec: number): number | null {
    if (!(requestsPerSec > 0 && Number.isFinite(requestsPerSec)) || !Number.isFinite(hourlyCost)) return null;
    return hourlyCost / (requestsPerSec * 3600);
  }

  /** Cost of 1000 requests; null as for {@link perRequest}. */
  per1000Requests(hourlyCost: number, requestsPerSec: number): number | null {
    const one = this.perRequest(hourlyCost, requestsPerSec);
    return one === null ? null : one * 1000;
  }

  /**
   * What moving from `current` to `proposed` usage saves, per hour and per month (730 h):
   * current − proposed per resource; negative where the proposal costs more.
   */
  savings(current: ResourceUsage, proposed: ResourceUsage): { hourly: CostBreakdown; monthly: CostBreakdown } {
    const a = this.hourly(current);
    const b = this.hourly(proposed);
    const hourly = breakdown({ cpu: a.cpu - b.cpu, memory: a.memory - b.memory, network: a.network - b.network, storage: a.storage - b.storage });
    return { hourly, monthly: scale(hourly, HOURS_PER_MONTH) };
  }
}

function breakdown(parts: Omit<CostBreakdown, "total">): CostBreakdown {
  return { total: parts.cpu + parts.memory + parts.network + parts.storage, ...parts };
}

function scale(c: CostBreakdown, k: number): CostBreakdown {
  return breakdown({ cpu: c.cpu * k, memory: c.memory * k, network: c.network * k, storage: c.storage * k });
}

function checkUsage(u: ResourceUsage): void {
  for (const k of ["cores", "memoryBytes", "networkBytesPerSec", "storageBytes"] as const) {
    const v = u[k];
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`usage ${k} must be a finite number ≥ 0, got ${v}`);
  }
}
