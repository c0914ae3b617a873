import OpenAI, { toFile } from "openai"
import { Clock, Context, Data, Deferred, Effect, Layer, type Scope } from "effect"
import { Ledger, LlmCallContext } from "../finance/Ledger.ts"
import { costOf, makePriceTable, type PriceTable } from "../finance/Price.ts"
import { Database } from "../sqlite/Database.ts"
import type { Completion, CompletionRequest } from "./LanguageModel.ts"
import { type OpenAiLlmConfig, providerKey, type ResolvedStage, stageRoute } from "./LlmConfig.ts"
import { chatCompletionBody, providerName, redact } from "./OpenAiLanguageModel.ts"
import { readUsage, type WireUsage } from "./ProviderUsage.ts"
import { type BatchJournal, type BatchLine, type BatchOutcome, makeBatchJournal } from "./SqliteBatchJournal.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

/**
 * The batch lane: LLM work off the publishing path (re-summarising a back catalogue, a second
 * analysis of old episodes …) sent through the provider's Batch API — cheaper (OpenAI bills
 * batches at half price), answered within hours instead of seconds.
 *
 * `submit` uploads the requests as one JSONL file, creates the batch and journals its id and
 * what each line is for (`llm_batches`) before returning the id. `await` polls the batch on
 * Effect's Clock until the provider finishes it, journals every line's outcome, books each
 * answer in the ledger (at `llm.batch.discount` × the price) and hands the outcomes back. At
 * start-up the lane re-attaches to every batch the journal holds unfinished, so a restart loses
 * neither the answers nor their booking.
 *
 * Gaps, stated: a crash between the provider creating a batch and the journal recording its id
 * leaves that batch unknown to us (the Batch API has no idempotency key); a crash between the
 * booking of a batch's answers and its `booked` mark books them again at the re-attach.
 */

export class BatchLaneError extends Data.TaggedError("BatchLaneError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface BatchItem {
  /** Unique within the batch: names the line's outcome. */
  readonly customId: string
  readonly request: CompletionRequest
}

export interface BatchLaneShape {
  /** Submits the requests as one batch; returns its id once it is journaled. */
  readonly submit: (items: ReadonlyArray<BatchItem>) => Effect.Effect<string, BatchLaneError>
  /** The outcome of every line, once the provider finished the batch (polled on Effect's Clock). */
  readonly await: (batchId: string) => Effect.Effect<Readonly<Record<string, BatchOutcome>>, BatchLaneError>
}

export class BatchLane extends Context.Service<BatchLane, BatchLaneShape>()("novel-factory/llm/BatchLane") {}

export interface BatchLaneOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly fetch?: typeof fetch
  readonly prices?: PriceTable
}

interface Provider {
  readonly client: OpenAI
  readonly secret: string
  readonly baseUrl: string
}

const DEFAULT_POLL_MS = 60_000
const DEFAULT_DISCOUNT = 0.5
const FINAL_FAILURES: ReadonlySet<string> = new Set(["failed", "expired", "cancelled", "cancelling"])

export const makeBatchLane = (config: OpenAiLlmConfig, options: BatchLaneOptions): Effect.Effect<BatchLaneShape, BatchLaneError, Database | Ledger | Scope.Scope> =>
  Effect.gen(function* () {
    const journal: BatchJournal = yield* makeBatchJournal(yield* Database).pipe(
      Effect.mapError((e) => new BatchLaneError({ message: `batch journal: ${e.message}`, cause: e })),
    )
    const ledger = yield* Ledger
    const scope = yield* Effect.scope
    const prices = options.prices ?? makePriceTable()
    const pollMs = config.batch?.pollMs ?? DEFAULT_POLL_MS
    const discount = config.batch?.discount ?? DEFAULT_DISCOUNT
    const providers = new Map<string, Provider>()
    const attached = new Map<string, Deferred.Deferred<Readonly<Record<string, BatchOutcome>>, BatchLaneError>>()

    const fail = (what: string) => (cause: unknown) =>
      new BatchLaneError({ message: `batch lane: ${what}: ${redact(errorMessage(cause), [...providers.values()].map((p) => p.secret))}`, cause })

    const providerFor = (settings: ResolvedStage): Effect.Effect<Provider, BatchLaneError> =>
      Effect.suspend(() => {
        const key = providerKey(settings)
        const known = providers.get(key)
        if (known) return Effect.succeed(known)
        const secret = options.env[settings.apiKeyEnv]
        if (secret === undefined || secret === "") {
          return Effect.fail(new BatchLaneError({ message: `llm.stages.${settings.stage}: the environment variable ${settings.apiKeyEnv} (named by apiKeyEnv) is not set` }))
        }
        const provider = {
          client: new OpenAI({ apiKey: secret, baseURL: settings.baseUrl, maxRetries: 2, ...(options.fetch ? { fetch: options.fetch } : {}) }),
          secret,
          baseUrl: settings.baseUrl,
        }
        providers.set(key, provider)
        return Effect.succeed(provider)
      })

    /** Every line of a batch goes to one provider: the first request's stage's. */
    const settingsOf = (items: ReadonlyArray<BatchItem>): Effect.Effect<ReadonlyArray<ResolvedStage>, BatchLaneError> =>
      Effect.suspend(() => {
        const all: Array<ResolvedStage> = []
        for (const item of items) {
          const route = stageRoute(config, item.request.stage)
          if (route.kind === "offline") {
            return Effect.fail(new BatchLaneError({ message: `batch line '${item.customId}': the ${item.request.stage} stage is routed offline (llm.stages.${item.request.stage}.kind), so it has no provider to batch for` }))
          }
          all.push(route.settings)
        }
        const providers = new Set(all.map(providerKey))
        return providers.size > 1
          ? Effect.fail(new BatchLaneError({ message: `a batch goes to one provider; these lines go to ${[...providers].join(" and ")}: submit them as separate batches` }))
          : Effect.succeed(all)
      })

    const submit = (items: ReadonlyArray<BatchItem>) =>
      Effect.gen(function* () {
        if (items.length === 0) return yield* new BatchLaneError({ message: "a batch needs at least one request" })
        const duplicate = items.find((item, i) => items.findIndex((other) => other.customId === item.customId) !== i)
        if (duplicate) return yield* new BatchLaneError({ message: `batch line id '${duplicate.customId}' is used twice: each line's customId must be unique` })
        const settings = yield* settingsOf(items)
        const provider = yield* providerFor(settings[0]!)
        const context = yield* LlmCallContext
        const jsonl = items.map((item, i) => {
          const s = settings[i]!
          const body = chatCompletionBody(s.model, item.request.messages, item.request.maxTokens ?? s.maxTokens, item.request.temperature ?? s.temperature, item.request.responseFormat, item.request.cacheKey)
          return JSON.stringify({ custom_id: item.customId, method: "POST", url: "/v1/chat/completions", body })
        }).join("\n") + "\n"
        const file = yield* Effect.tryPromise({
          try: async () => provider.client.files.create({ file: await toFile(Buffer.from(jsonl, "utf8"), "batch.jsonl"), purpose: "batch" }),
          catch: fail("uploading the batch file"),
        })
        const batch = yield* Effect.tryPromise({
          try: () => provider.client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }),
          catch: fail("creating the batch"),
        })
        const lines: ReadonlyArray<BatchLine> = items.map((item) => ({
          customId: item.customId,
          stage: item.request.stage,
          project: item.request.brief?.project ?? context.project,
          episode: item.request.brief?.episode ?? context.episode,
        }))
        yield* journal.submitted(batch.id, lines, yield* Clock.currentTimeMillis).pipe(Effect.mapError(fail(`journaling batch ${batch.id}`)))
        return batch.id
      })

    /** The outcome of each line of a finished batch's output. */
    const readOutput = (provider: Provider, lines: ReadonlyArray<BatchLine>, outputFileId: string | null | undefined) =>
      Effect.gen(function* () {
        const outcomes: Record<string, BatchOutcome> = {}
        if (outputFileId) {
          const text = yield* Effect.tryPromise({
            try: async () => (await provider.client.files.content(outputFileId)).text(),
            catch: fail(`downloading the output file ${outputFileId}`),
          })
          for (const raw of text.split("\n")) {
            if (raw.trim() === "") continue
            const line = JSON.parse(raw) as {
              custom_id: string
              response?: { status_code?: number; body?: { model?: string; choices?: Array<{ message?: { content?: string | null }; finish_reason?: string }>; usage?: WireUsage; error?: { message?: string } } }
              error?: { message?: string } | null
            }
            const body = line.response?.body
            const choice = body?.choices?.[0]
            if (line.response?.status_code === 200 && choice !== undefined) {
              const completion: Completion = {
                text: choice.message?.content ?? "",
                finishReason: choice.finish_reason === "length" ? "length" : "stop",
                usage: readUsage(body?.usage ?? {}),
                model: body?.model ?? "",
                provider: providerName(provider.baseUrl),
              }
              outcomes[line.custom_id] = { _tag: "Answered", completion }
            } else {
              outcomes[line.custom_id] = {
                _tag: "Failed",
                message: line.error?.message ?? body?.error?.message ?? `the provider answered this line with status ${line.response?.status_code ?? "none"}`,
              }
            }
          }
        }
        for (const l of lines) outcomes[l.customId] ??= { _tag: "Failed", message: "the finished batch holds no result for this line" }
        return outcomes
      })

    const book = (lines: ReadonlyArray<BatchLine>, outcomes: Readonly<Record<string, BatchOutcome>>) =>
      Effect.gen(function* () {
        const at = yield* Clock.currentTimeMillis
        for (const line of lines) {
          const outcome = outcomes[line.customId]
          if (outcome?._tag !== "Answered") continue
          const { completion } = outcome
          const { price, known } = prices.lookup(completion.model, completion.provider)
          yield* ledger.book({
            at,
            project: line.project,
            episode: line.episode,
            stage: line.stage,
            provider: completion.provider,
            model: completion.model,
            usage: completion.usage,
            costUsd: costOf(completion.usage, price) * discount,
            priced: known,
          })
        }
      })

    /** Polls one batch until it is finished, journals and books its outcomes (once). */
    const follow = (batchId: string): Effect.Effect<Readonly<Record<string, BatchOutcome>>, BatchLaneError> =>
      Effect.gen(function* () {
        const stored = yield* journal.get(batchId).pipe(Effect.mapError(fail(`reading batch ${batchId}`)))
        if (stored === undefined) return yield* new BatchLaneError({ message: `batch ${batchId} is not in the batch journal (was it submitted by this factory?)` })
        let outcomes = stored.outcomes
        if (outcomes === null) {
          const route = stageRoute(config, stored.lines[0]!.stage)
          if (route.kind === "offline") return yield* new BatchLaneError({ message: `batch ${batchId}: its stage ${stored.lines[0]!.stage} is routed offline now, so there is no provider to ask` })
          const provider = yield* providerFor(route.settings)
          while (outcomes === null) {
            const batch = yield* Effect.tryPromise({ try: () => provider.client.batches.retrieve(batchId), catch: fail(`polling batch ${batchId}`) }).pipe(
              // A poll that failed (network, 5xx) is tried again at the next tick; the batch goes on at the provider.
              Effect.catch((error) => Effect.as(Effect.logWarning(error.message), undefined)),
            )
            if (batch?.status === "completed") {
              outcomes = yield* readOutput(provider, stored.lines, batch.output_file_id)
            } else if (batch !== undefined && FINAL_FAILURES.has(batch.status)) {
              outcomes = Object.fromEntries(stored.lines.map((l) => [l.customId, { _tag: "Failed" as const, message: `the provider ended the batch as ${batch.status}` }]))
            } else {
              yield* Effect.sleep(pollMs)
            }
          }
          yield* journal.finished(batchId, outcomes).pipe(Effect.mapError(fail(`journaling the outcomes of batch ${batchId}`)))
        }
        if (!stored.booked) {
          yield* book(stored.lines, outcomes).pipe(Effect.mapError(fail(`booking batch ${batchId}`)))
          yield* journal.markBooked(batchId).pipe(Effect.mapError(fail(`marking batch ${batchId} booked`)))
        }
        return outcomes
      })

    /** One follower per batch, in the lane's scope: callers of `await` share it. */
    const attach = (batchId: string) =>
      Effect.gen(function* () {
        const known = attached.get(batchId)
        if (known) return known
        const done = yield* Deferred.make<Readonly<Record<string, BatchOutcome>>, BatchLaneError>()
        attached.set(batchId, done)
        yield* follow(batchId).pipe(
          Effect.exit,
          Effect.flatMap((exit) => Deferred.done(done, exit)),
          Effect.forkIn(scope),
        )
        return done
      })

    // Re-attach to what a previous run left unfinished.
    const unfinished = yield* journal.unfinished.pipe(Effect.mapError(fail("reading unfinished batches")))
    for (const batch of unfinished) yield* attach(batch.batchId)
    if (unfinished.length > 0) yield* Effect.logInfo(`batch lane: re-attached to ${unfinished.length} unfinished batch(es)`)

    return BatchLane.of({
      submit,
      await: (batchId) => Effect.flatMap(attach(batchId), Deferred.await),
    })
  })

export const batchLaneLayer = (config: OpenAiLlmConfig, options: BatchLaneOptions): Layer.Layer<BatchLane, BatchLaneError, Database | Ledger> =>
  Layer.effect(BatchLane, makeBatchLane(config, options))
