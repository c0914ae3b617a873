/**
 * `OutlineStore` on the shared embedded database: its own migration component (`outline`) and its
 * own tables. A write is one `BEGIN IMMEDIATE` transaction (load → pure edit → save), and the
 * database itself refuses to change or delete a written beat (triggers), a second line behind the
 * edits' own `BeatFrozen`.
 */
import { Effect, Layer, Result, Schema } from "effect"
import { Outline } from "../domain/Outline.ts"
import { keepRecent } from "../util/Lru.ts"
import { type Connection, Database, type Migration, SqliteError } from "../sqlite/Database.ts"
import { OutlineUnavailable } from "./OutlineErrors.ts"
import { makeOutlineStore, type OutlineBackend, OutlineStore } from "./OutlineStore.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export const outlineMigrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "outline: series, arcs, beats with history, threads",
    up: `
      CREATE TABLE outline_series (project TEXT PRIMARY KEY, premise TEXT NOT NULL);
      CREATE TABLE outline_arcs (
        project TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, goal TEXT NOT NULL,
        from_episode INTEGER NOT NULL, to_episode INTEGER NOT NULL, author TEXT NOT NULL,
        PRIMARY KEY (project, id));
      CREATE TABLE outline_beats (
        project TEXT NOT NULL, episode INTEGER NOT NULL, arc TEXT NOT NULL, text TEXT NOT NULL, title TEXT,
        characters TEXT NOT NULL, threads TEXT NOT NULL, state TEXT NOT NULL, history TEXT NOT NULL,
        PRIMARY KEY (project, episode));
      CREATE TABLE outline_threads (
        project TEXT NOT NULL, id TEXT NOT NULL, ord INTEGER NOT NULL, description TEXT NOT NULL,
        planted_in INTEGER NOT NULL, hints TEXT NOT NULL, planned_payoff INTEGER, paid_off_in INTEGER, state TEXT NOT NULL,
        PRIMARY KEY (project, id));
      CREATE TRIGGER outline_written_beat_kept BEFORE DELETE ON outline_beats WHEN OLD.state = 'written'
        BEGIN SELECT RAISE(ABORT, 'outline: a written beat cannot be removed'); END;
      CREATE TRIGGER outline_written_beat_frozen BEFORE UPDATE ON outline_beats
        WHEN OLD.state = 'written' AND (NEW.state <> 'written' OR NEW.text <> OLD.text OR NEW.episode <> OLD.episode)
        BEGIN SELECT RAISE(ABORT, 'outline: a written beat cannot change'); END;
    `,
  },
  {
    version: 2,
    description: "outline: a deleted project's written beats may go with it",
    // The series row goes first when a project is deleted; only then may its written beats be removed.
    up: `
      DROP TRIGGER outline_written_beat_kept;
      CREATE TRIGGER outline_written_beat_kept BEFORE DELETE ON outline_beats
        WHEN OLD.state = 'written' AND EXISTS (SELECT 1 FROM outline_series WHERE project = OLD.project)
        BEGIN SELECT RAISE(ABORT, 'outline: a written beat cannot be removed'); END;
    `,
  },
]

interface BeatRow {
  episode: number
  arc: string
  text: string
  title: string | null
  characters: string
  threads: string
  state: string
  history: string
}
interface ArcRow {
  id: string
  title: string
  goal: string
  from_episode: number
  to_episode: number
  author: string
}
interface ThreadRow {
  id: string
  description: string
  planted_in: number
  hints: string
  planned_payoff: number | null
  paid_off_in: number | null
  state: string
}

const decodeOutline = Schema.decodeUnknownSync(Outline)

class CorruptOutline {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/** The stored outline of a project, decoded with its schema (a row that does not decode is reported, not guessed at). */
const load = (conn: Connection, project: string): Outline | undefined => {
  const series = conn.get<{ premise: string }>("SELECT premise FROM outline_series WHERE project = ?", project)
  if (series === undefined) return undefined
  const arcs = conn.all<ArcRow>("SELECT * FROM outline_arcs WHERE project = ? ORDER BY from_episode", project)
  const beats = conn.all<BeatRow>("SELECT * FROM outline_beats WHERE project = ? ORDER BY episode", project)
  const threads = conn.all<ThreadRow>("SELECT * FROM outline_threads WHERE project = ? ORDER BY ord", project)
  try {
    return decodeOutline({
      project,
      premise: series.premise,
      arcs: arcs.map((a) => ({ id: a.id, title: a.title, goal: a.goal, from: a.from_episode, to: a.to_episode, by: a.author })),
      beats: beats.map((b) => ({
        episode: b.episode,
        arc: b.arc,
        text: b.text,
        ...(b.title === null ? {} : { title: b.title }),
        characters: JSON.parse(b.characters),
        threads: JSON.parse(b.threads),
        state: b.state,
        history: JSON.parse(b.history),
      })),
      threads: threads.map((t) => ({
        id: t.id,
        description: t.description,
        plantedIn: t.planted_in,
        hints: JSON.parse(t.hints),
        ...(t.planned_payoff === null ? {} : { plannedPayoff: t.planned_payoff }),
        ...(t.paid_off_in === null ? {} : { paidOffIn: t.paid_off_in }),
        state: t.state,
      })),
    })
  } catch (error) {
    throw new CorruptOutline(`the stored outline of '${project}' does not decode: ${errorMessage(error)}`)
  }
}

/** Whether two lists hold the very same elements: the pure edits keep what they do not change. */
const unchanged = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A> | undefined): boolean =>
  b !== undefined && a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Writes `outline` over `previous` (what the rows held): only the parts an edit replaced, since the
 * commit path marks one beat written per episode and rewriting a 300-beat outline each time showed
 * as the factory's dearest write.
 */
const save = (conn: Connection, outline: Outline, previous: Outline | undefined): void => {
  const p = outline.project
  if (previous === undefined || previous.premise !== outline.premise) {
    conn.run("INSERT INTO outline_series (project, premise) VALUES (?, ?) ON CONFLICT (project) DO UPDATE SET premise = excluded.premise", p, outline.premise)
  }
  if (!unchanged(outline.arcs, previous?.arcs)) {
    conn.run("DELETE FROM outline_arcs WHERE project = ?", p)
    for (const a of outline.arcs) {
      conn.run("INSERT INTO outline_arcs (project, id, title, goal, from_episode, to_episode, author) VALUES (?, ?, ?, ?, ?, ?, ?)", p, a.id, a.title, a.goal, a.from, a.to, a.by)
    }
  }
  const kept = new Set(outline.beats.map((b) => b.episode))
  if (previous === undefined || previous.beats.some((b) => !kept.has(b.episode))) {
    for (const { episode } of conn.all<{ episode: number }>("SELECT episode FROM outline_beats WHERE project = ?", p)) {
      if (!kept.has(episode)) conn.run("DELETE FROM outline_beats WHERE project = ? AND episode = ?", p, episode)
    }
  }
  const before = new Map(previous?.beats.map((b) => [b.episode, b]))
  for (const b of outline.beats) {
    if (before.get(b.episode) === b) continue
    conn.run(
      `INSERT INTO outline_beats (project, episode, arc, text, title, characters, threads, state, history) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project, episode) DO UPDATE SET arc = excluded.arc, text = excluded.text, title = excluded.title,
         characters = excluded.characters, threads = excluded.threads, state = excluded.state, history = excluded.history`,
      p, b.episode, b.arc, b.text, b.title ?? null, JSON.stringify(b.characters), JSON.stringify(b.threads), b.state, JSON.stringify(b.history),
    )
  }
  if (unchanged(outline.threads, previous?.threads)) return
  conn.run("DELETE FROM outline_threads WHERE project = ?", p)
  outline.threads.forEach((t, i) => {
    conn.run(
      "INSERT INTO outline_threads (project, id, ord, description, planted_in, hints, planned_payoff, paid_off_in, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      p, t.id, i, t.description, t.plantedIn, JSON.stringify(t.hints), t.plannedPayoff ?? null, t.paidOffIn ?? null, t.state,
    )
  })
}

const unavailable = (error: SqliteError | CorruptOutline) => new OutlineUnavailable({ message: error.message, cause: error })

/**
 * Every job asks for its project's outline and every commit changes one beat of it: the outline as
 * last read or written is kept per project (LRU) with SQLite's `data_version` at the read, which
 * moves only when another connection (another process) commits; this connection's own writes put
 * their result in its place. An unchanged number means the rows are what they were.
 */
interface OutlineRead {
  readonly dataVersion: number
  readonly outline: Outline | undefined
}

const OUTLINES_KEPT = 64

export const makeSqliteOutlineBackend = (db: Database["Service"]): OutlineBackend => {
  const kept = new Map<string, OutlineRead>()
  /** The outline as the rows hold it now (read inside a transaction or snapshot). */
  const current = (conn: Connection, project: string): OutlineRead => {
    const dataVersion = conn.get<{ data_version: number }>("PRAGMA data_version")!.data_version
    const known = kept.get(project)
    const read = known !== undefined && known.dataVersion === dataVersion ? known : { dataVersion, outline: load(conn, project) }
    keepRecent(kept, project, read, OUTLINES_KEPT)
    return read
  }
  return {
  remove: (project) =>
    db.transaction((conn) => {
      kept.delete(project)
      const had = conn.run("DELETE FROM outline_series WHERE project = ?", project).changes > 0
      for (const table of ["outline_beats", "outline_arcs", "outline_threads"]) conn.run(`DELETE FROM ${table} WHERE project = ?`, project)
      return had
    }).pipe(Effect.mapError(unavailable)),
  read: (project) =>
    db.snapshot((conn) => {
      try {
        return Result.succeed(current(conn, project).outline)
      } catch (error) {
        if (error instanceof CorruptOutline) return Result.fail(error)
        throw error
      }
    }).pipe(
      Effect.flatMap((r) => (Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(unavailable(r.failure)))),
      Effect.mapError((e) => (e instanceof SqliteError ? unavailable(e) : e)),
    ),
  modify: <A, E>(project: string, f: (current: Outline | undefined) => Result.Result<{ readonly outline: Outline; readonly value: A }, E>) =>
    Effect.suspend(() => {
      let written: OutlineRead | undefined
      return db.transactionResult((conn): Result.Result<A, E | CorruptOutline> => {
        let before: OutlineRead
        try {
          before = current(conn, project)
        } catch (error) {
          if (error instanceof CorruptOutline) return Result.fail(error)
          throw error
        }
        const result = f(before.outline)
        if (Result.isFailure(result)) return Result.fail(result.failure)
        if (result.success.outline !== before.outline) {
          // forgotten until the transaction is in: one that rolls back leaves the rows as they were
          kept.delete(project)
          save(conn, result.success.outline, before.outline)
          written = { dataVersion: before.dataVersion, outline: result.success.outline }
        }
        return Result.succeed(result.success.value)
      }).pipe(
        Effect.tap(() => Effect.sync(() => (written === undefined ? undefined : keepRecent(kept, project, written, OUTLINES_KEPT)))),
        Effect.mapError((e) => (e instanceof SqliteError || e instanceof CorruptOutline ? unavailable(e) : e as E)),
      )
    }),
  }
}

export const SqliteOutlineStore = {
  /** On the shared `Database`; brings the `outline` component's schema up to date first. */
  layer: Layer.effect(
    OutlineStore,
    Effect.gen(function* () {
      const db = yield* Database
      yield* db.migrate("outline", outlineMigrations).pipe(Effect.mapError(unavailable))
      return OutlineStore.of(makeOutlineStore(makeSqliteOutlineBackend(db)))
    }),
  ),
}
