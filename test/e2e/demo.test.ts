// Issue 7, the demo: `pbe demo --duration 20s` as a real process (engine in-process, the simulated
// shop over OTLP/gRPC through the OpenTelemetry SDK, real NATS from the global setup). The
// compressed incident must be detected within 20 s: alerts fire (in the output and on NATS), the
// process exits 0 in time, and the report holds every budget and the alerts.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BIN, eventually } from "../helpers/server.js";

const BUDGET_IDS = [...readFileSync(join(import.meta.dirname, "../../examples/demo-budgets.yaml"), "utf8").matchAll(/^\s*- id: (\S+)/gm)].map((m) => m[1]!);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  tookMs: number;
}

/** Runs `pbe <args>`; SIGKILL after `timeoutMs`. */
function pbe(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, tookMs: Date.now() - started });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "pbe-demo-e2e-"));
let nc: NatsConnection;
const received: Array<{ state: string; budgetId: string; service: string; exemplars: string[]; id: string }> = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  const sub = nc.subscribe("pbe.alert.>");
  void (async () => {
    for await (const m of sub) received.push(m.json());
  })();
  await nc.flush();
});
afterAll(async () => {
  await nc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("pbe demo", () => {
  it("detects the compressed incident within 20 s, alerts in the terminal and on NATS, exits 0 and writes the report", async () => {
    expect(BUDGET_IDS.length).toBeGreaterThanOrEqual(7);
    const report = join(dir, "report.html");
    const data = join(dir, "data");
    const run = await pbe(["demo", "--duration", "20s", "--report", report, "--data-dir", data], { NATS_URL: inject("natsUrl"), PBE_NATS: "" }, 75_000);
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

    expect(run.signal, context).toBeNull();
    expect(run.code, context).toBe(0);
    expect(run.tookMs).toBeGreaterThanOrEqual(20_000); // it ran its duration…
    expect(run.tookMs).toBeLessThan(60_000); // …and wound down promptly
    expect(run.stderr).toBe("");

    // Not a terminal: plain lines, no escape sequences.
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.stdout).toContain("▶ phase 2/4: payment is slowing down");

    // Alerts as they fire: the slow payment API is caught by checkout's p99, blamed on stripe-api.
    const firing = run.stdout.split("\n").filter((l) => /^\[\d\d:\d\d\] FIRING +[a-z0-9_.-]+: /.test(l));
    expect(firing.length, context).toBeGreaterThanOrEqual(1);
    const p99 = firing.find((l) => l.includes("FIRING   checkout-p99: "));
    expect(p99, context).toMatch(/frontend p99 latency \S+ is over its 600ms budget \(\d+ %\) for \/api\/checkout; top: stripe-api \d+ %/);
    for (const l of firing) expect(BUDGET_IDS).toContain(/FIRING +([a-z0-9_.-]+):/.exec(l)![1]);
    // The alert was published to NATS (the note in the output, and the event itself).
    expect(run.stdout).toContain("→ published to NATS pbe.alert.frontend.checkout-p99");
    const exemplar = new RegExp(`FIRING   checkout-p99: [^\\n]*\\n[^\\n]*exemplar trace ([0-9a-f]{32})`).exec(run.stdout)?.[1];
    expect(exemplar, context).toMatch(/^[0-9a-f]{32}$/);
    const onNats = await eventually(async () => received.find((e) => e.state === "firing" && e.budgetId === "checkout-p99" && e.service === "frontend" && e.exemplars.includes(exemplar!)), 10_000);
    expect(onNats.id).toMatch(/\S/);

    // The summary counts what was printed, and explains an exemplar.
    const summary = /alerts: (\d+) fired, (\d+) resolved/.exec(run.stdout);
    expect(summary, context).not.toBeNull();
    expect(Number(summary![1])).toBe(firing.length);
    expect(run.stdout).toMatch(/NATS: [1-9]\d* alert events? published to pbe\.alert\.>/);
    expect(run.stdout).toMatch(new RegExp(`trace ${exemplar} \\(an exemplar of the checkout-p99 alert\\): /api/checkout on frontend`));
    expect(run.stdout).toMatch(/stripe-api +POST \/v1\/payment_intents +processing/);
    expect(run.stdout).toContain(`report: ${report}`);

    // The report: every budget, and the alerts of the incident.
    const html = readFileSync(report, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    for (const id of BUDGET_IDS) expect(html, `budget ${id} in the report`).toContain(id);
    expect(html).toContain('id="demo-incident"');
    const htmlFiring = html.match(/>FIRING<\/span><\/td><td>([a-z0-9_.-]+)<\/td>/g) ?? [];
    expect(htmlFiring.length).toBe(firing.length);
    expect(html).toMatch(/>FIRING<\/span><\/td><td>checkout-p99<\/td>/);
    expect(html).toContain(exemplar);
    // The data dir was kept, with the engine's log.
    expect(existsSync(join(data, "engine.log"))).toBe(true);
  }, 90_000);

  it("refuses bad flags with exit code 2 and prints its help", async () => {
    const bad = await pbe(["demo", "--duration", "5s"], {}, 15_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--duration: must be between 10s and 1h");
    const unknown = await pbe(["demo", "--bogus"], {}, 15_000);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown flag --bogus");
    const help = await pbe(["demo", "--help"], {}, 15_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: pbe demo");
    expect(help.stdout).toContain("--duration");
  });
});
