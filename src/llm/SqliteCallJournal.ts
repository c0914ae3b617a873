import { Effect, Layer, Option, Schema } from "effect"
import { Database, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { CallJournal, CallJournalError, type CallJournalShape, JournaledCompletion } from "./CallJournal.ts"

/** The call journal on the factory's shared SQLite database (component "llm_journal"; no other adapter touches its table). */
export const callJournalMigrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "llm_journal: LLM completions by (project, episode, stage, request hash, occurrence)",
    up: `
      CREATE TABLE llm_journal (
        project      TEXT NOT NULL,
        episode      INTEGER NOT NULL,
        stage        TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        occurrence   INTEGER NOT NULL,
        at           INTEGER NOT NULL,
        completion   TEXT NOT NULL,
        PRIMARY KEY (project, episode, stage, request_hash, occurrence)
      ) WITHOUT ROWID;
      CREATE INDEX llm_journal_at ON llm_journal (at);
    `,
  },
]

const wrap = (what: string) => (error: SqliteError) => new CallJournalError({ message: `call journal ${what}: ${error.message}`, cause: error })

const decodeCompletion = Schema.decodeUnknownSync(Schema.fromJsonString(JournaledCompletion))

export const makeSqliteCallJournal: Effect.Effect<CallJournalShape, CallJournalError, Database> = Effect.gen(function* () {
  const db = yield* Database
  yield* db.migrate("llm_journal", callJournalMigrations).pipe(Effect.mapError(wrap("migration")))
  return CallJournal.of({
    lookup: (key) =>
      db.use((c) =>
        c.get<{ completion: string }>(
          "SELECT completion FROM llm_journal WHERE project = ? AND episode = ? AND stage = ? AND request_hash = ? AND occurrence = ?",
          key.project,
          key.episode,
          key.stage,
          key.requestHash,
          key.occurrence,
        )
      ).pipe(
        Effect.mapError(wrap("lookup")),
        Effect.flatMap((row) =>
          row === undefined ? Effect.succeed(Option.none()) : Effect.try({
            try: () => Option.some(decodeCompletion(row.completion)),
            catch: (cause) => new CallJournalError({ message: `call journal: a stored ${key.stage} completion of ${key.project} #${key.episode} is unreadable: ${String(cause)}`, cause }),
          })
        ),
      ),
    record: (key, completion, at) =>
      db.use((c) => {
        const stored = JSON.stringify({
          text: completion.text,
          finishReason: completion.finishReason,
          usage: completion.usage,
          model: completion.model,
          provider: completion.provider,
        })
        c.run(
          `INSERT INTO llm_journal (project, episode, stage, request_hash, occurrence, at, completion) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING`,
          key.project,
          key.episode,
          key.stage,
          key.requestHash,
          key.occurrence,
          at,
          stored,
        )
      }).pipe(Effect.mapError(wrap("record"))),
    episodesBefore: (beforeMs) =>
      db.use((c) => c.all<{ project: string; episode: number }>("SELECT DISTINCT project, episode FROM llm_journal WHERE at < ?", beforeMs))
        .pipe(Effect.mapError(wrap("scan"))),
    forget: (project, episode) =>
      db.use((c) => c.run("DELETE FROM llm_journal WHERE project = ? AND episode = ?", project, episode).changes)
        .pipe(Effect.mapError(wrap("prune"))),
  })
})

export const SqliteCallJournal = {
  layer: Layer.effect(CallJournal, makeSqliteCallJournal) as Layer.Layer<CallJournal, CallJournalError, Database>,
}
