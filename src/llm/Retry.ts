import { Duration, Effect, Random, Schedule } from "effect"
import { cappedExponential } from "../util/Backoff.ts"
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
 * A wrong key, a key without access, an unknown model or URL (401, 403, 404): it does not heal in
 * seconds, so it is not retried here — the job waits behind the llm breaker until it is fixed.
 */
export const isAccessError = (error: LlmTransientError): boolean => error.status === 401 || error.status === 403 || error.status === 404

type LlmError = LlmTransientError | LlmFatalError

/** Worth another attempt under `policy`: a transient failure that is not about access, and a `Retry-After` within bounds. */
const retryable = (policy: RetryConfig) => (error: LlmError): boolean =>
  error._tag === "LlmTransientError" && !isAccessError(error) &&
  !(error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs)

/**
 * The delays between attempts, as the factory's one back-off (`src/util/Backoff.ts`) shaped for a
 * provider: the server's `Retry-After` when it gave one (plus up to 10 % jitter, so a crowd of clients
 * does not return in lock-step), else exponential from `baseDelayMs`, capped at `maxDelayMs`, with full
 * jitter over its upper half.
 */
export const retrySchedule = (policy: RetryConfig): Schedule.Schedule<Duration.Duration, LlmError> =>
  cappedExponential({ base: Duration.millis(policy.baseDelayMs), max: Duration.millis(policy.maxDelayMs) }).pipe(
    Schedule.setInputType<LlmError>(),
    Schedule.modifyDelay(({ input, duration }) =>
      Effect.map(Random.next, (r) =>
        Math.ceil(
          input._tag === "LlmTransientError" && input.retryAfterMs !== undefined
            ? input.retryAfterMs * (1 + 0.1 * r)
            : Duration.toMillis(duration) * (0.5 + 0.5 * r),
        )
      )
    ),
  )

/**
 * Retries `LlmTransientError`s up to `maxRetries` times, sleeping through Effect's Clock (so
 * TestClock drives it). Fatal errors, access errors and a `Retry-After` beyond `maxRetryAfterMs` go up at once.
 */
export const retryTransient = <A, R>(
  attempt: Effect.Effect<A, LlmError, R>,
  policy: RetryConfig = defaultRetry,
  onRetry?: (error: LlmTransientError, attempt: number, delayMs: number) => Effect.Effect<void>,
): Effect.Effect<A, LlmError, R> =>
  Effect.retry(attempt, {
    schedule: retrySchedule(policy).pipe(
      Schedule.tap(({ input, attempt: n, duration }) =>
        onRetry !== undefined && input._tag === "LlmTransientError" ? onRetry(input, n, Duration.toMillis(duration)) : Effect.void
      ),
    ),
    while: retryable(policy),
    times: policy.maxRetries,
  })
