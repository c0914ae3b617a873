import { Effect } from "effect"
import { SingletonLease } from "../src/coordination/SingletonLease.ts"

/**
 * Runs `body` only while this process holds the named singleton lease, so that a singleton
 * actor (the backup scheduler …) runs in exactly one process. While another holder has it,
 * this one waits; the lease is renewed every third of its time-to-live, and losing it (a
 * fencing token moved on) fails the child, which its supervisor restarts — back to waiting.
 */
export const asSingleton = <E, R>(name: string, holder: string, ttlMs: number, body: Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const leases = yield* SingletonLease
    const retryMs = Math.max(100, Math.floor(ttlMs / 2))
    const grant = yield* leases.acquire(name, holder, ttlMs).pipe(
      Effect.tapError(() => Effect.sleep(retryMs)),
      Effect.retry({ while: (error) => error._tag === "LeaseHeld" || error._tag === "LeaseUnavailable" }),
    )
    const renew = Effect.gen(function* () {
      let current = grant
      while (true) {
        yield* Effect.sleep(Math.max(1, Math.floor(ttlMs / 3)))
        current = yield* leases.renew(current, ttlMs).pipe(
          // A passing outage of the lease's store is no reason to stop: the next renewal may work.
          Effect.catchTag("LeaseUnavailable", () => Effect.succeed(current)),
        )
      }
    })
    yield* Effect.raceFirst(body, renew).pipe(Effect.ensuring(Effect.ignore(leases.release(grant))))
  })
