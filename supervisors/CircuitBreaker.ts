import { Cause, Clock, Data, Deferred, Duration, Effect, Exit } from "effect"
import { EventBus } from "../src/events/EventBus.ts"
import type { BreakerState } from "../src/events/FactoryEvent.ts"
import { makeBreakerLog } from "./BreakerLog.ts"
import { makeOutcomeWindow } from "./OutcomeWindow.ts"

/**
 * A circuit breaker for one dependency (Redis, Neo4j, the LLM …).
 *
 * closed ──(failure rate ≥ threshold over `window`, after `minimumCalls`)──▶ open
 * open ──(after `cooldown`)──▶ half-open
 * half-open ──(`probes` probe calls succeed)──▶ closed
 * half-open ──(a probe fails)──▶ open
 *
 * `call` parks the caller while the breaker is open (and while the half-open
 * probe slots are taken) and resumes it when it closes or the caller gets a
 * probe slot: an actor facing a dead dependency waits instead of crash-looping
 * its supervisor. `callOrFail` fails fast with {@link BreakerOpen} instead.
 */
export interface CircuitBreakerOptions {
  readonly name: string
  /** Fraction of failed calls (0 < t ≤ 1) that opens the breaker. Default 0.5. */
  readonly failureRateThreshold?: number | undefined
  /** No opinion before this many calls in the window. Default 5. */
  readonly minimumCalls?: number | undefined
  /** Sliding window of call outcomes while closed, in 60 buckets (see `OutcomeWindow`). Default 60 s. */
  readonly window?: Duration.Input | undefined
  /** Time open before letting probes through. Default 30 s. */
  readonly cooldown?: Duration.Input | undefined
  /** Probe calls that must succeed in half-open to close (also how many may run at once). Default 1. */
  readonly probes?: number | undefined
  /** Which typed errors count against the dependency (e.g. not a 404). Defects always count. Default: all. */
  readonly isFailure?: ((error: unknown) => boolean) | undefined
  /** At most one summary log line per this period (see `BreakerLog`). Default 60 s. */
  readonly logSummaryEvery?: Duration.Input | undefined
}

/** `callOrFail` on a breaker that is not letting calls through. */
export class BreakerOpen extends Data.TaggedError("BreakerOpen")<{
  readonly breaker: string
  readonly state: BreakerState
  /** Ms until the breaker half-opens; 0 when half-open with all probe slots taken. */
  readonly retryAfterMs: number
}> {}

/** What `/readyz` and the dashboard show of a breaker. Plain data. */
export interface BreakerInfo {
  readonly name: string
  readonly state: BreakerState
  /** Calls and failures in the current window (closed) or probes so far (half-open). */
  readonly calls: number
  readonly failures: number
  /** When open: ms until it half-opens. */
  readonly retryAfterMs: number | null
  /** Callers currently parked in `call`. */
  readonly parked: number
  /** The error of the last call that counted as a failure while the breaker is not closed: why it opened. */
  readonly lastFailure?: unknown
}

export interface CircuitBreaker {
  readonly name: string
  readonly state: Effect.Effect<BreakerState>
  readonly info: Effect.Effect<BreakerInfo>
  /** Runs `effect` through the breaker, parking while the breaker is open. */
  readonly call: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Runs `effect` through the breaker, failing with `BreakerOpen` instead of parking. */
  readonly callOrFail: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | BreakerOpen, R>
}

type Admission =
  | { readonly _tag: "Admitted"; readonly probe: boolean; readonly generation: number }
  | { readonly _tag: "Refused"; readonly wake: Deferred.Deferred<void>; readonly retryAfterMs: number }

const toMillis = (input: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * Makes a breaker. Its cool-down timers live in the current `Scope`. State is
 * plain variables changed only in synchronous steps, which a single-threaded
 * fiber runtime makes atomic; waiting callers park on a `Deferred` that is
 * completed (and replaced) whenever a slot may have opened up.
 */
export const make = Effect.fn("CircuitBreaker.make")(function* (options: CircuitBreakerOptions) {
  const bus = yield* EventBus
  const scope = yield* Effect.scope
  const name = options.name
  const threshold = options.failureRateThreshold ?? 0.5
  const minimumCalls = options.minimumCalls ?? 5
  const windowMs = toMillis(options.window ?? "60 seconds")
  const cooldownMs = toMillis(options.cooldown ?? "30 seconds")
  const probes = Math.max(1, options.probes ?? 1)
  const isFailure = options.isFailure ?? (() => true)

  let state: BreakerState = "closed"
  /** Bumped at every transition: outcomes of calls admitted under an older state are ignored. */
  let generation = 0
  /** Outcomes of calls while closed, counted per bucket of the window (O(1) to record and to read). */
  const outcomes = makeOutcomeWindow(windowMs)
  let openedAt = 0
  let probesInFlight = 0
  let probeSuccesses = 0
  let parked = 0
  /** The last failure counted (kept while not closed, so readiness can say why the dependency is down). */
  let lastFailure: unknown = undefined
  let wake = Deferred.makeUnsafe<void>()

  const log = makeBreakerLog({ name, scope, currentState: () => state, summaryEvery: options.logSummaryEvery })

  const wakeParked = () => {
    const woken = wake
    wake = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(woken, Exit.void)
  }

  const transition = (to: BreakerState, reason: string): Effect.Effect<void> =>
    Effect.gen(function* () {
      const at = yield* Clock.currentTimeMillis
      const from = state
      if (from === to) return
      state = to
      generation++
      outcomes.reset()
      probesInFlight = 0
      probeSuccesses = 0
      if (to === "open") {
        openedAt = at
        const openedGeneration = generation
        yield* Effect.sleep(Duration.millis(cooldownMs)).pipe(
          Effect.andThen(
            Effect.suspend(() =>
              generation === openedGeneration ? transition("half-open", "cool-down elapsed") : Effect.void
            ),
          ),
          Effect.forkIn(scope),
        )
      }
      wakeParked()
      yield* bus.publish({ _tag: "BreakerChanged", at, breaker: name, from, to, reason })
      yield* log.changed(from, to, reason)
    })

  const admit = (now: number): Admission => {
    switch (state) {
      case "closed":
        return { _tag: "Admitted", probe: false, generation }
      case "half-open":
        if (probesInFlight + probeSuccesses < probes) {
          probesInFlight++
          return { _tag: "Admitted", probe: true, generation }
        }
        return { _tag: "Refused", wake, retryAfterMs: 0 }
      case "open":
        return { _tag: "Refused", wake, retryAfterMs: Math.max(0, openedAt + cooldownMs - now) }
    }
  }

  const countsAsFailure = (exit: Exit.Exit<unknown, unknown>): boolean => {
    if (Exit.isSuccess(exit)) return false
    if (Cause.hasDies(exit.cause)) {
      lastFailure = Cause.squash(exit.cause)
      return true
    }
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some" && isFailure(error.value)) {
      lastFailure = error.value
      return true
    }
    return false
  }

  const record = (admission: Extract<Admission, { _tag: "Admitted" }>, exit: Exit.Exit<unknown, unknown>) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (admission.generation !== generation) return
      const interrupted = Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
      if (admission.probe) {
        probesInFlight--
        if (interrupted) return wakeParked() // its slot is free for a parked caller
        if (countsAsFailure(exit)) return yield* transition("open", "probe failed")
        probeSuccesses++
        if (probeSuccesses >= probes) yield* transition("closed", `${probes} probe(s) succeeded`)
        return
      }
      if (interrupted) return
      outcomes.record(now, countsAsFailure(exit))
      const { calls, failures } = outcomes.counts(now)
      if (calls >= minimumCalls && failures / calls >= threshold) {
        yield* transition("open", `${failures} of ${calls} calls failed`)
      }
    })

  const runAdmitted = <A, E, R>(
    admission: Extract<Admission, { _tag: "Admitted" }>,
    effect: Effect.Effect<A, E, R>,
    restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>,
  ) =>
    Effect.flatMap(Effect.exit(restore(effect)), (exit) => Effect.andThen(record(admission, exit), exit))

  const call = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        for (let attempt = 0; ; attempt++) {
          const admission = admit(yield* Clock.currentTimeMillis)
          if (admission._tag === "Admitted") return yield* runAdmitted(admission, effect, restore)
          // one refused call, however often it wakes up parked
          if (attempt === 0) yield* log.refused
          parked++
          yield* restore(Deferred.await(admission.wake)).pipe(Effect.ensuring(Effect.sync(() => parked--)))
        }
      })
    )

  const callOrFail = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | BreakerOpen, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const admission = admit(yield* Clock.currentTimeMillis)
        if (admission._tag === "Refused") {
          yield* log.refused
          return yield* new BreakerOpen({ breaker: name, state, retryAfterMs: admission.retryAfterMs })
        }
        return yield* runAdmitted(admission, effect, restore)
      })
    )

  const info: Effect.Effect<BreakerInfo> = Effect.map(Clock.currentTimeMillis, (now) => {
    // the window is empty unless closed: a transition resets it
    const window = state === "closed" ? outcomes.counts(now) : { calls: 0, failures: 0 }
    return {
      name,
      state,
      calls: state === "half-open" ? probeSuccesses + probesInFlight : window.calls,
      failures: window.failures,
      retryAfterMs: state === "open" ? Math.max(0, openedAt + cooldownMs - now) : null,
      parked,
      ...(state !== "closed" && lastFailure !== undefined ? { lastFailure } : {}),
    }
  })

  const breaker: CircuitBreaker = {
    name,
    state: Effect.sync(() => state),
    info,
    call,
    callOrFail,
  }
  return breaker
})
