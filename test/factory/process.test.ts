import { DatabaseSync } from "node:sqlite"
import { afterAll, describe, expect, it } from "vitest"
import { databaseFile } from "../../src/sqlite/Database.ts"
import type { QueueStats } from "../../src/http/FactoryApi.ts"
import { callApi, type FactoryProcess, makeDataDir, sleep, startServe, stopProcess } from "../support/factoryProcess.ts"

/**
 * The real thing: `serve` as a child process, SIGKILLed twice mid-run and started again
 * on the same data. Every accepted episode must end committed exactly once, in its band.
 */
describe("serve survives SIGKILL", () => {
  const data = makeDataDir()
  let proc: FactoryProcess | undefined
  afterAll(async () => {
    if (proc) await stopProcess(proc, "SIGKILL")
    data.cleanup()
  })

  it("commits 3 projects × 10 episodes exactly once across two kills", async () => {
    // Short leases so that jobs held by a killed process are claimed again quickly, and a paced
    // writer (150 ms a draft) so that the kills land mid-run rather than after the last commit.
    const env = { FACTORY_LEASE_MS: "2000", FACTORY_CONCURRENCY: "3", FACTORY_OFFLINE_LATENCY_MS: "150" }
    proc = await startServe(data.dir, env)
    // A claim names its process (host:pid/writer-n), read from the queue's own table.
    const inFlightHolders = () => {
      const db = new DatabaseSync(databaseFile(data.dir), { readOnly: true })
      try {
        return db.prepare("SELECT worker FROM queue_heads WHERE worker IS NOT NULL").all().map((r) => String(r.worker))
      } finally {
        db.close()
      }
    }
    const pids = [proc.child.pid]
    const held: Array<string> = []
    const genres = ["fantasy_kr", "modern_noir", "romance_comedy"]
    for (const genre of genres) {
      const slug = `kill-${genre.replace(/_/g, "-")}`
      expect((await callApi(proc.url, (c) => c.projects.create({ payload: { slug, genre } }))).slug).toBe(slug)
      const enqueued = await callApi(proc.url, (c) => c.projects.enqueue({ params: { slug }, payload: { from: 1, to: 10 } }))
      expect(enqueued.jobs).toHaveLength(10)
    }
    const committed = async (url: string) => {
      return (await callApi(url, (c) => c.factory.status())).queue.committed
    }
    const atKill: Array<number> = []
    for (let kill = 0; kill < 2; kill++) {
      // Let some work happen, then kill the process mid-run.
      const before = await committed(proc.url)
      const deadline = Date.now() + 60_000
      while ((await committed(proc.url)) < before + 4 && Date.now() < deadline) await sleep(50)
      atKill.push(await committed(proc.url))
      held.push(...inFlightHolders())
      await stopProcess(proc, "SIGKILL")
      proc = await startServe(data.dir, env)
      pids.push(proc.child.pid)
    }
    // Both kills really happened mid-run.
    for (const n of atKill) expect(n).toBeLessThan(30)
    const deadline = Date.now() + 180_000
    let stats: QueueStats | undefined
    while (Date.now() < deadline) {
      stats = (await callApi(proc.url, (c) => c.factory.status())).queue
      if (stats.committed + stats.dead === 30) break
      await sleep(250)
    }
    expect(stats).toMatchObject({ committed: 30, dead: 0, queued: 0, inFlight: 0 })
    for (const genre of genres) {
      const slug = `kill-${genre.replace(/_/g, "-")}`
      const project = await callApi(proc.url, (c) => c.projects.get({ params: { slug } }))
      const episodes = await callApi(proc.url, (c) => c.projects.episodes({ params: { slug } }))
      expect(episodes.map((e) => e.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      for (const e of episodes) {
        expect(e.charCount).toBeGreaterThanOrEqual(project.lengthBand.min)
        expect(e.charCount).toBeLessThanOrEqual(project.lengthBand.max)
      }
    }
    expect(held.length).toBeGreaterThan(0)
    for (const worker of held) {
      const match = /^[^/]+:(\d+)\/writer-\d+$/.exec(worker)
      expect(match, `worker '${worker}'`).not.toBeNull()
      expect(pids).toContain(Number(match![1]))
    }
  }, 300_000)
})
