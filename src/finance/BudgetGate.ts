import { Clock, Context, Deferred, Effect, Layer, Ref } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { LanguageModel, type LanguageModelShape, LlmTransientError, type LlmStage } from "../llm/LanguageModel.ts"
import { DAY_MS, Ledger, type LedgerError, utcDate, utcDayStart } from "./Ledger.ts"

/**
 * The daily budget cap. `awaitBudget` returns at once while today's (UTC) LLM spend is under
 * the cap; once it reaches the cap, callers park — nothing fails — until the next UTC day or
 * until the cap is raised (`setCap`), and an `Alert` (rule `finance.daily-budget`) fires on the
 * event bus, resolved when work resumes. Time is Effect's Clock: TestClock drives it.
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
}

export interface BudgetGateShape {
  readonly awaitBudget: Effect.Effect<void, LedgerError>
  /** A new cap (USD per UTC day), or null for none; wakes parked callers to re-check. */
  readonly setCap: (capUsd: number | null) => Effect.Effect<void>
  readonly status: Effect.Effect<BudgetStatus, LedgerError>
}

export class BudgetGate extends Context.Service<BudgetGate, BudgetGateShape>()("novel-factory/finance/BudgetGate") {
  static readonly layer = (options: BudgetGateOptions): Layer.Layer<BudgetGate, never, Ledger | EventBus> =>
    Layer.effect(BudgetGate, makeBudgetGate(options))
}

export interface BudgetGateOptions {
  readonly capUsd: number | null
  /** Re-check this often while paused (spend booked by another process, a cap changed elsewhere). Default 5 minutes. */
  readonly recheckMs?: number
}

export const BUDGET_RULE = "finance.daily-budget"

export const makeBudgetGate = (options: BudgetGateOptions): Effect.Effect<BudgetGateShape, never, Ledger | EventBus> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger
    const bus = yield* EventBus
    const cap = yield* Ref.make(options.capUsd)
    const changed = yield* Ref.make(yield* Deferred.make<void>())
    const recheckMs = options.recheckMs ?? 300_000
    // The alert's state, shared by every parked caller: one "firing" per pause, one "resolved" per resume.
    let paused = false

    const spentToday = (now: number) => ledger.spentUsd(utcDayStart(now), utcDayStart(now) + DAY_MS)

    const status = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const capUsd = yield* Ref.get(cap)
      const spent = yield* spentToday(now)
      const over = capUsd !== null && spent >= capUsd
      return { capUsd, spentTodayUsd: spent, paused: over, resumesAt: over ? utcDayStart(now) + DAY_MS : null }
    })

    const awaitBudget: Effect.Effect<void, LedgerError> = Effect.gen(function* () {
      while (true) {
        // Taken before the check, so a cap raised during it still wakes us.
        const signal = yield* Ref.get(changed)
        const now = yield* Clock.currentTimeMillis
        const capUsd = yield* Ref.get(cap)
        const spent = capUsd === null ? 0 : yield* spentToday(now)
        if (capUsd === null || spent < capUsd) {
          if (paused) {
            paused = false
            yield* bus.publish({
              _tag: "Alert",
              at: now,
              rule: BUDGET_RULE,
              state: "resolved",
              message: capUsd === null
                ? "daily LLM budget removed: writers resume"
                : `LLM spend $${spent.toFixed(2)} is under the daily budget $${capUsd.toFixed(2)} (${utcDate(now)} UTC): writers resume`,
            })
          }
          return
        }
        const midnight = utcDayStart(now) + DAY_MS
        if (!paused) {
          paused = true
          yield* bus.publish({
            _tag: "Alert",
            at: now,
            rule: BUDGET_RULE,
            state: "firing",
            message: `today's LLM spend $${spent.toFixed(2)} reached the daily budget $${capUsd.toFixed(2)} (${utcDate(now)} UTC): writers paused until ${new Date(midnight).toISOString()} or until the cap is raised`,
          })
        }
        yield* Effect.race(Effect.sleep(Math.max(1, Math.min(midnight - now, recheckMs))), Deferred.await(signal))
      }
    })

    const setCap = (capUsd: number | null) =>
      Effect.gen(function* () {
        yield* Ref.set(cap, capUsd)
        const next = yield* Deferred.make<void>()
        const previous = yield* Ref.getAndSet(changed, next)
        yield* Deferred.succeed(previous, undefined)
      })

    return { awaitBudget, setCap, status }
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
