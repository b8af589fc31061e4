import { describe, expect, it } from "vitest";
import { redactConfig, redactUrl, SETTINGS } from "../../../src/config/index.js";
import { load } from "./helpers.js";

describe("redactConfig", () => {
  const argv = [
    "--api-token", "admin-s3cret",
    "--api-tokens", "read-s3cret:read,admin2-s3cret:admin",
    "--nats", "nats://bob:pw-s3cret@a:4222,nats://tok-s3cret@b:4222,nats://c:4222",
    "--nats-user", "bob",
    "--nats-password", "nats-pw-s3cret",
    "--nats-token", "nats-tok-s3cret",
    "--otlp-metrics-endpoint", "https://user:otlp-s3cret@collector:4317",
  ];
  const config = load(argv).config;

  it("hides every secret", () => {
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toMatch(/s3cret/);
    const r = redactConfig(config);
    expect(r.apiToken).toBe("***");
    expect(r.natsPassword).toBe("***");
    expect(r.natsToken).toBe("***");
    expect(r.apiTokens).toEqual([
      { token: "***", role: "read" },
      { token: "***", role: "admin" },
    ]);
    expect(r.nats).toEqual(["nats://bob:***@a:4222", "nats://***@b:4222", "nats://c:4222"]);
    expect(r.otlpMetricsEndpoint).toBe("https://user:***@collector:4317");
  });

  it("covers every setting the schema marks secret", () => {
    const secret = SETTINGS.filter((s) => s.secret).map((s) => s.id).sort();
    expect(secret).toEqual(["apiToken", "apiTokens", "natsPassword", "natsToken"]);
    const r = redactConfig(config) as Record<string, unknown>;
    for (const id of secret) expect(JSON.stringify(r[id])).toContain("***");
  });

  it("keeps everything else and does not touch the original", () => {
    const r = redactConfig(config);
    expect(r.natsUser).toBe("bob");
    expect(r.grpcPort).toBe(config.grpcPort);
    expect(config.apiToken).toBe("admin-s3cret");
    expect(config.apiTokens[0]!.token).toBe("read-s3cret");
    const plain = load().config;
    expect(redactConfig(plain)).toEqual(plain);
  });

  it("redactUrl leaves URLs without credentials alone", () => {
    expect(redactUrl("nats://a:4222")).toBe("nats://a:4222");
    expect(redactUrl("http://x/path@y")).toBe("http://x/path@y");
  });
});
