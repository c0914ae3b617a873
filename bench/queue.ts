/**
 * SQLite JobQueue throughput: enqueue → claim → complete, jobs/s, on a file database (WAL,
 * synchronous=NORMAL), beside raw SQLite single-row write transactions/s measured in the same
 * run on an identically configured connection (the ceiling: one commit per transaction).
 *
 * A job costs 2 write transactions (claim, complete) plus its share of a batched enqueue
 * (100 episodes per transaction), so ~50 % of raw is the structural best.
 *
 *   node bench/queue.ts            (JOBS=50000 to change the size)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Option } from "effect"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../src/queue/SqliteJobQueue.ts"
import { Database, openDatabase } from "../src/sqlite/Database.ts"
import type { BenchResult } from "./BenchResult.ts"


const PROJECTS = 10
const BATCH = 100

const rawTransactions = (path: string, n: number): number => {
  const db = openDatabase({ path })
  try {
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    const begin = db.prepare("BEGIN IMMEDIATE")
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)")
    const commit = db.prepare("COMMIT")
    const once = (i: number) => {
      begin.run()
      insert.run(`row ${i}`)
      commit.run()
    }
    for (let i = 0; i < 1_000; i++) once(i) // warm-up
    const start = performance.now()
    for (let i = 0; i < n; i++) once(i)
    return n / ((performance.now() - start) / 1_000)
  } finally {
    db.close()
  }
}

interface QueueFigures {
  readonly jobsPerSecond: number
  readonly enqueuePerSecond: number
  readonly claimCompletePerSecond: number
}

const queueThroughput = (path: string, jobs: number): Promise<QueueFigures> => {
  const perProject = Math.ceil(jobs / PROJECTS)
  const program = Effect.gen(function* () {
    const queue = yield* JobQueue
    let enqueueMs = 0
    let drainMs = 0
    let done = 0
    // Rounds: every project gets a batch, then workers drain it.
    for (let from = 1; from <= perProject; from += BATCH) {
      const to = Math.min(perProject, from + BATCH - 1)
      const episodes = Array.from({ length: to - from + 1 }, (_, i) => from + i)
      const t0 = performance.now()
      for (let p = 0; p < PROJECTS; p++) yield* queue.enqueue(`project-${p}`, episodes)
      const t1 = performance.now()
      for (;;) {
        const lease = yield* queue.claim(`worker-${done % 8}`, { leaseMs: 60_000 })
        if (Option.isNone(lease)) break
        yield* queue.complete(lease.value)
        done++
      }
      drainMs += performance.now() - t1
      enqueueMs += t1 - t0
    }
    const stats = yield* queue.stats
    if (stats.committed !== done || done !== perProject * PROJECTS) throw new Error(`bench lost jobs: ${JSON.stringify(stats)}, done ${done}`)
    return {
      jobsPerSecond: done / ((enqueueMs + drainMs) / 1_000),
      enqueuePerSecond: done / (enqueueMs / 1_000),
      claimCompletePerSecond: done / (drainMs / 1_000),
    }
  })
  return Effect.runPromise(
    program.pipe(Effect.provide(SqliteJobQueue.layer({ maxDeliveries: 5 }).pipe(Layer.provide(Database.layer({ path })))))
  )
}

export const run = async (): Promise<Array<BenchResult>> => {
  const jobs = Number(process.env.JOBS ?? 30_000)
  const dir = mkdtempSync(join(tmpdir(), "nf-bench-queue-"))
  try {
    const raw = rawTransactions(join(dir, "raw.db"), jobs)
    await queueThroughput(join(dir, "warmup.db"), Math.min(jobs, 5_000)) // JIT warm-up
    const q = await queueThroughput(join(dir, "queue.db"), jobs)
    const round = (x: number) => Math.round(x)
    return [
      { name: "sqlite raw single-row write transactions", value: round(raw), unit: "tx/s", note: "WAL, synchronous=NORMAL, file DB" },
      {
        name: "sqlite queue enqueue→claim→complete",
        value: round(q.jobsPerSecond),
        unit: "jobs/s",
        baseline: round(raw),
        ratio: Math.round((q.jobsPerSecond / raw) * 1_000) / 1_000,
        note: `${jobs} jobs over ${PROJECTS} projects, enqueue batched ${BATCH}/tx; target >= 10000 jobs/s and >= 0.5 of raw`,
      },
      { name: "sqlite queue enqueue (batched)", value: round(q.enqueuePerSecond), unit: "jobs/s" },
      { name: "sqlite queue claim+complete", value: round(q.claimCompletePerSecond), unit: "jobs/s", baseline: round(raw / 2), ratio: Math.round((q.claimCompletePerSecond / (raw / 2)) * 1_000) / 1_000, note: "2 transactions per job; baseline = raw/2" },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  for (const r of await run()) {
    console.log(
      `${r.name.padEnd(44)} ${String(r.value).padStart(9)} ${r.unit}` +
        (r.ratio === undefined ? "" : `  (${(r.ratio * 100).toFixed(1)} % of ${r.baseline})`) +
        (r.note === undefined ? "" : `  — ${r.note}`),
    )
  }
}
