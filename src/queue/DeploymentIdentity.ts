/**
 * One identity per deployment: a shared Redis queue serves the one story store whose projects it
 * holds. Two `serve` processes with different data directories on one Redis key prefix would
 * otherwise claim each other's jobs and kill them as "project does not exist".
 *
 * The data directory's database holds the store's id (made at its first start), and the queue's
 * key prefix records, at its first start, the id of the store that owns it (`{prefix}:deployment`,
 * SET NX). A process whose store id differs is refused at start, naming both.
 */
import { randomUUID } from "node:crypto"
import { Clock, Data, Effect } from "effect"
import { acquireRedis, hashTagged, redactUrl } from "../redis/RedisConnection.ts"
import { errorMessage } from "../util/ErrorMessage.ts"
import { Database, type SqliteError } from "../sqlite/Database.ts"

export class DeploymentMismatch extends Data.TaggedError("DeploymentMismatch")<{
  readonly keyPrefix: string
  readonly url: string
  /** The store id the queue records as its owner. */
  readonly owner: string
  /** This data directory's store id. */
  readonly store: string
}> {
  override get message() {
    return `refusing to start: the Redis queue '${this.keyPrefix}' at ${redactUrl(this.url)} belongs to story store ${this.owner}, ` +
      `but this data directory holds story store ${this.store}. One queue serves one story store: start with that deployment's ` +
      `data directory (FACTORY_HOME), or give this one its own queue.keyPrefix`
  }
}

/** The deployment identity could not be checked (Redis unreachable, the database unreadable). */
export class DeploymentUnchecked extends Data.TaggedError("DeploymentUnchecked")<{ readonly message: string; readonly cause?: unknown }> {}

const IDENTITY_MIGRATIONS = [
  {
    version: 1,
    description: "the story store's deployment id",
    up: "CREATE TABLE IF NOT EXISTS deployment_identity (id TEXT NOT NULL, created_at INTEGER NOT NULL)",
  },
]

/**
 * This data directory's store id, made at the first call. `crypto.randomUUID`, deliberately not
 * Effect's `Random`: two directories set up by processes seeded alike must never share an id.
 */
export const storeIdentity: Effect.Effect<string, SqliteError, Database> = Effect.gen(function* () {
  const db = yield* Database
  yield* db.migrate("deployment", IDENTITY_MIGRATIONS)
  const now = yield* Clock.currentTimeMillis
  return yield* db.transaction((c) => {
    const known = c.get<{ id: string }>("SELECT id FROM deployment_identity LIMIT 1")
    if (known !== undefined) return known.id
    const id = randomUUID()
    c.run("INSERT INTO deployment_identity (id, created_at) VALUES (?, ?)", id, now)
    return id
  })
})

/** Where a queue's key prefix records its owner. */
export const deploymentKey = (keyPrefix: string): string => `${hashTagged(keyPrefix)}:deployment`

export interface DeploymentCheckOptions {
  readonly url: string
  readonly keyPrefix: string
}

/**
 * Claims the queue for this data directory's store at its first start, and refuses a queue that
 * another store claimed. Opens its own short connection (the queue's is not built yet).
 */
export const checkDeployment = (options: DeploymentCheckOptions): Effect.Effect<string, DeploymentMismatch | DeploymentUnchecked, Database> =>
  Effect.gen(function* () {
    const store = yield* storeIdentity.pipe(
      Effect.mapError((e) => new DeploymentUnchecked({ message: `cannot read this data directory's store id: ${e.message}`, cause: e })),
    )
    const owner = yield* Effect.scoped(
      Effect.gen(function* () {
        const redis = yield* acquireRedis({ url: options.url, connectionName: "novel-factory:deployment" }, (message, cause) =>
          new DeploymentUnchecked({ message, cause }))
        return yield* Effect.tryPromise({
          try: async () => {
            const key = deploymentKey(options.keyPrefix)
            await redis.set(key, store, "NX")
            return (await redis.get(key)) ?? store
          },
          catch: (cause) => new DeploymentUnchecked({ message: `cannot read the queue's deployment: ${errorMessage(cause)}`, cause }),
        })
      }),
    )
    if (owner !== store) return yield* new DeploymentMismatch({ keyPrefix: options.keyPrefix, url: options.url, owner, store })
    return store
  })
