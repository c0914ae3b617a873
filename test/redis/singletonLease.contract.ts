/**
 * The `SingletonLease` contract, run against every adapter (SQLite and Redis, in
 * singletonLease.test.ts). Time is `TestClock`'s: adapters read Effect's `Clock`.
 * (Lives here rather than in test/contracts/ only because of file ownership; move it freely.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { SingletonLease } from "../../src/coordination/SingletonLease.ts"

export const singletonLeaseContract = <E>(name: string, makeLayer: () => Layer.Layer<SingletonLease, E>): void => {
  const withLease = <A, E2>(self: Effect.Effect<A, E2, SingletonLease>) => Effect.provide(self, makeLayer())

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
  })
}
