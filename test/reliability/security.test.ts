// Security: TLS on the OTLP receivers (gRPC and HTTP) with a CA and certificates generated here
// by openssl, with and without client certificates (the real OpenTelemetry SDK gRPC exporter
// included); TLS (mutual) to NATS against a nats-server started with TLS; API body limits (413);
// and no secret in the logs at debug level (API tokens, a refused token, NATS passwords in the
// URL and in --nats-password). Bearer tokens and roles on /api and /mcp are tested in
// test/e2e/budgets-api.test.ts and test/e2e/mcp-http.test.ts; NATS subjects from sanitised tokens
// in test/integration/nats.test.ts; the HTML report's escaping in test/e2e/report.test.ts.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngineProcess, type EngineProcess } from "../helpers/server.js";
import { encodeSpans, grpcClient, grpcExport, hex, NatsServer, nowNs, NS_PER_MS, postOtlp, sleep, stats, tempDir, traceIdBytes, until } from "./helpers.js";

const dir = tempDir("pbe-rel-sec-");
const servers: NatsServer[] = [];
const pem = (name: string) => join(dir, name);

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, by the openssl CLI (EC P-256, valid one day). */
function makeCertificates(): void {
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) => ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
  key("ca.key");
  ossl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "1", "-subj", "/CN=pbe-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem");
  for (const [name, cn, ext] of [
    ["server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature"],
    ["client", "pbe-test-client", "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature"],
    ["rogue", "rogue-client", "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature"],
  ] as const) {
    key(`${name}.key`);
    ossl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`);
    writeFileSync(pem(`${name}.ext`), `${ext}\n`);
    if (name === "rogue") {
      // Signed by itself, not by the CA.
      ossl("x509", "-req", "-in", `${name}.csr`, "-key", `${name}.key`, "-days", "1", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
    } else {
      ossl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
    }
  }
}

beforeAll(() => makeCertificates());
afterAll(async () => {
  for (const s of servers) await s.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const read = (name: string) => readFileSync(pem(name));

/** POST over HTTPS with node's client (fetch cannot present a client certificate). */
function httpsPost(port: number, body: Uint8Array, opts: { cert?: boolean; key?: string; certFile?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/traces",
        method: "POST",
        ca: read("ca.pem"),
        ...(opts.cert ? { cert: read(opts.certFile ?? "client.pem"), key: read(opts.key ?? "client.key") } : {}),
        headers: { "content-type": "application/x-protobuf" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let seq = 0;
function oneTrace(service: string): { body: Uint8Array; trace: Uint8Array } {
  const t0 = nowNs();
  const trace = traceIdBytes(seq++, 0x7157);
  return { trace, body: encodeSpans(service, [{ trace, id: 1, name: "GET /tls", startNs: t0, endNs: t0 + 5n * NS_PER_MS }]) };
}

async function attributed(engine: EngineProcess, trace: Uint8Array): Promise<boolean> {
  return (await engine.get(`/api/v1/traces/${hex(trace)}`)).status === 200;
}

describe("TLS on the OTLP receivers", () => {
  it("with client certificates required: accepts a client with a certificate from the CA (HTTP, gRPC, the OpenTelemetry SDK exporter) and refuses one without, with a foreign one, or in plain text", async () => {
    const engine = await startEngineProcess({
      args: ["--decision-wait", "100ms", "--otlp-tls-cert", pem("server.pem"), "--otlp-tls-key", pem("server.key"), "--otlp-tls-ca", pem("ca.pem"), "--otlp-tls-client-auth"],
    });
    try {
      // HTTP
      const ok = oneTrace("tls-http");
      expect(await httpsPost(engine.ports.http, ok.body, { cert: true })).toBe(200);
      await until(() => attributed(engine, ok.trace), 10_000, "the HTTPS trace attributed");
      await expect(httpsPost(engine.ports.http, oneTrace("x").body)).rejects.toThrow(/certificate|handshake|socket hang up|ECONNRESET|alert/i);
      await expect(httpsPost(engine.ports.http, oneTrace("x").body, { cert: true, certFile: "rogue.pem", key: "rogue.key" })).rejects.toThrow(/certificate|handshake|socket hang up|ECONNRESET|alert|unknown ca/i);
      await expect(postOtlp(engine.ports.http, "/v1/traces", oneTrace("x").body)).rejects.toThrow();
      // gRPC, raw
      const withCert = grpcClient(engine.ports.grpc, grpc.credentials.createSsl(read("ca.pem"), read("client.key"), read("client.pem")));
      const noCert = grpcClient(engine.ports.grpc, grpc.credentials.createSsl(read("ca.pem")));
      const plain = grpcClient(engine.ports.grpc);
      try {
        const g = oneTrace("tls-grpc");
        expect((await grpcExport(withCert, g.body)).err).toBeNull();
        await until(() => attributed(engine, g.trace), 10_000, "the gRPC trace attributed");
        expect((await grpcExport(noCert, oneTrace("x").body, undefined, 5000)).err?.code).toBe(grpc.status.UNAVAILABLE);
        expect((await grpcExport(plain, oneTrace("x").body, undefined, 5000)).err?.code).toBe(grpc.status.UNAVAILABLE);
      } finally {
        withCert.close();
        noCert.close();
        plain.close();
      }
      // The real OpenTelemetry SDK gRPC exporter with TLS credentials.
      const exporter = new OTLPTraceExporter({ url: `https://127.0.0.1:${engine.ports.grpc}`, credentials: grpc.credentials.createSsl(read("ca.pem"), read("client.key"), read("client.pem")) });
      const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "tls-sdk" }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const span = provider.getTracer("rel").startSpan("GET /sdk", { kind: SpanKind.SERVER }, ROOT_CONTEXT);
      const traceId = span.spanContext().traceId;
      span.end();
      await provider.forceFlush();
      await provider.shutdown();
      await until(async () => (await engine.get(`/api/v1/traces/${traceId}`)).status === 200, 10_000, "the SDK's trace attributed");
      expect((await stats(engine)).engine.spansReceived).toBe(3);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  it("without client authentication: any TLS client is accepted, plain text is not", async () => {
    const engine = await startEngineProcess({ args: ["--decision-wait", "100ms", "--otlp-tls-cert", pem("server.pem"), "--otlp-tls-key", pem("server.key")] });
    try {
      expect(await httpsPost(engine.ports.http, oneTrace("tls").body)).toBe(200);
      const tls = grpcClient(engine.ports.grpc, grpc.credentials.createSsl(read("ca.pem")));
      const plain = grpcClient(engine.ports.grpc);
      try {
        expect((await grpcExport(tls, oneTrace("tls").body)).err).toBeNull();
        expect((await grpcExport(plain, oneTrace("x").body, undefined, 5000)).err?.code).toBe(grpc.status.UNAVAILABLE);
      } finally {
        tls.close();
        plain.close();
      }
      await expect(postOtlp(engine.ports.http, "/v1/traces", oneTrace("x").body)).rejects.toThrow();
      expect((await stats(engine)).engine.spansReceived).toBe(2);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });
});

describe("TLS to NATS", () => {
  it("connects to a nats-server that requires TLS and client certificates with --nats-tls-ca/cert/key and delivers alerts; without the client certificate it stays disconnected", async () => {
    const nats = await NatsServer.create({ args: ["--tlscert", pem("server.pem"), "--tlskey", pem("server.key"), "--tlscacert", pem("ca.pem"), "--tlsverify"], url: (p) => `tls://127.0.0.1:${p}` });
    servers.push(nats);
    await nats.start();
    const budgets = join(dir, "nats-budgets.yaml");
    writeFileSync(budgets, "budgets:\n  - { id: tls-max, type: latency.total, service: tls-nats, aggregate: max, threshold: 100ms, window: 10s }\n");
    const common = ["--budgets", budgets, "--nats", nats.url, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "100ms", "--nats-tls-ca", pem("ca.pem")];
    const refused = await startEngineProcess({ args: common });
    try {
      await sleep(2500);
      expect((await stats(refused)).nats.state).not.toBe("connected");
    } finally {
      expect(await refused.stop()).toBe(0);
    }
    const engine = await startEngineProcess({ args: [...common, "--nats-tls-cert", pem("client.pem"), "--nats-tls-key", pem("client.key")] });
    try {
      await until(async () => (await stats(engine)).nats.state === "connected", 15_000, "connected over TLS");
      for (let i = 0; i < 20 && (await stats(engine)).evaluation.alertsFired === 0; i++) {
        const t0 = nowNs();
        await postOtlp(engine.ports.http, "/v1/traces", encodeSpans("tls-nats", [{ trace: traceIdBytes(seq++, 0x7157), id: 1, name: "GET /slow", startNs: t0, endNs: t0 + 500n * NS_PER_MS }]));
        await sleep(300);
      }
      await until(async () => (await stats(engine)).nats.alerts.published === 1, 10_000, "the alert published over TLS");
      const nc = await connect({ servers: nats.url, tls: { caFile: pem("ca.pem"), certFile: pem("client.pem"), keyFile: pem("client.key") } });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.consumers.add("PBE_ALERTS", { name: "tls", ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: nanos(60_000) });
        const c = await jetstream(nc).consumers.get("PBE_ALERTS", "tls");
        const msgs: JsMsg[] = [];
        for await (const m of (await c.fetch({ max_messages: 1, expires: 5000 })) as AsyncIterable<JsMsg>) {
          msgs.push(m);
          break;
        }
        expect(msgs[0]!.subject).toBe("pbe.alert.tls-nats.tls-max");
        expect((msgs[0]!.json() as { state: string }).state).toBe("firing");
      } finally {
        await nc.close();
      }
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });
});

describe("API request bodies", () => {
  it("refuses bodies past --max-api-body-bytes with 413 and a JSON error, on /api and /mcp, declared or streamed", async () => {
    const engine = await startEngineProcess({ args: ["--max-api-body-bytes", "65536"] });
    try {
      const big = JSON.stringify({ id: "big", type: "latency.total", service: "s".repeat(70_000), quantile: 0.9, threshold: "1s" });
      for (const path of ["/api/v1/budgets", "/mcp"]) {
        const r = await fetch(`${engine.api}${path}`, { method: "POST", body: big, headers: { "content-type": "application/json", accept: "application/json, text/event-stream" } });
        expect(r.status).toBe(413);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
      }
      // Streamed (chunked, no Content-Length): counted as it arrives.
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(8192).fill(0x20));
          c.close();
        },
      });
      const r = await fetch(`${engine.api}/api/v1/budgets`, { method: "POST", body: stream, duplex: "half", headers: { "content-type": "application/json" } } as RequestInit);
      expect(r.status).toBe(413);
      // Within the limit, the same route works.
      const ok = await fetch(`${engine.api}/api/v1/budgets?dryRun=true`, { method: "POST", body: JSON.stringify({ id: "small", type: "latency.total", service: "s", quantile: 0.9, threshold: "1s" }), headers: { "content-type": "application/json" } });
      expect(ok.status).toBe(200);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });
});

describe("no secret in the logs", () => {
  it("at debug level, through API calls, a refused token, MCP, OTLP, alerts to NATS, a NATS restart, a failed NATS login and shutdown", async () => {
    const secrets = {
      admin: "adm1n-S3CRET-token-6f1c",
      read: "r3ad-S3CRET-token-9a2b",
      wrong: "wr0ng-S3CRET-guess-77aa",
      urlPass: "url-S3CRET-pass-31d0",
      flagPass: "flag-S3CRET-pass-c4e2",
    };
    const nats = await NatsServer.create({ args: ["--user", "pbe", "--pass", secrets.urlPass] });
    servers.push(nats);
    await nats.start();
    const budgets = join(dir, "secret-budgets.yaml");
    writeFileSync(budgets, "budgets:\n  - { id: s-max, type: latency.total, service: secretive, aggregate: max, threshold: 100ms, window: 10s }\n");
    const engine = await startEngineProcess({
      args: ["--log-level", "debug", "--budgets", budgets, "--nats", `nats://pbe:${secrets.urlPass}@127.0.0.1:${nats.port}`, "--window", "1s", "--eval-interval", "1s", "--decision-wait", "100ms"],
      env: { PBE_API_TOKEN: secrets.admin, PBE_API_TOKENS: `${secrets.read}:read` },
    });
    let output = "";
    try {
      const auth = (t: string) => ({ authorization: `Bearer ${t}` });
      await until(async () => (await stats(engine, auth(secrets.admin))).nats.state === "connected", 15_000, "connected with the URL's credentials");
      expect((await engine.get("/api/v1/stats", auth(secrets.wrong))).status).toBe(401);
      expect((await engine.get("/api/v1/budgets", auth(secrets.read))).status).toBe(200);
      const define = await fetch(`${engine.api}/api/v1/budgets`, { method: "POST", body: JSON.stringify({ id: "s-new", type: "latency.total", service: "secretive", quantile: 0.9, threshold: "1s" }), headers: { ...auth(secrets.read), "content-type": "application/json" } });
      expect(define.status).toBe(403);
      const mcp = await fetch(`${engine.api}/mcp`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "budget_list", arguments: {} } }), headers: { ...auth(secrets.admin), "content-type": "application/json", accept: "application/json, text/event-stream" } });
      expect(mcp.status).toBe(200);
      for (let i = 0; i < 20 && (await stats(engine, auth(secrets.admin))).evaluation.alertsFired === 0; i++) {
        const t0 = nowNs();
        await postOtlp(engine.ports.http, "/v1/traces", encodeSpans("secretive", [{ trace: traceIdBytes(seq++, 0x5ec), id: 1, name: "GET /s", startNs: t0, endNs: t0 + 300n * NS_PER_MS }]));
        await sleep(300);
      }
      await until(async () => (await stats(engine, auth(secrets.admin))).nats.alerts.published === 1, 10_000, "alert published");
      await nats.stop();
      await until(async () => (await stats(engine, auth(secrets.admin))).nats.state !== "connected", 10_000, "NATS gone");
      await nats.start();
      await until(async () => (await stats(engine, auth(secrets.admin))).nats.state === "connected", 20_000, "reconnected");
    } finally {
      expect(await engine.stop()).toBe(0);
      output += engine.output();
    }
    // A wrong password given by flag: the login fails and is retried (logged at every level).
    const failing = await startEngineProcess({ args: ["--log-level", "debug", "--nats", `nats://127.0.0.1:${nats.port}`, "--nats-user", "pbe", "--nats-password", secrets.flagPass] });
    try {
      await sleep(3000);
      expect((await stats(failing)).nats.state).not.toBe("connected");
    } finally {
      expect(await failing.stop()).toBe(0);
      output += failing.output();
    }
    const debugLines = output.split("\n").filter((l) => l.includes('"level":"debug"')).length;
    console.log(`secrets check: ${output.length} bytes of output, ${output.split("\n").length} lines (${debugLines} at debug)`);
    expect(debugLines).toBeGreaterThan(0);
    expect(output).toMatch(/Authorization Violation/); // the failed login was logged…
    for (const [name, secret] of Object.entries(secrets)) {
      expect(output.includes(secret), `${name} secret in the logs`).toBe(false);
    }
  });
});
