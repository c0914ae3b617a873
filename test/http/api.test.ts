import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import { FactoryStatus } from "../../src/factory/FactoryStatus.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { MAX_BODY_BYTES, serveHttp } from "../../src/http/Server.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { api } from "../support/factoryProcess.ts"

const services = Layer.mergeAll(Projects.layer, Intake.layer, FactoryStatus.standalone("test")).pipe(
  Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
  Layer.provideMerge(Database.layer({ path: ":memory:" })),
  Layer.provideMerge(EventBus.layer()),
)

const start = (token?: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(services, scope)
      const server = yield* serveHttp({ host: "127.0.0.1", port: 0, token }).pipe(Effect.provideContext(context), Scope.provide(scope))
      return { url: server.url, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    }),
  )

describe("HTTP API", () => {
  let server: { url: string; close: () => Promise<void> }
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server.close())

  it("answers health, readiness and metrics", async () => {
    expect((await api(server.url, "GET", "/healthz")).status).toBe(200)
    expect((await api(server.url, "GET", "/readyz")).json).toEqual({ ready: true })
    const metrics = await api(server.url, "GET", "/metrics")
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/)
    expect(metrics.text).toContain("novel_factory_queue_depth")
  })

  it("creates a project, refuses a duplicate with 409, enqueues idempotently", async () => {
    const created = await api(server.url, "POST", "/api/v1/projects", { slug: "api-noir", genre: "modern_noir", title: "비의 도시" })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ slug: "api-noir", title: "비의 도시", language: "ko" })
    const again = await api(server.url, "POST", "/api/v1/projects", { slug: "api-noir", genre: "modern_noir" })
    expect(again.status).toBe(409)
    expect(again.headers.get("content-type")).toMatch(/^application\/problem\+json/)
    const first = await api(server.url, "POST", "/api/v1/projects/api-noir/episodes", { from: 1, to: 3 })
    expect(first.status).toBe(202)
    expect(first.json).toEqual({ jobs: ["api-noir:1", "api-noir:2", "api-noir:3"], created: 3, existing: 0 })
    const second = await api(server.url, "POST", "/api/v1/projects/api-noir/episodes", { from: 2, to: 4 })
    expect(second.json).toMatchObject({ created: 1, existing: 2 })
    const job = await api(server.url, "GET", `/api/v1/jobs/${encodeURIComponent("api-noir:2")}`)
    expect(job.json).toMatchObject({ id: "api-noir:2", state: "queued", deliveries: 0 })
    const gap = await api(server.url, "POST", "/api/v1/projects/api-noir/episodes", { from: 9, to: 9 })
    expect(gap.status).toBe(409)
    expect(gap.json.detail).toMatch(/gap/)
    const one = await api(server.url, "GET", "/api/v1/projects/api-noir")
    expect(one.json.bible.characters.length).toBeGreaterThan(0)
    expect(one.json.provisional).toEqual([])
    const list = await api(server.url, "GET", "/api/v1/projects")
    expect(list.json.map((p: { slug: string }) => p.slug)).toContain("api-noir")
  })

  it("names the wrong field in a 400 problem+json", async () => {
    const badSlug = await api(server.url, "POST", "/api/v1/projects", { slug: "../etc/passwd", genre: "fantasy_kr" })
    expect(badSlug.status).toBe(400)
    expect(badSlug.json).toMatchObject({ status: 400, field: "slug" })
    const badGenre = await api(server.url, "POST", "/api/v1/projects", { slug: "ok", genre: "space_opera" })
    expect(badGenre.status).toBe(400)
    expect(badGenre.json.detail).toMatch(/space_opera.*fantasy_kr/)
    const badRange = await api(server.url, "POST", "/api/v1/projects/api-noir/episodes", { from: "one", to: 2 })
    expect(badRange.status).toBe(400)
    expect(badRange.json.field).toBe("from")
    const reversed = await api(server.url, "POST", "/api/v1/projects/api-noir/episodes", { from: 5, to: 2 })
    expect(reversed.json.field).toBe("to")
    const notJson = await api(server.url, "POST", "/api/v1/projects", "{nope")
    expect(notJson.status).toBe(400)
    const count = await api(server.url, "GET", "/api/v1/results?count=0")
    expect(count.json.field).toBe("count")
  })

  it("answers 404 for unknown projects, jobs, episodes and paths; 405 for a wrong method", async () => {
    expect((await api(server.url, "POST", "/api/v1/projects/nope/episodes", { from: 1, to: 1 })).status).toBe(404)
    expect((await api(server.url, "GET", "/api/v1/jobs/nope:1")).status).toBe(404)
    expect((await api(server.url, "GET", "/api/v1/projects/api-noir/episodes/1")).status).toBe(404)
    expect((await api(server.url, "GET", "/api/v2/anything")).status).toBe(404)
    expect((await api(server.url, "DELETE", "/api/v1/projects", undefined, { "content-type": "application/json" })).status).toBe(405)
    // A process without a ledger says so rather than inventing zeros.
    expect((await api(server.url, "GET", "/api/v1/finance/summary")).status).toBe(404)
  })

  it("refuses a body over 1 MiB with 413 and keeps serving", async () => {
    const huge = JSON.stringify({ slug: "big", genre: "fantasy_kr", title: "x".repeat(MAX_BODY_BYTES) })
    expect((await api(server.url, "POST", "/api/v1/projects", huge)).status).toBe(413)
    expect((await api(server.url, "GET", "/healthz")).status).toBe(200)
  })

  it("pauses and resumes intake", async () => {
    expect((await api(server.url, "POST", "/api/v1/intake", { paused: true })).json).toEqual({ paused: true })
    expect((await api(server.url, "GET", "/api/v1/status")).json.paused).toBe(true)
    await api(server.url, "POST", "/api/v1/intake", { paused: false })
    const recent = await api(server.url, "GET", "/api/v1/events/recent")
    expect(recent.json.filter((e: { _tag: string }) => e._tag === "IntakeChanged").map((e: { paused: boolean }) => e.paused)).toEqual([true, false])
  })
})

describe("HTTP API with a token", () => {
  it("needs the bearer token for reads and writes alike", async () => {
    const server = await start("s3cret")
    try {
      expect((await api(server.url, "POST", "/api/v1/projects", { slug: "t", genre: "fantasy_kr" })).status).toBe(401)
      const wrong = await api(server.url, "POST", "/api/v1/projects", { slug: "t", genre: "fantasy_kr" }, { authorization: "Bearer nope" })
      expect(wrong.status).toBe(401)
      const right = await api(server.url, "POST", "/api/v1/projects", { slug: "t", genre: "fantasy_kr" }, { authorization: "Bearer s3cret" })
      expect(right.status).toBe(201)
      // Issue 16: manuscripts, the Bible and finance are as private as the right to write.
      expect((await api(server.url, "GET", "/api/v1/projects")).status).toBe(401)
      expect((await api(server.url, "GET", "/api/v1/projects", undefined, { authorization: "Bearer s3cret" })).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it("refuses to bind beyond loopback without a token", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(serveHttp({ host: "0.0.0.0", port: 0 }).pipe(Effect.provide(services))),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/FACTORY_API_TOKEN/)
  })
})
