/**
 * What an accepted episode changes in the Bible: who appeared, one event for its beat, and the status
 * changes and relations its beat declares with markers (see `templates/BeatMarkers.ts`).
 */
import type { Bible, BibleChanges, CharacterStatus, Relation, StoryEvent } from "../domain/Bible.ts"
import type { Project } from "../domain/Project.ts"
import { parseBeat } from "../templates/BeatMarkers.ts"
import { beatOf, mentions } from "./Brief.ts"

export interface ExtractInput {
  /** The episode's text (Markdown). */
  readonly text: string
  /** The Bible as the previous episode left it. */
  readonly bible: Bible
  readonly episode: number
  /**
   * The episode's beat. Pass the raw outline entry (`beatOf(...).raw`) for its markers to count, or
   * the stripped text when the beat is a repeat (`beatOf(...).cycled`): markers in it would be ignored
   * anyway when they change nothing.
   */
  readonly beat: string
  /**
   * The project, when at hand: its outline then supplies the beat's markers even if `beat` is the
   * stripped text the writer saw (`brief.beat`). Repeated beats past the outline's end declare nothing.
   */
  readonly project?: Pick<Project, "beats">
}

const firstIndex = (text: string, names: ReadonlyArray<string>): number => {
  let best = -1
  for (const n of names) {
    const i = text.indexOf(n)
    if (i >= 0 && (best < 0 || i < best)) best = i
  }
  return best
}

export const extractBibleChanges = (input: ExtractInput): BibleChanges => {
  const { text, bible, episode } = input
  const given = parseBeat(input.beat)
  const outline = input.project !== undefined ? beatOf(input.project.beats, episode) : null
  const beat = given.markers.length > 0 || outline === null
    ? given
    : { text: given.text.length > 0 ? given.text : outline.text, markers: outline.markers, malformed: [] }

  // A character appears when any name or alias occurs; a character already dead is only remembered.
  const appearances = bible.characters
    .filter((c) => c.status !== "dead" && mentions(text, c))
    .map((c) => c.id)

  // The place of the event: the first one the beat names, else the first one the text names.
  let place: string | undefined
  const inBeat = bible.places
    .map((p) => ({ id: p.id, at: firstIndex(beat.text, [p.name]) }))
    .filter((p) => p.at >= 0)
    .sort((a, b) => a.at - b.at)
  if (inBeat.length > 0) place = inBeat[0].id
  else {
    const inText = bible.places
      .map((p) => ({ id: p.id, at: firstIndex(text, [p.name]) }))
      .filter((p) => p.at >= 0)
      .sort((a, b) => a.at - b.at)
    if (inText.length > 0) place = inText[0].id
  }

  const event: StoryEvent = place === undefined
    ? { episode, description: beat.text, characters: appearances }
    : { episode, description: beat.text, characters: appearances, place }

  const byId = new Map(bible.characters.map((c) => [c.id, c]))
  const statusChanges: Array<{ character: string; status: CharacterStatus }> = []
  const newRelations: Array<Relation> = []
  const known = new Set<string>([
    ...bible.characters.map((c) => c.id),
    ...bible.places.map((p) => p.id),
    ...bible.factions.map((f) => f.id),
    ...bible.items.map((i) => i.id),
  ])
  for (const m of beat.markers) {
    if (m._tag === "Status") {
      const c = byId.get(m.character)
      if (c !== undefined && c.status !== m.status && !statusChanges.some((s) => s.character === m.character)) {
        statusChanges.push({ character: m.character, status: m.status })
      }
    } else if (known.has(m.from) && known.has(m.to)) {
      const exists = bible.relations.some((r) => r.from === m.from && r.to === m.to && r.type === m.type) ||
        newRelations.some((r) => r.from === m.from && r.to === m.to && r.type === m.type)
      if (!exists) newRelations.push({ from: m.from, to: m.to, type: m.type, since: episode })
    }
  }

  return { appearances, events: [event], statusChanges, newRelations }
}

/**
 * The Bible after merging changes (idempotent: merging the same changes twice changes nothing).
 * Stores may use it, or merge in their own transaction the same way.
 */
export const applyBibleChanges = (bible: Bible, changes: BibleChanges): Bible => {
  const status = new Map(changes.statusChanges.map((s) => [s.character, s.status]))
  const events = [
    ...bible.events.filter((e) => !changes.events.some((n) => n.episode === e.episode)),
    ...changes.events,
  ].sort((a, b) => a.episode - b.episode)
  const relations = [...bible.relations]
  for (const r of changes.newRelations) {
    if (!relations.some((x) => x.from === r.from && x.to === r.to && x.type === r.type)) relations.push(r)
  }
  return {
    ...bible,
    characters: bible.characters.map((c) => {
      const s = status.get(c.id)
      return s === undefined || s === c.status ? c : { ...c, status: s }
    }),
    relations,
    events,
  }
}
