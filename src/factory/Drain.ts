/**
 * A graceful stop: on SIGTERM / SIGINT the factory stops claiming and gives the jobs in flight up
 * to `pipeline.shutdownGraceMs` to finish; whatever is still running then is interrupted, and its
 * worker hands the job back to the queue (a transient retry: no delivery counted against it).
 *
 * The workers tell the drain when a job starts and ends; a job claimed after the drain began is
 * handed back at once. Time is Effect's `Clock`, so the grace runs under `TestClock` in tests.
 */
import { Context, Deferred, Duration, Effect, Ref } from "effect"

export interface DrainOutcome {
  /** Jobs in flight when the drain began. */
  readonly inFlight: ReadonlyArray<string>
  /** Of those, the ones that finished (committed, or settled otherwise) within the grace. */
  readonly finished: ReadonlyArray<string>
  /** Still running at the end of the grace: interrupted, handed back to the queue. */
  readonly handedBack: ReadonlyArray<string>
}

export interface DrainShape {
  /** Registers a claimed job as in flight; false when the factory is draining (the job must be handed back). */
  readonly begin: (job: string) => Effect.Effect<boolean>
  readonly end: (job: string) => Effect.Effect<void>
  /** True once the drain began: a worker claims nothing more. */
  readonly draining: Effect.Effect<boolean>
  /** Stops new work, tells `announce` what is in flight, and waits until nothing is or `graceMs` has passed. */
  readonly drain: (graceMs: number, announce?: (inFlight: ReadonlyArray<string>) => Effect.Effect<void>) => Effect.Effect<DrainOutcome>
}

interface State {
  readonly draining: boolean
  readonly inFlight: ReadonlySet<string>
}

export const makeDrain: Effect.Effect<DrainShape> = Effect.gen(function* () {
  const state = yield* Ref.make<State>({ draining: false, inFlight: new Set() })
  const idle = yield* Deferred.make<void>()
  const signalIfIdle = (s: State) => (s.draining && s.inFlight.size === 0 ? Deferred.succeed(idle, undefined) : Effect.void)
  return {
    begin: (job) =>
      Ref.modify(state, (s): [boolean, State] => (s.draining ? [false, s] : [true, { ...s, inFlight: new Set([...s.inFlight, job]) }])),
    end: (job) =>
      Effect.flatMap(
        Ref.updateAndGet(state, (s) => {
          const inFlight = new Set(s.inFlight)
          inFlight.delete(job)
          return { ...s, inFlight }
        }),
        signalIfIdle,
      ),
    draining: Effect.map(Ref.get(state), (s) => s.draining),
    drain: (graceMs, announce) =>
      Effect.gen(function* () {
        const started = yield* Ref.updateAndGet(state, (s) => ({ ...s, draining: true }))
        yield* signalIfIdle(started)
        const inFlight = [...started.inFlight]
        if (announce !== undefined) yield* announce(inFlight)
        yield* Effect.timeoutOption(Deferred.await(idle), Duration.millis(Math.max(0, graceMs)))
        const still = (yield* Ref.get(state)).inFlight
        return { inFlight, finished: inFlight.filter((j) => !still.has(j)), handedBack: inFlight.filter((j) => still.has(j)) }
      }),
  }
})

/** Without a graceful stop (simulations, tests of one worker): never draining. */
const never: DrainShape = {
  begin: () => Effect.succeed(true),
  end: () => Effect.void,
  draining: Effect.succeed(false),
  drain: () => Effect.succeed({ inFlight: [], finished: [], handedBack: [] }),
}

export const Drain = Context.Reference<DrainShape>("novel-factory/Drain", { defaultValue: () => never })

/** The lines the operator reads as the factory stops. */
export const describeDrainStart = (inFlight: number, graceMs: number): string =>
  `stopping: draining ${inFlight} job(s), up to ${graceMs / 1_000} s`

export const describeDrainOutcome = (outcome: DrainOutcome): string => {
  const finished = outcome.finished.length === 0 ? "none finished" : `finished ${outcome.finished.join(", ")}`
  const back = outcome.handedBack.length === 0 ? "nothing handed back" : `handing back ${outcome.handedBack.join(", ")} (interrupted; no delivery counted)`
  return `stopping: ${finished}; ${back}`
}
