/** `n-plus-one`: one statement run once per item instead of once per request. */
import { formatNumber } from "../budget/index.js";
import { topStatements } from "../evaluate/index.js";
import type { BudgetFacts, JourneyFacts, Recommendation, RecommendRules } from "./types.js";

function isQueriesPerTrace(f: BudgetFacts): boolean {
  return f.budget.type === "throughput.queries" && f.budget.per === "trace";
}

const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * A statement run at least `nPlusOneMinExecutions` times in one trace:
 * - from the recent traces of each journey rooted at the service (with the traces that ran it
 *   most as evidence), linked to the service's first queries-per-trace budget that covers the
 *   journey;
 * - from the last hour's statements of each queries-per-trace budget (`topStatements`), for
 *   statements the recent traces did not show (e.g. after a restart; no trace ids then).
 * Critical when the linked budget is violated now, else warning.
 */
export function nPlusOne(service: string, budgets: readonly BudgetFacts[], journeys: readonly JourneyFacts[], rules: RecommendRules): Recommendation[] {
  const out: Recommendation[] = [];
  const queryBudgets = budgets.filter(isQueriesPerTrace);
  const seen = new Set<string>();
  const linked = (operation: string) => queryBudgets.find((f) => f.budget.operation === undefined || f.budget.operation === operation);
  const severity = (f: BudgetFacts | undefined) => (f?.evaluation.status === "violated" ? "critical" : "warning");
  const budgetEvidence = (f: BudgetFacts | undefined) =>
    f === undefined ? {} : { queriesPerTrace: f.evaluation.observed, threshold: f.evaluation.threshold };

  for (const j of journeys) {
    const f = linked(j.operation);
    for (const s of j.statements) {
      if (s.maxPerTrace < rules.nPlusOneMinExecutions) continue;
      seen.add(`${f?.budget.id ?? ""}\u0000${s.statement}`);
      const mean = s.total / s.traces;
      out.push({
        kind: "n-plus-one",
        severity: severity(f),
        service,
        ...(f ? { budgetId: f.budget.id } : {}),
        operation: j.operation,
        title: `N+1 queries in ${j.operation}: "${cut(s.statement)}" runs up to ${s.maxPerTrace} times per trace`,
        message:
          `${j.operation} runs "${cut(s.statement)}" up to ${s.maxPerTrace} times in one trace (${formatNumber(Number(mean.toPrecision(3)))} on average in the ${s.traces} recent traces that run it` +
          (s.minPerTrace !== s.maxPerTrace ? `, from ${s.minPerTrace} to ${s.maxPerTrace}: it grows with the data` : "") +
          `): fetch the rows in one query (WHERE … IN (…), a join or a batch loader) instead of one query per item.`,
        evidence: {
          statement: s.statement,
          maxPerTrace: s.maxPerTrace,
          minPerTrace: s.minPerTrace,
          meanPerTrace: mean,
          traces: s.traces,
          executions: s.total,
          ...budgetEvidence(f),
          traceIds: s.traceIds.slice(0, rules.traceIds),
        },
      });
    }
  }
  for (const f of queryBudgets) {
    for (const s of topStatements(f.lastHour.extra)) {
      if (s.maxPerTrace < rules.nPlusOneMinExecutions || seen.has(`${f.budget.id}\u0000${s.statement}`)) continue;
      const journey = f.budget.operation ?? `the journeys of ${f.budget.service}`;
      out.push({
        kind: "n-plus-one",
        severity: severity(f),
        service,
        budgetId: f.budget.id,
        ...(f.budget.operation !== undefined ? { operation: f.budget.operation } : {}),
        title: `N+1 queries in ${journey}: "${cut(s.statement)}" runs up to ${s.maxPerTrace} times per trace`,
        message:
          `${journey} ran "${cut(s.statement)}" up to ${s.maxPerTrace} times in one trace over the last hour (${s.total} executions in all): ` +
          `fetch the rows in one query (WHERE … IN (…), a join or a batch loader) instead of one query per item.`,
        evidence: { statement: s.statement, maxPerTrace: s.maxPerTrace, executions: s.total, ...budgetEvidence(f), traceIds: [] },
      });
    }
  }
  return out;
}
