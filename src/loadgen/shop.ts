/**
 * The simulated shop whose traces the load generator sends: 13 services (five languages, two
 * pods each) behind a frontend, with PostgreSQL, Redis, Elasticsearch, Kafka and two third-party
 * APIs as virtual components, and eight journeys in realistic proportions. A trace is built as
 * the instrumentation would record it:
 *
 * - every call between services is a CLIENT span in the caller with a SERVER span in the callee,
 *   a little later and shorter (the wire and queueing in between);
 * - database, cache and search calls are CLIENT spans without a child (`db.system`/`db.system.name`
 *   and a parameterised statement), including N+1 patterns (one query per order item);
 * - Kafka publishes are PRODUCER spans whose CONSUMER runs later in another service
 *   (asynchronous: not on the producer's critical path);
 * - application work is INTERNAL spans;
 * - ~8 attributes per span, in the semantic-convention names of the service's SDK generation
 *   (older `db.statement`/`db.system` beside newer `db.query.text`/`db.system.name`);
 * - 5–40 spans per trace.
 *
 * Times are nanosecond offsets from the trace's start; the pool places traces in time.
 */
import { Rng } from "./rand.js";

export const SpanKindValue = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

export type AttrValue = string | number | boolean;
export type Attr = readonly [key: string, value: AttrValue];

type Language = "nodejs" | "go" | "java" | "python" | "dotnet";

export interface ServiceDef {
  name: string;
  version: string;
  language: Language;
  port: number;
}

export const SERVICES: readonly ServiceDef[] = [
  { name: "frontend", version: "2.14.1", language: "nodejs", port: 8080 },
  { name: "product-catalog", version: "1.8.0", language: "go", port: 8080 },
  { name: "search", version: "3.2.4", language: "java", port: 8080 },
  { name: "cart", version: "1.5.2", language: "dotnet", port: 8080 },
  { name: "checkout", version: "2.0.7", language: "go", port: 8080 },
  { name: "payment", version: "1.11.0", language: "nodejs", port: 8080 },
  { name: "user", version: "4.1.0", language: "python", port: 8000 },
  { name: "inventory", version: "1.3.9", language: "java", port: 8080 },
  { name: "recommendation", version: "0.9.3", language: "python", port: 8000 },
  { name: "order", version: "2.6.1", language: "java", port: 8080 },
  { name: "shipping", version: "1.0.4", language: "go", port: 8080 },
  { name: "notification", version: "1.2.0", language: "nodejs", port: 8080 },
  { name: "order-worker", version: "2.6.1", language: "nodejs", port: 8080 },
];

/** Pods per service: each exports its own batches under its own resource. */
export const INSTANCES_PER_SERVICE = 2;

const SVC = Object.fromEntries(SERVICES.map((s, i) => [s.name, i])) as Record<string, number>;

export const ScopeCategory = { HTTP: 0, DB: 1, MESSAGING: 2, APP: 3 } as const;
type ScopeCategoryValue = (typeof ScopeCategory)[keyof typeof ScopeCategory];

/** Instrumentation scope (name, version) per language and category. */
const SCOPES: Record<Language, readonly (readonly [string, string])[]> = {
  nodejs: [["@opentelemetry/instrumentation-http", "0.57.2"], ["@opentelemetry/instrumentation-pg", "0.51.0"], ["@opentelemetry/instrumentation-kafkajs", "0.7.1"], ["shop-app", "1.0.0"]],
  go: [["go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.59.0"], ["github.com/XSAM/otelsql", "0.37.0"], ["github.com/IBM/sarama/otelsarama", "0.31.0"], ["shop-app", "1.0.0"]],
  java: [["io.opentelemetry.tomcat-10.0", "2.12.0-alpha"], ["io.opentelemetry.jdbc", "2.12.0-alpha"], ["io.opentelemetry.kafka-clients-2.6", "2.12.0-alpha"], ["shop-app", "1.0.0"]],
  python: [["opentelemetry.instrumentation.fastapi", "0.50b0"], ["opentelemetry.instrumentation.psycopg2", "0.50b0"], ["opentelemetry.instrumentation.kafka", "0.50b0"], ["shop-app", "1.0.0"]],
  dotnet: [["OpenTelemetry.Instrumentation.AspNetCore", "1.10.1"], ["OpenTelemetry.Instrumentation.StackExchangeRedis", "1.10.0-beta.1"], ["OpenTelemetry.Instrumentation.Kafka", "1.0.0"], ["shop-app", "1.0.0"]],
};

export function scopeOf(service: number, category: number): readonly [string, string] {
  return SCOPES[SERVICES[service]!.language][category]!;
}

/** Languages whose instrumentation already emits the newer database conventions. */
const NEW_DB_SEMCONV: ReadonlySet<Language> = new Set(["java", "python"]);

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "shop-ios/5.3.0 (iPhone15,2; iOS 18.1)",
  "okhttp/4.12.0",
];

/** Resource attributes of one pod of a service. */
export function resourceAttributes(service: number, instance: number): Attr[] {
  const s = SERVICES[service]!;
  const rng = new Rng(0x5eed0000 + service * 31 + instance);
  const pod = `${s.name}-${rng.hex(10)}-${rng.hex(5)}`;
  const runtime: Record<Language, [string, string]> = {
    nodejs: ["nodejs", "20.18.1"],
    go: ["go", "go1.23.4"],
    java: ["OpenJDK Runtime Environment", "21.0.5+11-LTS"],
    python: ["cpython", "3.12.8"],
    dotnet: [".NET", "8.0.11"],
  };
  return [
    ["service.name", s.name],
    ["service.version", s.version],
    ["service.namespace", "shop"],
    ["service.instance.id", `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`],
    ["deployment.environment.name", "production"],
    ["host.name", pod],
    ["k8s.cluster.name", "prod-eu-west-1"],
    ["k8s.namespace.name", "shop"],
    ["k8s.deployment.name", s.name],
    ["k8s.pod.name", pod],
    ["k8s.node.name", `ip-10-0-${rng.int(1, 3)}-${rng.int(10, 250)}.eu-west-1.compute.internal`],
    ["telemetry.sdk.name", "opentelemetry"],
    ["telemetry.sdk.language", s.language === "nodejs" ? "nodejs" : s.language],
    ["telemetry.sdk.version", s.language === "nodejs" ? "1.30.1" : s.language === "go" ? "1.34.0" : "1.45.0"],
    ["process.runtime.name", runtime[s.language][0]],
    ["process.runtime.version", runtime[s.language][1]],
  ];
}

export interface SpanTemplate {
  parent: number;
  service: number;
  instance: number;
  scope: ScopeCategoryValue;
  name: string;
  kind: number;
  startNs: number;
  endNs: number;
  attrs: Attr[];
  error: boolean;
  /** 8 random bytes, the last with its high bit set (see pool.ts: ids stay non-zero under XOR). */
  spanId: Uint8Array;
}

export interface TraceTemplate {
  journey: string;
  spans: SpanTemplate[];
}

export const MIN_SPANS = 5;
export const MAX_SPANS = 40;

/** Builds the spans of one trace; `t` cursors are ns offsets from the trace's start. */
class TraceBuilder {
  readonly spans: SpanTemplate[] = [];
  private readonly instance: number[];
  private readonly ids = new Set<string>();

  constructor(readonly rng: Rng) {
    this.instance = SERVICES.map(() => rng.int(0, INSTANCES_PER_SERVICE - 1));
  }

  add(parent: number, service: number, scope: ScopeCategoryValue, kind: number, name: string, startNs: number, endNs: number, attrs: Attr[], error = false): number {
    let spanId: Uint8Array;
    do {
      spanId = new Uint8Array(8);
      for (let i = 0; i < 8; i++) spanId[i] = this.rng.int(0, 255);
      spanId[7] |= 0x80;
    } while (this.ids.has(spanId.join(",")));
    this.ids.add(spanId.join(","));
    this.spans.push({ parent, service, instance: this.instance[service]!, scope, name, kind, startNs, endNs, attrs, error, spanId });
    return this.spans.length - 1;
  }

  /** Own processing time of a span between its children. */
  own(medianMs: number): number {
    return this.rng.durationNs(medianMs, 0.6);
  }

  /**
   * A synchronous HTTP call: CLIENT in `from`, SERVER in `to`; `body` lays out the server's
   * children from the server's start and returns the server's end. Returns the client's end.
   */
  http(parent: number, from: number, to: number, method: string, route: string, path: string, at: number, body: (server: number, t: number) => number, status = 200): number {
    const callee = SERVICES[to]!;
    const client = this.add(parent, from, ScopeCategory.HTTP, SpanKindValue.CLIENT, method, at, at, [
      ["http.request.method", method],
      ["url.full", `http://${callee.name}:${callee.port}${path}`],
      ["server.address", callee.name],
      ["server.port", callee.port],
      ["peer.service", callee.name],
      ["http.response.status_code", status],
      ["network.protocol.version", "1.1"],
      ["network.peer.address", `10.0.${this.rng.int(0, 3)}.${this.rng.int(2, 254)}`],
    ], status >= 500);
    const serverStart = at + this.rng.durationNs(0.4, 0.5);
    const server = this.add(client, to, ScopeCategory.HTTP, SpanKindValue.SERVER, `${method} ${route}`, serverStart, serverStart,
      this.serverAttrs(method, route, path, callee.name, callee.port, status), status >= 500);
    const serverEnd = body(server, serverStart + this.own(0.15));
    const end = serverEnd + this.own(0.1);
    this.spans[server]!.endNs = end;
    const clientEnd = end + this.rng.durationNs(0.3, 0.5);
    this.spans[client]!.endNs = clientEnd;
    return clientEnd;
  }

  serverAttrs(method: string, route: string, path: string, host: string, port: number, status: number): Attr[] {
    return [
      ["http.request.method", method],
      ["http.route", route],
      ["url.path", path],
      ["server.address", host],
      ["server.port", port],
      ["http.response.status_code", status],
      ["user_agent.original", this.rng.pick(USER_AGENTS)],
      ["client.address", `${this.rng.int(1, 223)}.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`],
    ];
  }

  /** A SQL query on PostgreSQL from `service` (a leaf CLIENT span). */
  sql(parent: number, service: number, op: string, table: string, statement: string, at: number, medianMs = 0.8): number {
    const end = at + this.rng.durationNs(medianMs, 0.6);
    const fresh = NEW_DB_SEMCONV.has(SERVICES[service]!.language);
    const db = `${SERVICES[service]!.name.replace("-", "_")}_db`;
    this.add(parent, service, ScopeCategory.DB, SpanKindValue.CLIENT, `${op} ${db}.${table}`, at, end, fresh
      ? [
          ["db.system.name", "postgresql"],
          ["db.query.text", statement],
          ["db.namespace", db],
          ["db.operation.name", op],
          ["db.collection.name", table],
          ["server.address", `${db.replace("_", "-")}.postgres.internal`],
          ["server.port", 5432],
          ["network.peer.address", `10.0.8.${this.rng.int(10, 20)}`],
        ]
      : [
          ["db.system", "postgresql"],
          ["db.statement", statement],
          ["db.name", db],
          ["db.operation", op],
          ["db.sql.table", table],
          ["db.user", "app"],
          ["server.address", `${db.replace("_", "-")}.postgres.internal`],
          ["server.port", 5432],
        ]);
    return end;
  }

  /** A Redis command (statement with the key's value sanitised, as the instrumentations do). */
  redis(parent: number, service: number, command: string, keyPattern: string, at: number): number {
    const end = at + this.rng.durationNs(0.25, 0.5);
    this.add(parent, service, ScopeCategory.DB, SpanKindValue.CLIENT, command, at, end, [
      ["db.system", "redis"],
      ["db.statement", `${command} ${keyPattern}`],
      ["db.operation", command],
      ["db.redis.database_index", 0],
      ["server.address", "redis-master.shop.svc.cluster.local"],
      ["server.port", 6379],
      ["network.peer.address", "10.0.9.4"],
      ["network.transport", "tcp"],
    ]);
    return end;
  }

  /** A call to a third-party HTTP API (a leaf CLIENT span named by `peer.service`). */
  external(parent: number, service: number, peer: string, method: string, url: string, at: number, medianMs: number, status = 200): number {
    const end = at + this.rng.durationNs(medianMs, 0.5);
    const u = new URL(url);
    this.add(parent, service, ScopeCategory.HTTP, SpanKindValue.CLIENT, method, at, end, [
      ["http.request.method", method],
      ["url.full", url],
      ["server.address", u.hostname],
      ["server.port", 443],
      ["peer.service", peer],
      ["http.response.status_code", status],
      ["network.protocol.version", "2"],
      ["tls.protocol.version", "1.3"],
    ], status >= 500);
    return end;
  }

  internal(parent: number, service: number, fn: string, at: number, medianMs: number, extra: Attr[] = []): number {
    const end = at + this.rng.durationNs(medianMs, 0.5);
    const [ns, name] = fn.includes(".") ? [fn.slice(0, fn.lastIndexOf(".")), fn.slice(fn.lastIndexOf(".") + 1)] : ["app", fn];
    this.add(parent, service, ScopeCategory.APP, SpanKindValue.INTERNAL, fn, at, end, [
      ["code.function", name],
      ["code.namespace", ns],
      ["code.filepath", `src/${ns.replace(/\./g, "/")}.ts`],
      ["code.lineno", this.rng.int(20, 400)],
      ["thread.id", this.rng.int(1, 16)],
      ...extra,
    ].slice(0, 8) as Attr[]);
    return end;
  }

  /** A Kafka publish (PRODUCER) and its CONSUMER in `consumer`, which runs after a queue delay. */
  kafka(parent: number, producer: number, consumer: number, topic: string, key: string, at: number, consume: (span: number, t: number) => number): number {
    const messageId = `${this.rng.hex(8)}-${this.rng.hex(4)}-${this.rng.hex(4)}`;
    const end = at + this.rng.durationNs(0.6, 0.4);
    const p = this.add(parent, producer, ScopeCategory.MESSAGING, SpanKindValue.PRODUCER, `send ${topic}`, at, end, [
      ["messaging.system", "kafka"],
      ["messaging.destination.name", topic],
      ["messaging.operation.type", "send"],
      ["messaging.kafka.message.key", key],
      ["messaging.message.id", messageId],
      ["messaging.client.id", `${SERVICES[producer]!.name}-producer`],
      ["server.address", "kafka-0.kafka-headless.shop.svc.cluster.local"],
      ["server.port", 9092],
    ]);
    const start = end + this.rng.durationNs(8, 0.8);
    const c = this.add(p, consumer, ScopeCategory.MESSAGING, SpanKindValue.CONSUMER, `process ${topic}`, start, start, [
      ["messaging.system", "kafka"],
      ["messaging.destination.name", topic],
      ["messaging.operation.type", "process"],
      ["messaging.consumer.group.name", `${SERVICES[consumer]!.name}-group`],
      ["messaging.destination.partition.id", String(this.rng.int(0, 11))],
      ["messaging.kafka.offset", this.rng.int(1_000_000, 9_000_000)],
      ["messaging.message.id", messageId],
      ["messaging.client.id", `${SERVICES[consumer]!.name}-consumer`],
    ]);
    this.spans[c]!.endNs = consume(c, start + this.own(0.1)) + this.own(0.05);
    return end;
  }

  /** The journey's root: a SERVER span of `service`, ended after `body`. */
  root(service: number, method: string, route: string, path: string, body: (root: number, t: number) => number, status = 200): void {
    const svc = SERVICES[service]!;
    const r = this.add(-1, service, ScopeCategory.HTTP, SpanKindValue.SERVER, `${method} ${route}`, 0, 0,
      this.serverAttrs(method, route, path, service === SVC.frontend ? "shop.example.com" : `${svc.name}.shop.example.com`, 443, status), status >= 500);
    this.spans[r]!.endNs = body(r, this.own(0.2)) + this.own(0.15);
  }
}

/** One place per journey. Each returns nothing: the builder holds the spans. */
type Journey = (b: TraceBuilder) => void;

const productId = (b: TraceBuilder) => b.rng.int(1000, 99999);

const JOURNEYS: readonly (readonly [name: string, weight: number, build: Journey])[] = [
  ["browse", 26, (b) => {
    const id = productId(b);
    b.root(SVC.frontend, "GET", "/api/products/{id}", `/api/products/${id}`, (root, t) => {
      t = b.http(root, SVC.frontend, SVC["product-catalog"], "GET", "/products/{id}", `/products/${id}`, t, (s, u) => {
        u = b.redis(s, SVC["product-catalog"], "GET", "product:?", u) + b.own(0.05);
        if (b.rng.chance(0.3)) u = b.sql(s, SVC["product-catalog"], "SELECT", "products", "SELECT id, name, description, price_cents, currency FROM products WHERE id = $1", u) + b.own(0.05);
        return b.sql(s, SVC["product-catalog"], "SELECT", "reviews", "SELECT rating, body, author FROM reviews WHERE product_id = $1 ORDER BY created_at DESC LIMIT 10", u, 1.2);
      }) + b.own(0.1);
      // Recommendations and stock are fetched in parallel.
      const recEnd = b.http(root, SVC.frontend, SVC.recommendation, "GET", "/recommendations", `/recommendations?product=${id}`, t, (s, u) => {
        u = b.redis(s, SVC.recommendation, "GET", "recs:product:?", u) + b.own(0.05);
        return b.internal(s, SVC.recommendation, "recommender.score_candidates", u, 6, [["app.candidates", b.rng.int(20, 200)]]);
      });
      const stockEnd = b.http(root, SVC.frontend, SVC.inventory, "GET", "/stock/{sku}", `/stock/SKU-${id}`, t + b.own(0.05), (s, u) =>
        b.sql(s, SVC.inventory, "SELECT", "stock", "SELECT warehouse_id, quantity FROM stock WHERE sku = ?", u, 0.6));
      return b.internal(root, SVC.frontend, "views.renderProductPage", Math.max(recEnd, stockEnd) + b.own(0.05), 2.5, [["app.template", "product"]]);
    });
  }],
  ["search", 18, (b) => {
    const terms = b.rng.pick(["running shoes", "coffee grinder", "usb-c cable", "rain jacket", "yoga mat", "headphones"]);
    const nPlusOne = b.rng.chance(0.25);
    b.root(SVC.frontend, "GET", "/api/search", `/api/search?q=${encodeURIComponent(terms)}`, (root, t) =>
      b.http(root, SVC.frontend, SVC.search, "GET", "/search", `/search?q=${encodeURIComponent(terms)}&page=1`, t, (s, u) => {
        u = b.internal(s, SVC.search, "search.QueryParser.parse", u, 0.4, [["app.search.terms", terms.split(" ").length]]) + b.own(0.05);
        const es = b.rng.durationNs(9, 0.6);
        b.add(s, SVC.search, ScopeCategory.DB, SpanKindValue.CLIENT, "search products", u, u + es, [
          ["db.system.name", "elasticsearch"],
          ["db.query.text", '{"query":{"multi_match":{"query":"?","fields":["name^3","description"]}},"size":20}'],
          ["db.operation.name", "search"],
          ["db.collection.name", "products"],
          ["http.request.method", "POST"],
          ["url.full", "http://elasticsearch:9200/products/_search"],
          ["server.address", "elasticsearch"],
          ["server.port", 9200],
        ]);
        u += es + b.own(0.1);
        return b.http(s, SVC.search, SVC["product-catalog"], "POST", "/products/batch", "/products/batch", u, (c, v) => {
          if (!nPlusOne) return b.sql(c, SVC["product-catalog"], "SELECT", "products", "SELECT id, name, price_cents, image_url FROM products WHERE id = ANY($1)", v, 1.5);
          // The N+1 variant: one query per hit (an ORM's lazy loading).
          const hits = b.rng.int(3, 12);
          for (let i = 0; i < hits; i++) v = b.sql(c, SVC["product-catalog"], "SELECT", "products", "SELECT id, name, price_cents, image_url FROM products WHERE id = $1", v, 0.5) + b.own(0.03);
          return v;
        });
      }));
  }],
  ["view-cart", 12, (b) => {
    b.root(SVC.frontend, "GET", "/api/cart", "/api/cart", (root, t) => {
      t = b.http(root, SVC.frontend, SVC.cart, "GET", "/cart", "/cart", t, (s, u) => b.redis(s, SVC.cart, "HGETALL", "cart:?", u)) + b.own(0.1);
      t = b.http(root, SVC.frontend, SVC.shipping, "POST", "/quotes", "/quotes", t, (s, u) => {
        u = b.redis(s, SVC.shipping, "GET", "rates:zone:?", u) + b.own(0.05);
        return b.internal(s, SVC.shipping, "quote.Calculator.Compute", u, 1.5, [["app.shipping.zone", b.rng.pick(["eu", "uk", "us", "ch"])]]);
      }) + b.own(0.1);
      return b.internal(root, SVC.frontend, "views.renderCart", t, 1.8, [["app.template", "cart"]]);
    });
  }],
  ["cart-add", 14, (b) => {
    const id = productId(b);
    b.root(SVC.frontend, "POST", "/api/cart/items", "/api/cart/items", (root, t) =>
      b.http(root, SVC.frontend, SVC.cart, "POST", "/cart/items", "/cart/items", t, (s, u) => {
        u = b.redis(s, SVC.cart, "HGETALL", "cart:?", u) + b.own(0.05);
        u = b.http(s, SVC.cart, SVC["product-catalog"], "GET", "/products/{id}", `/products/${id}`, u, (c, v) => b.redis(c, SVC["product-catalog"], "GET", "product:?", v)) + b.own(0.05);
        u = b.http(s, SVC.cart, SVC.inventory, "GET", "/stock/{sku}", `/stock/SKU-${id}`, u, (c, v) =>
          b.sql(c, SVC.inventory, "SELECT", "stock", "SELECT warehouse_id, quantity FROM stock WHERE sku = ?", v, 0.6)) + b.own(0.05);
        return b.redis(s, SVC.cart, "HSET", "cart:? item:?", u);
      }, 201));
  }],
  ["login", 8, (b) => {
    const failed = b.rng.chance(0.04);
    b.root(SVC.frontend, "POST", "/api/login", "/api/login", (root, t) =>
      b.http(root, SVC.frontend, SVC.user, "POST", "/sessions", "/sessions", t, (s, u) => {
        u = b.sql(s, SVC.user, "SELECT", "users", "SELECT id, password_hash, locked_until FROM users WHERE email = %s", u, 0.7) + b.own(0.05);
        u = b.internal(s, SVC.user, "auth.passwords.verify", u, 45, [["app.hash.algorithm", "bcrypt"], ["app.hash.cost", 12]]) + b.own(0.05);
        u = b.sql(s, SVC.user, "INSERT", "login_audit", "INSERT INTO login_audit (user_id, ok, ip, at) VALUES (%s, %s, %s, now())", u, 0.9) + b.own(0.05);
        return failed ? u : b.redis(s, SVC.user, "SET", "session:? EX 3600", u);
      }, failed ? 401 : 201), failed ? 401 : 303);
  }],
  ["checkout", 9, (b) => {
    const items = b.rng.int(1, 6);
    const orderId = b.rng.int(100000, 999999);
    const declined = b.rng.chance(0.02);
    b.root(SVC.frontend, "POST", "/api/checkout", "/api/checkout", (root, t) =>
      b.http(root, SVC.frontend, SVC.checkout, "POST", "/checkouts", "/checkouts", t, (s, u) => {
        u = b.http(s, SVC.checkout, SVC.cart, "GET", "/cart", "/cart", u, (c, v) => b.redis(c, SVC.cart, "HGETALL", "cart:?", v)) + b.own(0.1);
        // N+1: the price of every item, one query each.
        for (let i = 0; i < items; i++) u = b.sql(s, SVC.checkout, "SELECT", "products", "SELECT price_cents, currency, tax_class FROM products WHERE id = $1", u, 0.5) + b.own(0.03);
        u = b.http(s, SVC.checkout, SVC.shipping, "POST", "/quotes", "/quotes", u, (c, v) =>
          b.internal(c, SVC.shipping, "quote.Calculator.Compute", v, 1.5, [["app.shipping.zone", "eu"]])) + b.own(0.05);
        u = b.http(s, SVC.checkout, SVC.inventory, "POST", "/reservations", "/reservations", u, (c, v) =>
          b.sql(c, SVC.inventory, "UPDATE", "stock", "UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND quantity - reserved >= ?", v, 1.4), 201) + b.own(0.05);
        u = b.http(s, SVC.checkout, SVC.payment, "POST", "/payments", "/payments", u, (c, v) => {
          v = b.internal(c, SVC.payment, "fraud.RiskScorer.score", v, 3, [["app.risk.score", b.rng.int(1, 99)]]) + b.own(0.05);
          v = b.external(c, SVC.payment, "stripe-api", "POST", "https://api.stripe.com/v1/payment_intents", v, 180, declined ? 402 : 200) + b.own(0.05);
          return b.sql(c, SVC.payment, "INSERT", "payments", "INSERT INTO payments (order_id, intent_id, amount_cents, status) VALUES ($1, $2, $3, $4)", v, 1.1);
        }, declined ? 402 : 201) + b.own(0.1);
        if (declined) return u;
        u = b.sql(s, SVC.checkout, "INSERT", "orders", "INSERT INTO orders (id, user_id, total_cents, status) VALUES ($1, $2, $3, 'paid')", u, 1.2) + b.own(0.03);
        u = b.sql(s, SVC.checkout, "INSERT", "order_items", "INSERT INTO order_items (order_id, product_id, quantity, price_cents) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[])", u, 1.4) + b.own(0.05);
        u = b.kafka(s, SVC.checkout, SVC["order-worker"], "orders", `order-${orderId}`, u, (c, v) => {
          v = b.sql(c, SVC["order-worker"], "UPDATE", "orders", "UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE id = $1", v, 1) + b.own(0.05);
          return b.http(c, SVC["order-worker"], SVC.notification, "POST", "/emails", "/emails", v, (n, w) =>
            b.external(n, SVC.notification, "sendgrid-api", "POST", "https://api.sendgrid.com/v3/mail/send", w, 60), 202);
        }) + b.own(0.05);
        return b.http(s, SVC.checkout, SVC.cart, "DELETE", "/cart", "/cart", u, (c, v) => b.redis(c, SVC.cart, "DEL", "cart:?", v), 204);
      }, declined ? 402 : 201), declined ? 402 : 303);
  }],
  ["order-history", 7, (b) => {
    const orders = b.rng.int(2, 14);
    b.root(SVC.frontend, "GET", "/api/orders", "/api/orders", (root, t) => {
      t = b.http(root, SVC.frontend, SVC.user, "GET", "/users/me", "/users/me", t, (s, u) => b.redis(s, SVC.user, "GET", "session:?", u)) + b.own(0.05);
      return b.http(root, SVC.frontend, SVC.order, "GET", "/orders", "/orders?limit=20", t, (s, u) => {
        u = b.sql(s, SVC.order, "SELECT", "orders", "SELECT id, status, total_cents, created_at FROM orders WHERE user_id = ? ORDER BY created_at DESC LIMIT 20", u, 1.5) + b.own(0.05);
        // The classic N+1: the items of each order, one query per order.
        for (let i = 0; i < orders; i++) u = b.sql(s, SVC.order, "SELECT", "order_items", "SELECT product_id, quantity, price_cents FROM order_items WHERE order_id = ?", u, 0.6) + b.own(0.03);
        return u;
      });
    });
  }],
  ["payment-webhook", 6, (b) => {
    const orderId = b.rng.int(100000, 999999);
    b.root(SVC.payment, "POST", "/webhooks/stripe", "/webhooks/stripe", (root, t) => {
      t = b.internal(root, SVC.payment, "webhooks.verifySignature", t, 0.3, [["app.webhook.type", "payment_intent.succeeded"]]) + b.own(0.05);
      t = b.sql(root, SVC.payment, "SELECT", "payments", "SELECT id, order_id, status FROM payments WHERE intent_id = $1", t, 0.7) + b.own(0.05);
      t = b.sql(root, SVC.payment, "UPDATE", "payments", "UPDATE payments SET status = $1, settled_at = now() WHERE id = $2", t, 0.9) + b.own(0.05);
      return b.kafka(root, SVC.payment, SVC["order-worker"], "payments", `order-${orderId}`, t, (c, v) => {
        v = b.sql(c, SVC["order-worker"], "UPDATE", "orders", "UPDATE orders SET status = 'settled' WHERE id = $1", v, 1) + b.own(0.05);
        return b.http(c, SVC["order-worker"], SVC.notification, "POST", "/emails", "/emails", v, (n, w) =>
          b.external(n, SVC.notification, "sendgrid-api", "POST", "https://api.sendgrid.com/v3/mail/send", w, 60), 202);
      });
    });
  }],
];

export const JOURNEY_NAMES: readonly string[] = JOURNEYS.map(([name]) => name);

/** One trace drawn from the journey mix (5–40 spans). */
export function buildTrace(rng: Rng): TraceTemplate {
  const j = JOURNEYS[rng.weighted(JOURNEYS.map(([, w]) => w))]!;
  const b = new TraceBuilder(rng);
  j[2](b);
  if (b.spans.length < MIN_SPANS || b.spans.length > MAX_SPANS) {
    throw new Error(`journey ${j[0]} built ${b.spans.length} spans, outside ${MIN_SPANS}–${MAX_SPANS}`);
  }
  return { journey: j[0], spans: b.spans };
}

/** Whether a span kind/attribute set describes a database call (for tests and reports). */
export function isDbSpan(s: SpanTemplate): boolean {
  return s.attrs.some(([k]) => k === "db.system" || k === "db.system.name");
}
