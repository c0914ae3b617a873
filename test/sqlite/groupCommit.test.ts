import { describe, expect, it } from "@effect/vitest"
import { Data, Effect, Fiber, Result } from "effect"
import { makeGroupCommit } from "../../src/queue/GroupCommit.ts"
import { Database } from "../../src/sqlite/Database.ts"

class Refused extends Data.TaggedError("Refused")<{ readonly n: number }> {}
class Down extends Data.TaggedError("Down")<{ readonly message: string }> {}

/** A database with one table, counting the transactions opened on it. */
const setup = Effect.gen(function* () {
  const db = yield* Database
  yield* db.use((c) => c.exec("CREATE TABLE t (n INTEGER PRIMARY KEY CHECK (n >= 0))"))
  const counts = { shared: 0, alone: 0 }
  const counted = Database.of({
    ...db,
    transaction: (body) => Effect.suspend(() => (counts.shared++, db.transaction(body))),
    transactionResult: (body) => Effect.suspend(() => (counts.alone++, db.transactionResult(body))),
  })
  const writer = makeGroupCommit(counted, (e) => new Down({ message: e.message }))
  const insert = (n: number) =>
    writer.write((c) => {
      c.run("INSERT INTO t (n) VALUES (?)", n)
      return Result.succeed(n)
    })
  const rows = db.use((c) => c.all<{ n: number }>("SELECT n FROM t ORDER BY n").map((r) => r.n))
  return { writer, insert, rows, counts }
})

const withDatabase = <A, E>(self: Effect.Effect<A, E, Database>) => Effect.provide(self, Database.layer({ path: ":memory:" }))

describe("GroupCommit", () => {
  it.effect("the writes of one tick share one transaction, each with its own result", () =>
    Effect.gen(function* () {
      const { writer, insert, rows, counts } = yield* setup
      const refused = writer.write((c) => {
        // Checked before writing anything, as a write body must.
        if (c.get("SELECT 1 AS one FROM t WHERE n = 1") !== undefined) return Result.fail(new Refused({ n: 1 }))
        return Result.succeed("written")
      })
      const results = yield* Effect.all([insert(1), insert(2), Effect.flip(refused), insert(3)], { concurrency: "unbounded" })
      expect(results).toEqual([1, 2, new Refused({ n: 1 }), 3])
      expect(counts).toEqual({ shared: 1, alone: 0 })
      expect(yield* rows).toEqual([1, 2, 3])
    }).pipe(withDatabase))

  it.effect("a write the database refuses fails alone; the others of its batch are written", () =>
    Effect.gen(function* () {
      const { insert, rows, counts } = yield* setup
      const results = yield* Effect.all([insert(1), Effect.flip(insert(-1)), insert(2), Effect.flip(insert(1))], { concurrency: "unbounded" })
      expect(results[0]).toBe(1)
      expect(results[1]).toMatchObject({ _tag: "Down" })
      expect(results[2]).toBe(2)
      // A duplicate of a write earlier in the same batch: it sees that write, as it would one commit later.
      expect(results[3]).toMatchObject({ _tag: "Down" })
      expect(yield* rows).toEqual([1, 2])
      // The shared transaction was rolled back, then each write ran alone.
      expect(counts).toEqual({ shared: 1, alone: 4 })
    }).pipe(withDatabase))

  it.effect("a writer interrupted before its batch ran never writes", () =>
    Effect.gen(function* () {
      const { insert, rows } = yield* setup
      const fiber = yield* Effect.forkChild(insert(7), { startImmediately: true })
      const other = insert(8)
      yield* Fiber.interrupt(fiber)
      expect(yield* other).toBe(8)
      expect(yield* rows).toEqual([8])
    }).pipe(withDatabase))

  it.live("a fiber that writes in a loop lets the event loop run", () =>
    Effect.gen(function* () {
      const { writer } = yield* setup
      let writes = 0
      const spin = Effect.forever(writer.write(() => Result.succeed(writes++)))
      // Without a turn of the event loop the timer behind the sleep would never fire.
      yield* Effect.raceFirst(spin, Effect.sleep("20 millis"))
      expect(writes).toBeGreaterThan(0)
    }).pipe(withDatabase))
})

