import { existsSync, statSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { BACKSTOP_PAGES, startCheckpointer } from "../../src/sqlite/Checkpointer.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { tempDatabases } from "./helpers.ts"

const files = tempDatabases("checkpoint")

/** ~6 MB in 2,000 commits: well over the default auto-checkpoint (1,000 pages) and under the backstop. */
const writeMuch = Effect.gen(function* () {
  const db = yield* Database
  yield* db.transaction((c) => c.exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"))
  const data = new Uint8Array(3_000).fill(7)
  for (let i = 0; i < 2_000; i++) yield* db.transaction((c) => c.run("INSERT INTO blobs (data) VALUES (?)", data))
})

/** Polls a real thread's effect on the file (it runs on wall time, not on the fiber's clock). */
const eventually = (check: () => boolean, withinMs: number) =>
  Effect.promise(async () => {
    const deadline = Date.now() + withinMs
    while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    return check()
  })

describe("WAL checkpointer thread", () => {
  it.effect("copies the WAL into the database file while the writer's own auto-checkpoint waits", () =>
    Effect.gen(function* () {
      const path = files.next()
      const program = Effect.gen(function* () {
        const db = yield* Database
        expect(yield* db.use((c) => c.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint)).toBe(BACKSTOP_PAGES)
        yield* writeMuch
        // 2,000 pages are far below the backstop: only the thread can have put them in the file
        expect(yield* eventually(() => statSync(path).size >= 6_000_000, 10_000)).toBe(true)
        expect(yield* db.use((c) => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM blobs")!.n)).toBe(2_000)
      })
      yield* Effect.scoped(Effect.provide(program, Layer.fresh(Database.layer({ path, checkpointThread: { everyMs: 10 } }))))
      // the thread's connection is closed too: the last connection's close removes the WAL
      expect(existsSync(`${path}-wal`)).toBe(false)
    }))

  it.effect("is off unless asked for: the connection checkpoints in its own commits", () =>
    Effect.gen(function* () {
      const path = files.next()
      const program = Effect.gen(function* () {
        const db = yield* Database
        expect(yield* db.use((c) => c.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint)).toBe(1_000)
        yield* writeMuch
        expect(statSync(path).size).toBeGreaterThan(4_000_000)
      })
      yield* Effect.scoped(Effect.provide(program, Layer.fresh(Database.layer({ path }))))
    }))

  it.effect("a thread that stops by itself says so, so the writer can checkpoint for itself again", () =>
    Effect.gen(function* () {
      let stopped = 0
      // a database the thread cannot open: it throws and exits at once
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* startCheckpointer("/dev/null/not-a-directory/factory.db", { everyMs: 10 }, () => stopped++)
          expect(yield* eventually(() => stopped === 1, 10_000)).toBe(true)
        }),
      )
      expect(stopped).toBe(1)
    }))

  it.effect("a thread stopped with its scope does not count as stopping by itself", () =>
    Effect.gen(function* () {
      let stopped = 0
      yield* Effect.scoped(startCheckpointer(files.next(), { everyMs: 10 }, () => stopped++))
      expect(stopped).toBe(0)
    }))
})
