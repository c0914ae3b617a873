import { Effect } from "effect"
import type { BreakerOpen, CircuitBreaker } from "./CircuitBreaker.ts"

/** Wraps each function that returns an Effect, and each Effect-valued field, with `wrap`. */
const wrapService = <S extends object>(service: S, wrap: (effect: Effect.Effect<unknown, unknown, unknown>) => unknown): S => {
  const guarded: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(service)) {
    if (Effect.isEffect(value)) guarded[key] = wrap(value)
    else if (typeof value === "function") {
      guarded[key] = (...args: Array<unknown>) => {
        const result = (value as (...a: Array<unknown>) => unknown).apply(service, args)
        return Effect.isEffect(result) ? wrap(result) : result
      }
    } else guarded[key] = value
  }
  return guarded as S
}

/**
 * Routes every operation of a service through a dependency's circuit breaker: each
 * function that returns an Effect, and each Effect-valued field. While the breaker is
 * open the callers park (no crash loop, no job failed); they resume when it closes.
 * For the actors, which have nothing better to do than wait.
 */
export const guardService = <S extends object>(service: S, breaker: CircuitBreaker): S =>
  wrapService(service, (effect) => breaker.call(effect))

/**
 * The same breaker, failing fast instead of parking: while it is open (or its half-open
 * probe slots are taken) a call fails at once with the dependency's own "unavailable" error
 * (`onOpen`), so callers that must answer now — HTTP requests (`/readyz`, `/api/v1/status`),
 * the dashboard — report the outage (503) instead of hanging until the dependency returns.
 */
export const guardServiceFailFast = <S extends object>(service: S, breaker: CircuitBreaker, onOpen: (open: BreakerOpen) => unknown): S =>
  wrapService(service, (effect) =>
    breaker.callOrFail(effect).pipe(
      Effect.catchIf(
        (error): error is BreakerOpen => typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "BreakerOpen",
        (open) => Effect.fail(onOpen(open)),
      ),
    ))
