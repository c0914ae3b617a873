import { Effect, Layer } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { outlineProject, outlineStoreContract } from "../contracts/outlineStore.contract.ts"
import { tempDatabases } from "../sqlite/helpers.ts"

const onPath = (path: string) => () => SqliteOutlineStore.layer.pipe(Layer.provide(Database.layer({ path })))
const files = tempDatabases("outline")

outlineStoreContract("sqlite :memory:", { makeLayer: onPath(":memory:") })
outlineStoreContract("sqlite file (WAL)", { makeLayer: () => onPath(files.next())(), makeDurable: () => onPath(files.next()) })

describe("SqliteOutlineStore", () => {
  it.effect("the database itself refuses to change or delete a written beat", () =>
    Effect.gen(function* () {
      const db = yield* Database
      yield* Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        yield* store.markWritten("moon-gate", 2)
      }).pipe(Effect.provide(SqliteOutlineStore.layer.pipe(Layer.provide(Layer.succeed(Database, db)))))
      const update = yield* Effect.flip(db.transaction((c) => c.run("UPDATE outline_beats SET text = 'x' WHERE project = 'moon-gate' AND episode = 2")))
      expect(update.message).toContain("a written beat cannot change")
      const remove = yield* Effect.flip(db.transaction((c) => c.run("DELETE FROM outline_beats WHERE project = 'moon-gate' AND episode = 2")))
      expect(remove.message).toContain("a written beat cannot be removed")
      // An unwritten beat may still change.
      yield* db.transaction((c) => c.run("UPDATE outline_beats SET text = 'x' WHERE project = 'moon-gate' AND episode = 3"))
      // Its own migration component beside the other adapters' on the shared database.
      const version = yield* db.use((c) => c.get<{ version: number }>("SELECT version FROM schema_version WHERE component = 'outline'"))
      expect(version?.version).toBe(2)
      // Once its outline is gone (the project is deleted), a written beat may go with it.
      yield* db.transaction((c) => {
        c.run("DELETE FROM outline_series WHERE project = 'moon-gate'")
        c.run("DELETE FROM outline_beats WHERE project = 'moon-gate' AND episode = 2")
      })
    }).pipe(Effect.provide(Database.layer({ path: ":memory:" }))))
})
