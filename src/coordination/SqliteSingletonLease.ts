/**
 * `SingletonLease` on the embedded SQLite database (the `Database` service): one row per name
 * in its own table. Every operation is one synchronous transaction (`BEGIN IMMEDIATE`), so it
 * is atomic across the fibers of this process and across processes sharing the file.
 */
import { Clock, Effect, Layer, Option } from "effect"
import { Database, type SqliteError } from "../sqlite/Database.ts"
import { LeaseHeld, LeaseUnavailable, SingletonLease, type SingletonLeaseShape, SingletonLost, type SingletonGrant } from "./SingletonLease.ts"

interface LeaseRow {
  readonly name: string
  readonly holder: string | null
  readonly token: number
  readonly expires_at: number | null
}

const CREATE = `CREATE TABLE IF NOT EXISTS singleton_leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT,
  token      INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER
)`

const unavailable = (e: SqliteError) => new LeaseUnavailable({ message: e.message, cause: e })

const grantOf = (row: LeaseRow): SingletonGrant => ({ name: row.name, holder: row.holder ?? "", token: row.token, expiresAt: row.expires_at ?? 0 })

export const make = Effect.gen(function* () {
  const db = yield* Database
  yield* db.use((c) => c.exec(CREATE)).pipe(Effect.mapError(unavailable))

  const select = "SELECT * FROM singleton_leases WHERE name = ?"

  const acquire: SingletonLeaseShape["acquire"] = (name, holder, ttlMs) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      db
        .transaction((c): SingletonGrant | LeaseHeld => {
          const row = c.get<LeaseRow>(select, name)
          const live = row !== undefined && row.holder !== null && (row.expires_at ?? 0) > now
          if (live && row.holder !== holder) return new LeaseHeld({ name, holder: row.holder!, expiresAt: row.expires_at ?? 0 })
          const token = live ? row.token : (row?.token ?? 0) + 1
          const expiresAt = now + Math.max(0, ttlMs)
          c.run(
            `INSERT INTO singleton_leases (name, holder, token, expires_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
            name,
            holder,
            token,
            expiresAt,
          )
          return { name, holder, token, expiresAt }
        })
        .pipe(
          Effect.mapError(unavailable),
          Effect.flatMap((r) => (r instanceof LeaseHeld ? Effect.fail(r) : Effect.succeed(r))),
        )
    )

  const renew: SingletonLeaseShape["renew"] = (grant, ttlMs) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      db
        .transaction((c) =>
          c.get<LeaseRow>(
            "UPDATE singleton_leases SET expires_at = ? WHERE name = ? AND token = ? AND holder IS NOT NULL RETURNING *",
            now + Math.max(0, ttlMs),
            grant.name,
            grant.token,
          )
        )
        .pipe(
          Effect.mapError(unavailable),
          Effect.flatMap((row) =>
            row === undefined ? Effect.fail(new SingletonLost({ name: grant.name, token: grant.token })) : Effect.succeed(grantOf(row))
          ),
        )
    )

  const release: SingletonLeaseShape["release"] = (grant) =>
    db
      .transaction((c) => {
        c.run("UPDATE singleton_leases SET holder = NULL, expires_at = NULL WHERE name = ? AND token = ?", grant.name, grant.token)
      })
      .pipe(Effect.mapError(unavailable))

  const current: SingletonLeaseShape["current"] = (name) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      db.use((c) => c.get<LeaseRow>(select, name)).pipe(
        Effect.mapError(unavailable),
        Effect.map((row) =>
          row === undefined || row.holder === null || (row.expires_at ?? 0) <= now ? Option.none() : Option.some(grantOf(row))
        ),
      )
    )

  return SingletonLease.of({ acquire, renew, release, current })
})

export const layer: Layer.Layer<SingletonLease, LeaseUnavailable, Database> = Layer.effect(SingletonLease, make)

export const SqliteSingletonLease = { make, layer } as const
