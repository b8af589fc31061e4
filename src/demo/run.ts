/**
 * `pbe demo`: the engine in-process on free ports, the simulated shop sending it real OTLP, the
 * scripted incident, the live terminal, and at the end a summary, an explained exemplar trace,
 * the recommendations (when the engine offers them) and `report.html`.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBudgetFile, type Budget } from "../budget/index.js";
import { loadConfig } from "../config/index.js";
import type { AlertEvent } from "../evaluate/index.js";
import { createLogger } from "../log/index.js";
import { startEngine, type RunningEngine } from "../main.js";
import { ALERT_SUBJECTS, alertSubject } from "../sinks/index.js";
import { formatDurationMs } from "../units/index.js";
import { explainTrace, type TraceAttribution } from "./explain.js";
import { natsAnswers } from "./nats.js";
import { incidentSection, renderDemoReport, withSection, type DemoReportData } from "./report.js";
import { Shop } from "./shop.js";
import { phaseAt, timeline, type Phase } from "./timeline.js";
import { DemoUi, budgetRows, clock, count, paint, renderTable } from "./ui.js";

/** The demo's budgets, shipped with the package. */
export const DEMO_BUDGETS_FILE = fileURLToPath(new URL("../../examples/demo-budgets.yaml", import.meta.url));

/** Engine settings for a lively demo: 1 s windows, evaluation every 2 s, traces complete 1 s after their last span. */
const ENGINE_FLAGS = ["--window", "1s", "--eval-interval", "2s", "--decision-wait", "1s", "--checkpoint-interval", "10s"];
const REFRESH_MS = 1000;

export interface DemoOptions {
  durationMs: number;
  /** NATS URL(s) to try; undefined = no NATS. */
  nats?: string;
  /** Where `report.html` goes (resolved against `cwd`). */
  reportPath: string;
  /** Keep the engine's store (and its log, `engine.log`) here; default a temporary directory removed at the end. */
  dataDir?: string;
  quiet: boolean;
  requestsPerSecond: number;
  out: NodeJS.WriteStream | NodeJS.WritableStream;
  tty: boolean;
  color: boolean;
  columns?: () => number;
  rows?: () => number;
  cwd: string;
  /** Aborting ends the traffic early; the demo still finishes (summary, report) and resolves 0. */
  signal?: AbortSignal;
}

interface SeenAlert {
  elapsedMs: number;
  event: AlertEvent;
}

/** Runs the demo; resolves with the exit code. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const tempDir = opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), "pbe-demo-")) : undefined;
  const dataDir = resolve(opts.cwd, opts.dataDir ?? tempDir!);
  mkdirSync(dataDir, { recursive: true });
  const reportPath = resolve(opts.cwd, opts.reportPath);
  const ui = new DemoUi({ out: opts.out, tty: opts.tty, color: opts.color, quiet: opts.quiet, ...(opts.columns ? { columns: opts.columns } : {}), ...(opts.rows ? { rows: opts.rows } : {}) });
  const style = ui.style;
  const logStream = createWriteStream(join(dataDir, "engine.log"), { flags: "a" });

  let running: RunningEngine | undefined;
  let shop: Shop | undefined;
  try {
    // NATS: only when one answers, said once either way.
    let nats: string | undefined;
    let natsNote: string;
    if (opts.nats === undefined) {
      natsNote = "NATS off";
      ui.print(paint(style, "NATS: not configured (--nats URL or NATS_URL); alerts are shown here and written to the report.", "dim"));
    } else if (await natsAnswers(opts.nats)) {
      nats = opts.nats;
      natsNote = `NATS ${ALERT_SUBJECTS}`;
    } else {
      natsNote = "NATS off";
      ui.print(paint(style, `NATS: nothing answers at ${opts.nats}; running without it (alerts are shown here and written to the report).`, "yellow"));
    }

    const { config } = loadConfig({
      argv: [
        ...["--grpc-port", "0", "--http-port", "0", "--api-port", "0", "--host", "127.0.0.1"],
        ...["--data-dir", dataDir, "--budgets", DEMO_BUDGETS_FILE],
        ...ENGINE_FLAGS,
        ...(nats === undefined ? ["--nats="] : ["--nats", nats]),
      ],
      env: {},
      cwd: opts.cwd,
    });
    const logger = createLogger("info", logStream);
    running = await startEngine({ config, logger });
    const engine = running;
    const api = `http://127.0.0.1:${engine.ports.api}`;
    // The table lists budgets in the file's order (latency, throughput, resources, cost).
    const fileOrder = parseBudgetFile(readFileSync(DEMO_BUDGETS_FILE, "utf8"), DEMO_BUDGETS_FILE).budgets.map((b) => b.id);
    const rank = (id: string) => {
      const i = fileOrder.indexOf(id);
      return i < 0 ? fileOrder.length : i;
    };
    const budgets = new Map<string, Budget>(
      engine.registry
        .budgets()
        .sort((a, b) => rank(a.id) - rank(b.id))
        .map((b) => [b.id, b]),
    );
    if (nats !== undefined && !(await engine.nats.connector.waitConnected(3000))) {
      ui.print(paint(style, `NATS: ${nats} answered but the engine could not connect yet; alerts wait in the engine's outbox.`, "yellow"));
    }

    ui.print(
      paint(style, "Performance Budget Engine: demo", "bold"),
      `  engine   OTLP/gRPC 127.0.0.1:${engine.ports.grpc} · OTLP/HTTP 127.0.0.1:${engine.ports.http} · API ${api}`,
      `  budgets  ${budgets.size} from examples/demo-budgets.yaml (windows ${windowRange([...budgets.values()])}, evaluated every ${formatDurationMs(config.evalIntervalMs)})`,
      `  shop     frontend, cart, checkout, payment, inventory (+ postgresql, stripe-api) via the OpenTelemetry SDK, ~${opts.requestsPerSecond} requests/s`,
      `  alerts   ${nats === undefined ? "in this terminal and the report" : `here, and on NATS ${ALERT_SUBJECTS} (JetStream stream PBE_ALERTS): try \`pbe alerts --nats ${nats}\``}`,
      `  length   ${formatDurationMs(opts.durationMs)}${opts.quiet ? "" : "; Ctrl-C ends early and still writes the report"}`,
      "",
    );

    const phases = timeline(opts.durationMs);
    let startedMs = Date.now();
    const elapsed = () => Date.now() - startedMs;
    const seen: SeenAlert[] = [];
    const seenKeys = new Set<string>();
    const firing = new Set<string>();
    engine.onAlert((event) => {
      const key = `${event.id}\u0000${event.state}`;
      if (seenKeys.has(key)) return; // a retried store write (see RunningEngine.onAlert)
      seenKeys.add(key);
      seen.push({ elapsedMs: elapsed(), event });
      if (event.state === "firing") firing.add(event.budgetId);
      else firing.delete(event.budgetId);
      ui.alert(event, elapsed(), nats === undefined ? undefined : alertSubject(event.service, event.budgetId));
    });

    let phase: Phase = phases[0]!;
    shop = new Shop({
      endpoint: `http://127.0.0.1:${engine.ports.grpc}`,
      requestsPerSecond: opts.requestsPerSecond,
      conditions: () => phase.conditions,
    });
    startedMs = Date.now();
    shop.start();
    const rows = () => budgetRows(engine.tracker.lastEvaluations(), budgets);
    ui.phase(phase, 0, phases.length, 0, []);

    // The live loop: phase changes, the frame, until the end or Ctrl-C.
    const rate = new RateMeter();
    await new Promise<void>((done) => {
      const step = () => {
        const t = elapsed();
        const next = phaseAt(phases, t);
        if (next !== phase) {
          phase = next;
          ui.phase(phase, phases.indexOf(phase), phases.length, t, rows());
        }
        const r = rate.sample(t, shop!.stats.requests, shop!.stats.spans);
        ui.frame({
          elapsedMs: t,
          durationMs: opts.durationMs,
          phase,
          phaseIndex: phases.indexOf(phase),
          phases: phases.length,
          requestsPerSecond: r.requests,
          spansPerSecond: r.spans,
          tracesAttributed: engine.engine.counters.tracesAttributed,
          firing: firing.size,
          natsNote,
          rows: rows(),
        });
        if (t >= opts.durationMs || opts.signal?.aborted) finish();
      };
      const timer = setInterval(step, REFRESH_MS);
      const finish = () => {
        clearInterval(timer);
        opts.signal?.removeEventListener("abort", finish);
        done();
      };
      opts.signal?.addEventListener("abort", finish, { once: true });
      step();
    });
    const ranMs = Math.min(elapsed(), opts.durationMs);
    const early = ranMs < opts.durationMs - REFRESH_MS;

    // Wind down: the shop's last spans out, their traces complete, one last evaluation.
    ui.print(paint(style, `[${clock(elapsed())}] ${early ? "stopped early: " : ""}traffic stopped; flushing the shop's telemetry and evaluating once more…`, "dim"));
    await shop.stop();
    await sleep(config.decisionWaitMs + 700);
    engine.evaluateNow();

    // What needs the engine's API: the exemplar, the recommendations, the engine's report.
    const exemplar = await explainExemplar(api, seen);
    const recommendations = await fetchRecommendations(api, [...new Set([...budgets.values()].map((b) => b.service))]);
    const engineReport = await getText(`${api}/api/v1/report?format=html`);

    // The engine's graceful stop evaluates once more (an alert it decides is printed as usual).
    await engine.close();
    running = undefined;
    const finalRows = budgetRows(engine.tracker.lastEvaluations(), budgets);
    const spansReceived = engine.engine.counters.spansReceived;
    const tracesAttributed = engine.engine.counters.tracesAttributed;
    ui.frame({
      elapsedMs: ranMs,
      durationMs: opts.durationMs,
      phase,
      phaseIndex: phases.indexOf(phase),
      phases: phases.length,
      stopped: true,
      requestsPerSecond: 0,
      spansPerSecond: 0,
      tracesAttributed,
      firing: firing.size,
      natsNote,
      rows: finalRows,
    });
    ui.finish();

    // Summary.
    const fired = seen.filter((a) => a.event.state === "firing").length;
    const resolved = seen.filter((a) => a.event.state === "resolved").length;
    const noData = finalRows.filter((r) => r.status === "no-data").length;
    const violated = finalRows.filter((r) => r.status === "violated").map((r) => r.id);
    const out: string[] = ["", paint(style, "── Summary ──────────────────────────────────────────────", "bold")];
    if (!opts.tty || opts.quiet) out.push(...renderTable(finalRows, style).map((l) => `  ${l}`));
    out.push(
      `  ${formatDurationMs(Math.round(ranMs / 100) * 100)} of traffic: ${count(shop.stats.requests)} requests, ${count(shop.stats.spans)} spans sent, ` +
        `${count(spansReceived)} received (${count(spansReceived / Math.max(1, ranMs / 1000))} spans/s), ${count(tracesAttributed)} traces attributed`,
      `  alerts: ${fired} fired, ${resolved} resolved${firing.size > 0 ? `, still firing: ${[...firing].join(", ")}` : fired > 0 ? ", none still firing" : ""}`,
      ...(firing.size > 0 && [...firing].every((id) => finalRows.find((r) => r.id === id)?.status !== "violated")
        ? ["          (back within budget: an alert resolves after three ok evaluations in a row; a longer --duration shows it)"]
        : []),
      `  budgets now: ${finalRows.length - violated.length - noData} ok, ${violated.length} violated${violated.length ? ` (${violated.join(", ")})` : ""}, ${noData} without data`,
    );
    if (nats !== undefined) {
      const published = engine.nats.alerts.stats.published;
      out.push(`  NATS: ${published} alert event${published === 1 ? "" : "s"} published to ${ALERT_SUBJECTS}; follow them with \`pbe alerts --nats ${nats}\` or \`nats sub '${ALERT_SUBJECTS}'\``);
    }
    ui.print(...out);

    // One exemplar explained: from the first latency alert that carries one (checkout's p99 first).
    let exemplarPlain: string[] | undefined;
    if (exemplar) {
      ui.print("", paint(style, "── Why was it slow? An exemplar trace ───────────────────", "bold"), ...explainTrace(exemplar.trace, style, exemplar.why).map((l) => `  ${l}`));
      exemplarPlain = explainTrace(exemplar.trace, { color: false }, exemplar.why);
    }
    if (recommendations !== undefined) {
      ui.print("", paint(style, "── Recommendations ──────────────────────────────────────", "bold"));
      ui.print(...(recommendations.length > 0 ? recommendations.slice(0, 5).map((r) => `  • ${r}`) : ["  none"]));
    }

    // The report: the engine's, with the incident added.
    const reportData: DemoReportData = {
      generatedAt: new Date().toISOString(),
      durationMs: ranMs,
      phases,
      alerts: seen,
      budgets: finalRows,
      ...(exemplarPlain ? { exemplar: exemplarPlain } : {}),
      recommendations: recommendations ?? [],
      stats: { requests: shop.stats.requests, spansSent: shop.stats.spans, spansReceived, tracesAttributed },
      natsNote: nats === undefined ? "NATS was not used: alerts went to the terminal and this report." : `Alerts were also published to NATS ${ALERT_SUBJECTS} (JetStream stream PBE_ALERTS) at ${nats}.`,
    };
    mkdirSync(dirname(reportPath), { recursive: true });
    if (engineReport.status === 200 && engineReport.text.includes("</body>")) {
      writeFileSync(reportPath, withSection(engineReport.text, incidentSection(reportData)));
    } else {
      ui.print(paint(style, `  the engine's report is not available (HTTP ${engineReport.status}); writing the demo's own`, "yellow"));
      writeFileSync(reportPath, renderDemoReport(reportData));
    }
    ui.print(
      "",
      `  report: ${paint(style, reportPath, "bold")} (open it in a browser: file://${reportPath})`,
      ...(opts.dataDir !== undefined ? [`  engine store and log: ${dataDir}`] : []),
    );
    return 0;
  } finally {
    ui.finish();
    await shop?.stop();
    await running?.close().catch(() => undefined);
    await new Promise<void>((r) => logStream.end(() => r()));
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** `10s–30s`: the shortest and longest budget windows. */
function windowRange(budgets: readonly Budget[]): string {
  const ms = budgets.map((b) => b.windowMs);
  const lo = formatDurationMs(Math.min(...ms));
  const hi = formatDurationMs(Math.max(...ms));
  return lo === hi ? lo : `${lo}–${hi}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Requests and spans per second over the last few seconds. */
class RateMeter {
  private samples: Array<{ t: number; requests: number; spans: number }> = [];

  sample(t: number, requests: number, spans: number): { requests: number; spans: number } {
    this.samples.push({ t, requests, spans });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 3000) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (t - first.t) / 1000;
    if (dt <= 0) return { requests: 0, spans: 0 };
    return { requests: (requests - first.requests) / dt, spans: (spans - first.spans) / dt };
  }
}

async function getText(url: string): Promise<{ status: number; text: string }> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    return { status: r.status, text: await r.text() };
  } catch (err) {
    return { status: 0, text: String(err) };
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const { status, text } = await getText(url);
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    return { status, body: text };
  }
}

/** The attribution of the first exemplar the engine still holds, from latency alerts (checkout-p99's first). */
async function explainExemplar(api: string, seen: readonly SeenAlert[]): Promise<{ trace: TraceAttribution; why: string } | undefined> {
  const candidates = seen
    .filter((a) => a.event.state === "firing" && a.event.type.startsWith("latency.") && a.event.exemplars.length > 0)
    .sort((a, b) => Number(b.event.type === "latency.total") - Number(a.event.type === "latency.total"));
  for (const a of candidates) {
    for (const id of a.event.exemplars.slice(0, 3)) {
      const r = await getJson(`${api}/api/v1/traces/${id}`);
      if (r.status === 200) return { trace: r.body as TraceAttribution, why: `(an exemplar of the ${a.event.budgetId} alert)` };
    }
  }
  return undefined;
}

interface RecommendationLike {
  severity?: string;
  title?: string;
  message?: string;
  summary?: string;
  text?: string;
  service?: string;
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, warning: 2, medium: 2, info: 3, low: 4 };

/** The engine's recommendations for the services, as one sentence each; undefined when the engine offers none (no route). */
async function fetchRecommendations(api: string, services: string[]): Promise<string[] | undefined> {
  const found: RecommendationLike[] = [];
  let available = false;
  for (const s of services) {
    const r = await getJson(`${api}/api/v1/services/${encodeURIComponent(s)}/recommendations`);
    if (r.status !== 200 || typeof r.body !== "object" || r.body === null) continue;
    const list = (r.body as { recommendations?: unknown }).recommendations;
    if (!Array.isArray(list)) continue;
    available = true;
    for (const item of list as RecommendationLike[]) found.push({ ...item, service: item.service ?? s });
  }
  if (!available) return undefined;
  return found
    .sort((a, b) => (SEVERITY_ORDER[a.severity ?? ""] ?? 5) - (SEVERITY_ORDER[b.severity ?? ""] ?? 5))
    .map((r) => {
      const text = r.message ?? r.summary ?? r.text ?? r.title ?? JSON.stringify(r);
      return `${r.severity ? `[${r.severity}] ` : ""}${r.service}: ${text}`;
    });
}
