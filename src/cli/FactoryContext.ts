import { Effect, Layer } from "effect"
import { FactoryConfig, type FactoryConfigData } from "../config/FactoryConfig.ts"
import { loadConfig } from "../config/LoadConfig.ts"
import { EventBus } from "../events/EventBus.ts"
import type { JobQueue } from "../queue/JobQueue.ts"
import { storageLayer } from "../runtime/Infrastructure.ts"
import type { Database } from "../sqlite/Database.ts"
import type { StoryStore } from "../story/StoryStore.ts"
import { CommandFailed, type CommandIo } from "./Command.ts"
import { dataDirectoryRefusal } from "./DataDirectory.ts"

/** The services a CLI command may use: config, the store, the queue, the event bus and the SQLite database. */
export type FactoryServices = FactoryConfig | StoryStore | JobQueue | EventBus | Database

/** How a command opens the factory: its `--config` file and whether `--init` was given. */
export interface FactoryOptions {
  readonly configFile?: string | undefined
  readonly init?: boolean | undefined
}

/**
 * The config as a command sees it: a config error is a usage error (exit 2) naming the key, and so
 * is a FACTORY_HOME that is not a factory's data directory (see `DataDirectory.ts`).
 */
export const commandConfig = (io: CommandIo, options: FactoryOptions = {}) =>
  loadConfig({ env: io.env, cwd: io.cwd, configFile: options.configFile }).pipe(
    Effect.mapError((error) => new CommandFailed({ message: error.message, exitCode: 2 })),
    Effect.tap((config) => {
      const refused = dataDirectoryRefusal(config.home, options.init === true)
      return refused === undefined ? Effect.void : Effect.fail(new CommandFailed({ message: refused, exitCode: 2 }))
    }),
  )

/**
 * Runs a command's effect with the factory's services built from the config
 * (`--config` file or `factory.yaml` in FACTORY_HOME, then the environment).
 */
export const withFactory = <A, E>(
  io: CommandIo,
  effect: Effect.Effect<A, E, FactoryServices>,
  options?: FactoryOptions,
): Effect.Effect<A, E | CommandFailed> =>
  Effect.gen(function* () {
    const config = yield* commandConfig(io, options)
    return yield* withConfiguredFactory(config, effect)
  })

export const withConfiguredFactory = <A, E>(
  config: FactoryConfigData,
  effect: Effect.Effect<A, E, FactoryServices>,
): Effect.Effect<A, E | CommandFailed> =>
  Effect.scoped(
    Effect.gen(function* () {
      const layer = storageLayer(config).pipe(
        Layer.provideMerge(Layer.mergeAll(EventBus.layer(), Layer.succeed(FactoryConfig, config))),
      )
      const services = yield* Layer.build(layer).pipe(
        Effect.mapError((error) => new CommandFailed({ message: `cannot open the factory at ${config.home}: ${error.message}`, exitCode: 1 })),
      )
      return yield* Effect.provideContext(effect, services)
    }),
  )
