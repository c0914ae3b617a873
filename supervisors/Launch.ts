import { hostname } from "node:os"
import { Context, Effect, Layer, Option, Result, type Scope } from "effect"
import { makeBackupActor } from "../actors/backup.ts"
import { backupsLayer, backupSettingsOf } from "../src/backup/Location.ts"
import { monitoringActors } from "../src/ops/alerts/Monitoring.ts"
import { canarySettingsOf, makeCanaryProbe, runCanary } from "../src/ops/canary/Canary.ts"
import { acquireInstanceLock } from "../src/ops/instance/InstanceLock.ts"
import { journalAppender } from "../src/ops/journal/EventJournal.ts"
import type { CommitRecorder } from "../src/factory/CommitRelay.ts"
import { RedisSingletonLease } from "../src/coordination/RedisSingletonLease.ts"
import { SqliteSingletonLease } from "../src/coordination/SqliteSingletonLease.ts"
import { DEFAULT_SHUTDOWN_GRACE_MS, type FactoryConfigData } from "../src/config/FactoryConfig.ts"
import { describeDrainOutcome, describeDrainStart, Drain, makeDrain } from "../src/factory/Drain.ts"
import type { EventBus } from "../src/events/EventBus.ts"
import type { FaultPoints } from "../src/factory/FaultPoints.ts"
import { type LaunchFactory, LaunchError, type LaunchHooks, type RunningFactory } from "../src/factory/FactoryRuntime.ts"
import type { Intake } from "../src/factory/Intake.ts"
import { WorkerBoard } from "../src/factory/WorkerBoard.ts"
import { FactoryPulse } from "../src/metrics/Pulse.ts"
import type { PipelineSettings } from "../src/factory/PipelineSettings.ts"
import type { Projects } from "../src/factory/Projects.ts"
import type { ApiServices } from "../src/http/ApiHandlers.ts"
import type { LanguageModel } from "../src/llm/LanguageModel.ts"
import type { JobQueue } from "../src/queue/JobQueue.ts"
import { describeBackends, infrastructureLayer } from "../src/runtime/Infrastructure.ts"
import type { StoryStore } from "../src/story/StoryStore.ts"
import { Breakers } from "./Breakers.ts"
import { ChildSpec } from "./ChildSpec.ts"
import { failFastDependencies, factoryStatusLayer, factoryTree, guardedDependencies } from "./FactoryTree.ts"
import { asSingleton } from "./Singleton.ts"

/** What the pipeline and the API run on; production builds it from the config, simulations from fakes. */
export type FactoryInfrastructure =
  | JobQueue
  | StoryStore
  | LanguageModel
  | EventBus
  | Intake
  | Projects
  | PipelineSettings
  | FaultPoints

export interface LaunchOptions<X = never> {
  readonly mode: string
  readonly supervision: FactoryConfigData["supervision"]
  /** This process's name in the queue's worker field (see `FactoryTreeOptions.instance`). */
  readonly instance?: string | undefined
  /** Children beyond the pipeline's, running on the same services (plus `X`, from the same layer). */
  readonly extraChildren?: ReadonlyArray<ChildSpec<any, FactoryInfrastructure | Breakers | X>> | undefined
  /** See `FactoryTreeOptions.commitRecorder`. */
  readonly commitRecorder?: Effect.Effect<CommitRecorder, unknown, FactoryInfrastructure | Breakers | X> | undefined
  /**
   * When set, closing the scope first drains: no more claims, the jobs in flight get this long to
   * finish (see `Drain.ts`), then the tree stops and interrupts the rest. Unset (simulations): the
   * tree stops at once, as a killed process would.
   */
  readonly shutdownGraceMs?: number | undefined
  readonly say?: ((line: string) => void) | undefined
}

/**
 * A running factory on the given services: each dependency behind its breaker and the
 * supervision tree on top. Everything stops when the scope closes.
 */
export const launchWith = <E extends { readonly message: string }, X = never>(
  infrastructure: Layer.Layer<FactoryInfrastructure | X, E>,
  options: LaunchOptions<X>,
): Effect.Effect<RunningFactory, LaunchError, Scope.Scope> =>
  Effect.gen(function* () {
    // The workers' board and the pulse are the tree's and the API's alike: built once, below both.
    const base = Layer.mergeAll(Breakers.layer, WorkerBoard.layer, FactoryPulse.layer).pipe(Layer.provideMerge(infrastructure))
    const built = yield* Layer.build(base).pipe(
      Effect.mapError((error) => new LaunchError({ message: `cannot start the factory: ${error.message}` })),
    )
    // The actors park on an open breaker; the API (and the dashboard) fail fast on the same
    // breakers, so `/readyz` and `/api/v1/status` answer 503 during an outage instead of hanging.
    const drain = yield* makeDrain
    const services = Context.merge(built, yield* Layer.build(guardedDependencies).pipe(Effect.provideContext(built))).pipe(
      Context.add(Drain, drain),
    )
    const forRequests = Context.merge(built, yield* Layer.build(failFastDependencies).pipe(Effect.provideContext(built)))
    const root = yield* factoryTree({
      supervision: options.supervision,
      instance: options.instance,
      extraChildren: options.extraChildren,
      commitRecorder: options.commitRecorder,
    }).pipe(
      Effect.provideContext(services),
    )
    // Added after the tree started, so it runs before the tree's own shutdown (finalizers run last-in first-out).
    const graceMs = options.shutdownGraceMs
    if (graceMs !== undefined) {
      const say = (line: string) => Effect.sync(() => options.say?.(line))
      yield* Effect.addFinalizer(() =>
        drain.drain(graceMs, (inFlight) => say(describeDrainStart(inFlight.length, graceMs))).pipe(
          Effect.flatMap((outcome) => say(describeDrainOutcome(outcome))),
        )
      )
    }
    const status = yield* Layer.build(factoryStatusLayer(options.mode, root)).pipe(Effect.provideContext(services))
    const all: Context.Context<ApiServices> = Context.merge(forRequests, status)
    return { services: all, await: root.await }
  })

/** This process, as singleton leases name their holder. */
const holderName = () => `${hostname()}:${process.pid}`

/**
 * The backup scheduler as a child: it runs in exactly one process per data directory (or
 * per Redis, in distributed mode), holding the `backup` singleton lease.
 */
const backupChild = (config: FactoryConfigData) => {
  const settings = backupSettingsOf(config)
  return ChildSpec.permanent(
    "backup",
    Effect.gen(function* () {
      if (Result.isFailure(settings)) return yield* Effect.fail(new LaunchError({ message: settings.failure }))
      const actor = yield* makeBackupActor({
        schedule: settings.success.schedule,
        timeZone: settings.success.timeZone,
        verify: settings.success.verify,
        retention: settings.success.retention,
        incompleteGraceMs: settings.success.incompleteGraceMs,
      })
      yield* asSingleton("backup", holderName(), 30_000, actor.run)
    }),
    { graceMs: 30_000 },
  )
}

/** The factory as the config describes it. */
export const launchFactory: LaunchFactory = (config: FactoryConfigData, hooks?: LaunchHooks) => {
  const singletonLeases = config.queue.kind === "redis"
    ? RedisSingletonLease.layer({ url: config.queue.url, keyPrefix: config.queue.keyPrefix ?? "novel-factory", startWhileDown: true })
    : SqliteSingletonLease.layer
  const infrastructure = Layer.mergeAll(backupsLayer(process.env), singletonLeases).pipe(
    Layer.provideMerge(infrastructureLayer(config, { startWhileDown: true })),
  )
  // One process per embedded data directory: a second one is refused, naming the holder.
  const instanceLock = config.queue.kind === "sqlite"
    ? acquireInstanceLock(config.home).pipe(Effect.asVoid, Effect.mapError((e) => new LaunchError({ message: e.message })))
    : Effect.void
  return Effect.andThen(
    instanceLock,
    launchWith(infrastructure, {
      mode: describeBackends(config),
      supervision: config.supervision,
      instance: holderName(),
      extraChildren: [backupChild(config), ...monitoringChildren(config), ...canaryChildren(config)],
      commitRecorder: journalAppender,
      shutdownGraceMs: config.pipeline.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
      say: hooks?.say,
    }).pipe(Effect.mapError((error) => new LaunchError({ message: `${error.message} (data: ${config.home})` }))),
  )
}

/** The event journal and the alert rules, as permanent children of the factory. */
const monitoringChildren = (config: FactoryConfigData) => {
  const actors = monitoringActors(config)
  return [
    ChildSpec.permanent("journal", actors.journal, { graceMs: 5_000 }),
    ChildSpec.permanent("alerts", actors.alerts, { graceMs: 5_000 }),
  ]
}

/** The synthetic canary job, when enabled (serve turns it on by default, run does not). */
const canaryChildren = (config: FactoryConfigData) =>
  Option.match(canarySettingsOf(config.canary, false), {
    onNone: () => [],
    // The probe lives outside the child, so a restart keeps its failure streak.
    onSome: (settings) => [ChildSpec.permanent("canary", runCanary(makeCanaryProbe(settings)))],
  })
