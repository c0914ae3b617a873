/**
 * The operator's `delete <slug> --force`: a project's jobs, Bible, episodes and outline removed for
 * good. Ledger rows (money already spent) are kept: the finance report still adds them up.
 *
 * Order: the queue first (no worker claims the project again; a forced delete fences off a worker
 * still holding a lease), then the outline, then the story store, whose project row goes last. A
 * crash part-way leaves the project listed and without jobs, never a project whose data is half
 * gone while workers write to it; running `delete` again finishes the job (each step is a no-op
 * once done).
 */
import { Data, Effect, Option } from "effect"
import { syntheticSourceOf } from "../domain/Project.ts"
import { EventBus } from "../events/EventBus.ts"
import type { OutlineUnavailable } from "../planner/OutlineErrors.ts"
import { OutlineStore } from "../planner/OutlineStore.ts"
import { JobQueue, type QueueUnavailable } from "../queue/JobQueue.ts"
import { ProjectNotFound, type StoreUnavailable, StoryStore } from "../story/StoryStore.ts"
import { recordOperatorAction } from "./Operator.ts"

/** What a delete removed. */
export interface DeletedProject {
  readonly project: string
  readonly episodes: number
  readonly jobs: number
  readonly outline: boolean
}

/** A delete the factory will not do as asked: unconfirmed, in flight, or in the factory's own namespace. */
export class DeleteRefused extends Data.TaggedError("DeleteRefused")<{
  readonly project: string
  readonly reason: "not-forced" | "reserved"
  readonly detail: string
}> {
  override get message() {
    return this.detail
  }
}

/**
 * The canary's project and any other reserved slug but a load test's are the factory's own: an
 * operator deleting them is a slip (a load test's project is removed by `load` itself).
 */
const refusesReserved = (slug: string): boolean => {
  const source = syntheticSourceOf(slug)
  return source !== undefined && source !== "load"
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`

export const deleteProject = (
  slug: string,
  options: { readonly force: boolean },
): Effect.Effect<
  DeletedProject,
  DeleteRefused | ProjectNotFound | StoreUnavailable | OutlineUnavailable | QueueUnavailable,
  JobQueue | StoryStore | EventBus
> =>
  Effect.gen(function* () {
    if (refusesReserved(slug)) {
      return yield* new DeleteRefused({
        project: slug,
        reason: "reserved",
        detail: `'${slug}' is in the factory's reserved namespace (the canary's project and other synthetic work): it cannot be deleted`,
      })
    }
    const queue = yield* JobQueue
    const store = yield* StoryStore
    const outlines = yield* Effect.serviceOption(OutlineStore)
    const project = yield* store.getProject(slug)
    const state = (yield* queue.projectStates(slug)).find((s) => s.project === slug)
    const outline = Option.isSome(outlines) ? yield* outlines.value.get(slug) : Option.none()
    if (Option.isNone(project) && state === undefined && Option.isNone(outline)) return yield* new ProjectNotFound({ slug })
    const episodes = Option.isSome(project) ? (yield* store.listEpisodes(slug)).length : 0
    if (!options.force) {
      const jobs = state === undefined ? 0 : state.queued + state.inFlight + state.committed + state.dead + state.skipped
      const inFlight = state === undefined || state.inFlight === 0
        ? ""
        : ` ${plural(state.inFlight, "job")} in flight would be interrupted (hold the project and wait for ${state.inFlight === 1 ? "it" : "them"}, or accept that).`
      return yield* new DeleteRefused({
        project: slug,
        reason: "not-forced",
        detail: `deleting '${slug}' removes for good its ${plural(episodes, "committed episode")}, ${plural(jobs, "job")}, its Bible and its outline ` +
          `(ledger rows are kept).${inFlight} Confirm with --force (API: ?force=true).`,
      })
    }
    const removedJobs = yield* queue.deleteProject(slug, { force: true }).pipe(
      Effect.map((d) => d.jobs),
      Effect.catchTag("ProjectNotFound", () => Effect.succeed(0)),
      // a forced delete never answers ProjectBusy; the type still lists it
      Effect.catchTag("ProjectBusy", (e) => Effect.die(e)),
    )
    const removedOutline = Option.isSome(outlines) ? yield* outlines.value.deleteProject(slug) : false
    yield* store.deleteProject(slug)
    const bus = yield* EventBus
    yield* recordOperatorAction(bus, "delete", slug, `deleted ${plural(episodes, "episode")} and ${plural(removedJobs, "job")}; ledger rows kept`)
    return { project: slug, episodes, jobs: removedJobs, outline: removedOutline }
  })
