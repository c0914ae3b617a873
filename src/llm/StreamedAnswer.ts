import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions"
import { Effect } from "effect"
import { type LlmFatalError, LlmTransientError } from "./LanguageModel.ts"
import type { WireUsage } from "./ProviderUsage.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

/**
 * One streamed chat completion read with two deadlines:
 *
 * - `idleTimeoutMs`: the longest silence — before the response's headers, then between chunks. A
 *   slow generation that keeps sending is never abandoned for being slow; a hung one is, after this;
 * - `timeoutMs`: the whole generation, however lively.
 *
 * A stream cut off (either deadline, the connection dropped, an error event mid-stream, the end of
 * the body before a `finish_reason`) is transient, and what the provider bills for it is reported to
 * `billedCutOff`: the usage if the last chunk brought it, else an estimate from what streamed. A
 * server that ignores `stream: true` and answers one JSON body is read as that body.
 */

/** What one request brought back, before it is judged (content filter, no choice …). */
export interface RawAnswer {
  readonly text: string
  readonly hasChoice: boolean
  readonly finishReason: string | null | undefined
  readonly usage: WireUsage | null | undefined
  readonly model: string | undefined
}

export const rawFromCompletion = (response: ChatCompletion): RawAnswer => {
  const choice = response.choices?.[0]
  return {
    text: choice?.message?.content ?? "",
    hasChoice: choice !== undefined,
    finishReason: choice?.finish_reason,
    usage: response.usage,
    model: response.model || undefined,
  }
}

/** The opened request: the response (its headers arrived) and its chunks, read lazily. */
export interface OpenedStream {
  readonly response: Response
  readonly data: AsyncIterable<ChatCompletionChunk>
}

export interface StreamRequest {
  /** Sends the request with `stream: true`; aborting `signal` ends it wherever it is. */
  readonly open: (signal: AbortSignal) => Promise<OpenedStream>
  readonly idleTimeoutMs: number
  readonly timeoutMs: number
  /** `stage → model at baseUrl`, for messages. */
  readonly where: string
  /** The SDK's failure before the answer began (429, 5xx, 401 …) as the pipeline's error. */
  readonly classify: (error: unknown) => Effect.Effect<LlmTransientError | LlmFatalError>
  /**
   * Told once per cut-off attempt what the provider bills for it: `usage` when the provider sent it,
   * else `undefined` with the text that streamed (`begun`: false when not even the headers came).
   */
  readonly billedCutOff: (cut: { readonly usage: WireUsage | undefined; readonly streamed: string; readonly begun: boolean }) => void
}

const isJsonResponse = (response: Response): boolean => /\bjson\b/i.test(response.headers.get("content-type") ?? "")

export const streamAnswer = (request: StreamRequest): Effect.Effect<RawAnswer, LlmTransientError | LlmFatalError> =>
  Effect.suspend(() => {
    let begun = false
    let streamed = ""
    let usage: WireUsage | undefined
    let cutBooked = false
    const cutOff = (why: string) => {
      if (!cutBooked) {
        cutBooked = true
        request.billedCutOff({ usage, streamed, begun })
      }
      return new LlmTransientError({ message: `${request.where}: ${why}` })
    }
    const silentFor = <A>(waiting: Effect.Effect<A, LlmTransientError | LlmFatalError>, what: string) =>
      waiting.pipe(
        Effect.timeoutOrElse({
          duration: request.idleTimeoutMs,
          orElse: () => Effect.fail(cutOff(`${what} within ${request.idleTimeoutMs} ms (llm.idleTimeoutMs)`)),
        }),
      )
    const read = Effect.gen(function* () {
      const abort = yield* Effect.acquireRelease(Effect.sync(() => new AbortController()), (c) => Effect.sync(() => c.abort()))
      const opened = yield* silentFor(
        Effect.tryPromise({ try: () => request.open(abort.signal), catch: (error) => error }).pipe(
          Effect.catch((error) => Effect.flatMap(request.classify(error), Effect.fail)),
        ),
        "no answer began",
      )
      begun = true
      if (isJsonResponse(opened.response)) {
        const body = yield* Effect.tryPromise({
          try: () => opened.response.json() as Promise<ChatCompletion>,
          catch: (error) => cutOff(`the answer's body could not be read: ${errorMessage(error)}`),
        })
        return rawFromCompletion(body)
      }
      const chunks = opened.data[Symbol.asyncIterator]()
      let finishReason: string | null = null
      let hasChoice = false
      let model: string | undefined
      for (;;) {
        const step = yield* silentFor(
          Effect.tryPromise({
            try: () => chunks.next(),
            // Whatever breaks a stream that had begun (a reset, an error event) is the provider's hiccup, not the request's fault.
            catch: (error) => cutOff(`the stream broke off: ${errorMessage(error)}`),
          }),
          `no chunk came`,
        )
        if (step.done === true) break
        const chunk = step.value
        if (chunk.model) model = chunk.model
        if (chunk.usage) usage = chunk.usage
        const choice = chunk.choices?.[0]
        if (choice !== undefined) {
          hasChoice = true
          streamed += choice.delta?.content ?? ""
          if (choice.finish_reason) finishReason = choice.finish_reason
        }
      }
      if (finishReason === null) return yield* cutOff("the stream ended before the answer did (no finish_reason)")
      return { text: streamed, hasChoice, finishReason, usage, model } satisfies RawAnswer
    })
    return Effect.scoped(read).pipe(
      Effect.timeoutOrElse({
        duration: request.timeoutMs,
        orElse: () => Effect.fail(cutOff(`the answer was not finished within ${request.timeoutMs} ms (llm.timeoutMs)`)),
      }),
    )
  })
