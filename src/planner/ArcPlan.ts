/**
 * What a planner is asked (`PlanRequest`) and what it answers (`PlannedArc`), and the checks every
 * plan passes before it joins the outline, whichever planner made it: no unknown or dead character
 * acting, no beat text or title the outline already has, threads that exist.
 */
import { Schema } from "effect"
import type { Bible, Character, CharacterStatus } from "../domain/Bible.ts"
import type { BeatDraft, ChangeAuthor, Outline, Thread } from "../domain/Outline.ts"
import type { Project } from "../domain/Project.ts"
import { markerIds, parseBeat } from "../templates/BeatMarkers.ts"

export interface PlanRequest {
  readonly project: Project
  readonly outline: Outline
  /** The Bible as the last committed episode left it. */
  readonly bible: Bible
  /** The new arc's first episode (right after the outline's last beat). */
  readonly from: number
  readonly arcLength: { readonly min: number; readonly max: number }
  /**
   * The titles episodes were committed under. A beat without a title lets the writer title its
   * episode, so the outline alone does not know every title a new beat must not repeat.
   */
  readonly writtenTitles?: ReadonlyArray<string> | undefined
}

/** Something the planner noticed and the operator should see (a refused beat, a fallback …). */
export interface PlannerFinding {
  readonly code: string
  readonly message: string
}

export interface PlannedArc {
  readonly title: string
  readonly goal: string
  readonly beats: ReadonlyArray<BeatDraft>
  /** Threads the arc plants, and open threads whose payoff it schedules (`plannedPayoff` set). */
  readonly threads: ReadonlyArray<Thread>
  readonly by: Extract<ChangeAuthor, "planner:offline" | "planner:llm">
  readonly findings: ReadonlyArray<PlannerFinding>
}

/** The LLM's answer for one arc (structured output). */
export const ArcAnswer = Schema.Struct({
  title: Schema.String,
  goal: Schema.String,
  beats: Schema.Array(Schema.Struct({
    title: Schema.String,
    text: Schema.String,
    characters: Schema.Array(Schema.String),
    threads: Schema.Array(Schema.String),
  })),
  /** Open threads the arc pays off: the thread id and the beat (1-based, within the arc) that pays it. */
  payoffs: Schema.Array(Schema.Struct({ thread: Schema.String, beat: Schema.Int })),
})
export type ArcAnswer = typeof ArcAnswer.Type

/**
 * Where each character will stand once every beat of the outline is written: the Bible's status,
 * then the death / return markers of the beats not yet written, in order. A character a template
 * beat kills at episode 9 is dead for an arc planned at episode 6.
 */
export const statusAfterOutline = (bible: Bible, outline: Outline): ReadonlyMap<string, CharacterStatus> => {
  const status = new Map<string, CharacterStatus>(bible.characters.map((c) => [c.id, c.status]))
  for (const beat of outline.beats) {
    if (beat.state === "written") continue
    for (const m of parseBeat(beat.text).markers) if (m._tag === "Status" && status.has(m.character)) status.set(m.character, m.status)
  }
  return status
}

const normalize = (text: string): string => parseBeat(text).text.replace(/\s+/g, " ").trim()

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Whether the text has the character as a subject (name or alias followed by 이/가/은/는/께서):
 * "한태주가 돌아온다" acts, "한태주의 무덤 앞에서" only remembers.
 */
export const actsInText = (text: string, character: Pick<Character, "name" | "aliases">): boolean =>
  [character.name, ...character.aliases]
    .filter((n) => n.trim().length >= 2)
    .some((n) => new RegExp(`${escape(n)}(?:이|가|은|는|께서)(?![가-힣])`).test(text))

/**
 * Why a planned beat may not join the outline, or undefined when it may. `taken` holds the texts
 * and titles already used (the outline's and the plan's earlier beats); `cast` lets the text be
 * read for a dead character acting without being listed.
 */
export const beatRefusal = (
  beat: BeatDraft,
  status: ReadonlyMap<string, CharacterStatus>,
  threads: ReadonlySet<string>,
  taken: { readonly texts: ReadonlySet<string>; readonly titles: ReadonlySet<string> },
  cast: ReadonlyArray<Character> = [],
): string | undefined => {
  const parsed = parseBeat(beat.text)
  if (parsed.text === "") return "its text is empty"
  if (parsed.malformed.length > 0) return `its markers cannot be read: ${parsed.malformed.join(", ")}`
  const deadActing = cast.find((c) => status.get(c.id) === "dead" && actsInText(parsed.text, c))
  if (deadActing !== undefined) return `its text has '${deadActing.id}' (${deadActing.name}) act, who is dead`
  const acting = [...(beat.characters ?? []), ...markerIds(parsed.markers.filter((m) => m._tag === "Relation"))]
  for (const id of acting) {
    const s = status.get(id)
    if (s === undefined) return `it names '${id}', who is no character of the Bible`
    if (s === "dead") return `it has '${id}' act, who is dead`
  }
  for (const m of parsed.markers) if (m._tag === "Status" && !status.has(m.character)) return `its marker names '${m.character}', who is no character of the Bible`
  const unknownThread = (beat.threads ?? []).find((t) => !threads.has(t))
  if (unknownThread !== undefined) return `it moves thread '${unknownThread}', which the outline does not have`
  if (taken.texts.has(normalize(beat.text))) return "its text repeats a beat of the outline"
  if (beat.title !== undefined && taken.titles.has(beat.title.trim())) return `its title '${beat.title}' repeats an episode's title`
  return undefined
}

/** The texts and titles an outline already uses (normalized), for `beatRefusal`. */
export const takenOf = (outline: Outline, writtenTitles: ReadonlyArray<string> = []): { texts: Set<string>; titles: Set<string> } => ({
  texts: new Set(outline.beats.map((b) => normalize(b.text))),
  titles: new Set([...outline.beats.flatMap((b) => (b.title === undefined ? [] : [b.title.trim()])), ...writtenTitles.map((t) => t.trim())]),
})

export const rememberBeat = (taken: { texts: Set<string>; titles: Set<string> }, beat: BeatDraft): void => {
  taken.texts.add(normalize(beat.text))
  if (beat.title !== undefined) taken.titles.add(beat.title.trim())
}
