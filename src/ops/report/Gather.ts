import { Context, Effect, Exit, Layer, Result } from "effect"
import { Backups } from "../../backup/Backups.ts"
import { backupsLayer } from "../../backup/Location.ts"
import { FactoryConfig } from "../../config/FactoryConfig.ts"
import { Ledger, utcDate } from "../../finance/Ledger.ts"
import { buildCurrencyReport, reportCurrencyOf } from "../../finance/CurrencyReport.ts"
import { SqliteLedger } from "../../finance/SqliteLedger.ts"
import { Database, type SqliteError } from "../../sqlite/Database.ts"
import { alertSettingsOf } from "../alerts/AlertsConfig.ts"
import { makeEventJournal } from "../journal/EventJournal.ts"
import type { ReportInput } from "./MonitoringReport.ts"
import { jobIdOf } from "../../domain/Job.ts"
import { JobQueue } from "../../queue/JobQueue.ts"
import { StoryStore } from "../../story/StoryStore.ts"

const HOUR = 3_600_000
const message = (e: unknown) => (typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e))

/**
 * Everything the monitoring report renders, read from the factory's data directory: the
 * journal's events in the window, the backups (from the configured backup store) and the
 * ledger's days. Backups and the ledger are best effort (their failure is a line in the
 * report); the journal is the report's substance, so failing to read it fails.
 */
export const gatherReportInput = (options: {
  readonly until: number
  readonly hours: number
  readonly env: Readonly<Record<string, string | undefined>>
}): Effect.Effect<ReportInput, SqliteError, FactoryConfig | Database | StoryStore | JobQueue> =>
  Effect.gen(function* () {
    const config = yield* FactoryConfig
    const db = yield* Database
    const from = options.until - options.hours * HOUR
    const journal = yield* makeEventJournal(db)
    const read = yield* journal.read({ from, to: options.until })

    const backups = yield* Effect.scoped(
      Effect.gen(function* () {
        const context = yield* Layer.build(backupsLayer(options.env))
        const service = Context.get(context, Backups)
        const all = yield* service.list
        return {
          location: service.location,
          all: all.map((m) => ({ id: m.id, createdAt: m.createdAt, durationMs: m.durationMs, bytes: m.objects.reduce((n, o) => n + o.size, 0) })),
        }
      }),
    ).pipe(Effect.exit, Effect.map((exit) => (Exit.isSuccess(exit) ? exit.value : { error: message(Exit.isFailure(exit) ? exit.cause : exit) })))

    const finance = yield* Effect.gen(function* () {
      const ledger = yield* Ledger
      const range = { from: utcDate(from), to: utcDate(options.until - 1) }
      const costs = yield* ledger.dailyCosts(range)
      const sales = yield* ledger.dailySales(range)
      const finance = config.finance
      return buildCurrencyReport(costs, sales, finance, reportCurrencyOf(finance, sales.map((s) => s.currency)), range)
    }).pipe(
      Effect.provide(SqliteLedger.layer),
      Effect.catchCause((cause) => Effect.succeed({ _tag: "Unavailable" as const, error: message(cause) })),
    )

    // The durable record of what finished: the store's commits and the queue's dead jobs.
    const durable = yield* Effect.gen(function* () {
      const store = yield* StoryStore
      const queue = yield* JobQueue
      const commits: Array<{ at: number; job: string }> = []
      for (const p of yield* store.listProjects) {
        for (const e of yield* store.listEpisodes(p.project.slug)) {
          if (e.committedAt >= from && e.committedAt < options.until) commits.push({ at: e.committedAt, job: jobIdOf(p.project.slug, e.number) })
        }
      }
      const deaths = (yield* queue.list({ states: ["dead"], limit: 1_000_000 }))
        .filter((j) => j.updatedAt >= from && j.updatedAt < options.until)
        .map((j) => ({ at: j.updatedAt, job: j.id }))
      return { commits, deaths }
    }).pipe(Effect.catchCause((cause) => Effect.as(Effect.logWarning("report: the store or the queue could not be read; counts come from the journal", cause), undefined)))

    const alerts = alertSettingsOf(config)
    return {
      until: options.until,
      hours: options.hours,
      events: read.events,
      skipped: read.skipped,
      successWindowsHours: Result.isSuccess(alerts) ? alerts.success.successWindowsHours : undefined,
      backups,
      finance,
      durable,
    }
  })
