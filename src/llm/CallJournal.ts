import { createHash } from "node:crypto"
import { Clock, Context, Data, Effect, Layer, Option, Schema } from "effect"
import { LlmCallContext } from "../finance/Ledger.ts"
import { FREE_PROVIDERS } from "../finance/Price.ts"
import { type Completion, type CompletionRequest, LanguageModel, type LanguageModelShape } from "./LanguageModel.ts"

/**
 * The call journal: every LLM completion of a job is stored durably, under the request that
 * produced it, before the pipeline uses it. A redelivered job (a crash, a kill, a lost lease after
 * the call returned) that asks the same request again gets the stored completion instead of
 * paying the provider a second time — and books nothing: the ledger booked it when it was billed.
 *
 * Key: (project, episode, stage, request hash, occurrence). The hash covers what decides the
 * answer — the model, the messages, the response format, max tokens and temperature — so a
 * request whose prompt changed between deliveries (a Bible edited meanwhile) is asked anew
 * rather than answered with a stale text. `occurrence` is the n-th time one delivery asked that
 * same request (see `CallContext.asked`): the n-th ask of a redelivery replays the n-th answer.
 *
 * Why not `effect/workflow` (node_modules/effect/src/workflow, checked in effect 4.1): an
 * `Activity` persists its result only inside a `Workflow` execution (it requires a
 * `WorkflowInstance`), so the whole delivery would have to become a workflow run owned by a
 * `WorkflowEngine` — a second scheduler beside the job queue, whose leases, fences and
 * dead-lettering already decide who runs a job. Effect ships only an in-memory engine
 * (`WorkflowEngine.layerMemory`) and the cluster one (needs `effect/cluster` and its SQL
 * runners); persisting on our SQLite means implementing `WorkflowEngine.Encoded` — register,
 * execute, poll, interrupt, interruptUnsafe, resume, activityExecute, deferredResult,
 * deferredDone, scheduleClock — to journal one kind of step. And activity results are keyed by
 * activity name and position, not by request content, so a changed prompt would replay an answer
 * to a question no longer asked. One table keyed by the request does the one thing needed.
 */

/** The journal's store failed. Never fails a call: the completion is used, the failure logged. */
export class CallJournalError extends Data.TaggedError("CallJournalError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export const JournalKey = Schema.Struct({
  project: Schema.String,
  episode: Schema.Int,
  stage: Schema.String,
  requestHash: Schema.String,
  occurrence: Schema.Int,
})
export type JournalKey = typeof JournalKey.Type

/** A stored completion, as the provider returned it. */
export const JournaledCompletion = Schema.Struct({
  text: Schema.String,
  finishReason: Schema.Literals(["stop", "length"]),
  usage: Schema.Struct({
    promptTokens: Schema.Number,
    cachedTokens: Schema.Number,
    completionTokens: Schema.Number,
    cacheWriteTokens: Schema.optionalKey(Schema.Number),
  }),
  model: Schema.String,
  provider: Schema.String,
})

export interface CallJournalShape {
  readonly lookup: (key: JournalKey) => Effect.Effect<Option.Option<Completion>, CallJournalError>
  readonly record: (key: JournalKey, completion: Completion, at: number) => Effect.Effect<void, CallJournalError>
  /** The (project, episode) pairs with an entry recorded before `beforeMs`. */
  readonly episodesBefore: (beforeMs: number) => Effect.Effect<ReadonlyArray<{ readonly project: string; readonly episode: number }>, CallJournalError>
  /** Drops every entry of one episode (committed past retention, or a job the operator retries afresh). */
  readonly forget: (project: string, episode: number) => Effect.Effect<number, CallJournalError>
}

export class CallJournal extends Context.Service<CallJournal, CallJournalShape>()("novel-factory/llm/CallJournal") {}

/** What decides a provider's answer, hashed: the model, the messages, the response format, max tokens, temperature. */
export const requestHash = (model: string, request: CompletionRequest): string =>
  createHash("sha256")
    .update(JSON.stringify({
      model,
      stage: request.stage,
      messages: request.messages.map((m) => [m.role, m.content]),
      responseFormat: request.responseFormat ?? null,
      maxTokens: request.maxTokens ?? null,
      temperature: request.temperature ?? null,
    }))
    .digest("hex")

export interface JournalOptions {
  /** The model a stage's requests go to (part of the hash). Default: the wrapped model's name. */
  readonly modelOf?: (stage: CompletionRequest["stage"]) => string
}

/**
 * Answers from the journal when this request of this episode was answered before; otherwise asks
 * `model` and journals the completion before handing it on. Calls outside a job's call context
 * (no project or episode, or no `withCallContext`) and free providers' (the offline writer is
 * deterministic and costs nothing) pass straight through.
 */
export const withJournal = (model: LanguageModelShape, journal: CallJournalShape, options: JournalOptions = {}): LanguageModelShape => ({
  name: model.name,
  complete: (request) =>
    Effect.gen(function* () {
      const context = yield* LlmCallContext
      const project = request.brief?.project ?? context.project
      const episode = request.brief?.episode ?? context.episode
      if (project === null || episode === null || context.asked === undefined) return yield* model.complete(request)
      const requestHashValue = requestHash(options.modelOf?.(request.stage) ?? model.name, request)
      const occurrence = context.asked.get(requestHashValue) ?? 0
      context.asked.set(requestHashValue, occurrence + 1)
      const key: JournalKey = { project, episode, stage: request.stage, requestHash: requestHashValue, occurrence }
      const stored = yield* journal.lookup(key).pipe(
        Effect.catch((error) => Effect.as(Effect.logWarning(`call journal: lookup failed, asking the provider: ${error.message}`), Option.none())),
      )
      if (Option.isSome(stored)) {
        yield* Effect.logDebug(`call journal: ${request.stage} of ${project} #${episode} answered from the journal (no provider call, nothing booked)`)
        return stored.value
      }
      const completion = yield* model.complete(request)
      if (!FREE_PROVIDERS.has(completion.provider)) {
        const at = yield* Clock.currentTimeMillis
        yield* journal.record(key, completion, at).pipe(
          Effect.catch((error) => Effect.logError(`call journal: could not store a ${request.stage} completion (a redelivery would pay for it again): ${error.message}`)),
        )
      }
      return completion
    }),
})

/** Wraps the `LanguageModel` below it with the journal. */
export const withJournalLayer = (options?: JournalOptions): Layer.Layer<LanguageModel, never, LanguageModel | CallJournal> =>
  Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const inner = yield* LanguageModel
      const journal = yield* CallJournal
      return LanguageModel.of(withJournal(inner, journal, options))
    }),
  )
