import { Cause, Clock, Context, Effect, Exit, Layer, Random, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"
import { defaultConfig, type PipelineConfig } from "../src/config/FactoryConfig.ts"
import { isFinal, type Job } from "../src/domain/Job.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { FaultPoints } from "../src/factory/FaultPoints.ts"
import { Intake } from "../src/factory/Intake.ts"
import { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import { Projects } from "../src/factory/Projects.ts"
import { LanguageModel } from "../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../src/llm/OfflineWriter.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../src/queue/SqliteJobQueue.ts"
import { Database } from "../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../src/story/StoryStore.ts"
import { launchWith } from "../supervisors/Launch.ts"
import { ChildSpec } from "../supervisors/ChildSpec.ts"
import { DEFAULT_RELAY_POLL_MS } from "../src/factory/CommitRelay.ts"
import { journalActor, journalAppender, makeEventJournal } from "../src/ops/journal/EventJournal.ts"
import {
  chaosFaultPoints,
  type CommitRecord,
  faultyLanguageModel,
  faultyStoryStore,
  type FaultRates,
  fencedQueue,
  fencedStore,
} from "./Faults.ts"
import { withWallClockStepper } from "./SteppedClock.ts"

/** One simulated run: what to build, what to break, and when. */
export interface Scenario {
  readonly seed: number
  /** Genre templates of the projects (one project each). */
  readonly genres: ReadonlyArray<string>
  readonly episodesPerProject: number
  readonly concurrency: number
  readonly faults: FaultRates
  /** Faults happen during the first `faultWindowMs` of simulated time, then stop. */
  readonly faultWindowMs: number
  /** Simulated times at which the whole process is killed (`SIGKILL`) and started again. */
  readonly killsAtMs: ReadonlyArray<number>
  /** Wall-clock steps: at simulated time \`atMs\` the wall clock jumps by \`stepMs\` (negative: back); timers do not. */
  readonly clockSteps?: ReadonlyArray<{ readonly atMs: number; readonly stepMs: number }>
}

export interface SimulationReport {
  readonly jobs: ReadonlyArray<Job>
  readonly commits: ReadonlyArray<CommitRecord>
  /** Episodes in the store, per project. */
  readonly stored: ReadonlyArray<{ readonly project: string; readonly numbers: ReadonlyArray<number> }>
  /** Episodes that still have provisional (draft) facts at the end, per project. */
  readonly provisional: ReadonlyArray<{ readonly project: string; readonly episodes: ReadonlyArray<number> }>
  /** Simulated ms after the faults stopped until every job was settled (`isSettled`), or null if some never were. */
  readonly settledAfterMs: number | null
  readonly generations: number
  readonly escalations: number
  /** The longest simulated time without a commit while some job was not settled (a stall). */
  readonly longestStallMs: number
  /** `JobCommitted` rows in the event journal, per job id (the relay and the journal's subscription both write them). */
  readonly journaledCommits: ReadonlyMap<string, number>
  /** Commits whose event the store's outbox still holds at the end. */
  readonly pendingCommits: number
}

/**
 * Nothing more will happen to the job without an operator: it is final, or it waits behind a
 * dead episode of its project (a dead episode holds its project until retried or skipped).
 */
export const isSettled = (job: Job, jobs: ReadonlyArray<Job>): boolean =>
  isFinal(job.state) || jobs.some((other) => other.project === job.project && other.episode < job.episode && other.state === "dead")

/** After the faults stop, every job must be settled within this much simulated time. */
export const SETTLE_BOUND_MS = 30 * 60_000
const STEP_MS = 1_000
/** The workers' lease in the simulation: a dead holder's job waits this long. */
export const SIMULATION_LEASE_MS = 15_000

const simulationPipeline = (concurrency: number): PipelineConfig => ({
  ...defaultConfig("/nonexistent").pipeline,
  concurrency,
  leaseMs: SIMULATION_LEASE_MS,
  pollMs: 500,
  retryDelayMs: 1_000,
  stageTimeoutMs: 60_000,
})

/**
 * The whole factory — supervision tree, workers, breakers, SQLite store and queue — in
 * one process under `TestClock`, with faulty services and simulated process kills.
 * Deterministic for a scenario: time is the TestClock's, randomness Effect's seeded `Random`.
 */
export const simulate = (scenario: Scenario): Effect.Effect<SimulationReport, unknown> =>
  withWallClockStepper((wallClock) => Effect.gen(function* () {
    const outer = yield* Scope.make()
    const database = yield* Layer.buildWithScope(Database.layer({ path: ":memory:" }), outer)
    const active = yield* Ref.make(true)
    const commits: Array<CommitRecord> = []
    const settings = simulationPipeline(scenario.concurrency)
    const supervision = { ...defaultConfig("/nonexistent").supervision }

    // An observer outside every generation: sets the story up and watches the jobs.
    const observer = yield* Layer.buildWithScope(
      Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: settings.maxDeliveries })),
      outer,
    ).pipe(Effect.provideContext(database))
    const projects = yield* Layer.buildWithScope(Projects.layer, outer).pipe(Effect.provideContext(observer))
    const episodes = Array.from({ length: scenario.episodesPerProject }, (_, i) => i + 1)
    for (const [index, genre] of scenario.genres.entries()) {
      const slug = `p${index}-${genre.replace(/_/g, "-")}`
      yield* Projects.use((p) => p.create({ slug, genre })).pipe(Effect.provideContext(projects))
      yield* JobQueue.use((q) => q.enqueue(slug, episodes)).pipe(Effect.provideContext(observer))
    }
    const allJobs = JobQueue.use((q) => q.list({ limit: 10_000 })).pipe(Effect.provideContext(observer))

    let generations = 0
    let escalations = 0
    const startGeneration = Effect.gen(function* () {
      generations++
      let alive = true
      const scope = yield* Scope.make()
      const infrastructure = Layer.mergeAll(Intake.layer, Projects.layer).pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            Layer.effect(JobQueue, Effect.map(SqliteJobQueue.make({ maxDeliveries: settings.maxDeliveries }), (q) => fencedQueue(q, () => alive))),
            Layer.effect(
              StoryStore,
              Effect.map(SqliteStoryStore.make, (s) => fencedStore(faultyStoryStore(s, scenario.faults, active, commits), () => alive)),
            ),
            Layer.effect(
              LanguageModel,
              Effect.gen(function* () {
                return faultyLanguageModel(yield* LanguageModel, scenario.faults, active)
              }),
            ).pipe(Layer.provide(OfflineWriter.layer)),
            Layer.succeed(PipelineSettings, settings),
            Layer.succeed(FaultPoints, chaosFaultPoints(scenario.faults, active)),
          ),
        ),
        Layer.provideMerge(EventBus.layer()),
        Layer.provideMerge(Layer.succeedContext(database)),
      )
      const running = yield* launchWith(infrastructure, {
        mode: "simulation",
        supervision,
        extraChildren: [ChildSpec.permanent("journal", journalActor())],
        commitRecorder: journalAppender,
      }).pipe(Scope.provide(scope))
      // The root escalating is the process dying: the service manager starts it again.
      const watcher = yield* running.await.pipe(Effect.exit, Effect.forkIn(scope))
      return { scope, kill: () => (alive = false), watcher }
    })

    let current = yield* startGeneration
    const kills = [...scenario.killsAtMs].sort((a, b) => a - b)
    const steps = [...(scenario.clockSteps ?? [])].sort((a, b) => a.atMs - b.atMs)
    const start = yield* Clock.currentTimeMillis
    let settledAfterMs: number | null = null
    let lastCommits = 0
    let lastProgressAt = 0
    let longestStallMs = 0
    for (let elapsed = 0; elapsed <= scenario.faultWindowMs + SETTLE_BOUND_MS; elapsed += STEP_MS) {
      if (elapsed >= scenario.faultWindowMs && (yield* Ref.get(active))) yield* Ref.set(active, false)
      while (steps.length > 0 && steps[0]!.atMs <= elapsed) yield* wallClock.step(steps.shift()!.stepMs)
      if (commits.length !== lastCommits) {
        lastCommits = commits.length
        lastProgressAt = elapsed
      }
      longestStallMs = Math.max(longestStallMs, elapsed - lastProgressAt)
      const watched = current.watcher.pollUnsafe()
      const escalated = watched !== undefined && Exit.isSuccess(watched) && Exit.isFailure(watched.value) && !Cause.hasInterruptsOnly(watched.value.cause)
      if (escalated) escalations++
      if (escalated || (kills.length > 0 && kills[0]! <= elapsed)) {
        if (!escalated) kills.shift()
        current.kill()
        yield* Scope.close(current.scope, Exit.void)
        current = yield* startGeneration
      }
      if (elapsed >= scenario.faultWindowMs) {
        const jobs = yield* allJobs
        if (jobs.every((job) => isSettled(job, jobs))) {
          settledAfterMs = elapsed - scenario.faultWindowMs
          break
        }
      }
      yield* TestClock.adjust(STEP_MS)
    }
    void start
    // A commit whose nudge went with a killed generation goes out at the relay's next poll.
    yield* TestClock.adjust(DEFAULT_RELAY_POLL_MS)
    current.kill()
    yield* Scope.close(current.scope, Exit.void)
    const jobs = yield* allJobs
    const slugs = scenario.genres.map((g, i) => `p${i}-${g.replace(/_/g, "-")}`)
    const stored = yield* Effect.forEach(slugs, (project) =>
      Effect.map(StoryStore.use((s) => s.listEpisodes(project)).pipe(Effect.provideContext(observer)), (list) => ({
        project,
        numbers: list.map((e) => e.number),
      })))
    const provisional = yield* Effect.forEach(slugs, (project) =>
      Effect.map(StoryStore.use((s) => s.provisionalFacts(project)).pipe(Effect.provideContext(observer)), (facts) => ({
        project,
        episodes: facts.map((f) => f.episode),
      })))
    const journaled = yield* Effect.flatMap(makeEventJournal(Context.get(database, Database)), (j) =>
      j.read({ from: Number.MIN_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER, tags: ["JobCommitted"] }))
    const journaledCommits = new Map<string, number>()
    for (const e of journaled.events) if (e._tag === "JobCommitted") journaledCommits.set(e.job, (journaledCommits.get(e.job) ?? 0) + 1)
    const pendingCommits = (yield* StoryStore.use((s) => s.pendingCommits(10_000)).pipe(Effect.provideContext(observer))).length
    yield* Scope.close(outer, Exit.void)
    return { jobs, commits, stored, provisional, settledAfterMs, generations, escalations, longestStallMs, journaledCommits, pendingCommits }
  })).pipe(Random.withSeed(scenario.seed), Effect.provide(TestClock.layer()))

