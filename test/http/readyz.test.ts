/**
 * `/readyz` names why a dependency is down, in the problem's detail (503, problem+json): the
 * story store failing with a real SQLITE_FULL, and the queue's breaker open after its calls
 * failed with one (the probe is refused by the breaker; the failure that opened it is the cause).
 */
import { Effect, Exit, Layer, Scope } from "effect"
import { describe, expect, it } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import { FactoryStatus } from "../../src/factory/FactoryStatus.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { serveHttp } from "../../src/http/Server.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"
import { JobQueue, QueueUnavailable } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database, SqliteError } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoreUnavailable, StoryStore } from "../../src/story/StoryStore.ts"
import { classifyCause } from "../../src/http/NotReadyCause.ts"
import { realDiskFull } from "../support/sqliteFaults.ts"
import { api } from "../support/factoryProcess.ts"

const diskFull = () => {
  const error = realDiskFull()
  return new SqliteError({ message: (error as Error).message, cause: error })
}

/** A running API whose story store and queue are as `broken` makes them. */
const startWith = (broken: { readonly store?: boolean; readonly queueBreaker?: boolean }) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const status = Layer.succeed(FactoryStatus)(FactoryStatus.of({
        version: "test", mode: "test", startedAt: 0, supervision: Effect.succeed(null), writer: null,
        dependencies: Effect.succeed(
          broken.queueBreaker === true ? [{ name: "queue", state: "open" as const, cause: classifyCause(diskFull())! }] : [],
        ),
      }))
      const store = Layer.effect(StoryStore, Effect.map(SqliteStoryStore.make, (s) => ({
        ...s,
        listProjects: broken.store === true ? Effect.fail(new StoreUnavailable({ message: "database or disk is full", cause: diskFull() })) : s.listProjects,
      })))
      const queue = Layer.effect(JobQueue, Effect.map(SqliteJobQueue.make({ maxDeliveries: 3 }), (q) => ({
        ...q,
        // what the fail-fast breaker answers while open
        stats: broken.queueBreaker === true ? Effect.fail(new QueueUnavailable({ message: "circuit breaker 'queue' is open", cause: { _tag: "BreakerOpen" } })) : q.stats,
      })))
      const services = Layer.mergeAll(Projects.layer, Intake.layer, status).pipe(
        Layer.provideMerge(Layer.mergeAll(store, queue, SqliteOutlineStore.layer)),
        Layer.provideMerge(Database.layer({ path: ":memory:" })),
        Layer.provideMerge(EventBus.layer()),
      )
      const context = yield* Layer.buildWithScope(services, scope)
      const server = yield* serveHttp({ host: "127.0.0.1", port: 0 }).pipe(Effect.provideContext(context), Scope.provide(scope))
      return { url: server.url, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    }),
  )

describe("/readyz names the cause", () => {
  it("a full disk under the story store: 503 problem+json, 'story store down (disk full (SQLITE_FULL))'", async () => {
    const server = await startWith({ store: true })
    try {
      const answer = await api(server.url, "GET", "/readyz")
      expect(answer.status).toBe(503)
      expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      expect(answer.headers.get("retry-after")).toBe("5")
      expect(answer.json).toMatchObject({ status: 503, detail: "not ready: story store down (disk full (SQLITE_FULL))" })
    } finally {
      await server.close()
    }
  })

  it("a breaker open on the queue: the failure that opened it, not 'circuit breaker open'", async () => {
    const server = await startWith({ queueBreaker: true })
    try {
      const answer = await api(server.url, "GET", "/readyz")
      expect(answer.status).toBe(503)
      expect(answer.json.detail).toBe("not ready: queue down (disk full (SQLITE_FULL))")
    } finally {
      await server.close()
    }
  })

  it("all well: 200", async () => {
    const server = await startWith({})
    try {
      expect((await api(server.url, "GET", "/readyz")).json).toEqual({ ready: true })
    } finally {
      await server.close()
    }
  })
})
