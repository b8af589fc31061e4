/**
 * Windows and history (ARCHITECTURE.md §4): per budget key, tumbling base windows of t-digests
 * and counters, rolled up into 1-minute and 1-hour windows, read back as merged views over any
 * range and checkpointed as store rows. Pure: time is always a parameter.
 */
export {
  WindowSeries,
  WINDOW_DEFAULTS,
  COVERAGE_KEY,
  type WindowRow,
  type WindowSeriesOptions,
  type WindowView,
  type PendingExtra,
} from "./series.js";
export { Window, type WindowData, type Exemplar } from "./window.js";
export { addExtra, mergeExtra, trimExtra, sanitiseExtra, MAX_PREFIX, TOP_PREFIX, MAX_TOP_PREFIX, TOP_K, type Extra } from "./extra.js";
export { alignDown, alignUp, SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS, RESOLUTIONS, type Resolution } from "./time.js";
