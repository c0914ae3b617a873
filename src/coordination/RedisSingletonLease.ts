/**
 * `SingletonLease` on Redis: one hash per name, `{<keyPrefix>}:singleton:<name>` with
 * holder, token, expiresAt. Each operation is one Lua script (compare-and-set on the token).
 * Expiry is Effect `Clock` time passed to the scripts (not `SET PX`, which is server time),
 * so the lease follows `TestClock` like everything else; a released or run-out lease keeps its
 * token field, so the next grant's token is always higher.
 */
import type { Redis } from "ioredis"
import { Clock, Effect, Layer, Option, type Scope } from "effect"
import { acquireRedis, callScript, hashTagged, type RedisConnectionOptions } from "../redis/RedisConnection.ts"
import { errorMessage } from "../util/ErrorMessage.ts"
import { LeaseHeld, LeaseUnavailable, SingletonLease, type SingletonLeaseShape, SingletonLost, type SingletonGrant } from "./SingletonLease.ts"

export interface RedisSingletonLeaseOptions extends RedisConnectionOptions {
  readonly keyPrefix: string
}

/** ARGV: holder, now, expiresAt → {0, holder, token, expiresAt} granted | {1, holder, token, expiresAt} refused */
const ACQUIRE = `
local k = KEYS[1]
local holder, now, expiresAt = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local cur = redis.call('HMGET', k, 'holder', 'token', 'expiresAt')
local token = tonumber(cur[2] or '0')
if cur[1] and tonumber(cur[3]) > now then
  if cur[1] ~= holder then return {1, cur[1], cur[2], cur[3]} end
else
  token = token + 1
end
redis.call('HSET', k, 'holder', holder, 'token', token, 'expiresAt', expiresAt)
return {0, holder, tostring(token), expiresAt}
`

/** ARGV: token, expiresAt → {holder, token, expiresAt} | nil */
const RENEW = `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'holder', 'token')
if not cur[1] or cur[2] ~= ARGV[1] then return false end
redis.call('HSET', k, 'expiresAt', ARGV[2])
return {cur[1], cur[2], ARGV[2]}
`

/** ARGV: token → 1 | 0 */
const RELEASE = `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'holder', 'token')
if not cur[1] or cur[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', k, 'holder', 'expiresAt')
return 1
`

const scripts = { nfLeaseAcquire: ACQUIRE, nfLeaseRenew: RENEW, nfLeaseRelease: RELEASE } as const

const unavailable = (message: string, cause: unknown) => new LeaseUnavailable({ message, cause })

export const make = (options: RedisSingletonLeaseOptions): Effect.Effect<SingletonLeaseShape, LeaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const prefix = hashTagged(options.keyPrefix)
    const key = (name: string) => `${prefix}:singleton:${name}`
    const redis: Redis = yield* acquireRedis(options, unavailable)
    for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 1, lua })
    const run = <A>(what: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (error) => unavailable(`redis ${what}: ${errorMessage(error)}`, error) })

    const acquire: SingletonLeaseShape["acquire"] = (name, holder, ttlMs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(
          run("acquire", () => callScript(redis, "nfLeaseAcquire", 1, [key(name), holder, now, now + Math.max(0, ttlMs)])),
          (reply) => {
            const [refused, h, token, expiresAt] = reply as [number, string, string, string]
            return refused === 1
              ? Effect.fail(new LeaseHeld({ name, holder: h, expiresAt: Number(expiresAt) }))
              : Effect.succeed<SingletonGrant>({ name, holder: h, token: Number(token), expiresAt: Number(expiresAt) })
          },
        )
      )

    const renew: SingletonLeaseShape["renew"] = (grant, ttlMs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(
          run("renew", () => callScript(redis, "nfLeaseRenew", 1, [key(grant.name), String(grant.token), now + Math.max(0, ttlMs)])),
          (reply) => {
            if (reply === null) return Effect.fail(new SingletonLost({ name: grant.name, token: grant.token }))
            const [holder, token, expiresAt] = reply as [string, string, string]
            return Effect.succeed<SingletonGrant>({ name: grant.name, holder, token: Number(token), expiresAt: Number(expiresAt) })
          },
        )
      )

    const release: SingletonLeaseShape["release"] = (grant) =>
      Effect.asVoid(run("release", () => callScript(redis, "nfLeaseRelease", 1, [key(grant.name), String(grant.token)])))

    const current: SingletonLeaseShape["current"] = (name) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(run("current", () => redis.hmget(key(name), "holder", "token", "expiresAt")), ([holder, token, expiresAt]) =>
          holder === null || Number(expiresAt) <= now
            ? Option.none()
            : Option.some<SingletonGrant>({ name, holder, token: Number(token), expiresAt: Number(expiresAt) })
        )
      )

    return SingletonLease.of({ acquire, renew, release, current })
  })

/** Scoped: one connection, quit with the scope. */
export const layer = (options: RedisSingletonLeaseOptions): Layer.Layer<SingletonLease, LeaseUnavailable> =>
  Layer.effect(SingletonLease, make(options))

export const RedisSingletonLease = { make, layer } as const
