/**
 * `JobQueue` on Redis (≥ 7): delivery on Redis Streams with one consumer group, scheduling across
 * projects in Clock-scored sorted sets, hashes for the job records, one Lua script per
 * transition, Effect `Clock` for every deadline.
 *
 * Keys (all share the hash tag `{<keyPrefix>}` = P, so one factory lives in one cluster slot
 * and the multi-key scripts stay legal on a cluster; a prefix per factory isolates them):
 *
 *   P:s:<slug>       stream  the project's unfinished episodes in order, one entry each, with the
 *                            episode number as its id (`3-0`) and the job id as its field,
 *                            after fewer than TRIM_EVERY (16) acknowledged ones (none once the
 *                            project is idle); consumer group `workers`, one consumer per
 *                            lease holder
 *   P:job:<job id>   hash    the job record: state, deliveries (a mirror of the PEL's delivery
 *                            counter, kept after the entry is acknowledged), token (fencing
 *                            token), worker and expiresAt (of the current or last lease),
 *                            availableAt and ticket (its place in line, kept from its claim
 *                            or retry on), reason, findings (JSON), enqueuedAt, updatedAt, seq,
 *                            next (1 when the next episode is enqueued)
 *   P:proj:<slug>    hash    last (highest enqueued episode; a project has an unfinished job iff
 *                            job `last` is neither committed nor skipped, since its jobs finish in
 *                            order), hold (the operator's reason, while held), dead (the episode
 *                            of its dead head, while there is one)
 *   P:ready          zset    the *line*: one member per waiting project head
 *                            (`<ticket:015>|<job id>`), scored by availableAt (enqueue time,
 *                            promotion time, or the end of a retry's delay); ties go to the
 *                            lower ticket
 *   P:leases         zset    job id → expiresAt of the leased heads
 *   P:jobs           zset    seq → job id (insertion order, for `list`)
 *   P:counts         hash    enqueued / committed / dead (queued + in flight = the difference)
 *   P:dead           stream  the dead-letter stream: job, project, episode, deliveries, reason (the cause), at;
 *                            one entry per job dead now (its id is the job's \`letter\` field; a retry,
 *                            skip or delete removes it)
 *   P:held           set     projects on hold (a dead head, or the operator's hold): \`stats.held\`
 *   P:projects       set     projects with jobs, for \`projectStates\`
 *   P:fences         hash    slug → the token a deleted project's jobs start from when enqueued again
 *   P:seq, P:ticket  string  insertion counter; line ticket counter
 *
 * Holds. A dead head stays its project's head: its entry stays pending with its last holder and
 * nothing after it is promoted, until an operator retries it (the entry's delivery count goes
 * back to 0 and the job re-joins the line) or skips it (the entry is acknowledged and the
 * successor promoted). A project the operator holds keeps its head out of the line: the head's
 * place (availableAt, ticket) waits in its hash, flagged \`parked\`, as does a run-out lease the
 * claim script meets (taken out of \`P:leases\`); \`resume\` puts it back.
 *
 * What the streams do. Enqueue `XADD`s each new episode to its project's stream (idempotent:
 * an existing (project, episode) is returned unchanged, and stream ids only grow). A claim
 * takes the project's head entry for the worker: `XREADGROUP … >` when it was never delivered,
 * `XAUTOCLAIM` when it is pending (its lease ran out, or `retry` handed it back). The PEL is
 * the record of who holds which episode, and its delivery counter is the job's delivery count:
 * at `maxDeliveries` the job goes to `P:dead` with its cause; a transient retry gives its
 * delivery back with `XCLAIM … RETRYCOUNT`. Completion and dead-lettering `XACK` the entry and
 * remove the holder's consumer; every 16th episode, and whenever the project has no further
 * episode, `XTRIM MINID` drops the acknowledged entries, so a stream stays short and is empty
 * when its project is idle (trimming in steps instead of an `XDEL` per job saves Redis ~7 % of
 * a job's cost).
 *
 * Why the stream's head is the project's head job: per-project order and one job at a time.
 * Only a project's lowest unfinished episode is ever in the line or leased, and a claim reads
 * a project's stream only when it picked that project's head, so at most one entry of a stream
 * is ever pending, and `>` delivers exactly the entry after the last finished one. The head
 * job's `token` is the project's fencing token: every claim increments it, every lease
 * operation compares it in the same script, so across processes one holder works a project at
 * a time while different projects spread over all workers.
 *
 * What the sorted sets still do, and why. Streams deliver in id order within one stream, but
 * the contract orders *projects* in a way ids cannot: (1) a run-out lease is reclaimed at its
 * old place in line, ahead of heads that joined later, and a retried head re-joins at the end
 * of its delay, not now; (2) lease expiry and retry delays follow Effect's `Clock` (so
 * `TestClock` drives them), whereas PEL idle times and `XAUTOCLAIM`'s min-idle-time are the
 * Redis server's clock. So the choice of *which project* goes next stays in `P:ready` /
 * `P:leases`, scored by Clock time passed into every script: a claim takes the oldest
 * (availableAt, ticket) of the front of the line and the leases that ran out. Once our Clock
 * has decided a lease ran out, the script takes the entry over with `XAUTOCLAIM` at
 * min-idle-time 0 (there is one holder per project, so nobody else can race for it). A leased
 * head keeps its availableAt and ticket, so a run-out lease is reclaimed at its old place in
 * line. Finishing a head promotes the project's next episode, which joins the *back* of the
 * line (available from now, with a new ticket): fair round-robin across projects. This is the
 * order of the SQLite adapter's index `(available_at, ticket) WHERE head = 1`, so both behave
 * identically under the shared contract.
 *
 * Scripts are registered with ioredis `defineCommand` (`EVALSHA`, falling back to `EVAL` after a
 * restart flushed the script cache). Enqueue checks the whole request for an `EpisodeGap`
 * before writing. Claims, and completions, that this process makes during one turn of the event
 * loop go to Redis as one script call (`TurnBatcher`): the script handles them one after the
 * other exactly as separate calls would be, in the order they were made, and does once what
 * they share (probing the line and the run-out leases, the writes to the line, the leases and
 * the counters). Every claim is still its own lease with its own token; the batch only saves
 * round trips and per-call overhead on both ends.
 *
 * Outages: commands fail fast (no offline queue, no retries per request, a command timeout)
 * and every Redis error becomes `QueueUnavailable`; the connection reconnects by itself.
 * Durability is Redis's own: with AOF (`appendonly yes`, `appendfsync everysec`) a crash of the
 * Redis process loses nothing it acknowledged (streams, groups and PELs are in the AOF too).
 *
 * Keys written by the earlier sorted-set-only layout (no project streams) are not migrated:
 * drain such a queue first, or start on a new `keyPrefix`. Jobs that died before dead episodes
 * held their projects stay dead in the record (their entries are gone, later episodes went on):
 * `retryJob` refuses them with a reason that says so; re-enqueueing needs a new project.
 */
import type { Redis } from "ioredis"
import { Clock, Effect, Layer, Option, Random, type Scope } from "effect"
import type { GuardFinding } from "../domain/Episode.ts"
import { type Job, jobIdOf, type JobState, type Lease } from "../domain/Job.ts"
import { acquireRedis, callScript, hashTagged, type RedisConnectionOptions } from "../redis/RedisConnection.ts"
import { errorMessage } from "../util/ErrorMessage.ts"
import { GROUP, JOB_FIELDS, scripts } from "./redisJobQueueLua.ts"
import { turnBatcher } from "../redis/TurnBatcher.ts"
import {
  type DeletedProject,
  type Enqueued,
  EpisodeGap,
  type HoldChange,
  JobNotFound,
  episodesToEnqueue,
  JobQueue,
  type JobQueueShape,
  JobStateConflict,
  LeaseLost,
  type ListJobs,
  ProjectBusy,
  ProjectNotFound,
  QueueUnavailable,
  type QueueStats,
} from "./JobQueue.ts"
import { type HeadOf, type OperatorHold, projectStatesOf, type StateCount } from "./ProjectStates.ts"
import { monotonicMillis } from "../coordination/StoreTime.ts"

export interface RedisJobQueueOptions extends Omit<RedisConnectionOptions, "url"> {
  readonly url: string
  /** Deliveries without completion after which a job is dead-lettered. */
  readonly maxDeliveries: number
  /** Namespace of this factory's keys (wrapped in a hash tag: `nf` → `{nf}:…`). */
  readonly keyPrefix: string
}

/** Redis key names of one factory (exported for tests, the bench and operators). */
export const redisQueueKeys = (keyPrefix: string) => {
  const p = hashTagged(keyPrefix)
  return {
    prefix: p,
    ready: `${p}:ready`,
    dead: `${p}:dead`,
    leases: `${p}:leases`,
    jobs: `${p}:jobs`,
    counts: `${p}:counts`,
    job: (id: string) => `${p}:job:${id}`,
    project: (slug: string) => `${p}:proj:${slug}`,
    /** The project's stream: one entry per unfinished episode, id `<episode>-0`, consumer group `group`. */
    stream: (slug: string) => `${p}:s:${slug}`,
    group: GROUP,
  } as const
}

type Raw = ReadonlyArray<string | null>

const EMPTY: ReadonlyArray<GuardFinding> = []

const decodeFindings = (json: string | null): ReadonlyArray<GuardFinding> =>
  json === null || json === "[]" ? EMPTY : (JSON.parse(json) as ReadonlyArray<GuardFinding>)

/** A job record as the scripts return it (`JOB_FIELDS` order) → domain `Job`. */
export const decodeJob = (raw: Raw): Job => ({
  id: raw[0] ?? "",
  project: raw[1] ?? "",
  episode: Number(raw[2]),
  state: raw[3] as JobState,
  deliveries: Number(raw[4] ?? 0),
  reason: raw[8] ?? null,
  findings: decodeFindings(raw[9] ?? null),
  enqueuedAt: Number(raw[10]),
  updatedAt: Number(raw[11]),
})

/**
 * The claim script's flat reply → per claim: its fields (id, project, episode, deliveries, token,
 * reason, findings, enqueuedAt), null for nothing claimed, or an Error for that claim alone.
 */
const splitClaims = (flat: Raw, count: number): Array<Raw | null | Error> => {
  const out: Array<Raw | null | Error> = []
  let i = 0
  while (out.length < count && i < flat.length) {
    const kind = Number(flat[i++])
    if (kind === 0) out.push(null)
    else if (kind === 1) {
      out.push(flat.slice(i, i + 8))
      i += 8
    } else out.push(new Error(String(flat[i++])))
  }
  return out
}

const claimedLease = (f: Raw, worker: string, now: number, expiresAt: number): Lease => ({
  job: {
    id: f[0] ?? "",
    project: f[1] ?? "",
    episode: Number(f[2]),
    state: "writing",
    deliveries: Number(f[3]),
    reason: f[5] ?? null,
    findings: decodeFindings(f[6] ?? null),
    enqueuedAt: Number(f[7]),
    updatedAt: now,
  },
  worker,
  token: Number(f[4]),
  expiresAt,
})

/** A job as enqueue creates it (the script does not send it back). */
const queuedJob = (project: string, episode: number, now: number): Job => ({
  id: jobIdOf(project, episode),
  project,
  episode,
  state: "queued",
  deliveries: 0,
  reason: null,
  findings: EMPTY,
  enqueuedAt: now,
  updatedAt: now,
})

export const decodeLease = (raw: Raw): Lease => ({
  job: decodeJob(raw),
  worker: raw[6] ?? "",
  token: Number(raw[5] ?? 0),
  expiresAt: Number(raw[7] ?? 0),
})

const unavailable = (message: string, cause: unknown) => new QueueUnavailable({ message, cause })

/**
 * Claims (or completions) sent in one script call at most. Smaller batches keep several in
 * flight, so Redis works on one while the client handles the answers to another instead of the
 * two waiting on each other; 16 did best of 4…64 with 32 workers (bench/redis.ts), and it
 * bounds how long one call holds Redis (~25 µs a claim).
 */
const MAX_BATCH = 16

export const make = (options: RedisJobQueueOptions): Effect.Effect<JobQueueShape, QueueUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const keys = redisQueueKeys(options.keyPrefix)
    const maxDeliveries = Math.max(1, Math.floor(options.maxDeliveries))
    const redis: Redis = yield* acquireRedis(options, unavailable)
    for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 1, lua })

    const run = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, QueueUnavailable> =>
      Effect.tryPromise({ try: f, catch: (error) => unavailable(`redis ${what}: ${errorMessage(error)}`, error) })

    const script = (what: string, name: keyof typeof scripts, args: ReadonlyArray<string | number>) =>
      run(what, () => callScript(redis, name, 1, [keys.ready, keys.prefix, ...args]))

    const lost = (lease: Lease) => new LeaseLost({ job: lease.job.id, token: lease.token })

    /** This process in \`P:clock:<pid>\`, where the scripts keep its queue-time anchor (coordination/StoreTime.ts). */
    const pid = [yield* Random.nextIntBetween(0, 2 ** 31), yield* Random.nextIntBetween(0, 2 ** 31)].map((n) => n.toString(36)).join("")
    /** The wall reading (for stamps and the lease its holder sees) and the clock spec the scripts turn into queue time. */
    const reading = Clock.clockWith((clock) => {
      const wall = clock.currentTimeMillisUnsafe()
      return Effect.succeed({ wall, spec: `${wall},${monotonicMillis(clock)},${pid}` })
    })

    const leaseScript = (what: string, name: keyof typeof scripts, lease: Lease, extra: ReadonlyArray<string | number>) =>
      Effect.flatMap(reading, ({ spec }) => script(what, name, [lease.job.id, String(lease.token), spec, ...extra]))

    const jobOrLost = (lease: Lease) => (reply: unknown): Effect.Effect<Job, LeaseLost> =>
      reply === null ? Effect.fail(lost(lease)) : Effect.succeed(decodeJob(reply as Raw))

    const enqueue: JobQueueShape["enqueue"] = (project, episodes) =>
      Effect.flatMap(episodesToEnqueue(episodes), (wanted): ReturnType<JobQueueShape["enqueue"]> => {
        if (wanted.length === 0) return Effect.succeed([])
        return Effect.flatMap(reading, ({ wall: now, spec }) =>
          Effect.flatMap(script("enqueue", "nfEnqueue", [project, spec, ...wanted]), (reply) => {
            const r = reply as ReadonlyArray<unknown>
            if (r[0] === -1) return Effect.fail(new EpisodeGap({ project, requested: Number(r[1]), nextExpected: Number(r[2]) }))
            const out: Array<Enqueued> = []
            let i = 1
            for (const episode of wanted) {
              if (r[i++] === 1) out.push({ created: true, job: queuedJob(project, episode, now) })
              else out.push({ created: false, job: decodeJob(r[i++] as Raw) })
            }
            return Effect.succeed(out)
          })
        )
      })

    const claimBatch = turnBatcher<readonly [string, number, string], Raw | null>(
      async (items) => splitClaims(await callScript(redis, "nfClaim", 1, [keys.ready, keys.prefix, maxDeliveries, ...items.flat()]) as Raw, items.length),
      MAX_BATCH,
    )
    const claim: JobQueueShape["claim"] = (worker, { leaseMs }) =>
      Effect.flatMap(reading, ({ wall, spec }) => {
        const lease = Math.max(0, leaseMs)
        return Effect.map(run("claim", () => claimBatch([spec, lease, worker])), (claimed) =>
          claimed === null ? Option.none<Lease>() : Option.some(claimedLease(claimed, worker, wall, wall + lease))
        )
      })

    const heartbeat: JobQueueShape["heartbeat"] = (lease, leaseMs) =>
      Effect.flatMap(reading, ({ wall, spec }) =>
        Effect.flatMap(script("heartbeat", "nfHeartbeat", [lease.job.id, String(lease.token), spec, Math.max(0, leaseMs)]), (reply) =>
          // The record's expiresAt is queue time; its holder measures the lease on its own clock.
          reply === null ? Effect.fail(lost(lease)) : Effect.succeed({ ...decodeLease(reply as Raw), expiresAt: wall + Math.max(0, leaseMs) })
        )
      )

    const setStage: JobQueueShape["setStage"] = (lease, state) =>
      Effect.flatMap(leaseScript("setStage", "nfSetStage", lease, [state]), (reply) =>
        reply === 1 ? Effect.void : Effect.fail(lost(lease))
      )

    const completeBatch = turnBatcher<readonly [string, string, string], 1 | null>(
      (items) => callScript(redis, "nfComplete", 1, [keys.ready, keys.prefix, ...items.flat()]) as Promise<Array<1 | null>>,
      MAX_BATCH,
    )
    const complete: JobQueueShape["complete"] = (lease) =>
      Effect.flatMap(reading, ({ wall: now, spec }) =>
        Effect.flatMap(run("complete", () => completeBatch([lease.job.id, String(lease.token), spec])), (done) =>
          done === null ? Effect.fail(lost(lease)) : Effect.succeed<Job>({ ...lease.job, state: "committed", updatedAt: now })
        )
      )

    const retry: JobQueueShape["retry"] = (lease, { reason, delayMs, transient }) =>
      Effect.flatMap(
        leaseScript("retry", "nfRetry", lease, [reason, Math.max(0, delayMs), transient ? 1 : 0, maxDeliveries]),
        jobOrLost(lease),
      )

    const deadLetter: JobQueueShape["deadLetter"] = (lease, reason, findings) =>
      Effect.flatMap(
        leaseScript("deadLetter", "nfDeadLetter", lease, [reason, findings === undefined ? "" : JSON.stringify(findings)]),
        jobOrLost(lease),
      )

    const get: JobQueueShape["get"] = (id) =>
      Effect.map(run("get", () => redis.hmget(keys.job(id), ...JOB_FIELDS)), (raw) =>
        raw[0] === null ? Option.none() : Option.some(decodeJob(raw))
      )

    const list: JobQueueShape["list"] = (filter?: ListJobs) => {
      if (filter?.states !== undefined && filter.states.length === 0) return Effect.succeed([])
      if (filter?.limit !== undefined && filter.limit <= 0) return Effect.succeed([])
      const states = filter?.states === undefined ? "*" : filter.states.join(",")
      const limit = filter?.limit === undefined ? -1 : Math.floor(filter.limit)
      return Effect.map(script("list", "nfList", [filter?.project ?? "", states, limit]), (reply) =>
        (reply as ReadonlyArray<Raw>).map(decodeJob)
      )
    }

    const stats: JobQueueShape["stats"] = Effect.flatMap(reading, ({ spec }) =>
      Effect.map(script("stats", "nfStats", [spec]), (reply): QueueStats => {
        const [queued, inFlight, committed, dead, skipped, held] = reply as ReadonlyArray<number>
        return { queued, inFlight, committed, dead, skipped, held }
      })
    )

    const projectStates: JobQueueShape["projectStates"] = (project) =>
      Effect.flatMap(reading, ({ spec }) =>
        Effect.map(script("projectStates", "nfProjectStates", [project ?? "", spec]), (reply) => {
          const flat = reply as Raw
          const counts: Array<StateCount> = []
          const heads: Array<HeadOf> = []
          const holds: Array<OperatorHold> = []
          for (let i = 0; i + 10 <= flat.length; i += 10) {
            const name = flat[i] ?? ""
            const [hold, headEpisode, headState, headReason] = [flat[i + 1], flat[i + 2], flat[i + 3], flat[i + 4]]
            const [queued, inFlight, committed, dead, skipped] = flat.slice(i + 5, i + 10).map(Number)
            const tally: ReadonlyArray<readonly [JobState, number, number]> = [
              ["queued", 0, queued],
              ["writing", 1, inFlight],
              ["committed", 0, committed],
              ["dead", 0, dead],
              ["skipped", 0, skipped],
            ]
            for (const [state, live, n] of tally) if (n > 0) counts.push({ project: name, state, live, n })
            // A project with neither jobs nor counts still appears (held, all cancelled): one empty row names it.
            if (counts.every((c) => c.project !== name)) counts.push({ project: name, state: "queued", live: 0, n: 0 })
            if (hold !== null) holds.push({ project: name, reason: hold })
            if (headEpisode !== null) heads.push({ project: name, episode: Number(headEpisode), state: headState as JobState, reason: headReason ?? null })
          }
          return projectStatesOf(counts, heads, holds)
        })
      )

    /** An operator script's answer: {0, job} | {1} (no such job) | {2, state, detail}. */
    const operatorJob = (action: "retry" | "skip", project: string, episode: number) => (reply: unknown): Effect.Effect<Job, JobNotFound | JobStateConflict> => {
      const r = reply as ReadonlyArray<unknown>
      if (r[0] === 0) return Effect.succeed(decodeJob(r[1] as Raw))
      if (r[0] === 1) return Effect.fail(new JobNotFound({ project, episode }))
      const detail = String(r[2] ?? "")
      return Effect.fail(
        new JobStateConflict({ project, episode, action, state: r[1] as JobState, allowed: ["dead", "queued"], ...(detail === "" ? {} : { detail }) }),
      )
    }

    const retryJob: JobQueueShape["retryJob"] = (project, episode) =>
      Effect.flatMap(reading, ({ spec }) =>
        Effect.flatMap(script("retryJob", "nfRetryJob", [project, episode, spec]), operatorJob("retry", project, episode))
      )

    const skipJob: JobQueueShape["skipJob"] = (project, episode, reason) =>
      Effect.flatMap(reading, ({ spec }) =>
        Effect.flatMap(script("skipJob", "nfSkipJob", [project, episode, reason, spec]), operatorJob("skip", project, episode))
      )

    const cancel: JobQueueShape["cancel"] = (project, fromEpisode = 1) =>
      Effect.map(script("cancel", "nfCancel", [project, Math.floor(fromEpisode)]), (reply) => ({
        project,
        episodes: (reply as ReadonlyArray<number>).map(Number),
      }))

    const holdChange = (project: string) => (reply: unknown): Effect.Effect<HoldChange, ProjectNotFound> =>
      reply === -1 ? Effect.fail(new ProjectNotFound({ project })) : Effect.succeed({ project, changed: reply === 1 })

    const hold: JobQueueShape["hold"] = (project, reason) => Effect.flatMap(script("hold", "nfHold", [project, reason]), holdChange(project))

    const resume: JobQueueShape["resume"] = (project) => Effect.flatMap(script("resume", "nfResume", [project]), holdChange(project))

    const deleteProject: JobQueueShape["deleteProject"] = (project, options) =>
      Effect.flatMap(reading, ({ spec }) =>
        Effect.flatMap(script("deleteProject", "nfDeleteProject", [project, spec, options?.force === true ? 1 : 0]), (reply): Effect.Effect<DeletedProject, ProjectNotFound | ProjectBusy> => {
          const [code, n] = reply as ReadonlyArray<number>
          if (code === -1) return Effect.fail(new ProjectNotFound({ project }))
          if (code === -2) return Effect.fail(new ProjectBusy({ project, episode: Number(n) }))
          return Effect.succeed({ project, jobs: Number(n) })
        })
      )

    return JobQueue.of({
      enqueue,
      claim,
      heartbeat,
      setStage,
      complete,
      retry,
      deadLetter,
      get,
      list,
      stats,
      projectStates,
      retryJob,
      skipJob,
      cancel,
      hold,
      resume,
      deleteProject,
    })
  })

/** Scoped: opens one connection (failing with `QueueUnavailable` if Redis is unreachable) and quits it with the scope. */
export const layer = (options: RedisJobQueueOptions): Layer.Layer<JobQueue, QueueUnavailable> => Layer.effect(JobQueue, make(options))

export const RedisJobQueue = { make, layer, keys: redisQueueKeys } as const
