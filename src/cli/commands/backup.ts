import { Effect } from "effect"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { Database } from "../../sqlite/Database.ts"
import { type BackupsShape, makeBackups } from "../../backup/Backups.ts"
import { backupSettingsOf, openBackupStore } from "../../backup/Location.ts"
import { scratchRootOf } from "../../backup/Scratch.ts"
import type { BackupSettings } from "../../backup/BackupConfig.ts"
import { booleanFlag, type Command, CommandFailed, type CommandIo, stringFlag } from "../Command.ts"
import { withFactory } from "../FactoryContext.ts"
import { configOption, factoryOptions } from "./shared.ts"
import type { ExportCommandDeps } from "./export.ts"
import { type ConfigDeps, configFor, defaultConfigDeps, formatCounts, makeRestoreCommand, settingsFor } from "./restore.ts"

export interface BackupCommandDeps extends ConfigDeps, ExportCommandDeps {}

const failed = (e: { readonly message: string }) => new CommandFailed({ message: e.message, exitCode: 1 })

const human = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`

/** Runs `body` with the configured backup store (no database needed). */
const withBackups = <A>(
  deps: BackupCommandDeps,
  io: CommandIo,
  configFile: string | undefined,
  body: (backups: BackupsShape, settings: BackupSettings) => Effect.Effect<A, CommandFailed>,
) =>
  Effect.gen(function* () {
    const config = yield* configFor(deps, io, configFile)
    const settings = yield* settingsFor(config)
    const store = yield* openBackupStore(settings.store, io.env).pipe(Effect.mapError(failed))
    return yield* body(makeBackups({ store, tempDir: scratchRootOf(config.home) }), settings)
  }).pipe(Effect.scoped)

export const makeBackupCommand = (deps: BackupCommandDeps): Command => {
  const now: Command = {
    name: "now",
    summary: "Take a backup now (and verify it)",
    usage: "now [--no-verify] [--prune]",
    options: {
      "no-verify": { type: "boolean", description: "skip downloading and checking the new backup" },
      prune: { type: "boolean", description: "then delete the backups the retention policy does not keep, and what interrupted backups left" },
      ...configOption,
    },
    positionals: { min: 0, max: 0, names: [] },
    run: (args, io) =>
      deps
        .withFactory(
          io,
          Effect.gen(function* () {
            const config = yield* FactoryConfig
            const database = yield* Database
            const settings = yield* settingsFor(config)
            const store = yield* openBackupStore(settings.store, io.env).pipe(Effect.mapError(failed))
            const backups = makeBackups({ store, databasePath: database.path })
            const manifest = yield* backups.create.pipe(Effect.mapError(failed))
            const object = manifest.objects[0]!
            io.out(`backup ${manifest.id} → ${backups.location}`)
            io.out(`  ${formatCounts(manifest.counts)}; database ${human(object.contentSize)}, stored ${human(object.size)} (gzip); ${manifest.durationMs} ms`)
            const verify = !booleanFlag(args, "no-verify") && settings.verify
            if (verify) {
              const report = yield* backups.verify(manifest.id).pipe(Effect.mapError(failed))
              if (!report.ok) return yield* new CommandFailed({ message: `backup ${manifest.id} failed verification:\n  ${report.problems.join("\n  ")}`, exitCode: 1 })
              io.out(`  verified: SHA-256 and counts match`)
            }
            if (booleanFlag(args, "prune")) {
              const pruned = yield* backups.prune(settings.retention, settings.timeZone).pipe(Effect.mapError(failed))
              io.out(`  pruned ${pruned.removed.length} backup(s); ${pruned.decision.keep.length} kept`)
              // The scheduler's housekeeping too, for operators who back up from cron instead.
              const incomplete = yield* backups.cleanupIncomplete(settings.incompleteGraceMs).pipe(Effect.mapError(failed))
              const swept = yield* backups.sweepInterrupted(settings.incompleteGraceMs).pipe(Effect.mapError(failed))
              io.out(`  removed ${incomplete.length} incomplete backup(s) and ${swept.length} interrupted upload(s) older than ${Math.round(settings.incompleteGraceMs / 60_000)} min`)
            }
            return 0
          }).pipe(Effect.scoped),
          factoryOptions(args),
        ),
  }

  const list: Command = {
    name: "list",
    summary: "List the complete backups, oldest first",
    usage: "list",
    options: { ...configOption },
    positionals: { min: 0, max: 0, names: [] },
    run: (args, io) =>
      withBackups(deps, io, stringFlag(args, "config"), (backups) =>
        Effect.gen(function* () {
          const all = yield* backups.list.pipe(Effect.mapError(failed))
          const incomplete = yield* backups.listIncomplete.pipe(Effect.mapError(failed))
          io.out(`${all.length} backup(s) in ${backups.location}`)
          for (const m of all) {
            const size = m.objects.reduce((n, o) => n + o.size, 0)
            io.out(`${m.id}  ${m.createdAtIso}  ${human(size).padStart(10)}  ${formatCounts(m.counts)}`)
          }
          if (incomplete.length > 0) {
            io.out(`${incomplete.length} incomplete (not restorable; removed after the grace period): ${incomplete.map((i) => i.id).join(", ")}`)
          }
          return 0
        })),
  }

  const verify: Command = {
    name: "verify",
    summary: "Download a backup (default: the latest) and check it",
    usage: "verify [id]",
    details: "Checks every object's size and SHA-256, opens the database copy read-only and compares its counts with the manifest. Exit 1 when a check fails.",
    options: { ...configOption },
    positionals: { min: 0, max: 1, names: ["id"] },
    run: (args, io) =>
      withBackups(deps, io, stringFlag(args, "config"), (backups) =>
        Effect.gen(function* () {
          let id = args.positionals[0]
          if (id === undefined) {
            const latest = yield* backups.latest.pipe(Effect.mapError(failed))
            if (!latest) return yield* new CommandFailed({ message: `no backups in ${backups.location}`, exitCode: 1 })
            id = latest.id
          }
          const report = yield* backups.verify(id).pipe(
            Effect.mapError((e) => new CommandFailed({ message: e.message, exitCode: e._tag === "BackupNotFound" ? 2 : 1 })),
          )
          if (!report.ok) {
            io.err(`backup ${id} is damaged:`)
            for (const p of report.problems) io.err(`  ${p}`)
            return 1
          }
          io.out(`backup ${id} ok: ${human(report.bytes)} checked${report.counts ? `, ${formatCounts(report.counts)}` : ""}`)
          return 0
        })),
  }

  return {
    name: "backup",
    summary: "Back up the factory database; list, verify and restore backups",
    usage: "backup <now|list|verify|restore> …",
    details: "The store, schedule and retention come from the `backup` section of factory.yaml (default: <home>/backups).",
    options: {},
    positionals: { min: 0, max: 0, names: [] },
    subcommands: [now, list, verify, makeRestoreCommand(deps)],
    run: () => Effect.fail(new CommandFailed({ message: "expected a subcommand: now, list, verify or restore", exitCode: 2 })),
  }
}

export const backupCommand: Command = makeBackupCommand({ ...defaultConfigDeps, withFactory })
