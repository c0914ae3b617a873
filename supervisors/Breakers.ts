import { Context, Effect, Layer, Scope } from "effect"
import { EventBus } from "../src/events/EventBus.ts"
import * as CircuitBreaker from "./CircuitBreaker.ts"

export interface BreakersShape {
  /**
   * The breaker of a dependency, created on first use with `options` (later
   * calls get the same breaker; their options are ignored).
   */
  readonly get: (
    name: string,
    options?: Omit<CircuitBreaker.CircuitBreakerOptions, "name">,
  ) => Effect.Effect<CircuitBreaker.CircuitBreaker>
  /** Every breaker, by name. */
  readonly all: Effect.Effect<ReadonlyArray<CircuitBreaker.BreakerInfo>>
  /** Names of the dependencies whose breaker is not closed: what `/readyz` reports as down. */
  readonly down: Effect.Effect<ReadonlyArray<string>>
}

/** The named circuit breakers of the process, one per dependency. */
export class Breakers extends Context.Service<Breakers, BreakersShape>()("novel-factory/supervisors/Breakers") {
  static readonly make = Effect.gen(function* () {
    const bus = yield* EventBus
    // Breakers outlive the `get` that created them: their timers live in the registry's scope.
    const scope = yield* Effect.scope
    const breakers = new Map<string, CircuitBreaker.CircuitBreaker>()
    const get = (name: string, options?: Omit<CircuitBreaker.CircuitBreakerOptions, "name">) =>
      Effect.suspend(() => {
        const existing = breakers.get(name)
        if (existing !== undefined) return Effect.succeed(existing)
        return CircuitBreaker.make({ ...options, name }).pipe(
          Effect.provideService(EventBus, bus),
          Scope.provide(scope),
          // A concurrent `get` may have won while this one was building.
          Effect.map((made) => breakers.get(name) ?? (breakers.set(name, made), made)),
        )
      })
    const all = Effect.suspend(() =>
      Effect.forEach([...breakers.values()].sort((a, b) => a.name.localeCompare(b.name)), (breaker) => breaker.info)
    )
    return Breakers.of({
      get,
      all,
      down: Effect.map(all, (infos) => infos.filter((info) => info.state !== "closed").map((info) => info.name)),
    })
  })

  /** Needs the `EventBus`, to publish `BreakerChanged`. */
  static readonly layer = Layer.effect(Breakers, Breakers.make)
}
