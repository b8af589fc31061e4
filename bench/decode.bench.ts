/**
 * Trace decode micro-benchmark: the hand-written wire reader vs protobufjs (both into a
 * SpanBatch), and the OTLP/JSON decoder, on 512-span requests with ~8 attributes per span
 * (~370 bytes per span, like the transport measurements in MEASUREMENTS.md).
 *
 *   npx vitest bench --run bench/decode.bench.ts
 *
 * Each iteration decodes one request: spans/s = hz × 512. The machines are noisy; compare the
 * ratio within one run.
 */
import { bench, describe } from "vitest";
import { SpanBatch, StringTables } from "../src/span/index.js";
import { decodeTraceJson, decodeTraceRequest, decodeTraceRequestProtobufjs } from "../src/otlp/index.js";
import { buildTraceRequest, type SpanSpec } from "../test/helpers/otlp.js";

const SPANS = 512;
const services = ["frontend", "checkout", "cart", "payment", "shipping", "currency", "email", "ad"];
const routes = ["/api/cart", "/api/checkout", "/api/products/{id}", "/api/currency", "/api/ads", "/api/shipping/quote"];

/** 512 spans in 32 traces of 16 across 8 services; a quarter are database calls. */
const built = (() => {
  const specs: SpanSpec[] = [];
  const t0 = 1_733_000_000_000_000_000n;
  for (let i = 0; i < SPANS; i++) {
    const first = i % 16 === 0;
    const db = i % 4 === 3;
    const start = t0 + BigInt(i) * 1_000_000n;
    specs.push({
      traceId: `trace-${Math.floor(i / 16)}`,
      spanId: `span-${i}`,
      parent: first ? undefined : `span-${i - (i % 16)}`,
      service: services[i % services.length]!,
      name: db ? "SELECT orders" : `HTTP ${i % 3 === 0 ? "GET" : "POST"} ${routes[i % routes.length]}`,
      kind: first ? "server" : db ? "client" : "internal",
      startNs: start,
      endNs: start + 250_000n + BigInt(i % 7) * 10_000n,
      attributes: db
        ? {
            "db.system": "postgresql",
            "db.statement": "SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
            "db.name": "shop",
            "server.address": "orders-db.internal",
            "server.port": 5432,
            "db.operation": "SELECT",
            "network.peer.address": "10.0.3.17",
            "thread.id": 17,
          }
        : {
            "http.request.method": i % 3 === 0 ? "GET" : "POST",
            "http.route": routes[i % routes.length]!,
            "http.response.status_code": 200,
            "url.path": routes[i % routes.length]!.replace("{id}", String(i)),
            "server.address": "shop.example.com",
            "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
            "network.protocol.version": "1.1",
            "client.address": "203.0.113.7",
          },
    });
  }
  return buildTraceRequest(specs);
})();

const proto = Buffer.from(built.protobuf); // receivers hand over Buffers
const batch = new SpanBatch(SPANS);
const tables = new StringTables();
console.log(`request: ${SPANS} spans, ${proto.length} bytes protobuf (${(proto.length / SPANS).toFixed(0)} B/span), ${built.jsonText.length} bytes JSON`);

describe(`decode ${SPANS}-span request (spans/s = hz × ${SPANS})`, () => {
  bench("hand-written wire reader", () => {
    decodeTraceRequest(proto, batch, tables);
  });
  bench("protobufjs 7 + SpanBatch", () => {
    decodeTraceRequestProtobufjs(proto, batch, tables);
  });
  bench("OTLP/JSON", () => {
    decodeTraceJson(built.jsonText, batch, tables);
  });
});
