/**
 * Redis JobQueue throughput beside BullMQ, on the same redis-server (AOF everysec, started by
 * the test harness) in the same run, with raw `XADD` as the ceiling of one write per round trip.
 *
 * - ours:   enqueue (one script per project, `BATCH` episodes) → claim → complete, with
 *           `CONCURRENCY` fibers on one connection, through the `JobQueue` interface (claims
 *           and completions made in one event-loop turn reach Redis as one script call).
 * - BullMQ: `addBulk` → `Worker` (concurrency `CONCURRENCY`, an empty processor) → completed;
 *           the same number of jobs, timed from the first add to the last `completed` event.
 * - raw:    pipelined `XADD` of one small entry, `CONCURRENCY` in flight (a ceiling for one
 *           round trip per job: a queue job needs at least claim + complete).
 *
 * Ours hands a project's episodes out in order and one at a time; BullMQ has no such
 * constraint. So that ordering is not what limits us, there are many more projects than
 * workers (`PROJECTS` ≫ `CONCURRENCY`).
 *
 * The machine may be shared: ours and BullMQ run alternately, `ROUNDS` times each, on fresh keys,
 * and each is reported by its median round (the ratio is of the medians). Beside jobs/s, the
 * CPU time per job of the redis-server (from /proc, when readable) and of this process (the
 * client side) show what a job costs each, which other load on the machine disturbs less than
 * wall time.
 *
 *   node bench/redis.ts        (JOBS=40000 CONCURRENCY=32 ROUNDS=3 to change the size)
 */
import { Redis } from "ioredis"
import { Effect, Option } from "effect"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { RedisJobQueue } from "../src/queue/RedisJobQueue.ts"
import { type RedisServer, startRedisServer } from "../chaos/RedisServer.ts"
import { readFileSync } from "node:fs"
import type { BenchResult } from "./BenchResult.ts"

const JOBS = Number(process.env.JOBS ?? 20_000)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32)
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 3))
const PROJECTS = 400
const BATCH = 100

const ours = (url: string, keyPrefix: string, jobs: number): Promise<number> => {
  const perProject = Math.ceil(jobs / PROJECTS)
  const total = perProject * PROJECTS
  const program = Effect.gen(function* () {
    const queue = yield* JobQueue
    const started = performance.now()
    // Enqueue every project's episodes in batches, concurrently across projects.
    yield* Effect.forEach(
      Array.from({ length: PROJECTS }, (_, p) => p),
      (p) =>
        Effect.gen(function* () {
          for (let from = 1; from <= perProject; from += BATCH) {
            const to = Math.min(perProject, from + BATCH - 1)
            yield* queue.enqueue(`p${p}`, Array.from({ length: to - from + 1 }, (_, i) => from + i))
          }
        }),
      { concurrency: CONCURRENCY, discard: true },
    )
    let done = 0
    const worker = (name: string) =>
      Effect.gen(function* () {
        while (done < total) {
          const lease = yield* queue.claim(name, { leaseMs: 60_000 })
          if (Option.isNone(lease)) {
            // Every ready project is held by another worker right now.
            yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
            continue
          }
          yield* queue.complete(lease.value)
          done++
        }
      })
    yield* Effect.forEach(Array.from({ length: CONCURRENCY }, (_, i) => `w${i}`), worker, { concurrency: "unbounded", discard: true })
    const seconds = (performance.now() - started) / 1_000
    const stats = yield* queue.stats
    if (stats.committed !== total) throw new Error(`expected ${total} committed, got ${JSON.stringify(stats)}`)
    return total / seconds
  })
  return Effect.runPromise(Effect.provide(program, RedisJobQueue.layer({ url, maxDeliveries: 5, keyPrefix })))
}

/** The part of BullMQ's API this bench uses (BullMQ lives in bench/package.json, outside the app's install). */
interface BullQueue {
  waitUntilReady(): Promise<unknown>
  addBulk(jobs: ReadonlyArray<{ name: string; data: unknown }>): Promise<unknown>
  close(): Promise<void>
}
interface BullWorker {
  on(event: "completed", listener: () => void): unknown
  waitUntilReady(): Promise<unknown>
  run(): Promise<unknown>
  close(): Promise<void>
}
interface BullMq {
  Queue: new (name: string, options: { connection: object }) => BullQueue
  Worker: new (name: string, processor: () => Promise<unknown>, options: object) => BullWorker
}

const loadBullMq = async (): Promise<BullMq> => {
  const specifier = "bullmq"
  try {
    return (await import(specifier)) as BullMq
  } catch {
    throw new Error("BullMQ is not installed: run `npm run bench` (it installs bench/package.json) or `npm install --prefix bench`")
  }
}

const bullmq = async (server: RedisServer, name: string, jobs: number): Promise<number> => {
  const { Queue, Worker } = await loadBullMq()
  const connection = { host: server.host, port: server.port, maxRetriesPerRequest: null }
  const queue = new Queue(name, { connection })
  let completed = 0
  let resolveAll: () => void = () => {}
  const all = new Promise<void>((resolve) => (resolveAll = resolve))
  const worker = new Worker(name, async () => undefined, { connection, concurrency: CONCURRENCY, autorun: false })
  worker.on("completed", () => {
    if (++completed === jobs) resolveAll()
  })
  await queue.waitUntilReady()
  await worker.waitUntilReady()
  try {
    const started = performance.now()
    void worker.run()
    for (let i = 0; i < jobs; i += 1_000) {
      const n = Math.min(1_000, jobs - i)
      await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: "episode", data: { project: `p${(i + k) % PROJECTS}`, episode: i + k } })))
    }
    await all
    return jobs / ((performance.now() - started) / 1_000)
  } finally {
    await worker.close()
    await queue.close()
  }
}

const rawXadd = async (url: string, n: number): Promise<number> => {
  const redis = new Redis(url)
  try {
    const started = performance.now()
    let next = 0
    const lane = async () => {
      while (next < n) {
        next++
        await redis.xadd("bench:raw", "*", "job", "p:1")
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, lane))
    return n / ((performance.now() - started) / 1_000)
  } finally {
    redis.disconnect()
  }
}

/** CPU seconds (user + system) a process has used so far, or undefined where /proc is not readable. */
const cpuSeconds = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

interface Round {
  readonly jobsPerSecond: number
  /** redis-server CPU time per job, µs. */
  readonly serverMicros: number | undefined
  /** This process's CPU time per job (the client side: queue library, producer and workers), µs. */
  readonly clientMicros: number
}

const measured = async (server: RedisServer, jobs: number, f: () => Promise<number>): Promise<Round> => {
  const before = cpuSeconds(server.pid())
  const client = process.cpuUsage()
  const jobsPerSecond = await f()
  const used = process.cpuUsage(client)
  const after = cpuSeconds(server.pid())
  return {
    jobsPerSecond,
    serverMicros: before === undefined || after === undefined ? undefined : ((after - before) * 1e6) / jobs,
    clientMicros: (used.user + used.system) / jobs,
  }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const summary = (rounds: ReadonlyArray<Round>) => {
  const micros = rounds.flatMap((r) => (r.serverMicros === undefined ? [] : [r.serverMicros]))
  return {
    jobsPerSecond: median(rounds.map((r) => r.jobsPerSecond)),
    serverMicros: micros.length === 0 ? undefined : median(micros),
    clientMicros: median(rounds.map((r) => r.clientMicros)),
    all: rounds.map((r) => r.jobsPerSecond.toFixed(0)).join(", "),
  }
}

export const run = async (): Promise<Array<BenchResult>> => {
  const server = await startRedisServer()
  try {
    // Warm-up (JIT, script cache, connection pools) before the measured runs.
    await ours(server.url, "bench-warm", 2_000)
    await bullmq(server, "bench-warm", 2_000)

    const raw = await rawXadd(server.url, JOBS)
    const mineRounds: Array<Round> = []
    const bullRounds: Array<Round> = []
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate who goes first, so neither always meets the same moment of the machine's other load.
      const pair = [
        async () => bullRounds.push(await measured(server, JOBS, () => bullmq(server, `bench-bull-${i}`, JOBS))),
        async () => mineRounds.push(await measured(server, JOBS, () => ours(server.url, `bench-ours-${i}`, JOBS))),
      ]
      for (const f of i % 2 === 0 ? pair : pair.reverse()) await f()
    }
    const mine = summary(mineRounds)
    const bull = summary(bullRounds)
    const cpu = (s: { serverMicros: number | undefined; clientMicros: number }) =>
      `; CPU per job: ${s.serverMicros === undefined ? "" : `redis-server ${s.serverMicros.toFixed(0)} µs, `}client ${s.clientMicros.toFixed(0)} µs`
    const note = `${JOBS} jobs, ${CONCURRENCY} concurrent workers, ${PROJECTS} projects; median of ${ROUNDS} alternating rounds; redis-server ${server.port} with AOF everysec`
    return [
      {
        name: "redis queue enqueue→claim→complete",
        value: mine.jobsPerSecond,
        unit: "jobs/s",
        baseline: bull.jobsPerSecond,
        ratio: mine.jobsPerSecond / bull.jobsPerSecond,
        note: `vs BullMQ add→process→complete; rounds ${mine.all}${cpu(mine)}; ${note}`,
      },
      { name: "BullMQ add→process→complete", value: bull.jobsPerSecond, unit: "jobs/s", note: `rounds ${bull.all}${cpu(bull)}; ${note}` },
      { name: "raw XADD (ceiling, 1 round trip)", value: raw, unit: "ops/s", note: `ours is ${((mine.jobsPerSecond / raw) * 100).toFixed(0)} % of it (a job is ≥ 2 round trips)` },
    ]
  } finally {
    await server.stop()
  }
}

if (import.meta.main) {
  for (const r of await run()) {
    console.log(
      `${r.name}: ${r.value.toFixed(0)} ${r.unit}` +
        (r.baseline === undefined ? "" : ` (baseline ${r.baseline.toFixed(0)}, ${r.ratio?.toFixed(2)}×)`) +
        (r.note === undefined ? "" : ` — ${r.note}`),
    )
  }
}
