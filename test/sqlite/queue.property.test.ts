/**
 * Chaos property of the SQLite JobQueue: random interleavings of enqueue, claims by several
 * workers, crashes (a worker forgets its lease), clock jumps, completions, transient and
 * non-transient retries, heartbeats, stage changes, dead-letters and operations on stale
 * leases. After every step:
 *   - at most one live lease per project, and every claim's token moves past all earlier ones;
 *   - no operation succeeds with a fenced-off token;
 *   - a project's done (committed/skipped) jobs are always a prefix 1..k: jobs finish in episode
 *     order, and committed episodes are contiguous but for skipped ones; after the prefix comes
 *     the head (dead or not), and only queued jobs after it;
 *   - nothing is claimed above a dead episode or in a project the operator holds;
 *   - no job is completed twice; deliveries never exceed maxDeliveries; stats add up.
 * An operator retries, skips, cancels, holds, resumes and deletes now and then.
 * Then well-behaved workers drain the queue (the operator resumes every project): every job ends
 * committed, skipped or dead, but for those waiting behind a dead episode; every dead job has a reason.
 * Each run folds ended jobs into their rows at a random pace (every 1, 3 or 128), so the checks
 * see jobs whose end is still in `queue_ended` and jobs already folded.
 *
 * CHAOS_RUNS sets the number of runs (default 120: ~6–10 s; each run is up to 150 commands). A failure prints fast-check's seed and the
 * shrunk command list; replay with `fc.assert(…, { seed, path })`.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { isDone, jobIdOf, type Lease } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { pickedEpisode, type QueueCommand, queueCommands } from "../support/queueCommands.ts"

const MAX_DELIVERIES = 3
const PROJECTS = ["p0", "p1", "p2"] as const
const WORKERS = ["w0", "w1", "w2"] as const
const RUNS = Number(process.env.CHAOS_RUNS ?? 120)

type Command = QueueCommand<"complete" | "heartbeat" | "retry">

const command: fc.Arbitrary<Command> = fc.oneof(
  ...queueCommands({ workers: WORKERS.length, projects: PROJECTS.length, staleOps: ["complete", "heartbeat", "retry"] as const, operator: true }),
)

/** Outcome counts over all runs, printed with CHAOS_STATS=1 to see what the runs exercised. */
const seen: Record<string, number> = {}
const count = (what: string) => {
  seen[what] = (seen[what] ?? 0) + 1
}

const scenario = (commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue
    const now = () => TestClock.testClockWith((c) => Effect.succeed(c.currentTimeMillisUnsafe()))

    // Model
    const highest = new Map<string, number>() // project -> highest enqueued episode
    const held: Array<Lease | undefined> = WORKERS.map(() => undefined)
    const ghosts: Array<Lease> = [] // leases whose worker crashed or were superseded
    const latestToken = new Map<string, number>() // job -> highest token ever issued
    const open = new Map<string, { project: string; token: number; expiresAt: number }>() // job -> latest unreleased lease
    const completed = new Set<string>()
    const released = new Set<string>() // `${job}@${token}` of leases ended by complete / retry / deadLetter
    const commitOrder = new Map<string, Array<number>>()
    const onHold = new Set<string>() // projects the operator holds
    let total = 0

    const onSuccess = (lease: Lease) => {
      expect(lease.token, `operation on ${lease.job.id} succeeded with fenced-off token ${lease.token}`).toBe(latestToken.get(lease.job.id))
      expect(released.has(`${lease.job.id}@${lease.token}`), `operation on ${lease.job.id} succeeded with a lease already handed back`).toBe(false)
    }
    /** The lease was handed back: it must never work again (it joins the stale ones). */
    const release = (lease: Lease) => {
      open.delete(lease.job.id)
      released.add(`${lease.job.id}@${lease.token}`)
      ghosts.push(lease)
    }
    const recordCommit = (lease: Lease) => {
      expect(completed.has(lease.job.id), `${lease.job.id} completed twice`).toBe(false)
      completed.add(lease.job.id)
      count("commit")
      const order = commitOrder.get(lease.job.project) ?? []
      if (order.length > 0) expect(lease.job.episode).toBeGreaterThan(order[order.length - 1])
      order.push(lease.job.episode)
      commitOrder.set(lease.job.project, order)
    }
    /** Runs a lease operation: on success checks fencing; LeaseLost is an allowed outcome. */
    const leaseOp = <A>(lease: Lease, op: Effect.Effect<A, { readonly _tag: string }>) =>
      Effect.gen(function* () {
        const result = yield* Effect.result(op)
        if (result._tag === "Failure") {
          expect(result.failure._tag).toBe("LeaseLost")
          count("leaseLost")
          return Option.none<A>()
        }
        onSuccess(lease)
        return Option.some(result.success)
      })

    const claim = (w: string, ms: number) =>
      Effect.gen(function* () {
        const t = yield* now()
        const got = yield* queue.claim(w, { leaseMs: ms })
        if (Option.isNone(got)) return got
        const lease = got.value
        expect(lease.expiresAt).toBe(t + ms)
        expect(lease.job.deliveries).toBeLessThanOrEqual(MAX_DELIVERIES)
        expect(lease.token).toBeGreaterThan(latestToken.get(lease.job.id) ?? 0)
        for (const [job, l] of open) {
          if (l.project === lease.job.project && l.expiresAt > t) {
            expect.fail(`claimed ${lease.job.id} while ${job} (token ${l.token}) holds a live lease on ${l.project} until ${l.expiresAt} (now ${t})`)
          }
        }
        // Only a project's head is handed out: everything below it is done, and the project is not on hold.
        const below = (yield* queue.list({ project: lease.job.project })).filter((j) => j.episode < lease.job.episode)
        for (const j of below) expect(isDone(j.state), `claimed ${lease.job.id} above ${j.id} (${j.state})`).toBe(true)
        expect(onHold.has(lease.job.project), `claimed ${lease.job.id} of a project on hold`).toBe(false)
        count(lease.job.deliveries > 1 ? "redelivery" : "claim")
        latestToken.set(lease.job.id, lease.token)
        open.set(lease.job.id, { project: lease.job.project, token: lease.token, expiresAt: lease.expiresAt })
        return got
      })

    const checkInvariants = Effect.gen(function* () {
      const jobs = yield* queue.list()
      expect(jobs.length).toBe(total)
      for (const p of PROJECTS) {
        const mine = jobs.filter((j) => j.project === p).sort((a, b) => a.episode - b.episode)
        mine.forEach((j, i) => expect(j.episode).toBe(i + 1))
        const head = mine.findIndex((j) => !isDone(j.state))
        if (head >= 0) {
          for (const j of mine.slice(head + 1)) expect(j.state, `${j.id} worked on past the head ${mine[head]?.id} of ${p}`).toBe("queued")
        }
      }
      for (const j of jobs) {
        expect(j.deliveries).toBeGreaterThanOrEqual(0)
        expect(j.deliveries).toBeLessThanOrEqual(MAX_DELIVERIES)
        if (j.state === "committed") expect(completed.has(j.id)).toBe(true)
        if (j.state === "dead") expect(j.reason ?? "").not.toBe("")
      }
      const s = yield* queue.stats
      expect(s.queued + s.inFlight + s.committed + s.dead + s.skipped).toBe(total)
      expect(s.committed).toBe(completed.size)
      const states = yield* queue.projectStates()
      expect(s.held).toBe(states.filter((x) => x.held !== null).length)
      for (const x of states) {
        const mine = jobs.filter((j) => j.project === x.project)
        expect(x.queued + x.inFlight + x.committed + x.dead + x.skipped).toBe(mine.length)
        expect(x.next).toBe(mine.filter((j) => !isDone(j.state)).map((j) => j.episode).sort((a, b) => a - b)[0])
        const dead = mine.find((j) => j.state === "dead")
        expect(x.held?.by).toBe(dead !== undefined ? "dead-episode" : onHold.has(x.project) ? "operator" : undefined)
      }
      expect(s.inFlight).toBeLessThanOrEqual(PROJECTS.length)
    })

    for (const c of commands) {
      switch (c.t) {
        case "enqueue": {
          const p = PROJECTS[c.p]
          const h = highest.get(p) ?? 0
          const fresh = Array.from({ length: c.count }, (_, i) => h + 1 + i)
          const wanted = c.overlap && h > 0 ? [h, ...fresh.reverse()] : fresh
          const out = yield* queue.enqueue(p, wanted)
          expect(out.filter((e) => e.created).map((e) => e.job.episode)).toEqual(fresh.sort((a, b) => a - b))
          highest.set(p, h + c.count)
          total += c.count
          break
        }
        case "gap": {
          const p = PROJECTS[c.p]
          const h = highest.get(p) ?? 0
          const error = yield* Effect.flip(queue.enqueue(p, [h + 1, h + 3]))
          expect(error).toMatchObject({ _tag: "EpisodeGap", requested: h + 3, nextExpected: h + 1 })
          expect(Option.isNone(yield* queue.get(jobIdOf(p, h + 1)))).toBe(true)
          break
        }
        case "claim": {
          if (held[c.w] !== undefined) break
          const got = yield* claim(WORKERS[c.w], c.leaseMs)
          if (Option.isSome(got)) held[c.w] = got.value
          break
        }
        case "crash": {
          const lease = held[c.w]
          if (lease !== undefined) ghosts.push(lease)
          held[c.w] = undefined
          break
        }
        case "advance":
          yield* TestClock.adjust(c.ms)
          break
        case "complete": {
          const lease = held[c.w]
          if (lease === undefined) break
          held[c.w] = undefined
          const done = yield* leaseOp(lease, queue.complete(lease))
          if (Option.isSome(done)) {
            expect(done.value.state).toBe("committed")
            recordCommit(lease)
            release(lease)
          }
          break
        }
        case "retry": {
          const lease = held[c.w]
          if (lease === undefined) break
          held[c.w] = undefined
          const back = yield* leaseOp(lease, queue.retry(lease, { reason: `retry by ${WORKERS[c.w]}`, delayMs: c.delayMs, transient: c.transient }))
          if (Option.isSome(back)) {
            release(lease)
            if (c.transient) expect(back.value.state).toBe("queued")
            else expect(back.value.state).toBe(lease.job.deliveries >= MAX_DELIVERIES ? "dead" : "queued")
          }
          break
        }
        case "heartbeat": {
          const lease = held[c.w]
          if (lease === undefined) break
          const renewed = yield* leaseOp(lease, queue.heartbeat(lease, c.leaseMs))
          if (Option.isSome(renewed)) {
            held[c.w] = renewed.value
            open.set(lease.job.id, { project: lease.job.project, token: lease.token, expiresAt: renewed.value.expiresAt })
          } else {
            held[c.w] = undefined
          }
          break
        }
        case "stage": {
          const lease = held[c.w]
          if (lease === undefined) break
          const ok = yield* leaseOp(lease, queue.setStage(lease, c.stage))
          if (Option.isNone(ok)) held[c.w] = undefined
          break
        }
        case "deadLetter": {
          const lease = held[c.w]
          if (lease === undefined) break
          held[c.w] = undefined
          const dead = yield* leaseOp(lease, queue.deadLetter(lease, "poison"))
          if (Option.isSome(dead)) {
            expect(dead.value).toMatchObject({ state: "dead", reason: "poison" })
            release(lease)
          }
          break
        }
        case "stale": {
          if (ghosts.length === 0) break
          const lease = ghosts[c.g % ghosts.length]
          if (c.op === "complete") {
            const done = yield* leaseOp(lease, queue.complete(lease))
            if (Option.isSome(done)) {
              count("staleCommit")
              recordCommit(lease)
              release(lease)
            }
          } else if (c.op === "retry") {
            const back = yield* leaseOp(lease, queue.retry(lease, { reason: "stale retry", delayMs: 0, transient: true }))
            if (Option.isSome(back)) release(lease)
          } else {
            const renewed = yield* leaseOp(lease, queue.heartbeat(lease, 1_000))
            if (Option.isSome(renewed)) open.set(lease.job.id, { project: lease.job.project, token: lease.token, expiresAt: renewed.value.expiresAt })
          }
          break
        }
        case "retryJob":
        case "skipJob": {
          const p = PROJECTS[c.p]
          const head = (yield* queue.projectStates(p))[0]?.next
          const episode = pickedEpisode(c.pick, highest.get(p) ?? 0, head)
          const before = yield* queue.get(jobIdOf(p, episode))
          const r = yield* Effect.result(c.t === "retryJob" ? queue.retryJob(p, episode) : queue.skipJob(p, episode, "operator skip"))
          if (r._tag === "Failure") {
            count(`${c.t}:${r.failure._tag}`)
            if (Option.isNone(before)) expect(r.failure._tag).toBe("JobNotFound")
            else expect(r.failure).toMatchObject({ _tag: "JobStateConflict", state: before.value.state })
          } else {
            count(`${c.t}:${before.pipe(Option.map((j) => j.state), Option.getOrElse(() => "?"))}`)
            expect(Option.map(before, (j) => j.state === "dead" || j.state === "queued")).toEqual(Option.some(true))
            expect(r.success.state).toBe(c.t === "retryJob" ? "queued" : "skipped")
          }
          break
        }
        case "cancel": {
          const p = PROJECTS[c.p]
          const { episodes } = yield* queue.cancel(p, c.from ?? undefined)
          if (episodes.length > 0) {
            count("cancel")
            expect(episodes).toEqual(Array.from({ length: episodes.length }, (_, i) => episodes[0] + i))
            expect(episodes[episodes.length - 1]).toBe(highest.get(p))
            if (c.from !== null) expect(episodes[0]).toBeGreaterThanOrEqual(c.from)
            highest.set(p, episodes[0] - 1)
            total -= episodes.length
          }
          break
        }
        case "hold":
        case "resume": {
          const p = PROJECTS[c.p]
          const r = yield* Effect.result(c.t === "hold" ? queue.hold(p, "operator hold") : queue.resume(p))
          if (r._tag === "Failure") {
            expect(r.failure._tag).toBe("ProjectNotFound")
            expect((highest.get(p) ?? 0) === 0 && !onHold.has(p)).toBe(true)
          } else {
            expect(r.success.changed).toBe(c.t === "hold" ? !onHold.has(p) : onHold.has(p))
            if (c.t === "hold") onHold.add(p)
            else onHold.delete(p)
            count(c.t)
          }
          break
        }
        case "deleteProject": {
          const p = PROJECTS[c.p]
          const t = yield* now()
          const r = yield* Effect.result(queue.deleteProject(p, { force: c.force }))
          const live = [...open.values()].find((l) => l.project === p && l.expiresAt > t)
          if (r._tag === "Failure") {
            if (r.failure._tag === "ProjectBusy") expect(live !== undefined && !c.force).toBe(true)
            else expect((highest.get(p) ?? 0) === 0 && !onHold.has(p)).toBe(true)
            break
          }
          count("deleteProject")
          expect(live === undefined || c.force).toBe(true)
          expect(r.success.jobs).toBe(highest.get(p) ?? 0)
          total -= r.success.jobs
          // The project starts over: its leases go (their workers are told), and episode numbers and tokens begin again.
          highest.set(p, 0)
          onHold.delete(p)
          commitOrder.delete(p)
          const gone = (id: string) => id.startsWith(`${p}:`)
          for (const id of [...completed]) if (gone(id)) completed.delete(id)
          for (const id of [...latestToken.keys()]) if (gone(id)) latestToken.delete(id)
          for (const id of [...open.keys()]) if (gone(id)) open.delete(id)
          for (const key of [...released]) if (gone(key)) released.delete(key)
          held.forEach((l, w) => {
            if (l !== undefined && l.job.project === p) held[w] = undefined
          })
          ghosts.splice(0, ghosts.length, ...ghosts.filter((l) => l.job.project !== p))
          break
        }
      }
      yield* checkInvariants
    }

    // Well-behaved workers from here on, and no project on hold: every job must end committed, skipped or dead, or wait behind a dead one.
    for (const p of [...onHold]) yield* queue.resume(p)
    onHold.clear()
    for (const lease of held) if (lease !== undefined) ghosts.push(lease)
    let rounds = 0
    for (;;) {
      expect(rounds++, "the queue did not drain").toBeLessThan(total * (MAX_DELIVERIES + 1) + 10)
      yield* TestClock.adjust(10_000) // past every lease and retry delay
      const got = yield* claim("drainer", 1_000)
      if (Option.isNone(got)) break
      const done = yield* queue.complete(got.value)
      expect(done.state).toBe("committed")
      recordCommit(got.value)
      release(got.value)
      yield* checkInvariants
    }
    yield* checkInvariants
    const jobs = yield* queue.list()
    for (const p of PROJECTS) {
      const mine = jobs.filter((j) => j.project === p).sort((a, b) => a.episode - b.episode)
      const head = mine.find((j) => !isDone(j.state))
      if (head !== undefined) expect(head.state, `${head.id} left undone`).toBe("dead")
    }
    for (const j of jobs) if (j.state === "dead") expect(j.reason).toMatch(/\S/)
    const s = yield* queue.stats
    expect(s.inFlight).toBe(0)
    expect(s.held).toBe(new Set(jobs.filter((j) => j.state === "dead").map((j) => j.project)).size)
    count("runs")
    for (const j of jobs) if (j.state === "dead") count(j.reason === "poison" ? "deadLetter" : j.reason?.includes("lease expired") ? "deadByExpiry" : "deadByRetry")
  })

/** `foldEvery`: how many ended jobs wait in `queue_ended` before they are folded into their rows. */
const layer = (foldEvery: number) =>
  SqliteJobQueue.layer({ maxDeliveries: MAX_DELIVERIES, foldEvery }).pipe(
    Layer.provide(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(TestClock.layer()),
  )

describe("SqliteJobQueue chaos property", () => {
  afterAll(() => {
    if (process.env.CHAOS_STATS) console.log("chaos outcomes:", seen)
  })
  it(`keeps its invariants under random interleavings (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 150, size: "max" }), fc.constantFrom(1, 3, 128), (commands, foldEvery) =>
        Effect.runPromise(scenario(commands).pipe(Effect.provide(layer(foldEvery))))
      ),
      { numRuns: RUNS },
    )
  })
})
