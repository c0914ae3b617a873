/**
 * One ioredis connection, configured to fail fast during an outage and to heal by itself.
 *
 * - `enableOfflineQueue: false`: a command issued while the connection is down is rejected at
 *   once ("Stream isn't writeable …") instead of being parked until Redis returns.
 * - `maxRetriesPerRequest: 0` + `autoResendUnfulfilledCommands: false`: commands in flight when
 *   the socket drops are rejected on the spot, never silently re-sent (a re-sent Lua
 *   transition could apply twice; callers retry with their own policy instead).
 * - `commandTimeout`: a server that hangs (SIGSTOP, swapped out) cannot hang a caller either.
 * - `retryStrategy`: reconnects forever, 50 ms doubling to 200 ms, so a restarted Redis is
 *   picked up within a fifth of a second (an attempt against a dead port is one refused
 *   connect; against an unreachable host `connectTimeout` paces the attempts anyway). The
 *   queue breaker's probe, every second, then finds the connection ready: work resumes within
 *   ~1.2 s of Redis returning (test/distributed/redis-outage.test.ts measures it).
 *
 * Every failure surfaces through `mapError` as the caller's own "unavailable" error.
 */
import { Redis, type RedisOptions } from "ioredis"
import { Effect, type Scope } from "effect"
import { errorMessage } from "../util/ErrorMessage.ts"

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` */
  readonly url: string
  /** Per-command timeout. Default 5 s. */
  readonly commandTimeoutMs?: number
  /** TCP connect timeout of each (re)connection attempt. Default 2 s. */
  readonly connectTimeoutMs?: number
  /** `CLIENT SETNAME`, visible in `CLIENT LIST`. */
  readonly connectionName?: string
  /**
   * A daemon starts even while Redis is down: the client keeps reconnecting in the background,
   * commands fail fast until it is back, and the breakers park whoever needs it. One-shot
   * commands leave it off, so an outage is a clear "cannot connect" at once. Default false.
   */
  readonly startWhileDown?: boolean
}

export const redisOptions = (options: RedisConnectionOptions): RedisOptions => ({
  lazyConnect: true,
  enableOfflineQueue: false,
  enableReadyCheck: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: options.commandTimeoutMs ?? 5_000,
  connectTimeout: options.connectTimeoutMs ?? 2_000,
  retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 2), 200),
  ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
})


/** Opens a connection (waits until it is ready) and closes it with the scope (`QUIT`, else disconnect). */
export const acquireRedis = <E>(
  options: RedisConnectionOptions,
  mapError: (message: string, cause: unknown) => E,
): Effect.Effect<Redis, E, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const redis = new Redis(options.url, redisOptions(options))
        // Without a listener ioredis prints every reconnect failure as an unhandled error event;
        // the failures reach callers as rejected commands instead.
        redis.on("error", () => {})
        try {
          await redis.connect()
          return { redis, down: undefined }
        } catch (error) {
          // ioredis goes on reconnecting after a failed first connect, by the retry strategy.
          if (options.startWhileDown === true) return { redis, down: errorMessage(error) }
          redis.disconnect()
          throw error
        }
      },
      catch: (error) => mapError(`cannot connect to Redis at ${redactUrl(options.url)}: ${errorMessage(error)}`, error),
    }).pipe(
      Effect.tap(({ down }) =>
        down === undefined
          ? Effect.void
          : Effect.logWarning(`Redis at ${redactUrl(options.url)} is down (${down}); starting anyway, reconnecting in the background`)
      ),
      Effect.map(({ redis }) => redis),
    ),
    (redis) => closeRedis(redis),
  )

export const closeRedis = (redis: Redis): Effect.Effect<void> =>
  Effect.promise(async () => {
    try {
      if (redis.status === "ready") await redis.quit()
    } catch {
      // the server is gone: just drop the socket
    } finally {
      redis.disconnect()
    }
  })

/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => {
  try {
    const u = new URL(url)
    if (u.password !== "") u.password = "***"
    return u.toString()
  } catch {
    return url
  }
}

/**
 * Wraps a key prefix in a Redis Cluster hash tag (`nf` → `{nf}`) so that every key of one
 * factory hashes to the same slot and multi-key Lua scripts stay legal on a cluster.
 */
export const hashTagged = (prefix: string): string => {
  if (prefix.length === 0) throw new Error("a Redis key prefix must not be empty")
  if (/[{}\s]/.test(prefix)) throw new Error(`a Redis key prefix must not contain braces or spaces: '${prefix}'`)
  return `{${prefix}}`
}

/** Calls a script registered with `defineCommand` (ioredis adds it as a method; EVALSHA, falling back to EVAL on NOSCRIPT). */
export const callScript = (redis: Redis, name: string, numberOfKeys: number, args: ReadonlyArray<string | number>): Promise<unknown> => {
  const method = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name]
  if (typeof method !== "function") return Promise.reject(new Error(`Redis script '${name}' is not defined (numberOfKeys ${numberOfKeys})`))
  return method.apply(redis, args as Array<string | number>)
}
