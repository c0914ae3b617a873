/**
 * A queue written by schema v1 (lease columns on the job rows, a trigger promoting heads)
 * opens under v2 (heads and ended jobs in tables of their own) with every job, lease, place
 * in line and sequence as it was; and under v4 a dead job that later episodes were committed
 * past (the permanent hole of the old rule) holds its project, can be retried or skipped, and
 * the project then goes on with its next unfinished episode.
 */
import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import type { GuardFinding } from "../../src/domain/Episode.ts"
import { jobIdOf, type Lease } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { tempDatabases } from "./helpers.ts"

const files = tempDatabases("queue-migration")

/** Migration 1 of the queue, as it shipped. */
const V1 = `
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
  CREATE TRIGGER queue_jobs_promote AFTER UPDATE OF head ON queue_jobs
  WHEN OLD.head = 1 AND NEW.head = 0
  BEGIN
    UPDATE queue_jobs SET head = 1, available_at = MAX(available_at, NEW.updated_at), ticket = NEW.ticket
    WHERE project = NEW.project AND episode = NEW.episode + 1;
  END;
`

const finding: GuardFinding = {
  code: "timeline.dead-character-speaks",
  category: "timeline-plot",
  severity: "error",
  message: "서윤 died in episode 3 but speaks here",
  evidence: { start: 10, end: 14, text: "서윤이" },
}

/**
 * A v1 file: alpha 1 committed, 2 leased (guarding), 3 waiting; beta 1 dead with findings, 2 retried; gamma 1 committed;
 * delta 1 dead, 2 committed, 3 dead, 4 committed, 5 waiting (holes left by the old rule).
 */
const writeV1 = (path: string) => {
  const db = new DatabaseSync(path)
  db.exec("PRAGMA journal_mode = WAL")
  db.exec(
    "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  )
  db.exec(V1)
  db.prepare("INSERT INTO schema_version VALUES ('queue', 1, 'queue_jobs', 0)").run()
  const insert = db.prepare(
    `INSERT INTO queue_jobs (id, project, episode, state, deliveries, token, worker, expires_at, available_at, head, ticket, reason, findings, enqueued_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const row = (project: string, episode: number, rest: ReadonlyArray<string | number | null>) =>
    insert.run(jobIdOf(project, episode), project, episode, ...rest)
  // state, deliveries, token, worker, expires_at, available_at, head, ticket, reason, findings, enqueued_at, updated_at
  row("alpha", 1, ["committed", 1, 1, null, null, 0, 0, 3, null, "[]", 0, 40])
  row("alpha", 2, ["guarding", 2, 2, "w1", 50_000, 40, 1, 3, "LLM timed out", "[]", 0, 45])
  row("alpha", 3, ["queued", 0, 0, null, null, 0, 0, 0, null, "[]", 0, 0])
  row("beta", 1, ["dead", 3, 3, null, null, 10, 0, 5, "guard rejected 3 drafts", JSON.stringify([finding]), 10, 20])
  row("beta", 2, ["queued", 1, 1, null, null, 5_000, 1, 7, "boom", "[]", 10, 30])
  row("gamma", 1, ["committed", 1, 1, null, null, 0, 0, 2, null, "[]", 0, 15])
  row("delta", 1, ["dead", 3, 3, null, null, 0, 0, 0, "poison 1", "[]", 0, 5])
  row("delta", 2, ["committed", 1, 1, null, null, 0, 0, 0, null, "[]", 0, 6])
  row("delta", 3, ["dead", 3, 3, null, null, 0, 0, 0, "poison 3", "[]", 0, 7])
  row("delta", 4, ["committed", 1, 1, null, null, 0, 0, 0, null, "[]", 0, 8])
  row("delta", 5, ["queued", 0, 0, null, null, 8, 1, 9, null, "[]", 0, 8])
  db.close()
}

const open = (path: string) =>
  SqliteJobQueue.layer({ maxDeliveries: 3 }).pipe(Layer.provide(Database.layer({ path })))

describe("SqliteJobQueue schema migration", () => {
  it.effect("v1 jobs, leases and places in line carry over to the current schema (v5)", () =>
    Effect.gen(function* () {
      const path = files.next()
      writeV1(path)
      yield* Effect.gen(function* () {
        const queue = yield* JobQueue
        const get = (id: string) => Effect.map(queue.get(id), Option.getOrThrow)
        expect(yield* get(jobIdOf("alpha", 1))).toMatchObject({ state: "committed", deliveries: 1, reason: null, findings: [], updatedAt: 40 })
        expect(yield* get(jobIdOf("alpha", 2))).toMatchObject({ state: "guarding", deliveries: 2, reason: "LLM timed out", enqueuedAt: 0, updatedAt: 45 })
        expect(yield* get(jobIdOf("alpha", 3))).toMatchObject({ state: "queued", deliveries: 0, reason: null, updatedAt: 0 })
        expect(yield* get(jobIdOf("beta", 1))).toMatchObject({ state: "dead", deliveries: 3, reason: "guard rejected 3 drafts", findings: [finding] })
        expect(yield* get(jobIdOf("beta", 2))).toMatchObject({ state: "queued", deliveries: 1, reason: "boom", enqueuedAt: 10, updatedAt: 30 })
        expect(yield* queue.stats).toEqual({ queued: 3, inFlight: 1, committed: 4, dead: 3, skipped: 0, held: 2 })
        expect((yield* queue.list({ states: ["guarding", "queued"] })).map((j) => j.id)).toEqual([
          jobIdOf("delta", 5),
          jobIdOf("beta", 2),
          jobIdOf("alpha", 3),
          jobIdOf("alpha", 2),
        ])

        // beta 1 and delta 1 are dead below later episodes: they hold their projects now.
        expect((yield* queue.projectStates()).map((p) => [p.project, p.held, p.next])).toEqual([
          ["alpha", null, 2],
          ["beta", { by: "dead-episode", episode: 1, reason: "guard rejected 3 drafts" }, 1],
          ["delta", { by: "dead-episode", episode: 1, reason: "poison 1" }, 1],
          ["gamma", null, undefined],
        ])

        // The v1 lease still holds, with its token; beta 2 waits behind beta 1 until that is skipped.
        const held: Lease = {
          job: yield* get(jobIdOf("alpha", 2)),
          worker: "w1",
          token: 2,
          expiresAt: 50_000,
        }
        expect((yield* queue.heartbeat(held, 60_000)).expiresAt).toBe(60_000)
        expect(Option.isNone(yield* queue.claim("w2", { leaseMs: 1_000 }))).toBe(true)
        yield* TestClock.adjust(5_000)
        expect(Option.isNone(yield* queue.claim("w2", { leaseMs: 1_000 }))).toBe(true)
        yield* queue.skipJob("beta", 1, "written by hand")
        const beta = Option.getOrThrow(yield* queue.claim("w2", { leaseMs: 1_000 }))
        expect(beta).toMatchObject({ job: { id: jobIdOf("beta", 2), deliveries: 2, reason: "boom" } })

        // Completing the migrated lease promotes alpha 3.
        expect(yield* queue.complete(held)).toMatchObject({ state: "committed", deliveries: 2, reason: "LLM timed out" })
        const alpha3 = Option.getOrThrow(yield* queue.claim("w1", { leaseMs: 1_000 }))
        expect(alpha3).toMatchObject({ token: 1, job: { id: jobIdOf("alpha", 3), deliveries: 1 } })

        // Sequences carry over: gamma (all final) takes 2 and becomes claimable, alpha wants 4 next.
        expect((yield* queue.enqueue("gamma", [1, 2])).map((e) => e.created)).toEqual([false, true])
        expect(yield* Effect.flip(queue.enqueue("alpha", [5]))).toMatchObject({ _tag: "EpisodeGap", nextExpected: 4 })
        expect(Option.getOrThrow(yield* queue.claim("w3", { leaseMs: 1_000 })).job.id).toBe(jobIdOf("gamma", 2))

        // delta: retrying 1 hands out 1, then the project stops at 3 (dead too); skipping 3 leads to 5.
        yield* queue.retryJob("delta", 1)
        const delta1 = Option.getOrThrow(yield* queue.claim("w4", { leaseMs: 1_000 }))
        expect(delta1.job).toMatchObject({ id: jobIdOf("delta", 1), deliveries: 1, reason: null })
        expect(delta1.token).toBeGreaterThan(3)
        yield* queue.complete(delta1)
        expect(Option.isNone(yield* queue.claim("w4", { leaseMs: 1_000 }))).toBe(true)
        expect((yield* queue.projectStates("delta"))[0]).toMatchObject({ held: { by: "dead-episode", episode: 3, reason: "poison 3" }, next: 3 })
        expect(yield* Effect.flip(queue.retryJob("delta", 4))).toMatchObject({ _tag: "JobStateConflict", state: "committed" })
        yield* queue.skipJob("delta", 3, "not needed")
        const delta5 = Option.getOrThrow(yield* queue.claim("w4", { leaseMs: 1_000 }))
        expect(delta5.job.id).toBe(jobIdOf("delta", 5))
        yield* queue.complete(delta5)
        expect((yield* queue.projectStates("delta"))[0]).toEqual({
          project: "delta",
          held: null,
          queued: 0,
          inFlight: 0,
          committed: 4,
          dead: 0,
          skipped: 1,
        })
        yield* queue.enqueue("delta", [6])
        expect(Option.getOrThrow(yield* queue.claim("w4", { leaseMs: 1_000 })).job.id).toBe(jobIdOf("delta", 6))
      }).pipe(Effect.provide(open(path)))

      const db = new DatabaseSync(path)
      try {
        expect(db.prepare("SELECT version FROM schema_version WHERE component = 'queue'").get()).toEqual({ version: 5 })
        // the counts (filled in by v4, kept by its triggers since) are what counting the rows gives
        const counted = db.prepare("SELECT state, COUNT(*) AS n FROM queue_jobs GROUP BY state ORDER BY state").all()
        expect(db.prepare("SELECT state, n FROM queue_counts WHERE n > 0 ORDER BY state").all()).toEqual(counted)
      } finally {
        db.close()
      }
    }))
})
