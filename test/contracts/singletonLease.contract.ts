/**
 * The `SingletonLease` contract, run against every adapter (SQLite and Redis, in
 * test/redis/singletonLease.test.ts). Time is `TestClock`'s: adapters read Effect's `Clock`.
 * Wall-clock steps come from `chaos/SteppedClock.ts` (the wall reading jumps, the monotonic
 * clock and timers do not), per process where a case has two.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { makeSteppedClock, withWallClockStepper } from "../../chaos/SteppedClock.ts"
import { SingletonLease, type SingletonLeaseShape } from "../../src/coordination/SingletonLease.ts"
import { GRANULE_MS } from "../../src/coordination/StoreTime.ts"

export interface SingletonLeaseHarness<E> {
  /** A fresh, empty store (called once per case). */
  readonly makeLayer: () => Layer.Layer<SingletonLease, E>
  /** Allocates one store and returns an opener for it; every layer it returns is another process on that store. */
  readonly makeShared: () => () => Layer.Layer<SingletonLease, E>
}

const HOUR = 3_600_000

export const singletonLeaseContract = <E>(name: string, harness: SingletonLeaseHarness<E>): void => {
  const withLease = <A, E2>(self: Effect.Effect<A, E2, SingletonLease>) => Effect.provide(self, harness.makeLayer())
  /** Two processes on one store, each under its own stepped wall clock. */
  const twoProcesses = Effect.gen(function* () {
    const open = harness.makeShared()
    const inner = yield* Clock.clockWith(Effect.succeed)
    const processOf = Effect.fnUntraced(function* () {
      const lease = Context.get(yield* Layer.build(open()), SingletonLease)
      const clock = makeSteppedClock(inner)
      const as = <A, E2>(f: (lease: SingletonLeaseShape) => Effect.Effect<A, E2>) => Effect.provideService(f(lease), Clock.Clock, clock.clock)
      return { as, step: clock.step }
    })
    return { a: yield* processOf(), b: yield* processOf(), open }
  })

  describe(`SingletonLease contract: ${name}`, () => {
    it.effect("grants a free lease with a fencing token and reports its holder", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        expect(yield* lease.current("scheduler")).toEqual(Option.none())
        const g = yield* lease.acquire("scheduler", "node-a", 1_000)
        expect(g).toEqual({ name: "scheduler", holder: "node-a", token: 1, expiresAt: 1_000 })
        expect(yield* lease.current("scheduler")).toEqual(Option.some(g))
        // Names are independent.
        expect((yield* lease.acquire("backup", "node-b", 1_000)).token).toBe(1)
      }).pipe(withLease))

    it.effect("refuses a second holder while the first renews", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        let g = yield* lease.acquire("scheduler", "node-a", 1_000)
        for (let i = 0; i < 5; i++) {
          yield* TestClock.adjust(900)
          g = yield* lease.renew(g, 1_000)
          const refused = yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
          expect(refused).toMatchObject({ _tag: "LeaseHeld", name: "scheduler", holder: "node-a", expiresAt: g.expiresAt })
        }
        expect(g).toMatchObject({ token: 1, expiresAt: 5 * 900 + 1_000 })
        // Re-acquiring by the same holder is idempotent: same token, extended.
        const again = yield* lease.acquire("scheduler", "node-a", 2_000)
        expect(again).toMatchObject({ holder: "node-a", token: 1, expiresAt: 4_500 + 2_000 })
      }).pipe(withLease))

    it.effect("a stale lease is taken over with a higher token; the old holder has lost it", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        const a = yield* lease.acquire("scheduler", "node-a", 1_000)
        yield* TestClock.adjust(999)
        yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
        yield* TestClock.adjust(1)
        expect(yield* lease.current("scheduler")).toEqual(Option.none())
        const b = yield* lease.acquire("scheduler", "node-b", 1_000)
        expect(b).toMatchObject({ holder: "node-b", token: a.token + 1, expiresAt: 2_000 })
        expect(yield* Effect.flip(lease.renew(a, 1_000))).toMatchObject({ _tag: "SingletonLost", name: "scheduler", token: a.token })
        // A stale release changes nothing.
        yield* lease.release(a)
        expect(Option.map(yield* lease.current("scheduler"), (g) => g.holder)).toEqual(Option.some("node-b"))
      }).pipe(withLease))

    it.effect("a holder that renews after running out keeps the lease if nobody took it", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        const a = yield* lease.acquire("scheduler", "node-a", 1_000)
        yield* TestClock.adjust(1_500)
        const renewed = yield* lease.renew(a, 1_000)
        expect(renewed).toMatchObject({ holder: "node-a", token: a.token, expiresAt: 2_500 })
        yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
      }).pipe(withLease))

    it.effect("release frees the lease at once; tokens never go back", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        const a = yield* lease.acquire("scheduler", "node-a", 60_000)
        yield* lease.release(a)
        expect(yield* lease.current("scheduler")).toEqual(Option.none())
        expect((yield* Effect.flip(lease.renew(a, 1_000)))._tag).toBe("SingletonLost")
        const b = yield* lease.acquire("scheduler", "node-b", 60_000)
        expect(b.token).toBe(a.token + 1)
        yield* lease.release(b)
        const a2 = yield* lease.acquire("scheduler", "node-a", 60_000)
        expect(a2.token).toBe(b.token + 1)
      }).pipe(withLease))

    it.effect("concurrent acquires: exactly one wins", () =>
      Effect.gen(function* () {
        const lease = yield* SingletonLease
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => `node-${i}`),
          (holder) => Effect.result(lease.acquire("scheduler", holder, 1_000)),
          { concurrency: "unbounded" },
        )
        const winners = results.filter((r) => r._tag === "Success")
        expect(winners.length).toBe(1)
      }).pipe(withLease))

    it.effect("a holder that dies before the wall clock steps back an hour loses its lease within one lease length", () =>
      withWallClockStepper((wall) =>
        Effect.gen(function* () {
          const lease = yield* SingletonLease
          const a = yield* lease.acquire("scheduler", "node-a", 1_000)
          yield* TestClock.adjust(200)
          yield* wall.step(-HOUR)
          // The holder's lease is reported in the caller's (stepped) frame: 800 ms left.
          const refused = yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
          expect(refused).toMatchObject({ _tag: "LeaseHeld", holder: "node-a", expiresAt: (yield* Clock.currentTimeMillis) + 800 })
          yield* TestClock.adjust(799)
          yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
          yield* TestClock.adjust(1)
          const b = yield* lease.acquire("scheduler", "node-b", 1_000)
          expect(b).toMatchObject({ holder: "node-b", token: a.token + 1, expiresAt: (yield* Clock.currentTimeMillis) + 1_000 })
          expect((yield* Effect.flip(lease.renew(a, 1_000)))._tag).toBe("SingletonLost")
        })
      ).pipe(withLease))

    it.effect("after the wall clock steps forward an hour, a live holder keeps its lease for its full length", () =>
      withWallClockStepper((wall) =>
        Effect.gen(function* () {
          const lease = yield* SingletonLease
          const a = yield* lease.acquire("scheduler", "node-a", 1_000)
          yield* TestClock.adjust(500)
          yield* wall.step(HOUR)
          yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
          expect(Option.map(yield* lease.current("scheduler"), (g) => [g.holder, g.expiresAt - wall.offset()])).toEqual(Option.some(["node-a", 1_000]))
          const renewed = yield* lease.renew(a, 1_000)
          expect(renewed).toMatchObject({ token: a.token, expiresAt: (yield* Clock.currentTimeMillis) + 1_000 })
          // Nobody renews it again: it runs out one lease length after the renewal, not at the step.
          yield* TestClock.adjust(999)
          yield* Effect.flip(lease.acquire("scheduler", "node-b", 1_000))
          yield* TestClock.adjust(1)
          expect((yield* lease.acquire("scheduler", "node-b", 1_000)).token).toBe(a.token + 1)
        })
      ).pipe(withLease))

    it.effect("a restart after the wall clock stepped back an hour: the dead holder's lease runs out within one lease length", () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { a, open } = yield* twoProcesses
          const granted = yield* a.as((l) => l.acquire("backup", "node-a", 1_000))
          yield* TestClock.adjust(1_500)
          yield* a.as((l) => l.renew(granted, 1_000))
          // Process A is killed 500 ms later; the clock is stepped back; process C starts on the same store.
          yield* TestClock.adjust(500)
          const restarted = Context.get(yield* Layer.build(open()), SingletonLease)
          const c = makeSteppedClock(yield* Clock.clockWith(Effect.succeed))
          yield* c.step(-HOUR)
          const asC = <A, E2>(f: Effect.Effect<A, E2>) => Effect.provideService(f, Clock.Clock, c.clock)
          yield* asC(Effect.flip(restarted.acquire("backup", "node-c", 1_000)))
          yield* TestClock.adjust(999)
          yield* asC(Effect.flip(restarted.acquire("backup", "node-c", 1_000)))
          yield* TestClock.adjust(1)
          expect((yield* asC(restarted.acquire("backup", "node-c", 1_000))).token).toBe(granted.token + 1)
        })
      ))

    it("under any wall-clock steps of either process, a holder that renews keeps its lease, and once it stops the other takes it one lease length later", async () => {
      const TTL = 30_000
      type Move = { readonly advance: number } | { readonly step: number; readonly who: "a" | "b" }
      const step = fc.record({ step: fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), who: fc.constantFrom("a" as const, "b" as const) })
      const move: fc.Arbitrary<Move> = fc.oneof(fc.record({ advance: fc.integer({ min: 1, max: TTL / 3 }) }), step)
      await fc.assert(
        fc.asyncProperty(fc.array(move, { maxLength: 20 }), fc.array(step, { maxLength: 4 }), (whileHeld, afterDeath) =>
          Effect.runPromise(
            Effect.scoped(
              Effect.gen(function* () {
                const { a, b } = yield* twoProcesses
                let grant = yield* a.as((l) => l.acquire("backup", "node-a", TTL))
                yield* Effect.flip(b.as((l) => l.acquire("backup", "node-b", TTL)))
                const apply = (m: Move) => ("advance" in m ? TestClock.adjust(m.advance) : (m.who === "a" ? a : b).step(m.step))
                for (const m of whileHeld) {
                  yield* apply(m)
                  grant = yield* a.as((l) => l.renew(grant, TTL))
                  const refused = yield* Effect.flip(b.as((l) => l.acquire("backup", "node-b", TTL)))
                  expect(refused._tag).toBe("LeaseHeld")
                }
                // A dies (no more renewals); B, already running, tries every 100 ms.
                let sinceRenewal = 0
                for (const m of afterDeath) yield* apply(m)
                while (true) {
                  const tried = yield* Effect.result(b.as((l) => l.acquire("backup", "node-b", TTL)))
                  if (tried._tag === "Success") {
                    expect(tried.success.token).toBe(grant.token + 1)
                    break
                  }
                  expect(sinceRenewal).toBeLessThan(TTL + GRANULE_MS)
                  yield* TestClock.adjust(100)
                  sinceRenewal += 100
                }
                expect(sinceRenewal).toBeGreaterThanOrEqual(TTL - GRANULE_MS)
              }),
            ).pipe(Effect.provide(TestClock.layer())),
          )
        ),
        { numRuns: 40 },
      )
    }, 60_000)
  })
}
