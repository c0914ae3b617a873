import { Effect, Layer, Option, Result } from "effect"
import type { GuardFinding } from "../domain/Episode.ts"
import { isFinal, type Job, type JobState, jobIdOf, type Lease } from "../domain/Job.ts"
import { type Connection, Database, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { makeGroupCommit } from "./GroupCommit.ts"
import {
  type Enqueued,
  EpisodeGap,
  JobQueue,
  type JobQueueShape,
  LeaseLost,
  type ListJobs,
  QueueUnavailable,
  type QueueStats,
} from "./JobQueue.ts"

/*
 * Schema notes
 *
 * One row per (project, episode). Two invariants keep claiming cheap:
 *
 * - No holes (enqueue refuses gaps) and only a project's lowest non-final job is ever
 *   claimable, so a project's final jobs always form a prefix 1..k and its non-final jobs the
 *   suffix k+1..max. The project's *head* (its lowest non-final job) is therefore episode
 *   k+1, and after finishing episode n the next head is simply episode n+1 (the
 *   `queue_jobs_promote` trigger moves the mark).
 * - `head = 1` marks that job, and the partial index `queue_jobs_ready (available_at, ticket)
 *   WHERE head = 1` holds only heads (at most one per project). A claim walks it oldest
 *   `available_at` first (fair across projects: a head joins the line when it is enqueued,
 *   promoted or retried, and is served in that order — round-robin when all are busy) and
 *   takes the first head whose lease is absent or expired; it skips at most the heads leased
 *   right now (one per busy worker). A claim or heartbeat rewrites only `expires_at` & co.,
 *   which no index covers: one page per commit. Completing moves the head mark: two pages.
 *
 * `token` is the fencing token: every claim increments it, and every lease operation
 * checks it, so a worker whose lease expired and was re-claimed gets `LeaseLost`.
 */
const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "queue_jobs",
    up: `
      CREATE TABLE queue_jobs (
        seq          INTEGER PRIMARY KEY,
        id           TEXT    NOT NULL UNIQUE,
        project      TEXT    NOT NULL,
        episode      INTEGER NOT NULL CHECK (episode >= 1),
        state        TEXT    NOT NULL CHECK (state IN ('queued','writing','guarding','editing','committed','dead')),
        deliveries   INTEGER NOT NULL DEFAULT 0,
        token        INTEGER NOT NULL DEFAULT 0,
        worker       TEXT,
        expires_at   INTEGER,
        available_at INTEGER NOT NULL,
        head         INTEGER NOT NULL DEFAULT 0,
        ticket       INTEGER NOT NULL DEFAULT 0,
        reason       TEXT,
        findings     TEXT    NOT NULL DEFAULT '[]',
        enqueued_at  INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        UNIQUE (project, episode)
      );
      CREATE INDEX queue_jobs_ready ON queue_jobs (available_at, ticket) WHERE head = 1;
      -- A head that becomes final hands the role to the project's next episode (if enqueued),
      -- which joins the back of the line: available from now, with the finishing statement's ticket.
      CREATE TRIGGER queue_jobs_promote AFTER UPDATE OF head ON queue_jobs
      WHEN OLD.head = 1 AND NEW.head = 0
      BEGIN
        UPDATE queue_jobs SET head = 1, available_at = MAX(available_at, NEW.updated_at), ticket = NEW.ticket
        WHERE project = NEW.project AND episode = NEW.episode + 1;
      END;
    `,
  },
]

interface JobRow {
  readonly seq: number
  readonly id: string
  readonly project: string
  readonly episode: number
  readonly state: JobState
  readonly deliveries: number
  readonly token: number
  readonly worker: string | null
  readonly expires_at: number | null
  readonly available_at: number
  readonly head: number
  readonly ticket: number
  readonly reason: string | null
  readonly findings: string
  readonly enqueued_at: number
  readonly updated_at: number
}

const NO_FINDINGS = "[]"
const EMPTY: ReadonlyArray<GuardFinding> = []

const findingsOf = (json: string): ReadonlyArray<GuardFinding> =>
  json === NO_FINDINGS ? EMPTY : (JSON.parse(json) as ReadonlyArray<GuardFinding>)

const toJob = (row: JobRow): Job => ({
  id: row.id,
  project: row.project,
  episode: row.episode,
  state: row.state,
  deliveries: row.deliveries,
  reason: row.reason,
  findings: findingsOf(row.findings),
  enqueuedAt: row.enqueued_at,
  updatedAt: row.updated_at,
})

const toLease = (row: JobRow): Lease => ({
  job: toJob(row),
  worker: row.worker ?? "",
  token: row.token,
  expiresAt: row.expires_at ?? 0,
})

/*
 * A lease is held while the job's token is the lease's and the job is in a leased state
 * (writing / guarding / editing). Expiry alone does not end it: until another worker claims
 * the job (moving the token on), the holder may still heartbeat, complete, etc. A retry
 * (state back to `queued`) or a final state ends it.
 *
 * Every write runs through the group-commit writer (`GroupCommit.ts`): the writes of one
 * tick share a transaction, so each body below is synchronous and checks the lease (the
 * token in its WHERE, or a SELECT) before it writes anything.
 *
 * The hot statements (claim, complete, setStage) are plain UPDATEs run for their change
 * count, without RETURNING: measured here, `RETURNING *` costs more than the UPDATE itself
 * (a returning statement buffers its rows, and node:sqlite builds a 16-key object per row).
 * Their results are built from what the body already knows instead. That is exact because
 * a held lease freezes the job's row apart from `state`, `updated_at` and the lease columns:
 * `deliveries` and `token` move only in a claim, `reason` and `findings` only when a lease
 * ends (retry, dead-letter), and id, project, episode and `enqueued_at` never. So the job a
 * claim returned is, while its lease holds, the stored job but for those columns.
 */
const HELD = "id = ? AND token = ? AND state IN ('writing', 'guarding', 'editing')"
const SELECT_BY_ID = "SELECT * FROM queue_jobs WHERE id = ?"
const SELECT_BY_EPISODE = "SELECT * FROM queue_jobs WHERE project = ? AND episode = ?"
const SELECT_LAST = "SELECT episode, state FROM queue_jobs WHERE project = ? ORDER BY episode DESC LIMIT 1"
const INSERT = `INSERT INTO queue_jobs (id, project, episode, state, available_at, head, ticket, enqueued_at, updated_at)
  VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)`
const READY = "head = 1 AND available_at <= ?1 AND (expires_at IS NULL OR expires_at <= ?1)"
/** The oldest ready head: only the columns a lease needs (fewer columns, cheaper rows). */
const SELECT_READY = `SELECT seq, id, project, episode, state, deliveries, token, reason, findings, enqueued_at
  FROM queue_jobs WHERE ${READY} ORDER BY available_at, ticket LIMIT 1`
const CLAIM_SEQ = `UPDATE queue_jobs SET state = 'writing', deliveries = deliveries + 1, token = token + 1,
  worker = ?, expires_at = ?, updated_at = ? WHERE seq = ?`
/** Setting head = 0 fires the `queue_jobs_promote` trigger: the next episode becomes the head. */
const FINISH_SEQ = `UPDATE queue_jobs SET state = ?, reason = ?, findings = ?, head = 0, worker = NULL, expires_at = NULL,
  updated_at = ?, ticket = ? WHERE seq = ?`
const FINISH_SEQ_RETURNING = `${FINISH_SEQ} RETURNING *`
const COMPLETE = `UPDATE queue_jobs SET state = 'committed', head = 0, worker = NULL, expires_at = NULL, updated_at = ?, ticket = ?
  WHERE ${HELD}`
const DEAD_LETTER = `UPDATE queue_jobs SET state = 'dead', reason = ?, findings = COALESCE(?, findings), head = 0, worker = NULL,
  expires_at = NULL, updated_at = ?, ticket = ? WHERE ${HELD} RETURNING *`
const HEARTBEAT = `UPDATE queue_jobs SET expires_at = ?1, updated_at = ?2
  WHERE id = ?3 AND token = ?4 AND state IN ('writing', 'guarding', 'editing') RETURNING *`
const SET_STAGE = `UPDATE queue_jobs SET state = ?, updated_at = ? WHERE ${HELD}`
const SELECT_HELD = `SELECT * FROM queue_jobs WHERE ${HELD}`
const REQUEUE = `UPDATE queue_jobs SET state = 'queued', reason = ?, deliveries = MAX(0, deliveries - ?), worker = NULL,
  expires_at = NULL, available_at = ?, updated_at = ?, ticket = ? WHERE seq = ? RETURNING *`

type ReadyRow = Pick<JobRow, "seq" | "id" | "project" | "episode" | "state" | "deliveries" | "token" | "reason" | "findings" | "enqueued_at">

export interface SqliteJobQueueOptions {
  /** Deliveries without completion after which a job is dead-lettered. */
  readonly maxDeliveries: number
}

const spentReason = (deliveries: number, last: string) => `delivered ${deliveries} times without finishing; last: ${last}`

export const make = (options: SqliteJobQueueOptions) =>
  Effect.gen(function* () {
    const db = yield* Database
    yield* db.migrate("queue", migrations).pipe(Effect.mapError(unavailable))
    const maxDeliveries = Math.max(1, Math.floor(options.maxDeliveries))
    /**
     * Tie-breaker among heads available at the same millisecond: a process-local counter, so a
     * head that (re)joins the line goes behind the ones already waiting (round-robin across
     * projects). Another process sharing the file keeps its own counter: fairness between the
     * two is then approximate, correctness is unaffected.
     */
    let tickets = yield* db
      .use((c) => c.get<{ t: number | null }>("SELECT MAX(ticket) AS t FROM queue_jobs")?.t ?? 0)
      .pipe(Effect.mapError(unavailable))
    const ticket = () => ++tickets
    const writer = makeGroupCommit(db, unavailable)

    /** A write at the current time of Effect's Clock (TestClock in tests), through the group-commit writer. */
    const write = <A, E>(body: (c: Connection, now: number) => Result.Result<A, E>) =>
      Effect.clockWith((clock) => {
        const now = clock.currentTimeMillisUnsafe()
        return writer.write((c) => body(c, now))
      })

    const lost = (lease: Lease) => Result.fail(new LeaseLost({ job: lease.job.id, token: lease.token }))

    const enqueue: JobQueueShape["enqueue"] = (project, episodes) => {
      const wanted = [...new Set(episodes)].sort((a, b) => a - b)
      const invalid = wanted.find((n) => !Number.isSafeInteger(n) || n < 1)
      if (invalid !== undefined) return Effect.die(new RangeError(`episode numbers are integers >= 1; got ${invalid}`))
      if (wanted.length === 0) return Effect.succeed([])
      return write((c, now): Result.Result<ReadonlyArray<Enqueued>, EpisodeGap> => {
        const last = c.get<{ episode: number; state: JobState }>(SELECT_LAST, project)
        const highest = last?.episode ?? 0
        const nextExpected = highest + 1
        // Checked as a whole before anything is written: the new numbers must continue the sequence.
        let next = nextExpected
        for (const n of wanted) {
          if (n <= highest) continue
          if (n > next) return Result.fail(new EpisodeGap({ project, requested: n, nextExpected }))
          next = n + 1
        }
        // Final jobs form a prefix, so the project has no head iff its last job is final (or it has none).
        let needsHead = last === undefined || isFinal(last.state)
        const out: Array<Enqueued> = []
        for (const n of wanted) {
          if (n <= highest) {
            out.push({ job: toJob(c.get<JobRow>(SELECT_BY_EPISODE, project, n)!), created: false })
            continue
          }
          const id = jobIdOf(project, n)
          c.run(INSERT, id, project, n, now, needsHead ? 1 : 0, ticket(), now, now)
          needsHead = false
          const job: Job = { id, project, episode: n, state: "queued", deliveries: 0, reason: null, findings: EMPTY, enqueuedAt: now, updatedAt: now }
          out.push({ job, created: true })
        }
        return Result.succeed(out)
      })
    }

    /**
     * Takes the oldest ready head. One whose deliveries are spent (its holders crashed) is
     * dead-lettered on the way, and the next one is tried.
     */
    const claim: JobQueueShape["claim"] = (worker, { leaseMs }) =>
      write((c, now): Result.Result<Option.Option<Lease>, never> => {
        for (;;) {
          const row = c.get<ReadyRow>(SELECT_READY, now)
          if (row === undefined) return Result.succeed(Option.none())
          if (row.deliveries >= maxDeliveries) {
            const leased = row.state === "writing" || row.state === "guarding" || row.state === "editing"
            const last = leased ? "lease expired" + (row.reason === null ? "" : `; before that: ${row.reason}`) : (row.reason ?? "lease expired")
            c.run(FINISH_SEQ, "dead", spentReason(row.deliveries, last), row.findings, now, ticket(), row.seq)
            continue
          }
          const expiresAt = now + leaseMs
          c.run(CLAIM_SEQ, worker, expiresAt, now, row.seq)
          const job: Job = {
            id: row.id,
            project: row.project,
            episode: row.episode,
            state: "writing",
            deliveries: row.deliveries + 1,
            reason: row.reason,
            findings: findingsOf(row.findings),
            enqueuedAt: row.enqueued_at,
            updatedAt: now,
          }
          return Result.succeed(Option.some({ job, worker, token: row.token + 1, expiresAt }))
        }
      })

    const heartbeat: JobQueueShape["heartbeat"] = (lease, leaseMs) =>
      write((c, now) => {
        const row = c.get<JobRow>(HEARTBEAT, now + leaseMs, now, lease.job.id, lease.token)
        return row === undefined ? lost(lease) : Result.succeed(toLease(row))
      })

    const setStage: JobQueueShape["setStage"] = (lease, state) =>
      write((c, now) => (c.run(SET_STAGE, state, now, lease.job.id, lease.token).changes === 0 ? lost(lease) : Result.void))

    const complete: JobQueueShape["complete"] = (lease) =>
      write((c, now): Result.Result<Job, LeaseLost> =>
        c.run(COMPLETE, now, ticket(), lease.job.id, lease.token).changes === 0
          ? lost(lease)
          : Result.succeed({ ...lease.job, state: "committed", updatedAt: now })
      )

    const deadLetter: JobQueueShape["deadLetter"] = (lease, reason, findings) =>
      write((c, now) => {
        const json = findings === undefined ? null : JSON.stringify(findings)
        const row = c.get<JobRow>(DEAD_LETTER, reason, json, now, ticket(), lease.job.id, lease.token)
        return row === undefined ? lost(lease) : Result.succeed(toJob(row))
      })

    const retry: JobQueueShape["retry"] = (lease, { reason, delayMs, transient }) =>
      write((c, now): Result.Result<Job, LeaseLost> => {
        const row = c.get<JobRow>(SELECT_HELD, lease.job.id, lease.token)
        if (row === undefined) return lost(lease)
        if (!transient && row.deliveries >= maxDeliveries) {
          return Result.succeed(toJob(c.get<JobRow>(FINISH_SEQ_RETURNING, "dead", spentReason(row.deliveries, reason), row.findings, now, ticket(), row.seq)!))
        }
        const availableAt = now + Math.max(0, delayMs)
        return Result.succeed(toJob(c.get<JobRow>(REQUEUE, reason, transient ? 1 : 0, availableAt, now, ticket(), row.seq)!))
      })

    const get: JobQueueShape["get"] = (id) =>
      db.use((c) => Option.map(Option.fromNullishOr(c.get<JobRow>(SELECT_BY_ID, id)), toJob)).pipe(Effect.mapError(unavailable))

    const list: JobQueueShape["list"] = (filter?: ListJobs) =>
      db
        .use((c) => {
          const states = filter?.states === undefined ? null : JSON.stringify(filter.states)
          const limit = filter?.limit ?? -1
          const rows =
            filter?.project === undefined
              ? c.all<JobRow>(
                  "SELECT * FROM queue_jobs WHERE (?1 IS NULL OR state IN (SELECT value FROM json_each(?1))) ORDER BY seq DESC LIMIT ?2",
                  states,
                  limit,
                )
              : c.all<JobRow>(
                  "SELECT * FROM queue_jobs WHERE project = ?1 AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2))) ORDER BY episode DESC LIMIT ?3",
                  filter.project,
                  states,
                  limit,
                )
          return rows.map(toJob)
        })
        .pipe(Effect.mapError(unavailable))

    const stats: JobQueueShape["stats"] = Effect.clockWith((clock) =>
      db.use((c): QueueStats => {
        const r = c.get<{ queued: number | null; inFlight: number | null; committed: number | null; dead: number | null }>(
          `SELECT
             SUM(state NOT IN ('committed','dead') AND NOT (state <> 'queued' AND COALESCE(expires_at, 0) > ?1)) AS queued,
             SUM(state IN ('writing','guarding','editing') AND COALESCE(expires_at, 0) > ?1) AS inFlight,
             SUM(state = 'committed') AS committed,
             SUM(state = 'dead') AS dead
           FROM queue_jobs`,
          clock.currentTimeMillisUnsafe(),
        )
        return { queued: r?.queued ?? 0, inFlight: r?.inFlight ?? 0, committed: r?.committed ?? 0, dead: r?.dead ?? 0 }
      })
    ).pipe(Effect.mapError(unavailable))

    return JobQueue.of({ enqueue, claim, heartbeat, setStage, complete, retry, deadLetter, get, list, stats })
  })

const unavailable = (e: SqliteError) => new QueueUnavailable({ message: e.message, cause: e })

/** `JobQueue` on the embedded SQLite database (shares the `Database` connection with the other embedded adapters). */
export const layer = (options: SqliteJobQueueOptions): Layer.Layer<JobQueue, QueueUnavailable, Database> => Layer.effect(JobQueue, make(options))

export const SqliteJobQueue = { make, layer } as const
