// The budget API against the real server: define, validate (every problem listed), replace,
// delete, file-owned budgets, persistence across a restart, and bearer tokens with roles.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngineProcess, type EngineProcess } from "../helpers/server.js";

const dir = mkdtempSync(join(tmpdir(), "pbe-budgets-"));
const budgetsFile = join(dir, "budgets.yaml");
writeFileSync(
  budgetsFile,
  `budgets:
  - { id: checkout-p99, type: latency.total, service: frontend, operation: POST /checkout, quantile: 0.99, threshold: 800ms, target: 0.99 }
`,
);
const dataDir = join(dir, "data");
let engine: EngineProcess;
const ADMIN = "admin-secret-token";
const READER = "read-only-token";

async function call(method: string, path: string, body?: unknown, token: string | null = ADMIN) {
  const res = await fetch(engine.api + path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const start = () =>
  startEngineProcess({
    dataDir,
    args: ["--budgets", budgetsFile],
    env: { PBE_API_TOKEN: ADMIN, PBE_API_TOKENS: `${READER}:read` },
  });

beforeAll(async () => {
  engine = await start();
});
afterAll(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cartBudget = { id: "cart-p95", type: "latency.component", service: "frontend", operation: "POST /checkout", component: "cart", quantile: 0.95, threshold: "200ms" };

describe("budget API", () => {
  it("lists the file's budgets with their source", async () => {
    const r = await call("GET", "/api/v1/budgets");
    expect(r.status).toBe(200);
    expect(r.body.budgets).toEqual([expect.objectContaining({ id: "checkout-p99", threshold: "800ms", source: `file:${budgetsFile}` })]);
  });

  it("defines a budget (201 with Location) and reads it back", async () => {
    const r = await call("POST", "/api/v1/budgets", cartBudget);
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe("/api/v1/budgets/cart-p95");
    expect(r.body).toMatchObject({ id: "cart-p95", component: "cart", threshold: "200ms", source: "api" });
    expect((await call("GET", "/api/v1/budgets/cart-p95")).body).toMatchObject({ id: "cart-p95" });
  });

  it("refuses an invalid definition with every problem listed, and stores nothing", async () => {
    const r = await call("POST", "/api/v1/budgets", { id: "Bad!", type: "latency.totl", threshold: "fast", quantile: 2, extra: 1 });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("validation_failed");
    const paths = r.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["id", "type", "service", "extra"]));
    expect(r.body.error.details.problems.every((p: { message: string }) => p.message.length > 0)).toBe(true);
    expect((await call("GET", "/api/v1/budgets")).body.budgets.map((b: { id: string }) => b.id)).not.toContain("Bad!");
  });

  it("validates without storing on dryRun", async () => {
    const r = await call("POST", "/api/v1/budgets?dryRun=true", { ...cartBudget, id: "dry" });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(true);
    expect((await call("GET", "/api/v1/budgets/dry")).status).toBe(404);
  });

  it("refuses a body that is not JSON with 400", async () => {
    const r = await call("POST", "/api/v1/budgets", "{nope");
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid_argument");
  });

  it("refuses over-allocation of a parent, naming the budgets", async () => {
    const child = (id: string, component: string, threshold: string) => ({ id, type: "latency.component", service: "frontend", operation: "POST /checkout", component, quantile: 0.99, threshold, parent: "checkout-p99" });
    expect((await call("POST", "/api/v1/budgets", child("pay-alloc", "payment", "500ms"))).status).toBe(201);
    const r = await call("POST", "/api/v1/budgets", child("inv-alloc", "inventory", "400ms"));
    expect(r.status).toBe(422);
    const msg = JSON.stringify(r.body.error.details.problems);
    expect(msg).toContain("checkout-p99");
    expect(msg).toContain("pay-alloc");
    expect(msg).toContain("inv-alloc");
  });

  it("replaces with PUT and deletes with DELETE", async () => {
    const put = await call("PUT", "/api/v1/budgets/cart-p95", { ...cartBudget, threshold: "250ms" });
    expect(put.status).toBe(200);
    expect(put.body.threshold).toBe("250ms");
    expect((await call("DELETE", "/api/v1/budgets/pay-alloc")).status).toBe(204);
    expect((await call("DELETE", "/api/v1/budgets/pay-alloc")).status).toBe(404);
  });

  it("refuses to change a file-owned budget with 409", async () => {
    const r = await call("PUT", "/api/v1/budgets/checkout-p99", { type: "latency.total", service: "frontend", quantile: 0.99, threshold: "1s" });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain(budgetsFile);
  });

  it("requires a token (401), and the admin role to change budgets (403)", async () => {
    expect((await call("GET", "/api/v1/budgets", undefined, null)).status).toBe(401);
    expect((await call("GET", "/api/v1/budgets", undefined, "wrong")).status).toBe(401);
    expect((await call("GET", "/api/v1/budgets", undefined, READER)).status).toBe(200);
    const r = await call("POST", "/api/v1/budgets", { ...cartBudget, id: "by-reader" }, READER);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("permission_denied");
    expect((await call("GET", "/healthz", undefined, null)).status).toBe(200);
  });

  it("keeps API budgets across a restart", async () => {
    expect(await engine.stop()).toBe(0);
    engine = await start();
    const ids = (await call("GET", "/api/v1/budgets")).body.budgets.map((b: { id: string }) => b.id);
    expect(ids).toEqual(["cart-p95", "checkout-p99"]);
    expect((await call("GET", "/api/v1/budgets/cart-p95")).body.threshold).toBe("250ms");
  });
});
