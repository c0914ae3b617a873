import { Effect, Random } from "effect"
import type { LlmFatalError, LlmTransientError } from "./LanguageModel.ts"
import { defaultRetry, type RetryConfig } from "./LlmConfig.ts"

/**
 * `Retry-After` as milliseconds from `now`: OpenAI's `retry-after-ms` first, then the standard
 * header as delta-seconds or an HTTP date. Undefined when absent or unreadable.
 */
export const parseRetryAfter = (
  headers: Headers | Readonly<Record<string, string | null | undefined>> | null | undefined,
  now: number,
): number | undefined => {
  if (!headers) return undefined
  const get = (name: string): string | null | undefined =>
    typeof (headers as Headers).get === "function"
      ? (headers as Headers).get(name)
      : (headers as Record<string, string | null | undefined>)[name]
  const ms = get("retry-after-ms")
  if (ms != null && ms.trim() !== "") {
    const value = Number(ms)
    if (Number.isFinite(value) && value >= 0) return value
  }
  const raw = get("retry-after")
  if (raw == null || raw.trim() === "") return undefined
  const text = raw.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The delay before retry `attempt` (0-based): the server's `Retry-After` when it gave one
 * (plus up to 10 % jitter so a crowd of clients does not return in lock-step), else
 * exponential back-off from `baseDelayMs`, capped at `maxDelayMs`, with full jitter over its
 * upper half.
 */
export const retryDelay = (policy: RetryConfig, attempt: number, error: LlmTransientError): Effect.Effect<number> =>
  Random.next.pipe(
    Effect.map((r) =>
      error.retryAfterMs !== undefined
        ? error.retryAfterMs * (1 + 0.1 * r)
        : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + 0.5 * r)
    ),
  )

/**
 * A wrong key, a key without access, an unknown model or URL (401, 403, 404): it does not heal in
 * seconds, so it is not retried here — the job waits behind the llm breaker until it is fixed.
 */
export const isAccessError = (error: LlmTransientError): boolean => error.status === 401 || error.status === 403 || error.status === 404

/**
 * Retries `LlmTransientError`s up to `maxRetries` times, sleeping through Effect's Clock (so
 * TestClock drives it). Fatal errors, access errors and a `Retry-After` beyond `maxRetryAfterMs` go up at once.
 */
export const retryTransient = <A, R>(
  attempt: Effect.Effect<A, LlmTransientError | LlmFatalError, R>,
  policy: RetryConfig = defaultRetry,
  onRetry?: (error: LlmTransientError, attempt: number, delayMs: number) => Effect.Effect<void>,
): Effect.Effect<A, LlmTransientError | LlmFatalError, R> => {
  const loop = (n: number): Effect.Effect<A, LlmTransientError | LlmFatalError, R> =>
    attempt.pipe(
      Effect.catchTag("LlmTransientError", (error) => {
        if (n >= policy.maxRetries || isAccessError(error)) return Effect.fail(error)
        if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs) return Effect.fail(error)
        return retryDelay(policy, n, error).pipe(
          Effect.tap((delay) => (onRetry ? onRetry(error, n + 1, delay) : Effect.void)),
          Effect.flatMap((delay) => Effect.sleep(Math.ceil(delay))),
          Effect.andThen(Effect.suspend(() => loop(n + 1))),
        )
      }),
    )
  return loop(0)
}
