/**
 * `SingletonLease` on Redis: one hash per name, `{<keyPrefix>}:singleton:<name>` with
 * holder, token, expiresAt. Each operation is one Lua script (compare-and-set on the token).
 * Expiry is kept in store time (`StoreTime.ts`; record in `{<keyPrefix>}:singleton-clock`),
 * computed by the scripts from the Effect `Clock` readings passed to them (not `SET PX`, which
 * is the server's wall clock): the lease follows `TestClock` like everything else, and a
 * wall-clock step neither keeps a dead holder's lease alive nor runs a live one out. A grant's
 * and a `LeaseHeld`'s `expiresAt` are given back in the caller's wall-clock frame. A released
 * or run-out lease keeps its token field, so the next grant's token is always higher.
 */
import type { Redis } from "ioredis"
import { Clock, Effect, Layer, Option, Random, type Scope } from "effect"
import { acquireRedis, callScript, hashTagged, type RedisConnectionOptions } from "../redis/RedisConnection.ts"
import { STORE_TIME_LUA } from "./storeTimeLua.ts"
import { errorMessage } from "../util/ErrorMessage.ts"
import { LeaseHeld, LeaseUnavailable, SingletonLease, type SingletonLeaseShape, SingletonLost, type SingletonGrant } from "./SingletonLease.ts"
import { monotonicMillis } from "./StoreTime.ts"

export interface RedisSingletonLeaseOptions extends RedisConnectionOptions {
  readonly keyPrefix: string
}

/** KEYS: the lease, the store-time record. ARGV[1]: the caller's clock spec (see `storeTimeLua.ts`). */
const prelude = `
${STORE_TIME_LUA}
local k = KEYS[1]
local clock = storeClock(KEYS[2])
local function num(n) return string.format('%.0f', n) end
`

/** ARGV: spec, holder, ttlMs → {0, holder, token, expiresAt, now} granted | {1, holder, token, expiresAt, now} refused (store time) */
const ACQUIRE = `${prelude}
local _, now = clock(ARGV[1], true)
local holder, ttl = ARGV[2], tonumber(ARGV[3])
local cur = redis.call('HMGET', k, 'holder', 'token', 'expiresAt')
local token = tonumber(cur[2] or '0')
if cur[1] and tonumber(cur[3]) > now then
  if cur[1] ~= holder then return {1, cur[1], cur[2], cur[3], num(now)} end
else
  token = token + 1
end
local expiresAt = num(now + ttl)
redis.call('HSET', k, 'holder', holder, 'token', token, 'expiresAt', expiresAt)
return {0, holder, tostring(token), expiresAt, num(now)}
`

/** ARGV: spec, token, ttlMs → {holder, token, expiresAt, now} | nil */
const RENEW = `${prelude}
local _, now = clock(ARGV[1], true)
local cur = redis.call('HMGET', k, 'holder', 'token')
if not cur[1] or cur[2] ~= ARGV[2] then return false end
local expiresAt = num(now + tonumber(ARGV[3]))
redis.call('HSET', k, 'expiresAt', expiresAt)
return {cur[1], cur[2], expiresAt, num(now)}
`

/** ARGV: token → 1 | 0 */
const RELEASE = `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'holder', 'token')
if not cur[1] or cur[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', k, 'holder', 'expiresAt')
return 1
`

/** ARGV: spec → {holder, token, expiresAt, now} while live | nil */
const CURRENT = `${prelude}
local _, now = clock(ARGV[1], false)
local cur = redis.call('HMGET', k, 'holder', 'token', 'expiresAt')
if not cur[1] or tonumber(cur[3]) <= now then return false end
return {cur[1], cur[2], cur[3], num(now)}
`

const scripts = { nfLeaseAcquire: ACQUIRE, nfLeaseRenew: RENEW, nfLeaseRelease: RELEASE, nfLeaseCurrent: CURRENT } as const

const unavailable = (message: string, cause: unknown) => new LeaseUnavailable({ message, cause })

export const make = (options: RedisSingletonLeaseOptions): Effect.Effect<SingletonLeaseShape, LeaseUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const prefix = hashTagged(options.keyPrefix)
    const key = (name: string) => `${prefix}:singleton:${name}`
    const clockKey = `${prefix}:singleton-clock`
    const redis: Redis = yield* acquireRedis(options, unavailable)
    for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 2, lua })
    const run = <A>(what: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (error) => unavailable(`redis ${what}: ${errorMessage(error)}`, error) })

    /** This process in `<clock>:<pid>`, where the scripts keep its store-time anchor. */
    const pid = [yield* Random.nextIntBetween(0, 2 ** 31), yield* Random.nextIntBetween(0, 2 ** 31)].map((n) => n.toString(36)).join("")
    /** Runs a script with the caller's clock spec; `wall` is the caller's wall reading, to give expiries back in its frame. */
    const script = <A>(what: string, name: keyof typeof scripts, leaseName: string, args: ReadonlyArray<string | number>, answer: (reply: unknown, wall: number) => A) =>
      Clock.clockWith((clock) => {
        const wall = clock.currentTimeMillisUnsafe()
        const spec = `${wall},${monotonicMillis(clock)},${pid}`
        return Effect.map(run(what, () => callScript(redis, name, 2, [key(leaseName), clockKey, spec, ...args])), (reply) => answer(reply, wall))
      })
    /** A stored expiry (store time, read at store time `now`) in the caller's wall-clock frame. */
    const inWall = (expiresAt: string, now: string, wall: number) => wall + (Number(expiresAt) - Number(now))

    const acquire: SingletonLeaseShape["acquire"] = (name, holder, ttlMs) =>
      Effect.flatMap(
        script("acquire", "nfLeaseAcquire", name, [holder, Math.max(0, ttlMs)], (reply, wall) => {
          const [refused, h, token, expiresAt, now] = reply as [number, string, string, string, string]
          return refused === 1
            ? new LeaseHeld({ name, holder: h, expiresAt: inWall(expiresAt, now, wall) })
            : { name, holder: h, token: Number(token), expiresAt: wall + Math.max(0, ttlMs) }
        }),
        (r): Effect.Effect<SingletonGrant, LeaseHeld> => (r instanceof LeaseHeld ? Effect.fail(r) : Effect.succeed(r)),
      )

    const renew: SingletonLeaseShape["renew"] = (grant, ttlMs) =>
      Effect.flatMap(
        script("renew", "nfLeaseRenew", grant.name, [String(grant.token), Math.max(0, ttlMs)], (reply, wall) => {
          if (reply === null) return undefined
          const [holder, token] = reply as [string, string]
          return { name: grant.name, holder, token: Number(token), expiresAt: wall + Math.max(0, ttlMs) }
        }),
        (renewed): Effect.Effect<SingletonGrant, SingletonLost> =>
          renewed === undefined ? Effect.fail(new SingletonLost({ name: grant.name, token: grant.token })) : Effect.succeed(renewed),
      )

    const release: SingletonLeaseShape["release"] = (grant) =>
      Effect.asVoid(run("release", () => callScript(redis, "nfLeaseRelease", 2, [key(grant.name), clockKey, String(grant.token)])))

    const current: SingletonLeaseShape["current"] = (name) =>
      script("current", "nfLeaseCurrent", name, [], (reply, wall) => {
        if (reply === null) return Option.none()
        const [holder, token, expiresAt, now] = reply as [string, string, string, string]
        return Option.some<SingletonGrant>({ name, holder, token: Number(token), expiresAt: inWall(expiresAt, now, wall) })
      })

    return SingletonLease.of({ acquire, renew, release, current })
  })

/** Scoped: one connection, quit with the scope. */
export const layer = (options: RedisSingletonLeaseOptions): Layer.Layer<SingletonLease, LeaseUnavailable> =>
  Layer.effect(SingletonLease, make(options))

export const RedisSingletonLease = { make, layer } as const
