import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Result, Scope } from "effect"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { tempDatabases } from "./helpers.ts"

const files = tempDatabases("database")

/** Both embedded adapters on one connection, with the Database itself exposed. */
const embedded = (path: string) =>
  Layer.mergeAll(SqliteJobQueue.layer({ maxDeliveries: 3 }), SqliteStoryStore.layer).pipe(Layer.provideMerge(Database.layer({ path })))

describe("sqlite Database", () => {
  it.effect("opens a file in WAL mode with synchronous=NORMAL, foreign keys and a busy timeout", () =>
    Effect.gen(function* () {
      const db = yield* Database
      const pragma = (name: string) => db.use((c) => Object.values(c.get(`PRAGMA ${name}`) ?? {})[0])
      expect(yield* pragma("journal_mode")).toBe("wal")
      expect(yield* pragma("synchronous")).toBe(1) // NORMAL
      expect(yield* pragma("foreign_keys")).toBe(1)
      expect(yield* pragma("busy_timeout")).toBe(5_000)
    }).pipe(Effect.provide(Database.layer({ path: files.next() }))))

  it.effect("runs each component's migrations once, in order, and refuses a newer schema", () =>
    Effect.gen(function* () {
      const db = yield* Database
      const v1 = { version: 1, description: "t", up: "CREATE TABLE t (x INTEGER)" }
      const v2 = { version: 2, description: "t.y", up: (c: { exec: (sql: string) => void }) => c.exec("ALTER TABLE t ADD COLUMN y TEXT") }
      yield* db.migrate("demo", [v1])
      yield* db.migrate("demo", [v1]) // nothing to do
      yield* db.migrate("demo", [v2, v1]) // only v2 runs
      yield* db.migrate("other", [{ version: 1, description: "u", up: "CREATE TABLE u (x INTEGER)" }])
      const versions = yield* db.use((c) => c.all<{ component: string; version: number }>("SELECT component, version FROM schema_version ORDER BY component"))
      expect(versions.map((v) => [v.component, v.version])).toEqual([["demo", 2], ["other", 1]])
      yield* db.use((c) => c.run("INSERT INTO t (x, y) VALUES (1, 'a')"))

      const newer = yield* Effect.flip(db.migrate("demo", [v1]))
      expect(newer._tag).toBe("SqliteError")
      expect(newer.message).toContain("newer than this program")
      // A failing migration leaves no trace.
      const broken = yield* Effect.flip(db.migrate("broken", [{ version: 1, description: "bad", up: "CREATE TABLE v (x); SELECT * FROM nope" }]))
      expect(broken._tag).toBe("SqliteError")
      expect(yield* db.use((c) => c.get("SELECT name FROM sqlite_master WHERE name = 'v'"))).toBeUndefined()
      expect(yield* db.use((c) => c.get("SELECT * FROM schema_version WHERE component = 'broken'"))).toBeUndefined()
    }).pipe(Effect.provide(Database.layer({ path: ":memory:" }))))

  it.effect("transactions commit, or roll back on a thrown error or a domain failure", () =>
    Effect.gen(function* () {
      const db = yield* Database
      yield* db.use((c) => c.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
      const count = db.use((c) => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n)

      yield* db.transaction((c) => c.run("INSERT INTO t VALUES (1)"))
      expect(yield* count).toBe(1)

      const dup = yield* Effect.flip(db.transaction((c) => {
        c.run("INSERT INTO t VALUES (2)")
        c.run("INSERT INTO t VALUES (1)") // UNIQUE violation
      }))
      expect(dup._tag).toBe("SqliteError")
      expect(yield* count).toBe(1)

      const refused = yield* Effect.flip(db.transactionResult((c) => {
        c.run("INSERT INTO t VALUES (3)")
        return Result.fail("nope" as const)
      }))
      expect(refused).toBe("nope")
      expect(yield* count).toBe(1)

      // Nested: the inner failure rolls back to its savepoint only.
      yield* db.transaction((c) => {
        c.run("INSERT INTO t VALUES (4)")
        try {
          Effect.runSync(db.transaction((c2) => {
            c2.run("INSERT INTO t VALUES (5)")
            throw new Error("inner")
          }))
        } catch {
          // expected
        }
      })
      expect(yield* db.use((c) => c.all<{ x: number }>("SELECT x FROM t ORDER BY x").map((r) => r.x))).toEqual([1, 4])

      // A bug (not a database failure) is a defect, and still rolls back.
      const exit = yield* Effect.exit(db.transaction((c) => {
        c.run("INSERT INTO t VALUES (6)")
        throw new TypeError("bug")
      }))
      expect(Exit.isFailure(exit) && !Exit.hasFails(exit)).toBe(true)
      expect(yield* count).toBe(2)
    }).pipe(Effect.provide(Database.layer({ path: ":memory:" }))))

  it.effect("both embedded adapters share one database file", () =>
    Effect.gen(function* () {
      const queue = yield* JobQueue
      const store = yield* StoryStore
      const db = yield* Database
      yield* store.createProject(sampleProject(), sampleBible())
      yield* queue.enqueue("moon-gate", [1, 2])
      const lease = Option.getOrThrow(yield* queue.claim("w", { leaseMs: 1_000 }))
      expect((yield* store.commitEpisode(sampleEpisode(1), { ...emptyBibleChanges, appearances: ["seoyun", "mira"] })).committed).toBe(true)
      yield* queue.complete(lease)
      // Appearances are queryable: per episode, and as each character's last-seen episode.
      const seen = yield* db.use((c) =>
        c.all<{ id: string; last_seen: number | null }>("SELECT id, last_seen FROM story_characters WHERE project = 'moon-gate' ORDER BY id")
      )
      expect(seen.map((r) => [r.id, r.last_seen])).toEqual([["doha", null], ["mira", 1], ["seoyun", 1]])
      expect(yield* db.use((c) => c.all("SELECT character, episode FROM story_appearances ORDER BY character"))).toEqual([
        { character: "mira", episode: 1 },
        { character: "seoyun", episode: 1 },
      ])
      const components = yield* db.use((c) => c.all<{ component: string }>("SELECT component FROM schema_version ORDER BY component"))
      expect(components.map((r) => r.component)).toEqual(["queue", "story"])
      expect((yield* queue.stats).committed).toBe(1)
    }).pipe(Effect.provide(embedded(files.next()))))

  it.effect("commitEpisode is one transaction: a failure half-way leaves neither episode nor Bible changes", () =>
    Effect.gen(function* () {
      const store = yield* StoryStore
      const db = yield* Database
      yield* store.createProject(sampleProject(), sampleBible())
      // Sabotage the last step of the merge.
      yield* db.use((c) => c.exec("CREATE TRIGGER sabotage BEFORE INSERT ON story_relations BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"))
      const error = yield* Effect.flip(
        store.commitEpisode(sampleEpisode(1), {
          appearances: ["seoyun"],
          events: [{ episode: 1, description: "x", characters: ["seoyun"] }],
          statusChanges: [{ character: "doha", status: "dead" }],
          newRelations: [{ from: "seoyun", to: "doha", type: "HATES", since: 1 }],
        }),
      )
      expect(error._tag).toBe("StoreUnavailable")
      expect(error.message).toContain("disk on fire")
      expect(Option.isNone(yield* store.getEpisode("moon-gate", 1))).toBe(true)
      expect(yield* store.getBible("moon-gate")).toEqual(sampleBible())
      // Once the fault is gone, the redelivered commit goes through.
      yield* db.use((c) => c.exec("DROP TRIGGER sabotage"))
      expect((yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges)).committed).toBe(true)
    }).pipe(Effect.provide(embedded(":memory:"))))

  it.effect("a closed database maps to QueueUnavailable / StoreUnavailable", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(embedded(files.next()), scope)
      const queue = Context.get(context, JobQueue)
      const store = Context.get(context, StoryStore)
      yield* queue.enqueue("alpha", [1])
      yield* Scope.close(scope, Exit.void)
      const q = yield* Effect.flip(queue.enqueue("alpha", [2]))
      expect(q._tag).toBe("QueueUnavailable")
      expect((yield* Effect.flip(queue.stats))._tag).toBe("QueueUnavailable")
      expect((yield* Effect.flip(store.listProjects))._tag).toBe("StoreUnavailable")
    }))

  it.effect("opening an unreachable path fails the layer with SqliteError", () =>
    Effect.gen(function* () {
      const notADirectory = files.next()
      writeFileSync(notADirectory, "a file, not a directory")
      const error = yield* Effect.flip(Effect.provide(Effect.service(Database), Database.layer({ path: join(notADirectory, "sub", "factory.db") })))
      expect(error._tag).toBe("SqliteError")
      expect(error.message).toContain("cannot open")
    }))
})
