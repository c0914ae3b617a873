import { Clock, Deferred, Effect, type Exit, Semaphore } from "effect"
import type { ChatMessage } from "./LanguageModel.ts"

/**
 * Client-side rate limiting of one provider (one base URL + key):
 *
 * - two token buckets on Effect's Clock — requests per window and tokens per window — refilled
 *   continuously (`limit / windowMs` per ms) up to `burst × limit`;
 * - adaptive concurrency (AIMD): the number of calls in flight grows by `increase / limit` on
 *   each success (≈ +1 per round of `limit` successes) and is multiplied by `decrease` on a 429
 *   (at most once per `cooldownMs`, so one burst of 429s from calls already in flight halves it
 *   once, not n times);
 * - a 429 also empties the token bucket and parks every new admission until its `Retry-After`,
 *   so the client re-synchronises with the server instead of storming it.
 *
 * The token cost of a call is not known before it returns: admission reserves
 * `prompt estimate × calibration + max completion tokens`; `release` settles the reservation
 * with the actual usage (refund or debt), and calibrates the prompt estimate against the
 * provider's own count. Everything sleeps through Effect's Clock, so TestClock drives it.
 */

export interface RateLimits {
  /** Requests per window (per minute by default). Absent: unlimited. */
  readonly requestsPerMinute?: number | undefined
  /** Prompt + completion tokens per window. Absent: unlimited. */
  readonly tokensPerMinute?: number | undefined
  /** The window the limits are expressed in; 60 000 (a minute) unless a bench scales time down. */
  readonly windowMs?: number | undefined
  /** Bucket capacity as a share of one window's limit (1 = a full minute may be spent at once). */
  readonly burst?: number | undefined
}

export interface AimdOptions {
  readonly initial?: number | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
  /** Added to the limit per round of `limit` successes. Default 1. */
  readonly increase?: number | undefined
  /** Multiplier on a 429. Default 0.5. */
  readonly decrease?: number | undefined
  /** Minimum time between two decreases. Default 1 000 ms. */
  readonly cooldownMs?: number | undefined
}

export interface RateLimiterOptions extends RateLimits {
  readonly concurrency?: AimdOptions | undefined
  /** Safety margin on the calibrated prompt estimate. Default 1.05. */
  readonly estimateMargin?: number | undefined
}

export type CallOutcome =
  | { readonly _tag: "Success"; readonly promptTokens: number; readonly completionTokens: number }
  | { readonly _tag: "RateLimited"; readonly retryAfterMs?: number | undefined }
  /** Any other failure or an interruption: the reservation is kept (the server may have charged it). */
  | { readonly _tag: "Failed" }

export interface Reservation {
  /** The estimate the prompt was admitted with (before calibration). */
  readonly promptEstimate: number
  readonly maxCompletionTokens: number
}

export interface RateLimiterSnapshot {
  readonly concurrencyLimit: number
  readonly inFlight: number
  readonly waiting: number
  readonly requestTokens: number | null
  readonly tokenTokens: number | null
  readonly calibration: number
  readonly blockedUntil: number
  readonly rateLimited: number
}

export interface RateLimiter {
  /** Runs `use` once admitted; settles the permit with `settle(exit)`. */
  readonly withPermit: <A, E, R>(
    reservation: Reservation,
    use: Effect.Effect<A, E, R>,
    settle: (exit: Exit.Exit<A, E>) => CallOutcome,
  ) => Effect.Effect<A, E, R>
  readonly snapshot: Effect.Effect<RateLimiterSnapshot>
}

// ---------------------------------------------------------------------------------------------
// Token bucket (pure)

export interface TokenBucket {
  readonly capacity: number
  readonly perMs: number
  level: number
  last: number
}

export const makeBucket = (limit: number, windowMs: number, burst: number, now: number): TokenBucket => {
  const capacity = Math.max(1, limit * burst)
  return { capacity, perMs: limit / windowMs, level: capacity, last: now }
}

export const refill = (bucket: TokenBucket, now: number): void => {
  if (now > bucket.last) {
    bucket.level = Math.min(bucket.capacity, bucket.level + (now - bucket.last) * bucket.perMs)
    bucket.last = now
  }
}

/** Milliseconds until `amount` is available (0 when it is now). Amounts above capacity wait for a full bucket. */
export const waitFor = (bucket: TokenBucket, amount: number): number => {
  const need = Math.min(amount, bucket.capacity) - bucket.level
  return need <= 0 ? 0 : Math.ceil(need / bucket.perMs)
}

// ---------------------------------------------------------------------------------------------
// AIMD (pure)

export interface AimdState {
  limit: number
  lastDecrease: number
  readonly min: number
  readonly max: number
  readonly increase: number
  readonly decrease: number
  readonly cooldownMs: number
}

export const makeAimd = (options: AimdOptions = {}): AimdState => {
  const min = Math.max(1, options.min ?? 1)
  const max = Math.max(min, options.max ?? 64)
  return {
    limit: Math.min(max, Math.max(min, options.initial ?? Math.min(max, 4))),
    lastDecrease: Number.NEGATIVE_INFINITY,
    min,
    max,
    increase: options.increase ?? 1,
    decrease: options.decrease ?? 0.5,
    cooldownMs: options.cooldownMs ?? 1_000,
  }
}

export const aimdSuccess = (s: AimdState): void => {
  s.limit = Math.min(s.max, s.limit + s.increase / s.limit)
}

/** Returns whether the limit was decreased (false inside the cool-down). */
export const aimdRateLimited = (s: AimdState, now: number): boolean => {
  if (now - s.lastDecrease < s.cooldownMs) return false
  s.limit = Math.max(s.min, s.limit * s.decrease)
  s.lastDecrease = now
  return true
}

/** Whole calls allowed in flight. */
export const aimdSlots = (s: AimdState): number => Math.max(s.min, Math.floor(s.limit))

// ---------------------------------------------------------------------------------------------
// Token estimate

/**
 * A conservative estimate of the prompt tokens of a chat request, without a tokenizer:
 * about 3 ASCII characters per token, one token per other character (Hangul syllables
 * cost 0.6–1.3 tokens in the common BPE vocabularies), plus 4 per message. The limiter
 * calibrates it against the provider's counts.
 */
export const estimatePromptTokens = (messages: ReadonlyArray<ChatMessage>): number => {
  let total = 3
  for (const m of messages) {
    let ascii = 0
    let other = 0
    for (let i = 0; i < m.content.length; i++) {
      const code = m.content.charCodeAt(i)
      if (code < 128) ascii++
      else if (code < 0xdc00 || code > 0xdfff) other++ // count a surrogate pair once
    }
    total += 4 + Math.ceil(ascii / 3) + other
  }
  return total
}

// ---------------------------------------------------------------------------------------------
// The limiter

export const makeRateLimiter = (options: RateLimiterOptions = {}): Effect.Effect<RateLimiter> =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const windowMs = options.windowMs ?? 60_000
    const burst = options.burst ?? 1
    const requests = options.requestsPerMinute ? makeBucket(options.requestsPerMinute, windowMs, burst, start) : null
    const tokens = options.tokensPerMinute ? makeBucket(options.tokensPerMinute, windowMs, burst, start) : null
    const aimd = makeAimd(options.concurrency)
    const margin = options.estimateMargin ?? 1.05
    let calibration = 1
    let inFlight = 0
    let blockedUntil = 0
    let rateLimited = 0
    const waiters: Array<Deferred.Deferred<void>> = []
    // Admission to the buckets is first come, first served: one fiber at a time waits for tokens.
    const gate = yield* Semaphore.make(1)

    const wake = () => {
      while (waiters.length > 0 && inFlight < aimdSlots(aimd)) {
        inFlight++
        Deferred.doneUnsafe(waiters.shift()!, Effect.void)
      }
    }

    const releaseSlot = () => {
      inFlight--
      wake()
    }

    const acquireSlot: Effect.Effect<void> = Effect.suspend(() => {
      if (waiters.length === 0 && inFlight < aimdSlots(aimd)) {
        inFlight++
        return Effect.void
      }
      const d = Deferred.makeUnsafe<void>()
      waiters.push(d)
      return Deferred.await(d).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const i = waiters.indexOf(d)
            if (i >= 0) waiters.splice(i, 1)
            else releaseSlot() // granted just before the interruption
          })
        ),
      )
    })

    const reserveTokens = (amount: number): Effect.Effect<void> =>
      Effect.gen(function* () {
        while (true) {
          const now = yield* Clock.currentTimeMillis
          if (blockedUntil > now) {
            yield* Effect.sleep(blockedUntil - now)
            continue
          }
          if (requests) refill(requests, now)
          if (tokens) refill(tokens, now)
          const wait = Math.max(requests ? waitFor(requests, 1) : 0, tokens ? waitFor(tokens, amount) : 0)
          if (wait === 0) {
            if (requests) requests.level -= 1
            if (tokens) tokens.level -= Math.min(amount, tokens.capacity)
            return
          }
          yield* Effect.sleep(wait)
        }
      }).pipe(gate.withPermits(1))

    const settle = (reserved: number, reservation: Reservation, outcome: CallOutcome) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          switch (outcome._tag) {
            case "Success": {
              aimdSuccess(aimd)
              if (reservation.promptEstimate > 0 && outcome.promptTokens > 0) {
                const ratio = outcome.promptTokens / reservation.promptEstimate
                calibration = 0.8 * calibration + 0.2 * ratio
              }
              if (tokens) {
                refill(tokens, now)
                const actual = outcome.promptTokens + outcome.completionTokens
                tokens.level = Math.min(tokens.capacity, tokens.level + reserved - actual)
              }
              break
            }
            case "RateLimited": {
              rateLimited++
              aimdRateLimited(aimd, now)
              const until = now + Math.max(0, outcome.retryAfterMs ?? 0)
              if (until > blockedUntil) blockedUntil = until
              // The server says we are out: start again from an empty bucket rather than a stale full one.
              if (tokens) {
                refill(tokens, now)
                tokens.level = Math.min(tokens.level, 0)
              }
              if (requests) {
                refill(requests, now)
                requests.level = Math.min(requests.level, 0)
              }
              break
            }
            case "Failed":
              break
          }
          releaseSlot()
        }),
      )

    const withPermit = <A, E, R>(
      reservation: Reservation,
      use: Effect.Effect<A, E, R>,
      classify: (exit: Exit.Exit<A, E>) => CallOutcome,
    ): Effect.Effect<A, E, R> => {
      const estimate = Math.ceil(reservation.promptEstimate * Math.max(calibration, 0.1) * margin) + reservation.maxCompletionTokens
      const reserved = tokens ? Math.min(estimate, tokens.capacity) : estimate
      // Waiting for a slot and for tokens stays interruptible (a caller's time-out must reach it);
      // once admitted, the permit is always settled.
      return Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          yield* restore(acquireSlot)
          yield* restore(reserveTokens(reserved)).pipe(Effect.onInterrupt(() => Effect.sync(releaseSlot)))
          const exit = yield* Effect.exit(restore(use))
          yield* settle(reserved, reservation, classify(exit))
          return yield* exit
        })
      )
    }

    const snapshot = Effect.sync((): RateLimiterSnapshot => ({
      concurrencyLimit: aimd.limit,
      inFlight,
      waiting: waiters.length,
      requestTokens: requests ? requests.level : null,
      tokenTokens: tokens ? tokens.level : null,
      calibration,
      blockedUntil,
      rateLimited,
    }))

    return { withPermit, snapshot }
  })

/** A limiter that admits everything at once (the offline writer, tests). */
export const unlimited: RateLimiter = {
  withPermit: (_reservation, use) => use,
  snapshot: Effect.succeed({
    concurrencyLimit: Number.POSITIVE_INFINITY,
    inFlight: 0,
    waiting: 0,
    requestTokens: null,
    tokenTokens: null,
    calibration: 1,
    blockedUntil: 0,
    rateLimited: 0,
  }),
}
