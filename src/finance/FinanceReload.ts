import { Effect, Layer, Ref, Schedule } from "effect"
import { BudgetGate } from "./BudgetGate.ts"
import type { FinanceConfig } from "./FinanceConfig.ts"
import { Prices } from "./PriceBook.ts"

/** Every 30 s by default: an edit of `factory.yaml` takes effect within that, without a restart. */
export const DEFAULT_FINANCE_RELOAD_MS = 30_000

export interface FinanceReloadOptions {
  /** Reads the `finance` section as it is now (the config file re-read and decoded). */
  readonly load: Effect.Effect<FinanceConfig, { readonly message: string }>
  /** The section the factory started with. */
  readonly initial: FinanceConfig
  readonly everyMs?: number
}

const samePrices = (a: FinanceConfig["prices"], b: FinanceConfig["prices"]): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {})

/**
 * Applies `finance.dailyBudgetUsd` and `finance.prices` as the config file says now: a new cap
 * wakes parked writers to re-check, new prices replace the price book (and resolve a pause for a
 * model that now has a price). A file that does not decode is logged and changes nothing.
 */
export const reloadFinanceOnce = (options: FinanceReloadOptions, last: Ref.Ref<FinanceConfig>) =>
  Effect.gen(function* () {
    const gate = yield* BudgetGate
    const prices = yield* Prices
    const next = yield* options.load
    const previous = yield* Ref.get(last)
    const previousCap = previous.dailyBudgetUsd ?? null
    const nextCap = next.dailyBudgetUsd ?? null
    if (nextCap !== previousCap) {
      yield* Effect.logInfo(`finance: daily budget ${previousCap === null ? "none" : `$${previousCap}`} → ${nextCap === null ? "none" : `$${nextCap}`} (reloaded from the config)`)
      yield* gate.setCap(nextCap)
    }
    if (!samePrices(previous.prices, next.prices)) {
      yield* Effect.logInfo("finance: prices reloaded from the config")
      prices.set(next.prices ?? {})
      yield* gate.recheck
    }
    yield* Ref.set(last, next)
  }).pipe(
    Effect.catch((error) => Effect.logWarning(`finance: the config could not be reloaded, keeping the budget and prices in force: ${error.message}`)),
  )

/** Re-reads the finance section every `everyMs` on Effect's Clock, for as long as the layer lives. */
export const financeReloadLayer = (options: FinanceReloadOptions): Layer.Layer<never, never, BudgetGate | Prices> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const last = yield* Ref.make(options.initial)
      yield* Effect.sleep(options.everyMs ?? DEFAULT_FINANCE_RELOAD_MS).pipe(
        Effect.andThen(reloadFinanceOnce(options, last)),
        Effect.repeat(Schedule.forever),
        Effect.forkScoped,
      )
    }),
  )
