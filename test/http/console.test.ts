/**
 * The console's endpoints on a real server: the dead letters (dead jobs with their cause, and the
 * head of a project the operator holds), what each worker holds, and the server's one summary of
 * throughput, latency and per-project figures — the same numbers for every client that asks.
 */
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { FactoryStatus } from "../../src/factory/FactoryStatus.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { WorkerBoard } from "../../src/factory/WorkerBoard.ts"
import { Ledger } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { FactoryPulse } from "../../src/metrics/Pulse.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { serveHttp } from "../../src/http/Server.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { api } from "../support/factoryProcess.ts"

const services = Layer.mergeAll(Projects.layer, Intake.layer, FactoryStatus.standalone("test"), WorkerBoard.layer, FactoryPulse.layer, SqliteLedger.layer).pipe(
  Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
  Layer.provideMerge(Database.layer({ path: ":memory:" })),
  Layer.provideMerge(EventBus.layer()),
)

describe("the console's endpoints", () => {
  let url = ""
  let context: Context.Context<any>
  let scope: Scope.Closeable
  const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.runPromise(Effect.provideContext(effect, context) as Effect.Effect<A, E>)

  beforeAll(async () => {
    scope = await Effect.runPromise(Scope.make())
    context = await Effect.runPromise(Layer.buildWithScope(services, scope))
    url = (await Effect.runPromise(serveHttp({ host: "127.0.0.1", port: 0 }).pipe(Effect.provideContext(context), Scope.provide(scope)))).url
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("lists dead jobs with their cause, and the head of a project the operator holds", async () => {
    expect((await api(url, "POST", "/api/v1/projects", { slug: "dl-a", genre: "modern_noir" })).status).toBe(201)
    expect((await api(url, "POST", "/api/v1/projects", { slug: "dl-b", genre: "modern_noir" })).status).toBe(201)
    expect((await api(url, "POST", "/api/v1/projects/dl-a/episodes", { from: 1, to: 3 })).status).toBe(202)
    expect((await api(url, "POST", "/api/v1/projects/dl-b/episodes", { from: 1, to: 2 })).status).toBe(202)
    await run(Effect.gen(function* () {
      const queue = yield* JobQueue
      // one of the queue's claims hands out dl-a:1 or dl-b:1; take dl-a's head and kill it
      for (;;) {
        const lease = Option.getOrThrow(yield* queue.claim("w", { leaseMs: 60_000 }))
        if (lease.job.id === "dl-a:1") {
          yield* queue.deadLetter(lease, "the provider refused the request (400)")
          break
        }
        yield* queue.retry(lease, { reason: "not this one", delayMs: 0, transient: true })
      }
    }))
    expect((await api(url, "POST", "/api/v1/projects/dl-b/hold", { reason: "checking the outline" })).status).toBe(200)

    const all = await api(url, "GET", "/api/v1/dead-letters")
    expect(all.status).toBe(200)
    expect(all.json).toMatchObject([
      { project: "dl-a", episode: 1, job: "dl-a:1", state: "dead", cause: "the provider refused the request (400)", deliveries: 1, findings: [] },
      { project: "dl-b", episode: 1, job: "dl-b:1", state: "held", cause: "checking the outline" },
    ])
    expect(typeof all.json[0].at).toBe("number")

    const onlyA = await api(url, "GET", "/api/v1/dead-letters?project=dl-a")
    expect(onlyA.json.map((d: { job: string }) => d.job)).toEqual(["dl-a:1"])
    const unknown = await api(url, "GET", "/api/v1/dead-letters?project=no-such")
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("content-type")).toMatch(/^application\/problem\+json/)
    expect(unknown.json.detail).toContain("no-such")

    // the operator's retry empties the list of that job
    expect((await api(url, "POST", "/api/v1/projects/dl-a/episodes/1/retry", {})).status).toBe(200)
    expect((await api(url, "GET", "/api/v1/dead-letters?project=dl-a")).json).toEqual([])
  })

  it("shows which job each worker holds, in which stage, since when", async () => {
    await run(Effect.gen(function* () {
      const board = yield* WorkerBoard
      yield* board.idle("writer-2")
      yield* board.claimed("writer-1", { id: "dl-a:1", project: "dl-a", episode: 1 })
      yield* board.stage("dl-a:1", "guard")
    }))
    const workers = await api(url, "GET", "/api/v1/workers")
    expect(workers.status).toBe(200)
    expect(workers.json).toMatchObject([
      { worker: "writer-1", job: "dl-a:1", project: "dl-a", episode: 1, stage: "guard" },
      { worker: "writer-2", job: null, stage: "idle" },
    ])
    expect(workers.json[0].stageSince).toBeGreaterThanOrEqual(workers.json[0].since)
    await run(Effect.flatMap(WorkerBoard, (b) => b.gone("writer-2")))
    expect((await api(url, "GET", "/api/v1/workers")).json.map((w: { worker: string }) => w.worker)).toEqual(["writer-1"])
  })

  it("answers one summary of throughput, latency and per-project figures, the same for every client", async () => {
    const now = Date.now()
    const events: ReadonlyArray<FactoryEvent> = [
      { _tag: "StageFinished", at: now, job: "dl-a:2", stage: "writer", ms: 1_200, ok: true },
      { _tag: "StageFinished", at: now, job: "dl-a:2", stage: "writer", ms: 3_400, ok: true },
      { _tag: "StageFinished", at: now, job: "dl-a:2", stage: "guard", ms: 10, ok: false },
      { _tag: "JobCommitted", at: now, job: "dl-a:2", project: "dl-a", episode: 2, durationMs: 5_000, reward: 0.9 },
      { _tag: "JobDead", at: now, job: "dl-a:3", project: "dl-a", episode: 3, reason: "x" },
      // the canary's work is not the factory's throughput
      { _tag: "JobCommitted", at: now, job: "nf-canary:1", project: "nf-canary", episode: 1, durationMs: 10, reward: 1 },
    ]
    await run(Effect.gen(function* () {
      const bus = yield* EventBus
      for (const event of events) yield* bus.publish(event)
      const ledger = yield* Ledger
      const usage = { promptTokens: 100, cachedTokens: 0, completionTokens: 100 }
      yield* ledger.book({ at: now, project: "dl-a", episode: 2, stage: "writer", provider: "p", model: "m", usage, costUsd: 0.25, priced: true })
      yield* ledger.book({ at: now, project: "dl-a", episode: 2, stage: "critic", provider: "p", model: "m", usage, costUsd: 0.5, priced: true })
      yield* ledger.book({ at: now - 2 * 86_400_000, project: "dl-a", episode: 1, stage: "writer", provider: "p", model: "m", usage, costUsd: 9, priced: true })
    }))
    // the pulse folds on its own fiber: wait for it to have seen the events
    let summary = await api(url, "GET", "/api/v1/summary")
    for (let i = 0; i < 50 && summary.json.totals.committed < 1; i++) {
      await new Promise((r) => setTimeout(r, 20))
      summary = await api(url, "GET", "/api/v1/summary")
    }
    expect(summary.status).toBe(200)
    const body = summary.json
    expect(body.totals).toEqual({ committed: 1, failed: 1, rejected: 0 })
    expect(body.throughput).toHaveLength(60)
    expect(body.throughput.at(-1)).toMatchObject({ committed: 1, failed: 1 })
    expect(body.rate).toEqual({ committed: 1 / 5, failed: 1 / 5 })
    expect(body.latency.find((l: { stage: string }) => l.stage === "writer")).toEqual({ stage: "writer", count: 2, failures: 0, p50: 1_200, p95: 3_400 })
    expect(body.latency.find((l: { stage: string }) => l.stage === "guard")).toEqual({ stage: "guard", count: 0, failures: 1, p50: null, p95: null })
    const a = body.projects.find((p: { project: string }) => p.project === "dl-a")
    expect(a).toMatchObject({ project: "dl-a", queued: 3, dead: 0, held: null, costTodayUsd: 0.75 })
    const b = body.projects.find((p: { project: string }) => p.project === "dl-b")
    expect(b).toMatchObject({ held: "checking the outline", costTodayUsd: 0 })

    // a second client at the same moment reads the same figures
    const again = (await api(url, "GET", "/api/v1/summary")).json
    expect({ ...again, at: 0 }).toEqual({ ...body, at: 0 })
  })

  it("lists the console's endpoints in the OpenAPI document", async () => {
    const paths = Object.keys((await api(url, "GET", "/api/v1/openapi.json")).json.paths)
    for (const path of ["/api/v1/dead-letters", "/api/v1/workers", "/api/v1/summary"]) expect(paths).toContain(path)
  })
})
