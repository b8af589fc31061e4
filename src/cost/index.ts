/**
 * Cost arithmetic: {@link CostModel} prices resource usage (cores, bytes, bytes/s) from the
 * configured price table per hour, per month (730 h), per request and per 1000 requests, and
 * the savings of a proposed usage; {@link serviceUsage} turns a service's resource samples over
 * a window into usage. Pure; amounts are unrounded (display them with `formatMoney`).
 */
export {
  CostModel,
  HOURS_PER_MONTH,
  GIB,
  type Prices,
  type ResourceUsage,
  type CostBreakdown,
  type CostModelOptions,
} from "./model.js";
export { serviceUsage, type WindowUsage } from "./usage.js";
