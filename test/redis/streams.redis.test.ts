/**
 * The Redis queue really delivers through Redis Streams: what a second connection sees in
 * the project streams, their consumer group, PEL and consumers, and the dead-letter stream,
 * after each transition. Time is `TestClock`'s.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { jobIdOf } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { RedisJobQueue } from "../../src/queue/RedisJobQueue.ts"
import { TRIM_EVERY } from "../../src/queue/redisJobQueueLua.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"

let server: RedisServer
let admin: Redis
beforeAll(async () => {
  server = await startRedisServer()
  admin = new Redis(server.url)
})
afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

const MAX = 3
let counter = 0

/** A fresh queue (own key prefix) and its key names. */
const fresh = () => {
  const keyPrefix = `streams-${process.pid}-${++counter}`
  return { keys: RedisJobQueue.keys(keyPrefix), layer: RedisJobQueue.layer({ url: server.url, maxDeliveries: MAX, keyPrefix }) }
}

const call = <A>(f: (redis: Redis) => Promise<A>) => Effect.promise(() => f(admin))

/** `XINFO GROUPS` / `XINFO CONSUMERS` replies as objects. */
const fieldsOf = (flat: ReadonlyArray<unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = flat[i + 1]
  return out
}
const groups = (stream: string) => call((r) => r.xinfo("GROUPS", stream)).pipe(Effect.map((g) => (g as Array<Array<unknown>>).map(fieldsOf)))
const consumers = (stream: string, group: string) =>
  call((r) => r.xinfo("CONSUMERS", stream, group)).pipe(Effect.map((c) => (c as Array<Array<unknown>>).map((x) => String(fieldsOf(x).name))))
/** The PEL as [entry id, consumer, delivery count]. */
const pel = (stream: string, group: string) =>
  call((r) => r.xpending(stream, group, "-", "+", 10)).pipe(
    Effect.map((p) => (p as Array<[string, string, number, number]>).map(([id, consumer, , count]) => [id, consumer, count])),
  )
const ids = (stream: string) => call((r) => r.xrange(stream, "-", "+")).pipe(Effect.map((entries) => entries.map(([id]) => id)))

const claimSome = (worker: string, leaseMs = 1_000) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    return Option.getOrThrow(yield* queue.claim(worker, { leaseMs }))
  })

describe("RedisJobQueue on Redis Streams", () => {
  it.effect("enqueue appends each new episode to its project's stream, once, with a consumer group", () => {
    const { keys, layer } = fresh()
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1, 2, 3])
      yield* queue.enqueue("alpha", [2, 3, 4])
      const entries = yield* call((r) => r.xrange(keys.stream("alpha"), "-", "+"))
      expect(entries).toEqual([1, 2, 3, 4].map((n) => [`${n}-0`, ["job", jobIdOf("alpha", n)]]))
      expect(yield* call((r) => r.xlen(keys.stream("alpha")))).toBe(4)
      const [group] = yield* groups(keys.stream("alpha"))
      expect(group).toMatchObject({ name: keys.group, consumers: 0, pending: 0, "last-delivered-id": "0-0" })
      expect(yield* call((r) => r.exists(keys.stream("beta")))).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a claim reads the head with XREADGROUP; completion XACKs it; the next claim reads the next", () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1, 2])
      const first = yield* claimSome("w1")
      expect(first.job).toMatchObject({ episode: 1, deliveries: 1 })
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w1", 1]])
      expect((yield* groups(stream))[0]).toMatchObject({ pending: 1, "last-delivered-id": "1-0" })
      expect(yield* consumers(stream, keys.group)).toEqual(["w1"])

      yield* queue.complete(first)
      expect(yield* pel(stream, keys.group)).toEqual([])
      expect((yield* groups(stream))[0]).toMatchObject({ pending: 0 })
      // The holder's consumer goes with its last pending entry: consumers never pile up.
      expect(yield* consumers(stream, keys.group)).toEqual([])

      const second = yield* claimSome("w2")
      expect(second.job.episode).toBe(2)
      expect(yield* pel(stream, keys.group)).toEqual([["2-0", "w2", 1]])
      expect((yield* groups(stream))[0]).toMatchObject({ "last-delivered-id": "2-0" })
      // The project has no further episode: its stream is trimmed empty.
      yield* queue.complete(second)
      expect(yield* call((r) => r.xlen(stream))).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a run-out lease is taken over in the PEL (XAUTOCLAIM), its delivery counted there", () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1, 2])
      const old = yield* claimSome("w1", 1_000)
      yield* TestClock.adjust(1_000)
      const taken = yield* claimSome("w2", 1_000)
      expect(taken.job).toMatchObject({ id: old.job.id, deliveries: 2 })
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w2", 2]])
      expect(yield* consumers(stream, keys.group)).toEqual(["w2"])
      // The stale holder's acknowledgement is refused: the entry stays pending for w2.
      expect((yield* Effect.flip(queue.complete(old)))._tag).toBe("LeaseLost")
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w2", 2]])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a retry leaves the entry pending; a transient one gives the delivery back in the PEL", () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1])
      const a = yield* claimSome("w1")
      yield* queue.retry(a, { reason: "LLM 429", delayMs: 100, transient: true })
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w1", 0]])
      yield* TestClock.adjust(100)
      const b = yield* claimSome("w2")
      expect(b.job.deliveries).toBe(1)
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w2", 1]])
      yield* queue.retry(b, { reason: "guard rejected", delayMs: 0, transient: false })
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w2", 1]])
      const c = yield* claimSome("w2")
      expect(c.job.deliveries).toBe(2)
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w2", 2]])
    }).pipe(Effect.provide(layer))
  })

  it.effect("spent deliveries dead-letter the job into the dead-letter stream with its cause; the entry stays pending until a retry or skip", () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1, 2, 3])
      for (let i = 1; i <= MAX; i++) {
        yield* claimSome(`w${i}`, 1_000)
        yield* TestClock.adjust(1_000)
      }
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", `w${MAX}`, MAX]])
      // The claim finds episode 1 spent and dead-letters it; the dead episode holds its project.
      expect(Option.isNone(yield* queue.claim("w9", { leaseMs: 1_000 }))).toBe(true)
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", `w${MAX}`, MAX]])
      expect(yield* ids(stream)).toEqual(["1-0", "2-0", "3-0"])
      expect(yield* consumers(stream, keys.group)).toEqual([`w${MAX}`])

      const letters = yield* call((r) => r.xrange(keys.dead, "-", "+"))
      expect(letters.length).toBe(1)
      const letter = fieldsOf(letters[0][1])
      expect(letter).toMatchObject({ job: jobIdOf("alpha", 1), project: "alpha", episode: "1", deliveries: String(MAX) })
      expect(letter.reason).toContain(`delivered ${MAX} times without finishing`)
      expect(letter.reason).toContain("lease expired")

      // Skipped: acknowledged and trimmed, no longer a dead letter; episode 2 goes next.
      yield* queue.skipJob("alpha", 1, "written by hand")
      expect(yield* call((r) => r.xlen(keys.dead))).toBe(0)
      expect(yield* ids(stream)).toEqual(["2-0", "3-0"])
      const next = yield* claimSome("w9")
      expect(next.job.episode).toBe(2)
      expect(yield* pel(stream, keys.group)).toEqual([["2-0", "w9", 1]])
      expect(yield* consumers(stream, keys.group)).toEqual(["w9"])

      yield* queue.deadLetter(next, "guard rejected 5 drafts")
      const all = yield* call((r) => r.xrange(keys.dead, "-", "+"))
      expect(all.map(([, f]) => fieldsOf(f).reason)).toEqual(["guard rejected 5 drafts"])
      expect(yield* pel(stream, keys.group)).toEqual([["2-0", "w9", 1]])

      // Retried: its delivery count starts over, and the next claim takes the entry over.
      yield* queue.retryJob("alpha", 2)
      expect(yield* call((r) => r.xlen(keys.dead))).toBe(0)
      expect(yield* pel(stream, keys.group)).toEqual([["2-0", "w9", 0]])
      const again = yield* claimSome("w10")
      expect(again.job).toMatchObject({ episode: 2, deliveries: 1 })
      expect(yield* pel(stream, keys.group)).toEqual([["2-0", "w10", 1]])
      expect(yield* consumers(stream, keys.group)).toEqual(["w10"])
      yield* queue.complete(again)
      yield* queue.complete(yield* claimSome("w10"))
      expect(yield* pel(stream, keys.group)).toEqual([])
      expect(yield* call((r) => r.xlen(stream))).toBe(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect(`a stream keeps fewer than ${TRIM_EVERY} acknowledged entries before its unfinished ones`, () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", Array.from({ length: 40 }, (_, i) => i + 1))
      const lengths: Array<number> = []
      for (let n = 1; n <= 20; n++) {
        yield* queue.complete(yield* claimSome("w1"))
        lengths.push(yield* call((r) => r.xlen(stream)))
      }
      // Trimmed up to episode TRIM_EVERY when it finished (20 < 2 × TRIM_EVERY): the rest is left.
      expect(lengths.slice(0, TRIM_EVERY - 1)).toEqual(Array.from({ length: TRIM_EVERY - 1 }, () => 40))
      expect(lengths[TRIM_EVERY - 1]).toBe(40 - TRIM_EVERY)
      expect((yield* ids(stream))[0]).toBe(`${TRIM_EVERY + 1}-0`)
      expect(yield* call((r) => r.xlen(stream))).toBe(40 - TRIM_EVERY)
      expect(yield* pel(stream, keys.group)).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a heartbeat keeps the PEL entry with its holder and does not count a delivery", () => {
    const { keys, layer } = fresh()
    const stream = keys.stream("alpha")
    return Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1])
      const lease = yield* claimSome("w1", 1_000)
      yield* TestClock.adjust(800)
      const renewed = yield* queue.heartbeat(lease, 1_000)
      expect(renewed.job.deliveries).toBe(1)
      expect(yield* pel(stream, keys.group)).toEqual([["1-0", "w1", 1]])
    }).pipe(Effect.provide(layer))
  })
})
