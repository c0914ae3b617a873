/**
 * The dashboard's link to a running `serve`, through the typed client (`src/http/FactoryClient.ts`): the event
 * stream (`GET /api/v1/events`, decoded by Effect's SSE codec) plus periodic snapshots
 * (`/api/v1/status` with the server's summary, dead letters and workers every second, projects
 * and finance less often). Every answer becomes a
 * `ModelInput`. Losing the server is a state, not an error: `Disconnected` is reported and the
 * client reconnects with exponential back-off, forever, until `close()`.
 */
import { Clock, Duration, Effect, Fiber, Ref, Schedule, Stream } from "effect"
import type { FactoryStatusAnswer } from "../http/FactoryApi.ts"
import { describeClientError, makeFactoryClient, statusOfFailure } from "../http/FactoryClient.ts"
import { decodeSupervisor, type ModelInput, type StatusSnapshot } from "./Model.ts"
import { cappedExponential } from "../util/Backoff.ts"

export interface ClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly token?: string | undefined
  readonly onInput: (input: ModelInput) => void
  /** Status poll period (default 1 000 ms). */
  readonly statusEveryMs?: number
  /** Projects and finance poll period (default 10 000 ms). */
  readonly slowEveryMs?: number
  /** Reconnect back-off: first delay and cap (defaults 500 ms, 5 000 ms). */
  readonly retryInitialMs?: number
  readonly retryMaxMs?: number
  /** Per-request timeout (default 3 000 ms). */
  readonly timeoutMs?: number
  readonly now?: () => number
}

export interface Outcome {
  readonly ok: boolean
  readonly message: string
}

export interface DashboardClient {
  /** `POST /api/v1/intake {paused}`: resolves with an operator-readable outcome, never rejects. */
  readonly setIntake: (paused: boolean) => Promise<Outcome>
  /** `POST …/episodes/:n/retry`: the dead letter back to the queue. Never rejects. */
  readonly retry: (project: string, episode: number) => Promise<Outcome>
  /** `POST …/episodes/:n/skip {reason}`: an explicit gap. Never rejects. */
  readonly skip: (project: string, episode: number, reason: string) => Promise<Outcome>
  /** `POST …/hold`, `…/resume`, `…/cancel`, `DELETE /projects/:slug?force=true`: the project actions. Never reject. */
  readonly hold: (project: string) => Promise<Outcome>
  readonly resume: (project: string) => Promise<Outcome>
  readonly cancel: (project: string) => Promise<Outcome>
  readonly deleteProject: (project: string) => Promise<Outcome>
  readonly close: () => void
}

/** The delays between reconnect attempts: exponential from `initialMs`, capped at `maxMs` (defaults 500 ms, 5 s). */
export const reconnectDelays = (initialMs = 500, maxMs = 5_000) => cappedExponential({ base: Duration.millis(initialMs), max: Duration.millis(maxMs) })

/** The server declares the supervision tree as opaque data; the dashboard reads it defensively. */
const snapshotOf = (status: FactoryStatusAnswer): StatusSnapshot => ({ ...status, supervision: decodeSupervisor(status.supervision) })

/** A session ends with why it ended, as the operator should read it. */
class SessionLost {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
}

const lost = (error: unknown) => new SessionLost(error instanceof SessionLost ? error.reason : describeClientError(error))

export const connect = (options: ClientOptions): DashboardClient => {
  const now = options.now ?? Date.now
  const timeout = Duration.millis(options.timeoutMs ?? 3_000)
  const statusEvery = Duration.millis(options.statusEveryMs ?? 1_000)
  const slowEvery = Duration.millis(options.slowEveryMs ?? 10_000)
  const client = Effect.runSync(makeFactoryClient({ url: options.url, token: options.token }))
  const emit = (input: ModelInput) => Effect.sync(() => options.onInput(input))

  const pollStatus = client.factory.status().pipe(
    Effect.timeout(timeout),
    Effect.flatMap((status) => emit({ _tag: "Status", at: now(), status: snapshotOf(status) })),
  )

  // What the console shows besides the status; a server without these endpoints simply shows none.
  const pollConsole = Effect.all(
    [
      client.console.summary().pipe(Effect.timeout(timeout), Effect.flatMap((summary) => emit({ _tag: "Summary", summary })), Effect.ignore),
      client.console.deadLetters({ query: {} }).pipe(Effect.timeout(timeout), Effect.flatMap((deadLetters) => emit({ _tag: "DeadLetters", deadLetters })), Effect.ignore),
      client.console.workers().pipe(Effect.timeout(timeout), Effect.flatMap((workers) => emit({ _tag: "Workers", at: now(), workers })), Effect.ignore),
    ],
    { concurrency: 3, discard: true },
  )

  const pollProjects = client.projects.list().pipe(
    Effect.timeout(timeout),
    Effect.flatMap((projects) => emit({ _tag: "Projects", projects: projects.map(({ slug, title, episodes, held, beatsLeft, beatsAwaitingApproval }) => ({ slug, title, episodes, held, beatsLeft, beatsAwaitingApproval })) })),
    Effect.ignore,
  )

  // A server that answers without a ledger (404) has no finance; one that does not answer says nothing.
  const pollFinance = client.factory.financeSummary({ query: {} }).pipe(
    Effect.timeout(timeout),
    Effect.matchEffect({
      onSuccess: (summary) => emit({ _tag: "Finance", summary }),
      onFailure: (error) => (statusOfFailure(error) > 0 ? emit({ _tag: "Finance", summary: null }) : Effect.void),
    }),
  )

  const pollSlow = Effect.all([pollProjects, pollFinance], { concurrency: 2, discard: true })

  /** Polls the status until two polls in a row fail, then fails with the last reason. */
  const watchStatus = Effect.gen(function* () {
    const failedInARow = yield* Ref.make(0)
    return yield* Effect.sleep(statusEvery).pipe(
      Effect.andThen(Effect.tap(pollStatus, () => Effect.forkChild(pollConsole))),
      Effect.matchEffect({
        onSuccess: () => Ref.set(failedInARow, 0),
        onFailure: (error) =>
          Ref.updateAndGet(failedInARow, (n) => n + 1).pipe(Effect.flatMap((n) => (n >= 2 ? Effect.fail(lost(error)) : Effect.void))),
      }),
      Effect.forever,
    )
  })

  /** One connected session: fails when the link is lost. */
  const session = Effect.gen(function* () {
    yield* pollStatus
    yield* pollConsole
    yield* pollSlow
    // A timeout for the answer's head only: the stream itself lives as long as the server.
    const events = yield* client.factory.events().pipe(Effect.timeout(timeout))
    yield* emit({ _tag: "Connected", at: now() })
    connectedSinceLoss = true
    const follow = events.pipe(
      Stream.runForEach((message) => emit({ _tag: "Event", event: message.data, key: JSON.stringify(message.data) })),
      Effect.andThen(Effect.fail(new SessionLost("the event stream ended"))),
    )
    const refreshSlowly = Effect.sleep(slowEvery).pipe(Effect.andThen(pollSlow), Effect.forever)
    return yield* Effect.raceFirst(Effect.raceFirst(follow, watchStatus), refreshSlowly)
  }).pipe(Effect.scoped, Effect.mapError(lost))

  // A session that got connected earns the next loss a fresh back-off from the first delay.
  let connectedSinceLoss = false
  const reconnectForever = Effect.gen(function* () {
    const schedule = reconnectDelays(options.retryInitialMs, options.retryMaxMs)
    let nextDelay = yield* Schedule.toStep(schedule)
    for (;;) {
      // A session ends only by losing its link.
      const outcome = yield* Effect.flip(session)
      if (connectedSinceLoss) nextDelay = yield* Schedule.toStep(schedule)
      connectedSinceLoss = false
      const [delay] = yield* nextDelay(yield* Clock.currentTimeMillis, undefined).pipe(Effect.orDie)
      yield* emit({ _tag: "Disconnected", at: now(), reason: outcome.reason, retryInMs: Duration.toMillis(delay) })
      yield* Effect.sleep(delay)
    }
  })
  const running = Effect.runFork(reconnectForever)

  /** An operator's action, then the views it changes refreshed at once. */
  const act = <A, E>(call: Effect.Effect<A, E>, done: string, what: string) =>
    Effect.runPromise(
      call.pipe(
        Effect.timeout(timeout),
        Effect.tap(() => Effect.forkDetach(Effect.ignore(Effect.all([pollStatus, pollConsole, pollProjects], { discard: true })))),
        Effect.match({
          onSuccess: (): Outcome => ({ ok: true, message: done }),
          onFailure: (error): Outcome => ({ ok: false, message: `${what}: ${describeClientError(error)}` }),
        }),
      ),
    )

  return {
    setIntake: (paused) =>
      Effect.runPromise(
        client.factory.setIntake({ payload: { paused } }).pipe(
          Effect.timeout(timeout),
          Effect.tap(() => Effect.forkDetach(Effect.ignore(pollStatus))),
          Effect.match({
            onSuccess: () => ({ ok: true, message: paused ? "intake paused" : "intake resumed" }),
            onFailure: (error) => ({ ok: false, message: `intake: ${describeClientError(error)}` }),
          }),
        ),
      ),
    retry: (project, episode) =>
      act(client.projects.retry({ params: { slug: project, n: episode } }), `${project} #${episode} is back in the queue`, `retry ${project} #${episode}`),
    skip: (project, episode, reason) =>
      act(client.projects.skip({ params: { slug: project, n: episode }, payload: { reason } }), `${project} #${episode} skipped: ${reason}`, `skip ${project} #${episode}`),
    hold: (project) => act(client.projects.hold({ params: { slug: project }, payload: { reason: "held from the dashboard" } }), `${project} is held`, `hold ${project}`),
    resume: (project) => act(client.projects.resume({ params: { slug: project } }), `${project} resumed`, `resume ${project}`),
    cancel: (project) =>
      act(client.projects.cancel({ params: { slug: project }, payload: {} }), `${project}'s queued episodes cancelled`, `cancel ${project}`),
    deleteProject: (project) =>
      act(client.projects.delete({ params: { slug: project }, query: { force: "true" } }), `${project} deleted`, `delete ${project}`),
    close: () => {
      Effect.runFork(Fiber.interrupt(running))
    },
  }
}
