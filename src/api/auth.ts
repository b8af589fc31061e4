import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { PbeError } from "../errors/index.js";
import type { Role } from "./http.js";

export interface ApiToken {
  token: string;
  role: Role;
}

/**
 * Bearer-token authorisation for `/api/*` and `/mcp`. With no tokens configured the API is open.
 * Tokens are compared in constant time (SHA-256 digests of equal length through
 * `timingSafeEqual`), and every configured token is compared, so timing says nothing about which
 * one nearly matched. `admin` may do everything, `read` only reads.
 */
export class Authorizer {
  private readonly digests: { digest: Buffer; role: Role }[];

  constructor(tokens: ApiToken[]) {
    this.digests = tokens.filter((t) => t.token.length > 0).map((t) => ({ digest: sha256(t.token), role: t.role }));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Throws 401 without a valid token and 403 when the token's role is not enough. */
  check(req: IncomingMessage, need: Role | "public"): Role | undefined {
    if (need === "public" || !this.enabled) return undefined;
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m) throw new PbeError("unauthenticated", "missing bearer token: send 'Authorization: Bearer <token>'");
    const role = this.roleOf(m[1].trim());
    if (role === undefined) throw new PbeError("unauthenticated", "invalid bearer token");
    if (need === "admin" && role !== "admin") throw new PbeError("permission_denied", "this operation needs a token with the admin role");
    return role;
  }

  roleOf(token: string): Role | undefined {
    const d = sha256(token);
    let found: Role | undefined;
    for (const t of this.digests) {
      if (timingSafeEqual(d, t.digest) && found !== "admin") found = t.role;
    }
    return found;
  }
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}
