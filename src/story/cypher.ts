/**
 * All the Cypher of `Neo4jStoryStore`, and the pure parts around it: parameter building
 * (domain → Cypher parameters) and record mapping (node properties → domain). Kept free of
 * any driver connection so it is unit-tested without a server.
 *
 * Graph model (Neo4j 5+; Community edition is enough: uniqueness constraints, no node keys):
 *
 *   (:Project {slug, title, genre, language, seed, premise, tone, styleRules, bannedWords,
 *              lengthMin, lengthMax, beats, createdAt, worldRules, relSeq, eventSeq})
 *   (:BibleNode:Character {uid, project, id, ord, name, aliases, role, status, traits,
 *              firstEpisode, provisional, lastSeen})
 *   (:BibleNode:Place | :BibleNode:Faction | :BibleNode:Item {uid, project, id, ord, name, description})
 *   (:Event {uid, project, seq, episode, description, characters, place})
 *   (:Episode {uid, project, number, title, body, summary, charCount, findings (JSON), reward,
 *              drafts, committedAt, commitId})
 *   (:Provisional {uid, project, episode, draft, stagedAt, changes (JSON)})   a draft's facts
 *
 *   (:Project)-[:HAS]->(:BibleNode | :Event),  (:Project)-[:HAS_EPISODE]->(:Episode)
 *   (:Project)-[:HAS_PROVISIONAL]->(:Provisional)
 *   (:BibleNode)-[:KNOWS | LOVES | HATES | MEMBER_OF | LOCATED_IN | OWNS | RIVAL_OF | SERVES {since, ord}]->(:BibleNode)
 *   (:Event)-[:INVOLVES]->(:Character),  (:Event)-[:AT]->(:Place)
 *   (:Character)-[:APPEARS_IN]->(:Episode)
 *
 * Keys: `uid` is `<slug>/<id>` for Bible nodes (ids are unique across kinds within a project:
 * relations name their ends by id alone), `<slug>/<number>` for episodes, `<slug>/e<seq>` for
 * events; each label has a uniqueness constraint on it, and `Project.slug` is unique. A
 * relation to an id the Bible does not (yet) know gets a bare `:BibleNode` stub as its end, so
 * no relation is lost (the SQLite store keeps such relations too).
 *
 * Commit protocol (one write transaction, see `Neo4jStoryStore`): check the project, then
 * `MERGE` the episode by its uid with `ON CREATE SET commitId = <nonce>`; only if the returned
 * commitId is ours was it created by this transaction, and only then are the Bible changes
 * applied. The uniqueness constraint makes concurrent MERGEs of one uid serialise, so a
 * redelivered or concurrent second commit is a no-op.
 *
 * Integers are sent as Neo4j integers (`neo4j.int`): a JS number would be stored as a float
 * (1 → 1.0). The driver is opened with `disableLosslessIntegers`, so they come back as numbers.
 */
import neo4j, { type Integer } from "neo4j-driver"
import type { Bible, BibleChanges, Character, ProvisionalFacts, Relation, RelationType, StoryEvent } from "../domain/Bible.ts"
import type { Episode, GuardFinding } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import type { EpisodeSummary } from "./StoryStore.ts"

export interface Statement {
  readonly query: string
  readonly params: Record<string, unknown>
}

export const RELATION_TYPES: ReadonlyArray<RelationType> = ["KNOWS", "LOVES", "HATES", "MEMBER_OF", "LOCATED_IN", "OWNS", "RIVAL_OF", "SERVES"]

export const ENTITY_LABELS = { places: "Place", factions: "Faction", items: "Item" } as const

const int = (n: number): Integer => neo4j.int(n)

export const bibleUid = (slug: string, id: string): string => `${slug}/${id}`
export const episodeUid = (slug: string, number: number): string => `${slug}/${number}`
export const eventUid = (slug: string, seq: number): string => `${slug}/e${seq}`

// ---------------------------------------------------------------------------------------------
// Schema

export const CONSTRAINTS: ReadonlyArray<string> = [
  "CREATE CONSTRAINT nf_project_slug IF NOT EXISTS FOR (p:Project) REQUIRE p.slug IS UNIQUE",
  "CREATE CONSTRAINT nf_bible_uid IF NOT EXISTS FOR (n:BibleNode) REQUIRE n.uid IS UNIQUE",
  "CREATE CONSTRAINT nf_episode_uid IF NOT EXISTS FOR (e:Episode) REQUIRE e.uid IS UNIQUE",
  "CREATE CONSTRAINT nf_event_uid IF NOT EXISTS FOR (e:Event) REQUIRE e.uid IS UNIQUE",
  "CREATE CONSTRAINT nf_provisional_uid IF NOT EXISTS FOR (f:Provisional) REQUIRE f.uid IS UNIQUE",
  "CREATE INDEX nf_bible_project IF NOT EXISTS FOR (n:BibleNode) ON (n.project)",
  "CREATE INDEX nf_episode_project IF NOT EXISTS FOR (e:Episode) ON (e.project, e.number)",
  "CREATE INDEX nf_event_project IF NOT EXISTS FOR (e:Event) ON (e.project, e.seq)",
]

// ---------------------------------------------------------------------------------------------
// Queries

export const PROJECT_EXISTS = "OPTIONAL MATCH (p:Project {slug: $slug}) RETURN p IS NOT NULL AS found"

/** CREATE, not MERGE: a concurrent duplicate fails on the slug constraint (→ ProjectExists). */
export const CREATE_PROJECT = "CREATE (p:Project) SET p = $props"

export const CREATE_CHARACTERS = `
MATCH (p:Project {slug: $slug})
UNWIND $characters AS c
CREATE (n:BibleNode:Character)
SET n = c
CREATE (p)-[:HAS]->(n)`

/** One query per entity label (labels cannot be parameters; they come from `ENTITY_LABELS`). */
export const createEntities = (label: (typeof ENTITY_LABELS)[keyof typeof ENTITY_LABELS]): string => `
MATCH (p:Project {slug: $slug})
UNWIND $entities AS x
CREATE (n:BibleNode:${label})
SET n = x
CREATE (p)-[:HAS]->(n)`

/**
 * One query per relation type (types cannot be parameters in Cypher 5 without APOC; they come
 * from the closed `RELATION_TYPES` list). A relation already known keeps its `since` and order.
 */
export const mergeRelations = (type: RelationType): string => {
  if (!RELATION_TYPES.includes(type)) throw new Error(`unknown relation type '${type}'`)
  return `
MATCH (p:Project {slug: $slug})
UNWIND $relations AS r
MERGE (a:BibleNode {uid: r.fromUid})
  ON CREATE SET a.project = $slug, a.id = r.from, a.stub = true
MERGE (b:BibleNode {uid: r.toUid})
  ON CREATE SET b.project = $slug, b.id = r.to, b.stub = true
MERGE (p)-[:HAS]->(a)
MERGE (p)-[:HAS]->(b)
MERGE (a)-[rel:${type}]->(b)
  ON CREATE SET rel.since = r.since, rel.ord = r.ord`
}

export const CREATE_EVENTS = `
MATCH (p:Project {slug: $slug})
UNWIND $events AS ev
CREATE (e:Event)
SET e = ev
CREATE (p)-[:HAS]->(e)`

export const LINK_EVENT_CHARACTERS = `
UNWIND $events AS ev
MATCH (e:Event {uid: ev.uid})
UNWIND ev.characters AS cid
MATCH (c:Character {uid: $slug + '/' + cid})
MERGE (e)-[:INVOLVES]->(c)`

export const LINK_EVENT_PLACES = `
UNWIND $events AS ev
WITH ev WHERE ev.place IS NOT NULL
MATCH (e:Event {uid: ev.uid})
MATCH (pl:Place {uid: $slug + '/' + ev.place})
MERGE (e)-[:AT]->(pl)`

/** Reserves `$relations` relation and `$events` event sequence numbers; returns the first of each. */
export const RESERVE_SEQUENCES = `
MATCH (p:Project {slug: $slug})
SET p.relSeq = coalesce(p.relSeq, 0) + $relations, p.eventSeq = coalesce(p.eventSeq, 0) + $events
RETURN p.relSeq - $relations AS relBase, p.eventSeq - $events AS eventBase`

/** Returns `created`: true only for the transaction whose nonce the new episode carries. */
export const MERGE_EPISODE = `
MATCH (p:Project {slug: $slug})
MERGE (e:Episode {uid: $uid})
  ON CREATE SET e += $props, e.commitId = $commitId
MERGE (p)-[:HAS_EPISODE]->(e)
RETURN e.commitId = $commitId AS created`

export const RECORD_APPEARANCES = `
MATCH (e:Episode {uid: $uid})
UNWIND $characters AS cid
MATCH (c:Character {uid: $slug + '/' + cid})
MERGE (c)-[:APPEARS_IN]->(e)
SET c.lastSeen = CASE WHEN coalesce(c.lastSeen, 0) < $number THEN $number ELSE c.lastSeen END`

/** In list order, so the last change of one character wins; unknown ids match nothing. */
export const APPLY_STATUS_CHANGES = `
UNWIND $changes AS s
MATCH (c:Character {uid: $slug + '/' + s.character})
SET c.status = s.status`

/**
 * A draft's facts, one node per episode in the pipeline (uid = the episode's uid), replaced by a
 * later draft. Nothing is staged once the episode exists: a late delivery changes nothing.
 */
export const STAGE_PROVISIONAL = `
MATCH (p:Project {slug: $slug})
OPTIONAL MATCH (e:Episode {uid: $uid})
WITH p, e WHERE e IS NULL
MERGE (f:Provisional {uid: $uid})
SET f += $props
MERGE (p)-[:HAS_PROVISIONAL]->(f)`

export const DROP_EARLIER_PROVISIONAL = `
MATCH (:Project {slug: $slug})-[:HAS_PROVISIONAL]->(f:Provisional)
WHERE f.episode < $episode
DETACH DELETE f`

export const GET_PROVISIONAL = "MATCH (:Project {slug: $slug})-[:HAS_PROVISIONAL]->(f:Provisional) RETURN f {.*} AS n ORDER BY f.episode"

export const DELETE_PROVISIONAL = "MATCH (f:Provisional {uid: $uid}) DETACH DELETE f"

export const GET_PROJECT = "MATCH (p:Project {slug: $slug}) RETURN p {.*} AS p"

export const LIST_PROJECTS = `
MATCH (p:Project)
OPTIONAL MATCH (p)-[:HAS_EPISODE]->(e:Episode)
WITH p, count(e) AS episodes, coalesce(max(e.number), 0) AS lastEpisode
RETURN p {.*} AS p, episodes, lastEpisode, size([(p)-[:HAS]->(c:Character) | c]) AS characters
ORDER BY p.createdAt, p.slug`

export const GET_CHARACTERS = "MATCH (:Project {slug: $slug})-[:HAS]->(c:Character) RETURN c {.*} AS n ORDER BY c.ord"

export const getEntities = (label: (typeof ENTITY_LABELS)[keyof typeof ENTITY_LABELS]): string =>
  `MATCH (:Project {slug: $slug})-[:HAS]->(x:${label}) RETURN x {.*} AS n ORDER BY x.ord`

export const GET_RELATIONS = `
MATCH (:Project {slug: $slug})-[:HAS]->(a:BibleNode)-[r]->(b:BibleNode)
WHERE type(r) IN $types AND b.project = $slug
RETURN a.id AS from, b.id AS to, type(r) AS type, r.since AS since
ORDER BY r.ord`

export const GET_EVENTS = "MATCH (:Project {slug: $slug})-[:HAS]->(e:Event) RETURN e {.*} AS n ORDER BY e.seq"

export const GET_EPISODE = "MATCH (e:Episode {uid: $uid}) RETURN e {.*} AS n"

export const LIST_EPISODES = `
MATCH (:Project {slug: $slug})-[:HAS_EPISODE]->(e:Episode)
RETURN e.number AS number, e.title AS title, e.charCount AS charCount, e.reward AS reward, e.drafts AS drafts, e.committedAt AS committedAt
ORDER BY e.number`

export const RECENT_EPISODES = `
MATCH (:Project {slug: $slug})-[:HAS_EPISODE]->(e:Episode)
WITH e ORDER BY e.number DESC LIMIT $count
RETURN e {.*} AS n ORDER BY n.number`

// ---------------------------------------------------------------------------------------------
// Parameters (domain → Cypher)

export const projectProps = (project: Project, worldRules: ReadonlyArray<string>): Record<string, unknown> => ({
  slug: project.slug,
  title: project.title,
  genre: project.genre,
  language: project.language,
  seed: int(project.seed),
  premise: project.premise,
  tone: project.tone,
  styleRules: [...project.styleRules],
  bannedWords: [...project.bannedWords],
  lengthMin: int(project.lengthBand.min),
  lengthMax: int(project.lengthBand.max),
  beats: [...project.beats],
  createdAt: int(project.createdAt),
  worldRules: [...worldRules],
  relSeq: int(0),
  eventSeq: int(0),
})

export const characterProps = (slug: string, c: Character, ord: number): Record<string, unknown> => ({
  uid: bibleUid(slug, c.id),
  project: slug,
  id: c.id,
  ord: int(ord),
  name: c.name,
  aliases: [...c.aliases],
  role: c.role,
  status: c.status,
  traits: [...c.traits],
  firstEpisode: int(c.firstEpisode),
  // Neo4j has no null properties: an absent `provisional` is simply not set.
  ...(c.provisional === undefined ? {} : { provisional: c.provisional }),
})

export const entityProps = (slug: string, x: { readonly id: string; readonly name: string; readonly description: string }, ord: number) => ({
  uid: bibleUid(slug, x.id),
  project: slug,
  id: x.id,
  ord: int(ord),
  name: x.name,
  description: x.description,
})

export const relationParams = (slug: string, relations: ReadonlyArray<Relation>, base: number) =>
  relations.map((r, i) => ({
    type: r.type,
    row: { from: r.from, to: r.to, fromUid: bibleUid(slug, r.from), toUid: bibleUid(slug, r.to), since: int(r.since), ord: int(base + i) },
  }))

/** Relations grouped by type, in their original order within each type (one MERGE query per type). */
export const relationStatements = (slug: string, relations: ReadonlyArray<Relation>, base: number): ReadonlyArray<Statement> => {
  const byType = new Map<RelationType, Array<Record<string, unknown>>>()
  for (const { type, row } of relationParams(slug, relations, base)) {
    if (!RELATION_TYPES.includes(type)) throw new Error(`unknown relation type '${type}'`)
    const rows = byType.get(type) ?? []
    rows.push(row)
    byType.set(type, rows)
  }
  return [...byType].map(([type, rows]) => ({ query: mergeRelations(type), params: { slug, relations: rows } }))
}

export const eventProps = (slug: string, events: ReadonlyArray<StoryEvent>, base: number) =>
  events.map((e, i) => ({
    uid: eventUid(slug, base + i),
    project: slug,
    seq: int(base + i),
    episode: int(e.episode),
    description: e.description,
    characters: [...e.characters],
    ...(e.place === undefined ? {} : { place: e.place }),
  }))

/** Creates the events, then links them to the characters and the place they name (when those exist). */
export const eventStatements = (slug: string, events: ReadonlyArray<StoryEvent>, base: number): ReadonlyArray<Statement> => {
  if (events.length === 0) return []
  const params = { slug, events: eventProps(slug, events, base) }
  return [
    { query: CREATE_EVENTS, params },
    { query: LINK_EVENT_CHARACTERS, params },
    { query: LINK_EVENT_PLACES, params },
  ]
}

export const episodeProps = (e: Episode): Record<string, unknown> => ({
  uid: episodeUid(e.project, e.number),
  project: e.project,
  number: int(e.number),
  title: e.title,
  body: e.body,
  summary: e.summary,
  charCount: int(e.charCount),
  // Maps are not property values: the findings are stored as JSON text.
  findings: JSON.stringify(e.findings),
  reward: e.reward,
  drafts: int(e.drafts),
  committedAt: int(e.committedAt),
})

/** The statements that create a project and its initial Bible (after the project node itself). */
export const createProjectStatements = (project: Project, bible: Bible): ReadonlyArray<Statement> => {
  const slug = project.slug
  const out: Array<Statement> = [{ query: CREATE_PROJECT, params: { props: projectProps(project, bible.worldRules) } }]
  if (bible.characters.length > 0) {
    out.push({ query: CREATE_CHARACTERS, params: { slug, characters: bible.characters.map((c, i) => characterProps(slug, c, i)) } })
  }
  for (const [key, label] of Object.entries(ENTITY_LABELS) as Array<[keyof typeof ENTITY_LABELS, (typeof ENTITY_LABELS)[keyof typeof ENTITY_LABELS]]>) {
    const xs = bible[key]
    if (xs.length > 0) out.push({ query: createEntities(label), params: { slug, entities: xs.map((x, i) => entityProps(slug, x, i)) } })
  }
  out.push(...relationStatements(slug, bible.relations, 0))
  out.push(...eventStatements(slug, bible.events, 0))
  out.push({
    query: "MATCH (p:Project {slug: $slug}) SET p.relSeq = $relSeq, p.eventSeq = $eventSeq",
    params: { slug, relSeq: int(bible.relations.length), eventSeq: int(bible.events.length) },
  })
  return out
}

/** The statements that merge one episode's Bible changes, given the reserved sequence bases. */
export const commitChangeStatements = (
  episode: Episode,
  changes: BibleChanges,
  bases: { readonly relBase: number; readonly eventBase: number },
): ReadonlyArray<Statement> => {
  const slug = episode.project
  const uid = episodeUid(slug, episode.number)
  const out: Array<Statement> = []
  const appearances = [...new Set(changes.appearances)]
  if (appearances.length > 0) out.push({ query: RECORD_APPEARANCES, params: { slug, uid, number: int(episode.number), characters: appearances } })
  out.push(...eventStatements(slug, changes.events, bases.eventBase))
  if (changes.statusChanges.length > 0) {
    out.push({ query: APPLY_STATUS_CHANGES, params: { slug, changes: changes.statusChanges.map((s) => ({ character: s.character, status: s.status })) } })
  }
  out.push(...relationStatements(slug, changes.newRelations, bases.relBase))
  return out
}

export const reserveParams = (slug: string, changes: BibleChanges) => ({
  slug,
  relations: int(changes.newRelations.length),
  events: int(changes.events.length),
})

// ---------------------------------------------------------------------------------------------
// Records (node properties → domain). Integers arrive as numbers (`disableLosslessIntegers`);
// `num` also accepts a driver `Integer` in case a caller opened the driver without it.

type Props = Record<string, unknown>

export const num = (v: unknown): number => {
  if (typeof v === "number") return v
  if (typeof v === "bigint") return Number(v)
  if (neo4j.isInt(v)) return (v as Integer).toNumber()
  if (v === null || v === undefined) return 0
  return Number(v)
}

const strings = (v: unknown): ReadonlyArray<string> => (Array.isArray(v) ? v.map(String) : [])

export const toProject = (p: Props): Project => ({
  slug: String(p.slug),
  title: String(p.title),
  genre: String(p.genre),
  language: String(p.language),
  seed: num(p.seed),
  premise: String(p.premise),
  tone: String(p.tone),
  styleRules: strings(p.styleRules),
  bannedWords: strings(p.bannedWords),
  lengthBand: { min: num(p.lengthMin), max: num(p.lengthMax) },
  beats: strings(p.beats),
  createdAt: num(p.createdAt),
})

export const toCharacter = (n: Props): Character => ({
  id: String(n.id),
  name: String(n.name),
  aliases: strings(n.aliases),
  role: String(n.role),
  status: n.status === "dead" ? "dead" : "alive",
  traits: strings(n.traits),
  firstEpisode: num(n.firstEpisode),
  ...(typeof n.provisional === "boolean" ? { provisional: n.provisional } : {}),
})

export const toEntity = (n: Props) => ({ id: String(n.id), name: String(n.name), description: String(n.description) })

export const toRelation = (r: Props): Relation => ({
  from: String(r.from),
  to: String(r.to),
  type: r.type as RelationType,
  since: num(r.since),
})

export const toEvent = (n: Props): StoryEvent => ({
  episode: num(n.episode),
  description: String(n.description),
  characters: strings(n.characters),
  ...(typeof n.place === "string" ? { place: n.place } : {}),
})

export const toEpisode = (n: Props): Episode => ({
  project: String(n.project),
  number: num(n.number),
  title: String(n.title),
  body: String(n.body),
  summary: String(n.summary),
  charCount: num(n.charCount),
  findings: typeof n.findings === "string" ? (JSON.parse(n.findings) as ReadonlyArray<GuardFinding>) : [],
  reward: num(n.reward),
  drafts: num(n.drafts),
  committedAt: num(n.committedAt),
})

/** The changes travel as one JSON string: Neo4j properties cannot hold nested maps. */
export const provisionalProps = (slug: string, facts: ProvisionalFacts): Record<string, unknown> => ({
  uid: episodeUid(slug, facts.episode),
  project: slug,
  episode: int(facts.episode),
  draft: int(facts.draft),
  stagedAt: int(facts.stagedAt),
  changes: JSON.stringify(facts.changes),
})

export const toProvisional = (n: Props): ProvisionalFacts => ({
  episode: num(n.episode),
  draft: num(n.draft),
  stagedAt: num(n.stagedAt),
  changes: JSON.parse(String(n.changes)),
})

export const toEpisodeSummary = (r: Props): EpisodeSummary => ({
  number: num(r.number),
  title: String(r.title),
  charCount: num(r.charCount),
  reward: num(r.reward),
  drafts: num(r.drafts),
  committedAt: num(r.committedAt),
})

export { int as neoInt }
