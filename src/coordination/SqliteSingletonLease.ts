/**
 * `SingletonLease` on the embedded SQLite database (the `Database` service): one row per name
 * in its own table. Every operation is one synchronous transaction (`BEGIN IMMEDIATE`), so it
 * is atomic across the fibers of this process and across processes sharing the file.
 *
 * Expiry is kept in store time (`StoreTime.ts`, record in `singleton_lease_clock`), not wall
 * time, so a wall-clock step neither keeps a dead holder's lease alive nor runs a live one out.
 * A grant's and a `LeaseHeld`'s `expiresAt` are given back in the caller's wall-clock frame.
 */
import { Effect, Layer, Option } from "effect"
import { type Connection, Database, type SqliteError } from "../sqlite/Database.ts"
import { LeaseHeld, LeaseUnavailable, SingletonLease, type SingletonLeaseShape, SingletonLost, type SingletonGrant } from "./SingletonLease.ts"
import { monotonicMillis } from "./StoreTime.ts"
import { sqliteStoreClock } from "./SqliteStoreClock.ts"

interface LeaseRow {
  readonly name: string
  readonly holder: string | null
  readonly token: number
  /** Store time. */
  readonly expires_at: number | null
}

const CREATE = `CREATE TABLE IF NOT EXISTS singleton_leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT,
  token      INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER
);
CREATE TABLE IF NOT EXISTS singleton_lease_clock (id INTEGER PRIMARY KEY CHECK (id = 1), wall_offset INTEGER NOT NULL, seen INTEGER NOT NULL);
INSERT OR IGNORE INTO singleton_lease_clock (id, wall_offset, seen) VALUES (1, 0, 0)`
// Leases written before store time were wall-clock instants; offset 0 reads them as they were meant.

const SELECT = "SELECT * FROM singleton_leases WHERE name = ?"

const unavailable = (e: SqliteError) => new LeaseUnavailable({ message: e.message, cause: e })

export const make = Effect.gen(function* () {
  const db = yield* Database
  yield* db.use((c) => c.exec(CREATE)).pipe(Effect.mapError(unavailable))

  /** Store time now, read in the caller's transaction. */
  const storeNow = sqliteStoreClock("singleton_lease_clock")
  /** Runs `body` with store time `now` and the caller's `wall` time, in a write transaction or (`record` false) a plain read. */
  const timed = <A>(record: boolean, body: (c: Connection, now: number, wall: number) => A) =>
    Effect.clockWith((clock) => {
      const wall = clock.currentTimeMillisUnsafe()
      const mono = monotonicMillis(clock)
      const run = (c: Connection) => body(c, storeNow(c, wall, mono, record), wall)
      return (record ? db.transaction(run) : db.use(run)).pipe(Effect.mapError(unavailable))
    })
  /** A row's grant, its expiry moved from store time into the caller's wall-clock frame. */
  const grantOf = (row: LeaseRow, now: number, wall: number): SingletonGrant => ({
    name: row.name,
    holder: row.holder ?? "",
    token: row.token,
    expiresAt: wall + ((row.expires_at ?? now) - now),
  })

  const acquire: SingletonLeaseShape["acquire"] = (name, holder, ttlMs) =>
    timed(true, (c, now, wall): SingletonGrant | LeaseHeld => {
      const row = c.get<LeaseRow>(SELECT, name)
      const live = row !== undefined && row.holder !== null && (row.expires_at ?? 0) > now
      if (live && row.holder !== holder) return new LeaseHeld({ name, holder: row.holder!, expiresAt: grantOf(row, now, wall).expiresAt })
      const token = live ? row.token : (row?.token ?? 0) + 1
      c.run(
        `INSERT INTO singleton_leases (name, holder, token, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
        name,
        holder,
        token,
        now + Math.max(0, ttlMs),
      )
      return { name, holder, token, expiresAt: wall + Math.max(0, ttlMs) }
    }).pipe(Effect.flatMap((r) => (r instanceof LeaseHeld ? Effect.fail(r) : Effect.succeed(r))))

  const renew: SingletonLeaseShape["renew"] = (grant, ttlMs) =>
    timed(true, (c, now, wall) => {
      const row = c.get<LeaseRow>(
        "UPDATE singleton_leases SET expires_at = ? WHERE name = ? AND token = ? AND holder IS NOT NULL RETURNING *",
        now + Math.max(0, ttlMs),
        grant.name,
        grant.token,
      )
      return row === undefined ? undefined : grantOf(row, now, wall)
    }).pipe(
      Effect.flatMap((renewed) =>
        renewed === undefined ? Effect.fail(new SingletonLost({ name: grant.name, token: grant.token })) : Effect.succeed(renewed)
      ),
    )

  const release: SingletonLeaseShape["release"] = (grant) =>
    db
      .transaction((c) => {
        c.run("UPDATE singleton_leases SET holder = NULL, expires_at = NULL WHERE name = ? AND token = ?", grant.name, grant.token)
      })
      .pipe(Effect.mapError(unavailable))

  const current: SingletonLeaseShape["current"] = (name) =>
    timed(false, (c, now, wall) => {
      const row = c.get<LeaseRow>(SELECT, name)
      return row === undefined || row.holder === null || (row.expires_at ?? 0) <= now ? Option.none() : Option.some(grantOf(row, now, wall))
    })

  return SingletonLease.of({ acquire, renew, release, current })
})

export const layer: Layer.Layer<SingletonLease, LeaseUnavailable, Database> = Layer.effect(SingletonLease, make)

export const SqliteSingletonLease = { make, layer } as const
