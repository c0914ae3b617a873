/**
 * The log of one circuit breaker, rate-limited. During an outage a breaker with a short
 * cool-down flips open → half-open → open every second or so and refuses calls all the while;
 * a line for each filled a log with ~2 lines a second (150 in one Redis outage). Instead:
 *
 * - a state change is logged at once when no change of this breaker was logged within the
 *   last `summaryEvery`, and so is a close that follows a logged open (the log never says
 *   "open" for longer than it takes to summarise once the dependency is back);
 * - what is not logged at once (changes, refused calls) is counted, and one summary line says
 *   it at the end of the period: `queue breaker: 148 calls refused, 58 state changes in the last 60 s; open`.
 *
 * At most two change lines and one summary per period. Time is Effect's `Clock`; the summary
 * waits on a fiber in the breaker's scope, started only when there is something to summarise.
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import type { BreakerState } from "../src/events/FactoryEvent.ts"

export const DEFAULT_SUMMARY_EVERY_MS = 60_000

export interface BreakerLog {
  /** After the breaker changed state. */
  readonly changed: (from: BreakerState, to: BreakerState, reason: string) => Effect.Effect<void>
  /** A call the breaker did not let through. */
  readonly refused: Effect.Effect<void>
}

const logAt = (state: BreakerState) => (message: string) =>
  state === "closed" ? Effect.logInfo(message) : Effect.logWarning(message)

export const makeBreakerLog = (options: {
  readonly name: string
  readonly scope: Scope.Scope
  readonly currentState: () => BreakerState
  readonly summaryEvery?: Duration.Input | undefined
}): BreakerLog => {
  const everyMs = Duration.toMillis(Duration.fromInputUnsafe(options.summaryEvery ?? DEFAULT_SUMMARY_EVERY_MS))
  const label = `${options.name} breaker`
  /** When the current period began: the last line logged (a change or a summary). */
  let periodStart = Number.NEGATIVE_INFINITY
  let lastLogged: BreakerState | null = null
  let changes = 0
  let refused = 0
  let summaryScheduled = false

  const summarise = (now: number) =>
    Effect.suspend(() => {
      summaryScheduled = false
      if (changes === 0 && refused === 0) return Effect.void
      const parts = [
        refused > 0 ? `${refused} call${refused === 1 ? "" : "s"} refused` : "",
        changes > 0 ? `${changes} state change${changes === 1 ? "" : "s"}` : "",
      ].filter((p) => p !== "")
      const seconds = Math.round((now - periodStart) / 1000)
      const state = options.currentState()
      changes = 0
      refused = 0
      periodStart = now
      lastLogged = state
      return logAt(state)(`${label}: ${parts.join(", ")} in the last ${seconds} s; ${state}`)
    })

  /** The summary at the end of the current period, unless one is waiting already. */
  const scheduleSummary = (now: number) => {
    if (summaryScheduled) return Effect.void
    summaryScheduled = true
    const wait = Math.max(0, periodStart + everyMs - now)
    return Effect.sleep(Duration.millis(wait)).pipe(
      Effect.andThen(Effect.flatMap(Clock.currentTimeMillis, summarise)),
      Effect.forkIn(options.scope),
      Effect.asVoid,
    )
  }

  const changed = (from: BreakerState, to: BreakerState, reason: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const quiet = now - periodStart >= everyMs
      const recovery = to === "closed" && lastLogged !== null && lastLogged !== "closed"
      if (quiet || recovery) {
        lastLogged = to
        if (quiet) periodStart = now
        return logAt(to)(`${label} ${from} → ${to} (${reason})`)
      }
      changes++
      return scheduleSummary(now)
    })

  const refusedCall = Effect.suspend(() => {
    refused++
    return summaryScheduled ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, scheduleSummary)
  })

  return { changed, refused: refusedCall }
}
