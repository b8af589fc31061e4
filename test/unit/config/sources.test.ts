import { describe, expect, it } from "vitest";
import { loadConfig, wantsHelp } from "../../../src/config/index.js";
import { CWD, load, loadFile } from "./helpers.js";

describe("flags", () => {
  it("take the value as the next argument or after =", () => {
    expect(load(["--grpc-port", "5317"]).config.grpcPort).toBe(5317);
    expect(load(["--grpc-port=5318"]).config.grpcPort).toBe(5318);
    expect(load(["--host=::"]).config.host).toBe("::");
  });

  it("booleans: --flag, --no-flag, --flag=false; they take no separate value", () => {
    expect(load(["--no-nats-publish-evaluations"]).config.natsPublishEvaluations).toBe(false);
    expect(load(["--nats-publish-evaluations=false"]).config.natsPublishEvaluations).toBe(false);
    const r = load(["--nats-publish-evaluations", "false"]);
    expect(r.config.natsPublishEvaluations).toBe(true);
    expect(r.positionals).toEqual(["false"]);
    const tls = load(["--otlp-tls-client-auth", "--otlp-tls-ca", "ca.pem", "--otlp-tls-cert", "c.pem", "--otlp-tls-key", "k.pem"]);
    expect(tls.config.otlpTlsClientAuth).toBe(true);
  });

  it("the last of a repeated flag wins", () => {
    expect(load(["--grpc-port", "1", "--grpc-port", "2"]).config.grpcPort).toBe(2);
  });

  it("collect positionals, and everything after --", () => {
    const r = load(["extra", "--grpc-port", "1", "--", "--http-port", "2"]);
    expect(r.positionals).toEqual(["extra", "--http-port", "2"]);
    expect(r.config.httpPort).toBe(4318);
  });

  it("-h and --help are reported to the caller, not an error", () => {
    expect(load(["-h"]).help).toBe(true);
    expect(load(["--grpc-port", "1", "--help"]).help).toBe(true);
    expect(load([]).help).toBe(false);
    expect(wantsHelp(["--bogus", "-h"])).toBe(true);
    expect(wantsHelp(["--", "-h"])).toBe(false);
    expect(wantsHelp(["--grpc-port", "1"])).toBe(false);
  });

  it("an empty value unsets an optional setting, overriding env and file", () => {
    const r = loadFile("nats: nats://file:4222\n", ["--nats="], { NATS_URL: "nats://env:4222" });
    expect(r.config.nats).toBeUndefined();
    expect(load(["--config="], { PBE_CONFIG: "missing.yaml" }).config.config).toBeUndefined();
  });
});

describe("environment", () => {
  it("PBE_ + SCREAMING_SNAKE of the flag", () => {
    const c = load([], { PBE_GRPC_PORT: "6317", PBE_DECISION_WAIT: "2s", PBE_PRICE_CORE_HOUR: "0.5", PBE_API_TOKEN: "t0k" }).config;
    expect(c.grpcPort).toBe(6317);
    expect(c.decisionWaitMs).toBe(2000);
    expect(c.prices.coreHour).toBe(0.5);
    expect(c.apiToken).toBe("t0k");
  });

  it("NATS_URL is read, after PBE_NATS", () => {
    expect(load([], { NATS_URL: "nats://a:4222" }).config.nats).toEqual(["nats://a:4222"]);
    expect(load([], { NATS_URL: "nats://a:4222", PBE_NATS: "nats://b:4222" }).config.nats).toEqual(["nats://b:4222"]);
  });

  it("empty variables are unset and unknown PBE_ variables are ignored", () => {
    const r = load([], { PBE_GRPC_PORT: "", PBE_NO_SUCH_SETTING: "x", PBE_GRCP_PORT: "1", HOME: "/root" });
    expect(r.config.grpcPort).toBe(4317);
  });
});

describe("config file", () => {
  const yaml = "grpcPort: 7317\ndecisionWait: 3s\nprices:\n  coreHour: 0.07\nnats:\n  - nats://a:4222\n  - nats://b:4222\n";

  it("YAML, found by --config relative to cwd", () => {
    const c = loadFile(yaml).config;
    expect(c.grpcPort).toBe(7317);
    expect(c.decisionWaitMs).toBe(3000);
    expect(c.prices).toEqual({ coreHour: 0.07, memoryGiBHour: 0.005, networkGiB: 0.09, storageGiBMonth: 0.1 });
    expect(c.nats).toEqual(["nats://a:4222", "nats://b:4222"]);
    expect(c.config).toBe("/srv/pbe/pbe.yaml");
  });

  it("JSON, found by PBE_CONFIG", () => {
    const c = load([], { PBE_CONFIG: "/etc/pbe/pbe.json" }, { "/etc/pbe/pbe.json": '{"httpPort": 7318, "window": "1m"}' }).config;
    expect(c.httpPort).toBe(7318);
    expect(c.windowMs).toBe(60_000);
    expect(c.config).toBe("/etc/pbe/pbe.json");
  });

  it("--config beats PBE_CONFIG", () => {
    const files = { "/srv/pbe/a.yaml": "grpcPort: 1\n", "/srv/pbe/b.yaml": "grpcPort: 2\n" };
    expect(load(["--config", "a.yaml"], { PBE_CONFIG: "b.yaml" }, files).config.grpcPort).toBe(1);
  });

  it("an empty file, a comment-only file and null keys are no settings", () => {
    expect(loadFile("").config.grpcPort).toBe(4317);
    expect(loadFile("# nothing here\n").config.grpcPort).toBe(4317);
    const c = loadFile("nats:\ngrpcPort: ~\nprices:\n  coreHour: null\n").config;
    expect(c.nats).toBeUndefined();
    expect(c.grpcPort).toBe(4317);
    expect(c.prices.coreHour).toBe(0.04);
  });

  it("is read through the injected readFile with an absolute path, or from disk by default", () => {
    const seen: string[] = [];
    loadConfig({ argv: ["--config", "conf/pbe.yaml"], env: {}, cwd: "/x", readFile: (p) => (seen.push(p), "") });
    expect(seen).toEqual(["/x/conf/pbe.yaml"]);
    expect(() => loadConfig({ argv: ["--config", "does-not-exist.yaml"], env: {}, cwd: "/nonexistent" })).toThrow(
      '--config: cannot read "does-not-exist.yaml": no such file',
    );
  });
});

describe("precedence: flag > env > file > default", () => {
  const file = "grpcPort: 1\n";
  it("per setting", () => {
    expect(loadFile(file, ["--grpc-port", "3"], { PBE_GRPC_PORT: "2" }).config.grpcPort).toBe(3);
    expect(loadFile(file, [], { PBE_GRPC_PORT: "2" }).config.grpcPort).toBe(2);
    expect(loadFile(file).config.grpcPort).toBe(1);
    expect(loadFile("").config.grpcPort).toBe(4317);
  });

  it("per key of the price table", () => {
    const c = loadFile("prices:\n  coreHour: 1\n  memoryGiBHour: 9\n", ["--price-network-gib", "3"], {
      PBE_PRICE_MEMORY_GIB_HOUR: "2",
    }).config;
    expect(c.prices).toEqual({ coreHour: 1, memoryGiBHour: 2, networkGiB: 3, storageGiBMonth: 0.1 });
  });

  it("NATS_URL (env) beats the file, a flag beats NATS_URL", () => {
    expect(loadFile("nats: nats://file:4222\n", [], { NATS_URL: "nats://env:4222" }).config.nats).toEqual(["nats://env:4222"]);
    expect(loadFile("nats: nats://file:4222\n", ["--nats", "nats://flag:4222"], { NATS_URL: "nats://env:4222" }).config.nats).toEqual([
      "nats://flag:4222",
    ]);
  });

  it("a bad value in a lower source is still reported, even when a higher one overrides a different key", () => {
    expect(() => loadFile("httpPort: x\n", ["--grpc-port", "1"])).toThrow("pbe.yaml: httpPort");
  });
});

describe("relative paths", () => {
  it("from flags and env against cwd, from the file against its directory, absolute ones kept", () => {
    const c = load(["--config", "conf/pbe.yaml", "--budgets", "b.yaml"], { PBE_OTLP_TLS_CERT: "certs/c.pem" }, {
      "/srv/pbe/conf/pbe.yaml": "dataDir: state\notlpTlsKey: ../keys/k.pem\nnatsCreds: /etc/nats/x.creds\n",
    }).config;
    expect(c.budgets).toBe("/srv/pbe/b.yaml");
    expect(c.otlpTlsCert).toBe("/srv/pbe/certs/c.pem");
    expect(c.dataDir).toBe("/srv/pbe/conf/state");
    expect(c.otlpTlsKey).toBe("/srv/pbe/keys/k.pem");
    expect(c.natsCreds).toBe("/etc/nats/x.creds");
    expect(c.config).toBe(`${CWD}/conf/pbe.yaml`);
  });
});
