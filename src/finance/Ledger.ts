import { Clock, Context, Data, Effect, Layer } from "effect"
import { type Completion, type CompletionRequest, LanguageModel, type LanguageModelShape, type SpentTokens, type LlmStage, type TokenUsage } from "../llm/LanguageModel.ts"
import { recordPromptCache } from "../metrics/LlmCacheMetrics.ts"
import { costOf, FREE_PROVIDERS, makePriceTable, type PriceTable } from "./Price.ts"

/** The ledger's store failed (SQLite I/O …). */
export class LedgerError extends Data.TaggedError("LedgerError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** One LLM call as booked: usage, cost and what it was for. */
export interface LlmCallRecord {
  /** Epoch ms (Effect Clock) when the call returned. */
  readonly at: number
  readonly project: string | null
  readonly episode: number | null
  readonly stage: LlmStage
  readonly provider: string
  readonly model: string
  readonly usage: TokenUsage
  readonly costUsd: number
  /** False when the model is in no price table (booked at 0; the report counts them). */
  readonly priced: boolean
}

/**
 * One settlement row of a sales export. Amounts are in minor units of 1/100 (cents, or 1/100 won),
 * per currency: KRW and USD are never summed together.
 */
export interface Sale {
  /** Unique per row (content + occurrence): importing the same file twice adds nothing. */
  readonly fingerprint: string
  /** `YYYY-MM-DD`. */
  readonly date: string
  readonly platform: string
  readonly project: string
  readonly episode: number | null
  readonly currency: string
  readonly grossMinor: number
  readonly feesMinor: number
  readonly netMinor: number
}

export interface DailyCost {
  readonly date: string
  readonly costUsd: number
  readonly calls: number
  readonly unpricedCalls: number
  readonly promptTokens: number
  readonly cachedTokens: number
  readonly completionTokens: number
}

export interface DailySales {
  readonly date: string
  readonly currency: string
  readonly grossMinor: number
  readonly feesMinor: number
  readonly netMinor: number
  readonly rows: number
}

/** Inclusive `YYYY-MM-DD` bounds; absent means open. */
export interface DateRange {
  readonly from?: string | undefined
  readonly to?: string | undefined
}

export interface LedgerShape {
  readonly book: (record: LlmCallRecord) => Effect.Effect<void, LedgerError>
  /** USD spent on calls with `fromMs <= at < toMs`. */
  readonly spentUsd: (fromMs: number, toMs: number) => Effect.Effect<number, LedgerError>
  /** Per UTC day, days with calls only, oldest first. */
  readonly dailyCosts: (range?: DateRange) => Effect.Effect<ReadonlyArray<DailyCost>, LedgerError>
  /** All rows or none (one transaction); rows whose fingerprint is already stored are skipped. */
  readonly importSales: (
    sales: ReadonlyArray<Sale>,
    source: string,
  ) => Effect.Effect<{ readonly inserted: number; readonly duplicates: number }, LedgerError>
  /** Per day and currency, oldest first. */
  readonly dailySales: (range?: DateRange) => Effect.Effect<ReadonlyArray<DailySales>, LedgerError>
  /** The models booked unpriced (no price known when booked) with `fromMs <= at < toMs`. */
  readonly unpricedModels: (fromMs: number, toMs: number) => Effect.Effect<ReadonlyArray<UnpricedModel>, LedgerError>
  /** Prompt and cached tokens per project over the days of `range` (the prompt cache's hit share). */
  readonly promptCache: (range?: DateRange) => Effect.Effect<ReadonlyArray<ProjectPromptCache>, LedgerError>
  /** USD spent per project on calls with `fromMs <= at < toMs` (calls of no project left out), by project. */
  readonly projectCosts: (fromMs: number, toMs: number) => Effect.Effect<ReadonlyArray<ProjectCost>, LedgerError>
}

export interface ProjectCost {
  readonly project: string
  readonly costUsd: number
}

export interface UnpricedModel {
  readonly model: string
  readonly provider: string
  readonly calls: number
}

export interface ProjectPromptCache {
  readonly project: string
  readonly promptTokens: number
  readonly cachedTokens: number
}

export class Ledger extends Context.Service<Ledger, LedgerShape>()("novel-factory/finance/Ledger") {}

/**
 * What an LLM call is for, when the request carries no brief (guard, editor): set it around a
 * stage with `withCallContext({ project, episode })`.
 */
export interface CallContext {
  readonly project: string | null
  readonly episode: number | null
  /**
   * How many times this run has asked each request so far (by the call journal's request hash).
   * The n-th identical request of a delivery replays the n-th journaled answer, so a step that
   * asks the same thing twice on purpose (a retry of a junk answer) is not answered from the first.
   * Absent outside `withCallContext`: such calls are not journaled.
   */
  readonly asked?: Map<string, number>
}

export const LlmCallContext = Context.Reference<CallContext>("novel-factory/finance/LlmCallContext", {
  defaultValue: () => ({ project: null, episode: null }),
})

/** Each run of the wrapped effect (each delivery) counts its requests afresh: see `CallContext.asked`. */
export const withCallContext = (context: CallContext) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.provideService(effect, LlmCallContext, { ...context, asked: new Map() }))

export const DAY_MS = 86_400_000

/** Start of the UTC day of `ms`. */
export const utcDayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS
export const utcDate = (ms: number): string => new Date(utcDayStart(ms)).toISOString().slice(0, 10)

export interface LedgerOptions {
  /** Told of every call booked without a known price (its cost is unknown): the budget gate alerts and pauses writers. */
  readonly onUnpriced?: (model: string, provider: string) => Effect.Effect<void>
}

/**
 * Books every call of `model` in the ledger, at the price of the model the provider reports
 * (the offline writer's provider "offline" books at 0). A call that failed after some of its
 * requests succeeded (a continued answer whose follow-up failed), or that the provider billed
 * without a usable answer (content filter, time-out), books what those spent; a reply the job
 * rejects afterwards (guard, schema) was booked when it arrived. A booking failure is logged,
 * never turned into a failed completion: the tokens were spent and the text is good.
 */
export const withLedger = (
  model: LanguageModelShape,
  ledger: LedgerShape,
  prices: PriceTable = makePriceTable(),
  options: LedgerOptions = {},
): LanguageModelShape => {
  const book = (request: CompletionRequest, spent: SpentTokens) =>
    Effect.gen(function* () {
      const context = yield* LlmCallContext
      const at = yield* Clock.currentTimeMillis
      const { price, known } = prices.lookup(spent.model, spent.provider)
      const project = request.brief?.project ?? context.project
      if (!FREE_PROVIDERS.has(spent.provider)) yield* recordPromptCache(project, request.stage, spent.usage)
      if (!known && options.onUnpriced) yield* options.onUnpriced(spent.model, spent.provider)
      yield* ledger.book({
        at,
        project,
        episode: request.brief?.episode ?? context.episode,
        stage: request.stage,
        provider: spent.provider,
        model: spent.model,
        usage: spent.usage,
        costUsd: costOf(spent.usage, price),
        priced: known,
      })
    }).pipe(Effect.catch((error) => Effect.logError(`ledger: could not book an LLM call: ${error.message}`)))
  return {
    name: model.name,
    complete: (request: CompletionRequest) =>
      model.complete(request).pipe(
        Effect.tap((completion: Completion) => book(request, completion)),
        Effect.tapError((error) => (error.spent === undefined ? Effect.void : book(request, error.spent))),
      ),
  }
}

/** Wraps the `LanguageModel` below it so that every call is booked. */
export const withLedgerLayer = (prices?: PriceTable): Layer.Layer<LanguageModel, never, LanguageModel | Ledger> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const inner = yield* LanguageModel
      const ledger = yield* Ledger
      return LanguageModel.of(withLedger(inner, ledger, prices))
    }),
  )
