/**
 * The $0 analyst: what an episode's final text changes in the Bible, read by rules — new people and
 * places, deaths, injuries, disappearances and captures, relations formed or broken, what befalls
 * the things of the story, the appearances of the cast, and the few sentences that carry the plot. Pure and deterministic; it
 * also runs as the pre-pass of the LLM analyst.
 *
 * Every delta quotes the text (`text.slice(start, end) === evidence.text`) and names only
 * characters of the Bible or ones this same analysis introduces (`characterIdOf(name)`).
 */
import { Data } from "effect"
import type { Bible, CharacterStatus, FactEvidence } from "../domain/Bible.ts"
import {
  type Appeared, type BibleDelta, type CharacterIntroduced, characterIdOf, type EpisodeAnalysis, type EventHappened, type FactNoted,
  type PlaceIntroduced,
  placeIdOf, type RelationChanged, type StatusChanged,
} from "../domain/Analysis.ts"
import { chooseEvents } from "./Events.ts"
import { findFacts } from "./Facts.ts"
import { findIntroductions } from "./Introductions.ts"
import { buildNameIndex, mentionsIn, type Named } from "./NameIndex.ts"
import { readCast, readNarration, sentenceAt } from "./Narration.ts"
import { findPhrases } from "./Phrases.ts"
import { findRelationChanges } from "./Relations.ts"
import { findStatusChanges } from "./StatusChanges.ts"

/** The analyst was handed something it cannot analyse; `message` says what. */
export class InvalidAnalysisInput extends Data.TaggedError("InvalidAnalysisInput")<{ readonly message: string }> {}

export interface OfflineAnalysisInput {
  /** The episode's final text (Markdown). */
  readonly text: string
  /** The Bible as the previous episode left it. */
  readonly bible: Bible
  readonly episode: number
}

const evidenceOf = (text: string, start: number, end: number): FactEvidence => ({ start, end, text: text.slice(start, end) })

const compact = (s: string): string => s.replace(/\s+/g, " ").trim()

/** `make()`, computed the first time it is asked for (most episodes need no index of factions or items). */
const once = <A>(make: () => A): () => A => {
  let value: A | undefined
  return () => (value ??= make())
}

/** @throws InvalidAnalysisInput when `episode` is not a whole number ≥ 0 or `text` is not a string. */
export const analyzeOffline = (input: OfflineAnalysisInput): EpisodeAnalysis => {
  const { text, bible, episode } = input
  if (!Number.isInteger(episode) || episode < 0) {
    throw new InvalidAnalysisInput({ message: `episode must be a whole number ≥ 0, got ${String(episode)}` })
  }
  if (typeof text !== "string") throw new InvalidAnalysisInput({ message: `text must be a string, got ${typeof text}` })
  const bibleIds = new Set([...bible.characters, ...bible.places, ...bible.factions, ...bible.items].map((x) => x.id))

  // introductions first: the rest of the analysis may then name the newcomers
  const narration = readNarration(text)
  const phrases = findPhrases(narration.words)
  const bibleCast = buildNameIndex(bible.characters)
  const found = findIntroductions(narration, {
    characters: bibleCast,
    others: once(() => buildNameIndex([...bible.factions, ...bible.items, ...bible.places])),
    places: new Set(bible.places.map((p) => p.name.replace(/\s+/g, ""))),
  }, phrases)
  const people = found.people.filter((p) => !bibleIds.has(characterIdOf(p.name)))
  const places = found.places.filter((p) => !bibleIds.has(placeIdOf(p.name)) && !people.some((x) => x.name === p.name))
  const newcomers: Array<Named> = people.map((p) => ({ id: characterIdOf(p.name), name: p.name, aliases: p.aliases }))

  const cast = newcomers.length === 0 ? bibleCast : buildNameIndex([...bible.characters, ...newcomers])
  const status = new Map<string, CharacterStatus>(bible.characters.map((c) => [c.id, c.status]))
  for (const p of newcomers) status.set(p.id, "alive")
  const mentions = mentionsIn(text, cast)
  const n = readCast(narration, mentions)

  const sentenceEvidence = (i: number): FactEvidence => evidenceOf(text, n.sentences[i]!.start, n.sentences[i]!.end)
  const anySentenceEvidence = (at: number, fallbackEnd: number): FactEvidence => {
    const k = sentenceAt(n.all, at)
    return k < 0 ? evidenceOf(text, at, fallbackEnd) : evidenceOf(text, n.all[k]!.start, n.all[k]!.end)
  }

  const introduced: Array<CharacterIntroduced> = people.map((p) => ({
    _tag: "CharacterIntroduced",
    id: characterIdOf(p.name),
    name: p.name,
    aliases: p.aliases,
    role: p.role,
    evidence: anySentenceEvidence(p.start, p.end),
  }))
  const newPlaces: Array<PlaceIntroduced> = places.map((p) => ({
    _tag: "PlaceIntroduced",
    id: placeIdOf(p.name),
    name: p.name,
    description: p.description,
    evidence: anySentenceEvidence(p.start, p.end),
  }))

  const statusChanges = findStatusChanges(n, cast, (id) => status.get(id), phrases)
  const statusDeltas: Array<StatusChanged> = statusChanges.map((s) => ({
    _tag: "StatusChanged",
    character: s.character,
    status: s.status,
    note: s.note,
    evidence: sentenceEvidence(s.sentence),
  }))

  const items = once(() => buildNameIndex(bible.items))
  const relationChanges = findRelationChanges(n, {
    cast,
    factions: once(() => buildNameIndex(bible.factions)),
    items,
    holding: bible.relations.filter((r) => r.until === undefined),
  }, phrases)
  const relationDeltas: Array<RelationChanged> = relationChanges.map((r) => ({
    _tag: "RelationChanged",
    from: r.from,
    to: r.to,
    type: r.type,
    change: r.change,
    evidence: sentenceEvidence(r.sentence),
  }))

  const facts = findFacts(n, cast, items, phrases)
  const factDeltas: Array<FactNoted> = facts.map((f) => ({
    _tag: "FactNoted",
    text: f.text,
    subjects: f.subjects,
    evidence: sentenceEvidence(f.sentence),
  }))

  // the sentences that carry a delta come first among the events
  const carried = new Map<number, ReadonlyArray<string>>()
  const carry = (i: number, ids: ReadonlyArray<string>) => {
    if (i >= 0) carried.set(i, [...new Set([...(carried.get(i) ?? []), ...ids])])
  }
  for (const s of statusChanges) carry(s.sentence, [s.character])
  for (const p of people) carry(sentenceAt(n.sentences, p.start), [characterIdOf(p.name)])
  for (const p of places) carry(sentenceAt(n.sentences, p.start), [])
  for (const r of relationChanges) carry(r.sentence, [r.from, r.to].filter((id) => status.has(id)))
  for (const f of facts) carry(f.sentence, f.subjects.filter((id) => status.has(id)))

  const placeIndex = once(() => buildNameIndex([...bible.places, ...places.map((p) => ({ id: placeIdOf(p.name), name: p.name }))]))
  const events: Array<EventHappened> = chooseEvents(n, carried).map((e) => {
    const s = n.sentences[e.sentence]!
    const place = mentionsIn(text.slice(s.start, s.end), placeIndex())[0]?.id
    const event: EventHappened = {
      _tag: "EventHappened",
      description: compact(text.slice(s.start, s.end)),
      characters: e.characters,
      evidence: sentenceEvidence(e.sentence),
    }
    return place === undefined ? event : { ...event, place }
  })

  // appearances: every living character the text names, at its first mention
  const appeared: Array<Appeared> = []
  const seen = new Set<string>()
  for (const m of mentions) {
    if (seen.has(m.id)) continue
    seen.add(m.id)
    if (status.get(m.id) === "dead") continue
    appeared.push({ _tag: "Appeared", character: m.id, evidence: evidenceOf(text, m.start, m.end) })
  }

  const deltas: Array<BibleDelta> = [...introduced, ...newPlaces, ...statusDeltas, ...relationDeltas, ...factDeltas, ...events, ...appeared]
  return { episode, deltas, findings: [], analyst: "offline" }
}
