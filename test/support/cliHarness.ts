/**
 * Runs CLI commands in-process against a real data directory: `withFactory` provides the
 * config, the SQLite database and the SQLite story store (the parts export and backup use),
 * `loadConfig` returns the config with an optional `backup` section.
 */
import { Effect, Layer } from "effect"
import { runCli } from "../../src/cli/Cli.ts"
import type { Command, CommandIo } from "../../src/cli/Command.ts"
import type { FactoryServices } from "../../src/cli/FactoryContext.ts"
import { defaultConfig, FactoryConfig, type FactoryConfigData } from "../../src/config/FactoryConfig.ts"
import { storeLayer } from "./factoryFixture.ts"

export const configWith = (home: string, backup?: unknown): FactoryConfigData =>
  ({ ...defaultConfig(home), ...(backup === undefined ? {} : { backup }) }) as FactoryConfigData

export const fakeWithFactory = (config: () => FactoryConfigData) =>
  <A, E>(_io: CommandIo, effect: Effect.Effect<A, E, FactoryServices>) =>
    Effect.provide(
      effect as Effect.Effect<A, E, never>,
      Layer.merge(Layer.succeed(FactoryConfig, config()), storeLayer(config().home)) as unknown as Layer.Layer<never>,
    ) as unknown as Effect.Effect<A, E>

export const fakeLoadConfig = (config: () => FactoryConfigData) => () => Effect.succeed(config())

export interface CliRun {
  readonly code: number
  readonly out: string
  readonly err: string
}

export const runCommand = async (commands: ReadonlyArray<Command>, argv: ReadonlyArray<string>, env: Record<string, string | undefined>, cwd: string): Promise<CliRun> => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await runCli(commands, "test", argv, { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd })
  return { code, out: out.join("\n"), err: err.join("\n") }
}
