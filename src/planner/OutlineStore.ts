/**
 * `OutlineStore`: a project's outline (arcs, beats with their history, threads), kept beside its
 * Bible. Every change is one of the pure edits of `OutlineEdits.ts`, applied by the adapter inside
 * one transaction (load → edit → save), so the rules are the same on every backend and two writers
 * never interleave. Adapters: SQLite (`SqliteOutlineStore.ts`), Neo4j (`Neo4jOutlineStore.ts`).
 */
import { Clock, Context, Effect, Option, Result } from "effect"
import { type Arc, type Beat, type BeatDraft, type BeatState, type ChangeAuthor, type Outline, type Thread } from "../domain/Outline.ts"
import type { Project } from "../domain/Project.ts"
import * as Edits from "./OutlineEdits.ts"
import { type OutlineEditError, OutlineNotFound, type OutlineUnavailable } from "./OutlineErrors.ts"

export type OutlineFailure = OutlineEditError | OutlineNotFound | OutlineUnavailable

/** What an adapter provides: a read, and an atomic read-modify-write of one project's outline. */
export interface OutlineBackend {
  readonly read: (project: string) => Effect.Effect<Outline | undefined, OutlineUnavailable>
  /**
   * Runs `f` on the stored outline (undefined: none yet) inside one transaction; saves the outline
   * it returns (unless it is the very same object) and yields its value. A failure of `f` writes nothing.
   */
  readonly modify: <A, E>(
    project: string,
    f: (current: Outline | undefined) => Result.Result<{ readonly outline: Outline; readonly value: A }, E>,
  ) => Effect.Effect<A, E | OutlineUnavailable>
  /** Removes the project's outline, written beats included, in one transaction; true when there was one. */
  readonly remove: (project: string) => Effect.Effect<boolean, OutlineUnavailable>
}

export interface OutlineStoreShape {
  /** The project's outline from its template beats; an existing outline is returned untouched (idempotent). */
  readonly seed: (project: Project, arcs?: Edits.SeedArcs) => Effect.Effect<Outline, OutlineUnavailable>
  readonly get: (project: string) => Effect.Effect<Option.Option<Outline>, OutlineUnavailable>
  readonly beatFor: (project: string, episode: number) => Effect.Effect<Option.Option<Beat>, OutlineUnavailable>
  readonly addBeat: (project: string, episode: number, draft: BeatDraft, by: ChangeAuthor, state?: BeatState) => Effect.Effect<Outline, OutlineFailure>
  readonly editBeat: (project: string, episode: number, patch: Partial<BeatDraft>, by: ChangeAuthor) => Effect.Effect<Outline, OutlineFailure>
  readonly removeBeat: (project: string, episode: number) => Effect.Effect<Outline, OutlineFailure>
  /** Approves the planned beats of episodes `from`–`to` (inclusive). */
  readonly approve: (project: string, from: number, to: number, by: ChangeAuthor) => Effect.Effect<Outline, OutlineFailure>
  /** Approves every planned beat of an arc. */
  readonly approveArc: (project: string, id: string, by: ChangeAuthor) => Effect.Effect<Outline, OutlineFailure>
  readonly addArc: (project: string, arc: Arc) => Effect.Effect<Outline, OutlineFailure>
  readonly editArc: (project: string, id: string, patch: Partial<Pick<Arc, "title" | "goal" | "from" | "to">>, by: ChangeAuthor) => Effect.Effect<Outline, OutlineFailure>
  readonly removeArc: (project: string, id: string) => Effect.Effect<Outline, OutlineFailure>
  /** The commit path, with the committed episode's number: its beat is frozen from now on. Idempotent. */
  readonly markWritten: (project: string, episode: number) => Effect.Effect<Outline, OutlineFailure>
  readonly upsertThread: (project: string, thread: Thread) => Effect.Effect<Outline, OutlineFailure>
  readonly removeThread: (project: string, id: string) => Effect.Effect<Outline, OutlineFailure>
  /** Any pure edit, atomically (the planner appends arcs with it). */
  readonly update: (project: string, edit: (outline: Outline, at: number) => Edits.EditResult) => Effect.Effect<Outline, OutlineFailure>
  /** The project's outline gone (its project is deleted): true when there was one; a no-op when there is none. */
  readonly deleteProject: (project: string) => Effect.Effect<boolean, OutlineUnavailable>
}

export class OutlineStore extends Context.Service<OutlineStore, OutlineStoreShape>()("novel-factory/planner/OutlineStore") {}

/** The service's operations over an adapter's read and atomic modify. */
export const makeOutlineStore = (backend: OutlineBackend): OutlineStoreShape => {
  const update = (project: string, edit: (outline: Outline, at: number) => Edits.EditResult) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) =>
      backend.modify(project, (current): Result.Result<{ outline: Outline; value: Outline }, OutlineEditError | OutlineNotFound> =>
        current === undefined
          ? Result.fail(new OutlineNotFound({ project }))
          : Result.map(edit(current, at), (outline) => ({ outline, value: outline }))
      ))
  const operator = (by: ChangeAuthor, at: number): Edits.Change => ({ by, at })
  return {
    seed: (project, arcs = "acts") =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        backend.modify(project.slug, (current) => {
          const outline = current ?? Edits.seedOutline(project, at, arcs)
          return Result.succeed({ outline, value: outline })
        })),
    get: (project) => Effect.map(backend.read(project), Option.fromUndefinedOr),
    beatFor: (project, episode) =>
      Effect.map(backend.read(project), (o) => Option.fromUndefinedOr(o?.beats.find((b) => b.episode === episode))),
    addBeat: (project, episode, draft, by, state) => update(project, (o, at) => Edits.addBeat(o, episode, draft, operator(by, at), state)),
    editBeat: (project, episode, patch, by) => update(project, (o, at) => Edits.editBeat(o, episode, patch, operator(by, at))),
    removeBeat: (project, episode) => update(project, (o) => Edits.removeBeat(o, episode)),
    approve: (project, from, to, by) => update(project, (o, at) => Edits.approveBeats(o, from, to, operator(by, at))),
    approveArc: (project, id, by) => update(project, (o, at) => Edits.approveArc(o, id, operator(by, at))),
    addArc: (project, arc) => update(project, (o) => Edits.addArc(o, arc)),
    editArc: (project, id, patch, by) => update(project, (o, at) => Edits.editArc(o, id, patch, operator(by, at))),
    removeArc: (project, id) => update(project, (o) => Edits.removeArc(o, id)),
    markWritten: (project, episode) => update(project, (o, at) => Edits.markWritten(o, episode, at)),
    upsertThread: (project, thread) => update(project, (o) => Edits.upsertThread(o, thread)),
    removeThread: (project, id) => update(project, (o) => Edits.removeThread(o, id)),
    update,
    deleteProject: backend.remove,
  }
}
