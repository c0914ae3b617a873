import { Context, Data, type Effect, type Option } from "effect"
import type { Bible, BibleChanges, ProvisionalFacts } from "../domain/Bible.ts"
import type { Episode } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import type { EpisodeFingerprint } from "../guard/Fingerprint.ts"

export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export class ProjectExists extends Data.TaggedError("ProjectExists")<{ readonly slug: string }> {
  override get message() {
    return `project '${this.slug}' already exists`
  }
}

export class ProjectNotFound extends Data.TaggedError("ProjectNotFound")<{ readonly slug: string }> {
  override get message() {
    return `no project '${this.slug}'`
  }
}

/** A commit refused because its delivery was overtaken (see `CommitOptions.fence`). Nothing was written. */
export class StaleCommit extends Data.TaggedError("StaleCommit")<{
  readonly slug: string
  readonly episode: number
  readonly reason: string
}> {
  override get message() {
    return `stale commit of ${this.slug}:${this.episode} refused: ${this.reason}`
  }
}

/** A committed episode's sentences as the guard fingerprints them (`fingerprintEpisode`), to catch a copy of any earlier episode. */
export type { EpisodeFingerprint } from "../guard/Fingerprint.ts"

export interface CommitOptions {
  /**
   * The fencing token of the delivery that commits (its lease's). The commit is refused with
   * `StaleCommit`, in its own transaction, when a later delivery raised the episode's fence past it
   * (`fenceEpisode`) or a later episode is committed already.
   */
  readonly fence?: number
  /** Kept with the episode for `fingerprints`. */
  readonly fingerprint?: ReadonlyArray<number>
  /**
   * The job that commits: its `JobCommitted` is written to the outbox in the commit's transaction
   * (see `pendingCommits`), so a commit whose process dies, or whose queue acknowledgement is lost,
   * still yields its event. Only a commit that stores the episode writes one.
   */
  readonly job?: { readonly id: string; readonly durationMs: number }
}

/** A commit's `JobCommitted`, as the outbox keeps it until relayed (`at` is the episode's `committedAt`). */
export interface PendingCommit {
  readonly job: string
  readonly project: string
  readonly episode: number
  readonly reward: number
  readonly durationMs: number
  readonly at: number
}

export interface ProjectSummary {
  readonly project: Project
  readonly episodes: number
  readonly lastEpisode: number
  readonly characters: number
}

export interface EpisodeSummary {
  readonly number: number
  readonly title: string
  readonly charCount: number
  readonly reward: number
  readonly drafts: number
  readonly committedAt: number
}

export interface CommitResult {
  /** false when this (project, number) was already committed: a second commit is a no-op. */
  readonly committed: boolean
}

/**
 * Projects, their Bible graph and their committed episodes.
 * An episode and its Bible changes are stored in one transaction (or an idempotent merge):
 * `(project, number)` is unique, so a redelivered job's commit changes nothing.
 */
export interface StoryStoreShape {
  readonly createProject: (project: Project, bible: Bible) => Effect.Effect<void, ProjectExists | StoreUnavailable>
  readonly getProject: (slug: string) => Effect.Effect<Option.Option<Project>, StoreUnavailable>
  readonly listProjects: Effect.Effect<ReadonlyArray<ProjectSummary>, StoreUnavailable>
  /** The Bible as the last committed episode left it, every fact with its episode (see `bibleAsOf`). */
  readonly getBible: (slug: string) => Effect.Effect<Bible, ProjectNotFound | StoreUnavailable>
  /** Also drops the episode's provisional facts, in the same transaction. */
  readonly commitEpisode: (
    episode: Episode,
    changes: BibleChanges,
    options?: CommitOptions,
  ) => Effect.Effect<CommitResult, ProjectNotFound | StaleCommit | StoreUnavailable>
  /**
   * Raises an episode's fence to a delivery's token as the delivery starts (a fence never goes down),
   * so that an earlier delivery still running can no longer commit. True when `token` is the newest.
   */
  readonly fenceEpisode: (slug: string, episode: number, token: number) => Effect.Effect<boolean, StoreUnavailable>
  /** The outbox: commits whose `JobCommitted` is not relayed yet, oldest first, at most `limit`. */
  readonly pendingCommits: (limit: number) => Effect.Effect<ReadonlyArray<PendingCommit>, StoreUnavailable>
  /** Takes relayed commits out of the outbox (idempotent: an unknown or already relayed one is ignored). */
  readonly acknowledgeCommits: (
    commits: ReadonlyArray<{ readonly project: string; readonly episode: number }>,
  ) => Effect.Effect<void, StoreUnavailable>
  /** The fingerprints of the project's committed episodes, by number. */
  readonly fingerprints: (slug: string) => Effect.Effect<ReadonlyArray<EpisodeFingerprint>, StoreUnavailable>
  /**
   * Records the facts a draft would add to the Bible, replacing those staged earlier for the same
   * episode. A no-op once the episode is committed, so a late, overtaken delivery cannot bring
   * provisional facts back. Drops what is left of earlier episodes: the queue hands a project's
   * episodes out in order, so while episode n is drafted every earlier one is final, and the
   * facts of one whose job died without its worker knowing (a lease that ran out of
   * deliveries) must not linger.
   */
  readonly stageProvisional: (slug: string, facts: ProvisionalFacts) => Effect.Effect<void, ProjectNotFound | StoreUnavailable>
  /** The provisional facts of the project's episodes still in the pipeline, by episode number. */
  readonly provisionalFacts: (slug: string) => Effect.Effect<ReadonlyArray<ProvisionalFacts>, StoreUnavailable>
  /** Drops an episode's provisional facts (its job died). */
  readonly discardProvisional: (slug: string, episode: number) => Effect.Effect<void, StoreUnavailable>
  readonly getEpisode: (slug: string, number: number) => Effect.Effect<Option.Option<Episode>, StoreUnavailable>
  readonly listEpisodes: (slug: string) => Effect.Effect<ReadonlyArray<EpisodeSummary>, StoreUnavailable>
  /** The last `count` committed episodes, newest last (the guard compares a draft against them). */
  readonly recentEpisodes: (slug: string, count: number) => Effect.Effect<ReadonlyArray<Episode>, StoreUnavailable>
  /**
   * Removes the project and everything kept of it (Bible, episodes and their summaries, provisional
   * facts, fingerprints, fences) in one transaction. True when there was a project; deleting one that
   * is gone is a no-op, so a delete interrupted before this step finishes when it is run again.
   */
  readonly deleteProject: (slug: string) => Effect.Effect<boolean, StoreUnavailable>
}

export class StoryStore extends Context.Service<StoryStore, StoryStoreShape>()("novel-factory/StoryStore") {}
