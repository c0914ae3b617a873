/**
 * All the Cypher of `Neo4jStoryStore`, and the pure parts around it: parameter building
 * (domain → Cypher parameters), record mapping (node properties → domain) and the commit's
 * stale check. Kept free of any driver connection so it is unit-tested without a server.
 *
 * Graph model (Neo4j 5+; Community edition is enough: uniqueness constraints, no node keys):
 *
 *   (:Project {slug, title, genre, language, seed, premise, tone, styleRules, bannedWords,
 *              lengthMin, lengthMax, beats, createdAt, worldRules,
 *              relSeq, eventSeq, statusSeq, factSeq, ordSeq})
 *   (:BibleNode:Character {uid, project, id, ord, name, aliases, role, status, statusNote,
 *              traits, firstEpisode, provisional, lastSeen})
 *   (:BibleNode:Place {uid, project, id, ord, name, description, firstEpisode})
 *   (:BibleNode:Faction | :BibleNode:Item {uid, project, id, ord, name, description})
 *   (:Event {uid, project, seq, episode, description, characters, place})
 *   (:StatusRecord {project, seq, character, episode, status, note, evidence (JSON)})
 *   (:Fact {project, seq, text, subjects, validFrom, validTo, evidence (JSON)})
 *   (:Episode {uid, project, number, title, body, summary, charCount, findings (JSON), reward,
 *              drafts, committedAt, commitId, fingerprint (JSON)})
 *   (:Fence {uid, project, episode, token})                       an episode's commit fence
 *   (:Provisional {uid, project, episode, draft, stagedAt, changes (JSON)})   a draft's facts
 *
 *   (:Project)-[:HAS]->(:BibleNode | :Event | :StatusRecord | :Fact)
 *   (:Project)-[:HAS_EPISODE]->(:Episode),  (:Project)-[:HAS_PROVISIONAL]->(:Provisional)
 *   (:BibleNode)-[:KNOWS | LOVES | HATES | MEMBER_OF | LOCATED_IN | OWNS | RIVAL_OF | SERVES {since, until, ord}]->(:BibleNode)
 *   (:Event)-[:INVOLVES]->(:Character),  (:Event)-[:AT]->(:Place)
 *   (:Character)-[:APPEARS_IN]->(:Episode)
 *
 * Keys: `uid` is `<slug>/<id>` for Bible nodes (ids are unique across kinds within a project:
 * relations name their ends by id alone), `<slug>/<number>` for episodes and their fences,
 * `<slug>/e<seq>` for events; each label has a uniqueness constraint on it, and `Project.slug`
 * is unique. A relation to an id the Bible does not (yet) know gets a bare `:BibleNode` stub
 * (`stub: true`) as its end, so no relation is lost (the SQLite store keeps such relations too);
 * a character or place the text introduces later under that id takes the stub over.
 *
 * Order: the Bible's order is insertion order, as in the SQLite store. Bible nodes carry `ord`
 * (new ones from the project's `ordSeq`), relations `ord` (from `relSeq`; a relation formed again
 * after it ended keeps its place), events `seq`; status records and facts are read by episode,
 * then `seq` — exactly the order `mergeBibleChanges` leaves them in.
 *
 * Commit protocol (one write transaction, see `Neo4jStoryStore`): lock the project node (every
 * commit of a project then runs one at a time, like SQLite's `BEGIN IMMEDIATE`); an episode
 * already there makes the commit a no-op; with a fencing token, raise the episode's fence to it
 * and read the fence and the project's last episode back (`FENCE_FOR_COMMIT`): a stale commit is
 * refused by rolling the whole transaction back; then `MERGE` the episode by its uid with
 * `ON CREATE SET commitId = <nonce>` and apply the Bible changes only if the returned commitId is
 * ours (kept as a second line of defence: the uniqueness constraint serialises concurrent MERGEs
 * of one uid), in `mergeBibleChanges`' order.
 *
 * Integers are sent as Neo4j integers (`neo4j.int`): a JS number would be stored as a float
 * (1 → 1.0). The driver is opened with `disableLosslessIntegers`, so they come back as numbers.
 * Neo4j has no null properties and no nested maps: an absent optional field is simply not set
 * (`SET n.x = null` removes it), and evidence, findings and fingerprints are stored as JSON text.
 */
import neo4j, { type Integer } from "neo4j-driver"
import { Schema } from "effect"
import {
  type Bible,
  type BibleChanges,
  type Character,
  CharacterStatus,
  type Fact,
  type FactEvidence,
  type Faction,
  type Item,
  type Place,
  type ProvisionalFacts,
  type Relation,
  type RelationType,
  type StatusRecord,
  type StoryEvent,
} from "../domain/Bible.ts"
import type { Episode, GuardFinding } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import type { EpisodeFingerprint, EpisodeSummary, PendingCommit } from "./StoryStore.ts"

export interface Statement {
  readonly query: string
  readonly params: Record<string, unknown>
}

export const RELATION_TYPES: ReadonlyArray<RelationType> = ["KNOWS", "LOVES", "HATES", "MEMBER_OF", "LOCATED_IN", "OWNS", "RIVAL_OF", "SERVES"]

export const ENTITY_LABELS = { places: "Place", factions: "Faction", items: "Item" } as const

type EntityLabel = (typeof ENTITY_LABELS)[keyof typeof ENTITY_LABELS]

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
  "CREATE CONSTRAINT nf_fence_uid IF NOT EXISTS FOR (f:Fence) REQUIRE f.uid IS UNIQUE",
  "CREATE INDEX nf_bible_project IF NOT EXISTS FOR (n:BibleNode) ON (n.project)",
  "CREATE INDEX nf_episode_project IF NOT EXISTS FOR (e:Episode) ON (e.project, e.number)",
  "CREATE INDEX nf_event_project IF NOT EXISTS FOR (e:Event) ON (e.project, e.seq)",
  "CREATE INDEX nf_status_character IF NOT EXISTS FOR (r:StatusRecord) ON (r.project, r.character)",
  "CREATE INDEX nf_fact_project IF NOT EXISTS FOR (f:Fact) ON (f.project, f.validFrom)",
  "CREATE INDEX nf_episode_relay IF NOT EXISTS FOR (e:Episode) ON (e.relayPending)",
]

// ---------------------------------------------------------------------------------------------
// Queries

export const PROJECT_EXISTS = "OPTIONAL MATCH (p:Project {slug: $slug}) RETURN p IS NOT NULL AS found"

/**
 * Write-locks the project node until the transaction ends: Neo4j's manual takes a lock from Cypher
 * by writing a `_LOCK_` property (its "Lost updates" section); removed again at once, it leaves
 * nothing but the lock, which is held to the end of the transaction. No row: no project.
 */
export const LOCK_PROJECT = `
MATCH (p:Project {slug: $slug})
SET p._LOCK_ = true
REMOVE p._LOCK_
RETURN true AS found`

export const EPISODE_COMMITTED = "OPTIONAL MATCH (e:Episode {uid: $uid}) RETURN e IS NOT NULL AS committed"

/**
 * Raises the episode's fence to `$token` (a fence only rises) and returns it with the project's
 * last committed episode (null: none). The `SET` reads `f.token` on its right-hand side, so Cypher
 * write-locks the fence before reading it: a concurrent `FENCE_EPISODE` waits for this
 * transaction, and no raise is lost.
 */
export const FENCE_FOR_COMMIT = `
MATCH (p:Project {slug: $slug})
MERGE (f:Fence {uid: $uid})
  ON CREATE SET f.project = $slug, f.episode = $episode, f.token = $token
SET f.token = CASE WHEN f.token > $token THEN f.token ELSE $token END
WITH p, f
OPTIONAL MATCH (p)-[:HAS_EPISODE]->(e:Episode)
RETURN f.token AS fence, max(e.number) AS lastEpisode`

/** `FENCE_FOR_COMMIT`'s raise on its own; `newest` is true when `$token` is the fence now. */
export const FENCE_EPISODE = `
MERGE (f:Fence {uid: $uid})
  ON CREATE SET f.project = $slug, f.episode = $episode, f.token = $token
SET f.token = CASE WHEN f.token > $token THEN f.token ELSE $token END
RETURN f.token = $token AS newest`

/** CREATE, not MERGE: a concurrent duplicate fails on the slug constraint (→ ProjectExists). */
export const CREATE_PROJECT = "CREATE (p:Project) SET p = $props"

export const SET_SEQUENCES = `
MATCH (p:Project {slug: $slug})
SET p.relSeq = $relSeq, p.eventSeq = $eventSeq, p.statusSeq = $statusSeq, p.factSeq = $factSeq, p.ordSeq = $ordSeq`

export const CREATE_CHARACTERS = `
MATCH (p:Project {slug: $slug})
UNWIND $characters AS c
CREATE (n:BibleNode:Character)
SET n = c
CREATE (p)-[:HAS]->(n)`

/** One query per entity label (labels cannot be parameters; they come from `ENTITY_LABELS`). */
export const createEntities = (label: EntityLabel): string => `
MATCH (p:Project {slug: $slug})
UNWIND $entities AS x
CREATE (n:BibleNode:${label})
SET n = x
CREATE (p)-[:HAS]->(n)`

/**
 * Adds the nodes a commit introduces (`:Character` or `:Place`): an id the project knows already
 * is left as it is, a stub left by a relation to the id is taken over. The caller lists each id
 * once (`firstById`): Cypher applies a clause to every row before the next clause, so two rows of
 * one id would both pass the stub test.
 */
export const introduceNodes = (label: "Character" | "Place"): string => `
MATCH (p:Project {slug: $slug})
UNWIND $nodes AS x
MERGE (n:BibleNode {uid: x.uid})
  ON CREATE SET n.stub = true
WITH p, n, x WHERE n.stub = true
SET n:${label}, n += x
REMOVE n.stub
MERGE (p)-[:HAS]->(n)`

/**
 * One query per relation type (types cannot be parameters in Cypher 5 without APOC; they come
 * from the closed `RELATION_TYPES` list). A relation that holds keeps its `since` and order; one
 * that ended holds anew from `since` on (same order). Both `ON MATCH` items read the `until` the
 * relation had, whichever order they are applied in.
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
  ON CREATE SET rel.since = r.since, rel.ord = r.ord, rel.until = r.until
  ON MATCH SET rel.since = CASE WHEN rel.until IS NULL THEN rel.since ELSE r.since END, rel.until = null`
}

/** Ends the relations of one type that hold (`until` = `$episode`); one already ended keeps its `until`. */
export const endRelations = (type: RelationType): string => {
  if (!RELATION_TYPES.includes(type)) throw new Error(`unknown relation type '${type}'`)
  return `
UNWIND $relations AS r
MATCH (a:BibleNode {uid: r.fromUid})-[rel:${type}]->(b:BibleNode {uid: r.toUid})
WHERE rel.until IS NULL
SET rel.until = $episode`
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
MATCH (c:BibleNode:Character {uid: $slug + '/' + cid})
MERGE (e)-[:INVOLVES]->(c)`

export const LINK_EVENT_PLACES = `
UNWIND $events AS ev
WITH ev WHERE ev.place IS NOT NULL
MATCH (e:Event {uid: ev.uid})
MATCH (pl:BibleNode:Place {uid: $slug + '/' + ev.place})
MERGE (e)-[:AT]->(pl)`

export const CREATE_STATUS_RECORDS = `
MATCH (p:Project {slug: $slug})
UNWIND $records AS r
CREATE (s:StatusRecord)
SET s = r
CREATE (p)-[:HAS]->(s)`

export const CREATE_FACTS = `
MATCH (p:Project {slug: $slug})
UNWIND $facts AS f
CREATE (x:Fact)
SET x = f
CREATE (p)-[:HAS]->(x)`

/**
 * Reserves sequence numbers for a commit and returns the first of each. A project created before
 * `ordSeq` existed starts it past every node it has (each label's `ord`s count from 0).
 */
export const RESERVE_SEQUENCES = `
MATCH (p:Project {slug: $slug})
WITH p, coalesce(p.ordSeq, size([(p)-[:HAS]->(x:BibleNode) | x])) AS ordBase
SET p.relSeq = coalesce(p.relSeq, 0) + $relations,
    p.eventSeq = coalesce(p.eventSeq, 0) + $events,
    p.statusSeq = coalesce(p.statusSeq, 0) + $statuses,
    p.factSeq = coalesce(p.factSeq, 0) + $facts,
    p.ordSeq = ordBase + $nodes
RETURN p.relSeq - $relations AS relBase, p.eventSeq - $events AS eventBase, p.statusSeq - $statuses AS statusBase,
       p.factSeq - $facts AS factBase, ordBase`

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
MATCH (c:BibleNode:Character {uid: $slug + '/' + cid})
MERGE (c)-[:APPEARS_IN]->(e)
SET c.lastSeen = CASE WHEN coalesce(c.lastSeen, 0) < $number THEN $number ELSE c.lastSeen END`

/**
 * One status change (one statement each, in the text's order, so each sees the one before): the
 * first change of a character first records the status it had, from its first episode
 * (`initialRecord`); then the change's record, and the character's status and note (an absent
 * note removes the old one). An unknown character matches nothing.
 */
export const APPLY_STATUS_CHANGE = `
MATCH (p:Project {slug: $slug})-[:HAS]->(c:BibleNode:Character {uid: $uid})
OPTIONAL MATCH (earlier:StatusRecord {project: $slug, character: c.id})
WITH p, c, count(earlier) AS recorded
FOREACH (once IN CASE WHEN recorded = 0 THEN [1] ELSE [] END |
  CREATE (p)-[:HAS]->(:StatusRecord {project: $slug, seq: $initialSeq, character: c.id, status: c.status, episode: c.firstEpisode}))
CREATE (p)-[:HAS]->(r:StatusRecord)
SET r = $record
SET c.status = $record.status, c.statusNote = $record.note`

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

/**
 * A project's removal, one statement per label (each served by the label's `project` index) and the
 * project node last: run in one write transaction, a failure part-way leaves the project whole.
 * Relations, `INVOLVES`, `AT` and `APPEARS_IN` edges go with their nodes (`DETACH`).
 */
export const DELETE_PROJECT_NODES: ReadonlyArray<string> = ["BibleNode", "Event", "StatusRecord", "Fact", "Episode", "Fence", "Provisional"].map(
  (label) => `MATCH (n:${label} {project: $slug}) DETACH DELETE n`,
)
export const DELETE_PROJECT = "MATCH (p:Project {slug: $slug}) DETACH DELETE p RETURN count(*) AS deleted"

export const GET_PROJECT = "MATCH (p:Project {slug: $slug}) RETURN p {.*} AS p"

export const LIST_PROJECTS = `
MATCH (p:Project)
OPTIONAL MATCH (p)-[:HAS_EPISODE]->(e:Episode)
WITH p, count(e) AS episodes, coalesce(max(e.number), 0) AS lastEpisode
RETURN p {.*} AS p, episodes, lastEpisode, size([(p)-[:HAS]->(c:Character) | c]) AS characters
ORDER BY p.createdAt, p.slug`

export const GET_CHARACTERS = "MATCH (:Project {slug: $slug})-[:HAS]->(c:Character) RETURN c {.*} AS n ORDER BY c.ord"

export const getEntities = (label: EntityLabel): string =>
  `MATCH (:Project {slug: $slug})-[:HAS]->(x:${label}) RETURN x {.*} AS n ORDER BY x.ord`

export const GET_RELATIONS = `
MATCH (:Project {slug: $slug})-[:HAS]->(a:BibleNode)-[r]->(b:BibleNode)
WHERE type(r) IN $types AND b.project = $slug
RETURN a.id AS from, b.id AS to, type(r) AS type, r.since AS since, r.until AS until
ORDER BY r.ord`

export const GET_EVENTS = "MATCH (:Project {slug: $slug})-[:HAS]->(e:Event) RETURN e {.*} AS n ORDER BY e.seq"

export const GET_STATUS_HISTORY = "MATCH (:Project {slug: $slug})-[:HAS]->(r:StatusRecord) RETURN r {.*} AS n ORDER BY r.episode, r.seq"

export const GET_FACTS = "MATCH (:Project {slug: $slug})-[:HAS]->(f:Fact) RETURN f {.*} AS n ORDER BY f.validFrom, f.seq"

export const GET_EPISODE = "MATCH (e:Episode {uid: $uid}) RETURN e {.*} AS n"

export const LIST_EPISODES = `
MATCH (:Project {slug: $slug})-[:HAS_EPISODE]->(e:Episode)
RETURN e.number AS number, e.title AS title, e.charCount AS charCount, e.reward AS reward, e.drafts AS drafts, e.committedAt AS committedAt
ORDER BY e.number`

export const GET_FINGERPRINTS = `
MATCH (:Project {slug: $slug})-[:HAS_EPISODE]->(e:Episode)
WHERE e.fingerprint IS NOT NULL
RETURN e.number AS number, e.fingerprint AS sentences
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
  statusSeq: int(0),
  factSeq: int(0),
  ordSeq: int(0),
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
  ...(c.provisional === undefined ? {} : { provisional: c.provisional }),
  ...(c.statusNote === undefined ? {} : { statusNote: c.statusNote }),
})

export const entityProps = (slug: string, x: Faction | Item, ord: number): Record<string, unknown> => ({
  uid: bibleUid(slug, x.id),
  project: slug,
  id: x.id,
  ord: int(ord),
  name: x.name,
  description: x.description,
})

export const placeProps = (slug: string, x: Place, ord: number): Record<string, unknown> => ({
  ...entityProps(slug, x, ord),
  ...(x.firstEpisode === undefined ? {} : { firstEpisode: int(x.firstEpisode) }),
})

const relationKey = (r: Pick<Relation, "from" | "to" | "type">) => `${r.from}\u0000${r.to}\u0000${r.type}`

/** The first of each key, in order: what `mergeBibleChanges` keeps of a list that repeats one. */
export const firstByKey = <A>(xs: ReadonlyArray<A>, key: (a: A) => string): ReadonlyArray<A> => {
  const seen = new Set<string>()
  return xs.filter((x) => {
    const k = key(x)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

export const firstById = <A extends { readonly id: string }>(xs: ReadonlyArray<A>): ReadonlyArray<A> => firstByKey(xs, (x) => x.id)

export const relationParams = (slug: string, relations: ReadonlyArray<Relation>, base: number) =>
  relations.map((r, i) => ({
    type: r.type,
    row: {
      from: r.from,
      to: r.to,
      fromUid: bibleUid(slug, r.from),
      toUid: bibleUid(slug, r.to),
      since: int(r.since),
      ord: int(base + i),
      ...(r.until === undefined ? {} : { until: int(r.until) }),
    },
  }))

const checkedType = (type: RelationType): RelationType => {
  if (!RELATION_TYPES.includes(type)) throw new Error(`unknown relation type '${type}'`)
  return type
}

const byType = <A>(rows: ReadonlyArray<{ readonly type: RelationType; readonly row: A }>): ReadonlyArray<[RelationType, ReadonlyArray<A>]> => {
  const groups = new Map<RelationType, Array<A>>()
  for (const { type, row } of rows) {
    const group = groups.get(checkedType(type)) ?? []
    group.push(row)
    groups.set(type, group)
  }
  return [...groups]
}

/**
 * Relations grouped by type, in their original order within each type (one MERGE query per
 * type), each (from, to, type) once: the first, as `mergeBibleChanges` keeps it.
 */
export const relationStatements = (slug: string, relations: ReadonlyArray<Relation>, base: number): ReadonlyArray<Statement> =>
  byType(relationParams(slug, firstByKey(relations, relationKey), base)).map(([type, rows]) => ({
    query: mergeRelations(type),
    params: { slug, relations: rows },
  }))

export const endedRelationStatements = (slug: string, relations: ReadonlyArray<Relation>, episode: number): ReadonlyArray<Statement> =>
  byType(relations.map((r) => ({ type: r.type, row: { fromUid: bibleUid(slug, r.from), toUid: bibleUid(slug, r.to) } }))).map(([type, rows]) => ({
    query: endRelations(type),
    params: { episode: int(episode), relations: rows },
  }))

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

const evidenceProp = (evidence: FactEvidence | undefined) => (evidence === undefined ? {} : { evidence: JSON.stringify(evidence) })

export const statusRecordProps = (slug: string, r: StatusRecord, seq: number): Record<string, unknown> => ({
  project: slug,
  seq: int(seq),
  character: r.character,
  episode: int(r.episode),
  status: r.status,
  ...(r.note === undefined ? {} : { note: r.note }),
  ...evidenceProp(r.evidence),
})

export const factProps = (slug: string, f: Fact, seq: number): Record<string, unknown> => ({
  project: slug,
  seq: int(seq),
  text: f.text,
  subjects: [...f.subjects],
  validFrom: int(f.validFrom),
  ...(f.validTo === undefined ? {} : { validTo: int(f.validTo) }),
  ...evidenceProp(f.evidence),
})

/**
 * The commit outbox is the episode node itself: a commit with a job (`CommitOptions.job`) creates
 * its episode with `relayPending` and the event's own fields, in the commit's transaction; the
 * relay reads them (`PENDING_COMMITS`) and removes the mark (`ACKNOWLEDGE_COMMITS`).
 */
export const PENDING_COMMITS = `
MATCH (e:Episode) WHERE e.relayPending = true
RETURN e {.project, .number, .reward, .committedAt, .commitJob, .commitDurationMs} AS n
ORDER BY e.committedAt, e.project, e.number LIMIT $limit`

export const ACKNOWLEDGE_COMMITS = "UNWIND $uids AS uid MATCH (e:Episode {uid: uid}) REMOVE e.relayPending"

export const toPendingCommit = (n: Props): PendingCommit => ({
  job: String(n.commitJob),
  project: String(n.project),
  episode: num(n.number),
  reward: num(n.reward),
  durationMs: num(n.commitDurationMs),
  at: num(n.committedAt),
})

export const episodeProps = (
  e: Episode,
  fingerprint?: ReadonlyArray<number>,
  job?: { readonly id: string; readonly durationMs: number },
): Record<string, unknown> => ({
  uid: episodeUid(e.project, e.number),
  project: e.project,
  number: int(e.number),
  title: e.title,
  body: e.body,
  summary: e.summary,
  charCount: int(e.charCount),
  findings: JSON.stringify(e.findings),
  reward: e.reward,
  drafts: int(e.drafts),
  committedAt: int(e.committedAt),
  // JSON rather than a list property: sentence hashes are any JS numbers, and an empty list has no type.
  ...(fingerprint === undefined ? {} : { fingerprint: JSON.stringify(fingerprint) }),
  ...(job === undefined ? {} : { relayPending: true, commitJob: job.id, commitDurationMs: job.durationMs }),
})

/** `neo4j.int` would truncate a fractional token (1.5 → 1) and so fence at the wrong delivery. */
export const fenceParams = (slug: string, episode: number, token: number) => {
  if (!Number.isSafeInteger(token)) throw new Error(`fencing token of ${slug}:${episode} must be an integer, got ${token}`)
  return { slug, uid: episodeUid(slug, episode), episode: int(episode), token: int(token) }
}

/** The statements that create a project and its initial Bible (the project node first). */
export const createProjectStatements = (project: Project, bible: Bible): ReadonlyArray<Statement> => {
  const slug = project.slug
  const out: Array<Statement> = [{ query: CREATE_PROJECT, params: { props: projectProps(project, bible.worldRules) } }]
  if (bible.characters.length > 0) {
    out.push({ query: CREATE_CHARACTERS, params: { slug, characters: bible.characters.map((c, i) => characterProps(slug, c, i)) } })
  }
  if (bible.places.length > 0) out.push({ query: createEntities("Place"), params: { slug, entities: bible.places.map((x, i) => placeProps(slug, x, i)) } })
  if (bible.factions.length > 0) out.push({ query: createEntities("Faction"), params: { slug, entities: bible.factions.map((x, i) => entityProps(slug, x, i)) } })
  if (bible.items.length > 0) out.push({ query: createEntities("Item"), params: { slug, entities: bible.items.map((x, i) => entityProps(slug, x, i)) } })
  out.push(...relationStatements(slug, bible.relations, 0))
  out.push(...eventStatements(slug, bible.events, 0))
  const history = bible.statusHistory ?? []
  if (history.length > 0) out.push({ query: CREATE_STATUS_RECORDS, params: { slug, records: history.map((r, i) => statusRecordProps(slug, r, i)) } })
  const facts = bible.facts ?? []
  if (facts.length > 0) out.push({ query: CREATE_FACTS, params: { slug, facts: facts.map((f, i) => factProps(slug, f, i)) } })
  out.push({
    query: SET_SEQUENCES,
    params: {
      slug,
      relSeq: int(bible.relations.length),
      eventSeq: int(bible.events.length),
      statusSeq: int(history.length),
      factSeq: int(facts.length),
      // Each label's ords count from 0: new nodes start past the longest list.
      ordSeq: int(Math.max(bible.characters.length, bible.places.length, bible.factions.length, bible.items.length)),
    },
  })
  return out
}

/** The first of each block of sequence numbers a commit reserved (`RESERVE_SEQUENCES`). */
export interface SequenceBases {
  readonly relBase: number
  readonly eventBase: number
  readonly statusBase: number
  readonly factBase: number
  readonly ordBase: number
}

export const reserveParams = (slug: string, changes: BibleChanges) => ({
  slug,
  relations: int(changes.newRelations.length),
  events: int(changes.events.length),
  // Each status change may add two records: the status before the first change, and the change.
  statuses: int(2 * changes.statusChanges.length),
  facts: int(changes.facts?.length ?? 0),
  nodes: int((changes.newCharacters?.length ?? 0) + (changes.newPlaces?.length ?? 0)),
})

export const toSequenceBases = (r: Record<string, unknown>): SequenceBases => ({
  relBase: num(r.relBase),
  eventBase: num(r.eventBase),
  statusBase: num(r.statusBase),
  factBase: num(r.factBase),
  ordBase: num(r.ordBase),
})

/**
 * The statements that merge one episode's Bible changes, given the reserved sequence bases, in
 * `mergeBibleChanges`' order (as the SQLite store writes them): new characters, appearances,
 * status changes, new places, ended relations, new relations, events, facts.
 */
export const commitChangeStatements = (episode: Episode, changes: BibleChanges, bases: SequenceBases): ReadonlyArray<Statement> => {
  const slug = episode.project
  const n = episode.number
  const uid = episodeUid(slug, n)
  const out: Array<Statement> = []
  const newCharacters = changes.newCharacters ?? []
  const characters = firstById(newCharacters)
  if (characters.length > 0) {
    out.push({
      query: introduceNodes("Character"),
      params: { slug, nodes: characters.map((c, i) => characterProps(slug, { ...c, firstEpisode: n }, bases.ordBase + i)) },
    })
  }
  const appearances = [...new Set(changes.appearances)]
  if (appearances.length > 0) out.push({ query: RECORD_APPEARANCES, params: { slug, uid, number: int(n), characters: appearances } })
  changes.statusChanges.forEach((s, i) => {
    const record: StatusRecord = {
      character: s.character,
      status: s.status,
      episode: n,
      ...(s.note === undefined ? {} : { note: s.note }),
      ...(s.evidence === undefined ? {} : { evidence: s.evidence }),
    }
    out.push({
      query: APPLY_STATUS_CHANGE,
      params: {
        slug,
        uid: bibleUid(slug, s.character),
        initialSeq: int(bases.statusBase + 2 * i),
        record: statusRecordProps(slug, record, bases.statusBase + 2 * i + 1),
      },
    })
  })
  const places = firstById(changes.newPlaces ?? [])
  if (places.length > 0) {
    out.push({
      query: introduceNodes("Place"),
      params: { slug, nodes: places.map((x, i) => placeProps(slug, { ...x, firstEpisode: n }, bases.ordBase + newCharacters.length + i)) },
    })
  }
  out.push(...endedRelationStatements(slug, changes.endedRelations ?? [], n))
  // A new relation holds from its `since`: an `until` it came with is not the text's to give.
  out.push(...relationStatements(slug, changes.newRelations.map((r) => ({ from: r.from, to: r.to, type: r.type, since: r.since })), bases.relBase))
  out.push(...eventStatements(slug, changes.events, bases.eventBase))
  const facts = changes.facts ?? []
  if (facts.length > 0) {
    out.push({ query: CREATE_FACTS, params: { slug, facts: facts.map((f, i) => factProps(slug, { ...f, validFrom: n }, bases.factBase + i)) } })
  }
  return out
}

/**
 * Why a commit under fencing token `token` is stale, or undefined when it is not, from what
 * `FENCE_FOR_COMMIT` returned: a later delivery raised the episode's fence past it, or a later
 * episode of the project is committed already (the queue hands episodes out in order, so only an
 * overtaken delivery gets there that late). The SQLite store's reasons, word for word.
 */
export const staleCommitReason = (episode: number, token: number, row: Record<string, unknown>): string | undefined => {
  const fence = row.fence === null || row.fence === undefined ? undefined : num(row.fence)
  if (fence !== undefined && fence > token) return `fencing token ${token} is stale: delivery ${fence} holds the job`
  const last = row.lastEpisode === null || row.lastEpisode === undefined ? undefined : num(row.lastEpisode)
  if (last !== undefined && last > episode) return `episode ${last} is committed already`
  return undefined
}

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

const optionalNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : num(v))

const strings = (v: unknown): ReadonlyArray<string> => (Array.isArray(v) ? v.map(String) : [])

const isCharacterStatus = Schema.is(CharacterStatus)

/** A status the domain does not know is a broken store, not a living character: said, with where. */
const status = (v: unknown, where: string): CharacterStatus => {
  if (isCharacterStatus(v)) return v
  throw new Error(`${where} has an unknown status ${JSON.stringify(v)} (expected one of ${CharacterStatus.literals.join(", ")})`)
}

const evidenceOf = (v: unknown): { readonly evidence?: FactEvidence } =>
  typeof v === "string" ? { evidence: JSON.parse(v) as FactEvidence } : {}

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
  status: status(n.status, `character '${String(n.id)}'`),
  traits: strings(n.traits),
  firstEpisode: num(n.firstEpisode),
  ...(typeof n.provisional === "boolean" ? { provisional: n.provisional } : {}),
  ...(typeof n.statusNote === "string" ? { statusNote: n.statusNote } : {}),
})

export const toEntity = (n: Props): Faction | Item => ({ id: String(n.id), name: String(n.name), description: String(n.description) })

export const toPlace = (n: Props): Place => {
  const firstEpisode = optionalNum(n.firstEpisode)
  return { ...toEntity(n), ...(firstEpisode === undefined ? {} : { firstEpisode }) }
}

export const toRelation = (r: Props): Relation => {
  const until = optionalNum(r.until)
  return {
    from: String(r.from),
    to: String(r.to),
    type: checkedType(r.type as RelationType),
    since: num(r.since),
    ...(until === undefined ? {} : { until }),
  }
}

export const toEvent = (n: Props): StoryEvent => ({
  episode: num(n.episode),
  description: String(n.description),
  characters: strings(n.characters),
  ...(typeof n.place === "string" ? { place: n.place } : {}),
})

export const toStatusRecord = (n: Props): StatusRecord => ({
  character: String(n.character),
  status: status(n.status, `status record of '${String(n.character)}' at episode ${num(n.episode)}`),
  episode: num(n.episode),
  ...(typeof n.note === "string" ? { note: n.note } : {}),
  ...evidenceOf(n.evidence),
})

export const toFact = (n: Props): Fact => {
  const validTo = optionalNum(n.validTo)
  return {
    text: String(n.text),
    subjects: strings(n.subjects),
    validFrom: num(n.validFrom),
    ...(validTo === undefined ? {} : { validTo }),
    ...evidenceOf(n.evidence),
  }
}

/** What `getBible` read, each list in its query's order. */
export interface BibleRecords {
  readonly project: Props
  readonly characters: ReadonlyArray<Props>
  readonly places: ReadonlyArray<Props>
  readonly factions: ReadonlyArray<Props>
  readonly items: ReadonlyArray<Props>
  readonly relations: ReadonlyArray<Props>
  readonly events: ReadonlyArray<Props>
  readonly statusHistory: ReadonlyArray<Props>
  readonly facts: ReadonlyArray<Props>
}

/** The Bible from its records; `statusHistory` and `facts` only when there are any (as the SQLite store reads them). */
export const toBible = (r: BibleRecords): Bible => {
  const statusHistory = r.statusHistory.map(toStatusRecord)
  const facts = r.facts.map(toFact)
  return {
    characters: r.characters.map(toCharacter),
    places: r.places.map(toPlace),
    factions: r.factions.map(toEntity),
    items: r.items.map(toEntity),
    worldRules: strings(r.project.worldRules),
    relations: r.relations.map(toRelation),
    events: r.events.map(toEvent),
    ...(statusHistory.length > 0 ? { statusHistory } : {}),
    ...(facts.length > 0 ? { facts } : {}),
  }
}

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

export const toFingerprint = (r: Props): EpisodeFingerprint => ({
  number: num(r.number),
  sentences: JSON.parse(String(r.sentences)) as ReadonlyArray<number>,
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
