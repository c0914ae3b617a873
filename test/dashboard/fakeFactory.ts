/**
 * A stand-in for `serve`'s HTTP API, built from the same `FactoryApi` definition and served by the
 * same server code with fake handlers (so it cannot drift from the real answers): for the bench
 * (10 000 events of backlog, a steady trickle of live ones) and for scenarios a real factory
 * cannot stage on demand (a breaker outage, alerts, finance data).
 */
import { Effect, Exit, Layer, PubSub, Schema, Scope, Stream } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { notFound, serviceUnavailable } from "../../src/http/ApiProblems.ts"
import { type DeadLetter, FactoryApi, type FinanceSummary, type ProjectSummary, type WorkerActivity } from "../../src/http/FactoryApi.ts"
import { emptyPulse, foldPulse, summarizePulse } from "../../src/metrics/Pulse.ts"
import { serveApi } from "../../src/http/Server.ts"

/** An event as a scenario writes it; it must be a `FactoryEvent` (decoded on publish, so a wrong one fails loudly). */
export interface FakeEvent {
  readonly _tag: string
  readonly at: number
  readonly [key: string]: unknown
}

const toFactoryEvent = Schema.decodeUnknownSync(FactoryEvent)

/** A finance summary as a scenario writes it; what it leaves out is filled with zeros. */
export interface FakeFinance {
  readonly days: ReadonlyArray<{ readonly date: string; readonly cost: number; readonly sales: number; readonly profit: number; readonly calls?: number }>
  readonly today: { readonly spend: number; readonly cap: number | null; readonly paused?: boolean }
  readonly currency: string
}

export interface FakeFactoryOptions {
  /** Events already in the journal, replayed to each new SSE subscriber. */
  readonly backlog?: ReadonlyArray<FakeEvent>
  /** Finance summary, or undefined for a 404 like a `serve` without a ledger. */
  readonly finance?: FakeFinance
  readonly projects?: ReadonlyArray<{ slug: string; title: string; episodes?: number; held?: string; beatsLeft?: number }>
  readonly deadLetters?: ReadonlyArray<DeadLetter>
  readonly workers?: ReadonlyArray<WorkerActivity>
}

export interface FakeFactory {
  readonly url: string
  readonly publish: (event: FakeEvent) => void
  readonly paused: () => boolean
  readonly setQueue: (queue: { queued: number; inFlight: number; committed: number; dead: number }) => void
  readonly close: () => Promise<void>
}

const child = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  restart: "permanent",
  state: "running",
  backoffRemainingMs: null,
  restarts: 0,
  lastError: null,
  subtree: null,
  ...extra,
})

const project = (p: { slug: string; title: string; episodes?: number; held?: string; beatsLeft?: number }, createdAt: number): ProjectSummary => ({
  slug: p.slug,
  title: p.title,
  genre: "fantasy_kr",
  language: "ko",
  seed: 1,
  premise: "",
  tone: "",
  styleRules: [],
  bannedWords: [],
  lengthBand: { min: 5_000, max: 5_500 },
  beats: [],
  createdAt,
  episodes: p.episodes ?? 0,
  lastEpisode: p.episodes ?? 0,
  characters: 0,
  held: p.held ?? null,
  beatsLeft: p.beatsLeft ?? null,
  beatsAwaitingApproval: null,
})

const financeOf = (finance: FakeFinance): FinanceSummary => ({
  currency: finance.currency,
  days: finance.days.map((d) => ({ date: d.date, cost: d.cost, sales: d.sales, profit: d.profit, calls: d.calls ?? 0 })),
  today: { spend: finance.today.spend, cap: finance.today.cap, paused: finance.today.paused ?? false, reason: null, resumesAt: null, unpricedModels: [] },
  promptCache: [],
  missingRates: [],
})

const notStaged = (what: string) => Effect.fail(serviceUnavailable(`the fake factory does not stage ${what}`))

export const startFakeFactory = (options: FakeFactoryOptions = {}): Promise<FakeFactory> => {
  const startedAt = Date.now()
  let paused = false
  let queue = { queued: 3, inFlight: 1, committed: 120, dead: 2 }
  const backlog: Array<FactoryEvent> = (options.backlog ?? []).map((event) => toFactoryEvent(event))
  // the same pulse as a real server's, over every event the fake was given
  const pulse = emptyPulse()
  for (const event of backlog) foldPulse(pulse, event)
  const live = Effect.runSync(PubSub.unbounded<FactoryEvent>())
  const publish = (raw: FakeEvent) => {
    const event = toFactoryEvent(raw)
    foldPulse(pulse, event)
    backlog.push(event)
    if (backlog.length > 20_000) backlog.splice(0, backlog.length - 10_000)
    Effect.runSync(PubSub.publish(live, event))
  }
  const writers = Array.from({ length: 4 }, (_, i) => child(`writer-${i + 1}`, i === 2 ? { restarts: 2, lastError: "Error: LLM timeout\n    at write" } : {}))
  const projects = (options.projects ?? [{ slug: "sword", title: "검의 계승자", episodes: 12 }]).map((p) => project(p, startedAt))

  const status = () => ({
    version: "fake",
    mode: "embedded",
    uptimeMs: Date.now() - startedAt,
    paused,
    queue: { skipped: 0, held: 0, ...queue },
    dependencies: [
      { name: "llm", state: "closed" as const },
      { name: "queue", state: "closed" as const },
      { name: "story-store", state: "closed" as const },
    ],
    writer: null,
    supervision: {
      supervisor: "factory",
      strategy: "one-for-one",
      status: "running",
      restartsInWindow: 2,
      maxRestarts: 10,
      stuckFibers: 0,
      children: [
        child("metrics"),
        child("writers", { subtree: { supervisor: "factory/writers/writer", strategy: "one-for-one", status: "running", restartsInWindow: 2, maxRestarts: 10, stuckFibers: 0, children: writers } }),
        child("backup"),
      ],
    },
  })

  const handlers = Layer.mergeAll(
    HttpApiBuilder.group(FactoryApi, "projects", (h) =>
      h.handleAll({
        create: () => notStaged("creating projects"),
        list: () => Effect.succeed(projects),
        get: ({ params }) => Effect.fail(notFound(`no project '${params.slug}'`)),
        enqueue: () => notStaged("enqueueing"),
        episodes: ({ params }) => Effect.fail(notFound(`no project '${params.slug}'`)),
        episode: ({ params }) => Effect.fail(notFound(`no project '${params.slug}'`)),
        retry: () => notStaged("retrying"),
        skip: () => notStaged("skipping"),
        delete: () => notStaged("deleting projects"),
        cancel: () => notStaged("cancelling"),
        hold: () => notStaged("holding"),
        resume: () => notStaged("resuming"),
        outline: () => notStaged("outlines"),
        addBeat: () => notStaged("outlines"),
        editBeat: () => notStaged("outlines"),
        removeBeat: () => notStaged("outlines"),
        approve: () => notStaged("outlines"),
      })),
    HttpApiBuilder.group(FactoryApi, "jobs", (h) =>
      h.handleAll({
        get: ({ params }) => Effect.fail(notFound(`no job '${params.id}'`)),
        results: () => Effect.succeed([]),
      })),
    HttpApiBuilder.group(FactoryApi, "factory", (h) =>
      h.handleAll({
        status: () => Effect.sync(status),
        setIntake: ({ payload }) =>
          Effect.sync(() => {
            paused = payload.paused
            publish({ _tag: "IntakeChanged", at: Date.now(), paused })
            return { paused }
          }),
        events: () =>
          Effect.succeed(
            Stream.unwrap(Effect.map(PubSub.subscribe(live), (subscription) => Stream.concat(Stream.fromIterable([...backlog]), Stream.fromSubscription(subscription)))).pipe(
              Stream.map((event) => ({ event: event._tag, data: event })),
            ),
          ),
        recentEvents: ({ query }) => Effect.succeed(backlog.slice(-Number(query.limit ?? "200"))),
        financeSummary: () =>
          options.finance === undefined ? Effect.fail(notFound("this process keeps no finance ledger")) : Effect.succeed(financeOf(options.finance)),
      })),
    HttpApiBuilder.group(FactoryApi, "console", (h) =>
      h.handleAll({
        deadLetters: ({ query }) => Effect.succeed((options.deadLetters ?? []).filter((d) => query.project === undefined || d.project === query.project)),
        workers: () => Effect.succeed(options.workers ?? []),
        summary: () =>
          Effect.sync(() => ({
            ...summarizePulse(pulse, Date.now()),
            projects: (options.projects ?? []).map((p) => ({
              project: p.slug,
              committed: p.episodes ?? 0,
              queued: 0,
              inFlight: 0,
              dead: (options.deadLetters ?? []).filter((d) => d.project === p.slug && d.state === "dead").length,
              skipped: 0,
              held: p.held ?? null,
              costTodayUsd: options.finance === undefined ? null : options.finance.today.spend,
            })),
          })),
      })),
    HttpApiBuilder.group(FactoryApi, "operations", (h) =>
      h.handleAll({
        healthz: () => Effect.succeed("ok\n"),
        readyz: () => Effect.succeed({ ready: true as const }),
        metrics: () => Effect.succeed(""),
      })),
  )

  return Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const server = yield* serveApi({ host: "127.0.0.1", port: 0 }, handlers).pipe(Scope.provide(scope))
      return {
        url: server.url,
        publish,
        paused: () => paused,
        setQueue: (q: typeof queue) => {
          queue = q
        },
        close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
      } satisfies FakeFactory
    }),
  )
}

/** A realistic mix of events: jobs flowing through the stages, now and then a crash or an outage. */
export const syntheticEvents = (count: number, endAt: number, spacingMs = 250): ReadonlyArray<FakeEvent> => {
  const events: Array<FakeEvent> = []
  const stages = ["writer", "guard", "editor", "commit"] as const
  for (let i = 0; i < count; i++) {
    const at = endAt - (count - i) * spacingMs
    const job = `sword:${Math.floor(i / 6) + 1}`
    const k = i % 6
    if (k === 0) events.push({ _tag: "JobEnqueued", at, job, project: "sword", episode: Math.floor(i / 6) + 1 })
    else if (k <= 4) events.push({ _tag: "StageFinished", at, job, stage: stages[k - 1]!, ms: 50 + ((i * 37) % 900), ok: true })
    else if (i % 97 === 5) events.push({ _tag: "JobDead", at, job, project: "sword", episode: Math.floor(i / 6) + 1, reason: "guard rejected 3 drafts" })
    else events.push({ _tag: "JobCommitted", at, job, project: "sword", episode: Math.floor(i / 6) + 1, durationMs: 1200 + (i % 500), reward: 0.8 })
    if (i % 1000 === 999) {
      events.push({ _tag: "ChildExited", at, supervisor: "factory/writers/writer", child: "writer-3", outcome: "failure", cause: "Error: LLM timeout" })
      events.push({ _tag: "ChildRestarting", at, supervisor: "factory/writers/writer", child: "writer-3", attempt: 1, delayMs: 5000 })
      events.push({ _tag: "ChildStarted", at: at + 5000, supervisor: "factory/writers/writer", child: "writer-3" })
    }
  }
  return events.slice(-count)
}
