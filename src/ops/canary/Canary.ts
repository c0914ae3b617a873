/**
 * The canary: a synthetic project (`nf-canary`, in the reserved namespace no user can take)
 * whose next episode is enqueued on an interval and watched through the whole pipeline
 * (queue → writer → guard → editor → commit). Its success and latency are recorded apart
 * from real work — its own metrics
 * (`novel_factory_canary_*`; its jobs are left out of the real job counters and the
 * success-rate alerts), its own `Alert` (rule `canary`) after N failures in a row,
 * resolved by the next success — so an operator sees "the factory can still produce an
 * episode end to end" even when no real work is queued. Unless `canary.llm: configured`, its
 * jobs run every stage offline ($0) whatever `llm:` says (see `CanaryRoute.ts`).
 *
 * `runCanary` is an actor behaviour: it never ends, and the supervision tree runs it as a
 * permanent child. Its state lives in a `CanaryProbe` made once per process, so a restart of
 * the child does not forget the failure streak.
 */
import { Clock, Effect, Metric, Option } from "effect"
import type { CanaryConfig } from "./CanaryConfig.ts"
import { isFinal, type Job } from "../../domain/Job.ts"
import { CANARY_SLUG } from "../../domain/Project.ts"
import { EventBus } from "../../events/EventBus.ts"
import { Intake } from "../../factory/Intake.ts"
import { Projects } from "../../factory/Projects.ts"
import { JobQueue } from "../../queue/JobQueue.ts"
import { StoryStore } from "../../story/StoryStore.ts"

export { CANARY_SLUG }
export const CANARY_ALERT_RULE = "canary"

export interface CanarySettings {
  readonly intervalMs: number
  readonly deadlineMs: number
  readonly failuresToAlert: number
  readonly genre: string
  /** How often the watched job is polled. Default 250 ms. */
  readonly pollMs: number
  readonly slug: string
}

export const defaultCanarySettings: CanarySettings = {
  intervalMs: 5 * 60_000,
  deadlineMs: 10 * 60_000,
  failuresToAlert: 3,
  genre: "fantasy_kr",
  pollMs: 250,
  slug: CANARY_SLUG,
}

/** The settings from the config; `enabledByDefault` is the command's default (`serve`: true, `run`: false). */
export const canarySettingsOf = (
  config: CanaryConfig | undefined,
  enabledByDefault: boolean,
): Option.Option<CanarySettings> => {
  if (!(config?.enabled ?? enabledByDefault)) return Option.none()
  return Option.some({
    ...defaultCanarySettings,
    ...(config?.intervalMs !== undefined ? { intervalMs: config.intervalMs } : {}),
    ...(config?.deadlineMs !== undefined ? { deadlineMs: config.deadlineMs } : {}),
    ...(config?.failuresToAlert !== undefined ? { failuresToAlert: config.failuresToAlert } : {}),
    ...(config?.genre !== undefined ? { genre: config.genre } : {}),
  })
}

export type CanaryOutcome =
  | { readonly _tag: "Success"; readonly at: number; readonly episode: number; readonly latencyMs: number }
  | { readonly _tag: "Failure"; readonly at: number; readonly episode: number | null; readonly reason: string }
  | { readonly _tag: "Skipped"; readonly at: number; readonly reason: string }

export interface CanaryState {
  readonly runs: number
  readonly successes: number
  readonly failures: number
  readonly consecutiveFailures: number
  readonly alerting: boolean
  readonly last: CanaryOutcome | null
  readonly lastSuccessAt: number | null
  /** Latencies of the last successes (oldest first, at most 100). */
  readonly latenciesMs: ReadonlyArray<number>
}

const runsTotal = Metric.counter("novel_factory_canary_runs_total", { description: "Canary runs by result", incremental: true })
const latencySeconds = Metric.histogram("novel_factory_canary_latency_seconds", {
  description: "Enqueue-to-commit latency of the canary episode",
  boundaries: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
})
const consecutiveFailuresGauge = Metric.gauge("novel_factory_canary_consecutive_failures", { description: "Canary failures in a row" })
const lastSuccessGauge = Metric.gauge("novel_factory_canary_last_success_timestamp_seconds", {
  description: "When the canary last succeeded (epoch seconds)",
})

/** The canary's memory, made once per process (outside the supervised child). */
export interface CanaryProbe {
  readonly settings: CanarySettings
  readonly state: () => CanaryState
  /** Records one outcome: metrics, the streak, and the alert's firing/resolution. */
  readonly record: (outcome: CanaryOutcome) => Effect.Effect<void, never, EventBus>
}

export const makeCanaryProbe = (settings: Partial<CanarySettings> = {}): CanaryProbe => {
  const s: CanarySettings = { ...defaultCanarySettings, ...settings }
  let state: CanaryState = {
    runs: 0,
    successes: 0,
    failures: 0,
    consecutiveFailures: 0,
    alerting: false,
    last: null,
    lastSuccessAt: null,
    latenciesMs: [],
  }
  const record = (outcome: CanaryOutcome) =>
    Effect.gen(function* () {
      const bus = yield* EventBus
      if (outcome._tag === "Skipped") {
        state = { ...state, last: outcome }
        return
      }
      const before = state
      if (outcome._tag === "Success") {
        state = {
          ...state,
          runs: state.runs + 1,
          successes: state.successes + 1,
          consecutiveFailures: 0,
          alerting: false,
          last: outcome,
          lastSuccessAt: outcome.at,
          latenciesMs: [...state.latenciesMs, outcome.latencyMs].slice(-100),
        }
        yield* Metric.update(Metric.withAttributes(runsTotal, { result: "success" }), 1)
        yield* Metric.update(latencySeconds, outcome.latencyMs / 1000)
        yield* Metric.update(lastSuccessGauge, outcome.at / 1000)
        if (before.alerting) {
          yield* bus.publish({
            _tag: "Alert",
            at: outcome.at,
            rule: CANARY_ALERT_RULE,
            state: "resolved",
            message: `canary episode ${outcome.episode} committed in ${(outcome.latencyMs / 1000).toFixed(1)} s after ${before.consecutiveFailures} failures`,
          })
        }
      } else {
        const streak = state.consecutiveFailures + 1
        const fire = !state.alerting && streak >= s.failuresToAlert
        state = { ...state, runs: state.runs + 1, failures: state.failures + 1, consecutiveFailures: streak, alerting: state.alerting || fire, last: outcome }
        yield* Metric.update(Metric.withAttributes(runsTotal, { result: "failure" }), 1)
        if (fire) {
          yield* bus.publish({
            _tag: "Alert",
            at: outcome.at,
            rule: CANARY_ALERT_RULE,
            state: "firing",
            message: `the canary failed ${streak} times in a row; last: ${outcome.reason}`,
          })
        }
      }
      yield* Metric.update(consecutiveFailuresGauge, state.consecutiveFailures)
    })
  return { settings: s, state: () => state, record }
}

export type CanaryServices = JobQueue | StoryStore | Projects | EventBus | Intake

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

/** The canary project, created from its genre template the first time. */
const ensureProject = (s: CanarySettings) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    if (Option.isSome(yield* store.getProject(s.slug))) return
    const projects = yield* Projects
    yield* projects.create({ slug: s.slug, genre: s.genre, title: "Canary (synthetic health check)", purpose: "canary" }).pipe(
      Effect.catchTag("ProjectExists", () => Effect.void),
    )
  })

/** The canary job to watch: an unfinished one from before (a restart, a slow run), or episode n+1. */
const nextJob = (s: CanarySettings) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const pending = yield* queue.list({ project: s.slug, states: ["queued", "writing", "guarding", "editing"] })
    if (pending.length > 0) return pending.reduce((a, b) => (b.episode < a.episode ? b : a))
    const all = yield* queue.list({ project: s.slug })
    const next = all.reduce((n, j) => Math.max(n, j.episode), 0) + 1
    const [enqueued] = yield* queue.enqueue(s.slug, [next])
    const job = enqueued!.job
    if (enqueued!.created) {
      const bus = yield* EventBus
      yield* bus.publish({ _tag: "JobEnqueued", at: yield* Clock.currentTimeMillis, job: job.id, project: job.project, episode: job.episode })
    }
    return job
  })

/** Polls the job until it is final or the deadline passes (queue outages are waited through). */
const watch = (s: CanarySettings, job: Job, deadline: number) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    let current: Job = job
    while (!isFinal(current.state)) {
      const now = yield* Clock.currentTimeMillis
      if (now >= deadline) return { job: current, timedOut: true }
      yield* Effect.sleep(Math.min(s.pollMs, deadline - now))
      const fresh = yield* Effect.option(queue.get(job.id))
      if (Option.isSome(fresh) && Option.isSome(fresh.value)) current = fresh.value.value
    }
    return { job: current, timedOut: false }
  })

/** One canary run: enqueue (or resume) a canary episode and judge it. Never fails. */
export const canaryOnce = (probe: CanaryProbe): Effect.Effect<CanaryOutcome, never, CanaryServices> =>
  Effect.gen(function* () {
    const s = probe.settings
    const started = yield* Clock.currentTimeMillis
    const intake = yield* Intake
    if (yield* intake.paused) return { _tag: "Skipped", at: started, reason: "intake is paused" } as const
    const attempt = Effect.gen(function* () {
      yield* ensureProject(s)
      const job = yield* nextJob(s)
      const { job: seen, timedOut } = yield* watch(s, job, started + s.deadlineMs)
      const at = yield* Clock.currentTimeMillis
      if (seen.state === "committed") {
        return { _tag: "Success", at, episode: seen.episode, latencyMs: Math.max(0, seen.updatedAt - seen.enqueuedAt) } as const
      }
      const reason = timedOut
        ? `episode ${seen.episode} not committed within ${Math.round(s.deadlineMs / 1000)} s (state ${seen.state})`
        : `episode ${seen.episode} is dead: ${seen.reason ?? "no reason"}`
      return { _tag: "Failure", at, episode: seen.episode, reason } as const
    })
    return yield* attempt.pipe(
      Effect.catch((error) =>
        Effect.map(Clock.currentTimeMillis, (at): CanaryOutcome => ({ _tag: "Failure", at, episode: null, reason: describe(error) }))),
    )
  }).pipe(Effect.tap((outcome) => probe.record(outcome)))

/**
 * The canary actor: the first run one `intervalMs` after start (a short-lived process or a
 * test sees no canary work), then a run every `intervalMs` (start to start; a run that takes
 * longer is followed at once by the next). Never ends; run it as a permanent child.
 */
export const runCanary = (probe: CanaryProbe): Effect.Effect<never, never, CanaryServices> =>
  Effect.andThen(
    Effect.sleep(probe.settings.intervalMs),
    Effect.forever(
      Effect.gen(function* () {
        const started = yield* Clock.currentTimeMillis
        yield* canaryOnce(probe)
        const elapsed = (yield* Clock.currentTimeMillis) - started
        yield* Effect.sleep(Math.max(0, probe.settings.intervalMs - elapsed))
      }),
    ),
  )

/** One line for `status` / the dashboard. */
export const describeCanary = (state: CanaryState): string => {
  if (state.last === null) return "canary: no run yet"
  const rate = state.runs === 0 ? "-" : `${state.successes}/${state.runs} ok`
  const latest = state.latenciesMs.length > 0 ? `, last latency ${(state.latenciesMs[state.latenciesMs.length - 1]! / 1000).toFixed(1)} s` : ""
  const last = state.last._tag === "Failure" ? `, last failure: ${state.last.reason}` : state.last._tag === "Skipped" ? `, skipped: ${state.last.reason}` : ""
  return `canary: ${rate}${latest}${state.alerting ? " (ALERT firing)" : ""}${last}`
}
