import { Effect, Layer } from "effect"
import type { EventBus } from "../events/EventBus.ts"
import { LanguageModel } from "../llm/LanguageModel.ts"
import type { Database } from "../sqlite/Database.ts"
import { BudgetGate, withBudget } from "./BudgetGate.ts"
import type { FinanceConfig } from "./FinanceConfig.ts"
import { Ledger, type LedgerError, withLedger } from "./Ledger.ts"
import { makePriceBook, Prices } from "./PriceBook.ts"
import { SqliteLedger } from "./SqliteLedger.ts"

/** The ledger (on the shared SQLite database), the price book in force and the daily budget gate. */
export const financeLayer = (finance: FinanceConfig): Layer.Layer<Ledger | BudgetGate | Prices, LedgerError, Database | EventBus> => {
  const book = makePriceBook(finance.prices ?? {})
  return BudgetGate.layer({ capUsd: finance.dailyBudgetUsd ?? null, prices: book.table }).pipe(
    Layer.provideMerge(Layer.mergeAll(SqliteLedger.layer, Layer.succeed(Prices, book))),
  )
}

/**
 * Wraps the `LanguageModel` below it: writer calls wait on the daily budget, and every call
 * (offline writer included, at $0) is booked in the ledger at the prices in force; a call of a
 * model with no price alerts and pauses writers (its cost is unknown).
 *
 * ```ts
 * const model = meteredLanguageModelLayer().pipe(
 *   Layer.provide(Layer.mergeAll(languageModelLayer(config), financeLayer(finance))),
 * )
 * ```
 */
export const meteredLanguageModelLayer = (_finance?: FinanceConfig): Layer.Layer<LanguageModel, never, LanguageModel | Ledger | BudgetGate | Prices> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const inner = yield* LanguageModel
      const ledger = yield* Ledger
      const gate = yield* BudgetGate
      const prices = yield* Prices
      return LanguageModel.of(withBudget(withLedger(inner, ledger, prices.table, { onUnpriced: gate.noteUnpriced }), gate))
    }),
  )
