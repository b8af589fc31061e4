import {
  parseBudget,
  parseBudgetFile,
  toDefinition,
  validateBudgetSet,
  type Budget,
} from "../budget/index.js";
import { PbeError, ValidationError, type Problem } from "../errors/index.js";

/** Where budgets are kept; the SQLite store implements it (an in-memory one serves tests). */
export interface BudgetPersistence {
  listBudgets(): { id: string; definition: unknown; source: string; createdAt: number; updatedAt: number }[];
  upsertBudget(id: string, definition: unknown, source: string, nowMs: number): void;
  deleteBudget(id: string): boolean;
  replaceFileBudgets(source: string, entries: { id: string; definition: unknown }[], nowMs: number): void;
}

export interface BudgetEntry {
  budget: Budget;
  /** `api`, or `file:<path>` for budgets loaded from a budgets file. */
  source: string;
  createdAt: number;
  updatedAt: number;
}

export type BudgetsListener = (budgets: Budget[]) => void;

/**
 * The set of budgets in force: loaded from the store, from a budgets file, defined through the
 * API. Every change is validated as a whole set (ids, parents, allocation) before anything is
 * stored, and every problem is reported at once. Budgets of a file belong to the file: changing
 * or deleting them through the API is refused (edit the file); a budget defined through the API
 * is never overwritten by a file (see {@link BudgetRegistry.loadFile}).
 */
export class BudgetRegistry {
  private entries = new Map<string, BudgetEntry>();
  private readonly listeners: BudgetsListener[] = [];

  constructor(
    private readonly store: BudgetPersistence,
    private readonly opts: { currency: string; now: () => number },
  ) {}

  onChange(listener: BudgetsListener): void {
    this.listeners.push(listener);
  }

  /**
   * Loads the stored budgets. A stored definition that no longer validates (an older version's)
   * is skipped and returned as a problem, never fatal.
   */
  loadStored(): Problem[] {
    const problems: Problem[] = [];
    const entries = new Map<string, BudgetEntry>();
    for (const row of this.store.listBudgets()) {
      const r = parseBudget(row.definition, { currency: this.opts.currency });
      if (!r.ok) {
        for (const p of r.problems) problems.push({ path: `${row.id}.${p.path}`, message: p.message });
        continue;
      }
      entries.set(row.id, { budget: r.budget, source: row.source, createdAt: row.createdAt, updatedAt: row.updatedAt });
    }
    this.entries = entries;
    this.changed();
    return problems;
  }

  /**
   * Loads a budgets file (its text; reading it is the caller's): the file's budgets replace the
   * ones previously loaded from the same path. An API-defined budget with the same id as one in
   * the file wins (the file's entry is skipped and returned in `skipped`): what a person changed
   * through the API is never overwritten by a reload. Throws ValidationError with every problem,
   * and then changes nothing.
   */
  loadFile(path: string, text: string): { loaded: Budget[]; skipped: string[] } {
    const source = `file:${path}`;
    const parsed = parseBudgetFile(text, path, { currency: this.opts.currency });
    if (parsed.problems.length > 0) throw new ValidationError(`${path}: ${parsed.problems.length} problem(s) in the budgets file`, parsed.problems);
    const skipped = parsed.budgets.filter((b) => this.entries.get(b.id)?.source === "api").map((b) => b.id);
    const fromFile = parsed.budgets.filter((b) => !skipped.includes(b.id));
    const others = [...this.entries.values()].filter((e) => e.source !== source && !fromFile.some((b) => b.id === e.budget.id));
    const problems = validateBudgetSet([...others.map((e) => e.budget), ...fromFile], {
      paths: [...others.map((e) => e.budget.id), ...fromFile.map((b) => `budgets[${parsed.budgets.indexOf(b)}]`)],
    });
    if (problems.length > 0) throw new ValidationError(`${path}: the budgets conflict with the ones already defined`, problems);
    const now = this.opts.now();
    this.store.replaceFileBudgets(
      source,
      fromFile.map((b) => ({ id: b.id, definition: toDefinition(b) })),
      now,
    );
    for (const e of [...this.entries.values()]) if (e.source === source) this.entries.delete(e.budget.id);
    for (const b of fromFile) {
      const before = this.entries.get(b.id);
      this.entries.set(b.id, { budget: b, source, createdAt: before?.createdAt ?? now, updatedAt: now });
    }
    this.changed();
    return { loaded: fromFile, skipped };
  }

  list(): BudgetEntry[] {
    return [...this.entries.values()].sort((a, b) => a.budget.id.localeCompare(b.budget.id));
  }

  budgets(): Budget[] {
    return this.list().map((e) => e.budget);
  }

  get(id: string): BudgetEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * Validates a definition against the whole set and, unless `dryRun`, stores it. With `id` the
   * definition replaces that budget (PUT): its `id` field must match or be absent. Throws
   * ValidationError with every problem; PbeError `conflict` for file-owned budgets.
   */
  define(input: unknown, opts: { id?: string; dryRun?: boolean; create?: boolean } = {}): { budget: Budget; created: boolean } {
    let definition = input;
    if (opts.id !== undefined && isRecord(input)) {
      if (input.id === undefined) definition = { ...input, id: opts.id };
      else if (input.id !== opts.id) {
        throw new ValidationError("the definition's id differs from the one in the path", [{ path: "id", message: `must be "${opts.id}" (the id in the path) or absent` }]);
      }
    }
    const r = parseBudget(definition, { currency: this.opts.currency });
    if (!r.ok) throw new ValidationError("invalid budget definition", r.problems);
    const budget = r.budget;
    const existing = this.entries.get(budget.id);
    if (existing && opts.create) throw new PbeError("conflict", `budget "${budget.id}" already exists; use PUT /api/v1/budgets/${budget.id} to change it`);
    if (existing && existing.source !== "api") {
      throw new PbeError("conflict", `budget "${budget.id}" is defined in ${existing.source.slice(5)}; change it there`);
    }
    const others = [...this.entries.values()].filter((e) => e.budget.id !== budget.id).map((e) => e.budget);
    const problems = validateBudgetSet([...others, budget], { paths: [...others.map((b) => b.id), "budget"] });
    if (problems.length > 0) throw new ValidationError("the budget conflicts with the budgets already defined", problems);
    if (!opts.dryRun) {
      const now = this.opts.now();
      this.store.upsertBudget(budget.id, toDefinition(budget), "api", now);
      this.entries.set(budget.id, { budget, source: "api", createdAt: existing?.createdAt ?? now, updatedAt: now });
      this.changed();
    }
    return { budget, created: existing === undefined };
  }

  /** Deletes an API-defined budget; refuses file budgets and parents of other budgets. */
  delete(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (e.source !== "api") throw new PbeError("conflict", `budget "${id}" is defined in ${e.source.slice(5)}; remove it there`);
    const children = [...this.entries.values()].filter((c) => c.budget.parent === id).map((c) => c.budget.id);
    if (children.length > 0) throw new PbeError("conflict", `budget "${id}" is the parent of ${children.map((c) => `"${c}"`).join(", ")}; delete or re-parent them first`);
    this.store.deleteBudget(id);
    this.entries.delete(id);
    this.changed();
    return true;
  }

  private changed(): void {
    const budgets = this.budgets();
    for (const l of this.listeners) l(budgets);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An in-memory {@link BudgetPersistence} (tests, embedded use). */
export class MemoryBudgetPersistence implements BudgetPersistence {
  private readonly rows = new Map<string, { id: string; definition: unknown; source: string; createdAt: number; updatedAt: number }>();
  listBudgets() {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }
  upsertBudget(id: string, definition: unknown, source: string, nowMs: number): void {
    const before = this.rows.get(id);
    this.rows.set(id, { id, definition, source, createdAt: before?.createdAt ?? nowMs, updatedAt: nowMs });
  }
  deleteBudget(id: string): boolean {
    return this.rows.delete(id);
  }
  replaceFileBudgets(source: string, entries: { id: string; definition: unknown }[], nowMs: number): void {
    for (const [id, r] of this.rows) if (r.source === source && !entries.some((e) => e.id === id)) this.rows.delete(id);
    for (const e of entries) if (this.rows.get(e.id)?.source !== "api") this.upsertBudget(e.id, e.definition, source, nowMs);
  }
}
