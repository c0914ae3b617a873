import { Clock, Context, Deferred, Effect, Layer, Ref } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { LanguageModel, type LanguageModelShape, LlmTransientError, type LlmStage } from "../llm/LanguageModel.ts"
import { DAY_MS, Ledger, type LedgerError, type LedgerShape, utcDate, utcDayStart } from "./Ledger.ts"
import { makePriceTable, type PriceTable } from "./Price.ts"

/**
 * The daily budget cap. `awaitBudget` returns at once while today's (UTC) LLM spend is under
 * the cap and every model booked today has a known price; otherwise callers park — nothing
 * fails — and an `Alert` fires on the event bus, resolved when work resumes:
 *
 * - rule `finance.daily-budget`: spend reached the cap; resumes at the next UTC day or when the
 *   cap is raised (`setCap`, e.g. by the `finance` section reloaded from `factory.yaml`);
 * - rule `finance.unknown-price`: a model the provider reported has no price (booked at $0, so
 *   the cap cannot hold). Fired at its first call (`noteUnpriced`); writers resume when the
 *   model gets a price (`recheck` after the prices are reloaded) or at the next UTC day.
 *
 * Time is Effect's Clock: TestClock drives it.
 *
 * The cap is soft by the calls already admitted: writers that passed the gate before the cap was
 * reached finish their call. Park writers *before* they claim a job so a paused writer does not
 * hold a lease (or call `awaitBudget` in the writer stage, which the `withBudget` wrapper does).
 */
export interface BudgetStatus {
  readonly capUsd: number | null
  readonly spentTodayUsd: number
  readonly paused: boolean
  /** When work resumes by itself (the next UTC midnight) while paused. */
  readonly resumesAt: number | null
  /** Why writers are paused (for `status` and the dashboard); null while they run. */
  readonly reason: string | null
  /** Models booked today whose price is still unknown. */
  readonly unpricedModels: ReadonlyArray<string>
}

export interface BudgetGateShape {
  readonly awaitBudget: Effect.Effect<void, LedgerError>
  /** A new cap (USD per UTC day), or null for none; wakes parked callers to re-check. */
  readonly setCap: (capUsd: number | null) => Effect.Effect<void>
  readonly status: Effect.Effect<BudgetStatus, LedgerError>
  /** A call was booked with no known price: alert now (once per model), writers pause at their next check. */
  readonly noteUnpriced: (model: string, provider: string) => Effect.Effect<void>
  /** Wakes parked callers to re-check (prices changed). */
  readonly recheck: Effect.Effect<void>
}

export class BudgetGate extends Context.Service<BudgetGate, BudgetGateShape>()("novel-factory/finance/BudgetGate") {
  static readonly layer = (options: BudgetGateOptions): Layer.Layer<BudgetGate, never, Ledger | EventBus> =>
    Layer.effect(BudgetGate, makeBudgetGate(options))
}

export interface BudgetGateOptions {
  readonly capUsd: number | null
  /** Re-check this often while paused (spend booked by another process, a cap changed elsewhere). Default 5 minutes. */
  readonly recheckMs?: number
  /** The prices in force (a `PriceBook`'s table, so reloaded prices count); default the built-in table. */
  readonly prices?: PriceTable
}

export const BUDGET_RULE = "finance.daily-budget"
export const UNKNOWN_PRICE_RULE = "finance.unknown-price"

const usd = (n: number) => `$${n.toFixed(2)}`

/**
 * Today's budget state from the ledger, the cap and the prices in force — what the gate decides
 * on, and what `novel-factory status` shows from another process.
 */
export const budgetStatusOf = (ledger: LedgerShape, capUsd: number | null, prices: PriceTable, now: number): Effect.Effect<BudgetStatus, LedgerError> =>
  Effect.gen(function* () {
    const from = utcDayStart(now)
    const midnight = from + DAY_MS
    const spent = yield* ledger.spentUsd(from, midnight)
    const unpricedModels = [
      ...new Set((yield* ledger.unpricedModels(from, midnight)).filter((m) => !prices.lookup(m.model, m.provider).known).map((m) => m.model)),
    ]
    const reasons: Array<string> = []
    if (capUsd !== null && spent >= capUsd) {
      reasons.push(`today's LLM spend ${usd(spent)} reached the daily budget ${usd(capUsd)} (${utcDate(now)} UTC); raise finance.dailyBudgetUsd to resume sooner`)
    }
    if (unpricedModels.length > 0) {
      reasons.push(
        `the cost of ${unpricedModels.map((m) => `'${m}'`).join(", ")} is unknown (no price in finance.prices), so the budget cannot hold; add ${unpricedModels.map((m) => `finance.prices.${m}`).join(", ")} to resume`,
      )
    }
    const paused = reasons.length > 0
    return { capUsd, spentTodayUsd: spent, paused, resumesAt: paused ? midnight : null, reason: paused ? reasons.join("; ") : null, unpricedModels }
  })

export const makeBudgetGate = (options: BudgetGateOptions): Effect.Effect<BudgetGateShape, never, Ledger | EventBus> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    const bus = yield* EventBus
    const prices = options.prices ?? makePriceTable()
    const cap = yield* Ref.make(options.capUsd)
    const changed = yield* Ref.make(yield* Deferred.make<void>())
    const recheckMs = options.recheckMs ?? 300_000
    // The alerts' state, shared by every parked caller: one "firing" per pause, one "resolved" per resume.
    let overCap = false
    const alertedUnpriced = new Set<string>()

    const status = Effect.gen(function* () {
      return yield* budgetStatusOf(ledger, yield* Ref.get(cap), prices, yield* Clock.currentTimeMillis)
    })

    const alert = (rule: string, state: "firing" | "resolved", message: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => bus.publish({ _tag: "Alert", at, rule, state, message }))

    const noteUnpriced = (model: string, provider: string) =>
      Effect.suspend(() => {
        if (alertedUnpriced.has(model) || prices.lookup(model, provider).known) return Effect.void
        alertedUnpriced.add(model)
        return alert(
          UNKNOWN_PRICE_RULE,
          "firing",
          `${provider} reported model '${model}', which has no price (booked at $0, so the daily budget cannot hold): writers pause until finance.prices.${model} is set`,
        )
      })

    /** Fires and resolves the alerts to match `current`. */
    const settleAlerts = (current: BudgetStatus) =>
      Effect.gen(function* () {
        const capReached = current.capUsd !== null && current.spentTodayUsd >= current.capUsd
        if (capReached && !overCap) {
          overCap = true
          yield* alert(BUDGET_RULE, "firing", `today's LLM spend ${usd(current.spentTodayUsd)} reached the daily budget ${usd(current.capUsd!)}: writers paused until ${new Date(current.resumesAt!).toISOString()} or until the cap is raised`)
        } else if (!capReached && overCap) {
          overCap = false
          yield* alert(BUDGET_RULE, "resolved", current.capUsd === null ? "daily LLM budget removed: writers resume" : `LLM spend ${usd(current.spentTodayUsd)} is under the daily budget ${usd(current.capUsd)}: writers resume`)
        }
        for (const model of current.unpricedModels) {
          if (!alertedUnpriced.has(model)) {
            alertedUnpriced.add(model)
            yield* alert(UNKNOWN_PRICE_RULE, "firing", `model '${model}' was booked today without a price: writers pause until finance.prices.${model} is set`)
          }
        }
        const unknownNow = new Set(current.unpricedModels)
        const priced = [...alertedUnpriced].filter((m) => !unknownNow.has(m))
        for (const model of priced) alertedUnpriced.delete(model)
        if (priced.length > 0 && alertedUnpriced.size === 0) {
          yield* alert(UNKNOWN_PRICE_RULE, "resolved", `every model booked today has a price now (${priced.map((m) => `'${m}'`).join(", ")}): writers resume`)
        }
      })

    const awaitBudget: Effect.Effect<void, LedgerError> = Effect.gen(function* () {
      while (true) {
        // Taken before the check, so a cap raised during it still wakes us.
        const signal = yield* Ref.get(changed)
        const now = yield* Clock.currentTimeMillis
        const current = yield* budgetStatusOf(ledger, yield* Ref.get(cap), prices, now)
        yield* settleAlerts(current)
        if (!current.paused) return
        yield* Effect.race(Effect.sleep(Math.max(1, Math.min(current.resumesAt! - now, recheckMs))), Deferred.await(signal))
      }
    })

    const wake = Effect.gen(function* () {
      const next = yield* Deferred.make<void>()
      const previous = yield* Ref.getAndSet(changed, next)
      yield* Deferred.succeed(previous, undefined)
    })

    const setCap = (capUsd: number | null) => Effect.andThen(Ref.set(cap, capUsd), wake)

    return { awaitBudget, setCap, status, noteUnpriced, recheck: wake }
  })

/**
 * Parks the given stages (the writer by default) on the budget before each call. A ledger failure
 * during the check is an `LlmTransientError`: the job is retried, not failed.
 */
export const withBudget = (model: LanguageModelShape, gate: BudgetGateShape, stages: ReadonlyArray<LlmStage> = ["writer"]): LanguageModelShape => ({
  name: model.name,
  complete: (request) =>
    stages.includes(request.stage)
      ? gate.awaitBudget.pipe(
        Effect.mapError((e) => new LlmTransientError({ message: `budget check failed: ${e.message}` })),
        Effect.andThen(model.complete(request)),
      )
      : model.complete(request),
})

export const withBudgetLayer = (stages?: ReadonlyArray<LlmStage>): Layer.Layer<LanguageModel, never, LanguageModel | BudgetGate> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const inner = yield* LanguageModel
      const gate = yield* BudgetGate
      return LanguageModel.of(withBudget(inner, gate, stages))
    }),
  )
