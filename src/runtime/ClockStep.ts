import { Clock, Effect } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { monotonicMillis } from "../coordination/StoreTime.ts"

/**
 * Notices wall-clock steps: between two readings the wall clock (`currentTimeMillis`) should
 * move as far as the monotonic clock (`monotonicTimeNanos`, which no step moves); a difference
 * beyond `thresholdMs` is a step (an operator's `date -s`, an NTP step, a VM resumed, faketime).
 * Each step is logged once, published as `ClockStepped`, and raises the `clock.stepped` alert.
 *
 * Nothing depends on it for correctness — queue deadlines and leases are kept in store time
 * (`coordination/StoreTime.ts`) and backups in creation order — it is there so that an operator hears
 * of a step instead of finding its traces in the stamps.
 */
export interface ClockReading {
  readonly wall: number
  readonly mono: number
}

export const readClocks = Clock.clockWith((clock) => Effect.succeed<ClockReading>({ wall: clock.currentTimeMillisUnsafe(), mono: monotonicMillis(clock) }))

/** The step between two readings (ms; negative: back), or 0 when the clocks agree within `thresholdMs`. */
export const stepBetween = (before: ClockReading, after: ClockReading, thresholdMs: number): number => {
  const step = after.wall - before.wall - (after.mono - before.mono)
  return Math.abs(step) >= thresholdMs ? step : 0
}

export interface ClockStepOptions {
  /** How often the clocks are compared. */
  readonly intervalMs?: number
  /** The smallest difference taken for a step (event-loop stalls and NTP slewing stay far below it). */
  readonly thresholdMs?: number
}

const describeStep = (step: number): string => {
  const seconds = Math.abs(step) / 1000
  const size = seconds >= 120 ? `${(seconds / 60).toFixed(1).replace(/\.0$/, "")} min` : `${seconds.toFixed(1).replace(/\.0$/, "")} s`
  return `the wall clock stepped ${step < 0 ? "back" : "forward"} ${size}`
}

/** Compares the clocks every `intervalMs`, forever: a child of the factory's tree. */
export const watchClockSteps = (options: ClockStepOptions = {}) =>
  Effect.gen(function* () {
    const intervalMs = options.intervalMs ?? 5_000
    const thresholdMs = options.thresholdMs ?? 2_000
    const bus = yield* EventBus
    let before = yield* readClocks
    for (;;) {
      yield* Effect.sleep(intervalMs)
      const after = yield* readClocks
      const step = stepBetween(before, after, thresholdMs)
      before = after
      if (step === 0) continue
      yield* Effect.logWarning(`${describeStep(step)}: queue leases, retry delays and backup order keep to their own time; check the host's clock (NTP)`)
      yield* bus.publish({ _tag: "ClockStepped", at: after.wall, stepMs: step })
    }
  })
