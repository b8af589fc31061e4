// The in-process transport of `/mcp`: the engine's routes called without a socket, with the API's
// answers, errors and role checks; used through a real EngineClient.
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Router, type Role } from "../../../src/api/index.js";
import { EngineApiError, EngineClient } from "../../../src/client/index.js";
import { NotFoundError, ValidationError } from "../../../src/errors/index.js";
import { routerTransport } from "../../../src/mcp/index.js";

const stored = new Map<string, Record<string, unknown>>();
const router = new Router().add(
  { method: "GET", path: "/api/v1/budgets", handle: () => ({ body: { budgets: [...stored.values()] } }) },
  {
    method: "PUT",
    path: "/api/v1/budgets/:id",
    role: "admin",
    handle: async (ctx) => {
      const def = (await ctx.json()) as Record<string, unknown>;
      if (typeof def.type !== "string") throw new ValidationError("invalid budget definition", [{ path: "type", message: "required" }]);
      const dry = ctx.url.searchParams.get("dryRun") === "true";
      const budget = { ...def, id: ctx.params.id, source: "api" };
      if (dry) return { body: { valid: true, budget } };
      const created = !stored.has(ctx.params.id);
      stored.set(ctx.params.id, budget);
      return { status: created ? 201 : 200, body: budget };
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/budgets/:id",
    role: "admin",
    handle: ({ params }) => {
      if (!stored.delete(params.id)) throw new NotFoundError(`no budget "${params.id}"`);
      return { status: 204 };
    },
  },
  { method: "GET", path: "/api/v1/report", handle: ({ url }) => ({ raw: `# ${url.searchParams.get("service")}\n`, contentType: "text/markdown" }) },
  { method: "GET", path: "/api/v1/services", handle: () => ({ body: { services: [{ service: "s", big: 12n }] } }) },
  {
    method: "GET",
    path: "/api/v1/stats",
    handle: () => {
      throw new Error("boom");
    },
  },
  { method: "POST", path: "/mcp", handle: () => ({ body: { never: true } }) },
);

function client(role: Role, onError?: (err: unknown) => void): EngineClient {
  const req = new IncomingMessage(new Socket());
  return new EngineClient({ baseUrl: "in-process", transport: routerTransport({ router, req, role, ...(onError ? { onError } : {}) }) });
}

describe("routerTransport", () => {
  it("calls the routes with the body and query, and returns their answers", async () => {
    const admin = client("admin");
    expect(await admin.defineBudget({ id: "a", type: "latency.total", service: "s" }, { dryRun: true })).toMatchObject({ dryRun: true, budget: { id: "a" } });
    expect(stored.size).toBe(0);
    expect(await admin.defineBudget({ id: "a", type: "latency.total", service: "s" })).toMatchObject({ created: true, budget: { id: "a", source: "api" } });
    expect(await admin.defineBudget({ id: "a", type: "latency.total", service: "s" })).toMatchObject({ created: false });
    expect((await admin.listBudgets()).map((b) => b.id)).toEqual(["a"]);
    expect(await admin.reportText({ service: "s", format: "md" })).toBe("# s\n");
    expect(await admin.services()).toEqual([{ service: "s", big: "12" }]);
    await admin.deleteBudget("a");
    expect(stored.size).toBe(0);
  });

  it("answers errors as the API does: ValidationError 422 with problems, NotFound 404", async () => {
    const admin = client("admin");
    const invalid = (await admin.defineBudget({ id: "b" }).catch((e: unknown) => e)) as EngineApiError;
    expect(invalid).toMatchObject({ status: 422, code: "validation_failed", problems: [{ path: "type", message: "required" }] });
    const missing = (await admin.deleteBudget("zzz").catch((e: unknown) => e)) as EngineApiError;
    expect(missing).toMatchObject({ status: 404, code: "not_found", message: 'no budget "zzz"', noSuchEndpoint: false });
  });

  it("checks the caller's role against the route's", async () => {
    const reader = client("read");
    const e = (await reader.defineBudget({ id: "c", type: "latency.total", service: "s" }).catch((x: unknown) => x)) as EngineApiError;
    expect(e).toMatchObject({ status: 403, code: "permission_denied" });
    expect(stored.has("c")).toBe(false);
    expect(await reader.listBudgets()).toEqual([]);
  });

  it("reaches only /api/ routes, and reports a failing handler as a 500 to onError", async () => {
    const errors: unknown[] = [];
    const admin = client("admin", (err) => errors.push(err));
    const noRoute = (await admin.recommendations("s").catch((x: unknown) => x)) as EngineApiError;
    expect(noRoute).toMatchObject({ status: 404, noSuchEndpoint: true });
    const boom = (await admin.stats().catch((x: unknown) => x)) as EngineApiError;
    expect(boom).toMatchObject({ status: 500, code: "internal", message: "internal error" });
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("boom");
    const transport = routerTransport({ router, req: new IncomingMessage(new Socket()), role: "admin" });
    const mcp = await transport({ method: "POST", path: "/mcp", headers: {}, signal: AbortSignal.timeout(1000) });
    expect(mcp.status).toBe(404);
  });
});
