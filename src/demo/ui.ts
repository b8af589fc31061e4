/**
 * The demo's terminal: on a TTY a live frame (phase banner, traffic, the budget table) redrawn in
 * place below the lines that stay (alerts, phase changes); elsewhere (CI, tests, a pipe) plain
 * lines only: phase changes, alerts, a status line every few seconds and the table at each phase
 * change. Colours only on a TTY and without NO_COLOR.
 */
import { formatThreshold, type Budget } from "../budget/index.js";
import { displayValue, type AlertEvent, type Evaluation } from "../evaluate/index.js";
import type { Phase } from "./timeline.js";

export interface Style {
  color: boolean;
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
type Code = keyof typeof CODES;

export function paint(style: Style, text: string, ...codes: Code[]): string {
  if (!style.color || codes.length === 0) return text;
  return `\x1b[${codes.map((c) => CODES[c]).join(";")}m${text}\x1b[0m`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/y;
// eslint-disable-next-line no-control-regex
const ANSI_ALL = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** Width of a line as displayed (escape sequences take none). */
export function visibleLength(s: string): number {
  return s.replace(ANSI_ALL, "").length;
}

/** Pads to a displayed width. */
function pad(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - visibleLength(s)));
}

/** Cuts a line to `width` displayed characters, keeping escape sequences (and resetting at the cut). */
export function fit(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let out = "";
  let shown = 0;
  let i = 0;
  let styled = false;
  while (i < line.length && shown < width - 1) {
    if (line[i] === "\x1b") {
      ANSI.lastIndex = i;
      const m = ANSI.exec(line);
      if (m) {
        out += m[0];
        styled = m[0] !== "\x1b[0m";
        i += m[0].length;
        continue;
      }
    }
    out += line[i];
    shown++;
    i++;
  }
  return `${out}…${styled ? "\x1b[0m" : ""}`;
}

/** `mm:ss` of a duration. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** A number with thin grouping for people: `12 345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US").replace(/,/g, " ");
}

export interface BudgetRow {
  id: string;
  service: string;
  status: Evaluation["status"];
  observed: string;
  threshold: string;
  usage: number | null;
  /** Error-budget burn rate over the window (budgets with a target): 1 = spending exactly what the target allows. */
  burn: number | null;
}

/**
 * One row per budget of `budgets` (in its order) that has an evaluation, values in the budget's
 * unit. `burn` is how fast the error budget is spent over the budget's window:
 * `(1 − goodRatio) / (1 − target)`, so 1× spends exactly the budget the target allows.
 */
export function budgetRows(evaluations: readonly Evaluation[], budgets: ReadonlyMap<string, Budget>): BudgetRow[] {
  const byId = new Map(evaluations.map((e) => [e.budgetId, e]));
  const ordered = [...budgets.keys()].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  for (const e of evaluations) if (!budgets.has(e.budgetId)) ordered.push(e);
  return ordered.map((e) => {
    const b = budgets.get(e.budgetId);
    const unitOf = b ?? { unit: e.unit, family: e.type.slice(0, e.type.indexOf(".")) as Budget["family"], per: undefined };
    const observed = e.observed === null ? "–" : displayValue(unitOf, e.observed);
    const threshold = e.threshold === null ? "–" : b ? formatThreshold(b, e.threshold) : displayValue(unitOf, e.threshold);
    const target = b?.target;
    const burn = target !== undefined && e.goodRatio !== undefined && target < 1 ? (1 - e.goodRatio) / (1 - target) : null;
    return {
      id: e.budgetId,
      service: e.service,
      status: e.status,
      observed,
      threshold,
      usage: e.usage,
      burn,
    };
  });
}

const STATUS_TEXT: Record<Evaluation["status"], string> = { ok: "ok", violated: "VIOLATED", "no-data": "no data" };

/** The budget table as lines. */
export function renderTable(rows: readonly BudgetRow[], style: Style): string[] {
  const idW = Math.max(6, ...rows.map((r) => r.id.length));
  const svcW = Math.max(7, ...rows.map((r) => r.service.length));
  const obsW = Math.max(8, ...rows.map((r) => r.observed.length));
  const thrW = Math.max(9, ...rows.map((r) => r.threshold.length));
  const head = [pad("BUDGET", idW), pad("SERVICE", svcW), pad("STATUS", 8), pad("OBSERVED", obsW), pad("THRESHOLD", thrW), pad("USAGE", 16), "BURN"].join("  ");
  const lines = [paint(style, head, "bold")];
  for (const r of rows) {
    const statusColor: Code = r.status === "ok" ? "green" : r.status === "violated" ? "red" : "grey";
    const status = paint(style, pad(STATUS_TEXT[r.status], 8), statusColor, ...(r.status === "violated" ? (["bold"] as Code[]) : []));
    const usage = r.usage === null ? pad("–", 16) : pad(usageCell(r.usage, style), 16);
    const burn = r.burn === null ? "–" : paint(style, `${formatRate(r.burn)}×`, ...(r.burn > 1 ? (["red"] as Code[]) : []));
    lines.push([pad(r.id, idW), pad(r.service, svcW), status, pad(r.observed, obsW), pad(r.threshold, thrW), usage, burn].join("  "));
  }
  return lines;
}

function formatRate(v: number): string {
  return v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

/** `137 % ██████░░`: a bar of 8 cells, full at 100 %. */
function usageCell(usage: number, style: Style): string {
  const pct = `${Math.round(usage * 100)} %`.padStart(6);
  const cells = Math.max(0, Math.min(8, Math.round(usage * 8)));
  const bar = "█".repeat(cells) + "░".repeat(8 - cells);
  const color: Code = usage > 1 ? "red" : usage > 0.8 ? "yellow" : "green";
  return `${pct} ${paint(style, bar, color)}`;
}

export interface FrameState {
  elapsedMs: number;
  durationMs: number;
  phase: Phase;
  phaseIndex: number;
  phases: number;
  /** The traffic has ended (the last frame). */
  stopped?: boolean;
  requestsPerSecond: number;
  spansPerSecond: number;
  tracesAttributed: number;
  firing: number;
  natsNote: string;
  rows: BudgetRow[];
}

export interface UiOptions {
  out: NodeJS.WritableStream;
  tty: boolean;
  color: boolean;
  /** Only alerts and the final summary. */
  quiet: boolean;
  /** Terminal width and height (TTY). */
  columns?: () => number;
  rows?: () => number;
  /** Plain mode: a status line at most this often. Default 10 s. */
  statusEveryMs?: number;
}

export class DemoUi {
  readonly style: Style;
  private frameLines = 0;
  private lastFrame: string[] = [];
  private lastStatusMs = -Infinity;
  private finished = false;

  constructor(private readonly opts: UiOptions) {
    this.style = { color: opts.color };
    if (this.live) opts.out.write("\x1b[?25l"); // hide the cursor while the frame is redrawn
  }

  private get live(): boolean {
    return this.opts.tty && !this.opts.quiet;
  }

  /** Lines that stay (above the live frame on a TTY). */
  print(...lines: string[]): void {
    if (lines.length === 0) return;
    this.clearFrame();
    this.opts.out.write(lines.map((l) => `${l}\n`).join(""));
    this.drawFrame();
  }

  /** A phase change: a line that stays; in plain mode also the table as it was before the change. */
  phase(phase: Phase, index: number, phases: number, elapsedMs: number, rows: BudgetRow[]): void {
    if (this.opts.quiet) return;
    if (!this.opts.tty && index > 0 && rows.length > 0) this.print(...renderTable(rows, this.style).map((l) => `        ${l}`));
    this.print(`${paint(this.style, `[${clock(elapsedMs)}]`, "dim")} ${paint(this.style, `▶ phase ${index + 1}/${phases}: ${phase.title}`, "bold", "cyan")}`);
    if (!this.opts.tty) this.print(`        ${phase.detail}`);
  }

  /** An alert as it fires or resolves. */
  alert(e: AlertEvent, elapsedMs: number, natsSubject: string | undefined): void {
    const firing = e.state === "firing";
    const word = paint(this.style, firing ? "FIRING  " : "RESOLVED", firing ? "red" : "green", "bold");
    const lines = [`${paint(this.style, `[${clock(elapsedMs)}]`, "dim")} ${word} ${paint(this.style, e.budgetId, "bold")}: ${e.summary}`];
    const details: string[] = [];
    if (firing && e.topComponents.length > 0) {
      details.push(`top components: ${e.topComponents.slice(0, 3).map((c) => `${c.component} ${Math.round(c.share * 100)} %`).join(" · ")}`);
    }
    if (firing && e.exemplars.length > 0) details.push(`exemplar trace ${e.exemplars[0]}`);
    if (details.length > 0) lines.push(`         ${details.join("; ")}`);
    if (natsSubject) lines.push(paint(this.style, `         → published to NATS ${natsSubject} (stream PBE_ALERTS)`, "dim"));
    this.print(...lines);
  }

  /** The live state: redraws the frame on a TTY; in plain mode a status line every `statusEveryMs`. */
  frame(s: FrameState): void {
    if (this.finished || this.opts.quiet) return;
    if (!this.opts.tty) {
      if (s.elapsedMs - this.lastStatusMs < (this.opts.statusEveryMs ?? 10_000)) return;
      this.lastStatusMs = s.elapsedMs;
      const violated = s.rows.filter((r) => r.status === "violated").map((r) => r.id);
      this.print(
        `${paint(this.style, `[${clock(s.elapsedMs)}]`, "dim")} status: ${count(s.requestsPerSecond)} req/s, ${count(s.spansPerSecond)} spans/s, ${count(s.tracesAttributed)} traces attributed; ` +
          `${violated.length}/${s.rows.length} budgets violated${violated.length > 0 ? ` (${violated.join(", ")})` : ""}`,
      );
      return;
    }
    const width = Math.max(40, (this.opts.columns?.() ?? 100) - 1);
    const progress = Math.min(1, s.elapsedMs / s.durationMs);
    const barCells = 24;
    const done = Math.round(progress * barCells);
    const lines = [
      "",
      `${paint(this.style, "PBE demo", "bold")} ${clock(s.elapsedMs)} / ${clock(s.durationMs)} ${paint(this.style, "━".repeat(done), "cyan")}${paint(this.style, "━".repeat(barCells - done), "grey")}  phase ${s.phaseIndex + 1}/${s.phases}`,
      paint(this.style, `▶ ${s.phase.title}`, "bold", "cyan"),
      paint(this.style, `  ${s.phase.detail}`, "dim"),
      `${s.stopped ? "traffic stopped" : `traffic ${count(s.requestsPerSecond)} req/s · ${count(s.spansPerSecond)} spans/s`} · ${count(s.tracesAttributed)} traces attributed · ` +
        `${s.firing > 0 ? paint(this.style, `${s.firing} alert${s.firing === 1 ? "" : "s"} firing`, "red", "bold") : paint(this.style, "no alert firing", "green")} · ${s.natsNote}`,
      "",
      ...renderTable(s.rows, this.style),
    ];
    // A frame taller than the screen cannot be redrawn in place: keep its last lines (the table).
    const height = Math.max(3, (this.opts.rows?.() ?? 50) - 1);
    this.clearFrame();
    this.lastFrame = lines.slice(Math.max(0, lines.length - height)).map((l) => fit(l, width));
    this.drawFrame();
  }

  /** Stops redrawing: the last frame stays on screen; the cursor is shown again. Idempotent. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.frameLines = 0;
    this.lastFrame = [];
    if (this.live) this.opts.out.write("\x1b[?25h");
  }

  private drawFrame(): void {
    if (!this.live || this.finished || this.lastFrame.length === 0) return;
    this.opts.out.write(this.lastFrame.map((l) => `${l}\n`).join(""));
    this.frameLines = this.lastFrame.length;
  }

  private clearFrame(): void {
    if (this.frameLines > 0 && this.live) this.opts.out.write(`\x1b[${this.frameLines}F\x1b[J`);
    this.frameLines = 0;
  }
}
