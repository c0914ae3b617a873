/**
 * The writer's brief for one draft, from the project and the Bible as the previous episode left it.
 */
import type { Bible, Character, Relation } from "../domain/Bible.ts"
import { bibleAsOf } from "../story/BibleTime.ts"
import type { WriterBrief } from "../domain/Brief.ts"
import type { Episode, GuardFinding } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import { type BeatMarker, parseBeat } from "../templates/BeatMarkers.ts"
import { beatIndex } from "../domain/Outline.ts"

export interface BeatOf {
  /** Index into `project.beats`. */
  readonly index: number
  /** The outline entry as written, markers included. */
  readonly raw: string
  /** The beat without markers: what the writer sees. */
  readonly text: string
  /** Empty when the beat is a repeat (`cycled`): a declared death happens once. */
  readonly markers: ReadonlyArray<BeatMarker>
  /** true past the end of the outline, where the last third of the beats repeats. */
  readonly cycled: boolean
}

export const beatOf = (beats: ReadonlyArray<string>, episode: number): BeatOf | null => {
  const index = beatIndex(beats.length, episode)
  if (index < 0) return null
  const raw = beats[index]
  const parsed = parseBeat(raw)
  const cycled = episode > beats.length
  return { index, raw, text: parsed.text, markers: cycled ? [] : parsed.markers, cycled }
}

/** Main cast: a role that *is* the lead (`주인공`, `여주인공`, `protagonist`, `main` …), not `주인공의 호위`. */
export const isMainRole = (role: string): boolean =>
  /^(주인공|남주인공|여주인공|남자 주인공|여자 주인공|protagonist|main character|lead)(\s*$|\s*[,(/]|\s+\d)/i.test(role.trim())

/** Names and aliases (two characters or longer) by which a character can be found in a text. */
export const namesOf = (c: Character): ReadonlyArray<string> =>
  [c.name, ...c.aliases].map((n) => n.trim()).filter((n) => n.length >= 2)

export const mentions = (text: string, c: Character): boolean => namesOf(c).some((n) => text.includes(n))

export interface BuildBriefInput {
  readonly project: Project
  /** The Bible as the previous episode left it (`bibleAsOf(bible, episode - 1)`). */
  readonly bible: Bible
  readonly episode: number
  readonly previous: Episode | null
  /**
   * The episode's beat from the outline (markers included) and the next one's, as the planner hands
   * them out; without it, the project's template beats (which repeat their last third past the end).
   */
  readonly beat?: { readonly raw: string; readonly next: string | null; readonly title?: string | null }
  /** The last few committed episodes, newest last (default: `previous` alone), for the story so far. */
  readonly recent?: ReadonlyArray<Pick<Episode, "number" | "title" | "summary">>
  /** 1 for the first draft. */
  readonly draft: number
  readonly findingsToFix: ReadonlyArray<GuardFinding>
  readonly promptAdditions: ReadonlyArray<string>
}

/**
 * The brief: the episode's beat (markers stripped) and the next one; the cast is the main cast, the
 * characters the beat names and those the previous summary names (so the recap names no stranger),
 * each with status and traits; all places; the relations among the cast; the world rules.
 */
export const buildBrief = (input: BuildBriefInput): WriterBrief => {
  const { project, bible, episode, previous } = input
  const planned = input.beat
  const beatText = planned !== undefined ? parseBeat(planned.raw).text : beatOf(project.beats, episode)?.text ?? ""
  const nextText = planned !== undefined
    ? (planned.next === null ? null : parseBeat(planned.next).text)
    : beatOf(project.beats, episode + 1)?.text ?? null
  const summary = previous?.summary ?? null

  const chosen = new Set<string>()
  const cast: Array<Character> = []
  const add = (c: Character) => {
    if (!chosen.has(c.id)) {
      chosen.add(c.id)
      cast.push(c)
    }
  }
  const mains = bible.characters.filter((c) => isMainRole(c.role))
  for (const c of mains.length > 0 ? mains : bible.characters.slice(0, 1)) add(c)
  for (const c of bible.characters) if (mentions(beatText, c)) add(c)
  if (summary !== null) for (const c of bible.characters) if (mentions(summary, c)) add(c)
  // Whoever the last few episodes' events involved (characters the text introduced among them) and is not dead.
  const byId = new Map(bible.characters.map((c) => [c.id, c]))
  for (const e of bible.events) {
    if (e.episode < episode - RECENT_CAST_EPISODES) continue
    for (const id of e.characters) {
      const c = byId.get(id)
      if (c !== undefined && c.status !== "dead") add(c)
    }
  }

  const relations = bible.relations.filter((r) => chosen.has(r.from) && chosen.has(r.to))

  return {
    project: project.slug,
    projectTitle: project.title,
    genre: project.genre,
    language: project.language,
    episode,
    seed: project.seed,
    draft: input.draft,
    premise: project.premise,
    tone: project.tone,
    styleRules: [...project.styleRules],
    bannedWords: [...project.bannedWords],
    beat: beatText,
    episodeTitle: planned?.title ?? null,
    nextBeat: nextText,
    previousSummary: summary,
    storySoFar: storySoFar(bible, input.recent ?? (previous === null ? [] : [previous])),
    deadCharacters: deadCharacters(bible),
    cast,
    places: [...bible.places],
    relations,
    worldRules: [...bible.worldRules],
    lengthBand: project.lengthBand,
    findingsToFix: [...input.findingsToFix],
    promptAdditions: [...input.promptAdditions],
    standing: standingBible(bible, episode),
  }
}

/** Episodes that share one standing Bible in the writer's prompt (a prompt-cache prefix). */
export const STANDING_BIBLE_BLOCK = 10

/** The Bible as the episode before this one's block left it; relations ended since are left out. */
export const standingBible = (bible: Bible, episode: number): NonNullable<WriterBrief["standing"]> => {
  const asOfEpisode = Math.floor((episode - 1) / STANDING_BIBLE_BLOCK) * STANDING_BIBLE_BLOCK
  const then = bibleAsOf(bible, asOfEpisode)
  const stillHolds = (r: Relation) => bible.relations.some((now) => now.from === r.from && now.to === r.to && now.type === r.type && now.until === undefined)
  return { asOfEpisode, characters: then.characters, places: then.places, relations: then.relations.filter(stillHolds) }
}

/** How far back (in episodes) the events' characters join the cast. */
const RECENT_CAST_EPISODES = 3

/**
 * What the brief spends on the story before the recent episodes, in characters (~1,500 tokens of
 * Korean): the newest of those episodes are kept, the oldest dropped first.
 */
export const STORY_SO_FAR_BUDGET = 3_000

/** The older episodes, one line each from the Bible's events, newest kept within the budget; then the recent summaries. */
export const storySoFar = (
  bible: Bible,
  recent: ReadonlyArray<Pick<Episode, "number" | "title" | "summary">>,
): WriterBrief["storySoFar"] => {
  const firstRecent = recent.length > 0 ? recent[0]!.number : Number.POSITIVE_INFINITY
  const byEpisode = new Map<number, Array<string>>()
  for (const e of bible.events) {
    if (e.episode < 1 || e.episode >= firstRecent || e.description.trim() === "") continue
    const lines = byEpisode.get(e.episode) ?? []
    if (!lines.includes(e.description)) lines.push(e.description)
    byEpisode.set(e.episode, lines)
  }
  const older: Array<WriterBrief["storySoFar"][number]> = []
  let spent = 0
  for (const n of [...byEpisode.keys()].sort((a, b) => b - a)) {
    const summary = byEpisode.get(n)!.join(" ")
    if (spent + summary.length > STORY_SO_FAR_BUDGET) break
    spent += summary.length
    older.unshift({ episode: n, title: "", summary })
  }
  return [...older, ...recent.map((e) => ({ episode: e.number, title: e.title, summary: e.summary }))]
}

/** Every dead character, with what the text said of the death and when. */
export const deadCharacters = (bible: Bible): WriterBrief["deadCharacters"] =>
  bible.characters
    .filter((c) => c.status === "dead")
    .map((c) => {
      const record = (bible.statusHistory ?? []).findLast((r) => r.character === c.id && r.status === "dead")
      return { name: c.name, note: record?.note ?? c.statusNote ?? "", episode: record?.episode ?? c.firstEpisode }
    })
