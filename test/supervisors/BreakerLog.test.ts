import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Fiber, Logger } from "effect"
import { TestClock } from "effect/testing"
import { EventBus } from "../../src/events/EventBus.ts"
import * as CircuitBreaker from "../../supervisors/CircuitBreaker.ts"

class Down extends Data.TaggedError("Down")<{}> {}

/** The breaker's log lines, `+<seconds>s <level> <message>` on the TestClock. */
const capture = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    const message = Array.isArray(options.message) ? options.message.join(" ") : String(options.message)
    lines.push(`+${Math.round(options.date.getTime() / 1000)}s ${options.logLevel} ${message}`)
  })
  return { lines, logger }
}

const run = <A, E>(logger: Logger.Logger<unknown, unknown>, effect: Effect.Effect<A, E, EventBus>) =>
  effect.pipe(Effect.provideService(Logger.CurrentLoggers, new Set([logger])), Effect.provide(EventBus.layer({ keep: 10_000 })))

/** Like the factory's queue breaker: probed every second, so it flips open ⇄ half-open all through an outage. */
const queueLike = { name: "queue", minimumCalls: 2, failureRateThreshold: 0.5, window: "10 seconds", cooldown: "1 second" } as const

describe("breaker logs", () => {
  it.effect("an outage of 150 s logs its start, a summary a minute and its end, not every flip", () => {
    const { lines, logger } = capture()
    return run(logger, Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make(queueLike)
      let down = true
      const dependency = Effect.suspend(() => (down ? Effect.fail(new Down()) : Effect.succeed("ok")))
      let changes = 0
      // a caller every 200 ms (callOrFail: the API's way), 150 s of outage, then 10 s of health
      for (let tick = 0; tick < 800; tick++) {
        if (tick === 750) down = false
        const before = yield* breaker.state
        yield* Effect.exit(breaker.callOrFail(dependency))
        yield* TestClock.adjust("200 millis")
        if ((yield* breaker.state) !== before) changes++
      }
      expect(yield* breaker.state).toBe("closed")
      yield* TestClock.adjust("30 seconds")
      // without the limit: a line per change, ~2 a second
      expect(changes).toBeGreaterThan(100)
      expect(lines).toEqual([
        "+0s Warn queue breaker closed → open (2 of 2 calls failed)",
        expect.stringMatching(/^\+60s Warn queue breaker: \d+ calls refused, \d+ state changes in the last 60 s; (open|half-open)$/),
        expect.stringMatching(/^\+120s Warn queue breaker: \d+ calls refused, \d+ state changes in the last 60 s; (open|half-open)$/),
        expect.stringMatching(/^\+15\ds Info queue breaker half-open → closed \(1 probe\(s\) succeeded\)$/),
        expect.stringMatching(/^\+180s Info queue breaker: \d+ calls refused, \d+ state changes in the last 60 s; closed$/),
      ])
      const refusedInFirstMinute = Number(/: (\d+) calls refused/.exec(lines[1]!)![1])
      // 5 callers a second for 60 s, less the probes let through
      expect(refusedInFirstMinute).toBeGreaterThan(200)
      expect(refusedInFirstMinute).toBeLessThan(300)
    }).pipe(Effect.scoped))
  })

  it.effect("a change after a quiet period is logged at once; a parked caller counts as one refused call", () => {
    const { lines, logger } = capture()
    return run(logger, Effect.gen(function* () {
      const breaker = yield* CircuitBreaker.make({ ...queueLike, cooldown: "30 seconds" })
      yield* Effect.exit(breaker.call(Effect.fail(new Down())))
      yield* Effect.exit(breaker.call(Effect.fail(new Down())))
      expect(lines).toEqual(["+0s Warn queue breaker closed → open (2 of 2 calls failed)"])
      // a worker parks on the open breaker until the probe lets it through
      const parked = yield* Effect.forkChild(breaker.call(Effect.succeed("ok")))
      yield* TestClock.adjust("31 seconds")
      yield* Fiber.join(parked)
      expect(yield* breaker.state).toBe("closed")
      yield* TestClock.adjust("60 seconds")
      expect(lines).toEqual([
        "+0s Warn queue breaker closed → open (2 of 2 calls failed)",
        "+30s Info queue breaker half-open → closed (1 probe(s) succeeded)",
        "+60s Info queue breaker: 1 call refused, 1 state change in the last 60 s; closed",
      ])
      // quiet for more than a period: the next change is logged at once
      yield* TestClock.adjust("2 minutes")
      yield* Effect.exit(breaker.call(Effect.fail(new Down())))
      yield* Effect.exit(breaker.call(Effect.fail(new Down())))
      expect(lines.at(-1)).toBe("+211s Warn queue breaker closed → open (2 of 2 calls failed)")
    }).pipe(Effect.scoped))
  })
})
