import { type Duration, Schedule } from "effect"

export interface CappedExponentialOptions {
  readonly base: Duration.Input
  readonly factor?: number | undefined
  readonly max: Duration.Input
  /** ×[0.8, 1.2] through Effect's `Random`, so a seeded `Random` makes it deterministic. */
  readonly jitter?: boolean | undefined
}

/**
 * The one back-off of the factory: exponential from `base`, capped at `max`, endless (bound it
 * with `Schedule.recurs` or by the caller). The cap applies before the jitter, so callers that
 * all reached the cap still spread out instead of hammering a recovering dependency in lock-step.
 */
export const cappedExponential = (options: CappedExponentialOptions): Schedule.Schedule<Duration.Duration> => {
  const capped = Schedule.min([Schedule.exponential(options.base, options.factor ?? 2), Schedule.spaced(options.max)])
  return options.jitter === true ? Schedule.jittered(capped) : capped
}
