export { Router, readBody, sendJson, sendError, type ApiResponse, type RequestContext, type Route, type Role } from "./http.js";
export { Authorizer, type ApiToken } from "./auth.js";
export { createApiServer, type ApiServerOptions } from "./server.js";
export { coreRoutes, type CoreRoutesDeps } from "./routes-core.js";
export { budgetRoutes, budgetJson } from "./routes-budgets.js";
export { evaluationRoutes, observedShares, trendOf, type EvaluationRoutesDeps } from "./routes-evaluation.js";
