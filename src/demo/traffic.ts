/**
 * The simulated shop's requests as span trees with computed timings (pure: no SDK, no clock).
 *
 *   frontend ──> cart ──> postgresql
 *       │
 *       ├──> inventory ──> postgresql                 (browse)
 *       └──> checkout ──> cart, inventory ──> postgresql
 *                   └───> payment ──> stripe-api (external), postgresql
 *
 * Every call between services is a CLIENT span in the caller around a SERVER span in the callee,
 * a little later and shorter (the wire, and in the incident a wait for a pooled connection).
 * PostgreSQL queries and the payment provider are CLIENT spans without children: the engine
 * names them as virtual components (`db.system`, `peer.service`). Times are ms offsets from the
 * root's start; the shop places each trace so that it ends just before "now".
 *
 * Each unit of own processing is also CPU time of its service (most of it: a request also waits
 * on locks and I/O), so the process metrics follow the traffic, and an N+1 pattern, which
 * hydrates one row at a time, shows up as the cart's CPU.
 */
import type { Rng } from "../random/index.js";
import type { Conditions } from "./timeline.js";

export const SHOP_SERVICES = ["frontend", "cart", "checkout", "payment", "inventory"] as const;
export type ShopService = (typeof SHOP_SERVICES)[number];

export type Kind = "server" | "client" | "internal";
export type AttributeValue = string | number | boolean;

export interface PlannedSpan {
  service: ShopService;
  name: string;
  kind: Kind;
  attributes: Record<string, AttributeValue>;
  startMs: number;
  endMs: number;
  children: PlannedSpan[];
}

export const JOURNEYS = [
  { id: "browse", method: "GET", route: "/api/products", weight: 0.55 },
  { id: "add-to-cart", method: "POST", route: "/api/cart/items", weight: 0.28 },
  { id: "checkout", method: "POST", route: "/api/checkout", weight: 0.17 },
] as const;
export type JourneyId = (typeof JOURNEYS)[number]["id"];

/** Share of own processing time that is CPU time. */
const CPU_SHARE = 0.8;
/** CPU ms an instrumented client or server span costs its service (serialisation, the SDK). */
const CALL_CPU_MS = 0.15;
/** The external payment API's median latency when healthy, ms. */
export const STRIPE_MEDIAN_MS = 110;

const PORTS: Record<ShopService, number> = { frontend: 8080, cart: 7070, checkout: 5050, payment: 50051, inventory: 9090 };

/** Receives the CPU ms each service spends. */
export type CpuSink = (service: ShopService, cpuMs: number) => void;

/** Builds one request's span tree under the given conditions. */
export class TracePlanner {
  constructor(
    private readonly rng: Rng,
    private readonly cpu: CpuSink,
  ) {}

  plan(journey: JourneyId, c: Conditions): PlannedSpan {
    const j = JOURNEYS.find((x) => x.id === journey)!;
    switch (journey) {
      case "browse":
        return this.root(j.method, j.route, (root, t) => {
          t = this.work(root, t, 2);
          t = this.http(root, "inventory", "GET", "/products", t, 0, (inv, u) => {
            u = this.work(inv, u, 0.8);
            u = this.sql(inv, u, "SELECT", "products", "SELECT id, name, price, stock FROM products WHERE category = $1 ORDER BY rank LIMIT 24", 2.5);
            return this.work(inv, u, 1.2);
          });
          return this.work(root, t, 5);
        });
      case "add-to-cart":
        return this.root(j.method, j.route, (root, t) => {
          t = this.work(root, t, 1.5);
          t = this.http(root, "cart", "POST", "/cart/items", t, 0, (cart, u) => {
            u = this.work(cart, u, 1);
            u = this.sql(cart, u, "SELECT", "carts", "SELECT id, updated_at FROM carts WHERE session_id = $1", 1);
            u = this.loadCartItems(cart, u, c);
            u = this.sql(cart, u, "INSERT", "cart_items", "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)", 1.5);
            return this.work(cart, u, 1);
          });
          return this.work(root, t, 2);
        });
      case "checkout":
        return this.root(j.method, j.route, (root, t) => {
          t = this.work(root, t, 3);
          t = this.http(root, "checkout", "POST", "/checkout", t, 0, (co, u) => {
            u = this.work(co, u, 2);
            u = this.http(co, "cart", "GET", "/cart", u, 0, (cart, v) => {
              v = this.work(cart, v, 0.8);
              v = this.loadCartItems(cart, v, c);
              return this.work(cart, v, 0.8);
            });
            u = this.http(co, "inventory", "POST", "/inventory/reserve", u, 0, (inv, v) => {
              v = this.work(inv, v, 1);
              v = this.sql(inv, v, "UPDATE", "stock", "UPDATE stock SET reserved = reserved + $2 WHERE product_id = ANY($1) AND available >= $2", 3);
              return this.work(inv, v, 0.5);
            });
            const queueMs = c.paymentQueueMs > 0 ? this.rng.latencyMs(c.paymentQueueMs, 0.5) : 0;
            u = this.http(co, "payment", "POST", "/payments", u, queueMs, (pay, v) => {
              v = this.work(pay, v, 4);
              v = this.external(pay, v, "stripe-api", "api.stripe.com", "POST", "/v1/payment_intents", STRIPE_MEDIAN_MS * c.stripeFactor);
              v = this.sql(pay, v, "INSERT", "payments", "INSERT INTO payments (order_id, intent_id, amount, currency) VALUES ($1, $2, $3, $4)", 1.8);
              return this.work(pay, v, 1.5);
            });
            u = this.sql(co, u, "INSERT", "orders", "INSERT INTO orders (id, customer_id, total, status) VALUES ($1, $2, $3, 'paid')", 2.2);
            return this.work(co, u, 2);
          });
          return this.work(root, t, 3);
        });
    }
  }

  /** The cart's items: one join when healthy; during the N+1 incident one query (and one hydration) per item. */
  private loadCartItems(cart: PlannedSpan, t: number, c: Conditions): number {
    if (!c.nPlusOne) {
      return this.sql(cart, t, "SELECT", "cart_items", "SELECT i.product_id, i.quantity, p.name, p.price FROM cart_items i JOIN products p ON p.id = i.product_id WHERE i.cart_id = $1", 2.5);
    }
    const items = this.rng.int(10, 20);
    for (let i = 0; i < items; i++) {
      t = this.sql(cart, t, "SELECT", "products", "SELECT id, name, price, stock FROM products WHERE id = $1", 0.9);
      t = this.work(cart, t, 3);
    }
    return t;
  }

  private root(method: string, route: string, body: (root: PlannedSpan, t: number) => number): PlannedSpan {
    const root = this.span("frontend", `${method} ${route}`, "server", 0, this.serverAttributes("frontend", method, route));
    this.cpu("frontend", CALL_CPU_MS);
    root.endMs = body(root, 0);
    return root;
  }

  private span(service: ShopService, name: string, kind: Kind, startMs: number, attributes: Record<string, AttributeValue>): PlannedSpan {
    return { service, name, kind, attributes, startMs, endMs: startMs, children: [] };
  }

  /** Own processing of `span`'s service from `t`: returns when it ends. */
  private work(span: PlannedSpan, t: number, medianMs: number): number {
    const ms = this.rng.latencyMs(medianMs, 0.35);
    this.cpu(span.service, ms * CPU_SHARE);
    return t + ms;
  }

  /** A call to another service: CLIENT span in the caller, SERVER span in the callee. Returns the client span's end. */
  private http(
    parent: PlannedSpan,
    callee: ShopService,
    method: string,
    route: string,
    t: number,
    queueMs: number,
    body: (server: PlannedSpan, t: number) => number,
  ): number {
    const client = this.span(parent.service, `${method} ${route}`, "client", t, {
      "http.request.method": method,
      "server.address": callee,
      "server.port": PORTS[callee],
      "url.full": `http://${callee}:${PORTS[callee]}${route}`,
    });
    parent.children.push(client);
    this.cpu(parent.service, CALL_CPU_MS);
    const serverStart = t + queueMs + this.rng.latencyMs(0.5, 0.4);
    const server = this.span(callee, `${method} ${route}`, "server", serverStart, this.serverAttributes(callee, method, route));
    client.children.push(server);
    this.cpu(callee, CALL_CPU_MS);
    server.endMs = body(server, serverStart);
    client.endMs = server.endMs + this.rng.latencyMs(0.4, 0.4);
    client.attributes["http.response.status_code"] = 200;
    return client.endMs;
  }

  private serverAttributes(service: ShopService, method: string, route: string): Record<string, AttributeValue> {
    return {
      "http.request.method": method,
      "http.route": route,
      "url.path": route,
      "url.scheme": "http",
      "server.address": service === "frontend" ? "shop.example.com" : service,
      "server.port": PORTS[service],
      "http.response.status_code": 200,
    };
  }

  /** A PostgreSQL query: a CLIENT span without children (the virtual component `postgresql`). */
  private sql(parent: PlannedSpan, t: number, operation: string, table: string, statement: string, medianMs: number): number {
    const q = this.span(parent.service, `${operation} shop.${table}`, "client", t, {
      "db.system": "postgresql",
      "db.name": "shop",
      "db.operation": operation,
      "db.sql.table": table,
      "db.statement": statement,
      "server.address": "postgres.shop.svc",
      "server.port": 5432,
    });
    q.endMs = t + this.rng.latencyMs(medianMs, 0.45);
    parent.children.push(q);
    this.cpu(parent.service, CALL_CPU_MS);
    return q.endMs;
  }

  /** A third-party API: a CLIENT span without children, named by `peer.service`. */
  private external(parent: PlannedSpan, t: number, peer: string, host: string, method: string, path: string, medianMs: number): number {
    const call = this.span(parent.service, `${method} ${path}`, "client", t, {
      "peer.service": peer,
      "http.request.method": method,
      "server.address": host,
      "server.port": 443,
      "url.full": `https://${host}${path}`,
      "http.response.status_code": 200,
    });
    call.endMs = t + this.rng.latencyMs(medianMs, 0.35);
    parent.children.push(call);
    this.cpu(parent.service, CALL_CPU_MS);
    return call.endMs;
  }
}

/** Spans in a tree. */
export function countSpans(span: PlannedSpan): number {
  let n = 1;
  for (const c of span.children) n += countSpans(c);
  return n;
}
