export { BudgetRegistry, MemoryBudgetPersistence, type BudgetPersistence, type BudgetEntry, type BudgetsListener } from "./registry.js";
