// EngineClient (src/client) over a fake transport: requests it makes, answers it checks, and the
// PbeError it raises for API errors, malformed answers, no answer and timeouts.
import { describe, expect, it } from "vitest";
import { EngineApiError, EngineClient, normaliseBaseUrl, type EngineRequest, type EngineResponse } from "../../../src/client/index.js";
import { PbeError } from "../../../src/errors/index.js";

function fake(answer: (req: EngineRequest) => EngineResponse | Promise<EngineResponse>) {
  const seen: EngineRequest[] = [];
  const client = new EngineClient({
    baseUrl: "http://engine:8080",
    token: "tok",
    timeoutMs: 200,
    transport: async (req) => {
      seen.push(req);
      return answer(req);
    },
  });
  return { client, seen };
}

const json = (status: number, body: unknown): EngineResponse => ({ status, contentType: "application/json", text: JSON.stringify(body) });

const evaluation = { budgetId: "b", type: "latency.total", service: "s", status: "ok", observed: 1, threshold: 2, unit: "ms", usage: 0.5, window: "5m", windowMs: 300000, samples: 3, evaluatedAt: "t" };

describe("EngineClient", () => {
  it("sends the bearer token and encodes path segments", async () => {
    const { client, seen } = fake(() => json(200, { service: "a/b c", compliant: true, violated: 0, budgets: [evaluation] }));
    const c = await client.compliance("a/b c");
    expect(c.budgets[0]!.budgetId).toBe("b");
    expect(seen[0]).toMatchObject({ method: "GET", path: "/api/v1/services/a%2Fb%20c/compliance" });
    expect(seen[0]!.headers.authorization).toBe("Bearer tok");
  });

  it("defines with PUT /budgets/{id} (an upsert), with POST when there is no id, and dryRun as a query", async () => {
    const budget = { id: "x", type: "latency.total", service: "s", threshold: "1s", source: "api" };
    const { client, seen } = fake((req) => (req.path.includes("dryRun") ? json(200, { valid: true, budget }) : json(req.method === "PUT" ? 201 : 200, budget)));
    expect(await client.defineBudget({ id: "x", type: "latency.total" })).toEqual({ budget, created: true, dryRun: false });
    expect(seen[0]).toMatchObject({ method: "PUT", path: "/api/v1/budgets/x", body: '{"id":"x","type":"latency.total"}' });
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
    expect(await client.defineBudget({ id: "x" }, { dryRun: true })).toEqual({ budget, dryRun: true });
    expect(seen[1]).toMatchObject({ method: "PUT", path: "/api/v1/budgets/x?dryRun=true" });
    await client.defineBudget({ type: "latency.total" });
    expect(seen[2]).toMatchObject({ method: "POST", path: "/api/v1/budgets" });
  });

  it("turns an API error into an EngineApiError with code, message, status and problems", async () => {
    const problems = [{ path: "threshold", message: "not a duration" }];
    const { client } = fake(() => json(422, { error: { code: "validation_failed", message: "invalid budget definition", details: { problems } } }));
    const err = await client.defineBudget({ id: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineApiError);
    expect(err).toBeInstanceOf(PbeError);
    const e = err as EngineApiError;
    expect(e).toMatchObject({ code: "validation_failed", message: "invalid budget definition", status: 422, unreachable: false });
    expect(e.problems).toEqual(problems);
  });

  it("tells a missing endpoint from a missing object", async () => {
    const { client } = fake((req) =>
      req.path.includes("recommendations")
        ? json(404, { error: { code: "not_found", message: "no such endpoint: GET /api/v1/services/s/recommendations" } })
        : json(404, { error: { code: "not_found", message: 'unknown service "s"' } }),
    );
    const a = (await client.recommendations("s").catch((e: unknown) => e)) as EngineApiError;
    const b = (await client.track("s").catch((e: unknown) => e)) as EngineApiError;
    expect([a.noSuchEndpoint, b.noSuchEndpoint]).toEqual([true, false]);
    expect(b.status).toBe(404);
  });

  it("maps an error that is not the API's JSON by its status", async () => {
    const { client } = fake(() => ({ status: 502, contentType: "text/html", text: "<h1>Bad Gateway</h1>" }));
    const e = (await client.listBudgets().catch((x: unknown) => x)) as EngineApiError;
    expect(e.code).toBe("internal");
    expect(e.message).toBe("the engine at http://engine:8080 answered 502 to GET /api/v1/budgets: <h1>Bad Gateway</h1>");
  });

  it("refuses an answer that does not have the documented shape", async () => {
    const { client } = fake(() => json(200, { budgets: [{ id: 3 }] }));
    const e = (await client.listBudgets().catch((x: unknown) => x)) as EngineApiError;
    expect(e).toBeInstanceOf(EngineApiError);
    expect(e.message).toMatch(/^unexpected answer from the engine at http:\/\/engine:8080 to GET \/api\/v1\/budgets: budgets\.0\.id: /);
    const { client: html } = fake(() => ({ status: 200, contentType: "text/html", text: "<html>" }));
    await expect(html.services()).rejects.toThrow("not JSON (text/html)");
  });

  it("reports no answer as code unavailable without a status", async () => {
    const { client } = fake(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:8080"), { code: "ECONNREFUSED", address: "10.0.0.1", port: 8080 }) });
    });
    const e = (await client.listBudgets().catch((x: unknown) => x)) as EngineApiError;
    expect(e).toMatchObject({ code: "unavailable", status: undefined, unreachable: true });
    expect(e.message).toBe("cannot reach the engine at http://engine:8080: ECONNREFUSED 10.0.0.1:8080");
  });

  it("gives up after the timeout", async () => {
    const { client } = fake(
      (req) =>
        new Promise<EngineResponse>((_resolve, reject) => {
          req.signal.addEventListener("abort", () => reject(req.signal.reason));
        }),
    );
    const started = Date.now();
    const e = (await client.stats().catch((x: unknown) => x)) as EngineApiError;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e).toMatchObject({ code: "unavailable", unreachable: true });
    expect(e.message).toBe("the engine at http://engine:8080 did not answer within 0.2 s (GET /api/v1/stats)");
  });

  it("normalises the base URL and refuses what is not http(s)", () => {
    expect(normaliseBaseUrl("http://h:8080/")).toBe("http://h:8080");
    expect(normaliseBaseUrl("https://h/api/v1")).toBe("https://h");
    expect(() => normaliseBaseUrl("h:8080")).toThrow(/not an http\(s\) URL/);
    expect(() => normaliseBaseUrl("nonsense")).toThrow(/is not a URL/);
  });

  it("knows the services of traces and of budgets", async () => {
    const { client } = fake((req) =>
      req.path === "/api/v1/services"
        ? json(200, { services: [{ service: "b" }, { service: "a" }] })
        : json(200, { budgets: [{ id: "x", type: "latency.total", service: "c" }, { id: "y", type: "latency.total", service: "a" }] }),
    );
    expect(await client.knownServices()).toEqual(["a", "b", "c"]);
  });
});
