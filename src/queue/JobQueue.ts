import { Context, Data, type Effect, type Option } from "effect"
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
 *   lowest non-final episode is claimable, and only while no live lease holds it.
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
}

export class JobQueue extends Context.Service<JobQueue, JobQueueShape>()("novel-factory/JobQueue") {}
