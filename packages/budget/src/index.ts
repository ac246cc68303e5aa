export { BudgetAmountError, Money, parseAmount } from './amount.js';
export { BudgetGate, type BudgetPlan, BudgetReason, type CompiledBudget } from './gate.js';
export { MemoryBudgetStore, type MemoryBudgetStoreOptions } from './memory-store.js';
export type {
  Amount,
  BudgetCost,
  BudgetGateOptions,
  BudgetSettleEvent,
  BudgetSpec,
  BudgetToolOptions,
  CostFunction,
} from './options.js';
export { type BudgetRedisClient, RedisBudgetStore, type RedisBudgetStoreOptions } from './redis-store.js';
export type { BudgetLine, BudgetStore, BudgetUsage, CommitLine, CommitUsage, ReserveOutcome } from './store.js';
