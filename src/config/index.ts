/**
 * Configuration of `pbe serve`: one zod schema ({@link settingsSchema}) defines every setting,
 * its flag, environment variables, file key, default and description; {@link loadConfig} reads
 * flags > environment > config file > defaults into the normalised {@link Config}.
 */
export { configSchema, settingsSchema, configKey, type Config } from "./schema.js";
export { loadConfig, defaultConfig, wantsHelp, type LoadConfigOptions, type LoadedConfig } from "./load.js";
export { configHelp, configDocsMarkdown } from "./help.js";
export { redactConfig, redactUrl, REDACTED } from "./redact.js";
export { SETTINGS, type Setting } from "./settings.js";
export {
  API_ROLES,
  LOG_LEVELS,
  GROUPS,
  type ApiRole,
  type ApiToken,
  type LogLevel,
  type MetricMapping,
  type Group,
  type Kind,
} from "./fields.js";
