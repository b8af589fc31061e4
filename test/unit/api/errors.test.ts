// Error answers of the API server: JSON in the contract's shape, status by code, and 503 with
// Retry-After for a store that is busy or full (retryable), 500 when it is broken.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Router, createApiServer } from "../../../src/api/index.js";
import { NotFoundError } from "../../../src/errors/index.js";
import { silentLogger } from "../../../src/log/index.js";
import { StoreError } from "../../../src/store/index.js";

const router = new Router().add(
  { method: "GET", path: "/api/v1/busy", handle: () => { throw new StoreError("database is locked", true); } },
  { method: "GET", path: "/api/v1/broken", handle: () => { throw new StoreError("malformed database", false); } },
  { method: "GET", path: "/api/v1/missing", handle: () => { throw new NotFoundError("no such thing"); } },
);
const server = createApiServer({ router, logger: silentLogger(), tokens: [], maxBodyBytes: 1024 });
let base = "";
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("API errors", () => {
  it("answers 503 with Retry-After when the store is busy or full", async () => {
    const res = await fetch(`${base}/api/v1/busy`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ error: { code: "store_failed", message: "database is locked" } });
  });

  it("answers 500 when the store fails for good", async () => {
    expect((await fetch(`${base}/api/v1/broken`)).status).toBe(500);
  });

  it("maps codes to statuses, and unknown paths and methods to 404 and 405", async () => {
    expect((await fetch(`${base}/api/v1/missing`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/nothing-here`)).status).toBe(404);
    const wrong = await fetch(`${base}/api/v1/missing`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});
