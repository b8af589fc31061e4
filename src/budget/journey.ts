/** Which traces and samples a budget applies to. */
import type { Budget } from "./schema.js";

/**
 * Whether a budget applies to a journey (a trace's root service and operation, or a metric's
 * service): the service must be the budget's, and the operation too when the budget names one
 * (a budget without `operation` covers every journey of its service).
 */
export function matchesJourney(budget: Pick<Budget, "service" | "operation">, service: string, operation?: string): boolean {
  return budget.service === service && (budget.operation === undefined || budget.operation === operation);
}
