import { Effect, Layer, Option, Result } from "effect"
import type { GuardFinding } from "../domain/Episode.ts"
import { type Job, type JobState, jobIdOf, type Lease } from "../domain/Job.ts"
import { type Connection, Database, type Migration, type SqliteError } from "../sqlite/Database.ts"
import { makeGroupCommit } from "./GroupCommit.ts"
import {
  type Cancelled,
  type DeletedProject,
  type Enqueued,
  EpisodeGap,
  type HoldChange,
  JobNotFound,
  episodesToEnqueue,
  JobQueue,
  type JobQueueShape,
  JobStateConflict,
  LeaseLost,
  type ListJobs,
  ProjectBusy,
  ProjectNotFound,
  type ProjectState,
  QueueUnavailable,
  type QueueStats,
  TOKEN_GENERATION,
} from "./JobQueue.ts"
import { projectStatesOf } from "./ProjectStates.ts"
import { monotonicMillis } from "../coordination/StoreTime.ts"
import { sqliteStoreClock } from "../coordination/SqliteStoreClock.ts"

/*
 * Schema notes
 *
 * `queue_jobs` holds every job at rest, one row per (project, episode). Two small tables hold
 * what changes while the factory runs: `queue_heads` the live state of each project's *head*
 * (its lowest job neither committed nor skipped: at most one per project, the only one that
 * can be claimed; a dead head stays head, parked, and so holds its project), and
 * `queue_ended` the jobs that ended since the last fold. `queue_jobs_live` overlays the three
 * for reads.
 *
 * - No holes (enqueue refuses gaps) and only heads are ever claimed, so a project's done
 *   (committed or skipped) jobs always form a prefix 1..k and the others the suffix k+1..max:
 *   the head is episode k+1, and after finishing episode n the next head is simply episode
 *   n+1. (Files written before v4 may break this rule: their head is marked \`resettle\`, and
 *   finishing it searches for the next head.)
 * - Holds: \`queue_holds\` names the projects an operator holds; their heads, and every dead
 *   head, carry \`PARKED\` on their \`available_at\`. Operator actions (retry, skip, cancel,
 *   delete) are rare: each folds \`queue_ended\` first and then works on \`queue_jobs\` directly.
 * - Why (schema v2): a commit's cost is mostly the pages it appends to the WAL (and the
 *   checkpoints they bring on), and each project's job rows sit on pages of their own. With
 *   the lease on the job rows (v1), the 8 claims a group commit carries appended 8 pages, and
 *   the 8 completions 8 more. Now a claim, heartbeat, stage change or retry rewrites only its
 *   head's row, and a job that ends is appended to `queue_ended`: those few rows share a page
 *   or two, so a batch of them appends a page or two. Every `foldEvery` ended jobs, one write
 *   folds them into their rows in `queue_jobs`, a project's consecutive episodes together, so
 *   a job row page is rewritten once for many jobs.
 * - A job's row keeps state `queued` until the fold after it ended. Its live state, deliveries,
 *   reason, lease and place in line are its head row's while it is the head, then its
 *   `queue_ended` row's until the fold.
 * - `queue_heads_ready (available_at, ticket)`: a claim walks the heads oldest `available_at`
 *   first (fair across projects: a head joins the line when it is enqueued, promoted or
 *   retried, and is served in that order — round-robin when all are busy) and takes the first
 *   whose lease is absent or expired; it skips at most the heads leased right now (one per
 *   busy worker).
 * - A job's id (`project:episode`, `jobIdOf`) is not stored: it would be one more index to
 *   write per job, and more pages for every checkpoint to write back.
 * - `queue_ended` has no index: it never holds more than `foldEvery` rows, and its rowids count
 *   them (only a fold deletes, and it deletes all), which tells a finish when to fold.
 * - Checks and conditions on `state` are spelled with `=`, `OR` and `<>`, never `IN (…)`: for
 *   an IN list of three or more constants SQLite builds a temporary index on every execution,
 *   which made a hot UPDATE cost three times as much (3.1 µs against 1.2 µs measured here).
 *
 * `token` is the fencing token of the head's job: every claim increments it, and every lease
 * operation checks it, so a worker whose lease expired and was re-claimed gets `LeaseLost`.
 * A job is head exactly once (from its promotion until it is final), so its token never
 * starts over.
 */
/**
 * Added to a head's \`available_at\` while it must not be claimed: its project is on hold, or it
 * is dead. Far beyond any clock reading, so the ready index keeps working unchanged (parked
 * heads sort last and never pass \`available_at <= now\`), and reversible, so resuming a project
 * gives its head back its place in line (and a retry delay still running keeps running).
 */
const PARKED = 2 ** 50


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
  {
    version: 2,
    description: "queue_heads: the live state of each project's head, apart from the jobs at rest",
    up: `
      CREATE TABLE queue_heads (
        project      TEXT    PRIMARY KEY,
        episode      INTEGER NOT NULL,
        state        TEXT    NOT NULL CHECK (state = 'queued' OR state = 'writing' OR state = 'guarding' OR state = 'editing'),
        deliveries   INTEGER NOT NULL,
        token        INTEGER NOT NULL,
        worker       TEXT,
        expires_at   INTEGER,
        available_at INTEGER NOT NULL,
        ticket       INTEGER NOT NULL,
        reason       TEXT,
        last_episode INTEGER NOT NULL,
        updated_at   INTEGER
      ) WITHOUT ROWID;
      INSERT INTO queue_heads (project, episode, state, deliveries, token, worker, expires_at, available_at, ticket, reason, last_episode, updated_at)
        SELECT o.project, o.episode, o.state, o.deliveries, o.token, o.worker, o.expires_at, o.available_at, o.ticket, o.reason,
          (SELECT MAX(i.episode) FROM queue_jobs AS i WHERE i.project = o.project), o.updated_at
        FROM queue_jobs AS o WHERE o.head = 1;
      CREATE INDEX queue_heads_ready ON queue_heads (available_at, ticket);

      CREATE TABLE queue_jobs_v2 (
        seq          INTEGER PRIMARY KEY,
        project      TEXT    NOT NULL,
        episode      INTEGER NOT NULL CHECK (episode >= 1),
        state        TEXT    NOT NULL CHECK (state = 'queued' OR state = 'committed' OR state = 'dead'),
        deliveries   INTEGER NOT NULL DEFAULT 0,
        reason       TEXT,
        findings     TEXT    NOT NULL DEFAULT '[]',
        enqueued_at  INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        UNIQUE (project, episode)
      );
      INSERT INTO queue_jobs_v2 (seq, project, episode, state, deliveries, reason, findings, enqueued_at, updated_at)
        SELECT seq, project, episode, CASE WHEN state IN ('committed','dead') THEN state ELSE 'queued' END,
          CASE WHEN head = 1 THEN 0 ELSE deliveries END, CASE WHEN head = 1 THEN NULL ELSE reason END,
          findings, enqueued_at, updated_at
        FROM queue_jobs;
      DROP TABLE queue_jobs;
      ALTER TABLE queue_jobs_v2 RENAME TO queue_jobs;

      CREATE TABLE queue_ended (
        seq          INTEGER PRIMARY KEY,
        project      TEXT    NOT NULL,
        episode      INTEGER NOT NULL,
        state        TEXT    NOT NULL CHECK (state = 'committed' OR state = 'dead'),
        deliveries   INTEGER NOT NULL,
        reason       TEXT,
        findings     TEXT    NOT NULL,
        updated_at   INTEGER NOT NULL
      );

      CREATE VIEW queue_jobs_live AS
        SELECT j.seq, j.project || ':' || j.episode AS id, j.project, j.episode,
          CASE WHEN h.project IS NOT NULL THEN h.state WHEN e.project IS NOT NULL THEN e.state ELSE j.state END AS state,
          CASE WHEN h.project IS NOT NULL THEN h.deliveries WHEN e.project IS NOT NULL THEN e.deliveries ELSE j.deliveries END AS deliveries,
          h.token AS token, h.worker AS worker, h.expires_at AS expires_at,
          CASE WHEN h.project IS NOT NULL THEN h.reason WHEN e.project IS NOT NULL THEN e.reason ELSE j.reason END AS reason,
          CASE WHEN e.project IS NOT NULL THEN e.findings ELSE j.findings END AS findings,
          j.enqueued_at,
          CASE WHEN h.project IS NOT NULL THEN COALESCE(h.updated_at, j.updated_at) WHEN e.project IS NOT NULL THEN e.updated_at ELSE j.updated_at END AS updated_at
        FROM queue_jobs j
        LEFT JOIN queue_heads h ON h.project = j.project AND h.episode = j.episode
        LEFT JOIN queue_ended e ON e.project = j.project AND e.episode = j.episode;
    `,
  },
  {
    version: 3,
    description: "queue_counts: jobs at rest per state, kept by triggers",
    // `stats` (the dashboard, alerts, metrics and /readyz ask for it every few seconds) counted
    // every job ever enqueued: 111 ms at a million jobs, on the thread that runs every fiber.
    up: `
      CREATE TABLE queue_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO queue_counts (state, n)
        SELECT s.state, (SELECT COUNT(*) FROM queue_jobs AS j WHERE j.state = s.state)
        FROM (SELECT 'queued' AS state UNION ALL SELECT 'committed' UNION ALL SELECT 'dead') AS s;
      CREATE TRIGGER queue_counts_insert AFTER INSERT ON queue_jobs
      BEGIN
        UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER queue_counts_state AFTER UPDATE OF state ON queue_jobs
      WHEN OLD.state <> NEW.state
      BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
        UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER queue_counts_delete AFTER DELETE ON queue_jobs
      BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
      END;
    `,
  },
  {
    version: 4,
    description: "holds: a dead head stays head and holds its project; skipped jobs; operator holds",
    // Before v4 a dead head passed the role on, so later episodes were committed past it (a
    // permanent hole). A project whose lowest unfinished job is dead now has that job as its
    // head, parked; when episodes after it were already worked on (the hole this migration
    // finds), the head is marked \`resettle\` so that finishing it looks for the next head
    // instead of assuming episode + 1. Ended jobs are folded first, and both tables are rebuilt
    // because SQLite cannot change a CHECK in place.
    up: `
      DROP VIEW queue_jobs_live;
      UPDATE queue_jobs SET state = e.state, deliveries = e.deliveries, reason = e.reason, findings = e.findings,
        updated_at = e.updated_at FROM queue_ended AS e WHERE queue_jobs.project = e.project AND queue_jobs.episode = e.episode;
      DELETE FROM queue_ended;

      CREATE TABLE queue_jobs_v4 (
        seq          INTEGER PRIMARY KEY,
        project      TEXT    NOT NULL,
        episode      INTEGER NOT NULL CHECK (episode >= 1),
        state        TEXT    NOT NULL CHECK (state = 'queued' OR state = 'committed' OR state = 'dead' OR state = 'skipped'),
        deliveries   INTEGER NOT NULL DEFAULT 0,
        reason       TEXT,
        findings     TEXT    NOT NULL DEFAULT '[]',
        enqueued_at  INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        UNIQUE (project, episode)
      );
      INSERT INTO queue_jobs_v4 (seq, project, episode, state, deliveries, reason, findings, enqueued_at, updated_at)
        SELECT seq, project, episode, state, deliveries, reason, findings, enqueued_at, updated_at FROM queue_jobs;
      -- A head with a dead job below it stops being head: its deliveries and reason stay on its row (its lease, if any, ends).
      UPDATE queue_jobs_v4 SET deliveries = h.deliveries, reason = h.reason FROM queue_heads AS h
        WHERE queue_jobs_v4.project = h.project AND queue_jobs_v4.episode = h.episode
          AND EXISTS (SELECT 1 FROM queue_jobs_v4 AS d WHERE d.project = h.project AND d.episode < h.episode AND d.state = 'dead');

      CREATE TABLE queue_heads_v4 (
        project      TEXT    PRIMARY KEY,
        episode      INTEGER NOT NULL,
        state        TEXT    NOT NULL CHECK (state = 'queued' OR state = 'writing' OR state = 'guarding' OR state = 'editing' OR state = 'dead'),
        deliveries   INTEGER NOT NULL,
        token        INTEGER NOT NULL,
        worker       TEXT,
        expires_at   INTEGER,
        available_at INTEGER NOT NULL,
        ticket       INTEGER NOT NULL,
        reason       TEXT,
        last_episode INTEGER NOT NULL,
        updated_at   INTEGER,
        resettle     INTEGER NOT NULL DEFAULT 0,
        token_base   INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      -- (The dead job's fencing token went with its head row; its deliveries bound the claims made under v3's rules in this file.)
      INSERT INTO queue_heads_v4 (project, episode, state, deliveries, token, worker, expires_at, available_at, ticket, reason, last_episode, updated_at, resettle)
        SELECT d.project, d.episode, 'dead', d.deliveries, d.deliveries, NULL, NULL, ${PARKED}, 0, d.reason,
          (SELECT MAX(m.episode) FROM queue_jobs_v4 AS m WHERE m.project = d.project), d.updated_at,
          EXISTS (SELECT 1 FROM queue_jobs_v4 AS n WHERE n.project = d.project AND n.episode > d.episode AND n.state <> 'queued')
        FROM queue_jobs_v4 AS d
        WHERE d.state = 'dead'
          AND NOT EXISTS (SELECT 1 FROM queue_jobs_v4 AS e WHERE e.project = d.project AND e.episode < d.episode AND e.state <> 'committed');
      INSERT INTO queue_heads_v4 (project, episode, state, deliveries, token, worker, expires_at, available_at, ticket, reason, last_episode, updated_at, resettle)
        SELECT project, episode, state, deliveries, token, worker, expires_at, available_at, ticket, reason, last_episode, updated_at, 0
        FROM queue_heads AS h WHERE NOT EXISTS (SELECT 1 FROM queue_heads_v4 AS v WHERE v.project = h.project);

      DROP TABLE queue_jobs;
      ALTER TABLE queue_jobs_v4 RENAME TO queue_jobs;
      DROP TABLE queue_heads;
      ALTER TABLE queue_heads_v4 RENAME TO queue_heads;
      CREATE INDEX queue_heads_ready ON queue_heads (available_at, ticket);

      DELETE FROM queue_counts;
      INSERT INTO queue_counts (state, n)
        SELECT s.state, (SELECT COUNT(*) FROM queue_jobs AS j WHERE j.state = s.state)
        FROM (SELECT 'queued' AS state UNION ALL SELECT 'committed' UNION ALL SELECT 'dead' UNION ALL SELECT 'skipped') AS s;
      CREATE TRIGGER queue_counts_insert AFTER INSERT ON queue_jobs
      BEGIN
        UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER queue_counts_state AFTER UPDATE OF state ON queue_jobs
      WHEN OLD.state <> NEW.state
      BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
        UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER queue_counts_delete AFTER DELETE ON queue_jobs
      BEGIN
        UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
      END;

      CREATE TABLE queue_holds (project TEXT PRIMARY KEY, reason TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE queue_fences (project TEXT PRIMARY KEY, base INTEGER NOT NULL) WITHOUT ROWID;

      CREATE VIEW queue_jobs_live AS
        SELECT j.seq, j.project || ':' || j.episode AS id, j.project, j.episode,
          CASE WHEN h.project IS NOT NULL THEN h.state WHEN e.project IS NOT NULL THEN e.state ELSE j.state END AS state,
          CASE WHEN h.project IS NOT NULL THEN h.deliveries WHEN e.project IS NOT NULL THEN e.deliveries ELSE j.deliveries END AS deliveries,
          h.token AS token, h.worker AS worker, h.expires_at AS expires_at,
          CASE WHEN h.project IS NOT NULL THEN h.reason WHEN e.project IS NOT NULL THEN e.reason ELSE j.reason END AS reason,
          CASE WHEN e.project IS NOT NULL THEN e.findings ELSE j.findings END AS findings,
          j.enqueued_at,
          CASE WHEN h.project IS NOT NULL THEN COALESCE(h.updated_at, j.updated_at) WHEN e.project IS NOT NULL THEN e.updated_at ELSE j.updated_at END AS updated_at
        FROM queue_jobs j
        LEFT JOIN queue_heads h ON h.project = j.project AND h.episode = j.episode
        LEFT JOIN queue_ended e ON e.project = j.project AND e.episode = j.episode;
    `,
  },
  {
    version: 5,
    description: "queue_clock: the queue's own time, continuous across wall-clock steps (QueueTime.ts)",
    // \`seen\` starts at the newest stamp already stored, so a file opened after its clock was
    // stepped back resumes from where it was instead of waiting for the wall clock to catch up.
    up: `
      CREATE TABLE queue_clock (id INTEGER PRIMARY KEY CHECK (id = 1), wall_offset INTEGER NOT NULL, seen INTEGER NOT NULL);
      INSERT INTO queue_clock (id, wall_offset, seen) VALUES (1, 0, MAX(
        COALESCE((SELECT MAX(updated_at) FROM queue_heads), 0),
        COALESCE((SELECT MAX(updated_at) FROM queue_ended), 0),
        COALESCE((SELECT MAX(since) FROM queue_holds), 0)));
    `,
  },
]

/** A row of `queue_jobs_live`: a job with its head's live state overlaid. */
interface JobRow {
  readonly seq: number
  readonly id: string
  readonly project: string
  readonly episode: number
  readonly state: JobState
  readonly deliveries: number
  readonly token: number | null
  readonly worker: string | null
  readonly expires_at: number | null
  readonly reason: string | null
  readonly findings: string
  readonly enqueued_at: number
  readonly updated_at: number
}

/** A row of `queue_heads`, as the lease operations read it (and, with the optional fields, the operator actions). */
interface HeadRow {
  readonly project: string
  readonly episode: number
  readonly state: JobState
  readonly deliveries: number
  readonly token: number
  readonly reason: string | null
}

/** All of a `queue_heads` row the operator actions need. */
interface HeadDetail extends HeadRow {
  readonly token_base: number
  readonly expires_at: number | null
  readonly last_episode: number
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
  token: row.token ?? 0,
  expiresAt: row.expires_at ?? 0,
})

/** The (project, episode) a job id names, as `jobIdOf` spells them; undefined for anything else (no such job). */
const keyOf = (id: string): { readonly project: string; readonly episode: number } | undefined => {
  const colon = id.lastIndexOf(":")
  const episode = Number(id.slice(colon + 1))
  if (colon < 0 || !Number.isSafeInteger(episode) || episode < 1) return undefined
  const project = id.slice(0, colon)
  return jobIdOf(project, episode) === id ? { project, episode } : undefined
}

const isLeased = (state: JobState) => state === "writing" || state === "guarding" || state === "editing"

/*
 * A lease is held while its job is its project's head, the head's token is the lease's and
 * the head is in a leased state (writing / guarding / editing: `state <> 'queued'`). Expiry
 * alone does not end it: until another worker claims the job (moving the token on), the
 * holder may still heartbeat, complete, etc. A retry (state back to `queued`) or a final
 * state ends it.
 *
 * Every write runs through the group-commit writer (`GroupCommit.ts`): the writes of one
 * tick share a transaction, so each body below is synchronous and checks the lease (the
 * token in a SELECT or in its first write's WHERE) before it writes anything.
 *
 * No RETURNING on the hot path (claim, complete, setStage): measured here, `RETURNING *`
 * cost more than the UPDATE itself (a returning statement buffers its rows, and node:sqlite
 * builds an object per row), so those bodies build their results from the rows they read.
 * A job's non-final row never carries findings: they are written only when it ends.
 */
const HELD = "project = ? AND episode = ? AND token = ? AND state <> 'queued' AND state <> 'dead'"
const LIVE_BY_EPISODE = "SELECT * FROM queue_jobs_live WHERE project = ? AND episode = ?"
const SELECT_HIGHEST = "SELECT MAX(episode) AS highest FROM queue_jobs WHERE project = ?"
const SELECT_LAST_QUEUED = "SELECT last_episode FROM queue_heads WHERE project = ?"
const SET_LAST_QUEUED = "UPDATE queue_heads SET last_episode = ? WHERE project = ?"
/** Episodes ?2..?3 of project ?1, in one statement (node binds numbers as REAL, hence the CAST). */
const INSERT_RANGE = `WITH RECURSIVE n(episode) AS (SELECT CAST(?2 AS INTEGER) UNION ALL SELECT episode + 1 FROM n WHERE episode < ?3)
  INSERT INTO queue_jobs (project, episode, state, enqueued_at, updated_at) SELECT ?1, episode, 'queued', ?4, ?4 FROM n`
const INSERT_HEAD = `INSERT INTO queue_heads (project, episode, state, deliveries, token, token_base, available_at, ticket, last_episode)
  SELECT ?1, ?2, 'queued', 0, f.base, f.base, ?3 + EXISTS (SELECT 1 FROM queue_holds WHERE project = ?1) * ${PARKED}, ?4, ?5
  FROM (SELECT COALESCE((SELECT base FROM queue_fences WHERE project = ?1), 0) AS base) AS f`
/** The oldest head whose lease is absent or ran out, with its job's enqueue time (for the lease). */
const SELECT_READY = `SELECT h.project, h.episode, h.state, h.deliveries, h.token, h.reason, j.enqueued_at
  FROM queue_heads AS h JOIN queue_jobs AS j ON j.project = h.project AND j.episode = h.episode
  WHERE h.available_at <= ?1 AND (h.expires_at IS NULL OR h.expires_at <= ?1) ORDER BY h.available_at, h.ticket LIMIT 1`
const SELECT_HELD = `SELECT project, episode, state, deliveries, token, reason FROM queue_heads WHERE ${HELD}`
const CLAIM = `UPDATE queue_heads SET state = 'writing', deliveries = deliveries + 1, token = token + 1,
  worker = ?, expires_at = ?, updated_at = ? WHERE project = ?`
const HEARTBEAT = `UPDATE queue_heads SET expires_at = ?, updated_at = ? WHERE ${HELD}`
const SET_STAGE = `UPDATE queue_heads SET state = ?, updated_at = ? WHERE ${HELD}`
const REQUEUE = `UPDATE queue_heads SET state = 'queued', reason = ?1, deliveries = MAX(0, deliveries - ?2), worker = NULL,
  expires_at = NULL, available_at = ?3 + (available_at >= ${PARKED}) * ${PARKED}, updated_at = ?4, ticket = ?5 WHERE project = ?6`
/*
 * A head ends in two writes: `queue_ended` records how (deliveries and reason come from the
 * head row), then the head row passes to the next episode, if it was enqueued, or goes. The
 * next episode joins the back of the line: available from now, with the ending write's
 * ticket. A job that was never head is at rest: no deliveries, no reason, its row's
 * `updated_at` (which a head's NULL `updated_at` stands for). Two plain statements rather than
 * a trigger: an INSERT … SELECT whose trigger writes the table it reads materialises the
 * SELECT in a temporary table first, which cost more than the second statement.
 */
const END = `INSERT INTO queue_ended (project, episode, state, deliveries, reason, findings, updated_at)
  SELECT project, episode, ?3, deliveries, COALESCE(?4, reason), ?5, ?6 FROM queue_heads WHERE project = ?1 AND episode = ?2`
/** `END`, only while the lease (token ?7) holds: no row means the lease is lost, and nothing was written. */
const END_HELD = `${END} AND token = ?7 AND state <> 'queued' AND state <> 'dead'`
/** (A parked head's successor stays parked: the project is on hold.) */
const PROMOTE = `UPDATE queue_heads SET episode = episode + 1, state = 'queued', deliveries = 0, token = token_base, worker = NULL, expires_at = NULL,
  available_at = ?3 + (available_at >= ${PARKED}) * ${PARKED}, ticket = ?4, reason = NULL, updated_at = NULL
  WHERE project = ?1 AND episode = ?2 AND episode < last_episode AND resettle = 0`
const DROP_HEAD = "DELETE FROM queue_heads WHERE project = ? AND episode = ? AND resettle = 0"
/** A head that died stays head, parked, with its token (a retry goes on from it): it holds its project. */
const PARK_DEAD = `UPDATE queue_heads SET state = 'dead', reason = ?3, worker = NULL, expires_at = NULL, available_at = ${PARKED},
  updated_at = ?4 WHERE project = ?1 AND episode = ?2`
const FOLD = `UPDATE queue_jobs SET state = e.state, deliveries = e.deliveries, reason = e.reason, findings = e.findings,
  updated_at = e.updated_at FROM queue_ended AS e WHERE queue_jobs.project = e.project AND queue_jobs.episode = e.episode`
const FOLDED = "DELETE FROM queue_ended"
const fold = (c: Connection) => {
  c.run(FOLD)
  c.run(FOLDED)
}
/* The statements below run only in operator actions and \`placeHead\`, after a fold: \`queue_jobs\` then holds every ended job's state. */
const SELECT_NEXT_UNDONE = `SELECT episode, state, deliveries, reason FROM queue_jobs
  WHERE project = ?1 AND episode > ?2 AND state <> 'committed' AND state <> 'skipped' ORDER BY episode LIMIT 1`
/** A job after ?2 that is not merely queued: PROMOTE's "next head = episode + 1" would be wrong past it. */
const SELECT_WORKED_AFTER = "SELECT 1 FROM queue_jobs WHERE project = ?1 AND episode > ?2 AND state <> 'queued' LIMIT 1"
const HOLD_PARK = `(EXISTS (SELECT 1 FROM queue_holds WHERE project = ?1) * ${PARKED})`
/* (A dead job found here ended before v4, when its token went with its head row: its deliveries bound the claims it had.) */
const PLACE_DEAD_HEAD = `UPDATE queue_heads SET episode = ?2, state = 'dead', deliveries = ?3, token = token_base + ?3, worker = NULL, expires_at = NULL,
  available_at = ?4, ticket = ?5, reason = ?6, updated_at = NULL, resettle = ?7 WHERE project = ?1`
/* (Its row's deliveries and reason are 0 and NULL, but for a head that a v4 migration demoted, whose live state they kept.) */
const PLACE_QUEUED_HEAD = `UPDATE queue_heads SET episode = ?2, state = 'queued', deliveries = ?6, token = token_base + ?6, worker = NULL, expires_at = NULL,
  available_at = ?3 + ${HOLD_PARK}, ticket = ?4, reason = ?7, updated_at = NULL, resettle = ?5 WHERE project = ?1`
const SELECT_HEAD = "SELECT project, episode, state, deliveries, token, token_base, reason, expires_at, last_episode FROM queue_heads WHERE project = ?"
/** The head is queued again from now (after the operator's retry), keeping its token: no earlier lease can work again. */
const REQUEUE_FRESH = `UPDATE queue_heads SET state = 'queued', deliveries = 0, reason = NULL, worker = NULL, expires_at = NULL,
  available_at = ?2 + ${HOLD_PARK}, ticket = ?3, updated_at = ?4 WHERE project = ?1`
const RESET_JOB = `UPDATE queue_jobs SET state = 'queued', deliveries = 0, reason = NULL, findings = '[]', updated_at = ?3
  WHERE project = ?1 AND episode = ?2`
const SKIP_JOB = `UPDATE queue_jobs SET state = 'skipped', deliveries = ?3, reason = ?4, findings = '[]', updated_at = ?5
  WHERE project = ?1 AND episode = ?2`
const SELECT_LAST_WORKED = "SELECT MAX(episode) AS episode FROM queue_jobs WHERE project = ? AND state <> 'queued'"
const PROJECT_EXISTS = "SELECT 1 FROM queue_jobs WHERE project = ?1 UNION ALL SELECT 1 FROM queue_holds WHERE project = ?1 LIMIT 1"

export interface SqliteJobQueueOptions {
  /** Deliveries without completion after which a job is dead-lettered. */
  readonly maxDeliveries: number
  /**
   * Ended jobs kept in `queue_ended` before they are folded into their rows (default 128).
   * More means fewer page writes per job and longer scans of `queue_ended` on reads.
   */
  readonly foldEvery?: number
}

const spentReason = (deliveries: number, last: string) => `delivered ${deliveries} times without finishing; last: ${last}`

export const make = (options: SqliteJobQueueOptions) =>
  Effect.gen(function* () {
    const db = yield* Database
    yield* db.migrate("queue", migrations).pipe(Effect.mapError(unavailable))
    const maxDeliveries = Math.max(1, Math.floor(options.maxDeliveries))
    const foldEvery = Math.max(1, Math.floor(options.foldEvery ?? 128))
    /**
     * Tie-breaker among heads available at the same millisecond: a process-local counter, so a
     * head that (re)joins the line goes behind the ones already waiting (round-robin across
     * projects). Another process sharing the file keeps its own counter: fairness between the
     * two is then approximate, correctness is unaffected.
     */
    let tickets = yield* db
      .use((c) => c.get<{ t: number | null }>("SELECT MAX(ticket) AS t FROM queue_heads")?.t ?? 0)
      .pipe(Effect.mapError(unavailable))
    const ticket = () => ++tickets
    const writer = makeGroupCommit(db, unavailable)

    /** Queue time now (coordination/StoreTime.ts), read in the caller's transaction. */
    const queueNow = sqliteStoreClock("queue_clock")

    /**
     * A write through the group-commit writer. \`now\` is queue time, for every deadline and
     * place in line; \`wall\` is Effect's Clock (TestClock in tests), for the stamps people read
     * (enqueuedAt, updatedAt, a lease's expiresAt as its holder sees it).
     */
    const write = <A, E>(body: (c: Connection, now: number, wall: number) => Result.Result<A, E>) =>
      Effect.clockWith((clock) => {
        const wall = clock.currentTimeMillisUnsafe()
        const mono = monotonicMillis(clock)
        return writer.write((c) => body(c, queueNow(c, wall, mono, true), wall))
      })

    const lost = (lease: Lease) => Result.fail(new LeaseLost({ job: lease.job.id, token: lease.token }))
    const held = (c: Connection, lease: Lease) => c.get<HeadRow>(SELECT_HELD, lease.job.project, lease.job.episode, lease.token)

    const foldIfDue = (c: Connection, endedRowid: number) => {
      if (endedRowid >= foldEvery) fold(c)
    }
    /** After a head was committed: the next episode takes its place, and every \`foldEvery\` ended jobs (the rowid of the last one counts them) are folded into their rows. */
    const ended = (c: Connection, project: string, episode: number, endedRowid: number, now: number) => {
      if (c.run(PROMOTE, project, episode, now, ticket()).changes === 0 && c.run(DROP_HEAD, project, episode).changes === 0) {
        placeHead(c, project, episode, now)
      }
      foldIfDue(c, endedRowid)
    }
    /** The head's job is final (for a head read in this transaction: no lease to check). */
    const finish = (c: Connection, head: HeadRow, state: "committed" | "dead", reason: string | null, findings: string, now: number, wall: number) => {
      const endedRowid = c.run(END, head.project, head.episode, state, reason, findings, wall).lastInsertRowid
      if (state === "committed") ended(c, head.project, head.episode, endedRowid, now)
      else {
        c.run(PARK_DEAD, head.project, head.episode, reason ?? head.reason, wall)
        foldIfDue(c, endedRowid)
      }
    }
    /**
     * The slow, general way to the next head, after \`after\` was committed or skipped: the
     * lowest later job that is neither (a dead one holds the project again), or none. For
     * operator actions and for heads whose successors were worked on out of order (\`resettle\`).
     */
    const placeHead = (c: Connection, project: string, after: number, now: number) => {
      fold(c)
      const next = c.get<{ episode: number; state: JobState; deliveries: number; reason: string | null }>(SELECT_NEXT_UNDONE, project, after)
      if (next === undefined) {
        c.run("DELETE FROM queue_heads WHERE project = ?", project)
        return
      }
      const irregular = c.get(SELECT_WORKED_AFTER, project, next.episode) !== undefined ? 1 : 0
      if (next.state === "dead") {
        c.run(PLACE_DEAD_HEAD, project, next.episode, next.deliveries, PARKED, ticket(), next.reason, irregular)
      } else {
        c.run(PLACE_QUEUED_HEAD, project, next.episode, now, ticket(), irregular, next.deliveries, next.reason)
      }
    }
    const finished = (c: Connection, head: HeadRow) => toJob(c.get<JobRow>(LIVE_BY_EPISODE, head.project, head.episode)!)

    const enqueue: JobQueueShape["enqueue"] = (project, episodes) =>
      Effect.flatMap(episodesToEnqueue(episodes), (wanted): ReturnType<JobQueueShape["enqueue"]> => {
        if (wanted.length === 0) return Effect.succeed([])
        return write((c, now, wall): Result.Result<ReadonlyArray<Enqueued>, EpisodeGap> => {
          // A project has a head iff it has a job that is not final; the head knows the project's last episode.
          const head = c.get<{ last_episode: number }>(SELECT_LAST_QUEUED, project)
          const highest = head?.last_episode ?? c.get<{ highest: number | null }>(SELECT_HIGHEST, project)?.highest ?? 0
          const nextExpected = highest + 1
          // Checked as a whole before anything is written: the new numbers must continue the sequence.
          let next = nextExpected
          for (const n of wanted) {
            if (n <= highest) continue
            if (n > next) return Result.fail(new EpisodeGap({ project, requested: n, nextExpected }))
            next = n + 1
          }
          // The new numbers are exactly nextExpected..next-1.
          const out: Array<Enqueued> = []
          for (const n of wanted) {
            if (n <= highest) out.push({ job: toJob(c.get<JobRow>(LIVE_BY_EPISODE, project, n)!), created: false })
            else {
              const job: Job = { id: jobIdOf(project, n), project, episode: n, state: "queued", deliveries: 0, reason: null, findings: EMPTY, enqueuedAt: wall, updatedAt: wall }
              out.push({ job, created: true })
            }
          }
          if (next > nextExpected) {
            c.run(INSERT_RANGE, project, nextExpected, next - 1, wall)
            if (head === undefined) c.run(INSERT_HEAD, project, nextExpected, now, ticket(), next - 1)
            else c.run(SET_LAST_QUEUED, next - 1, project)
          }
          return Result.succeed(out)
        })
      })

    /**
     * Takes the oldest ready head. One whose deliveries are spent (its holders crashed) is
     * dead-lettered on the way, and the next one is tried.
     */
    const claim: JobQueueShape["claim"] = (worker, { leaseMs }) =>
      write((c, now, wall): Result.Result<Option.Option<Lease>, never> => {
        for (;;) {
          const head = c.get<HeadRow & { readonly enqueued_at: number }>(SELECT_READY, now)
          if (head === undefined) return Result.succeed(Option.none())
          if (head.deliveries >= maxDeliveries) {
            const last = isLeased(head.state) ? "lease expired" + (head.reason === null ? "" : `; before that: ${head.reason}`) : (head.reason ?? "lease expired")
            finish(c, head, "dead", spentReason(head.deliveries, last), NO_FINDINGS, now, wall)
            continue
          }
          c.run(CLAIM, worker, now + leaseMs, wall, head.project)
          const job: Job = {
            id: jobIdOf(head.project, head.episode),
            project: head.project,
            episode: head.episode,
            state: "writing",
            deliveries: head.deliveries + 1,
            reason: head.reason,
            findings: EMPTY,
            enqueuedAt: head.enqueued_at,
            updatedAt: wall,
          }
          return Result.succeed(Option.some({ job, worker, token: head.token + 1, expiresAt: wall + leaseMs }))
        }
      })

    const heartbeat: JobQueueShape["heartbeat"] = (lease, leaseMs) =>
      write((c, now, wall) => {
        if (c.run(HEARTBEAT, now + leaseMs, wall, lease.job.project, lease.job.episode, lease.token).changes === 0) return lost(lease)
        return Result.succeed({ ...toLease(c.get<JobRow>(LIVE_BY_EPISODE, lease.job.project, lease.job.episode)!), expiresAt: wall + leaseMs })
      })

    const setStage: JobQueueShape["setStage"] = (lease, state) =>
      write((c, _now, wall) =>
        c.run(SET_STAGE, state, wall, lease.job.project, lease.job.episode, lease.token).changes === 0 ? lost(lease) : Result.void
      )

    /*
     * The hot path: two writes and no read. The returned job is the lease's with its new state:
     * a held lease freezes the rest (deliveries move only in a claim, which moves the token
     * on; reason and findings only when a lease ends; id, project, episode and enqueue time never).
     */
    const complete: JobQueueShape["complete"] = (lease) =>
      write((c, now, wall): Result.Result<Job, LeaseLost> => {
        const { project, episode } = lease.job
        const row = c.run(END_HELD, project, episode, "committed", null, NO_FINDINGS, wall, lease.token)
        if (row.changes === 0) return lost(lease)
        ended(c, project, episode, row.lastInsertRowid, now)
        return Result.succeed({ ...lease.job, state: "committed", findings: EMPTY, updatedAt: wall })
      })

    const deadLetter: JobQueueShape["deadLetter"] = (lease, reason, findings) =>
      write((c, now, wall) => {
        const head = held(c, lease)
        if (head === undefined) return lost(lease)
        finish(c, head, "dead", reason, findings === undefined ? NO_FINDINGS : JSON.stringify(findings), now, wall)
        return Result.succeed(finished(c, head))
      })

    const retry: JobQueueShape["retry"] = (lease, { reason, delayMs, transient }) =>
      write((c, now, wall): Result.Result<Job, LeaseLost> => {
        const head = held(c, lease)
        if (head === undefined) return lost(lease)
        if (!transient && head.deliveries >= maxDeliveries) {
          finish(c, head, "dead", spentReason(head.deliveries, reason), NO_FINDINGS, now, wall)
        } else {
          c.run(REQUEUE, reason, transient ? 1 : 0, now + Math.max(0, delayMs), wall, ticket(), head.project)
        }
        return Result.succeed(finished(c, head))
      })

    const get: JobQueueShape["get"] = (id) =>
      db
        .use((c) => {
          const key = keyOf(id)
          return key === undefined ? Option.none<Job>() : Option.map(Option.fromNullishOr(c.get<JobRow>(LIVE_BY_EPISODE, key.project, key.episode)), toJob)
        })
        .pipe(Effect.mapError(unavailable))

    const list: JobQueueShape["list"] = (filter?: ListJobs) =>
      db
        .use((c) => {
          const states = filter?.states === undefined ? null : JSON.stringify(filter.states)
          const limit = filter?.limit ?? -1
          const rows =
            filter?.project === undefined
              ? c.all<JobRow>(
                  "SELECT * FROM queue_jobs_live WHERE (?1 IS NULL OR state IN (SELECT value FROM json_each(?1))) ORDER BY seq DESC LIMIT ?2",
                  states,
                  limit,
                )
              : c.all<JobRow>(
                  "SELECT * FROM queue_jobs_live WHERE project = ?1 AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2))) ORDER BY episode DESC LIMIT ?3",
                  filter.project,
                  states,
                  limit,
                )
          return rows.map(toJob)
        })
        .pipe(Effect.mapError(unavailable))

    // A job's row is `queued` until the fold after it ended: the open jobs are those rows but the ended ones.
    const stats: JobQueueShape["stats"] = Effect.clockWith((clock) =>
      db.use((c): QueueStats => {
        const now = queueNow(c, clock.currentTimeMillisUnsafe(), monotonicMillis(clock), false)
        // the jobs at rest from their counts; the ended ones not folded yet and the heads (small tables) by scan
        const r = c.get<{ queued: number; ended: number; inFlight: number; committed: number; dead: number; skipped: number; held: number }>(
          `SELECT
             (SELECT n FROM queue_counts WHERE state = 'queued') AS queued,
             (SELECT COUNT(*) FROM queue_ended) AS ended,
             (SELECT COUNT(*) FROM queue_heads WHERE state <> 'queued' AND COALESCE(expires_at, 0) > ?1) AS inFlight,
             (SELECT n FROM queue_counts WHERE state = 'committed') + (SELECT COUNT(*) FROM queue_ended WHERE state = 'committed') AS committed,
             (SELECT n FROM queue_counts WHERE state = 'dead') + (SELECT COUNT(*) FROM queue_ended WHERE state = 'dead') AS dead,
             (SELECT n FROM queue_counts WHERE state = 'skipped') AS skipped,
             (SELECT COUNT(*) FROM queue_heads WHERE state = 'dead')
               + (SELECT COUNT(*) FROM queue_holds AS o WHERE NOT EXISTS (SELECT 1 FROM queue_heads AS d WHERE d.project = o.project AND d.state = 'dead')) AS held`,
          now,
        )!
        return { queued: r.queued - r.ended - r.inFlight, inFlight: r.inFlight, committed: r.committed, dead: r.dead, skipped: r.skipped, held: r.held }
      })
    ).pipe(Effect.mapError(unavailable))

    const projectStates: JobQueueShape["projectStates"] = (project) =>
      Effect.clockWith((clock) =>
        db.use((c): ReadonlyArray<ProjectState> => {
          const now = queueNow(c, clock.currentTimeMillisUnsafe(), monotonicMillis(clock), false)
          const only = project ?? null
          const counts = c.all<{ project: string; state: JobState; live: number; n: number }>(
            `SELECT project, state, COALESCE(expires_at > ?2, 0) AS live, COUNT(*) AS n FROM queue_jobs_live
             WHERE ?1 IS NULL OR project = ?1 GROUP BY project, state, live`,
            only,
            now,
          )
          const heads = c.all<{ project: string; episode: number; state: JobState; reason: string | null }>(
            "SELECT project, episode, state, reason FROM queue_heads WHERE ?1 IS NULL OR project = ?1",
            only,
          )
          const holds = c.all<{ project: string; reason: string }>("SELECT project, reason FROM queue_holds WHERE ?1 IS NULL OR project = ?1", only)
          return projectStatesOf(counts, heads, holds)
        })
      ).pipe(Effect.mapError(unavailable))

    const jobNow = (c: Connection, project: string, episode: number) => toJob(c.get<JobRow>(LIVE_BY_EPISODE, project, episode)!)
    
    const retryJob: JobQueueShape["retryJob"] = (project, episode) =>
      write((c, now, wall): Result.Result<Job, JobNotFound | JobStateConflict> => {
        fold(c)
        const job = c.get<JobRow>(LIVE_BY_EPISODE, project, episode)
        if (job === undefined) return Result.fail(new JobNotFound({ project, episode }))
        const conflict = (detail?: string) =>
          Result.fail(new JobStateConflict({ project, episode, action: "retry", state: job.state, allowed: ["dead", "queued"], ...(detail === undefined ? {} : { detail }) }))
        if (job.state !== "dead" && job.state !== "queued") return conflict()
        const head = c.get<HeadDetail>(SELECT_HEAD, project)
        if (head === undefined || head.episode !== episode) {
          // A queued job behind the head has nothing to reset; a dead one there ended before v4.
          if (job.state === "queued") return Result.succeed(toJob(job))
          return conflict(`episode ${head?.episode} holds the project first: retry or skip it first`)
        }
        if (job.state === "dead") c.run(RESET_JOB, project, episode, wall)
        c.run(REQUEUE_FRESH, project, now, ticket(), wall)
        return Result.succeed(jobNow(c, project, episode))
      })

    const skipJob: JobQueueShape["skipJob"] = (project, episode, reason) =>
      write((c, now, wall): Result.Result<Job, JobNotFound | JobStateConflict> => {
        fold(c)
        const job = c.get<JobRow>(LIVE_BY_EPISODE, project, episode)
        if (job === undefined) return Result.fail(new JobNotFound({ project, episode }))
        const conflict = (detail?: string) =>
          Result.fail(new JobStateConflict({ project, episode, action: "skip", state: job.state, allowed: ["dead", "queued"], ...(detail === undefined ? {} : { detail }) }))
        if (job.state !== "dead" && job.state !== "queued") return conflict()
        const head = c.get<HeadDetail>(SELECT_HEAD, project)
        if (head === undefined || head.episode !== episode) return conflict(`only the episode the project waits on (${head?.episode}) can be skipped`)
        c.run(SKIP_JOB, project, episode, head.deliveries, reason, wall)
        placeHead(c, project, episode, now)
        return Result.succeed(jobNow(c, project, episode))
      })

    const cancel: JobQueueShape["cancel"] = (project, fromEpisode = 1) =>
      write((c): Result.Result<Cancelled, never> => {
        fold(c)
        const head = c.get<HeadDetail>(SELECT_HEAD, project)
        if (head === undefined) return Result.succeed({ project, episodes: [] })
        // Only jobs never claimed go (a lease from before could match the tokens of the same job enqueued again), and never
        // one below a job that stays: the head goes unless it was claimed, is in flight or dead; a job worked on out of order stays.
        const worked = c.get<{ episode: number | null }>(SELECT_LAST_WORKED, project)?.episode ?? 0
        const neverClaimed = head.state === "queued" && head.token === head.token_base
        const start = Math.max(Math.floor(fromEpisode), neverClaimed ? head.episode : head.episode + 1, worked + 1)
        if (start > head.last_episode) return Result.succeed({ project, episodes: [] })
        c.run("DELETE FROM queue_jobs WHERE project = ? AND episode >= ?", project, start)
        if (start === head.episode) c.run("DELETE FROM queue_heads WHERE project = ?", project)
        else c.run(SET_LAST_QUEUED, start - 1, project)
        return Result.succeed({ project, episodes: Array.from({ length: head.last_episode - start + 1 }, (_, i) => start + i) })
      })

    const hold: JobQueueShape["hold"] = (project, reason) =>
      write((c, _now, wall): Result.Result<HoldChange, ProjectNotFound> => {
        if (c.get(PROJECT_EXISTS, project) === undefined) return Result.fail(new ProjectNotFound({ project }))
        const changed = c.run("INSERT INTO queue_holds (project, reason, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", project, reason, wall).changes > 0
        if (changed) c.run(`UPDATE queue_heads SET available_at = available_at + ${PARKED} WHERE project = ? AND available_at < ${PARKED}`, project)
        return Result.succeed({ project, changed })
      })

    const resume: JobQueueShape["resume"] = (project) =>
      write((c): Result.Result<HoldChange, ProjectNotFound> => {
        if (c.get(PROJECT_EXISTS, project) === undefined) return Result.fail(new ProjectNotFound({ project }))
        const changed = c.run("DELETE FROM queue_holds WHERE project = ?", project).changes > 0
        if (changed) c.run(`UPDATE queue_heads SET available_at = available_at - ${PARKED} WHERE project = ? AND state <> 'dead' AND available_at >= ${PARKED}`, project)
        return Result.succeed({ project, changed })
      })

    const deleteProject: JobQueueShape["deleteProject"] = (project, options) =>
      write((c, now): Result.Result<DeletedProject, ProjectNotFound | ProjectBusy> => {
        if (c.get(PROJECT_EXISTS, project) === undefined) return Result.fail(new ProjectNotFound({ project }))
        const head = c.get<HeadDetail>(SELECT_HEAD, project)
        if (head !== undefined && isLeased(head.state) && (head.expires_at ?? 0) > now && options?.force !== true) {
          return Result.fail(new ProjectBusy({ project, episode: head.episode }))
        }
        fold(c)
        const jobs = c.run("DELETE FROM queue_jobs WHERE project = ?", project).changes
        c.run("DELETE FROM queue_heads WHERE project = ?", project)
        c.run(
          "INSERT INTO queue_fences (project, base) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET base = base + ?2",
          project,
          TOKEN_GENERATION,
        )
        c.run("DELETE FROM queue_holds WHERE project = ?", project)
        return Result.succeed({ project, jobs })
      })

    return JobQueue.of({
      enqueue,
      claim,
      heartbeat,
      setStage,
      complete,
      retry,
      deadLetter,
      get,
      list,
      stats,
      projectStates,
      retryJob,
      skipJob,
      cancel,
      hold,
      resume,
      deleteProject,
    })
  })

const unavailable = (e: SqliteError) => new QueueUnavailable({ message: e.message, cause: e })

/** `JobQueue` on the embedded SQLite database (shares the `Database` connection with the other embedded adapters). */
export const layer = (options: SqliteJobQueueOptions): Layer.Layer<JobQueue, QueueUnavailable, Database> => Layer.effect(JobQueue, make(options))

export const SqliteJobQueue = { make, layer } as const
