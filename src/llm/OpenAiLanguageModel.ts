import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "openai"
import { Clock, Effect, Exit } from "effect"
import {
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  type LanguageModelShape,
  LlmFatalError,
  LlmTransientError,
  LLM_STAGES,
  type LlmStage,
  type ResponseFormat,
  type SpentTokens,
  type TokenUsage,
} from "./LanguageModel.ts"
import { defaultRetry, type OpenAiLlmConfig, providerKey, type ResolvedStage, type RetryConfig, stageRoute } from "./LlmConfig.ts"
import { CONTINUE_PROMPT } from "./Prompt.ts"
import { LlmCallContext } from "../finance/Ledger.ts"
import { readUsage } from "./ProviderUsage.ts"
import { type CallOutcome, estimatePromptTokens, makeRateLimiter, type RateLimiter } from "./RateLimiter.ts"
import { parseRetryAfter, retryTransient } from "./Retry.ts"
import { type RawAnswer, rawFromCompletion, streamAnswer } from "./StreamedAnswer.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

/**
 * A `LanguageModel` on any OpenAI-compatible chat-completions endpoint.
 *
 * - one client per stage that `stageRoute` sends to the LLM (stages may use different base URLs,
 *   models, keys); the key is read from the named environment variable and never appears in a
 *   message; a stage routed offline has no client (and needs no key);
 * - one rate limiter per provider (base URL + key variable), shared by the stages that use it;
 * - the SDK's own retries are off (`maxRetries: 0`): transient failures are retried here with
 *   back-off honouring `Retry-After`, through Effect's Clock;
 * - a prose answer is streamed (`stream: true`, usage in the last chunk): its deadline is
 *   `idleTimeoutMs` of silence within `timeoutMs` for the whole generation (`StreamedAnswer.ts`),
 *   and a stream cut off is transient and booked; a structured answer is one request bounded by
 *   `timeoutMs`;
 * - `finish_reason: "length"` is continued (the partial answer goes back as an assistant message,
 *   then "continue") up to `maxContinuations`, usage summed over every request — except for a
 *   structured answer (`responseFormat`): half a JSON object plus "continue" is not JSON, so it
 *   comes back as it is, with `finishReason: "length"`, for the caller to treat as invalid.
 */

export interface OpenAiModelOptions {
  /** Where the keys are read from (the process environment, or a test's). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Share limiters with other models of the process (keyed by `providerKey`). */
  readonly limiters?: Map<string, RateLimiter>
  /** Scale the limiters' window (benches); default 60 000 ms. */
  readonly limiterWindowMs?: number
  /** A custom fetch (tests). */
  readonly fetch?: typeof fetch
}

export interface OpenAiLanguageModelShape extends LanguageModelShape {
  readonly limiters: ReadonlyMap<string, RateLimiter>
}

const REASONING_MODEL = /^(o\d|gpt-5)/

/** The chat-completions request body (the same for a direct call and a batch line). */
export const chatCompletionBody = (
  model: string,
  messages: ReadonlyArray<ChatMessage>,
  maxTokens: number,
  temperature: number,
  responseFormat: ResponseFormat | undefined,
  cacheKey: string | undefined,
) => ({
  model,
  messages: messages.map((m) => ({ role: m.role, content: m.content })),
  ...(REASONING_MODEL.test(model) ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens, temperature }),
  ...(responseFormat
    ? {
      response_format: {
        type: "json_schema" as const,
        json_schema: { name: responseFormat.name, schema: responseFormat.schema, strict: true },
      },
    }
    : {}),
  ...(cacheKey !== undefined ? { prompt_cache_key: cacheKey } : {}),
})

/** Removes anything that looks like a key from a provider's message. */
export const redact = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***")
  return out.replace(/\b(sk|key|api)[-_][A-Za-z0-9*_-]{6,}/gi, "$1-***")
}

export interface ErrorContext {
  readonly stage: LlmStage
  readonly baseUrl: string
  readonly model: string
  readonly apiKeyEnv: string
  readonly now: number
  readonly secrets: ReadonlyArray<string>
}

/** Maps whatever the SDK threw to the pipeline's two error kinds, with a cause an operator can act on. */
export const classifyError = (error: unknown, ctx: ErrorContext): LlmTransientError | LlmFatalError => {
  const where = `${ctx.stage} → ${ctx.model} at ${ctx.baseUrl}`
  const detail = (e: unknown) => redact(errorMessage(e), ctx.secrets)
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmTransientError({ message: `${where}: request timed out` })
  }
  if (error instanceof APIUserAbortError) {
    return new LlmTransientError({ message: `${where}: request aborted` })
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause
    const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown; cause?: { code?: unknown } }) : undefined
    const sysCode = code?.code ?? code?.cause?.code
    return new LlmTransientError({
      message: `${where}: connection failed${typeof sysCode === "string" ? ` (${sysCode})` : ""}: ${detail(cause ?? error)}`,
    })
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status
    const message = detail(error)
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(error.headers, ctx.now)
      return new LlmTransientError({
        message: `${where}: rate limited (429)${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs)} ms` : ""}: ${message}`,
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      })
    }
    if (status === 408 || status === 409 || status >= 500) {
      const retryAfterMs = parseRetryAfter(error.headers, ctx.now)
      return new LlmTransientError({ message: `${where}: server error ${status}: ${message}`, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })
    }
    // A wrong key, a key without access, a wrong model or URL: the operator's to fix, and no job's
    // fault. Transient, so jobs wait (the llm breaker opens and parks the workers, an alert says why)
    // instead of every queued job dying in a second; they go on once it is fixed.
    if (status === 401 || status === 403 || status === 404) {
      const hint = status === 401
        ? `authentication failed — check the key in $${ctx.apiKeyEnv}`
        : status === 403
        ? `permission denied — the key in $${ctx.apiKeyEnv} may not have access to ${ctx.model}`
        : `not found — check the model name '${ctx.model}' and the base URL '${ctx.baseUrl}'`
      return new LlmTransientError({ message: `${where}: ${hint} (jobs wait until it is fixed): ${message}`, status })
    }
    const hint = status === 400 || status === 422
      ? "bad request — the provider refused the request as malformed (prompt too long? unsupported parameter?)"
      : `request refused (${status})`
    return new LlmFatalError({ message: `${where}: ${hint}: ${message}`, status })
  }
  return new LlmFatalError({ message: `${where}: unexpected failure: ${detail(error)}` })
}

const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => {
  const written = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0)
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    ...(written > 0 ? { cacheWriteTokens: written } : {}),
  }
}

const isZero = (u: TokenUsage): boolean => u.promptTokens === 0 && u.completionTokens === 0

const ZERO: TokenUsage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 }

interface OneAnswer {
  readonly text: string
  readonly finishReason: "stop" | "length"
  readonly usage: TokenUsage
  readonly model: string
}

interface StageClient {
  readonly settings: ResolvedStage
  readonly client: OpenAI
  readonly limiter: RateLimiter
  readonly secret: string
  /** Whether requests carry `prompt_cache_key` (`llm.promptCacheKey`; default: only to api.openai.com). */
  readonly sendsCacheKey: boolean
}

/** Builds the model; fails (fatally) when a stage's key variable is not set. */
export const makeOpenAiLanguageModel = (
  config: OpenAiLlmConfig,
  options: OpenAiModelOptions,
): Effect.Effect<OpenAiLanguageModelShape, LlmFatalError> =>
  Effect.gen(function* () {
    const retry: RetryConfig = config.retry ?? defaultRetry
    const maxContinuations = config.maxContinuations ?? 4
    const limiters = options.limiters ?? new Map<string, RateLimiter>()
    const stages = new Map<LlmStage, StageClient>()
    for (const stage of LLM_STAGES) {
      const route = stageRoute(config, stage)
      if (route.kind === "offline") continue
      const { settings } = route
      const key = options.env[settings.apiKeyEnv]
      if (key === undefined || key === "") {
        return yield* new LlmFatalError({
          message: `llm.stages.${stage}: the environment variable ${settings.apiKeyEnv} (named by apiKeyEnv) is not set`,
        })
      }
      const pk = providerKey(settings)
      let limiter = limiters.get(pk)
      if (limiter === undefined) {
        limiter = yield* makeRateLimiter({
          requestsPerMinute: settings.limits.requestsPerMinute,
          tokensPerMinute: settings.limits.tokensPerMinute,
          windowMs: options.limiterWindowMs,
          burst: settings.limits.burst,
          concurrency: {
            initial: settings.limits.initialConcurrency ?? Math.min(4, settings.limits.maxConcurrency ?? 4),
            max: settings.limits.maxConcurrency ?? 64,
          },
        })
        limiters.set(pk, limiter)
      }
      const client = new OpenAI({
        apiKey: key,
        baseURL: settings.baseUrl,
        maxRetries: 0,
        // A backstop only: the Effect time-out below fires first and aborts the request.
        timeout: settings.timeoutMs + 5_000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
      stages.set(stage, { settings, client, limiter, secret: key, sendsCacheKey: config.promptCacheKey ?? isOpenAi(settings.baseUrl) })
    }
    const secrets = [...stages.values()].map((s) => s.secret)

    const requestOnce = (
      sc: StageClient,
      messages: ReadonlyArray<ChatMessage>,
      maxTokens: number,
      temperature: number,
      responseFormat: ResponseFormat | undefined,
      cacheKey: string | undefined,
      /** Told what an attempt the provider billed cost when it brought no usable answer (content filter, time-out). */
      billedWithoutAnswer: (usage: TokenUsage) => void,
    ) => {
      const { settings } = sc
      const body = chatCompletionBody(settings.model, messages, maxTokens, temperature, responseFormat, cacheKey)
      const where = `${settings.stage} → ${settings.model} at ${settings.baseUrl}`
      const classified = (error: unknown) => Effect.map(Clock.currentTimeMillis, (now) => classifyError(error, { ...settings, now, secrets }))
      const estimated = (text: string): TokenUsage => ({
        promptTokens: estimatePromptTokens(messages),
        cachedTokens: 0,
        completionTokens: text === "" ? 0 : estimatePromptTokens([{ role: "assistant", content: text }]),
      })
      // Prose is streamed so that a slow but live generation is told from a hung one. A structured
      // answer is not: it is short (well inside the idle timeout), useless until whole — a cut one is
      // asked again either way — and not every OpenAI-compatible server streams under json_schema.
      const streamed = settings.stream && responseFormat === undefined
      const raw: Effect.Effect<RawAnswer, LlmTransientError | LlmFatalError> = streamed
        ? streamAnswer({
          open: (signal) =>
            sc.client.chat.completions
              .create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal, maxRetries: 0 })
              .withResponse(),
          idleTimeoutMs: settings.idleTimeoutMs,
          timeoutMs: settings.timeoutMs,
          where,
          classify: classified,
          // The provider bills a cut-off generation up to where it stopped (or, unseen, at least the prompt).
          billedCutOff: ({ usage, streamed }) => billedWithoutAnswer(usage ? readUsage(usage) : estimated(streamed)),
        })
        : Effect.tryPromise({
          try: (signal) => sc.client.chat.completions.create(body, { signal, maxRetries: 0 }),
          catch: (error) => error,
        }).pipe(
          Effect.catch((error) => Effect.flatMap(classified(error), Effect.fail)),
          Effect.map(rawFromCompletion),
          Effect.timeoutOrElse({
            duration: settings.timeoutMs,
            orElse: () => {
              // The provider went on with the request after we stopped waiting, and bills it: book what was sent.
              billedWithoutAnswer(estimated(""))
              return Effect.fail(new LlmTransientError({ message: `${where}: no answer within ${settings.timeoutMs} ms` }))
            },
          }),
        )
      const call = Effect.gen(function* () {
        const response = yield* raw
        if (!response.hasChoice) {
          return yield* new LlmTransientError({ message: `${settings.stage} → ${settings.model}: the answer holds no choice`, status: 200 })
        }
        const text = response.text
        // No usage reported: book an estimate rather than nothing.
        const usage: TokenUsage = response.usage ? readUsage(response.usage) : estimated(text)
        if (response.finishReason === "content_filter") {
          billedWithoutAnswer(usage)
          return yield* new LlmFatalError({
            message: `${settings.stage} → ${settings.model}: the provider's content filter stopped the answer`,
            status: 200,
            refused: true,
          })
        }
        const answer: OneAnswer = {
          text,
          finishReason: response.finishReason === "length" ? "length" : "stop",
          usage,
          model: response.model || settings.model,
        }
        return answer
      })
      const settle = (exit: Exit.Exit<OneAnswer, LlmTransientError | LlmFatalError>): CallOutcome => {
        if (Exit.isSuccess(exit)) {
          return { _tag: "Success", promptTokens: exit.value.usage.promptTokens, completionTokens: exit.value.usage.completionTokens }
        }
        const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
        const error = failure && failure._tag === "Fail" ? failure.error : undefined
        if (error && error._tag === "LlmTransientError" && error.status === 429) return { _tag: "RateLimited", retryAfterMs: error.retryAfterMs }
        return { _tag: "Failed" }
      }
      return retryTransient(
        sc.limiter.withPermit({ promptEstimate: estimatePromptTokens(messages), maxCompletionTokens: maxTokens }, call, settle),
        retry,
        (error, attempt, delay) => Effect.logDebug(`llm retry ${attempt} in ${Math.round(delay)} ms: ${error.message}`),
      )
    }

    const complete = (request: CompletionRequest): Effect.Effect<Completion, LlmTransientError | LlmFatalError> =>
      Effect.gen(function* () {
        const sc = stages.get(request.stage)
        if (sc === undefined) {
          return yield* new LlmFatalError({
            message: `${request.stage}: this stage is routed offline (llm.kind, llm.stages.${request.stage}.kind), so it has no LLM client; its caller should have used the offline implementation`,
          })
        }
        const maxTokens = request.maxTokens ?? sc.settings.maxTokens
        const temperature = request.temperature ?? sc.settings.temperature
        const cacheKey = sc.sendsCacheKey ? request.cacheKey ?? cacheKeyOf(request.brief?.project ?? (yield* LlmCallContext).project) : undefined
        let text = ""
        let usage = ZERO
        // Attempts the provider billed without a usable answer: booked with the call, whatever its outcome.
        let billedNoAnswer = ZERO
        const noteBilled = (u: TokenUsage) => {
          billedNoAnswer = addUsage(billedNoAnswer, u)
        }
        let model = sc.settings.model
        const provider = providerName(sc.settings.baseUrl)
        for (let round = 0; ; round++) {
          const messages: ReadonlyArray<ChatMessage> = round === 0
            ? request.messages
            : [...request.messages, { role: "assistant", content: text }, { role: "user", content: CONTINUE_PROMPT }]
          const answer = yield* requestOnce(sc, messages, maxTokens, temperature, request.responseFormat, cacheKey, noteBilled).pipe(
            Effect.mapError((error) => {
              const spent = addUsage(usage, billedNoAnswer)
              return isZero(spent) ? error : spentBefore(error, { usage: spent, model, provider })
            }),
          )
          text += answer.text
          usage = addUsage(usage, answer.usage)
          model = answer.model
          const done = answer.finishReason === "stop" || answer.text.length === 0 || round >= maxContinuations
          if (done || request.responseFormat !== undefined) {
            return { text, finishReason: answer.finishReason, usage: addUsage(usage, billedNoAnswer), model, provider }
          }
        }
      })

    return { name: `openai(${config.model})`, complete, limiters }
  })

/** A follow-up request failed: the error carries what the earlier rounds of the call spent. */
const spentBefore = (error: LlmTransientError | LlmFatalError, spent: SpentTokens): LlmTransientError | LlmFatalError =>
  error._tag === "LlmTransientError" ? new LlmTransientError({ ...error, message: error.message, spent }) : new LlmFatalError({ ...error, message: error.message, spent })

/** One cache key per project: its requests share their long Bible prefix. */
export const cacheKeyOf = (project: string | null): string | undefined => (project === null ? undefined : `novel-factory:${project}`)

const isOpenAi = (baseUrl: string): boolean => providerName(baseUrl) === "api.openai.com"

export const providerName = (baseUrl: string): string => {
  try {
    return new URL(baseUrl).host
  } catch {
    return baseUrl
  }
}
