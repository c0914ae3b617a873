/**
 * A real pause past the lease, around the commit (issue #16): two `serve` processes on one
 * redis-server and one data directory (as in multiprocess.test.ts: the Redis queue, the shared SQLite
 * story store and event journal). Process A is SIGSTOPped in its `summary` stage — after its last
 * token-checked queue call (`setStage("editing")`) and before its commit, the point where an overtaken
 * delivery can only be stopped by the story store's fence — stays stopped past its lease while B claims
 * the job, and is SIGCONTed:
 *
 * - in odd cycles while B holds the job mid-`summary` (B has raised the fence, not committed yet):
 *   A's commit must be refused by the fence (or A's heartbeat notices the takeover first);
 * - in even cycles once B has committed: A's commit must write nothing.
 *
 * The summary runs on the loopback LLM simulator with a fixed latency, so a delivery sits in it for
 * seconds, waiting on a socket rather than holding SQLite's write lock (a process stopped inside a write
 * transaction would block the other's writes on the shared file until it resumes: the limit of one
 * shared SQLite file, not of the fence — each stop checks the lock is free, and says so if it was not).
 *
 * Checked: no stale commit — each taken-over episode's stored row was written by a delivery that began
 * after A was stopped, its fence is the queue's last token for the job, and the queue's last holder is
 * B; every episode stored once, in order; exactly one `JobCommitted` per commit in the shared journal.
 * `SIGSTOP_CYCLES` cycles (default 4, ~40 s on 2 cores); the TestClock simulation
 * (test/factory/fencing.property.test.ts) pauses at every point around the commit.
 */
import { DatabaseSync } from "node:sqlite"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { type Simulator, startSimulator } from "../../src/llm/Simulator.ts"
import { api, type FactoryProcess, makeDataDir, sleep, startServe, stopProcess, writeSimulatorConfig } from "../support/factoryProcess.ts"
import { waitFor } from "./helpers.ts"

const CYCLES = Math.max(1, Number(process.env["SIGSTOP_CYCLES"] ?? "4"))
const LEASE_MS = 1_500
/** The summary stage's LLM call: long enough to catch a delivery inside it, well past the lease. */
const SUMMARY_MS = 2_000
const PREFIX = "{nf-sigstop}"
const PROJECTS = ["sigstop-noir", "sigstop-fantasy"] as const
const GENRES = { "sigstop-noir": "modern_noir", "sigstop-fantasy": "fantasy_kr" } as const

interface WorkerRow {
  readonly worker: string
  readonly job: string | null
  readonly stage: string
  readonly stageSince: number
}
interface SeenEvent {
  readonly _tag: string
  readonly at: number
  readonly job?: string
  readonly stage?: string
  readonly ok?: boolean
}

/** How a resumed, overtaken delivery ended. */
type Attempt = "refused by the fence" | "its commit found the holder's in place" | "overtaken before its commit"

interface Cycle {
  readonly job: string
  readonly stoppedAt: number
  readonly resumedAt: number
  /** Whether B had committed the job when A resumed. */
  readonly resumed: "before the holder's commit" | "after the holder's commit"
  readonly attempt: Attempt
}

const tally = <K extends string>(keys: ReadonlyArray<K>) => Object.fromEntries([...new Set(keys)].map((k) => [k, keys.filter((x) => x === k).length]))

describe("a serve process SIGSTOPped past its lease around the commit", () => {
  const data = makeDataDir("nf-sigstop-")
  let redis: RedisServer
  let sim: Simulator
  const procs: Array<FactoryProcess> = []
  beforeAll(async () => {
    redis = await startRedisServer()
    sim = await startSimulator({ seed: 16, apiKey: "dummy", models: ["sim-summary"], latencyMs: { min: SUMMARY_MS, max: SUMMARY_MS }, answerTokens: { min: 40, max: 80 } })
  })
  afterAll(async () => {
    for (const proc of procs) {
      proc.child.kill("SIGCONT")
      await stopProcess(proc, "SIGKILL")
    }
    await sim?.close()
    await redis?.stop()
    data.cleanup()
  })

  it(`${CYCLES} cycles: no stale commit, exactly one JobCommitted per commit`, async () => {
    writeSimulatorConfig(data.dir, {
      url: sim.url,
      model: "sim-summary",
      llm: [
        "journal: { enabled: false }",
        // Only the summary calls the model, and waits for it as long as a stop lasts.
        "stages: { writer: { kind: offline }, analyst: { kind: offline }, planner: { kind: offline }, summary: { stream: false, timeoutMs: 120000 } }",
      ],
      extra: [`queue: { kind: redis, url: "${redis.url}", keyPrefix: nf-sigstop }`, "pipeline: { concurrency: 1, stageThreads: 0, retryDelayMs: 200 }"],
    })
    const env = { SIM_KEY: "dummy", FACTORY_LEASE_MS: String(LEASE_MS) }
    const a = await startServe(data.dir, env)
    procs.push(a)
    const b = await startServe(data.dir, env)
    procs.push(b)
    const ofPid = (proc: FactoryProcess) => new RegExp(`:${proc.child.pid}/writer-\\d+$`)

    const lastEnqueued = new Map<string, number>()
    for (const slug of PROJECTS) {
      const created = await api(a.url, "POST", "/api/v1/projects", { slug, genre: GENRES[slug] })
      expect(created.status, created.text).toBe(201)
      lastEnqueued.set(slug, 0)
    }
    const enqueue = async (slug: string, count: number) => {
      const from = lastEnqueued.get(slug)! + 1
      const answer = await api(a.url, "POST", `/api/v1/projects/${slug}/episodes`, { from, to: from + count - 1 })
      expect(answer.status, answer.text).toBe(202)
      lastEnqueued.set(slug, from + count - 1)
    }
    for (const slug of PROJECTS) await enqueue(slug, 3)

    const { Redis } = await import("ioredis")
    const r = new Redis(redis.url)
    const jobField = async (job: string, field: string) => (await r.hmget(`${PREFIX}:job:${job}`, field))[0] ?? undefined
    /** Each project keeps a job waiting behind its head, so both processes stay busy and A soon holds one. */
    const topUp = async () => {
      for (const slug of PROJECTS) {
        const last = lastEnqueued.get(slug)!
        if ((await jobField(`${slug}:${last - 1}`, "state")) !== "queued") await enqueue(slug, 2)
      }
    }
    const workersOf = async (proc: FactoryProcess) => (await api(proc.url, "GET", "/api/v1/workers")).json as Array<WorkerRow>
    /** A's delivery well inside its summary call: past its last queue call, its answer still seconds away. */
    const inSummary = async (proc: FactoryProcess, job?: string) => {
      const now = Date.now()
      return (await workersOf(proc)).find((w) =>
        w.job !== null && (job === undefined || w.job === job) && w.stage === "summary" &&
        (job !== undefined || (now - w.stageSince >= 150 && now - w.stageSince <= SUMMARY_MS - 600))
      )?.job ?? undefined
    }
    /** Whether some process holds SQLite's write lock on the shared file now (the test's own attempt waits up to 3 s). */
    const writeLockFree = () => {
      const db = new DatabaseSync(join(data.dir, "factory.db"))
      try {
        db.exec("PRAGMA busy_timeout = 3000")
        db.exec("BEGIN IMMEDIATE")
        db.exec("ROLLBACK")
        return true
      } catch (error) {
        if (/locked|busy/i.test(String(error))) return false
        throw error
      } finally {
        db.close()
      }
    }

    const cycles: Array<Cycle> = []
    const skipped: Array<string> = []
    try {
      for (let attempt = 0; cycles.length < CYCLES; attempt++) {
        expect(attempt, `attempts for ${CYCLES} cycles (skipped: ${skipped.join("; ")})`).toBeLessThan(CYCLES * 2 + 4)
        const wantBeforeCommit = cycles.length % 2 === 0
        await topUp()
        const job = await waitFor(`A to be in a summary (cycle ${cycles.length + 1})`, 30_000, () => inSummary(a), 40)
        const stoppedAt = Date.now()
        a.child.kill("SIGSTOP")
        let resumedAt: number
        let resumed: Cycle["resumed"]
        try {
          if (!writeLockFree()) {
            skipped.push(`${job}: A was stopped holding the write lock`)
            a.child.kill("SIGCONT")
            await waitFor(`${job} to be committed`, 30_000, async () => ((await jobField(job, "state")) === "committed" ? true : undefined))
            continue
          }
          // Past A's lease B claims the job: its worker is the job's holder in the queue.
          const taken = await waitFor(`B to take ${job} over`, 20_000, async () => {
            const [worker, state] = await r.hmget(`${PREFIX}:job:${job}`, "worker", "state")
            if (ofPid(b).test(worker ?? "")) return "taken"
            return state === "committed" ? "committed by A" : undefined
          }, 25)
          if (taken !== "taken") {
            skipped.push(`${job}: A committed it before the stop landed`)
            continue
          }
          if (wantBeforeCommit) {
            // B's delivery in its own summary: it has raised the fence and will commit in ~2 s.
            await waitFor(`B to reach the summary of ${job}`, 20_000, async () =>
              (await inSummary(b, job)) ?? ((await jobField(job, "state")) === "committed" ? job : undefined), 25)
          } else {
            await waitFor(`B to commit ${job}`, 20_000, async () => ((await jobField(job, "state")) === "committed" ? true : undefined), 25)
          }
          resumed = (await jobField(job, "state")) === "committed" ? "after the holder's commit" : "before the holder's commit"
        } finally {
          resumedAt = Date.now()
          a.child.kill("SIGCONT")
        }
        // A's resumed delivery runs on to its commit (or notices the takeover first) and lets the job go.
        await waitFor(`A to let ${job} go`, 20_000, async () => ((await workersOf(a)).some((w) => w.job === job) ? undefined : true), 50)
        const seen = ((await api(a.url, "GET", "/api/v1/events/recent?limit=1000")).json as Array<SeenEvent>)
          .filter((e) => e._tag === "StageFinished" && e.job === job && e.at >= resumedAt)
        const commit = seen.find((e) => e.stage === "commit")
        const attemptOutcome: Attempt = commit === undefined
          ? "overtaken before its commit"
          : commit.ok === true
          ? "its commit found the holder's in place"
          : "refused by the fence"
        if (attemptOutcome === "its commit found the holder's in place") {
          expect(resumed, `A's commit of ${job} went through while B held the job`).toBe("after the holder's commit")
        }
        await waitFor(`${job} to be committed`, 20_000, async () => ((await jobField(job, "state")) === "committed" ? true : undefined))
        cycles.push({ job, stoppedAt, resumedAt, resumed, attempt: attemptOutcome })
      }
      // Let the rest run out: nothing more is enqueued.
      await waitFor("every job to be committed", 60_000, async () => {
        const stats = (await api(b.url, "GET", "/api/v1/status")).json.queue
        const total = [...lastEnqueued.values()].reduce((n, x) => n + x, 0)
        return stats.committed + stats.dead === total && stats.inFlight === 0 ? stats : undefined
      }, 200)
    } catch (error) {
      throw new Error(`${String(error)}\ncycles so far: ${JSON.stringify(cycles)}\nA:\n${a.output().slice(-3000)}\nB:\n${b.output().slice(-3000)}`)
    } finally {
      a.child.kill("SIGCONT")
    }

    const total = [...lastEnqueued.values()].reduce((n, x) => n + x, 0)
    expect((await api(b.url, "GET", "/api/v1/status")).json.queue).toMatchObject({ queued: 0, inFlight: 0, committed: total, dead: 0 })
    // Every episode stored once, in order.
    for (const slug of PROJECTS) {
      const stored = (await api(b.url, "GET", `/api/v1/projects/${slug}/episodes`)).json as Array<{ number: number; committedAt: number }>
      expect(stored.map((e) => e.number), slug).toEqual(Array.from({ length: lastEnqueued.get(slug)! }, (_, i) => i + 1))
      for (let i = 1; i < stored.length; i++) expect(stored[i]!.committedAt, `${slug} ${stored[i]!.number}`).toBeGreaterThanOrEqual(stored[i - 1]!.committedAt)
    }

    // The shared journal (the relays of both processes write to it): one JobCommitted per commit.
    const db = new DatabaseSync(join(data.dir, "factory.db"), { readOnly: true })
    try {
      const journaled = await waitFor("the journal to hold every commit", 20_000, async () => {
        const rows = db.prepare(
          "SELECT json_extract(event, '$.job') AS job, COUNT(*) AS n, MIN(at) AS at, MIN(json_extract(event, '$.durationMs')) AS durationMs FROM event_journal WHERE tag = 'JobCommitted' GROUP BY job",
        ).all() as Array<{ job: string; n: number; at: number; durationMs: number }>
        return rows.length === total ? new Map(rows.map((row) => [row.job, row])) : undefined
      }, 200)
      expect([...journaled.values()].filter((row) => row.n !== 1), "jobs journaled other than once").toEqual([])

      // Per cycle: the stored episode is the holder's, not the stopped delivery's.
      const stale: Array<string> = []
      for (const cycle of cycles) {
        const [project, number] = [cycle.job.slice(0, cycle.job.lastIndexOf(":")), Number(cycle.job.slice(cycle.job.lastIndexOf(":") + 1))]
        const row = db.prepare("SELECT committed_at AS committedAt FROM story_episodes WHERE project = ? AND number = ?").get(project, number) as { committedAt: number }
        const fence = db.prepare("SELECT token FROM story_fences WHERE project = ? AND episode = ?").get(project, number) as { token: number }
        const commit = journaled.get(cycle.job)!
        const [worker, token, deliveries] = await r.hmget(`${PREFIX}:job:${cycle.job}`, "worker", "token", "deliveries")
        expect(commit.at, `${cycle.job}: the journaled commit is the stored one`).toBe(row.committedAt)
        // The committed delivery began (commit time − its duration) after A was stopped: not A's.
        if (commit.at - commit.durationMs <= cycle.stoppedAt) stale.push(`${cycle.job} (${JSON.stringify(cycle)})`)
        expect(ofPid(b).test(worker ?? ""), `${cycle.job}: the queue's last holder is B (${worker})`).toBe(true)
        expect(fence.token, `${cycle.job}: the stored commit's fence is the holder's token`).toBe(Number(token))
        expect(Number(deliveries), `${cycle.job} was taken over`).toBeGreaterThanOrEqual(2)
      }
      expect(stale, "stale commits").toEqual([])
    } finally {
      db.close()
      r.disconnect()
    }

    console.log(
      `SIGSTOP: ${cycles.length} cycles over ${total} episodes; stale commits 0; JobCommitted once each (${total}); ` +
        `resumed ${JSON.stringify(tally(cycles.map((c) => c.resumed)))}; A's late delivery ${JSON.stringify(tally(cycles.map((c) => c.attempt)))}; ` +
        `stops not counted: ${skipped.length}${skipped.length === 0 ? "" : ` (${skipped.join("; ")})`}`,
    )
  }, 60_000 + CYCLES * 25_000)
})
