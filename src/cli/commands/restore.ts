import { Effect, Result } from "effect"
import { type ConfigError, loadConfig } from "../../config/LoadConfig.ts"
import type { FactoryConfigData } from "../../config/FactoryConfig.ts"
import { makeBackups } from "../../backup/Backups.ts"
import { backupSettingsOf, openBackupStore, parseRestoreSource } from "../../backup/Location.ts"
import { booleanFlag, type Command, CommandFailed, type CommandIo, stringFlag, UsageError } from "../Command.ts"

export interface ConfigDeps {
  /** Loads the config without opening the database (restore must not create one in the target). */
  readonly loadConfig: (options: {
    readonly env: Readonly<Record<string, string | undefined>>
    readonly cwd: string
    readonly configFile?: string | undefined
  }) => Effect.Effect<FactoryConfigData, ConfigError>
}

export const defaultConfigDeps: ConfigDeps = { loadConfig }

export const configFor = (deps: ConfigDeps, io: CommandIo, configFile: string | undefined) =>
  deps.loadConfig({ env: io.env, cwd: io.cwd, configFile }).pipe(Effect.mapError((e) => new CommandFailed({ message: e.message, exitCode: 2 })))

export const settingsFor = (config: FactoryConfigData) => {
  const settings = backupSettingsOf(config)
  return Result.isFailure(settings) ? Effect.fail(new CommandFailed({ message: settings.failure, exitCode: 2 })) : Effect.succeed(settings.success)
}

export const formatCounts = (c: { projects: number; episodes: number; ledgerRows: number | null }) =>
  `${c.projects} project${c.projects === 1 ? "" : "s"}, ${c.episodes} episode${c.episodes === 1 ? "" : "s"}${c.ledgerRows === null ? "" : `, ${c.ledgerRows} ledger rows`}`

export const makeRestoreCommand = (deps: ConfigDeps): Command => ({
  name: "restore",
  summary: "Restore the factory database from a backup",
  usage: "restore <id | s3://bucket/prefix/id | dir> [--to <dir>] [--force]",
  details: [
    "<id> is a backup in the configured backup store ('novel-factory backup list'); s3://bucket/prefix/<id>",
    "names one in any bucket (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); a path names a",
    "snapshot directory. The backup is downloaded and verified (SHA-256, counts) before it is put in place.",
    "The target (default: the data directory) must be empty unless --force, which replaces only factory.db",
    "(and its -wal/-shm). Stop the factory before restoring into its data directory.",
  ].join("\n"),
  options: {
    to: { type: "string", description: "data directory to restore into (default: the configured home)", placeholder: "dir" },
    force: { type: "boolean", description: "restore into a non-empty directory, replacing its database" },
    config: { type: "string", description: "config file (default: factory.yaml in FACTORY_HOME)", placeholder: "file" },
  },
  positionals: { min: 1, max: 1, names: ["backup"] },
  run: (args, io) =>
    Effect.gen(function* () {
      const config = yield* configFor(deps, io, stringFlag(args, "config"))
      const settings = yield* settingsFor(config)
      const source = parseRestoreSource(args.positionals[0]!, settings, io.env, io.cwd)
      if (typeof source === "string") return yield* new UsageError({ message: source })
      const target = stringFlag(args, "to") ?? config.home
      const started = performance.now()
      const result = yield* Effect.gen(function* () {
        const store = yield* openBackupStore(source.store, io.env)
        return yield* makeBackups({ store }).restore(source.id, target, { force: booleanFlag(args, "force") })
      }).pipe(
        Effect.scoped,
        Effect.mapError((e) =>
          e._tag === "RestoreRefused" || e._tag === "BackupNotFound"
            ? new CommandFailed({ message: e.message, exitCode: 2 })
            : new CommandFailed({ message: e.message, exitCode: 1 })
        ),
      )
      io.out(`restored backup ${result.id} to ${result.databasePath} (${formatCounts(result.counts)}; ${result.bytes} bytes downloaded, ${Math.round(performance.now() - started)} ms)`)
      return 0
    }),
})

export const restoreCommand: Command = makeRestoreCommand(defaultConfigDeps)
