import { Effect, Layer } from "effect"
import type { EventBus } from "../events/EventBus.ts"
import { LanguageModel } from "../llm/LanguageModel.ts"
import type { Database } from "../sqlite/Database.ts"
import { BudgetGate, withBudget } from "./BudgetGate.ts"
import type { FinanceConfig } from "./FinanceConfig.ts"
import { Ledger, type LedgerError, withLedger } from "./Ledger.ts"
import { makePriceTable } from "./Price.ts"
import { SqliteLedger } from "./SqliteLedger.ts"

/** The ledger (on the shared SQLite database) and the daily budget gate. */
export const financeLayer = (finance: FinanceConfig): Layer.Layer<Ledger | BudgetGate, LedgerError, Database | EventBus> =>
  BudgetGate.layer({ capUsd: finance.dailyBudgetUsd ?? null }).pipe(Layer.provideMerge(SqliteLedger.layer))

/**
 * Wraps the `LanguageModel` below it: writer calls wait on the daily budget, and every call
 * (offline writer included, at $0) is booked in the ledger at the configured prices.
 *
 * ```ts
 * const model = meteredLanguageModelLayer(finance).pipe(
 *   Layer.provide(Layer.mergeAll(languageModelLayer(config), financeLayer(finance))),
 * )
 * ```
 */
export const meteredLanguageModelLayer = (finance: FinanceConfig): Layer.Layer<LanguageModel, never, LanguageModel | Ledger | BudgetGate> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const inner = yield* LanguageModel
      const ledger = yield* Ledger
      const gate = yield* BudgetGate
      return LanguageModel.of(withBudget(withLedger(inner, ledger, makePriceTable(finance.prices ?? {})), gate))
    }),
  )
