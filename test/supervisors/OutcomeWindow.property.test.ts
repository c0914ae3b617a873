/**
 * The breaker's bucketed window against the computation it replaced: every outcome of the last
 * `windowMs` kept in an array, counted by `filter(o => o.at > now - windowMs)` on every read.
 * On random sequences of calls and reads (times only grow, as Effect's Clock does): the same
 * counts exactly for outcomes at the start of their bucket, and counts between those of the
 * window one bucket shorter and the window itself for any times. `CHAOS_RUNS` sets the number
 * of cases; the seed is printed, and a failure prints it with the path to replay it.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { makeOutcomeWindow } from "../../supervisors/OutcomeWindow.ts"

const numRuns = Number(process.env.CHAOS_RUNS ?? 300)
const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31)

type Step = { readonly kind: "call"; readonly advance: number; readonly failed: boolean } | { readonly kind: "read"; readonly advance: number }

/** The old computation: every outcome kept, filtered on each read. */
const reference = () => {
  const outcomes: Array<{ at: number; failed: boolean }> = []
  return {
    record: (at: number, failed: boolean) => outcomes.push({ at, failed }),
    counts: (now: number, windowMs: number) => {
      const live = outcomes.filter((o) => o.at > now - windowMs)
      return { calls: live.length, failures: live.filter((o) => o.failed).length }
    },
  }
}

const stepArb = (maxAdvance: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("call" as const), advance: fc.nat({ max: maxAdvance }), failed: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("read" as const), advance: fc.nat({ max: maxAdvance }) }) },
  )

const caseArb = fc.record({ windowMs: fc.integer({ min: 1, max: 120_000 }), buckets: fc.integer({ min: 1, max: 120 }), start: fc.nat({ max: 10 ** 9 }) })
  .chain((c) => fc.record({
    windowMs: fc.constant(c.windowMs),
    buckets: fc.constant(c.buckets),
    start: fc.constant(c.start),
    // steps from a fraction of a bucket to more than a whole window
    steps: fc.array(stepArb(Math.ceil(c.windowMs * 1.5)), { maxLength: 300 }),
  }))

describe("OutcomeWindow (the circuit breaker's window)", () => {
  it("gives the old computation's counts for outcomes at the start of their bucket", () => {
    console.log(`OutcomeWindow aligned property: seed ${seed}, ${numRuns} runs`)
    fc.assert(
      fc.property(caseArb, ({ windowMs, buckets, start, steps }) => {
        const window = makeOutcomeWindow(windowMs, buckets)
        const old = reference()
        const b = window.bucketMs
        let now = start
        for (const step of steps) {
          now += step.advance
          if (step.kind === "call") {
            const at = Math.floor(now / b) * b
            window.record(at, step.failed)
            old.record(at, step.failed)
          }
          // reads at any time, also between bucket starts
          expect(window.counts(now)).toEqual(old.counts(now, windowMs))
        }
      }),
      { numRuns, seed },
    )
  })

  it("for any times, counts between the window one bucket shorter and the window itself", () => {
    console.log(`OutcomeWindow bounds property: seed ${seed}, ${numRuns} runs`)
    fc.assert(
      fc.property(caseArb, ({ windowMs, buckets, start, steps }) => {
        const window = makeOutcomeWindow(windowMs, buckets)
        const old = reference()
        let now = start
        for (const step of steps) {
          now += step.advance
          if (step.kind === "call") {
            window.record(now, step.failed)
            old.record(now, step.failed)
          }
          const got = window.counts(now)
          const longest = old.counts(now, windowMs)
          const shortest = old.counts(now, windowMs - window.bucketMs)
          expect(got.calls).toBeLessThanOrEqual(longest.calls)
          expect(got.calls).toBeGreaterThanOrEqual(shortest.calls)
          expect(got.failures).toBeLessThanOrEqual(longest.failures)
          expect(got.failures).toBeGreaterThanOrEqual(shortest.failures)
        }
      }),
      { numRuns, seed },
    )
  })

  it("refuses a window of no length", () => {
    expect(() => makeOutcomeWindow(0)).toThrow(/positive length, got 0 ms/)
  })
})
