import { Context, Data, Effect, type Option } from "effect"
import type { Job, JobState, Lease } from "../domain/Job.ts"

/** The queue's backing engine (SQLite, Redis …) could not be reached or failed; retrying later may succeed. */
export class QueueUnavailable extends Data.TaggedError("QueueUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** The lease is no longer ours: it expired and another worker claimed the job (fencing token moved on) or the job is final. */
export class LeaseLost extends Data.TaggedError("LeaseLost")<{
  readonly job: string
  readonly token: number
}> {}

/** An enqueue that would leave a hole in a project's episode sequence. */
export class EpisodeGap extends Data.TaggedError("EpisodeGap")<{
  readonly project: string
  readonly requested: number
  readonly nextExpected: number
}> {
  override get message() {
    return `episode ${this.requested} of '${this.project}' would leave a gap: the next episode to enqueue is ${this.nextExpected}`
  }
}

/** An operator action named a job that does not exist. */
export class JobNotFound extends Data.TaggedError("JobNotFound")<{
  readonly project: string
  readonly episode: number
}> {
  override get message() {
    return `no job for episode ${this.episode} of '${this.project}'`
  }
}

/** An operator action that the job's current state does not allow (e.g. retrying a committed episode, skipping one in flight). */
export class JobStateConflict extends Data.TaggedError("JobStateConflict")<{
  readonly project: string
  readonly episode: number
  readonly action: "retry" | "skip"
  readonly state: JobState
  /** The states the action accepts. */
  readonly allowed: ReadonlyArray<JobState>
  /** Set when the state allows the action but something else refuses it. */
  readonly detail?: string
}> {
  override get message() {
    return `cannot ${this.action} episode ${this.episode} of '${this.project}': it is ${this.state}` +
      (this.detail === undefined ? ` (${this.action} accepts ${this.allowed.join(" or ")})` : `; ${this.detail}`)
  }
}

/** An operator action on a project the queue has no job of. */
export class ProjectNotFound extends Data.TaggedError("ProjectNotFound")<{
  readonly project: string
}> {
  override get message() {
    return `the queue has no job of project '${this.project}'`
  }
}

/** `deleteProject` without `force` while a worker holds a live lease on one of the project's jobs. */
export class ProjectBusy extends Data.TaggedError("ProjectBusy")<{
  readonly project: string
  readonly episode: number
}> {
  override get message() {
    return `project '${this.project}' has episode ${this.episode} in flight; wait for it, hold the project first, or force the delete`
  }
}

/**
 * The episodes an `enqueue` asks for, as every adapter takes them: each once, in order. A number that
 * is not a whole number ≥ 1 is a bug of the caller (the API and the CLI refuse such input first).
 */
export const episodesToEnqueue = (episodes: ReadonlyArray<number>): Effect.Effect<ReadonlyArray<number>> => {
  const wanted = [...new Set(episodes)].sort((a, b) => a - b)
  const invalid = wanted.find((n) => !Number.isSafeInteger(n) || n < 1)
  return invalid === undefined ? Effect.succeed(wanted) : Effect.die(new RangeError(`episode numbers are integers >= 1; got ${invalid}`))
}

/**
 * A deleted project may be enqueued again under the same job ids; its jobs' fencing tokens then
 * start this much higher than the last incarnation's, so a lease from before the delete never
 * matches a new one. (No job is claimed 2^32 times.)
 */
export const TOKEN_GENERATION = 2 ** 32

export interface Enqueued {
  readonly job: Job
  /** false when the (project, episode) job already existed: enqueue is idempotent. */
  readonly created: boolean
}

export interface QueueStats {
  readonly queued: number
  readonly inFlight: number
  readonly committed: number
  readonly dead: number
  readonly skipped: number
  /** Projects on hold (by a dead episode or by an operator). */
  readonly held: number
}

/** Why a project's later episodes are not claimable. A dead episode comes before an operator's hold when both apply. */
export type ProjectHold =
  | { readonly by: "dead-episode"; readonly episode: number; readonly reason: string }
  | { readonly by: "operator"; readonly reason: string }

export interface ProjectState {
  readonly project: string
  readonly held: ProjectHold | null
  readonly queued: number
  readonly inFlight: number
  readonly committed: number
  readonly dead: number
  readonly skipped: number
  /** The project's lowest episode that is neither committed nor skipped (the one the project waits on); absent when none is. */
  readonly next?: number
}

/** What an operator action changed. */
export interface Cancelled {
  readonly project: string
  /** The queued episodes removed, ascending. */
  readonly episodes: ReadonlyArray<number>
}

export interface HoldChange {
  readonly project: string
  /** false when the project was already in the requested hold state (the call is idempotent). */
  readonly changed: boolean
}

export interface DeletedProject {
  readonly project: string
  /** Jobs removed. */
  readonly jobs: number
}

export interface ListJobs {
  readonly project?: string
  readonly states?: ReadonlyArray<JobState>
  readonly limit?: number
}

export interface ClaimOptions {
  /** Visibility timeout: the lease expires this long after the claim unless renewed by `heartbeat`. */
  readonly leaseMs: number
}

export interface RetryOptions {
  readonly reason: string
  /** The job becomes claimable again only after this delay. */
  readonly delayMs: number
  /**
   * A transient fault (dependency outage, 429 …) hands the delivery back: it does not
   * bring the job closer to the dead-letter list.
   */
  readonly transient: boolean
}

/**
 * Durable, leased, at-least-once queue of episode jobs.
 *
 * - `(project, episode)` identifies a job: enqueueing it twice yields one job.
 * - Episodes of one project are handed out in order and one at a time: only a project's
 *   lowest episode that is neither committed nor skipped (its *head*) is claimable, only while
 *   it is queued, no live lease holds it and the project is not on hold.
 * - A dead head holds its project: nothing later is handed out until an operator retries it
 *   (`retryJob`) or skips it (`skipJob`, an explicit gap). An operator may hold a project too.
 * - Every claim counts a delivery and moves the job's fencing token on; after
 *   `maxDeliveries` deliveries without completion the job is dead-lettered with its last cause.
 * - Every lease operation checks the token: a worker whose lease expired gets `LeaseLost`.
 */
export interface JobQueueShape {
  readonly enqueue: (
    project: string,
    episodes: ReadonlyArray<number>,
  ) => Effect.Effect<ReadonlyArray<Enqueued>, QueueUnavailable | EpisodeGap>
  readonly claim: (worker: string, options: ClaimOptions) => Effect.Effect<Option.Option<Lease>, QueueUnavailable>
  readonly heartbeat: (lease: Lease, leaseMs: number) => Effect.Effect<Lease, LeaseLost | QueueUnavailable>
  /** Records the stage the job is in (`writing`, `guarding`, `editing`), for status and the dashboard. */
  readonly setStage: (lease: Lease, state: "writing" | "guarding" | "editing") => Effect.Effect<void, LeaseLost | QueueUnavailable>
  /** The episode was committed: the job is final. */
  readonly complete: (lease: Lease) => Effect.Effect<Job, LeaseLost | QueueUnavailable>
  /** Hands the job back to the queue (or dead-letters it when its deliveries are spent). */
  readonly retry: (lease: Lease, options: RetryOptions) => Effect.Effect<Job, LeaseLost | QueueUnavailable>
  /** Gives up on the job now, with its cause (and the guard's findings, when the guard rejected it too often). */
  readonly deadLetter: (
    lease: Lease,
    reason: string,
    findings?: Job["findings"],
  ) => Effect.Effect<Job, LeaseLost | QueueUnavailable>
  readonly get: (id: string) => Effect.Effect<Option.Option<Job>, QueueUnavailable>
  readonly list: (filter?: ListJobs) => Effect.Effect<ReadonlyArray<Job>, QueueUnavailable>
  readonly stats: Effect.Effect<QueueStats, QueueUnavailable>
  /** Every project with a job, by name (or just `project`): its counts, hold and next episode. Reads each project's jobs: for status and the dashboard, not for a hot loop. */
  readonly projectStates: (project?: string) => Effect.Effect<ReadonlyArray<ProjectState>, QueueUnavailable>

  // Operator actions.

  /**
   * A dead job, or a queued one that is not in flight, back to `queued` with no deliveries,
   * reason or findings, claimable now (unless its project is on hold by the operator): its
   * project resumes from it, in order. Answers the job as it is now.
   */
  readonly retryJob: (project: string, episode: number) => Effect.Effect<Job, JobNotFound | JobStateConflict | QueueUnavailable>
  /** A dead or queued job (not in flight) becomes final as `skipped`, with the reason: a visible gap; later episodes proceed. */
  readonly skipJob: (
    project: string,
    episode: number,
    reason: string,
  ) => Effect.Effect<Job, JobNotFound | JobStateConflict | QueueUnavailable>
  /**
   * Removes the project's queued jobs at or after `fromEpisode` (default: all of them) that were
   * never claimed (the head goes only if no worker ever had it: retry-delayed or retried heads
   * stay, skip them instead); enqueue then continues from the highest remaining episode.
   */
  readonly cancel: (project: string, fromEpisode?: number) => Effect.Effect<Cancelled, QueueUnavailable>
  /** Claims skip the project until `resume`; jobs in flight finish. */
  readonly hold: (project: string, reason: string) => Effect.Effect<HoldChange, ProjectNotFound | QueueUnavailable>
  readonly resume: (project: string) => Effect.Effect<HoldChange, ProjectNotFound | QueueUnavailable>
  /**
   * Removes every job of the project (refused while one is in flight, unless `force`: the holder
   * then gets `LeaseLost`). The project may be enqueued again from episode 1; leases from before
   * stay fenced off (new tokens start a generation higher).
   */
  readonly deleteProject: (
    project: string,
    options?: { readonly force?: boolean },
  ) => Effect.Effect<DeletedProject, ProjectNotFound | ProjectBusy | QueueUnavailable>
}

export class JobQueue extends Context.Service<JobQueue, JobQueueShape>()("novel-factory/JobQueue") {}
