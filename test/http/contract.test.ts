/**
 * The API as `FactoryApi` defines it, against a real server: the generated OpenAPI document, the
 * typed client (answers and problems decoded into their Schemas and classes), the event stream
 * through Effect's SSE codec, and a server that answers whatever it is sent.
 */
import { Effect, Fiber, Stream } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packageVersion } from "../../src/factory/FactoryStatus.ts"
import { BadRequest, Conflict, NotFound, ServiceUnavailable, Unauthorized } from "../../src/http/ApiProblems.ts"
import { OPENAPI_PATH } from "../../src/http/FactoryApi.ts"
import { describeClientError, makeFactoryClient } from "../../src/http/FactoryClient.ts"
import { api } from "../support/factoryProcess.ts"
import { llmDownStatus, type StartedApi, startApi } from "./apiServer.ts"

/** Every route the README's "HTTP API" table documents, in OpenAPI's path syntax. */
const DOCUMENTED_PATHS = [
  "/api/v1/projects",
  "/api/v1/projects/{slug}",
  "/api/v1/projects/{slug}/episodes",
  "/api/v1/projects/{slug}/episodes/{n}",
  "/api/v1/projects/{slug}/episodes/{n}/retry",
  "/api/v1/projects/{slug}/episodes/{n}/skip",
  "/api/v1/projects/{slug}/cancel",
  "/api/v1/projects/{slug}/hold",
  "/api/v1/projects/{slug}/resume",
  "/api/v1/projects/{slug}/outline",
  "/api/v1/projects/{slug}/outline/beats/{n}",
  "/api/v1/projects/{slug}/outline/approve",
  "/api/v1/jobs/{id}",
  "/api/v1/results",
  "/api/v1/status",
  "/api/v1/intake",
  "/api/v1/events",
  "/api/v1/events/recent",
  "/api/v1/finance/summary",
  "/api/v1/dead-letters",
  "/api/v1/workers",
  "/api/v1/summary",
  "/healthz",
  "/readyz",
  "/metrics",
]

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect))

describe("FactoryApi contract", () => {
  let server: StartedApi
  beforeAll(async () => {
    server = await startApi()
  })
  afterAll(() => server.close())

  it("serves an OpenAPI 3.x document listing every documented path, each operation with its answers", async () => {
    const answer = await api(server.url, "GET", OPENAPI_PATH)
    expect(answer.status).toBe(200)
    const doc = JSON.parse(answer.text)
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
    expect(typeof doc.info.title).toBe("string")
    expect(doc.info.version).toBe(packageVersion)
    expect(Object.keys(doc.paths).sort()).toEqual([...DOCUMENTED_PATHS].sort())
    const operationIds = new Set<string>()
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      const operations = Object.entries(item).filter(([key]) => METHODS.includes(key))
      expect(operations.length, path).toBeGreaterThan(0)
      for (const [method, operation] of operations) {
        const where = `${method.toUpperCase()} ${path}`
        expect(typeof operation.operationId, where).toBe("string")
        expect(operationIds.has(operation.operationId), `${where} repeats an operationId`).toBe(false)
        operationIds.add(operation.operationId)
        const responses = Object.entries<any>(operation.responses ?? {})
        expect(responses.length, where).toBeGreaterThan(0)
        for (const [status, response] of responses) {
          expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/)
          expect(typeof (response.description ?? doc.components?.responses?.[status]?.description), `${where} ${status}`).toBe("string")
        }
        expect(responses.some(([status]) => status.startsWith("2")), `${where} has no success answer`).toBe(true)
        // Every `{param}` of the template is declared as a required path parameter.
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          const declared = (operation.parameters ?? []).find((p: any) => p.in === "path" && p.name === name)
          expect(declared?.required, `${where} declares {${name}}`).toBe(true)
        }
      }
    }
    // The problems are documented as application/problem+json.
    const create = doc.paths["/api/v1/projects"].post
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "409"]))
    expect(Object.keys(create.responses["409"].content)).toEqual(["application/problem+json"])
  })

  it("round-trips through the typed client: answers decoded, problems as their classes", async () => {
    const client = await run(makeFactoryClient({ url: server.url }))
    const project = await run(client.projects.create({ payload: { slug: "typed", genre: "modern_noir", title: "비의 도시" } }))
    expect(project).toMatchObject({ slug: "typed", title: "비의 도시", language: "ko" })
    const duplicate = await failure(client.projects.create({ payload: { slug: "typed", genre: "modern_noir" } }))
    expect(duplicate).toBeInstanceOf(Conflict)
    expect(duplicate).toMatchObject({ status: 409, field: "slug" })
    const enqueued = await run(client.projects.enqueue({ params: { slug: "typed" }, payload: { from: 1, to: 2 } }))
    expect(enqueued).toEqual({ jobs: ["typed:1", "typed:2"], created: 2, existing: 0 })
    const job = await run(client.jobs.get({ params: { id: "typed:2" } }))
    expect(job).toMatchObject({ id: "typed:2", project: "typed", episode: 2, state: "queued" })
    const reversed = await failure(client.projects.enqueue({ params: { slug: "typed" }, payload: { from: 5, to: 3 } }))
    expect(reversed).toBeInstanceOf(BadRequest)
    expect(reversed).toMatchObject({ field: "to" })
    const missing = await failure(client.projects.episode({ params: { slug: "typed", n: 1 } }))
    expect(missing).toBeInstanceOf(NotFound)
    expect(describeClientError(missing)).toBe("404 episode 1 of 'typed' is not committed")
    expect((await run(client.projects.get({ params: { slug: "typed" } }))).provisional).toEqual([])
    expect((await run(client.projects.list())).map((p) => p.slug)).toContain("typed")
    expect(await run(client.jobs.results({ query: {} }))).toEqual([])
    expect((await run(client.factory.status())).queue.queued).toBe(2)
    expect(await run(client.healthz())).toBe("ok\n")
    expect(await run(client.readyz())).toEqual({ ready: true })
    expect(await run(client.metrics())).toContain("novel_factory_queue_depth")
    expect(describeClientError(await failure(client.factory.financeSummary({ query: {} })))).toBe("404 this process keeps no finance ledger")
  })

  it("streams events through the SSE codec: the recent ones, then live, decoded as factory events", async () => {
    const client = await run(makeFactoryClient({ url: server.url }))
    await run(client.factory.setIntake({ payload: { paused: true } }))
    const events = await run(
      Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* client.factory.events()
          const collecting = yield* stream.pipe(
            Stream.filter((message) => message.data._tag === "IntakeChanged"),
            Stream.take(2),
            Stream.runCollect,
            Effect.forkScoped,
          )
          yield* client.factory.setIntake({ payload: { paused: false } })
          return yield* Fiber.join(collecting)
        }),
      ).pipe(Effect.timeout("5 seconds")),
    )
    expect(events.map((message) => [message.event, message.data])).toEqual([
      ["IntakeChanged", expect.objectContaining({ _tag: "IntakeChanged", paused: true })],
      ["IntakeChanged", expect.objectContaining({ _tag: "IntakeChanged", paused: false })],
    ])
  })

  it("leaves out an event that does not fit its Schema instead of ending the stream", async () => {
    const bus = await startApi()
    try {
      await bus.publish({ _tag: "JobCommitted", at: "yesterday", job: "x:1" })
      await bus.publish({ _tag: "IntakeChanged", at: 1, paused: true })
      const client = await run(makeFactoryClient({ url: bus.url }))
      const received = await run(
        Effect.scoped(Effect.flatMap(client.factory.events(), (stream) => stream.pipe(Stream.take(1), Stream.runCollect))).pipe(Effect.timeout("5 seconds")),
      )
      expect(received.map((message) => message.data)).toEqual([{ _tag: "IntakeChanged", at: 1, paused: true }])
    } finally {
      await bus.close()
    }
  })

  it("sends the event stream's head at once, before any event", async () => {
    const quiet = await startApi()
    const controller = new AbortController()
    try {
      const response = await fetch(`${quiet.url}/api/v1/events`, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(3_000)]) })
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/)
      const { value } = await response.body!.getReader().read()
      expect(new TextDecoder().decode(value)).toBe(": connected\n\n")
    } finally {
      controller.abort()
      await quiet.close()
    }
  })

  it("answers not ready with 503, Retry-After and the dependency named, decoded as a problem", async () => {
    const degraded = await startApi({}, llmDownStatus)
    try {
      const raw = await api(degraded.url, "GET", "/readyz")
      expect(raw.status).toBe(503)
      expect(raw.headers.get("retry-after")).toBe("5")
      expect(raw.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      const client = await run(makeFactoryClient({ url: degraded.url }))
      const refused = await failure(client.readyz())
      expect(refused).toBeInstanceOf(ServiceUnavailable)
      expect(refused).toMatchObject({ status: 503, detail: "not ready: llm down" })
    } finally {
      await degraded.close()
    }
  })

  it("decodes the policy's refusals as problems too", async () => {
    const guarded = await startApi({ token: "s3cret" })
    try {
      const anonymous = await run(makeFactoryClient({ url: guarded.url }))
      const refused = await failure(anonymous.factory.status())
      expect(refused).toBeInstanceOf(Unauthorized)
      expect(describeClientError(refused)).toBe("401 this request needs 'Authorization: Bearer <token>' (pass --token)")
      const member = await run(makeFactoryClient({ url: guarded.url, token: "s3cret" }))
      expect((await run(member.factory.status())).paused).toBe(false)
    } finally {
      await guarded.close()
    }
  })

  it("answers every request, however malformed, without a 5xx, and keeps serving", async () => {
    const segment = fc.oneof(
      fc.constantFrom("api", "v1", "projects", "episodes", "jobs", "results", "events", "recent", "intake", "status", "finance", "summary", "healthz", "%", "%E0%A4%A", "%2F", "..", ""),
      fc.string({ maxLength: 6 }).map(encodeURIComponent),
      fc.integer({ min: -5, max: 1e9 }).map(String),
    )
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
      path: fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
      query: fc.constantFrom("", "?count=abc", "?count=0", "?days=1e3", "?limit=-1", "?count=5&count=6", "?%zz"),
      body: fc.oneof(fc.constant(undefined), fc.json(), fc.string({ maxLength: 40 })),
    })
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, body }) => {
        // The SSE stream never ends: it is exercised above.
        if (/^\/api\/v1\/events\/?$/.test(path) && (method === "GET" || method === "HEAD")) return
        const answer = await api(server.url, method, `${path}${query}`, method === "GET" || method === "HEAD" ? undefined : body)
        expect(answer.status, `${method} ${path}${query} ${JSON.stringify(body)}: ${answer.text}`).toBeLessThan(500)
      }),
      { numRuns: 150 },
    )
    expect((await api(server.url, "GET", "/healthz")).status).toBe(200)
  })
})
