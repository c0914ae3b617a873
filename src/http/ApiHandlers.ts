/**
 * The handlers of `FactoryApi`, one layer per group. Each reads the factory's services once,
 * when the server starts, and answers a request with the endpoint's success value or one of its
 * declared problems; anything else (a defect) is answered 500 by the server (`Server.ts`).
 */
import { Clock, Effect, Layer, Option, Schema, Stream } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { HttpServerResponse } from "effect/http"
import { FactoryConfig } from "../config/FactoryConfig.ts"
import { EventBus } from "../events/EventBus.ts"
import { FactoryEvent } from "../events/FactoryEvent.ts"
import { type DependencyHealth, FactoryStatus } from "../factory/FactoryStatus.ts"
import { classifyCause, describeCause, downEntry } from "./NotReadyCause.ts"
import { Intake } from "../factory/Intake.ts"
import { deleteProject } from "../factory/DeleteProject.ts"
import { makeOperator } from "../factory/Operator.ts"
import { WorkerBoard } from "../factory/WorkerBoard.ts"
import { jobIdOf } from "../domain/Job.ts"
import type { Outline } from "../domain/Outline.ts"
import { OutlineStore, type OutlineFailure } from "../planner/OutlineStore.ts"
import { Projects } from "../factory/Projects.ts"
import { BudgetGate } from "../finance/BudgetGate.ts"
import { defaultFinanceConfig } from "../finance/FinanceConfig.ts"
import { DAY_MS, Ledger, utcDate, utcDayStart } from "../finance/Ledger.ts"
import { buildCurrencyReport, minorToNumber, reportCurrencyOf, usdToMinor } from "../finance/CurrencyReport.ts"
import { renderMetrics } from "../metrics/FactoryMetrics.ts"
import { emptyPulse, FactoryPulse, summarizePulse } from "../metrics/Pulse.ts"
import { JobQueue, type ProjectHold } from "../queue/JobQueue.ts"
import { StoryStore } from "../story/StoryStore.ts"
import { badRequest, conflict, internalError, notFound, serviceUnavailable } from "./ApiProblems.ts"
import { type DeadLetter, FactoryApi, MAX_EPISODES_PER_REQUEST } from "./FactoryApi.ts"
import { problem, problemResponse } from "./Problem.ts"

/** The services the handlers read; a process that serves the API provides them. */
export type ApiServices = StoryStore | JobQueue | Projects | Intake | EventBus | FactoryStatus

const storeDown = (error: { readonly message: string }) => serviceUnavailable(error.message)

/** How many past events a new subscriber of the stream gets before the live ones. */
const REPLAYED_EVENTS = 500

const ProjectsHandlers = HttpApiBuilder.group(
  FactoryApi,
  "projects",
  Effect.fn(function* (handlers) {
    const store = yield* StoryStore
    const queue = yield* JobQueue
    const projects = yield* Projects
    const bus = yield* EventBus
    const operator = yield* makeOperator
    const outlines = yield* Effect.serviceOption(OutlineStore)
    /** An outline edit, as the API's problems: a written beat is frozen (409), a bad edit 400, no beat 404. */
    const edited = (slug: string, edit: (store: typeof OutlineStore.Service) => Effect.Effect<Outline, OutlineFailure>) =>
      Effect.gen(function* () {
        yield* requireProject(slug)
        if (Option.isNone(outlines)) return yield* notFound("this process keeps no outline")
        return yield* edit(outlines.value).pipe(
          Effect.mapError((e) =>
            e._tag === "BeatFrozen" || e._tag === "BeatExists" ? conflict(e.message)
              : e._tag === "InvalidOutlineEdit" ? badRequest(e.message)
              : e._tag === "OutlineUnavailable" ? storeDown(e)
              : notFound(e.message)
          ),
        )
      })
    /** The queue's answer to an operator's action, as the API's problems. */
    const acted = <A>(action: Effect.Effect<A, { readonly _tag: string; readonly message: string }>) =>
      action.pipe(
        Effect.mapError((e) =>
          e._tag === "JobNotFound" || e._tag === "ProjectNotFound" ? notFound(e.message)
            : e._tag === "JobStateConflict" ? conflict(e.message)
            : storeDown(e)
        ),
      )

    const requireProject = (slug: string) =>
      Effect.flatMap(store.getProject(slug).pipe(Effect.mapError(storeDown)), (project) =>
        Option.match(project, { onNone: () => Effect.fail(notFound(`no project '${slug}'`)), onSome: Effect.succeed }))

    return handlers.handleAll({
      create: ({ payload }) =>
        projects.create(payload).pipe(
          Effect.catchTags({
            ReservedSlug: (e) => Effect.fail(badRequest(e.message, "slug")),
            UnknownGenre: (e) => Effect.fail(badRequest(e.message, "genre")),
            ProjectExists: (e) => Effect.fail(conflict(e.message, "slug")),
            TemplateError: (e) => Effect.fail(internalError(e.message)),
            StoreUnavailable: (e) => Effect.fail(storeDown(e)),
          }),
        ),
      list: () =>
        Effect.gen(function* () {
          const all = yield* store.listProjects.pipe(Effect.mapError(storeDown))
          const states = new Map((yield* queue.projectStates().pipe(Effect.mapError(storeDown))).map((p) => [p.project, p]))
          const rows = []
          for (const s of all) {
            const hold = states.get(s.project.slug)?.held ?? null
            const outline = Option.isNone(outlines)
              ? Option.none()
              : yield* outlines.value.get(s.project.slug).pipe(Effect.mapError(storeDown))
            const ahead = Option.map(outline, (o) => o.beats.filter((b) => b.episode > s.lastEpisode && b.state !== "written"))
            rows.push({
              ...s.project,
              episodes: s.episodes,
              lastEpisode: s.lastEpisode,
              characters: s.characters,
              held: hold === null ? null : describeHold(hold),
              beatsLeft: Option.match(ahead, { onNone: () => null, onSome: (beats) => beats.length }),
              beatsAwaitingApproval: Option.match(ahead, { onNone: () => null, onSome: (beats) => beats.filter((b) => b.state === "planned").length }),
            })
          }
          return rows
        }),
      get: ({ params }) =>
        Effect.gen(function* () {
          const project = yield* requireProject(params.slug)
          const bible = yield* store.getBible(project.slug).pipe(
            Effect.mapError((e) => (e._tag === "ProjectNotFound" ? notFound(e.message) : storeDown(e))),
          )
          const provisional = yield* store.provisionalFacts(project.slug).pipe(Effect.mapError(storeDown))
          return { ...project, bible, provisional }
        }),
      enqueue: ({ params, payload }) =>
        Effect.gen(function* () {
          if (payload.to < payload.from) return yield* badRequest(`to (${payload.to}) is before from (${payload.from})`, "to")
          if (payload.to - payload.from + 1 > MAX_EPISODES_PER_REQUEST) {
            return yield* badRequest(`at most ${MAX_EPISODES_PER_REQUEST} episodes per request`, "to")
          }
          yield* requireProject(params.slug)
          const episodes = Array.from({ length: payload.to - payload.from + 1 }, (_, i) => payload.from + i)
          const enqueued = yield* queue.enqueue(params.slug, episodes).pipe(
            Effect.catchTags({
              EpisodeGap: (e) => Effect.fail(conflict(e.message, "from")),
              QueueUnavailable: (e) => Effect.fail(storeDown(e)),
            }),
          )
          const at = yield* Clock.currentTimeMillis
          for (const { job, created } of enqueued) {
            if (created) yield* bus.publish({ _tag: "JobEnqueued", at, job: job.id, project: job.project, episode: job.episode })
          }
          return {
            jobs: enqueued.map(({ job }) => job.id),
            created: enqueued.filter((e) => e.created).length,
            existing: enqueued.filter((e) => !e.created).length,
          }
        }),
      episodes: ({ params }) =>
        Effect.flatMap(requireProject(params.slug), (project) => store.listEpisodes(project.slug).pipe(Effect.mapError(storeDown))),
      episode: ({ params }) =>
        Effect.gen(function* () {
          yield* requireProject(params.slug)
          const episode = yield* store.getEpisode(params.slug, params.n).pipe(Effect.mapError(storeDown))
          if (Option.isNone(episode)) return yield* notFound(`episode ${params.n} of '${params.slug}' is not committed`)
          return episode.value
        }),
      retry: ({ params }) => Effect.andThen(requireProject(params.slug), acted(operator.retry(params.slug, params.n))),
      skip: ({ params, payload }) => Effect.andThen(requireProject(params.slug), acted(operator.skip(params.slug, params.n, payload.reason))),
      cancel: ({ params, payload }) => Effect.andThen(requireProject(params.slug), acted(operator.cancel(params.slug, payload.from))),
      hold: ({ params, payload }) =>
        Effect.andThen(requireProject(params.slug), acted(operator.hold(params.slug, payload.reason ?? "held by the operator"))),
      resume: ({ params }) => Effect.andThen(requireProject(params.slug), acted(operator.resume(params.slug))),
      delete: ({ params, query }) =>
        deleteProject(params.slug, { force: query.force === "true" }).pipe(
          Effect.provideService(JobQueue, queue),
          Effect.provideService(StoryStore, store),
          Effect.provideService(EventBus, bus),
          (removal) => (Option.isSome(outlines) ? Effect.provideService(removal, OutlineStore, outlines.value) : removal),
          Effect.mapError((e) =>
            e._tag === "DeleteRefused" ? conflict(e.message) : e._tag === "ProjectNotFound" ? notFound(e.message) : storeDown(e)
          ),
        ),
      outline: ({ params }) =>
        Effect.gen(function* () {
          const project = yield* requireProject(params.slug)
          if (Option.isNone(outlines)) return yield* notFound("this process keeps no outline")
          // a project's outline starts from its template's beats the first time it is asked for
          return yield* outlines.value.seed(project).pipe(Effect.mapError(storeDown))
        }),
      addBeat: ({ params, payload }) =>
        payload.text === undefined || payload.text.trim() === ""
          ? Effect.fail(badRequest("a new beat needs its text", "text"))
          : edited(params.slug, (o) => o.addBeat(params.slug, params.n, { ...payload, text: payload.text! }, "operator")),
      editBeat: ({ params, payload }) => edited(params.slug, (o) => o.editBeat(params.slug, params.n, payload, "operator")),
      removeBeat: ({ params }) => edited(params.slug, (o) => o.removeBeat(params.slug, params.n)),
      approve: ({ params, payload }) => edited(params.slug, (o) => o.approve(params.slug, payload.from, payload.to ?? payload.from, "operator")),
    })
  }),
)

const JobsHandlers = HttpApiBuilder.group(
  FactoryApi,
  "jobs",
  Effect.fn(function* (handlers) {
    const queue = yield* JobQueue
    return handlers.handleAll({
      get: ({ params }) =>
        Effect.flatMap(queue.get(params.id).pipe(Effect.mapError(storeDown)), (job) =>
          Option.match(job, { onNone: () => Effect.fail(notFound(`no job '${params.id}'`)), onSome: Effect.succeed })),
      results: ({ query }) => queue.list({ states: ["committed", "dead"], limit: query.count ?? 20 }).pipe(Effect.mapError(storeDown)),
    })
  }),
)

const isFactoryEvent = Schema.is(FactoryEvent)

/**
 * The stream of events as SSE messages: the recent ones first, then live, until the client leaves.
 * An event that does not fit its Schema is left out: encoding it would end the stream, and a
 * reconnecting client would be replayed the same event and cut off again.
 */
const eventStream = (bus: typeof EventBus.Service) =>
  Stream.unwrap(
    Effect.gen(function* () {
      const subscription = yield* bus.subscribe
      const recent = yield* bus.recent(REPLAYED_EVENTS)
      return Stream.concat(Stream.fromIterable(recent), Stream.fromSubscription(subscription))
    }),
  ).pipe(
    Stream.filter(isFactoryEvent),
    Stream.map((event) => ({ event: event._tag, data: event })),
  )

const FactoryHandlers = HttpApiBuilder.group(
  FactoryApi,
  "factory",
  Effect.fn(function* (handlers) {
    const queue = yield* JobQueue
    const intake = yield* Intake
    const factory = yield* FactoryStatus
    const bus = yield* EventBus
    const ledger = yield* Effect.serviceOption(Ledger)
    const gate = yield* Effect.serviceOption(BudgetGate)
    const config = yield* Effect.serviceOption(FactoryConfig)

    return handlers.handleAll({
      status: () =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          return {
            version: factory.version,
            mode: factory.mode,
            uptimeMs: now - factory.startedAt,
            paused: yield* intake.paused,
            queue: yield* queue.stats.pipe(Effect.mapError(storeDown)),
            dependencies: yield* factory.dependencies,
            supervision: yield* factory.supervision,
            writer: factory.writer,
          }
        }),
      setIntake: ({ payload }) => Effect.as(intake.setPaused(payload.paused), { paused: payload.paused }),
      events: () => Effect.succeed(eventStream(bus)),
      recentEvents: ({ query }) => bus.recent(Math.min(Math.max(Number(query.limit ?? "200") || 200, 1), 10_000)),
      financeSummary: ({ query }) =>
        Effect.gen(function* () {
          if (Option.isNone(ledger) || Option.isNone(gate)) return yield* notFound("this process keeps no finance ledger")
          const days = query.days ?? 30
          const finance = Option.match(config, { onNone: () => defaultFinanceConfig, onSome: (c) => c.finance })
          const now = yield* Clock.currentTimeMillis
          const range = { from: utcDate(now - (days - 1) * DAY_MS), to: utcDate(now) }
          const costs = yield* ledger.value.dailyCosts(range).pipe(Effect.mapError(storeDown))
          const sales = yield* ledger.value.dailySales(range).pipe(Effect.mapError(storeDown))
          const everSold = (yield* ledger.value.dailySales().pipe(Effect.mapError(storeDown))).map((s) => s.currency)
          // A rate the config lacks is never guessed: the report falls back to USD when it is the
          // report currency's own, and leaves out the sales of a currency it cannot convert; both
          // are named in `missingRates`.
          let currency = reportCurrencyOf(finance, everSold)
          let report = buildCurrencyReport(costs, sales, finance, currency, range)
          const missingRates: Array<string> = []
          if (report._tag === "MissingRates" && report.keys.includes(`${currency}_per_USD`)) {
            missingRates.push(currency)
            currency = "USD"
            report = buildCurrencyReport(costs, sales, finance, currency, range)
          }
          if (report._tag === "MissingRates") {
            const unconvertible = report.keys.map((k) => k.slice(0, 3))
            missingRates.push(...unconvertible)
            report = buildCurrencyReport(costs, sales.filter((s) => !unconvertible.includes(s.currency)), finance, currency, range)
          }
          if (report._tag === "MissingRates") return yield* internalError(`no rate for ${report.keys.join(", ")} after leaving those sales out`)
          const { digits } = report
          const money = (minor: bigint) => minorToNumber(minor, digits)
          // today's spend and cap (booked in USD) in the same currency, rounded the same way
          const fromUsd = (usd: number) => money(usdToMinor(usd, finance, currency, digits))
          const status = yield* gate.value.status.pipe(Effect.mapError(storeDown))
          const promptCache = yield* ledger.value.promptCache(range).pipe(Effect.mapError(storeDown))
          return {
            currency,
            days: report.rows.map((r) => ({ date: r.date, cost: money(r.cost), sales: money(r.sales), profit: money(r.profit), calls: r.calls })),
            today: {
              spend: fromUsd(status.spentTodayUsd),
              cap: status.capUsd === null ? null : fromUsd(status.capUsd),
              paused: status.paused,
              reason: status.reason,
              resumesAt: status.resumesAt,
              unpricedModels: status.unpricedModels,
            },
            promptCache: promptCache.map((p) => ({ ...p, share: p.promptTokens === 0 ? 0 : p.cachedTokens / p.promptTokens })),
            missingRates: [...new Set(missingRates)].sort(),
          }
        }),
    })
  }),
)

const OperationsHandlers = HttpApiBuilder.group(
  FactoryApi,
  "operations",
  Effect.fn(function* (handlers) {
    const store = yield* StoryStore
    const queue = yield* JobQueue
    const factory = yield* FactoryStatus
    return handlers.handleAll({
      healthz: () => Effect.succeed("ok\n"),
      /** Ready when the store and the queue answer and no dependency's breaker is open; otherwise names what is down. */
      readyz: () =>
        Effect.gen(function* () {
          const dependencies = yield* factory.dependencies
          const down = yield* readinessProbe(dependencies, [
            { name: "story store", breaker: "story-store", probe: store.listProjects },
            { name: "queue", breaker: "queue", probe: queue.stats },
          ])
          if (down.length === 0) return { ready: true as const }
          // The problem with a Retry-After, which a typed failure cannot carry.
          const answer = problemResponse(problem(503, `not ready: ${down.map((d) => downEntry(d.name, d.cause)).join(", ")}`), { "retry-after": "5" })
          return HttpServerResponse.text(answer.body, { status: answer.status, headers: answer.headers, contentType: answer.headers["content-type"] })
        }),
      metrics: () => renderMetrics,
    })
  }),
)

/**
 * What is down and why: each probe that fails (named by its error's cause, or, when the error is
 * only the breaker refusing, by the failure that opened it), then every other breaker not closed.
 */
const readinessProbe = (
  dependencies: ReadonlyArray<DependencyHealth>,
  probes: ReadonlyArray<{ readonly name: string; readonly breaker: string; readonly probe: Effect.Effect<unknown, unknown> }>,
) =>
  Effect.gen(function* () {
    const down: Array<{ readonly name: string; readonly cause: string | undefined }> = []
    const breakerCause = (breaker: string) => dependencies.find((d) => d.name === breaker)?.cause
    for (const { name, breaker, probe } of probes) {
      const result = yield* Effect.result(probe)
      if (result._tag === "Success") continue
      const own = classifyCause(result.failure)
      const cause = own !== undefined && own !== "circuit breaker open" ? own : breakerCause(breaker) ?? describeCause(result.failure)
      down.push({ name, cause })
    }
    for (const dependency of dependencies) {
      if (dependency.state !== "open") continue
      const probed = probes.find((p) => p.breaker === dependency.name)
      if (down.some((d) => d.name === (probed?.name ?? dependency.name))) continue
      down.push({ name: probed?.name ?? dependency.name, cause: dependency.cause })
    }
    return down
  })

/** Why a project is held, as the operator reads it. */
const describeHold = (hold: ProjectHold): string =>
  hold.by === "dead-episode" ? `episode ${hold.episode} is dead: ${hold.reason}` : hold.reason

const ConsoleHandlers = HttpApiBuilder.group(
  FactoryApi,
  "console",
  Effect.fn(function* (handlers) {
    const store = yield* StoryStore
    const queue = yield* JobQueue
    const ledger = yield* Effect.serviceOption(Ledger)
    // A process without a tree has no workers, and no pulse: its summary is of no events.
    const board = yield* Effect.serviceOption(WorkerBoard)
    const pulse = yield* Effect.serviceOption(FactoryPulse)
    return handlers.handleAll({
      deadLetters: ({ query }) =>
        Effect.gen(function* () {
          if (query.project !== undefined) {
            const known = yield* store.getProject(query.project).pipe(Effect.mapError(storeDown))
            if (Option.isNone(known)) return yield* notFound(`no project '${query.project}'`)
          }
          const filter = query.project === undefined ? {} : { project: query.project }
          const dead = yield* queue.list({ ...filter, states: ["dead"] }).pipe(Effect.mapError(storeDown))
          const letters: Array<DeadLetter> = dead.map((job) => ({
            project: job.project,
            episode: job.episode,
            job: job.id,
            state: "dead",
            cause: job.reason ?? "dead",
            at: job.updatedAt,
            deliveries: job.deliveries,
            findings: job.findings,
          }))
          // The head of a project the operator holds waits on the operator too.
          for (const state of yield* queue.projectStates(query.project).pipe(Effect.mapError(storeDown))) {
            if (state.held?.by !== "operator" || state.next === undefined) continue
            const head = yield* queue.get(jobIdOf(state.project, state.next)).pipe(Effect.mapError(storeDown))
            if (Option.isNone(head) || head.value.state === "dead") continue
            const job = head.value
            letters.push({ project: job.project, episode: job.episode, job: job.id, state: "held", cause: state.held.reason, at: job.updatedAt, deliveries: job.deliveries, findings: job.findings })
          }
          return letters.sort((a, b) => a.project.localeCompare(b.project) || a.episode - b.episode)
        }),
      workers: () => (Option.isNone(board) ? Effect.succeed([]) : board.value.snapshot),
      summary: () =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const figures = Option.isNone(pulse) ? summarizePulse(emptyPulse(), now) : yield* pulse.value.summary
          const states = yield* queue.projectStates().pipe(Effect.mapError(storeDown))
          const dayStart = utcDayStart(now)
          const costs = Option.isNone(ledger)
            ? null
            : new Map((yield* ledger.value.projectCosts(dayStart, dayStart + DAY_MS).pipe(Effect.mapError(storeDown))).map((c) => [c.project, c.costUsd]))
          return {
            ...figures,
            projects: states.map((state) => ({
              project: state.project,
              committed: state.committed,
              queued: state.queued,
              inFlight: state.inFlight,
              dead: state.dead,
              skipped: state.skipped,
              held: state.held === null ? null : describeHold(state.held),
              costTodayUsd: costs === null ? null : costs.get(state.project) ?? 0,
            })),
          }
        }),
    })
  }),
)

/** Every group's handlers, needing the factory's services. */
export const ApiHandlersLayer = Layer.mergeAll(ProjectsHandlers, JobsHandlers, FactoryHandlers, ConsoleHandlers, OperationsHandlers)
