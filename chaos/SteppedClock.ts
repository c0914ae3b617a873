import { Clock, Effect } from "effect"

/**
 * A wall-clock step, as an operator's `date -s`, an NTP step or faketime makes one: the wall
 * reading (`currentTimeMillis`, `currentTimeNanos`) jumps by the step while the monotonic clock
 * and timers (`monotonicTimeNanos`, `sleep`) go on as before — which is what Node does with
 * `Date.now()` against `process.hrtime` and `setTimeout`.
 *
 * It wraps whatever Clock is current, `TestClock` included, and keeps every other member of it,
 * so `TestClock.adjust` still drives time inside (it finds the clock through the same reference).
 */
export interface WallClockStepper {
  /** Moves the wall clock by `ms` (negative: back), from now on, for every fiber running under this clock. */
  readonly step: (ms: number) => Effect.Effect<void>
  /** The sum of the steps so far. */
  readonly offset: () => number
}

/** A Clock over `inner` whose wall reading `step` moves; run effects under it with \`Effect.provideService(…, Clock.Clock, clock)\`. */
export const makeSteppedClock = (inner: Clock.Clock): WallClockStepper & { readonly clock: Clock.Clock } => {
  let offset = 0
  const currentTimeMillisUnsafe = () => inner.currentTimeMillisUnsafe() + offset
  const currentTimeNanosUnsafe = () => inner.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n
  const stepped: Clock.Clock = Object.assign(Object.create(inner) as Clock.Clock, {
    ...inner,
    currentTimeMillisUnsafe,
    currentTimeMillis: Effect.sync(currentTimeMillisUnsafe),
    currentTimeNanosUnsafe,
    currentTimeNanos: Effect.sync(currentTimeNanosUnsafe),
  })
  return {
    clock: stepped,
    step: (ms) => Effect.sync(() => void (offset += ms)),
    offset: () => offset,
  }
}

/** Runs `f` with the current Clock replaced by one whose wall reading `step` can move. */
export const withWallClockStepper = <A, E, R>(f: (stepper: WallClockStepper) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Clock.clockWith((inner) => {
    const stepped = makeSteppedClock(inner)
    return Effect.provideService(f(stepped), Clock.Clock, stepped.clock)
  })
