import { describe, expect, it } from "@effect/vitest"
import { Effect, PubSub } from "effect"
import { EventBus } from "../../src/events/EventBus.ts"

const event = (n: number) => ({ _tag: "IntakeChanged" as const, at: n, paused: n % 2 === 0 })

describe("EventBus", () => {
  it.effect("keeps the last N events, oldest first", () =>
    Effect.gen(function* () {
      const bus = yield* EventBus.make({ keep: 3 })
      expect(yield* bus.recent()).toEqual([])
      for (let n = 1; n <= 5; n++) yield* bus.publish(event(n))
      expect((yield* bus.recent()).map((e) => e.at)).toEqual([3, 4, 5])
      expect((yield* bus.recent(2)).map((e) => e.at)).toEqual([4, 5])
    }))

  it.effect("delivers live events to subscribers", () =>
    Effect.scoped(Effect.gen(function* () {
      const bus = yield* EventBus.make()
      const subscription = yield* bus.subscribe
      yield* bus.publish(event(1))
      expect((yield* PubSub.take(subscription)).at).toBe(1)
    })))
})
