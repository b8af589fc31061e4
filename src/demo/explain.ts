/**
 * The explanation of one trace for the terminal: where its end-to-end latency went, by component
 * and network edge, and its critical path in time order (as `GET /api/v1/traces/{traceId}`
 * answers it, CONTRACT.md "Trace attribution").
 */
import { formatDurationMs } from "../units/index.js";
import { paint, type Style } from "./ui.js";

/** The fields of the API's trace attribution this view reads. */
export interface TraceAttribution {
  traceId: string;
  journey: { service: string; operation: string };
  durationNs: number;
  processingNs: number;
  networkNs: number;
  components: Record<string, number>;
  edges: Record<string, number>;
  criticalPath: Array<{
    service: string;
    name: string;
    category: "processing" | "network";
    component?: string;
    edge?: string;
    startOffsetNs: number;
    durationNs: number;
  }>;
  counts?: { dbQueries?: number; downstreamCalls?: number };
}

const ms = (ns: number) => formatDurationMs(ns / 1e6);
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : "–");

/** At most `maxPath` critical-path lines (consecutive segments of one span and category merged). */
export function explainTrace(a: TraceAttribution, style: Style, why: string, maxPath = 24): string[] {
  const total = a.durationNs;
  const lines = [
    `${paint(style, `trace ${a.traceId}`, "bold")} ${why}: ${a.journey.operation} on ${a.journey.service}, ${paint(style, ms(total), "bold")} end to end` +
      (a.counts?.dbQueries !== undefined ? `, ${a.counts.dbQueries} database queries` : ""),
    `  processing ${ms(a.processingNs)} (${pct(a.processingNs, total)}) · network ${ms(a.networkNs)} (${pct(a.networkNs, total)})`,
  ];
  const parts = [
    ...Object.entries(a.components).map(([k, v]) => ({ k, v })),
    ...Object.entries(a.edges).map(([k, v]) => ({ k: `${k} (network)`, v })),
  ].sort((x, y) => y.v - x.v);
  lines.push(`  by component: ${parts.slice(0, 6).map((p, i) => (i === 0 ? paint(style, `${p.k} ${ms(p.v)} (${pct(p.v, total)})`, "bold") : `${p.k} ${ms(p.v)} (${pct(p.v, total)})`)).join(" · ")}`);

  // Consecutive segments of the same span and category are one step for a reader.
  const steps: TraceAttribution["criticalPath"] = [];
  for (const seg of a.criticalPath) {
    const last = steps[steps.length - 1];
    if (last && last.category === seg.category && last.service === seg.service && last.name === seg.name && (last.edge ?? last.component) === (seg.edge ?? seg.component)) {
      last.durationNs += seg.durationNs;
    } else steps.push({ ...seg });
  }
  // A short path is listed whole; in a long one (an N+1 pattern) steps under 2 % of the trace
  // are summed, run by run, into one line.
  const big = (st: (typeof steps)[number]) => steps.length <= maxPath || st.durationNs >= total * 0.02;
  type Line = { step: (typeof steps)[number] } | { small: number; ns: number; fromNs: number };
  const out: Line[] = [];
  for (const st of steps) {
    const last = out[out.length - 1];
    if (big(st)) out.push({ step: st });
    else if (last && "small" in last) {
      last.small++;
      last.ns += st.durationNs;
    } else out.push({ small: 1, ns: st.durationNs, fromNs: st.startOffsetNs });
  }
  lines.push(`  critical path (${steps.length} steps in time order${steps.length > maxPath ? "; steps under 2 % of the trace summed" : ""}):`);
  const listed = out.flatMap((l) => ("step" in l ? [l.step] : []));
  const nameW = Math.min(34, Math.max(4, ...listed.map((s) => s.name.length)));
  const whoW = Math.max(8, ...listed.map((s) => (s.category === "network" ? (s.edge ?? "network") : (s.component ?? s.service)).length));
  for (const l of out.slice(0, maxPath)) {
    if ("small" in l) {
      lines.push(paint(style, `    +${ms(l.fromNs).padEnd(8)} ${`${l.small} short step${l.small === 1 ? "" : "s"}`.padEnd(whoW + nameW + 2)}  ${"".padEnd(10)} ${ms(l.ns)}`, "dim"));
      continue;
    }
    const s = l.step;
    const who = s.category === "network" ? (s.edge ?? "network") : (s.component ?? s.service);
    const name = s.name.length > nameW ? `${s.name.slice(0, nameW - 1)}…` : s.name;
    const line = `    +${ms(s.startOffsetNs).padEnd(8)} ${who.padEnd(whoW)}  ${name.padEnd(nameW)}  ${s.category.padEnd(10)} ${ms(s.durationNs)}`;
    lines.push(s.durationNs >= total * 0.25 ? paint(style, line, "yellow", "bold") : line);
  }
  if (out.length > maxPath) {
    const rest = out.slice(maxPath);
    lines.push(`    … ${rest.length} more lines, ${ms(rest.reduce((sum, l) => sum + ("step" in l ? l.step.durationNs : l.ns), 0))} in all`);
  }
  return lines;
}
