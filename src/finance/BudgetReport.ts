import { Clock, Effect, Option } from "effect"
import type { Database } from "../sqlite/Database.ts"
import { type BudgetStatus, budgetStatusOf } from "./BudgetGate.ts"
import type { FinanceConfig } from "./FinanceConfig.ts"
import { makePriceTable } from "./Price.ts"
import { makeSqliteLedger } from "./SqliteLedger.ts"

/**
 * Today's budget state read from the ledger with the configured cap and prices — what the running
 * factory's budget gate decides on — for `novel-factory status`, which runs in a process of its
 * own. None when the ledger cannot be read.
 */
export const readBudgetStatus = (finance: FinanceConfig): Effect.Effect<Option.Option<BudgetStatus>, never, Database> =>
  Effect.gen(function* () {
    const ledger = yield* makeSqliteLedger
    const now = yield* Clock.currentTimeMillis
    return yield* budgetStatusOf(ledger, finance.dailyBudgetUsd ?? null, makePriceTable(finance.prices ?? {}), now)
  }).pipe(Effect.option)

const utcMinute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`

/** One line: today's spend against the cap, and a pause with its reason and when it lifts. */
export const describeBudget = (status: BudgetStatus): string => {
  const spend = `$${status.spentTodayUsd.toFixed(2)}`
  const head = status.capUsd === null ? `budget: ${spend} spent today (no cap)` : `budget: ${spend} of $${status.capUsd.toFixed(2)} today`
  if (!status.paused) return `${head} · writers running`
  return `${head} · WRITERS PAUSED${status.resumesAt === null ? "" : ` until ${utcMinute(status.resumesAt)}`}: ${status.reason ?? "paused"}`
}
