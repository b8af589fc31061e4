/**
 * Trends and forecasts of budget values: {@link theilSen} (robust slope with Sen's confidence
 * interval and the Mann–Kendall test) and {@link forecastCrossing} (when the trend meets a
 * threshold, with an uncertainty band). Pure; time is a parameter (ms).
 */
export {
  theilSen,
  DEFAULT_LEVEL,
  DEFAULT_MAX_POINTS,
  type TrendPoint,
  type TheilSenFit,
  type TheilSenOptions,
} from "./theil-sen.js";
export { forecastCrossing, type Forecast, type ForecastInput, type ForecastStatus } from "./forecast.js";
export { normalCdf, normalQuantile } from "./normal.js";
