/**
 * A Redis outage under a running `serve`: redis-server is SIGKILLed mid-run, kept down for
 * 10 s, and started again on the same data directory (AOF). While it is down the process
 * stays up and answers, `/readyz` names the queue as down and the supervisor does not
 * crash-loop; when it returns, work resumes by itself within 2 s, and every accepted episode
 * ends committed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, type FactoryProcess, makeDataDir, sleep, startServe, stopProcess } from "../support/factoryProcess.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { apiWithin, collectEvents, totalRestarts, waitFor } from "./helpers.ts"

const PROJECTS = [
  { slug: "out-fantasy", genre: "fantasy_kr" },
  { slug: "out-noir", genre: "modern_noir" },
  { slug: "out-romance", genre: "romance_comedy" },
] as const
const EPISODES = 10
const TOTAL = PROJECTS.length * EPISODES
const OUTAGE_MS = 10_000
const RECOVERY_BOUND_S = 2

describe("distributed: Redis outage under a running serve", () => {
  const data = makeDataDir("nf-outage-")
  let redis: RedisServer
  let proc: FactoryProcess | undefined

  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    if (proc) await stopProcess(proc, "SIGKILL")
    await redis?.stop()
    data.cleanup()
  })

  it("parks through a 10 s SIGKILL of redis-server, loses and duplicates nothing, resumes within 2 s", async () => {
    const started = performance.now()
    // A paced writer (150 ms a draft), so the kill lands mid-run with jobs leased.
    const env = { REDIS_URL: redis.url, FACTORY_LEASE_MS: "2000", FACTORY_CONCURRENCY: "3", FACTORY_OFFLINE_LATENCY_MS: "150" }
    proc = await startServe(data.dir, env)
    const url = proc.url
    const events = collectEvents(url, 100)

    for (const { slug, genre } of PROJECTS) {
      expect((await api(url, "POST", "/api/v1/projects", { slug, genre })).status).toBe(201)
      const enqueued = await api(url, "POST", `/api/v1/projects/${slug}/episodes`, { from: 1, to: EPISODES })
      expect(enqueued.status, enqueued.text).toBe(202)
    }
    const status = async () => (await apiWithin(2_000, url, "GET", "/api/v1/status")).json
    // Mid-run: a few committed, most still to do.
    const before = await waitFor("a few commits", 30_000, async () => {
      const s = await status()
      return s?.queue?.committed >= 4 ? s : undefined
    }, 50).catch(async (error) => {
      console.log(`serve output:\n${proc?.output().slice(-4000)}\nstatus: ${JSON.stringify(await status())}\nevents: ${JSON.stringify(events.events().slice(-30))}`)
      throw error
    })
    const restartsBefore = totalRestarts(before.supervision)

    await redis.kill()
    const killedAt = performance.now()
    const committedAtKill = events.of("JobCommitted").length
    expect(committedAtKill).toBeLessThan(TOTAL - 5)

    // Down for 10 s. The process stays up and answers; /readyz names the queue.
    let sawQueueDown = false
    let maxRestarts = restartsBefore
    const readyzLatencies: Array<number> = []
    while (performance.now() - killedAt < OUTAGE_MS) {
      const ready = await apiWithin(3_000, url, "GET", "/readyz")
      readyzLatencies.push(ready.ms)
      expect(ready.status, `readyz during the outage: ${ready.text}`).toBe(503)
      if (/queue/.test(ready.text)) sawQueueDown = true
      const s = await apiWithin(3_000, url, "GET", "/api/v1/status")
      expect(s.status, `status during the outage: ${s.text}`).not.toBe(0)
      if (s.json?.supervision) maxRestarts = Math.max(maxRestarts, totalRestarts(s.json.supervision))
      expect(proc.child.exitCode, "serve must not exit during the outage").toBeNull()
      await sleep(500)
    }
    expect(sawQueueDown, "/readyz names the queue as down").toBe(true)
    // No crash loop: a handful of restarts at most over 10 s (a crash loop would be one per back-off).
    expect(maxRestarts - restartsBefore, "worker restarts during the outage").toBeLessThanOrEqual(3)
    const breakerEvents = events.of("BreakerChanged").filter((e) => e["breaker"] === "queue")
    expect(breakerEvents.some((e) => e["to"] === "open"), "the queue breaker opened").toBe(true)

    await redis.restart()
    const restartedAt = performance.now()
    const committedBeforeRestart = events.of("JobCommitted").length
    // Recovery: time from Redis answering again to the first commit after it, and to /readyz 200.
    const [readyMs, commitMs] = await Promise.all([
      waitFor("readyz 200 after the restart", 20_000, async () => {
        const ready = await apiWithin(2_000, url, "GET", "/readyz")
        return ready.status === 200 ? performance.now() - restartedAt : undefined
      }, 50),
      waitFor("a commit after the restart", 20_000, async () => {
        const commits = events.of("JobCommitted").length
        return commits > committedBeforeRestart ? performance.now() - restartedAt : undefined
      }, 50),
    ])
    const recovered = Math.max(readyMs, commitMs) / 1000
    const origin = events.events()[0]?.at ?? 0
    const timeline = events.of("BreakerChanged").map((e) => `+${((e.at - origin) / 1000).toFixed(2)}s ${e["breaker"]} ${e["from"]}→${e["to"]} (${e["reason"]})`)
    console.log(`breaker timeline (kill at +${((Date.now() - (performance.now() - killedAt) - origin) / 1000).toFixed(2)}s, restart at +${((Date.now() - (performance.now() - restartedAt) - origin) / 1000).toFixed(2)}s):\n  ${timeline.join("\n  ")}`)
    console.log(
      `Recovered within ${recovered.toFixed(2)} s (readyz 200 after ${(readyMs / 1000).toFixed(2)} s, next JobCommitted after ${(commitMs / 1000).toFixed(2)} s)`,
    )

    const final = await waitFor("every job to finish", 40_000, async () => {
      const s = await status()
      return s?.queue && s.queue.committed + s.queue.dead === TOTAL ? s.queue : undefined
    }, 200)
    await events.stop()
    expect(final).toEqual({ queued: 0, inFlight: 0, committed: TOTAL, dead: 0, skipped: 0, held: 0 })
    for (const { slug } of PROJECTS) {
      const episodes = (await api(url, "GET", `/api/v1/projects/${slug}/episodes`)).json as Array<{ number: number; committedAt: number }>
      expect(episodes.map((e) => e.number)).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))
      for (let i = 1; i < episodes.length; i++) expect(episodes[i]!.committedAt).toBeGreaterThanOrEqual(episodes[i - 1]!.committedAt)
    }
    const committed = events.of("JobCommitted").map((e) => e["job"] as string)
    const missing = (await api(url, "GET", "/api/v1/results?count=1000")).json.map((j: any) => j.id).filter((id: string) => !committed.includes(id))
    for (const id of missing) console.log(`no JobCommitted for ${id}:`, JSON.stringify(events.events().filter((e) => e["job"] === id).map((e) => [e._tag, e["stage"], e["ok"], e["reason"]])))
    expect(committed.length, "JobCommitted events: one per job, none twice").toBe(TOTAL)
    expect(new Set(committed).size).toBe(TOTAL)
    expect(events.of("JobDead")).toEqual([])
    console.log(
      `outage run: ${((performance.now() - started) / 1000).toFixed(1)} s in all; ${committedAtKill} committed at the kill; readyz answered in ≤ ${Math.max(...readyzLatencies).toFixed(0)} ms while down; supervised restarts during the outage: ${maxRestarts - restartsBefore}`,
    )
    expect(recovered).toBeLessThanOrEqual(RECOVERY_BOUND_S)
  })

  it("starts while Redis is down, reports it, and starts working when Redis comes up", async () => {
    const late = await startRedisServer()
    const home = makeDataDir("nf-outage-start-")
    let waiting: FactoryProcess | undefined
    try {
      await late.down()
      waiting = await startServe(home.dir, { REDIS_URL: late.url, FACTORY_CONCURRENCY: "2" })
      const url = waiting.url
      const ready = await apiWithin(3_000, url, "GET", "/readyz")
      expect(ready.status, ready.text).toBe(503)
      expect(ready.text).toMatch(/queue/)
      // The story store is not Redis: projects can be made; queueing needs Redis and says so.
      expect((await api(url, "POST", "/api/v1/projects", { slug: "late-noir", genre: "modern_noir" })).status).toBe(201)
      const refused = await api(url, "POST", "/api/v1/projects/late-noir/episodes", { from: 1, to: 2 })
      expect(refused.status, refused.text).toBe(503)
      expect(refused.headers.get("content-type")).toMatch(/problem\+json/)

      await late.restart()
      await waitFor("readyz 200 once Redis is up", 20_000, async () => {
        const r = await apiWithin(2_000, url, "GET", "/readyz")
        return r.status === 200 ? r : undefined
      }, 100)
      expect((await api(url, "POST", "/api/v1/projects/late-noir/episodes", { from: 1, to: 2 })).status).toBe(202)
      const done = await waitFor("both episodes committed", 30_000, async () => {
        const s = (await apiWithin(2_000, url, "GET", "/api/v1/status")).json
        return s?.queue?.committed === 2 ? s.queue : undefined
      }, 100)
      expect(done).toMatchObject({ committed: 2, dead: 0 })
      expect(waiting.output()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/? is down/)
    } finally {
      if (waiting) await stopProcess(waiting, "SIGKILL")
      await late.stop()
      home.cleanup()
    }
  })
})
