import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite"
import { Context, Data, Effect, Layer, Result } from "effect"
import { BACKSTOP_PAGES, type CheckpointerOptions, INLINE_PAGES, startCheckpointer } from "./Checkpointer.ts"
import { databaseFile, isFile, openDatabase } from "./openDatabase.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export { databaseFile, openDatabase } from "./openDatabase.ts"

/**
 * The embedded database failed (I/O error, `SQLITE_BUSY` after `busy_timeout`, disk full,
 * database closed …). The adapters map it to their service's `…Unavailable` error.
 */
export class SqliteError extends Data.TaggedError("SqliteError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export type SqlParam = SQLInputValue
export type Row = Record<string, SQLInputValue>

/**
 * Synchronous access to the connection, valid only inside the body passed to
 * `use` / `transaction` / `transactionResult`. Statements are prepared once per SQL
 * text and cached for the life of the connection.
 */
export interface Connection {
  readonly run: (sql: string, ...params: ReadonlyArray<SqlParam>) => { readonly changes: number; readonly lastInsertRowid: number }
  readonly get: <R = Row>(sql: string, ...params: ReadonlyArray<SqlParam>) => R | undefined
  readonly all: <R = Row>(sql: string, ...params: ReadonlyArray<SqlParam>) => Array<R>
  /** Runs one or more statements without parameters (DDL). Not cached. */
  readonly exec: (sql: string) => void
  /**
   * Which outermost transaction the connection is in (a number that grows with each), or undefined
   * outside one: what a reading may be kept for, since no other process writes while it lasts.
   */
  readonly transactionSerial: () => number | undefined
}

export interface Migration {
  /** 1, 2, 3 … applied in order; each at most once per database. */
  readonly version: number
  readonly description: string
  readonly up: string | ((conn: Connection) => void)
}

export interface DatabaseShape {
  /** The file path, or `:memory:`. */
  readonly path: string
  /** Runs a synchronous body against the connection (no transaction of its own: use it for reads). */
  readonly use: <A>(body: (conn: Connection) => A) => Effect.Effect<A, SqliteError>
  /**
   * `BEGIN IMMEDIATE` … `COMMIT`, or `ROLLBACK` when the body throws.
   *
   * The body is synchronous on purpose: the connection is shared by every fiber of the
   * process, and a body that could yield would let another fiber's statements run inside
   * this transaction. A synchronous body is atomic with respect to all other fibers, and
   * `IMMEDIATE` takes SQLite's write lock up front so another process can't make us fail
   * half-way with `SQLITE_BUSY` (it waits up to `busy_timeout` instead). Nested calls
   * (a transaction body that calls a helper which opens one) use a SAVEPOINT.
   */
  readonly transaction: <A>(body: (conn: Connection) => A) => Effect.Effect<A, SqliteError>
  /**
   * A read-only body in a deferred transaction: all its statements see one snapshot, even
   * while another process writes (WAL readers don't block and aren't blocked).
   */
  readonly snapshot: <A>(body: (conn: Connection) => A) => Effect.Effect<A, SqliteError>
  /**
   * Like `transaction`, for bodies that can fail with a domain error: a `Result.fail(e)`
   * rolls the transaction back and fails the effect with `e`.
   */
  readonly transactionResult: <A, E>(body: (conn: Connection) => Result.Result<A, E>) => Effect.Effect<A, E | SqliteError>
  /**
   * Brings one component's schema (`"queue"`, `"story"` …) up to date. Versions are recorded per
   * component in `schema_version`, so several adapters can share one database file; each
   * migration runs in its own transaction together with its version bump.
   */
  readonly migrate: (component: string, migrations: ReadonlyArray<Migration>) => Effect.Effect<void, SqliteError>
}

export interface DatabaseOptions {
  /** A file path (its directory is created) or `:memory:`. */
  readonly path: string
  /** How long to wait for another process's write lock before failing with SQLITE_BUSY. Default 5 s. */
  readonly busyTimeoutMs?: number
  /**
   * Checkpoint the WAL on a thread of its own (see `Checkpointer.ts`) instead of inside the
   * commits of this connection. For a file database; off by default (tests open many databases).
   */
  readonly checkpointThread?: boolean | CheckpointerOptions
}

const isSqliteFailure = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const code = (error as { code?: unknown }).code
  // ERR_SQLITE_ERROR: anything SQLite reported; ERR_INVALID_STATE: database closed / statement finalized.
  return code === "ERR_SQLITE_ERROR" || code === "ERR_INVALID_STATE"
}


/** Maps `SqliteError` (only) to a service's own error, keeping the other errors as they are. */
export const mapSqliteError =
  <E2>(f: (error: SqliteError) => E2) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqliteError> | E2, R> =>
    Effect.mapError(self, (e) => (e instanceof SqliteError ? f(e) : e)) as Effect.Effect<A, Exclude<E, SqliteError> | E2, R>

/** Thrown inside a transaction body to roll back with a domain error (see `transactionResult`). */
class Abort {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

/** Builds the service around an open connection (exposed for tests and the bench). */
export const makeDatabase = (db: DatabaseSync, path: string): DatabaseShape => {
  const cache = new Map<string, StatementSync>()
  const prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql)
    if (statement === undefined) {
      statement = db.prepare(sql)
      cache.set(sql, statement)
    }
    return statement
  }
  const conn: Connection = {
    run: (sql, ...params) => {
      const r = prepare(sql).run(...params)
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) }
    },
    get: <R>(sql: string, ...params: ReadonlyArray<SqlParam>) => prepare(sql).get(...params) as R | undefined,
    all: <R>(sql: string, ...params: ReadonlyArray<SqlParam>) => prepare(sql).all(...params) as Array<R>,
    exec: (sql) => db.exec(sql),
    transactionSerial: () => (db.isTransaction ? serial : undefined),
  }

  let savepoints = 0
  /** Counts outermost transactions (see `Connection.transactionSerial`). */
  let serial = 0
  /** Runs the body in a transaction; rethrows whatever it throws after rolling back. */
  const inTransaction = <A>(body: (conn: Connection) => A, begin: "BEGIN IMMEDIATE" | "BEGIN" = "BEGIN IMMEDIATE"): A => {
    if (db.isTransaction) {
      const name = `sp${++savepoints}`
      db.exec(`SAVEPOINT ${name}`)
      try {
        const a = body(conn)
        db.exec(`RELEASE ${name}`)
        return a
      } catch (error) {
        db.exec(`ROLLBACK TO ${name}`)
        db.exec(`RELEASE ${name}`)
        throw error
      } finally {
        savepoints--
      }
    }
    prepare(begin).run()
    serial++
    try {
      const a = body(conn)
      prepare("COMMIT").run()
      return a
    } catch (error) {
      // A failed COMMIT or statement may already have ended the transaction.
      if (db.isOpen && db.isTransaction) prepare("ROLLBACK").run()
      throw error
    }
  }

  const attempt = <A, E>(thunk: () => A): Effect.Effect<A, E | SqliteError> =>
    Effect.suspend((): Effect.Effect<A, E | SqliteError> => {
      try {
        return Effect.succeed(thunk())
      } catch (error) {
        if (error instanceof Abort) return Effect.fail(error.error as E)
        if (isSqliteFailure(error)) return Effect.fail(new SqliteError({ message: `sqlite (${path}): ${errorMessage(error)}`, cause: error }))
        return Effect.die(error)
      }
    })

  const use = <A>(body: (conn: Connection) => A) => attempt<A, never>(() => body(conn))
  const transaction = <A>(body: (conn: Connection) => A) => attempt<A, never>(() => inTransaction(body))
  const snapshot = <A>(body: (conn: Connection) => A) => attempt<A, never>(() => inTransaction(body, "BEGIN"))
  const transactionResult = <A, E>(body: (conn: Connection) => Result.Result<A, E>) =>
    attempt<A, E>(() =>
      inTransaction((c) => {
        const result = body(c)
        if (Result.isFailure(result)) throw new Abort(result.failure)
        return result.success
      })
    )

  const migrate = (component: string, migrations: ReadonlyArray<Migration>) =>
    attempt<void, never>(() => {
      db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"
      )
      const sorted = [...migrations].sort((a, b) => a.version - b.version)
      sorted.forEach((m, i) => {
        if (m.version !== i + 1) throw new Error(`migrations of '${component}' must be numbered 1, 2, 3 …; got ${m.version} at position ${i + 1}`)
      })
      const latest = sorted.length
      for (const m of sorted) {
        inTransaction((c) => {
          // Re-read inside the write lock: another process may have migrated meanwhile.
          const current = c.get<{ version: number }>("SELECT version FROM schema_version WHERE component = ?", component)?.version ?? 0
          if (current > latest) {
            throw Object.assign(new Error(`the '${component}' schema of ${path} is at version ${current}, newer than this program (${latest})`), {
              code: "ERR_SQLITE_ERROR",
            })
          }
          if (current >= m.version) return
          if (typeof m.up === "string") c.exec(m.up)
          else m.up(c)
          c.run(
            "INSERT INTO schema_version (component, version, description, applied_at) VALUES (?, ?, ?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version, description = excluded.description, applied_at = excluded.applied_at",
            component,
            m.version,
            m.description,
            Date.now(),
          )
        })
      }
    })

  return { path, use, transaction, snapshot, transactionResult, migrate }
}

/**
 * One `node:sqlite` connection per process, shared by the embedded adapters (queue, story
 * store …). node:sqlite is synchronous, so one connection serialises all access without locks.
 */
export class Database extends Context.Service<Database, DatabaseShape>()("novel-factory/sqlite/Database") {
  /** Scoped: the connection is closed when the layer's scope closes. */
  static readonly layer = (options: DatabaseOptions): Layer.Layer<Database, SqliteError> =>
    Layer.effect(
      Database,
      Effect.acquireRelease(
        Effect.try({
          try: () => openDatabase(options),
          catch: (error) => new SqliteError({ message: `cannot open ${options.path}: ${errorMessage(error)}`, cause: error }),
        }),
        (db) => Effect.sync(() => {
          if (db.isOpen) db.close()
        }),
      ).pipe(
        Effect.tap((db) => {
          const checkpointer = options.checkpointThread
          if (checkpointer === undefined || checkpointer === false || !db.isOpen || !isFile(options.path)) return Effect.void
          db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`)
          return startCheckpointer(options.path, checkpointer === true ? {} : checkpointer, () => {
            if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_PAGES}`)
          })
        }),
        Effect.map((db) => Database.of(makeDatabase(db, options.path))),
      ),
    )

  /** The database file in a data directory (`<dataDir>/factory.db`). */
  static readonly layerIn = (dataDir: string, options?: Omit<DatabaseOptions, "path">): Layer.Layer<Database, SqliteError> =>
    Database.layer({ ...options, path: databaseFile(dataDir) })
}
