import { Clock, Context, Duration, Effect, Layer, PubSub, Schedule, Schema } from "effect"
import { EventBus } from "../../events/EventBus.ts"
import { FactoryEvent } from "../../events/FactoryEvent.ts"
import { Database, type DatabaseShape, type Migration, type SqliteError } from "../../sqlite/Database.ts"

/**
 * The event journal: every FactoryEvent, persisted, so that a monitoring report can be
 * rendered for any past window, after restarts, from another process (`report` reads it while
 * `serve` writes it).
 *
 * Where: a table of the factory's SQLite database (`<home>/factory.db`), not a JSONL file.
 * The database is always there (even in distributed mode it holds the ledger and the leases),
 * WAL lets `report` read while the daemon writes, a time range is an index seek instead of a
 * scan of every line, retention is one DELETE instead of rewriting a file, a crash mid-write
 * cannot leave a torn line, and backups (which snapshot factory.db) carry the journal along.
 * Events are written in batches (one transaction per batch of up to 500), so the journal costs
 * the shared connection little even when the pipeline is busy.
 */

export const JOURNAL_COMPONENT = "journal"

export const JOURNAL_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "event journal",
    up: [
      "CREATE TABLE IF NOT EXISTS event_journal (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, tag TEXT NOT NULL, event TEXT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS event_journal_at ON event_journal (at)",
    ].join(";\n"),
  },
  {
    version: 2,
    description: "one row per commit: JobCommitted is keyed, so a relay that publishes it again changes nothing",
    up: [
      "ALTER TABLE event_journal ADD COLUMN once TEXT",
      "CREATE UNIQUE INDEX IF NOT EXISTS event_journal_once ON event_journal (once) WHERE once IS NOT NULL",
    ].join(";\n"),
  },
]

/**
 * The key of an event the journal holds at most once. A commit's `JobCommitted` may be published
 * more than once (the outbox relays at least once, and several processes on one store may relay the
 * same commit): its job and commit time name the commit (a job id alone would be reused by a project
 * created again under the same slug).
 */
export const onceKey = (event: FactoryEvent): string | null =>
  event._tag === "JobCommitted" ? `JobCommitted:${event.job}@${event.at}` : null

export interface JournalRange {
  /** Inclusive, epoch ms. */
  readonly from: number
  /** Exclusive, epoch ms. */
  readonly to: number
  readonly tags?: ReadonlyArray<FactoryEvent["_tag"]>
  /** At most this many (the oldest first). Default 1,000,000. */
  readonly limit?: number
}

export interface JournalRead {
  /** Oldest first. */
  readonly events: ReadonlyArray<FactoryEvent>
  /** Rows that no longer decode (written by a newer or older version): left out, counted. */
  readonly skipped: number
}

export interface EventJournalShape {
  readonly append: (events: ReadonlyArray<FactoryEvent>) => Effect.Effect<void, SqliteError>
  readonly read: (range: JournalRange) => Effect.Effect<JournalRead, SqliteError>
  /** Deletes events older than `before` (epoch ms); returns how many. */
  readonly prune: (before: number) => Effect.Effect<number, SqliteError>
  /** `at` of the newest event journaled, or -Infinity when empty. */
  readonly lastAt: Effect.Effect<number, SqliteError>
  readonly count: Effect.Effect<number, SqliteError>
}

export class EventJournal extends Context.Service<EventJournal, EventJournalShape>()("novel-factory/ops/EventJournal") {
  /** On the factory's database; creates the table when missing. */
  static readonly layer: Layer.Layer<EventJournal, SqliteError, Database> = Layer.effect(
    EventJournal,
    Effect.gen(function* () {
      return yield* makeEventJournal(yield* Database)
    }),
  )
}

const decodeEvent = Schema.decodeUnknownSync(FactoryEvent)
const INSERT_EVENT = "INSERT OR IGNORE INTO event_journal (at, tag, event, once) VALUES (?, ?, ?, ?)"

export const makeEventJournal = (db: DatabaseShape): Effect.Effect<EventJournalShape, SqliteError> =>
  Effect.gen(function* () {
    yield* db.migrate(JOURNAL_COMPONENT, JOURNAL_MIGRATIONS)
    const append = (events: ReadonlyArray<FactoryEvent>) =>
      events.length === 0
        ? Effect.void
        : db.transaction((c) => {
          for (const e of events) c.run(INSERT_EVENT, e.at, e._tag, JSON.stringify(e), onceKey(e))
        })
    const read = (range: JournalRange) =>
      db.snapshot((c) => {
        const limit = range.limit ?? 1_000_000
        const tags = range.tags
        const rows = tags && tags.length > 0
          ? c.all<{ event: string }>(
            `SELECT event FROM event_journal WHERE at >= ? AND at < ? AND tag IN (${tags.map(() => "?").join(", ")}) ORDER BY at, id LIMIT ?`,
            range.from,
            range.to,
            ...tags,
            limit,
          )
          : c.all<{ event: string }>("SELECT event FROM event_journal WHERE at >= ? AND at < ? ORDER BY at, id LIMIT ?", range.from, range.to, limit)
        const events: Array<FactoryEvent> = []
        let skipped = 0
        for (const row of rows) {
          try {
            events.push(decodeEvent(JSON.parse(row.event)))
          } catch {
            skipped++
          }
        }
        return { events, skipped }
      })
    return {
      append,
      read,
      prune: (before) => db.transaction((c) => c.run("DELETE FROM event_journal WHERE at < ?", before).changes),
      lastAt: db.use((c) => c.get<{ at: number | null }>("SELECT MAX(at) AS at FROM event_journal")?.at ?? Number.NEGATIVE_INFINITY),
      count: db.use((c) => Number(c.get<{ n: number }>("SELECT COUNT(*) AS n FROM event_journal")?.n ?? 0)),
    }
  })

/** The journal's `append` on the factory's database, for a writer other than the journal actor (the commit relay). */
export const journalAppender: Effect.Effect<EventJournalShape["append"], SqliteError, Database> = Effect.gen(function* () {
  return (yield* makeEventJournal(yield* Database)).append
})

export interface JournalActorOptions {
  /** Events older than this many days are deleted (default 30). */
  readonly retentionDays?: number
  /** How often retention runs (default hourly). */
  readonly pruneEvery?: Duration.Input
  /** Events per transaction at most (default 500). */
  readonly batch?: number
}

export const DEFAULT_RETENTION_DAYS = 30
const DAY_MS = 86_400_000

/**
 * The journal actor: behaviour only (the supervision tree runs it as a permanent child).
 * Subscribes to the bus, then first writes the bus's in-memory `recent` events newer than the
 * journal's last (what was published while it was down, as far as the ring still holds), then
 * every event as it comes, in batches. Retention runs at start and every `pruneEvery`.
 * A write that still fails after a few quick retries fails the actor: its supervisor restarts it.
 */
export const journalActor = (options: JournalActorOptions = {}): Effect.Effect<never, SqliteError, EventBus | Database> =>
  Effect.gen(function* () {
    const bus = yield* EventBus
    const journal = yield* makeEventJournal(yield* Database)
    const retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS
    const batch = options.batch ?? 500
    const retry = Schedule.max([Schedule.exponential("50 millis"), Schedule.recurs(4)])
    const subscription = yield* bus.subscribe
    const last = yield* journal.lastAt
    const backlog = (yield* bus.recent()).filter((e) => e.at > last)
    // The subscription may deliver some of these same objects again: skip them by identity.
    const seen = new WeakSet<FactoryEvent>(backlog)
    yield* journal.append(backlog).pipe(Effect.retry(retry))
    const prune = Effect.flatMap(Clock.currentTimeMillis, (now) => journal.prune(now - retentionMs))
    yield* prune.pipe(
      Effect.retry(retry),
      Effect.repeat(Schedule.spaced(options.pruneEvery ?? "1 hour")),
      Effect.catchCause((cause) => Effect.logWarning("journal retention failed; it runs again at the next start", cause)),
      Effect.forkScoped,
    )
    return yield* Effect.forever(
      Effect.gen(function* () {
        const events = yield* PubSub.takeBetween(subscription, 1, batch)
        const fresh = backlog.length === 0 ? events : events.filter((e) => !seen.has(e))
        yield* journal.append(fresh).pipe(Effect.retry(retry))
      }),
    )
  }).pipe(Effect.scoped)
