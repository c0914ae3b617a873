/**
 * Single instance: one `serve` / `run` process per embedded data directory.
 *
 * The lock is one row in the data directory's own SQLite database (`instance_lock`, in
 * `factory.db`, on a connection of its own so it can be taken before the factory opens
 * anything). The holder writes its pid, host, start time and a heartbeat, renewed every
 * `heartbeatMs`; a clean exit deletes the row. A second process is refused while the holder
 * looks alive. The lock is *stale* — and taken over — when
 *
 * - the holder ran on this host and its pid no longer exists (`SIGKILL`, OOM, crash), or
 * - its heartbeat is older than `ttlMs` (a hung or dead process on any host, or a reused pid).
 *
 * Every read-and-write runs in one `BEGIN IMMEDIATE` transaction, so two processes starting
 * at the same moment cannot both win.
 */
import { existsSync } from "node:fs"
import { hostname } from "node:os"
import type { DatabaseSync } from "node:sqlite"
import { Clock, Data, Effect, Option, type Scope } from "effect"
import { databaseFile, openDatabase } from "../../sqlite/Database.ts"
import { errorMessage } from "../../util/ErrorMessage.ts"

export interface InstanceHolder {
  readonly pid: number
  readonly host: string
  /** Epoch ms when the holder took the lock. */
  readonly since: number
  /** Epoch ms of the holder's last heartbeat. */
  readonly heartbeatAt: number
  /** Grows with every acquisition, so a taken-over holder cannot touch its successor's row. */
  readonly token: number
}

/** Another live process holds the data directory. */
export class InstanceLocked extends Data.TaggedError("InstanceLocked")<{
  readonly home: string
  readonly holder: InstanceHolder
  readonly now: number
  readonly ttlMs: number
}> {
  override get message() {
    const h = this.holder
    const ago = Math.max(0, Math.round((this.now - h.heartbeatAt) / 1000))
    return (
      `another novel-factory instance is running on ${this.home}: pid ${h.pid} on ${h.host}, ` +
      `since ${new Date(h.since).toISOString()} (last heartbeat ${ago} s ago). ` +
      `Stop it first; if it is dead, its lock is taken over once its heartbeat is ${Math.round(this.ttlMs / 1000)} s old.`
    )
  }
}

/** The lock could not be read or written (I/O error, corrupt file …). */
export class InstanceLockError extends Data.TaggedError("InstanceLockError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface InstanceLockOptions {
  /** Renewal period. Default 5 s. */
  readonly heartbeatMs?: number
  /** A heartbeat older than this makes the lock stale. Default 30 s. */
  readonly ttlMs?: number
  /** Who we are (tests pretend to be another process). Defaults: this process. */
  readonly pid?: number
  readonly host?: string
  /** Whether a pid exists on this host. Default: `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean
}

export const DEFAULT_HEARTBEAT_MS = 5_000
export const DEFAULT_TTL_MS = 30_000

const CREATE = `CREATE TABLE IF NOT EXISTS instance_lock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  since        INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  token        INTEGER NOT NULL
)`

interface LockRow {
  readonly pid: number
  readonly host: string
  readonly since: number
  readonly heartbeat_at: number
  readonly token: number
}

const holderOf = (row: LockRow): InstanceHolder => ({
  pid: Number(row.pid),
  host: row.host,
  since: Number(row.since),
  heartbeatAt: Number(row.heartbeat_at),
  token: Number(row.token),
})

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export const pidAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}

export type Liveness = "alive" | "dead-pid" | "expired"

/** Why a holder is (not) considered alive at `now`. */
export const livenessOf = (
  holder: InstanceHolder,
  now: number,
  options: { readonly ttlMs?: number; readonly host?: string; readonly isAlive?: (pid: number) => boolean } = {},
): Liveness => {
  const host = options.host ?? hostname()
  const isAlive = options.isAlive ?? pidAlive
  if (holder.host === host && !isAlive(holder.pid)) return "dead-pid"
  if (now - holder.heartbeatAt > (options.ttlMs ?? DEFAULT_TTL_MS)) return "expired"
  return "alive"
}


const openLockDb = (home: string) =>
  Effect.try({
    try: () => {
      const db = openDatabase({ path: databaseFile(home) })
      db.exec(CREATE)
      return db
    },
    catch: (error) => new InstanceLockError({ message: `cannot open the instance lock in ${databaseFile(home)}: ${errorMessage(error)}`, cause: error }),
  })

const immediate = <A>(db: DatabaseSync, body: () => A): A => {
  db.exec("BEGIN IMMEDIATE")
  try {
    const a = body()
    db.exec("COMMIT")
    return a
  } catch (error) {
    if (db.isOpen && db.isTransaction) db.exec("ROLLBACK")
    throw error
  }
}

const SELECT = "SELECT pid, host, since, heartbeat_at, token FROM instance_lock WHERE id = 1"

/** What the holder took over, if it took over a stale lock. */
export interface Acquired {
  readonly holder: InstanceHolder
  readonly tookOver: Option.Option<{ readonly previous: InstanceHolder; readonly why: Exclude<Liveness, "alive"> }>
}

/**
 * Takes the data directory's instance lock for the life of the scope: renewed every
 * `heartbeatMs` by a fiber of the scope, deleted when the scope closes. Fails with
 * `InstanceLocked` (naming the holder) while another live process holds it; a stale lock
 * (dead pid on this host, or heartbeat older than `ttlMs`) is taken over.
 */
export const acquireInstanceLock = (
  home: string,
  options: InstanceLockOptions = {},
): Effect.Effect<Acquired, InstanceLocked | InstanceLockError, Scope.Scope> =>
  Effect.gen(function* () {
    const pid = options.pid ?? process.pid
    const host = options.host ?? hostname()
    const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
    const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
    const db = yield* Effect.acquireRelease(openLockDb(home), (db) => Effect.sync(() => db.isOpen && db.close()))
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* Effect.try({
      try: () =>
        immediate(db, (): Acquired | InstanceLocked => {
          const row = db.prepare(SELECT).get() as LockRow | undefined
          const previous = row === undefined ? undefined : holderOf(row)
          let tookOver: Acquired["tookOver"] = Option.none()
          if (previous !== undefined) {
            const ours = previous.pid === pid && previous.host === host
            const liveness = ours ? "dead-pid" : livenessOf(previous, now, { ttlMs, host, ...(options.isAlive ? { isAlive: options.isAlive } : {}) })
            if (liveness === "alive") return new InstanceLocked({ home, holder: previous, now, ttlMs })
            if (!ours) tookOver = Option.some({ previous, why: liveness })
          }
          const token = (previous?.token ?? 0) + 1
          db.prepare(
            `INSERT INTO instance_lock (id, pid, host, since, heartbeat_at, token) VALUES (1, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
               heartbeat_at = excluded.heartbeat_at, token = excluded.token`,
          ).run(pid, host, now, now, token)
          return { holder: { pid, host, since: now, heartbeatAt: now, token }, tookOver }
        }),
      catch: (error) => new InstanceLockError({ message: `instance lock in ${databaseFile(home)}: ${errorMessage(error)}`, cause: error }),
    })
    if (outcome instanceof InstanceLocked) return yield* outcome
    const token = outcome.holder.token

    // Released when the scope closes (a clean exit); registered before the heartbeat so it runs after it stops.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (!db.isOpen) return
        try {
          immediate(db, () => db.prepare("DELETE FROM instance_lock WHERE id = 1 AND token = ?").run(token))
        } catch {
          // The file is gone or unwritable: the lock turns stale by itself.
        }
      })
    )
    const beat = Effect.flatMap(Clock.currentTimeMillis, (at) =>
      Effect.sync(() => {
        try {
          db.prepare("UPDATE instance_lock SET heartbeat_at = ? WHERE id = 1 AND token = ?").run(at, token)
        } catch {
          // SQLITE_BUSY or a transient I/O error: the next beat tries again; the TTL is several beats long.
        }
      })
    )
    // The acquisition just wrote the first heartbeat: the fiber's first beat is one period later.
    yield* Effect.sleep(heartbeatMs).pipe(Effect.andThen(beat), Effect.forever, Effect.forkScoped)
    return outcome
  })

export interface InstanceLockInfo {
  readonly holder: InstanceHolder
  readonly liveness: Liveness
}

/**
 * Who holds the data directory, if anyone (read-only; never creates the database). A row
 * whose holder is dead is reported with its liveness, so `status` can say "stale".
 */
export const readInstanceLock = (
  home: string,
  options: { readonly ttlMs?: number; readonly host?: string; readonly isAlive?: (pid: number) => boolean } = {},
): Effect.Effect<Option.Option<InstanceLockInfo>, InstanceLockError> =>
  Effect.gen(function* () {
    const file = databaseFile(home)
    if (!existsSync(file)) return Option.none()
    const now = yield* Clock.currentTimeMillis
    const row = yield* Effect.try({
      try: () => {
        const db = openDatabase({ path: file })
        try {
          const exists = db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'instance_lock'").get()
          return exists === undefined ? undefined : (db.prepare(SELECT).get() as LockRow | undefined)
        } finally {
          db.close()
        }
      },
      catch: (error) => new InstanceLockError({ message: `cannot read the instance lock in ${file}: ${errorMessage(error)}`, cause: error }),
    })
    if (row === undefined) return Option.none()
    const holder = holderOf(row)
    return Option.some({ holder, liveness: livenessOf(holder, now, options) })
  })

/** One line for `status`: who holds the data directory. */
export const describeInstanceLock = (info: Option.Option<InstanceLockInfo>, now: number = Date.now()): string => {
  if (Option.isNone(info)) return "instance: none running on this data directory"
  const { holder, liveness } = info.value
  const ago = Math.max(0, Math.round((now - holder.heartbeatAt) / 1000))
  const who = `pid ${holder.pid} on ${holder.host} since ${new Date(holder.since).toISOString()} (heartbeat ${ago} s ago)`
  switch (liveness) {
    case "alive":
      return `instance: held by ${who}`
    case "dead-pid":
      return `instance: stale lock of ${who}: that process is gone; the next serve/run takes it over`
    case "expired":
      return `instance: stale lock of ${who}: heartbeat expired; the next serve/run takes it over`
  }
}
