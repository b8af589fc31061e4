/**
 * The MCP server: the tools (`budget_define`, `budget_track`, `budget_compliance`,
 * `budget_recommendations`, `budget_list`, `budget_delete`, `budget_report`, `trace_explain`)
 * and resources over a {@link McpBackend}; Streamable HTTP routes for `/mcp` on the API port;
 * the in-process transport that lets `/mcp` call the engine's own API routes.
 */
export { createMcpServer, describeBudget, explainStructured, TOOL_NAMES, type McpServerOptions } from "./server.js";
export { mcpRoutes, type McpRoutesOptions } from "./http.js";
export { routerTransport, type RouterTransportOptions } from "./dispatch.js";
export type { McpBackend } from "./backend.js";
