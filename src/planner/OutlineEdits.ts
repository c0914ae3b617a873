/**
 * Every change to an outline, as pure functions `Outline → Result<Outline, error>`. The stores load,
 * apply one of these and save in one transaction, so the rules (a written beat is frozen, arcs do not
 * overlap, markers parse) live here once for every adapter.
 */
import { Result } from "effect"
import {
  type Arc,
  type Beat,
  type BeatDraft,
  type BeatRevision,
  type BeatState,
  type ChangeAuthor,
  type Outline,
  type Thread,
} from "../domain/Outline.ts"
import type { Project } from "../domain/Project.ts"
import { parseBeat } from "../templates/BeatMarkers.ts"
import {
  ArcNotFound,
  BeatExists,
  BeatFrozen,
  BeatNotFound,
  InvalidOutlineEdit,
  type OutlineEditError,
  ThreadNotFound,
} from "./OutlineErrors.ts"

export type EditResult = Result.Result<Outline, OutlineEditError>

/** Who made a change and when (epoch ms from Effect's `Clock`). */
export interface Change {
  readonly by: ChangeAuthor
  readonly at: number
}

/** How a template's beats become arcs: three acts (the last third is the finale), or one arc for all. */
export type SeedArcs = "acts" | "single"

const ACT_TITLES = ["1막", "2막", "3막"] as const

/** The outline a project starts with: beat i of the template is episode i + 1, approved, by `template`. */
export const seedOutline = (project: Project, at: number, arcs: SeedArcs = "acts"): Outline => {
  const count = project.beats.length
  const spans: Array<{ from: number; to: number }> = []
  if (arcs === "single" || count < 3) spans.push({ from: 1, to: Math.max(1, count) })
  else {
    const act = Math.ceil(count / 3)
    for (let from = 1, i = 0; from <= count && i < 3; i++) {
      const to = i === 2 ? count : Math.min(count, from + act - 1)
      spans.push({ from, to })
      from = to + 1
    }
  }
  const arcList: Array<Arc> = spans.map((s, i) => ({
    id: `act-${i + 1}`,
    title: spans.length === 1 ? project.title : ACT_TITLES[i]!,
    goal: i === 0 ? project.premise : "",
    from: s.from,
    to: s.to,
    by: "template",
  }))
  const beats: Array<Beat> = project.beats.map((text, i) => {
    const episode = i + 1
    const arc = arcList.find((a) => episode >= a.from && episode <= a.to)!
    return {
      episode,
      arc: arc.id,
      text,
      characters: [],
      threads: [],
      state: "approved",
      history: [{ at, by: "template", change: "created", text, state: "approved" }],
    }
  })
  return { project: project.slug, premise: project.premise, arcs: arcList, beats, threads: [] }
}

const invalid = (outline: Outline, reason: string) => Result.fail(new InvalidOutlineEdit({ project: outline.project, reason }))

/** A beat text must be non-blank and its markers readable (a misspelt marker would silently not happen). */
const checkText = (outline: Outline, episode: number, text: string): InvalidOutlineEdit | undefined => {
  if (text.trim() === "") return new InvalidOutlineEdit({ project: outline.project, reason: `the beat of episode ${episode} is empty` })
  const { malformed, text: plain } = parseBeat(text)
  if (malformed.length > 0) {
    return new InvalidOutlineEdit({
      project: outline.project,
      reason: `the beat of episode ${episode} has unreadable markers: ${malformed.join(", ")} (e.g. [사망: id], [관계: from-id KNOWS to-id])`,
    })
  }
  if (plain === "") return new InvalidOutlineEdit({ project: outline.project, reason: `the beat of episode ${episode} is only markers` })
  return undefined
}

const sortBeats = (beats: ReadonlyArray<Beat>): Array<Beat> => [...beats].sort((a, b) => a.episode - b.episode)
const sortArcs = (arcs: ReadonlyArray<Arc>): Array<Arc> => [...arcs].sort((a, b) => a.from - b.from)

const arcSpanning = (outline: Outline, episode: number): Arc | undefined => outline.arcs.find((a) => episode >= a.from && episode <= a.to)

const revise = (beat: Beat, revision: Omit<BeatRevision, "text" | "state">, next: Partial<Pick<Beat, "text" | "title" | "characters" | "threads" | "state">>): Beat => {
  const updated: Beat = { ...beat, ...next }
  return { ...updated, history: [...beat.history, { ...revision, text: updated.text, state: updated.state }] }
}

/**
 * A new beat for an episode that has none. An episode past the last arc extends the last arc (the
 * operator writing the next beat by hand); one inside no arc at all is refused.
 */
export const addBeat = (outline: Outline, episode: number, draft: BeatDraft, change: Change, state: BeatState = "approved"): EditResult => {
  if (!Number.isInteger(episode) || episode < 1) return invalid(outline, `episode must be a whole number ≥ 1, got ${episode}`)
  if (state === "written") return invalid(outline, "a beat is written only by its episode's commit")
  if (outline.beats.some((b) => b.episode === episode)) return Result.fail(new BeatExists({ project: outline.project, episode }))
  const bad = checkText(outline, episode, draft.text)
  if (bad) return Result.fail(bad)
  let arcs = outline.arcs
  let arc = arcSpanning(outline, episode)
  if (arc === undefined) {
    const last = sortArcs(outline.arcs).at(-1)
    if (last === undefined || episode < last.from) {
      return invalid(outline, `no arc spans episode ${episode}: add an arc first (outline add-arc)`)
    }
    arc = { ...last, to: episode }
    arcs = outline.arcs.map((a) => (a.id === last.id ? arc! : a))
  }
  const beat: Beat = {
    episode,
    arc: arc.id,
    text: draft.text,
    ...(draft.title === undefined ? {} : { title: draft.title }),
    characters: [...(draft.characters ?? [])],
    threads: [...(draft.threads ?? [])],
    state,
    history: [{ at: change.at, by: change.by, change: "created", text: draft.text, state }],
  }
  return Result.succeed({ ...outline, arcs, beats: sortBeats([...outline.beats, beat]) })
}

const findBeat = (outline: Outline, episode: number, action: string): Result.Result<Beat, BeatNotFound | BeatFrozen> => {
  const beat = outline.beats.find((b) => b.episode === episode)
  if (beat === undefined) return Result.fail(new BeatNotFound({ project: outline.project, episode }))
  if (beat.state === "written") return Result.fail(new BeatFrozen({ project: outline.project, episode, action }))
  return Result.succeed(beat)
}

const replaceBeat = (outline: Outline, beat: Beat): Outline => ({
  ...outline,
  beats: outline.beats.map((b) => (b.episode === beat.episode ? beat : b)),
})

/** Changes an unwritten beat; its state stays (an approved beat edited by the operator is still approved). */
export const editBeat = (outline: Outline, episode: number, patch: Partial<BeatDraft>, change: Change): EditResult =>
  Result.flatMap(findBeat(outline, episode, "edit"), (beat) => {
    if (patch.text !== undefined) {
      const bad = checkText(outline, episode, patch.text)
      if (bad) return Result.fail(bad)
    }
    const next = {
      ...(patch.text === undefined ? {} : { text: patch.text }),
      ...(patch.title === undefined ? {} : { title: patch.title }),
      ...(patch.characters === undefined ? {} : { characters: [...patch.characters] }),
      ...(patch.threads === undefined ? {} : { threads: [...patch.threads] }),
    }
    if (Object.keys(next).length === 0) return invalid(outline, `nothing to change in the beat of episode ${episode}`)
    return Result.succeed(replaceBeat(outline, revise(beat, { at: change.at, by: change.by, change: "edited" }, next)))
  })

export const removeBeat = (outline: Outline, episode: number): EditResult =>
  Result.map(findBeat(outline, episode, "remove"), () => ({ ...outline, beats: outline.beats.filter((b) => b.episode !== episode) }))

/** Approves planned beats `from`–`to` (inclusive); approved or written ones are left as they are. */
export const approveBeats = (outline: Outline, from: number, to: number, change: Change): EditResult => {
  const inRange = outline.beats.filter((b) => b.episode >= from && b.episode <= to)
  if (inRange.length === 0) return Result.fail(new BeatNotFound({ project: outline.project, episode: from }))
  return Result.succeed({
    ...outline,
    beats: outline.beats.map((b) =>
      b.episode >= from && b.episode <= to && b.state === "planned"
        ? revise(b, { at: change.at, by: change.by, change: "approved" }, { state: "approved" })
        : b
    ),
  })
}

/** Approves every planned beat of an arc. */
export const approveArc = (outline: Outline, id: string, change: Change): EditResult => {
  const arc = outline.arcs.find((a) => a.id === id)
  if (arc === undefined) return Result.fail(new ArcNotFound({ project: outline.project, arc: id }))
  if (!outline.beats.some((b) => b.arc === id)) return invalid(outline, `arc '${id}' has no beats to approve`)
  return approveBeats(outline, arc.from, arc.to, change)
}

/**
 * The commit path: the episode's beat is written from now on. Idempotent (a redelivered commit
 * marks it again harmlessly); an episode with no beat is refused, so no episode is written blind.
 */
export const markWritten = (outline: Outline, episode: number, at: number): EditResult => {
  const beat = outline.beats.find((b) => b.episode === episode)
  if (beat === undefined) return Result.fail(new BeatNotFound({ project: outline.project, episode }))
  if (beat.state === "written") return Result.succeed(outline)
  // The written revision names the author of the text as written (not whoever approved it).
  const by = beat.history.findLast((h) => h.change === "created" || h.change === "edited")?.by ?? "operator"
  const written = replaceBeat(outline, revise(beat, { at, by, change: "written" }, { state: "written" }))
  return Result.succeed({ ...written, threads: written.threads.map((t) => ledgerAfter(t, beat.threads, episode)) })
}

/**
 * The foreshadowing ledger after an episode that moves `moved` is written: a thread due in this
 * episode is paid; one moved elsewhere after its planting gets a hint.
 */
const ledgerAfter = (thread: Thread, moved: ReadonlyArray<string>, episode: number): Thread => {
  if (!moved.includes(thread.id) || thread.state === "paid") return thread
  if (thread.plannedPayoff === episode) return { ...thread, state: "paid", paidOffIn: episode }
  if (episode > thread.plantedIn && !thread.hints.includes(episode)) return { ...thread, hints: [...thread.hints, episode] }
  return thread
}

const ARC_ID = /^[a-z0-9-]{1,64}$/

const checkArc = (outline: Outline, arc: Arc, others: ReadonlyArray<Arc>): InvalidOutlineEdit | undefined => {
  const bad = (reason: string) => new InvalidOutlineEdit({ project: outline.project, reason })
  if (!ARC_ID.test(arc.id)) return bad(`arc id '${arc.id}' must be 1–64 characters of a-z, 0-9 and '-'`)
  if (arc.title.trim() === "") return bad(`arc '${arc.id}' needs a title`)
  if (!Number.isInteger(arc.from) || !Number.isInteger(arc.to) || arc.from < 1 || arc.to < arc.from) {
    return bad(`arc '${arc.id}' spans ${arc.from}–${arc.to}: it must start at an episode ≥ 1 and not end before it starts`)
  }
  const overlap = others.find((o) => o.from <= arc.to && arc.from <= o.to)
  if (overlap) return bad(`arc '${arc.id}' (${arc.from}–${arc.to}) overlaps arc '${overlap.id}' (${overlap.from}–${overlap.to})`)
  return undefined
}

/** Re-files every beat under the arc that spans it (after a span changed). */
const refile = (outline: Outline): Outline => ({
  ...outline,
  beats: outline.beats.map((b) => {
    const arc = arcSpanning(outline, b.episode)
    return arc === undefined || arc.id === b.arc ? b : { ...b, arc: arc.id }
  }),
})

export const addArc = (outline: Outline, arc: Arc): EditResult => {
  if (outline.arcs.some((a) => a.id === arc.id)) return invalid(outline, `arc '${arc.id}' already exists`)
  const bad = checkArc(outline, arc, outline.arcs)
  if (bad) return Result.fail(bad)
  return Result.succeed(refile({ ...outline, arcs: sortArcs([...outline.arcs, arc]) }))
}

/** Changes an arc's title, goal or span; a span may not drop a beat out of every arc, nor move a written one. */
export const editArc = (outline: Outline, id: string, patch: Partial<Pick<Arc, "title" | "goal" | "from" | "to">>, change: Change): EditResult => {
  const arc = outline.arcs.find((a) => a.id === id)
  if (arc === undefined) return Result.fail(new ArcNotFound({ project: outline.project, arc: id }))
  const next: Arc = { ...arc, ...patch, by: change.by }
  const bad = checkArc(outline, next, outline.arcs.filter((a) => a.id !== id))
  if (bad) return Result.fail(bad)
  const orphan = outline.beats.find((b) => b.arc === id && (b.episode < next.from || b.episode > next.to))
  if (orphan) {
    if (orphan.state === "written") return Result.fail(new BeatFrozen({ project: outline.project, episode: orphan.episode, action: `moving it out of arc '${id}'` }))
    return invalid(outline, `arc '${id}' would no longer span its beat of episode ${orphan.episode}: remove or move that beat first`)
  }
  return Result.succeed(refile({ ...outline, arcs: sortArcs(outline.arcs.map((a) => (a.id === id ? next : a))) }))
}

/** Removes an arc with its (unwritten) beats; an arc holding a written beat stays. */
export const removeArc = (outline: Outline, id: string): EditResult => {
  if (!outline.arcs.some((a) => a.id === id)) return Result.fail(new ArcNotFound({ project: outline.project, arc: id }))
  const written = outline.beats.find((b) => b.arc === id && b.state === "written")
  if (written) return Result.fail(new BeatFrozen({ project: outline.project, episode: written.episode, action: `removing arc '${id}'` }))
  return Result.succeed({ ...outline, arcs: outline.arcs.filter((a) => a.id !== id), beats: outline.beats.filter((b) => b.arc !== id) })
}

/** A planned arc with its beats (episodes `arc.from` … in order), appended after the outline's last beat. */
export const appendArc = (
  outline: Outline,
  arc: Arc,
  beats: ReadonlyArray<BeatDraft>,
  threads: ReadonlyArray<Thread>,
  change: Change,
  state: BeatState,
): EditResult => {
  if (beats.length !== arc.to - arc.from + 1) {
    return invalid(outline, `arc '${arc.id}' spans ${arc.to - arc.from + 1} episodes but has ${beats.length} beats`)
  }
  let next = addArc(outline, arc)
  beats.forEach((draft, i) => {
    next = Result.flatMap(next, (o) => addBeat(o, arc.from + i, draft, change, state))
  })
  for (const thread of threads) next = Result.flatMap(next, (o) => upsertThread(o, thread))
  return next
}

const THREAD_ID = ARC_ID

/** Adds a thread, or replaces the one with the same id. */
export const upsertThread = (outline: Outline, thread: Thread): EditResult => {
  if (!THREAD_ID.test(thread.id)) return invalid(outline, `thread id '${thread.id}' must be 1–64 characters of a-z, 0-9 and '-'`)
  if (thread.description.trim() === "") return invalid(outline, `thread '${thread.id}' needs a description`)
  if (thread.plannedPayoff !== undefined && thread.plannedPayoff < thread.plantedIn) {
    return invalid(outline, `thread '${thread.id}' is paid off (${thread.plannedPayoff}) before it is planted (${thread.plantedIn})`)
  }
  if ((thread.state === "paid") !== (thread.paidOffIn !== undefined)) {
    return invalid(outline, `thread '${thread.id}': state 'paid' goes with the episode it was paid off in, and only then`)
  }
  const exists = outline.threads.some((t) => t.id === thread.id)
  return Result.succeed({
    ...outline,
    threads: exists ? outline.threads.map((t) => (t.id === thread.id ? thread : t)) : [...outline.threads, thread],
  })
}

export const removeThread = (outline: Outline, id: string): EditResult =>
  outline.threads.some((t) => t.id === id)
    ? Result.succeed({ ...outline, threads: outline.threads.filter((t) => t.id !== id) })
    : Result.fail(new ThreadNotFound({ project: outline.project, thread: id }))

/** The thread was answered in `episode`. */
export const payThread = (outline: Outline, id: string, episode: number): EditResult => {
  const thread = outline.threads.find((t) => t.id === id)
  if (thread === undefined) return Result.fail(new ThreadNotFound({ project: outline.project, thread: id }))
  return upsertThread(outline, { ...thread, state: "paid", paidOffIn: episode })
}
