import { Schema } from "effect"
import { GuardFinding } from "./Episode.ts"
import { EpisodeNumber, Slug } from "./Project.ts"

export const JobState = Schema.Literals(["queued", "writing", "guarding", "editing", "committed", "dead", "skipped"])
export type JobState = typeof JobState.Type

/**
 * No worker will touch the job again unless an operator retries it. `dead` is final but not
 * done: a dead episode holds its project (no later episode is claimable) until it is retried
 * or skipped; `skipped` is an operator's explicit, visible gap.
 */
export const isFinal = (state: JobState): boolean => state === "committed" || state === "dead" || state === "skipped"

/** The episode's place in the story is settled: later episodes may follow it. */
export const isDone = (state: JobState): boolean => state === "committed" || state === "skipped"

/** An episode job: `(project, episode)` is its identity, so enqueueing it twice yields the same job. */
export const Job = Schema.Struct({
  id: Schema.String,
  project: Slug,
  episode: EpisodeNumber,
  state: JobState,
  /** Times the queue handed the job to a worker. */
  deliveries: Schema.Int,
  /** Why it is dead or skipped, or the last failure that sent it back to the queue. */
  reason: Schema.NullOr(Schema.String),
  findings: Schema.Array(GuardFinding),
  enqueuedAt: Schema.Number,
  updatedAt: Schema.Number,
})
export type Job = typeof Job.Type

export const jobIdOf = (project: string, episode: number): string => `${project}:${episode}`

/** A claimed job: valid while `expiresAt` is in the future and `token` is the job's current fencing token. */
export const Lease = Schema.Struct({
  job: Job,
  worker: Schema.String,
  token: Schema.Int,
  expiresAt: Schema.Number,
})
export type Lease = typeof Lease.Type
