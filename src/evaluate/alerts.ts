/**
 * The alert state machine per budget (ARCHITECTURE.md §6), with hysteresis so that one incident
 * is one alert:
 *
 * - ok → firing after `fireAfter` consecutive violated evaluations (default 1): one `firing`
 *   event; the incident starts at the first violated evaluation of that streak, and its id is
 *   `incidentId(budgetId, startedAtMs)` — the same after a restart, since the state is restored;
 * - firing stays firing (no event) while violated; → resolved after `resolveAfter` consecutive
 *   ok evaluations (default 3): one `resolved` event with the incident's id; the budget is then
 *   ok, and the next incident gets a new start and so a new id;
 * - `no-data` is skipped: it neither extends nor breaks a streak of violated or ok evaluations,
 *   so it never fires and never resolves (an engine that stops receiving traces does not close
 *   an incident it cannot see the end of);
 * - a budget removed while firing: one `resolved` event at the next evaluation (its last known
 *   values, a summary saying so), and its state is dropped.
 *
 * The firing event carries the top components and the exemplar trace ids of that evaluation;
 * the resolved event repeats them (they describe the incident).
 */
import { z } from "zod";
import type { Budget, BudgetType } from "../budget/index.js";
import { hexToTraceKey } from "../span/index.js";
import { incidentId } from "./incident.js";
import { firingSummary, removedSummary, resolvedSummary } from "./summary.js";
import type { AlertEvent, ComponentShare, Evaluation } from "./types.js";

export interface AlertOptions {
  /** Consecutive violated evaluations before firing. Default 1. */
  fireAfter?: number;
  /** Consecutive ok evaluations before a firing alert resolves. Default 3. */
  resolveAfter?: number;
}

const ShareSchema = z.object({ component: z.string(), share: z.number() });

/** The serialisable state of one budget's alert (what `alertStates` returns and `restoreAlertStates` takes). */
export const AlertStateSchema = z.object({
  status: z.enum(["ok", "firing"]),
  /** Violated evaluations in the current streak (while ok). */
  violations: z.number().int().min(0),
  /** Ok evaluations in the current streak (while firing). */
  oks: z.number().int().min(0),
  /** Time of the first violated evaluation of the current streak. */
  streakStartMs: z.number().nullable(),
  incidentId: z.string().nullable(),
  startedAtMs: z.number().nullable(),
  topComponents: z.array(ShareSchema),
  /** Hex trace ids. */
  exemplars: z.array(z.string()),
  /** The last evaluated values (for an event after the budget is gone). */
  last: z.object({ observed: z.number(), threshold: z.number(), usage: z.number().nullable() }).nullable(),
  /** What the events need to describe the budget once it is gone. */
  budget: z.object({
    type: z.string(),
    service: z.string(),
    operation: z.string().optional(),
    unit: z.string(),
    window: z.string(),
  }),
});
export type AlertState = z.infer<typeof AlertStateSchema>;

export class AlertTracker {
  readonly fireAfter: number;
  readonly resolveAfter: number;
  private readonly states = new Map<string, AlertState>();
  /** Snapshots `restore` refused. */
  restoreRejected = 0;

  constructor(opts: AlertOptions = {}) {
    this.fireAfter = Math.max(1, Math.floor(opts.fireAfter ?? 1));
    this.resolveAfter = Math.max(1, Math.floor(opts.resolveAfter ?? 3));
  }

  /**
   * Advances every budget's state by its evaluation and returns the events of the transitions.
   * `budgets` are the current definitions by id; states of budgets not in it are closed (see the
   * module comment).
   */
  step(evaluations: readonly Evaluation[], budgets: ReadonlyMap<string, Budget>, nowMs: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    const at = new Date(nowMs).toISOString();
    for (const ev of evaluations) {
      const b = budgets.get(ev.budgetId);
      if (b === undefined) continue;
      let st = this.states.get(ev.budgetId);
      if (st === undefined) {
        st = fresh(b);
        this.states.set(ev.budgetId, st);
      }
      st.budget = describe(b);
      if (ev.status === "no-data" || ev.observed === null || ev.threshold === null) continue;
      st.last = { observed: ev.observed, threshold: ev.threshold, usage: ev.usage };
      const violated = ev.status === "violated";
      if (st.status === "ok") {
        if (!violated) {
          st.violations = 0;
          st.streakStartMs = null;
          continue;
        }
        if (st.violations === 0) st.streakStartMs = nowMs;
        st.violations++;
        if (st.violations < this.fireAfter) continue;
        const startedAtMs = st.streakStartMs ?? nowMs;
        st.status = "firing";
        st.violations = 0;
        st.oks = 0;
        st.streakStartMs = null;
        st.startedAtMs = startedAtMs;
        st.incidentId = incidentId(ev.budgetId, startedAtMs);
        st.topComponents = (ev.topComponents ?? []).map((c) => ({ ...c }));
        st.exemplars = [...(ev.exemplars ?? [])];
        events.push(this.event(st, ev.budgetId, "firing", ev.observed, ev.threshold, ev.usage, at, firingSummary(b, ev.observed, ev.threshold, ev.usage, st.topComponents)));
      } else {
        if (violated) {
          st.oks = 0;
          continue;
        }
        st.oks++;
        if (st.oks < this.resolveAfter) continue;
        const summary = resolvedSummary(b, ev.observed, ev.threshold, ev.usage, nowMs - (st.startedAtMs ?? nowMs));
        events.push(this.event(st, ev.budgetId, "resolved", ev.observed, ev.threshold, ev.usage, at, summary));
        this.states.set(ev.budgetId, { ...fresh(b), last: st.last });
      }
    }
    for (const [id, st] of this.states) {
      if (budgets.has(id)) continue;
      if (st.status === "firing") {
        const last = st.last ?? { observed: 0, threshold: 0, usage: null };
        events.push(this.event(st, id, "resolved", last.observed, last.threshold, last.usage, at, removedSummary(id, st.budget.service, nowMs - (st.startedAtMs ?? nowMs))));
      }
      this.states.delete(id);
    }
    return events;
  }

  /** Every budget's state, to checkpoint. */
  snapshot(): Array<{ budgetId: string; state: AlertState }> {
    return [...this.states].map(([budgetId, state]) => ({ budgetId, state: structuredClone(state) }));
  }

  /**
   * Restores checkpointed states (replacing the current state of those budgets). Invalid
   * snapshots are skipped and counted in `restoreRejected`. Returns the states taken.
   */
  restore(entries: Iterable<{ budgetId: string; state: unknown }> | ReadonlyMap<string, unknown>): number {
    let taken = 0;
    const list = entries instanceof Map ? [...(entries as ReadonlyMap<string, unknown>)].map(([budgetId, state]) => ({ budgetId, state })) : (entries as Iterable<{ budgetId: string; state: unknown }>);
    for (const { budgetId, state } of list) {
      const r = AlertStateSchema.safeParse(state);
      if (typeof budgetId !== "string" || !r.success || (r.data.status === "firing" && (r.data.incidentId === null || r.data.startedAtMs === null))) {
        this.restoreRejected++;
        continue;
      }
      this.states.set(budgetId, r.data);
      taken++;
    }
    return taken;
  }

  /** The state of one budget (a copy), if any. */
  stateOf(budgetId: string): AlertState | undefined {
    const s = this.states.get(budgetId);
    return s === undefined ? undefined : structuredClone(s);
  }

  /** Trace keys of the exemplars of every open incident (to keep pinned in the attribution ring). */
  pinnedTraceKeys(): string[] {
    const out: string[] = [];
    for (const st of this.states.values()) {
      if (st.status !== "firing") continue;
      for (const hex of st.exemplars) {
        const key = hexToTraceKey(hex);
        if (key !== undefined) out.push(key);
      }
    }
    return out;
  }

  private event(st: AlertState, budgetId: string, state: AlertEvent["state"], observed: number, threshold: number, usage: number | null, at: string, summary: string): AlertEvent {
    return {
      schema: "pbe.alert.v1",
      id: st.incidentId!,
      state,
      budgetId,
      type: st.budget.type as BudgetType,
      service: st.budget.service,
      ...(st.budget.operation !== undefined && { operation: st.budget.operation }),
      observed,
      threshold,
      unit: st.budget.unit,
      usage,
      window: st.budget.window,
      startedAt: new Date(st.startedAtMs!).toISOString(),
      at,
      topComponents: st.topComponents.map((c: ComponentShare) => ({ ...c })),
      exemplars: [...st.exemplars],
      summary,
    };
  }
}

function describe(b: Budget): AlertState["budget"] {
  return { type: b.type, service: b.service, ...(b.operation !== undefined && { operation: b.operation }), unit: b.unit, window: b.window };
}

function fresh(b: Budget): AlertState {
  return { status: "ok", violations: 0, oks: 0, streakStartMs: null, incidentId: null, startedAtMs: null, topComponents: [], exemplars: [], last: null, budget: describe(b) };
}
