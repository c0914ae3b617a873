import { Clock, Effect, Option, Schema } from "effect"
import { EpisodeNumber, ProjectTitle, Slug } from "../domain/Project.ts"
import { FactoryStatus } from "../factory/FactoryStatus.ts"
import { Intake } from "../factory/Intake.ts"
import { Projects } from "../factory/Projects.ts"
import { renderMetrics } from "../metrics/FactoryMetrics.ts"
import { FactoryConfig } from "../config/FactoryConfig.ts"
import { EventBus } from "../events/EventBus.ts"
import { BudgetGate } from "../finance/BudgetGate.ts"
import { defaultFinanceConfig } from "../finance/FinanceConfig.ts"
import { DAY_MS, Ledger, utcDate } from "../finance/Ledger.ts"
import { buildReport } from "../finance/Report.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { StoryStore } from "../story/StoryStore.ts"
import { type ApiResponse, json, problem, problemResponse, text } from "./Problem.ts"

export interface ApiRequest {
  readonly method: string
  /** Path and query, e.g. `/api/v1/results?count=20`. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

/** Cap on episodes per enqueue request, so one request cannot flood the queue. */
export const MAX_EPISODES_PER_REQUEST = 1_000

export const CreateProjectBody = Schema.Struct({
  slug: Slug,
  genre: Schema.String,
  title: Schema.optional(ProjectTitle),
  /** `load-test`: a project of `novel-factory load`, which alone may (and must) be named `nf-load-…`. */
  purpose: Schema.optional(Schema.Literal("load-test")),
})

export const EnqueueBody = Schema.Struct({ from: EpisodeNumber, to: EpisodeNumber })

export const IntakeBody = Schema.Struct({ paused: Schema.Boolean })

class HttpProblem extends Schema.TaggedError<HttpProblem>()("HttpProblem", {
  status: Schema.Number,
  detail: Schema.String,
  field: Schema.optional(Schema.String),
}) {}

const fail = (status: number, detail: string, field?: string) => Effect.fail(new HttpProblem({ status, detail, ...(field ? { field } : {}) }))

const parseJson = (body: string) =>
  Effect.try({ try: () => JSON.parse(body) as unknown, catch: () => new HttpProblem({ status: 400, detail: "the body is not valid JSON" }) })

/** Decodes a body, answering 400 with the first wrong field named. */
const decodeBody = <S extends Schema.Decoder<unknown>>(schema: S, body: string) =>
  Effect.flatMap(parseJson(body), (value) =>
    Schema.decodeUnknownEffect(schema)(value).pipe(
      Effect.mapError((error) => {
        const [issue = error.message, at] = error.message.split(/\n\s*at /)
        const field = at ? [...at.matchAll(/\["?([^"\]]*)"?\]/g)].map((m) => m[1]!).join(".") : undefined
        return new HttpProblem({ status: 400, detail: field ? `${field}: ${issue.trim()}` : issue.trim(), ...(field ? { field } : {}) })
      }),
    ),
  )

const storeDown = (error: { readonly message: string }) => new HttpProblem({ status: 503, detail: error.message })

interface Route {
  readonly method: string
  readonly pattern: RegExp
  readonly handle: (match: RegExpExecArray, query: URLSearchParams, request: ApiRequest) => Effect.Effect<ApiResponse, HttpProblem, ApiServices>
}

export type ApiServices = StoryStore | JobQueue | Projects | Intake | EventBus | FactoryStatus

const projects: Route = {
  method: "POST",
  pattern: /^\/api\/v1\/projects\/?$/,
  handle: (_m, _q, request) =>
    Effect.gen(function* () {
      const body = yield* decodeBody(CreateProjectBody, request.body)
      const factory = yield* Projects
      const project = yield* factory.create(body).pipe(
        Effect.catchTags({
          ReservedSlug: (e) => fail(400, e.message, "slug"),
          UnknownGenre: (e) => fail(400, e.message, "genre"),
          ProjectExists: (e) => fail(409, e.message, "slug"),
          TemplateError: (e) => fail(500, e.message),
          StoreUnavailable: (e) => Effect.fail(storeDown(e)),
        }),
      )
      return json(201, project)
    }),
}

const listProjects: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/projects\/?$/,
  handle: () =>
    Effect.gen(function* () {
      const store = yield* StoryStore
      const all = yield* store.listProjects.pipe(Effect.mapError(storeDown))
      return json(200, all.map((s) => ({ ...s.project, episodes: s.episodes, lastEpisode: s.lastEpisode, characters: s.characters })))
    }),
}

const requireProject = (slug: string) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const project = yield* store.getProject(slug).pipe(Effect.mapError(storeDown))
    if (Option.isNone(project)) return yield* fail(404, `no project '${slug}'`)
    return project.value
  })

const getProject: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/projects\/([^/]+)\/?$/,
  handle: (m) =>
    Effect.gen(function* () {
      const project = yield* requireProject(decodeURIComponent(m[1]!))
      const store = yield* StoryStore
      const bible = yield* store.getBible(project.slug).pipe(Effect.mapError((e) => (e._tag === "ProjectNotFound" ? new HttpProblem({ status: 404, detail: e.message }) : storeDown(e))))
      const provisional = yield* store.provisionalFacts(project.slug).pipe(Effect.mapError(storeDown))
      return json(200, { ...project, bible, provisional })
    }),
}

const enqueue: Route = {
  method: "POST",
  pattern: /^\/api\/v1\/projects\/([^/]+)\/episodes\/?$/,
  handle: (m, _q, request) =>
    Effect.gen(function* () {
      const slug = decodeURIComponent(m[1]!)
      const body = yield* decodeBody(EnqueueBody, request.body)
      if (body.to < body.from) return yield* fail(400, `to (${body.to}) is before from (${body.from})`, "to")
      if (body.to - body.from + 1 > MAX_EPISODES_PER_REQUEST) {
        return yield* fail(400, `at most ${MAX_EPISODES_PER_REQUEST} episodes per request`, "to")
      }
      yield* requireProject(slug)
      const queue = yield* JobQueue
      const bus = yield* EventBus
      const episodes = Array.from({ length: body.to - body.from + 1 }, (_, i) => body.from + i)
      const enqueued = yield* queue.enqueue(slug, episodes).pipe(
        Effect.catchTags({
          EpisodeGap: (e) => fail(409, e.message, "from"),
          QueueUnavailable: (e) => Effect.fail(storeDown(e)),
        }),
      )
      const at = yield* Clock.currentTimeMillis
      for (const { job, created } of enqueued) {
        if (created) yield* bus.publish({ _tag: "JobEnqueued", at, job: job.id, project: job.project, episode: job.episode })
      }
      return json(202, {
        jobs: enqueued.map(({ job }) => job.id),
        created: enqueued.filter((e) => e.created).length,
        existing: enqueued.filter((e) => !e.created).length,
      })
    }),
}

const listEpisodes: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/projects\/([^/]+)\/episodes\/?$/,
  handle: (m) =>
    Effect.gen(function* () {
      const project = yield* requireProject(decodeURIComponent(m[1]!))
      const store = yield* StoryStore
      return json(200, yield* store.listEpisodes(project.slug).pipe(Effect.mapError(storeDown)))
    }),
}

const getEpisode: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/projects\/([^/]+)\/episodes\/([^/]+)\/?$/,
  handle: (m) =>
    Effect.gen(function* () {
      const slug = decodeURIComponent(m[1]!)
      const number = Number(m[2])
      if (!Number.isInteger(number) || number < 1) return yield* fail(400, `episode number must be a whole number ≥ 1, got '${m[2]}'`, "n")
      yield* requireProject(slug)
      const store = yield* StoryStore
      const episode = yield* store.getEpisode(slug, number).pipe(Effect.mapError(storeDown))
      if (Option.isNone(episode)) return yield* fail(404, `episode ${number} of '${slug}' is not committed`)
      return json(200, episode.value)
    }),
}

const getJob: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/jobs\/([^/]+)\/?$/,
  handle: (m) =>
    Effect.gen(function* () {
      const id = decodeURIComponent(m[1]!)
      const queue = yield* JobQueue
      const job = yield* queue.get(id).pipe(Effect.mapError(storeDown))
      if (Option.isNone(job)) return yield* fail(404, `no job '${id}'`)
      return json(200, job.value)
    }),
}

const results: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/results\/?$/,
  handle: (_m, query) =>
    Effect.gen(function* () {
      const raw = query.get("count") ?? "20"
      const count = Number(raw)
      if (!Number.isInteger(count) || count < 1 || count > 1000) return yield* fail(400, `count must be a whole number from 1 to 1000, got '${raw}'`, "count")
      const queue = yield* JobQueue
      const jobs = yield* queue.list({ states: ["committed", "dead"], limit: count }).pipe(Effect.mapError(storeDown))
      return json(200, jobs)
    }),
}

const status: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/status\/?$/,
  handle: () =>
    Effect.gen(function* () {
      const queue = yield* JobQueue
      const intake = yield* Intake
      const factory = yield* FactoryStatus
      const now = yield* Clock.currentTimeMillis
      return json(200, {
        version: factory.version,
        mode: factory.mode,
        uptimeMs: now - factory.startedAt,
        paused: yield* intake.paused,
        queue: yield* queue.stats.pipe(Effect.mapError(storeDown)),
        dependencies: yield* factory.dependencies,
        supervision: yield* factory.supervision,
        writer: factory.writer,
      })
    }),
}

const setIntake: Route = {
  method: "POST",
  pattern: /^\/api\/v1\/intake\/?$/,
  handle: (_m, _q, request) =>
    Effect.gen(function* () {
      const body = yield* decodeBody(IntakeBody, request.body)
      const intake = yield* Intake
      yield* intake.setPaused(body.paused)
      return json(200, { paused: body.paused })
    }),
}

const recentEvents: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/events\/recent\/?$/,
  handle: (_m, query) =>
    Effect.gen(function* () {
      const bus = yield* EventBus
      const limit = Math.min(Math.max(Number(query.get("limit") ?? "200") || 200, 1), 10_000)
      return json(200, yield* bus.recent(limit))
    }),
}

/** Cost, sales and profit per UTC day, and today's spend against the cap, for the dashboard. */
const financeSummary: Route = {
  method: "GET",
  pattern: /^\/api\/v1\/finance\/summary\/?$/,
  handle: (_m, query) =>
    Effect.gen(function* () {
      const ledger = yield* Effect.serviceOption(Ledger)
      const gate = yield* Effect.serviceOption(BudgetGate)
      if (Option.isNone(ledger) || Option.isNone(gate)) return yield* fail(404, "this process keeps no finance ledger")
      const raw = query.get("days") ?? "30"
      const days = Number(raw)
      if (!Number.isInteger(days) || days < 1 || days > 366) return yield* fail(400, `days must be a whole number from 1 to 366, got '${raw}'`, "days")
      const config = yield* Effect.serviceOption(FactoryConfig)
      const finance = Option.match(config, { onNone: () => defaultFinanceConfig, onSome: (c) => c.finance })
      const now = yield* Clock.currentTimeMillis
      const range = { from: utcDate(now - (days - 1) * DAY_MS), to: utcDate(now) }
      const unavailable = (e: { readonly message: string }) => new HttpProblem({ status: 503, detail: e.message })
      const costs = yield* ledger.value.dailyCosts(range).pipe(Effect.mapError(unavailable))
      const sales = yield* ledger.value.dailySales(range).pipe(Effect.mapError(unavailable))
      let report = buildReport(costs, sales, finance, range)
      // Sales in a currency without a configured rate are left out, never converted by guess.
      const missingRates = report._tag === "MissingRates" ? report.currencies : []
      if (report._tag === "MissingRates") report = buildReport(costs, sales.filter((s) => !missingRates.includes(s.currency)), finance, range)
      const status = yield* gate.value.status.pipe(Effect.mapError(unavailable))
      const promptCache = yield* ledger.value.promptCache(range).pipe(Effect.mapError(unavailable))
      const rows = report._tag === "Report" ? report.rows : []
      return json(200, {
        currency: "USD",
        days: rows.map((r) => ({ date: r.date, cost: r.costUsd, sales: r.salesUsd, profit: r.profitUsd, calls: r.calls })),
        today: {
          spend: status.spentTodayUsd,
          cap: status.capUsd,
          paused: status.paused,
          reason: status.reason,
          resumesAt: status.resumesAt,
          unpricedModels: status.unpricedModels,
        },
        // The provider's prompt cache per project over the same days: cached ÷ prompt tokens.
        promptCache: promptCache.map((p) => ({ ...p, share: p.promptTokens === 0 ? 0 : p.cachedTokens / p.promptTokens })),
        missingRates,
      })
    }),
}

const healthz: Route = {
  method: "GET",
  pattern: /^\/healthz\/?$/,
  handle: () => Effect.succeed(text(200, "ok\n")),
}

/** Ready when the store and the queue answer and no dependency's breaker is open; otherwise names what is down. */
const readyz: Route = {
  method: "GET",
  pattern: /^\/readyz\/?$/,
  handle: () =>
    Effect.gen(function* () {
      const store = yield* StoryStore
      const queue = yield* JobQueue
      const factory = yield* FactoryStatus
      const down: Array<string> = []
      if ((yield* Effect.result(store.listProjects))._tag === "Failure") down.push("story store")
      if ((yield* Effect.result(queue.stats))._tag === "Failure") down.push("queue")
      for (const dependency of yield* factory.dependencies) {
        if (dependency.state === "open" && !down.includes(dependency.name)) down.push(dependency.name)
      }
      if (down.length === 0) return json(200, { ready: true })
      return problemResponse(problem(503, `not ready: ${down.join(", ")} down`), { "retry-after": "5" })
    }),
}

const metrics: Route = {
  method: "GET",
  pattern: /^\/metrics\/?$/,
  handle: () => Effect.map(renderMetrics, (body) => text(200, body, "text/plain; version=0.0.4; charset=utf-8")),
}

const ROUTES: ReadonlyArray<Route> = [
  healthz,
  readyz,
  metrics,
  projects,
  listProjects,
  getProject,
  enqueue,
  listEpisodes,
  getEpisode,
  getJob,
  results,
  status,
  setIntake,
  recentEvents,
  financeSummary,
]

/**
 * The path and query of a request target. The path is checked to decode once here, so a
 * malformed escape (`%E0%A4%A`) is the client's 400 and never a handler's crash; a segment of a
 * path that decodes decodes on its own too, since an escape never spans a `/`.
 */
const readTarget = (target: string): { readonly path: string; readonly query: URLSearchParams } | undefined => {
  const queryAt = target.indexOf("?")
  const path = queryAt === -1 ? target : target.slice(0, queryAt)
  try {
    decodeURIComponent(path)
  } catch {
    return undefined
  }
  return { path, query: new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt + 1)) }
}

/**
 * The HTTP API as one function from request to response. It never fails: every error
 * is an answer (4xx problem+json for bad input, 503 when a dependency is down, 500 for
 * a defect, which is logged), so no request can take the server down. Who may ask is
 * decided before, by `decideRequest` (RequestPolicy.ts).
 */
export const handleApi = (request: ApiRequest): Effect.Effect<ApiResponse, never, ApiServices> => {
  const target = readTarget(request.url)
  if (target === undefined) return Effect.succeed(problemResponse(problem(400, "the path has a malformed percent-escape", "path")))
  const { path, query } = target
  const candidates = ROUTES.filter((r) => r.pattern.test(path))
  if (candidates.length === 0) return Effect.succeed(problemResponse(problem(404, `no such endpoint: ${path}`)))
  const route = candidates.find((r) => r.method === request.method || (request.method === "HEAD" && r.method === "GET"))
  if (!route) {
    const allow = candidates.map((r) => r.method).join(", ")
    return Effect.succeed(problemResponse(problem(405, `${request.method} is not allowed on ${path}; use ${allow}`), { allow }))
  }
  return route.handle(route.pattern.exec(path)!, query, request).pipe(
    Effect.catchTag("HttpProblem", (p) => Effect.succeed(problemResponse(problem(p.status, p.detail, p.field)))),
    Effect.catchCause((cause) =>
      Effect.logError("request failed", cause).pipe(
        Effect.as(problemResponse(problem(500, "the server failed to answer this request; it keeps running"))),
      ),
    ),
  )
}
