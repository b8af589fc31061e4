/**
 * The engine API client: {@link EngineClient} (typed calls, PbeError failures, timeouts), the
 * answers' zod schemas, and the text renderings shared by the CLI and the MCP tools.
 */
export {
  EngineClient,
  EngineApiError,
  fetchTransport,
  normaliseBaseUrl,
  problemsOf,
  DEFAULT_TIMEOUT_MS,
  type EngineClientOptions,
  type EngineTransport,
  type EngineRequest,
  type EngineResponse,
  type HttpMethod,
  type DefineResult,
  type ReportFormat,
} from "./client.js";
export * from "./schemas.js";
export {
  ANSI,
  PLAIN,
  bar,
  burnText,
  compactText,
  historySeries,
  nsText,
  oneLine,
  percentText,
  renderAttribution,
  renderBudgets,
  renderCompliance,
  renderRecommendation,
  renderRecommendations,
  renderTable,
  renderTrack,
  shareOf,
  sparkline,
  statisticText,
  summariseHistory,
  thresholdText,
  trendText,
  valueText,
  type Cell,
  type Column,
  type HistorySummary,
  type Style,
} from "./render.js";
