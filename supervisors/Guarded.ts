import { Effect } from "effect"
import type { CircuitBreaker } from "./CircuitBreaker.ts"

/**
 * Routes every operation of a service through a dependency's circuit breaker: each
 * function that returns an Effect, and each Effect-valued field. While the breaker is
 * open the callers park (no crash loop, no job failed); they resume when it closes.
 */
export const guardService = <S extends object>(service: S, breaker: CircuitBreaker): S => {
  const guarded: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(service)) {
    if (Effect.isEffect(value)) guarded[key] = breaker.call(value)
    else if (typeof value === "function") {
      guarded[key] = (...args: Array<unknown>) => {
        const result = (value as (...a: Array<unknown>) => unknown).apply(service, args)
        return Effect.isEffect(result) ? breaker.call(result) : result
      }
    } else guarded[key] = value
  }
  return guarded as S
}
