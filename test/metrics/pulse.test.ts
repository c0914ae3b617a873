/**
 * The server's pulse: the fold every dashboard's throughput and latency figures come from.
 * Minute buckets count exactly the hour's events, percentiles are over the last 500 successful
 * runs of a stage, failed attempts are counted apart, and synthetic work is left out.
 */
import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { emptyPulse, FactoryPulse, foldPulse, summarizePulse } from "../../src/metrics/Pulse.ts"

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const committed = (at: number, project = "p", episode = 1): FactoryEvent => ({ _tag: "JobCommitted", at, job: `${project}:${episode}`, project, episode, durationMs: 1, reward: 1 })
const dead = (at: number): FactoryEvent => ({ _tag: "JobDead", at, job: "p:9", project: "p", episode: 9, reason: "x" })
const stage = (at: number, name: "writer" | "guard" | "editor" | "critic", ms: number, ok = true): FactoryEvent => ({ _tag: "StageFinished", at, job: "p:1", stage: name, ms, ok })

const fold = (events: ReadonlyArray<FactoryEvent>) => {
  const state = emptyPulse()
  for (const event of events) foldPulse(state, event)
  return state
}

describe("the pulse", () => {
  it("buckets committed and dead episodes per minute over the last hour; the rate is the last five minutes' mean", () => {
    const state = fold([
      committed(T0 - 90 * 60_000), // older than the hour
      committed(T0 - 59 * 60_000 + 5),
      committed(T0 + 1_000),
      committed(T0 + 59_000),
      dead(T0 + 30_000),
      dead(T0 - 60_000),
    ])
    const summary = summarizePulse(state, T0 + 30_000)
    expect(summary.throughput).toHaveLength(60)
    expect(summary.throughput.at(-1)).toEqual({ minute: Math.floor(T0 / 60_000), committed: 2, failed: 1 })
    expect(summary.throughput.at(-2)).toMatchObject({ committed: 0, failed: 1 })
    expect(summary.throughput[0]).toMatchObject({ committed: 1 })
    expect(summary.rate).toEqual({ committed: 2 / 5, failed: 2 / 5 })
    expect(summary.totals).toEqual({ committed: 4, failed: 2, rejected: 0 })
    expect(summary.since).toBe(T0 - 90 * 60_000)
  })

  it("property: the hour's buckets count exactly the events of the last 60 minutes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -120 * 60_000, max: 0 }), { maxLength: 300 }), (offsets) => {
        const now = T0 + 59_999
        const summary = summarizePulse(fold(offsets.map((o, i) => committed(now + o, "p", i + 1))), now)
        const inHour = offsets.filter((o) => Math.floor((now + o) / 60_000) > Math.floor(now / 60_000) - 60).length
        expect(summary.throughput.reduce((sum, m) => sum + m.committed, 0)).toBe(inHour)
      }),
      { verbose: true },
    )
  })

  it("computes p50/p95 per stage over successful runs; failed attempts are counted, not timed", () => {
    const events: Array<FactoryEvent> = []
    for (let i = 1; i <= 20; i++) {
      events.push(stage(T0 + i, "writer", i * 100))
      events.push(stage(T0 + i, "guard", i, i !== 3))
    }
    events.push(stage(T0, "critic", 7))
    const latency = summarizePulse(fold(events), T0).latency
    expect(latency.map((l) => l.stage)).toEqual(["writer", "guard", "editor", "critic"])
    expect(latency[0]).toEqual({ stage: "writer", count: 20, failures: 0, p50: 1000, p95: 1900 })
    expect(latency[1]).toEqual({ stage: "guard", count: 19, failures: 1, p50: 11, p95: 20 })
    expect(latency[2]).toEqual({ stage: "editor", count: 0, failures: 0, p50: null, p95: null })
  })

  it("keeps only the last 500 samples of a stage", () => {
    const events = Array.from({ length: 600 }, (_, i) => stage(T0 + i, "editor", i < 100 ? 1_000_000 : 10))
    const editor = summarizePulse(fold(events), T0).latency.find((l) => l.stage === "editor")!
    expect(editor.count).toBe(500)
    expect(editor.p95).toBe(10)
  })

  it("leaves the factory's synthetic work (canary, load) out", () => {
    const summary = summarizePulse(fold([committed(T0, "nf-canary"), committed(T0, "nf-load-1"), committed(T0, "canary")]), T0)
    // a user's project named `canary` is real work
    expect(summary.totals.committed).toBe(1)
  })

  it("as a service folds what the bus kept before it started, and what comes after, each once", async () => {
    const totals = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* EventBus
        yield* bus.publish(committed(T0))
        const pulse = Context.get(yield* Layer.build(FactoryPulse.layer), FactoryPulse)
        yield* bus.publish(committed(T0 + 1, "p", 2))
        yield* bus.publish(dead(T0 + 2))
        for (let i = 0; i < 100; i++) {
          const now = yield* pulse.summary
          if (now.totals.failed === 1) return now.totals
          yield* Effect.yieldNow
        }
        return (yield* pulse.summary).totals
      }).pipe(Effect.scoped, Effect.provide(EventBus.layer())),
    )
    expect(totals).toEqual({ committed: 2, failed: 1, rejected: 0 })
  })
})
