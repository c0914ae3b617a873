/**
 * Single instance: one `serve` / `run` process per embedded data directory.
 *
 * The lock is one row in the data directory's own SQLite database (`instance_lock`, in
 * `factory.db`, on a connection of its own so it can be taken before the factory opens
 * anything). The holder writes its pid, host, start time and a heartbeat (a wall stamp for
 * people and a beat counter), renewed every `heartbeatMs`; a clean exit deletes the row. A
 * second process is refused while the holder is alive. The lock is *stale* — and taken over — when
 *
 * - the holder ran on this host and its pid no longer exists (`SIGKILL`, OOM, crash): at once, or
 * - its row did not change for `ttlMs` while the newcomer watched it (a hung or dead process on
 *   any host, or a reused pid). A row that changes while it watches is a live holder: refused.
 *
 * Why watched, not "heartbeat older than ttlMs": the stamps are wall-clock readings, possibly of
 * another host. A newcomer whose clock was stepped forward (or runs ahead of the holder's host)
 * would find a live holder's heartbeat an hour old and start a second factory beside it; one
 * stepped back would find a dead holder's heartbeat fresh for an hour. Whether the row moves
 * over an interval of the newcomer's own monotonic clock depends on no wall clock at all. The
 * price: a second process against a live one is refused after the holder's next beat (not at
 * once), and a dead holder on another host is taken over `ttlMs` after the newcomer starts.
 *
 * Not an adapter of `coordination/SingletonLease`: a singleton lease is contested by running
 * processes, which store time (`coordination/StoreTime.ts`) serves well, while this lock is
 * only ever contested by a process that is starting, whose first reading is exactly the one
 * store time cannot vouch for after a forward step — so it judges by watching the row and by
 * the holder's pid, not by a deadline. It must also be taken, and read by `status`, on a bare
 * connection before the factory's `Database` exists, where the lease adapters are services on it.
 *
 * Every read-and-write runs in one `BEGIN IMMEDIATE` transaction, so two processes starting
 * at the same moment cannot both win, and a takeover happens only if the row is still the one watched.
 */
import { existsSync } from "node:fs"
import { hostname } from "node:os"
import type { DatabaseSync } from "node:sqlite"
import { Clock, Data, Effect, Option, type Scope } from "effect"
import { monotonicMillis } from "../../coordination/StoreTime.ts"
import { databaseFile, openDatabase } from "../../sqlite/Database.ts"
import { errorMessage } from "../../util/ErrorMessage.ts"

export interface InstanceHolder {
  readonly pid: number
  readonly host: string
  /** Epoch ms when the holder took the lock. */
  readonly since: number
  /** Epoch ms of the holder's last heartbeat, on the holder's wall clock (for people: liveness is judged by `beats`). */
  readonly heartbeatAt: number
  /** Heartbeats so far: a live holder's moves. */
  readonly beats: number
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
      `since ${new Date(h.since).toISOString()} (last heartbeat ${ago} s ago, and it beat while we watched). ` +
      `Stop it first; if it is dead, its lock is taken over once its heartbeat stands still for ${Math.round(this.ttlMs / 1000)} s.`
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
  /** A holder whose heartbeat stands still this long (watched by the newcomer's monotonic clock) is stale. Default 30 s. */
  readonly ttlMs?: number
  /** How often a newcomer looks at the holder's row while it watches. Default 1 s (at most a tenth of `ttlMs`). */
  readonly pollMs?: number
  /** Who we are (tests pretend to be another process). Defaults: this process. */
  readonly pid?: number
  readonly host?: string
  /** Whether a pid exists on this host. Default: `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean
}

export const DEFAULT_HEARTBEAT_MS = 5_000
export const DEFAULT_TTL_MS = 30_000
export const DEFAULT_POLL_MS = 1_000

const CREATE = `CREATE TABLE IF NOT EXISTS instance_lock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  since        INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  token        INTEGER NOT NULL,
  beats        INTEGER NOT NULL DEFAULT 0
)`

interface LockRow {
  readonly pid: number
  readonly host: string
  readonly since: number
  readonly heartbeat_at: number
  readonly token: number
  /** Absent in a lock table written before beats were counted (read by `status` as 0). */
  readonly beats?: number
}

const holderOf = (row: LockRow): InstanceHolder => ({
  pid: Number(row.pid),
  host: row.host,
  since: Number(row.since),
  heartbeatAt: Number(row.heartbeat_at),
  token: Number(row.token),
  beats: Number(row.beats ?? 0),
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

/**
 * Why a holder looks (not) alive at `now`, from one reading — what `status` can say without
 * watching. A newcomer does not take over by it (see the header): it watches the row.
 */
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
      const columns = db.prepare("SELECT name FROM pragma_table_info('instance_lock')").all() as Array<{ name: string }>
      if (!columns.some((c) => c.name === "beats")) db.exec("ALTER TABLE instance_lock ADD COLUMN beats INTEGER NOT NULL DEFAULT 0")
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

/** `*`: a table written before beats were counted has no `beats` column (read as 0). */
const SELECT = "SELECT * FROM instance_lock WHERE id = 1"

/** Whether the holder's row moved between two readings (a beat, a new stamp, or another holder). */
const moved = (before: InstanceHolder, after: InstanceHolder): boolean =>
  before.token !== after.token || before.beats !== after.beats || before.heartbeatAt !== after.heartbeatAt

/** What the holder took over, if it took over a stale lock. */
export interface Acquired {
  readonly holder: InstanceHolder
  readonly tookOver: Option.Option<{ readonly previous: InstanceHolder; readonly why: Exclude<Liveness, "alive"> }>
}

/**
 * Takes the data directory's instance lock for the life of the scope: renewed every
 * `heartbeatMs` by a fiber of the scope, deleted when the scope closes. Fails with
 * `InstanceLocked` (naming the holder) once another holder's heartbeat moves while we watch;
 * a stale lock (dead pid on this host at once, or a heartbeat that stood still for `ttlMs`
 * of our monotonic clock) is taken over.
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
    const isAlive = options.isAlive ?? pidAlive
    const pollMs = Math.max(1, Math.min(options.pollMs ?? DEFAULT_POLL_MS, Math.floor(ttlMs / 10)))
    const db = yield* Effect.acquireRelease(openLockDb(home), (db) => Effect.sync(() => db.isOpen && db.close()))
    /** The holder's row as first seen, at `mono` (this process's monotonic ms), while we watch whether it moves. */
    let watched: { readonly holder: InstanceHolder; readonly mono: number } | undefined
    const attempt = Effect.clockWith((clock) =>
      Effect.try({
        try: () =>
          immediate(db, (): Acquired | InstanceLocked | "watching" => {
            const now = clock.currentTimeMillisUnsafe()
            const mono = monotonicMillis(clock)
            const row = db.prepare(SELECT).get() as LockRow | undefined
            const previous = row === undefined ? undefined : holderOf(row)
            let tookOver: Acquired["tookOver"] = Option.none()
            if (previous !== undefined && !(previous.pid === pid && previous.host === host)) {
              if (previous.host === host && !isAlive(previous.pid)) tookOver = Option.some({ previous, why: "dead-pid" })
              else if (watched !== undefined && moved(watched.holder, previous)) return new InstanceLocked({ home, holder: previous, now, ttlMs })
              else if (watched === undefined || mono - watched.mono < ttlMs) {
                watched ??= { holder: previous, mono }
                return "watching"
              } else tookOver = Option.some({ previous, why: "expired" })
            }
            const token = (previous?.token ?? 0) + 1
            db.prepare(
              `INSERT INTO instance_lock (id, pid, host, since, heartbeat_at, token, beats) VALUES (1, ?, ?, ?, ?, ?, 0)
               ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
                 heartbeat_at = excluded.heartbeat_at, token = excluded.token, beats = 0`,
            ).run(pid, host, now, now, token)
            return { holder: { pid, host, since: now, heartbeatAt: now, token, beats: 0 }, tookOver }
          }),
        catch: (error) => new InstanceLockError({ message: `instance lock in ${databaseFile(home)}: ${errorMessage(error)}`, cause: error }),
      })
    )
    let outcome = yield* attempt
    if (outcome === "watching" && watched !== undefined) {
      const h: InstanceHolder = watched.holder
      yield* Effect.logInfo(
        `${databaseFile(home)} is locked by pid ${h.pid} on ${h.host}; watching its heartbeat for up to ${Math.round(ttlMs / 1000)} s to tell whether it is alive`,
      )
    }
    while (outcome === "watching") {
      yield* Effect.sleep(pollMs)
      outcome = yield* attempt
    }
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
          db.prepare("UPDATE instance_lock SET heartbeat_at = ?, beats = beats + 1 WHERE id = 1 AND token = ?").run(at, token)
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
      return `instance: stale lock of ${who}: its heartbeat looks stopped; the next serve/run takes it over once it sees it stand still`
  }
}
