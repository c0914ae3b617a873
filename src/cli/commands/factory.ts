import { Clock, Effect, Option, PubSub } from "effect"
import type { FactoryConfigData } from "../../config/FactoryConfig.ts"
import { EventBus } from "../../events/EventBus.ts"
import type { FactoryEvent } from "../../events/FactoryEvent.ts"
import type { LaunchFactory } from "../../factory/FactoryRuntime.ts"
import { Projects } from "../../factory/Projects.ts"
import { runDashboard } from "../../dashboard/Dashboard.ts"
import { packageVersion } from "../../factory/FactoryStatus.ts"
import { serveHttp } from "../../http/Server.ts"
import { JobQueue } from "../../queue/JobQueue.ts"
import { StoryStore } from "../../story/StoryStore.ts"
import { booleanFlag, type Command, CommandFailed, type CommandIo, intFlag, stringFlag, UsageError } from "../Command.ts"
import { commandConfig } from "../FactoryContext.ts"
import { factoryOptions, configOption } from "./shared.ts"

/** One line per event worth an operator's attention, or nothing. */
export const progressLine = (event: FactoryEvent): string | undefined => {
  const time = new Date(event.at).toISOString().slice(11, 19)
  switch (event._tag) {
    case "JobCommitted":
      return `${time} ✔ committed ${event.job} in ${(event.durationMs / 1000).toFixed(2)} s (reward ${event.reward.toFixed(2)})`
    case "JobDead":
      return `${time} ✘ dead ${event.job}: ${event.reason}`
    case "JobRejected":
      return `${time} ↺ guard rejected draft ${event.draft} of ${event.job} (reward ${event.reward.toFixed(2)}, ${event.findings} findings)`
    case "JobRetrying":
      return `${time} ↻ retrying ${event.job}: ${event.reason}`
    case "ChildRestarting":
      return `${time} ⟳ restarting ${event.supervisor}/${event.child} in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt})`
    case "ChildExited":
      return event.outcome === "failure" ? `${time} ⚠ ${event.supervisor}/${event.child} crashed: ${(event.cause ?? "").split("\n")[0]}` : undefined
    case "SupervisorEscalated":
      return `${time} ⚠ supervisor ${event.supervisor} gave up: ${event.cause.split("\n")[0]}`
    case "BreakerChanged":
      // the breaker logs its changes itself, rate-limited (a flapping breaker printed ~2 lines a second)
      return undefined
    case "IntakeChanged":
      return `${time} ${event.paused ? "⏸ intake paused" : "▶ intake resumed"}`
    case "Alert":
      return `${time} 🔔 ${event.rule} ${event.state}: ${event.message}`
    default:
      return undefined
  }
}

const printProgress = (io: CommandIo) =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    const subscription = yield* bus.subscribe
    return yield* Effect.forever(
      Effect.map(PubSub.take(subscription), (event) => {
        const line = progressLine(event)
        if (line) io.out(line)
      }),
    )
  }).pipe(Effect.scoped)

const DEMO_SLUG = "demo"

/** With no project yet, `run` creates a demo project from a template and queues its outline. */
const ensureDemoProject = (config: FactoryConfigData, io: CommandIo) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const projects = yield* store.listProjects
    if (projects.length > 0) return
    const factory = yield* Projects
    const project = yield* factory.create({ slug: DEMO_SLUG, genre: config.demoGenre })
    const queue = yield* JobQueue
    const bus = yield* EventBus
    const episodes = Array.from({ length: Math.min(project.beats.length, 12) }, (_, i) => i + 1)
    const enqueued = yield* queue.enqueue(project.slug, episodes)
    const at = yield* Clock.currentTimeMillis
    for (const { job } of enqueued) yield* bus.publish({ _tag: "JobEnqueued", at, job: job.id, project: job.project, episode: job.episode })
    io.out(`no project yet: created '${project.slug}' (${project.title}, ${config.demoGenre}) and queued episodes 1-${episodes.length}`)
  })

/** What `serve` and `run` share: where the API listens, how many workers, which config. */
const serveOptions = {
  port: { type: "string", short: "p", placeholder: "port", description: "API port (default 8080, or api.port)" },
  host: { type: "string", placeholder: "address", description: "API address (default 127.0.0.1; others need FACTORY_API_TOKEN)" },
  concurrency: { type: "string", placeholder: "n", description: "episode workers (default pipeline.concurrency)" },
  ...configOption,
} as const

const configured = (args: Parameters<Command["run"]>[0], io: CommandIo, canaryByDefault: boolean) =>
  Effect.gen(function* () {
    const config = yield* commandConfig(io, factoryOptions(args))
    const port = intFlag(args, "port", { min: 0, max: 65535 })
    if (port instanceof UsageError) return yield* port
    const host = stringFlag(args, "host")
    const concurrency = intFlag(args, "concurrency", { min: 1, max: 256 })
    if (concurrency instanceof UsageError) return yield* concurrency
    return {
      ...config,
      api: { ...config.api, host: host ?? config.api.host, port: port ?? config.api.port },
      pipeline: { ...config.pipeline, concurrency: concurrency ?? config.pipeline.concurrency },
      // The canary runs by default in the daemon, not in the one-process demo.
      canary: { ...config.canary, enabled: config.canary?.enabled ?? canaryByDefault },
    } satisfies FactoryConfigData
  })

const launchOrFail = (launch: LaunchFactory, config: FactoryConfigData, io: CommandIo) =>
  launch(config, { say: io.out }).pipe(
    // a refusal (another deployment's queue) is the operator's to fix, like bad input: exit 2
    Effect.mapError((error) => new CommandFailed({ message: error.message, exitCode: error.message.includes("refusing to start") ? 2 : 1 })),
  )

const awaitFactory = (running: { readonly await: Effect.Effect<void, unknown> }) =>
  running.await.pipe(
    Effect.mapError((error) => new CommandFailed({ message: `the factory stopped: ${String((error as { message?: string }).message ?? error)}`, exitCode: 1 })),
    Effect.as(0),
  )

export const serveCommand = (launch: LaunchFactory): Command => ({
  name: "serve",
  summary: "run the factory as a daemon with its HTTP API",
  usage: "serve [--port 8080] [--host 127.0.0.1]",
  details: "Binding an address other than loopback requires FACTORY_API_TOKEN; every request but /healthz then needs 'Authorization: Bearer <token>'.",
  options: {
    ...serveOptions,
    quiet: { type: "boolean", short: "q", description: "do not print progress lines" },
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    Effect.scoped(
      Effect.gen(function* () {
        const config = yield* configured(args, io, true)
        const token = io.env["FACTORY_API_TOKEN"] || undefined
        const running = yield* launchOrFail(launch, config, io)
        const server = yield* serveHttp({ ...config.api, token }).pipe(
          Effect.provideContext(running.services),
          Effect.mapError((error) => new CommandFailed({ message: error.message, exitCode: error.message.startsWith("refusing") ? 2 : 1 })),
        )
        io.out(`novel-factory serving on ${server.url} (data: ${config.home}, workers: ${config.pipeline.concurrency})`)
        if (!booleanFlag(args, "quiet")) yield* printProgress(io).pipe(Effect.provideContext(running.services), Effect.forkScoped)
        return yield* awaitFactory(running)
      }),
    ),
})

export const runCommand = (launch: LaunchFactory): Command => ({
  name: "run",
  summary: "run everything in one process (embedded store and queue, API on loopback, the dashboard)",
  usage: "run [--headless] [--port 8080]",
  details:
    "With no project yet, creates a demo project from the demo genre's template and queues its episodes. " +
    "In a terminal it shows the dashboard (q quits and stops the factory); --headless, or no terminal, prints progress lines instead.",
  options: {
    headless: { type: "boolean", description: "print progress lines instead of the dashboard" },
    ...serveOptions,
  },
  positionals: { min: 0, max: 0, names: [] },
  run: (args, io) =>
    Effect.scoped(
      Effect.gen(function* () {
        const config = yield* configured(args, io, false)
        const token = io.env["FACTORY_API_TOKEN"] || undefined
        const dashboard = io.interactive === true && !booleanFlag(args, "headless")
        const running = yield* launchOrFail(launch, config, io)
        if (!dashboard) yield* printProgress(io).pipe(Effect.provideContext(running.services), Effect.forkScoped)
        yield* ensureDemoProject(config, dashboard ? { ...io, out: () => {} } : io).pipe(
          Effect.provideContext(running.services),
          Effect.mapError((error) => new CommandFailed({ message: `cannot create the demo project: ${error.message}`, exitCode: 1 })),
        )
        // The dashboard needs the API; when the configured port is taken it falls back to any free one.
        const server = yield* serveHttp({ ...config.api, token }).pipe(
          Effect.catch((error) => (dashboard ? serveHttp({ ...config.api, port: 0, token }) : Effect.fail(error))),
          Effect.provideContext(running.services),
          Effect.option,
        )
        if (dashboard && Option.isSome(server)) {
          const code = yield* Effect.promise(() => runDashboard({ url: server.value.url, token, version: packageVersion }))
          return code
        }
        io.out(
          Option.match(server, {
            onNone: () => `novel-factory running (data: ${config.home}); API not started: port ${config.api.port} is taken (use --port)`,
            onSome: (s) => `novel-factory running (data: ${config.home}); API on ${s.url}; Ctrl-C stops it`,
          }),
        )
        return yield* awaitFactory(running)
      }),
    ),
})
