import { attributionToJson } from "../attribution/index.js";
import type { Engine } from "../engine/index.js";
import { NotFoundError, PbeError } from "../errors/index.js";
import { hexToTraceKey } from "../span/index.js";
import type { Route } from "./http.js";

export interface CoreRoutesDeps {
  engine: Engine;
  /** Readiness: undefined when ready, else the reason (e.g. "overloaded: heap above the soft limit"). */
  notReady: () => string[];
  /** Extra health details (sink states, buffer use). */
  health: () => Record<string, unknown>;
  /** Counters of the edges (receivers, sinks), merged into `/api/v1/stats`. */
  stats: () => Record<string, unknown>;
}

/** Health, readiness, traces and services: the routes of the ingest/attribution issue. */
export function coreRoutes(deps: CoreRoutesDeps): Route[] {
  const { engine } = deps;
  return [
    {
      method: "GET",
      path: "/healthz",
      role: "public",
      handle: () => ({ body: { status: "ok", ...deps.health() } }),
    },
    {
      method: "GET",
      path: "/readyz",
      role: "public",
      handle: () => {
        const reasons = deps.notReady();
        return reasons.length === 0
          ? { body: { status: "ready" } }
          : { status: 503, body: { status: "not-ready", reasons }, headers: { "retry-after": "1" } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/traces/:traceId",
      handle: ({ params }) => {
        const key = hexToTraceKey(params.traceId);
        if (key === undefined) throw new PbeError("invalid_argument", `trace id must be 32 hex digits, got "${params.traceId.slice(0, 64)}"`);
        const a = engine.ring.get(key);
        if (!a) throw new NotFoundError(`trace ${params.traceId.toLowerCase()} is not among the ${engine.ring.capacity} most recent attributions or the exemplars`);
        return { body: attributionToJson(a, engine.tables) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/stats",
      handle: () => {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        return {
          body: {
            engine: { ...engine.counters },
            assembler: engine.assembler.stats,
            strings: { size: engine.tables.strings.size, overflowed: engine.tables.strings.overflowed },
            keysOverflowed: engine.limiter.overflowed,
            ...deps.stats(),
            process: {
              cpuUserUs: cpu.user,
              cpuSystemUs: cpu.system,
              rssBytes: mem.rss,
              heapUsedBytes: mem.heapUsed,
              heapTotalBytes: mem.heapTotal,
              externalBytes: mem.external,
              arrayBuffersBytes: mem.arrayBuffers,
              uptimeSec: process.uptime(),
            },
          },
        };
      },
    },
    {
      method: "GET",
      path: "/api/v1/services",
      handle: () => ({ body: { services: engine.catalogue.toJson(engine.tables.strings) } }),
    },
  ];
}
