import { Clock, Duration, Effect, Option, Pull, Schedule } from "effect"
import { cappedExponential } from "../src/util/Backoff.ts"

/**
 * Back-off between restarts. Any `Schedule` works (its delays are used, its
 * output ignored; it receives the exit `Cause` as input); a schedule that ends
 * means "stop retrying", and the supervisor escalates.
 */
export type BackoffSchedule = Schedule.Schedule<unknown, unknown>

export interface ExponentialOptions {
  readonly base?: Duration.Input | undefined
  readonly factor?: number | undefined
  readonly max?: Duration.Input | undefined
  /** ×[0.8, 1.2] through Effect's `Random`, so a seeded `Random` makes it deterministic. Default true. */
  readonly jitter?: boolean | undefined
}

/** Exponential back-off, capped and (by default) jittered: the factory's one back-off (`src/util/Backoff.ts`). */
export const exponential = (options?: ExponentialOptions): BackoffSchedule =>
  cappedExponential({
    base: options?.base ?? "5 seconds",
    factor: options?.factor,
    max: options?.max ?? "60 seconds",
    jitter: options?.jitter ?? true,
  })

/** The factory default: from 5 s, ×2, capped at 60 s, jittered. */
export const defaultBackoff: BackoffSchedule = exponential()

/** A child that stayed up at least `resetAfterMs` earned a fresh back-off from the base delay. */
export const stableRunEarnsReset = (startedAt: number, now: number, resetAfterMs: number): boolean =>
  now - startedAt >= resetAfterMs

/**
 * One child's position in its back-off schedule. Stepping a fresh schedule on
 * `reset` is what "restart from the base delay" means.
 */
export interface BackoffTimer {
  /** The next delay in ms, or `None` once the schedule has ended. Counts an attempt. */
  readonly next: (input: unknown) => Effect.Effect<Option.Option<number>>
  readonly reset: Effect.Effect<void>
  /** Attempts since the last reset (1 for the first restart). */
  readonly attempt: () => number
}

export const makeTimer = Effect.fnUntraced(function* (schedule: BackoffSchedule) {
  let step = yield* Schedule.toStep(schedule)
  let attempt = 0
  const timer: BackoffTimer = {
    next: (input) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        step(now, input).pipe(
          Pull.matchEffect({
            onSuccess: ([, delay]) =>
              Effect.sync(() => {
                attempt++
                return Option.some(Math.max(0, Duration.toMillis(delay)))
              }),
            onFailure: () => Effect.succeed(Option.none<number>()),
            onDone: () => Effect.succeed(Option.none<number>()),
          }),
        )),
    reset: Effect.map(Schedule.toStep(schedule), (fresh) => {
      step = fresh
      attempt = 0
    }),
    attempt: () => attempt,
  }
  return timer
})
