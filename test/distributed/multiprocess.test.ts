/**
 * Distributed mode for real: two `serve` processes on one redis-server (the queue) and one
 * data directory (the shared SQLite story store, WAL + busy_timeout) work through 40 episodes
 * over 4 projects. Every episode is committed exactly once, in order per project, and both
 * processes did some of the work.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, type FactoryProcess, makeDataDir, startServe, stopProcess } from "../support/factoryProcess.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { collectEvents, waitFor } from "./helpers.ts"

const PROJECTS = [
  { slug: "mp-fantasy", genre: "fantasy_kr" },
  { slug: "mp-noir", genre: "modern_noir" },
  { slug: "mp-romance", genre: "romance_comedy" },
  { slug: "mp-fantasy-two", genre: "fantasy_kr" },
] as const
const EPISODES = 10
const TOTAL = PROJECTS.length * EPISODES

describe("distributed: two serve processes on one Redis", () => {
  const data = makeDataDir("nf-distributed-")
  let redis: RedisServer
  const procs: Array<FactoryProcess> = []

  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    for (const proc of procs) await stopProcess(proc, "SIGKILL")
    await redis?.stop()
    data.cleanup()
  })

  it(`commit ${TOTAL} episodes over ${PROJECTS.length} projects exactly once, in order, both processes working`, async () => {
    const started = performance.now()
    // Short leases so a slow heartbeat shows up as a takeover; a paced writer (60 ms a draft)
    // so the run lasts long enough for both processes to claim work; 2 workers each.
    const env = { REDIS_URL: redis.url, FACTORY_LEASE_MS: "2000", FACTORY_CONCURRENCY: "2", FACTORY_OFFLINE_LATENCY_MS: "60" }
    const [a, b] = await Promise.all([startServe(data.dir, env), startServe(data.dir, env)])
    procs.push(a!, b!)
    const events = procs.map((p) => collectEvents(p.url))

    // Both see the same Redis: create and enqueue everything through one process only.
    for (const { slug, genre } of PROJECTS) {
      const created = await api(a!.url, "POST", "/api/v1/projects", { slug, genre })
      expect(created.status, created.text).toBe(201)
    }
    for (const { slug } of PROJECTS) {
      const enqueued = await api(a!.url, "POST", `/api/v1/projects/${slug}/episodes`, { from: 1, to: EPISODES })
      expect(enqueued.status, enqueued.text).toBe(202)
      expect(enqueued.json.created).toBe(EPISODES)
    }
    // Enqueueing the same episodes again, through the other process, stays the same jobs.
    const again = await api(b!.url, "POST", `/api/v1/projects/${PROJECTS[0].slug}/episodes`, { from: 1, to: EPISODES })
    expect(again.status, again.text).toBe(202)
    expect(again.json).toMatchObject({ created: 0, existing: EPISODES })

    const final = await waitFor("every job to finish", 45_000, async () => {
      const stats = (await api(b!.url, "GET", "/api/v1/status")).json.queue
      return stats.committed + stats.dead === TOTAL ? stats : undefined
    }, 200)
    await Promise.all(events.map((e) => e.stop()))
    const seconds = (performance.now() - started) / 1000

    // Nothing dead, nothing left over.
    expect(final).toEqual({ queued: 0, inFlight: 0, committed: TOTAL, dead: 0, skipped: 0, held: 0 })

    // The shared story store, read through either process: 1..10 exactly, committed in order.
    for (const proc of procs) {
      for (const { slug } of PROJECTS) {
        const episodes = (await api(proc.url, "GET", `/api/v1/projects/${slug}/episodes`)).json as Array<{ number: number; committedAt: number }>
        expect(episodes.map((e) => e.number), `${slug} via ${proc.url}`).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))
        for (let i = 1; i < episodes.length; i++) {
          expect(episodes[i]!.committedAt, `${slug} episode ${episodes[i]!.number} committed after ${episodes[i - 1]!.number}`)
            .toBeGreaterThanOrEqual(episodes[i - 1]!.committedAt)
        }
      }
    }

    // Exactly once across the processes: 40 JobCommitted events in all, no job twice.
    const committedBy = events.map((e) => e.of("JobCommitted").map((c) => c["job"] as string))
    const all = committedBy.flat()
    expect(new Set(all).size, "distinct committed jobs").toBe(TOTAL)
    expect(all.length, "JobCommitted events (a duplicate would mean a job committed twice)").toBe(TOTAL)
    // Both processes worked.
    for (const [i, jobs] of committedBy.entries()) expect(jobs.length, `jobs committed by process ${i + 1}`).toBeGreaterThan(0)
    // No job was ever handed back as failed or dead: the processes did not trample each other's leases.
    const troubles = events.flatMap((e) => e.events().filter((x) => x._tag === "JobDead" || x._tag === "JobRetrying"))
    expect(troubles).toEqual([])

    // Per project, each process committed in episode order (JobCommitted `at` rises with the number).
    const commits = events.flatMap((e) => e.of("JobCommitted"))
    for (const { slug } of PROJECTS) {
      const mine = commits.filter((c) => c["project"] === slug).sort((x, y) => (x["episode"] as number) - (y["episode"] as number))
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.at).toBeGreaterThanOrEqual(mine[i - 1]!.at)
    }

    console.log(
      `multi-process: ${TOTAL} episodes in ${seconds.toFixed(1)} s; committed by process 1: ${committedBy[0]!.length}, process 2: ${committedBy[1]!.length}`,
    )
  })

  it("a process SIGKILLed mid-run: the other takes over its leases and finishes, still exactly once", async () => {
    const started = performance.now()
    const env = { REDIS_URL: redis.url, FACTORY_LEASE_MS: "2000", FACTORY_CONCURRENCY: "2", FACTORY_OFFLINE_LATENCY_MS: "100" }
    // The process to be killed writes slowly (1.2 s a draft): its workers spend nearly all their
    // time holding a lease mid-writer, so the kill surely leaves leases for the survivor to take over.
    const slowEnv = { ...env, FACTORY_OFFLINE_LATENCY_MS: "1200" }
    // Its own key prefix, so the first case's jobs are not in the way.
    const home = makeDataDir("nf-distributed-kill-")
    try {
      writeFileSync(join(home.dir, "factory.yaml"), "queue:\n  kind: redis\n  url: " + redis.url + "\n  keyPrefix: nf-kill\n")
      const [a, b] = await Promise.all([startServe(home.dir, slowEnv), startServe(home.dir, env)])
      procs.push(a!, b!)
      const survivor = collectEvents(b!.url)
      for (const { slug, genre } of PROJECTS) {
        expect((await api(a!.url, "POST", "/api/v1/projects", { slug, genre })).status).toBe(201)
        expect((await api(a!.url, "POST", `/api/v1/projects/${slug}/episodes`, { from: 1, to: EPISODES })).status).toBe(202)
      }
      // Kill the slow process mid-run, once it has committed something (so it is in the game)
      // and while it holds a lease: workers claim as host:pid/writer-n, so its leases are known.
      const { Redis } = await import("ioredis")
      const r = new Redis(redis.url)
      const leasesOf = async (pid: number | undefined) => {
        const ids = await r.zrange("{nf-kill}:leases", "0", "-1")
        const held: Array<string> = []
        for (const id of ids) {
          const [worker, state, updatedAt] = await r.hmget(`{nf-kill}:job:${id}`, "worker", "state", "updatedAt")
          // Claimed just now and writing (a 1.2 s draft): the kill lands before it can finish.
          const fresh = state === "writing" && Date.now() - Number(updatedAt) < 500
          if (fresh && new RegExp(`:${pid}/writer-\\d+$`).test(worker ?? "")) held.push(id)
        }
        return held
      }
      let leasesAtKill: Array<string> = []
      try {
        await waitFor("the slow process to commit some", 30_000, async () => {
          const s = (await api(a!.url, "GET", "/api/v1/status")).json.queue
          const mine = (await api(a!.url, "GET", "/api/v1/events/recent?limit=1000")).json.filter((e: { _tag: string }) => e._tag === "JobCommitted")
          return s.committed >= 6 && mine.length >= 1 ? s : undefined
        }, 25)
        leasesAtKill = await waitFor("the slow process to hold a lease", 30_000, async () => {
          const held = await leasesOf(a!.child.pid)
          return held.length > 0 ? held : undefined
        }, 10)
        await stopProcess(a!, "SIGKILL")
      } finally {
        r.disconnect()
      }
      const killedAt = performance.now()
      const final = await waitFor("every job to finish on the survivor", 45_000, async () => {
        const stats = (await api(b!.url, "GET", "/api/v1/status")).json.queue
        return stats.committed + stats.dead === TOTAL ? stats : undefined
      }, 200)
      await survivor.stop()
      expect(final).toEqual({ queued: 0, inFlight: 0, committed: TOTAL, dead: 0, skipped: 0, held: 0 })
      for (const { slug } of PROJECTS) {
        const episodes = (await api(b!.url, "GET", `/api/v1/projects/${slug}/episodes`)).json as Array<{ number: number; committedAt: number }>
        expect(episodes.map((e) => e.number), slug).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))
        for (let i = 1; i < episodes.length; i++) expect(episodes[i]!.committedAt).toBeGreaterThanOrEqual(episodes[i - 1]!.committedAt)
      }
      // The survivor's commits: no job twice.
      const jobs = survivor.of("JobCommitted").map((e) => e["job"] as string)
      expect(new Set(jobs).size).toBe(jobs.length)
      // The dead process's leases ran out and the survivor took them over: those jobs were delivered twice.
      const results = (await api(b!.url, "GET", "/api/v1/results?count=1000")).json as Array<{ id: string; deliveries: number }>
      for (const id of leasesAtKill) {
        expect(results.find((j) => j.id === id)?.deliveries, `${id}, leased by the killed process`).toBeGreaterThan(1)
      }
      const takenOver = results.filter((j) => j.deliveries > 1).length
      console.log(
        `kill one of two: ${TOTAL} episodes in ${((performance.now() - started) / 1000).toFixed(1)} s; the survivor took over ${takenOver} leased job(s) and finished ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
      )
    } finally {
      home.cleanup()
    }
  })
})
