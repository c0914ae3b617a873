/**
 * The Bible in story time. Every fact carries the episode it holds from (`firstEpisode`, `since`,
 * `episode`, `validFrom`) and, once superseded, until (`until`, `validTo`, a later status record).
 *
 * - `mergeBibleChanges` is how a commit changes the Bible — the one definition both stores follow
 *   (their rows merge the same way) and the SQLite store's kept Bible is merged with.
 * - `bibleAsOf` is the Bible as the given episode left it: the writer of episode n reads
 *   `bibleAsOf(bible, n - 1)`, so no fact of a later episode ever reaches it.
 */
import type { Bible, BibleChanges, Character, Fact, Relation, StatusRecord, StoryEvent } from "../domain/Bible.ts"

const relationKey = (r: Pick<Relation, "from" | "to" | "type">) => `${r.from}\u0000${r.to}\u0000${r.type}`

/**
 * The Bible after committing `changes` as episode `episode`. Idempotent: merging the same episode's
 * changes again replaces that episode's events, status records and facts instead of adding them twice
 * (a store commits an episode once, so appending and replacing agree there).
 *
 * - a status change becomes a status record and the character's current status (unknown ids are
 *   ignored); the first change of a character records the status it had before, from its first episode;
 * - new characters and places are added unless their id is known;
 * - a new relation is added unless (from, to, type) holds already; an ended one gets `until`;
 * - events and facts are appended, in episode order.
 */
export const mergeBibleChanges = (bible: Bible, changes: BibleChanges, episode: number): Bible => {
  const characters: Array<Character> = [...bible.characters]
  const ids = new Set(characters.map((c) => c.id))
  for (const c of changes.newCharacters ?? []) {
    if (ids.has(c.id)) continue
    ids.add(c.id)
    characters.push({ ...c, firstEpisode: episode })
  }

  const history: Array<StatusRecord> = (bible.statusHistory ?? []).filter((r) => r.episode !== episode)
  const current = new Map(characters.map((c, i) => [c.id, i]))
  for (const s of changes.statusChanges) {
    const at = current.get(s.character)
    if (at === undefined) continue
    const c = characters[at]!
    if (!history.some((r) => r.character === c.id)) history.push(initialRecord(c))
    history.push({
      character: c.id,
      status: s.status,
      episode,
      ...(s.note === undefined ? {} : { note: s.note }),
      ...(s.evidence === undefined ? {} : { evidence: s.evidence }),
    })
    const { statusNote: _, ...rest } = c
    characters[at] = { ...rest, status: s.status, ...(s.note === undefined ? {} : { statusNote: s.note }) }
  }
  history.sort((a, b) => a.episode - b.episode)

  const placeIds = new Set(bible.places.map((p) => p.id))
  const places = [...bible.places]
  for (const p of changes.newPlaces ?? []) {
    if (placeIds.has(p.id)) continue
    placeIds.add(p.id)
    places.push({ ...p, firstEpisode: episode })
  }

  // One entry per (from, to, type): a relation formed again after it ended holds anew from then on.
  const ended = new Set((changes.endedRelations ?? []).map(relationKey))
  const relations: Array<Relation> = bible.relations.map((r) =>
    r.until === undefined && ended.has(relationKey(r)) ? { ...r, until: episode } : r
  )
  const at = new Map(relations.map((r, i) => [relationKey(r), i]))
  for (const r of changes.newRelations) {
    const key = relationKey(r)
    const i = at.get(key)
    if (i === undefined) {
      at.set(key, relations.length)
      relations.push({ from: r.from, to: r.to, type: r.type, since: r.since })
    } else if (relations[i]!.until !== undefined) {
      relations[i] = { from: r.from, to: r.to, type: r.type, since: r.since }
    }
  }

  const events: Array<StoryEvent> = [
    ...bible.events.filter((e) => e.episode !== episode),
    ...changes.events,
  ].sort((a, b) => a.episode - b.episode)
  const facts: Array<Fact> = [
    ...(bible.facts ?? []).filter((f) => f.validFrom !== episode),
    ...(changes.facts ?? []).map((f) => ({ ...f, validFrom: episode })),
  ].sort((a, b) => a.validFrom - b.validFrom)

  return {
    ...bible,
    characters,
    places,
    relations,
    events,
    ...(history.length > 0 || bible.statusHistory !== undefined ? { statusHistory: history } : {}),
    ...(facts.length > 0 || bible.facts !== undefined ? { facts } : {}),
  }
}

/**
 * What a character's status was before the text first changed it (its current status, while no record
 * exists), from its first episode: `bibleAsOf` an earlier episode then finds it.
 */
export const initialRecord = (c: Character): StatusRecord => ({ character: c.id, status: c.status, episode: c.firstEpisode })

/**
 * The Bible as episode `episode` left it: characters, places, relations, events and facts of later
 * episodes are left out, each character's status is the last record up to that episode, and a relation
 * or fact superseded only later still holds. `bibleAsOf(b, last committed)` is `b` itself.
 */
export const bibleAsOf = (bible: Bible, episode: number): Bible => {
  const history = (bible.statusHistory ?? []).filter((r) => r.episode <= episode)
  const latest = new Map<string, StatusRecord>()
  for (const r of history) latest.set(r.character, r)
  const characters = bible.characters
    .filter((c) => c.firstEpisode <= episode)
    .map((c): Character => {
      const r = latest.get(c.id)
      if (r === undefined) return c
      const { statusNote: _, ...rest } = c
      return { ...rest, status: r.status, ...(r.note === undefined ? {} : { statusNote: r.note }) }
    })
  const relations = bible.relations
    .filter((r) => r.since <= episode && (r.until === undefined || r.until > episode))
    .map((r): Relation => (r.until === undefined ? r : { from: r.from, to: r.to, type: r.type, since: r.since }))
  const facts = (bible.facts ?? [])
    .filter((f) => f.validFrom <= episode && (f.validTo === undefined || f.validTo > episode))
    .map((f): Fact => {
      if (f.validTo === undefined) return f
      const { validTo: _, ...rest } = f
      return rest
    })
  return {
    ...bible,
    characters,
    places: bible.places.filter((p) => p.firstEpisode === undefined || p.firstEpisode <= episode),
    relations,
    events: bible.events.filter((e) => e.episode <= episode),
    ...(bible.statusHistory === undefined ? {} : { statusHistory: history }),
    ...(bible.facts === undefined ? {} : { facts }),
  }
}
