import { toDefinition, type Budget } from "../budget/index.js";
import { NotFoundError } from "../errors/index.js";
import type { BudgetEntry, BudgetRegistry } from "../registry/index.js";
import type { Route } from "./http.js";

/** A budget as the API shows it: the clean definition plus where it came from. */
export function budgetJson(e: BudgetEntry): Record<string, unknown> {
  return {
    ...toDefinition(e.budget),
    source: e.source,
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
  };
}

function dryRun(url: URL): boolean {
  const v = url.searchParams.get("dryRun") ?? url.searchParams.get("dry_run");
  return v === "" || v === "true" || v === "1";
}

/** `GET|POST /api/v1/budgets`, `GET|PUT|DELETE /api/v1/budgets/{id}`. */
export function budgetRoutes(registry: BudgetRegistry): Route[] {
  const get = (id: string): BudgetEntry => {
    const e = registry.get(id);
    if (!e) throw new NotFoundError(`no budget "${id}"`);
    return e;
  };
  const defined = (budget: Budget, created: boolean, dry: boolean) => ({
    status: dry ? 200 : created ? 201 : 200,
    body: dry ? { valid: true, budget: toDefinition(budget) } : budgetJson(registry.get(budget.id)!),
    headers: created && !dry ? { location: `/api/v1/budgets/${encodeURIComponent(budget.id)}` } : undefined,
  });
  return [
    {
      method: "GET",
      path: "/api/v1/budgets",
      handle: ({ url }) => {
        const service = url.searchParams.get("service");
        const entries = registry.list().filter((e) => service === null || e.budget.service === service);
        return { body: { budgets: entries.map(budgetJson) } };
      },
    },
    {
      method: "POST",
      path: "/api/v1/budgets",
      role: "admin",
      handle: async (ctx) => {
        const dry = dryRun(ctx.url);
        const { budget, created } = registry.define(await ctx.json(), { dryRun: dry, create: true });
        return defined(budget, created, dry);
      },
    },
    {
      method: "GET",
      path: "/api/v1/budgets/:id",
      handle: ({ params }) => ({ body: budgetJson(get(params.id)) }),
    },
    {
      method: "PUT",
      path: "/api/v1/budgets/:id",
      role: "admin",
      handle: async (ctx) => {
        const dry = dryRun(ctx.url);
        const { budget, created } = registry.define(await ctx.json(), { id: ctx.params.id, dryRun: dry });
        return defined(budget, created, dry);
      },
    },
    {
      method: "DELETE",
      path: "/api/v1/budgets/:id",
      role: "admin",
      handle: ({ params }) => {
        if (!registry.delete(params.id)) throw new NotFoundError(`no budget "${params.id}"`);
        return { status: 204 };
      },
    },
  ];
}
