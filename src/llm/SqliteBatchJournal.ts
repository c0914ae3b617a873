import { Effect, Schema } from "effect"
import { type Database, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { JournaledCompletion } from "./CallJournal.ts"

/**
 * The batch lane's journal (component "llm_batches" on the shared SQLite database): every batch
 * submitted, what each of its lines is for, and — once the provider finished it — the outcomes.
 * A batch without outcomes is re-attached at start-up.
 */
export const batchJournalMigrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "llm_batches: submitted batches, their lines and outcomes",
    up: `
      CREATE TABLE llm_batches (
        batch_id     TEXT PRIMARY KEY,
        submitted_at INTEGER NOT NULL,
        lines        TEXT NOT NULL,
        outcomes     TEXT,
        booked       INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
]

/** What one line of a batch is for: booked under it when the answer arrives. */
export const BatchLine = Schema.Struct({
  customId: Schema.String,
  stage: Schema.Literals(["writer", "critic", "analyst", "planner", "summary"]),
  project: Schema.NullOr(Schema.String),
  episode: Schema.NullOr(Schema.Int),
})
export type BatchLine = typeof BatchLine.Type

export const BatchOutcome = Schema.Union([
  Schema.TaggedStruct("Answered", { completion: JournaledCompletion }),
  Schema.TaggedStruct("Failed", { message: Schema.String }),
])
export type BatchOutcome = typeof BatchOutcome.Type

const Lines = Schema.fromJsonString(Schema.Array(BatchLine))
const Outcomes = Schema.fromJsonString(Schema.Record(Schema.String, BatchOutcome))

export interface StoredBatch {
  readonly batchId: string
  readonly lines: ReadonlyArray<BatchLine>
  readonly outcomes: Readonly<Record<string, BatchOutcome>> | null
  readonly booked: boolean
}

export const makeBatchJournal = (db: typeof Database.Service) =>
  Effect.gen(function* () {
    yield* db.migrate("llm_batches", batchJournalMigrations)
    const decodeRow = (r: { batch_id: string; lines: string; outcomes: string | null; booked: number }): StoredBatch => ({
      batchId: r.batch_id,
      lines: Schema.decodeUnknownSync(Lines)(r.lines),
      outcomes: r.outcomes === null ? null : Schema.decodeUnknownSync(Outcomes)(r.outcomes),
      booked: r.booked === 1,
    })
    return {
      submitted: (batchId: string, lines: ReadonlyArray<BatchLine>, at: number): Effect.Effect<void, SqliteError> =>
        db.use((c) => void c.run("INSERT INTO llm_batches (batch_id, submitted_at, lines) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", batchId, at, JSON.stringify(lines))),
      finished: (batchId: string, outcomes: Readonly<Record<string, BatchOutcome>>): Effect.Effect<void, SqliteError> =>
        db.use((c) => void c.run("UPDATE llm_batches SET outcomes = ? WHERE batch_id = ? AND outcomes IS NULL", JSON.stringify(outcomes), batchId)),
      markBooked: (batchId: string): Effect.Effect<void, SqliteError> =>
        db.use((c) => void c.run("UPDATE llm_batches SET booked = 1 WHERE batch_id = ?", batchId)),
      get: (batchId: string): Effect.Effect<StoredBatch | undefined, SqliteError> =>
        db.use((c) => {
          const row = c.get<{ batch_id: string; lines: string; outcomes: string | null; booked: number }>(
            "SELECT batch_id, lines, outcomes, booked FROM llm_batches WHERE batch_id = ?",
            batchId,
          )
          return row === undefined ? undefined : decodeRow(row)
        }),
      /** Batches still waiting on the provider, or answered but not yet booked. */
      unfinished: db.use((c) =>
        c.all<{ batch_id: string; lines: string; outcomes: string | null; booked: number }>(
          "SELECT batch_id, lines, outcomes, booked FROM llm_batches WHERE outcomes IS NULL OR booked = 0 ORDER BY submitted_at",
        ).map(decodeRow)
      ),
    }
  })

export type BatchJournal = Effect.Success<ReturnType<typeof makeBatchJournal>>
