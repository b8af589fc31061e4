// `pbe alerts`: flag parsing and the one-line rendering of an alert (no server needed).
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { alertsCommand, formatAlertLine, parseAlertsArgs } from "../../../src/cli/alerts.js";

function sink(): { stream: Writable; text: () => string } {
  let buf = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString("utf8");
      cb();
    },
  });
  return { stream, text: () => buf };
}

const event = {
  schema: "pbe.alert.v1",
  id: "9f2c1e0d4b3a2918",
  state: "firing",
  budgetId: "checkout-p99",
  type: "latency.total",
  service: "checkout",
  operation: "POST /pay",
  observed: 412.3456,
  threshold: 300,
  unit: "ms",
  usage: 1.3745,
  window: "1m",
  startedAt: "2025-05-01T12:00:00.000Z",
  at: "2025-05-01T12:00:10.000Z",
  topComponents: [
    { component: "payments", share: 0.62 },
    { component: "db", share: 0.2 },
  ],
  exemplars: [],
  summary: "p99 latency of checkout POST /pay is 412ms, over 300ms",
};

describe("formatAlertLine", () => {
  it("reads time, state, service, budget, observed vs threshold with units, usage, top component and summary", () => {
    expect(formatAlertLine(event)).toBe(
      "2025-05-01T12:00:10.000Z FIRING    checkout POST /pay  checkout-p99  412ms vs 300ms (137%)  top payments 62%  — p99 latency of checkout POST /pay is 412ms, over 300ms",
    );
  });

  it("formats other units and a resolved event without components", () => {
    const line = formatAlertLine({ ...event, state: "resolved", operation: undefined, unit: "bytes", observed: 400 * 1024 * 1024, threshold: 512 * 1024 * 1024, usage: 0.78125, topComponents: [], summary: "" });
    expect(line).toBe("2025-05-01T12:00:10.000Z RESOLVED  checkout  checkout-p99  400MiB vs 512MiB (78%)");
    expect(formatAlertLine({ ...event, unit: "cores", observed: 1.5, threshold: 1, usage: 1.5 })).toContain("1.5 cores vs 1 core (150%)");
  });

  it("never breaks the line and survives missing fields", () => {
    const line = formatAlertLine({ state: "firing", service: "evil\nservice\u001b[31m", budgetId: "b\r\nx", summary: "two\nlines", usage: null });
    expect(line.split("\n")).toHaveLength(1);
    expect([...line].some((ch) => ch.charCodeAt(0) < 0x20)).toBe(false);
    expect(line).toContain("FIRING");
    expect(line).toContain("? vs ?");
  });
});

describe("parseAlertsArgs", () => {
  it("has defaults and reads NATS_URL / PBE_* variables", () => {
    const a = parseAlertsArgs([], {});
    expect(a).toMatchObject({ durable: "pbe-alerts-cli", service: undefined, fromStart: false, sinceMs: undefined, json: false, count: undefined });
    expect(a.auth.servers).toEqual(["nats://127.0.0.1:4222"]);
    expect(parseAlertsArgs([], { NATS_URL: "nats://n:1" }).auth.servers).toEqual(["nats://n:1"]);
    expect(parseAlertsArgs([], { PBE_NATS: "nats://p:1", NATS_URL: "nats://n:1" }).auth.servers).toEqual(["nats://p:1"]);
    expect(parseAlertsArgs(["--nats", "nats://a:1, nats://b:2"], { NATS_URL: "nats://n:1" }).auth.servers).toEqual(["nats://a:1", "nats://b:2"]);
    expect(parseAlertsArgs([], { PBE_NATS_TOKEN: "t" }).auth.token).toBe("t");
  });

  it("parses every flag, with = or a separate value", () => {
    const a = parseAlertsArgs(["--durable=ops", "--service", "a.>", "--since", "2h", "--json", "--count", "3", "--nats-user", "u", "--nats-password=p"], {});
    expect(a).toMatchObject({ durable: "ops", service: "a.>", sinceMs: 7_200_000, json: true, count: 3, auth: { user: "u", password: "p" } });
    expect(parseAlertsArgs(["--from-start"]).fromStart).toBe(true);
    expect(parseAlertsArgs(["-h"]).help).toBe(true);
  });

  it.each([
    [["--durable", "a.b"], /not a valid consumer name/],
    [["--count", "0"], /positive whole number/],
    [["--count", "2x"], /positive whole number/],
    [["--since", "soon"], /not a positive duration/],
    [["--from-start", "--since", "1h"], /exclude each other/],
    [["--nats-user", "u"], /go together/],
    [["--bogus"], /unknown flag --bogus/],
    [["--count"], /needs a value/],
    [["extra"], /unexpected argument/],
    [["--json=yes"], /takes no value/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseAlertsArgs(argv, {})).toThrow(message);
  });
});

describe("alertsCommand without a server", () => {
  it("prints help (exit 0) and refuses bad flags with one line (exit 2)", async () => {
    const out = sink();
    const err = sink();
    expect(await alertsCommand(["--help"], { stdout: out.stream, stderr: err.stream, env: {}, handleSignals: false })).toBe(0);
    expect(out.text()).toContain("Usage: pbe alerts");
    expect(out.text()).toContain("--durable NAME");
    expect(await alertsCommand(["--count", "-1"], { stdout: out.stream, stderr: err.stream, env: {}, handleSignals: false })).toBe(2);
    expect(err.text()).toMatch(/^pbe alerts: .*\n$/);
  });
});
