/**
 * What an accepted episode changes in the Bible: who appeared, one event for its beat, and the status
 * changes and relations its beat declares with markers (see `templates/BeatMarkers.ts`).
 */
import type { EpisodeAnalysis } from "../domain/Analysis.ts"
import type { Bible, BibleChanges, Character, CharacterStatus, Fact, FactEvidence, Place, Relation, StoryEvent } from "../domain/Bible.ts"
import type { GuardFinding } from "../domain/Episode.ts"
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

export interface AnalysedChanges {
  readonly changes: BibleChanges
  /** Deltas dropped because they name nobody the Bible knows or the analysis introduced. */
  readonly findings: ReadonlyArray<GuardFinding>
}

/**
 * The Bible changes of an episode: what its beat declares (`extractBibleChanges`: appearances, the
 * beat's event, markers) joined with what the analyst read in its final text. Only ids the Bible
 * knows or the analysis itself introduces are kept — an analyst never invents a character — and a
 * change the Bible already holds (same status and note, a relation that holds) is not repeated.
 */
export const changesFromAnalysis = (input: ExtractInput & { readonly analysis: EpisodeAnalysis }): AnalysedChanges => {
  const { bible, episode, analysis } = input
  const declared = extractBibleChanges(input)
  const findings: Array<GuardFinding> = []
  const drop = (what: string, id: string, evidence?: FactEvidence) =>
    findings.push({
      code: "analyst.unknown-id",
      category: "factual-detail",
      severity: "warning",
      message: `the analyst's ${what} names '${id}', whom neither the Bible nor this episode introduced: dropped`,
      ...(evidence === undefined ? {} : { evidence }),
    })

  const knownNames = new Set(bible.characters.flatMap((c) => [c.id, c.name, ...c.aliases]))
  const newCharacters: Array<Character> = []
  for (const d of analysis.deltas) {
    if (d._tag !== "CharacterIntroduced" || knownNames.has(d.id) || knownNames.has(d.name)) continue
    knownNames.add(d.id)
    knownNames.add(d.name)
    newCharacters.push({ id: d.id, name: d.name, aliases: [...d.aliases], role: d.role, status: "alive", traits: [], firstEpisode: episode })
  }
  const characters = new Map([...bible.characters, ...newCharacters].map((c) => [c.id, c]))
  const placeNames = new Set(bible.places.flatMap((p) => [p.id, p.name]))
  const newPlaces: Array<Place> = []
  for (const d of analysis.deltas) {
    if (d._tag !== "PlaceIntroduced" || placeNames.has(d.id) || placeNames.has(d.name)) continue
    placeNames.add(d.id)
    placeNames.add(d.name)
    newPlaces.push({ id: d.id, name: d.name, description: d.description, firstEpisode: episode })
  }
  const entityIds = new Set([
    ...characters.keys(),
    ...bible.places.map((p) => p.id),
    ...newPlaces.map((p) => p.id),
    ...bible.factions.map((f) => f.id),
    ...bible.items.map((i) => i.id),
  ])

  const appearances = new Set(declared.appearances)
  for (const c of newCharacters) appearances.add(c.id)
  for (const d of analysis.deltas) {
    if (d._tag !== "Appeared") continue
    const c = characters.get(d.character)
    if (c === undefined) drop("appearance", d.character, d.evidence)
    else if (c.status !== "dead") appearances.add(c.id)
  }

  // The text's own account of a status wins over the beat's marker for the same character.
  const statusChanges = new Map<string, BibleChanges["statusChanges"][number]>()
  for (const s of declared.statusChanges) statusChanges.set(s.character, s)
  for (const d of analysis.deltas) {
    if (d._tag !== "StatusChanged") continue
    const c = characters.get(d.character)
    if (c === undefined) {
      drop("status change", d.character, d.evidence)
      continue
    }
    if (c.status === d.status && (c.statusNote ?? "") === d.note) continue
    statusChanges.set(c.id, { character: c.id, status: d.status, note: d.note, evidence: d.evidence })
  }

  const holds = (r: Pick<Relation, "from" | "to" | "type">) =>
    bible.relations.some((x) => x.from === r.from && x.to === r.to && x.type === r.type && x.until === undefined)
  const newRelations: Array<Relation> = [...declared.newRelations]
  const endedRelations: Array<Relation> = []
  for (const d of analysis.deltas) {
    if (d._tag !== "RelationChanged") continue
    const unknown = [d.from, d.to].find((id) => !entityIds.has(id))
    if (unknown !== undefined) {
      drop("relation", unknown, d.evidence)
      continue
    }
    const r: Relation = { from: d.from, to: d.to, type: d.type, since: episode }
    const listed = (list: ReadonlyArray<Relation>) => list.some((x) => x.from === r.from && x.to === r.to && x.type === r.type)
    if (d.change === "formed" && !holds(r) && !listed(newRelations)) newRelations.push(r)
    if (d.change === "broken" && holds(r) && !listed(endedRelations)) endedRelations.push(r)
  }

  const events: Array<StoryEvent> = [...declared.events]
  for (const d of analysis.deltas) {
    if (d._tag !== "EventHappened") continue
    const who = d.characters.filter((id) => characters.has(id))
    const place = d.place !== undefined && entityIds.has(d.place) ? d.place : undefined
    events.push({ episode, description: d.description, characters: who, ...(place === undefined ? {} : { place }) })
  }
  const facts: Array<Fact> = analysis.deltas.flatMap((d): Array<Fact> =>
    d._tag === "FactNoted"
      ? [{ text: d.text, subjects: d.subjects.filter((id) => entityIds.has(id)), validFrom: episode, evidence: d.evidence }]
      : []
  )

  return {
    changes: {
      appearances: [...appearances],
      events,
      statusChanges: [...statusChanges.values()],
      newRelations,
      newCharacters,
      newPlaces,
      endedRelations,
      facts,
    },
    findings,
  }
}
