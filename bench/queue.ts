/**
 * SQLite JobQueue throughput: enqueue → claim → complete, jobs/s, on a file database (WAL,
 * synchronous=NORMAL), beside raw SQLite single-row write transactions/s measured in the same
 * run on an identically configured connection (one commit per transaction).
 *
 * Two access patterns, both on the same queue code:
 * - sequential: one fiber claims, completes, claims … (a job costs two commits);
 * - concurrent: N worker fibers each loop claim → complete at once, as the factory's workers
 *   do. Their writes of one tick share a transaction (group commit), so a commit carries
 *   several writes. N = 8 (the concurrency issue #3 names) and 4 (`pipeline.concurrency`'s
 *   default in FactoryConfig).
 * Enqueue is the same in all: 100 episodes per call, one call per project per round.
 *
 * They are measured in turn, ROUNDS times (default 5), and each figure is its best round:
 * on a shared machine a round can lose half its speed to a neighbour, and the best of a few
 * interleaved rounds is the least disturbed measure of each (the same rule for raw and queue).
 *
 *   node bench/queue.ts            (JOBS=50000 WORKERS=8,4,16 ROUNDS=5 to change them)
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
  /** Queue writes (claims and completes) per write transaction while draining. */
  readonly writesPerCommit: number
}

/** Counts the write transactions the queue opens, to show how many writes a commit carried. */
const countingDatabase = (path: string, counter: { transactions: number }) =>
  Layer.effect(
    Database,
    Effect.gen(function* () {
      const db = yield* Database
      return Database.of({
        ...db,
        transaction: (body) => Effect.suspend(() => (counter.transactions++, db.transaction(body))),
        transactionResult: (body) => Effect.suspend(() => (counter.transactions++, db.transactionResult(body))),
      })
    }),
  ).pipe(Layer.provide(Database.layer({ path })))

const queueThroughput = (path: string, jobs: number, workers: number): Promise<QueueFigures> => {
  const perProject = Math.ceil(jobs / PROJECTS)
  const counter = { transactions: 0 }
  const program = Effect.gen(function* () {
    const queue = yield* JobQueue
    let enqueueMs = 0
    let drainMs = 0
    let drainTransactions = 0
    let done = 0
    /** Claims and completes until the round's jobs are all committed; a worker that finds every head leased tries again next tick. */
    const worker = (name: string, target: number) =>
      Effect.gen(function* () {
        while (done < target) {
          const lease = yield* queue.claim(name, { leaseMs: 60_000 })
          if (Option.isNone(lease)) {
            yield* Effect.yieldNow
            continue
          }
          yield* queue.complete(lease.value)
          done++
        }
      })
    // Rounds: every project gets a batch, then the workers drain it.
    for (let from = 1; from <= perProject; from += BATCH) {
      const to = Math.min(perProject, from + BATCH - 1)
      const episodes = Array.from({ length: to - from + 1 }, (_, i) => from + i)
      const t0 = performance.now()
      for (let p = 0; p < PROJECTS; p++) yield* queue.enqueue(`project-${p}`, episodes)
      const t1 = performance.now()
      const target = done + episodes.length * PROJECTS
      const before = counter.transactions
      yield* Effect.forEach(
        Array.from({ length: workers }, (_, w) => `worker-${w}`),
        (name) => worker(name, target),
        { concurrency: "unbounded", discard: true },
      )
      drainTransactions += counter.transactions - before
      drainMs += performance.now() - t1
      enqueueMs += t1 - t0
    }
    const stats = yield* queue.stats
    if (stats.committed !== done || done !== perProject * PROJECTS) throw new Error(`bench lost jobs: ${JSON.stringify(stats)}, done ${done}`)
    return {
      jobsPerSecond: done / ((enqueueMs + drainMs) / 1_000),
      enqueuePerSecond: done / (enqueueMs / 1_000),
      claimCompletePerSecond: done / (drainMs / 1_000),
      writesPerCommit: (2 * done) / drainTransactions,
    }
  })
  return Effect.runPromise(program.pipe(Effect.provide(SqliteJobQueue.layer({ maxDeliveries: 5 }).pipe(Layer.provide(countingDatabase(path, counter))))))
}

export const run = async (): Promise<Array<BenchResult>> => {
  const jobs = Number(process.env.JOBS ?? 30_000)
  const workerCounts = (process.env.WORKERS ?? "8,4").split(",").map((w) => Math.max(1, Number(w)))
  const rounds = Math.max(1, Number(process.env.ROUNDS ?? 5))
  const dir = mkdtempSync(join(tmpdir(), "nf-bench-queue-"))
  try {
    // JIT warm-up of every path.
    rawTransactions(join(dir, "warmup-raw.db"), Math.min(jobs, 5_000))
    for (const w of [1, ...workerCounts]) await queueThroughput(join(dir, `warmup-${w}.db`), Math.min(jobs, 5_000), w)
    const raws: Array<number> = []
    const runs = new Map<number, Array<QueueFigures>>([1, ...workerCounts].map((w) => [w, []]))
    for (let r = 0; r < rounds; r++) {
      raws.push(rawTransactions(join(dir, `raw-${r}.db`), jobs))
      for (const [w, figures] of runs) figures.push(await queueThroughput(join(dir, `queue-${w}-${r}.db`), jobs, w))
    }
    const raw = Math.max(...raws)
    const round = (x: number) => Math.round(x)
    const ratio = (x: number, of: number) => Math.round((x / of) * 1_000) / 1_000
    const spread = (xs: ReadonlyArray<number>) => xs.map(round).join(" / ")
    const target = "target >= 10000 jobs/s and >= 0.5 of raw"
    const rows = (w: number): Array<BenchResult> => {
      const all = runs.get(w)!
      const best = all.reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a))
      const label = w === 1 ? "sequential" : `concurrent ${w}`
      const who =
        w === 1
          ? "1 fiber: claim, complete, claim … (a commit per write)"
          : `${w} worker fibers looping claim→complete at once${w === 8 ? " (issue #3's concurrency)" : w === 4 ? " (pipeline.concurrency's default)" : ""}`
      return [
        {
          name: `sqlite queue ${label}: enqueue→claim→complete`,
          value: round(best.jobsPerSecond),
          unit: "jobs/s",
          baseline: round(raw),
          ratio: ratio(best.jobsPerSecond, raw),
          note: `${who}; ${jobs} jobs over ${PROJECTS} projects, enqueue ${BATCH}/call; best of ${spread(all.map((q) => q.jobsPerSecond))}; ${target}`,
        },
        { name: `  ${label}: enqueue`, value: round(best.enqueuePerSecond), unit: "jobs/s" },
        {
          name: `  ${label}: claim+complete`,
          value: round(best.claimCompletePerSecond),
          unit: "jobs/s",
          note: `${best.writesPerCommit.toFixed(2)} writes per commit`,
        },
      ]
    }
    return [
      {
        name: "sqlite raw single-row write transactions",
        value: round(raw),
        unit: "tx/s",
        note: `WAL, synchronous=NORMAL, file DB, one commit each; best of ${spread(raws)}`,
      },
      ...workerCounts.flatMap(rows),
      ...rows(1),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  for (const r of await run()) {
    console.log(
      `${r.name.padEnd(52)} ${String(r.value).padStart(9)} ${r.unit}` +
        (r.ratio === undefined ? "" : `  (${(r.ratio * 100).toFixed(1)} % of ${r.baseline})`) +
        (r.note === undefined ? "" : `  — ${r.note}`),
    )
  }
}
