/**
 * All the Cypher of `Neo4jOutlineStore`, and the pure parts around it: statement building
 * (outline → parameters) and record mapping (node properties → `Outline`, decoded with its schema).
 * Free of any driver connection, so it is unit-tested without a server.
 *
 * Graph model, beside the story store's `(:Project)` (Neo4j 5+, Community edition):
 *
 *   (:Outline {project, premise, writeLock})
 *   (:OutlineArc {uid, project, id, title, goal, from, to, by})
 *   (:OutlineBeat {uid, project, episode, arc, text, title, characters, threads, state, history (JSON)})
 *   (:OutlineThread {uid, project, id, ord, description, plantedIn, hints, plannedPayoff, paidOffIn, state})
 *   (:Outline)-[:HAS_ARC]->(:OutlineArc)-[:HAS_BEAT]->(:OutlineBeat),  (:Outline)-[:HAS_THREAD]->(:OutlineThread)
 *
 * Keys: `uid` is `<slug>/<arc id>`, `<slug>/<episode>`, `<slug>/<thread id>` under a uniqueness
 * constraint per label; `Outline.project` is unique. A write transaction first bumps
 * `Outline.writeLock`, which takes the node's write lock until commit: two modifications of one
 * outline serialise as in SQLite's `BEGIN IMMEDIATE`. A written beat is never deleted by the save
 * (the pure edits refuse it first; the `WHERE` is the second line).
 */
import neo4j, { type Integer } from "neo4j-driver"
import { Schema } from "effect"
import { Outline } from "../domain/Outline.ts"

export interface Statement {
  readonly query: string
  readonly params: Record<string, unknown>
}

const int = (n: number): Integer => neo4j.int(n)
const intOrNull = (n: number | undefined): Integer | null => (n === undefined ? null : int(n))

export const arcUid = (slug: string, id: string): string => `${slug}/${id}`
export const beatUid = (slug: string, episode: number): string => `${slug}/${episode}`
export const threadUid = (slug: string, id: string): string => `${slug}/thread/${id}`

export const CONSTRAINTS: ReadonlyArray<string> = [
  "CREATE CONSTRAINT outline_project IF NOT EXISTS FOR (o:Outline) REQUIRE o.project IS UNIQUE",
  "CREATE CONSTRAINT outline_arc_uid IF NOT EXISTS FOR (a:OutlineArc) REQUIRE a.uid IS UNIQUE",
  "CREATE CONSTRAINT outline_beat_uid IF NOT EXISTS FOR (b:OutlineBeat) REQUIRE b.uid IS UNIQUE",
  "CREATE CONSTRAINT outline_thread_uid IF NOT EXISTS FOR (t:OutlineThread) REQUIRE t.uid IS UNIQUE",
]

/** Takes the outline's write lock for the rest of the transaction (no-op when there is no outline yet). */
export const lockOutline = (slug: string): Statement => ({
  query: "MATCH (o:Outline {project: $project}) SET o.writeLock = coalesce(o.writeLock, 0) + 1",
  params: { project: slug },
})

export const readSeries: Statement["query"] = "MATCH (o:Outline {project: $project}) RETURN o.premise AS premise"
export const readArcs: Statement["query"] = "MATCH (a:OutlineArc {project: $project}) RETURN properties(a) AS a ORDER BY a.from"
export const readBeats: Statement["query"] = "MATCH (b:OutlineBeat {project: $project}) RETURN properties(b) AS b ORDER BY b.episode"
export const readThreads: Statement["query"] = "MATCH (t:OutlineThread {project: $project}) RETURN properties(t) AS t ORDER BY t.ord"

/** A project's outline gone, written beats and all: the last statement counts the outline node. */
export const deleteOutline = (slug: string): ReadonlyArray<Statement> => [
  ...["OutlineBeat", "OutlineArc", "OutlineThread"].map((label) => ({ query: `MATCH (n:${label} {project: $project}) DETACH DELETE n`, params: { project: slug } })),
  { query: "MATCH (o:Outline {project: $project}) DETACH DELETE o RETURN count(*) AS deleted", params: { project: slug } },
]

/** The statements that make the graph hold exactly `outline` (in one write transaction). */
export const saveOutline = (outline: Outline): ReadonlyArray<Statement> => {
  const project = outline.project
  return [
    {
      query: "MERGE (o:Outline {project: $project}) SET o.premise = $premise",
      params: { project, premise: outline.premise },
    },
    {
      query: "MATCH (a:OutlineArc {project: $project}) WHERE NOT a.id IN $ids DETACH DELETE a",
      params: { project, ids: outline.arcs.map((a) => a.id) },
    },
    {
      query: [
        "MATCH (o:Outline {project: $project})",
        "UNWIND $arcs AS arc",
        "MERGE (a:OutlineArc {uid: arc.uid})",
        "SET a += arc",
        "MERGE (o)-[:HAS_ARC]->(a)",
      ].join(" "),
      params: {
        project,
        arcs: outline.arcs.map((a) => ({ uid: arcUid(project, a.id), project, id: a.id, title: a.title, goal: a.goal, from: int(a.from), to: int(a.to), by: a.by })),
      },
    },
    {
      query: "MATCH (b:OutlineBeat {project: $project}) WHERE NOT b.episode IN $episodes AND b.state <> 'written' DETACH DELETE b",
      params: { project, episodes: outline.beats.map((b) => int(b.episode)) },
    },
    {
      query: [
        "UNWIND $beats AS beat",
        "MERGE (b:OutlineBeat {uid: beat.uid})",
        "SET b += beat",
        "WITH b, beat",
        "MATCH (a:OutlineArc {uid: beat.arcUid})",
        "OPTIONAL MATCH (:OutlineArc)-[old:HAS_BEAT]->(b) DELETE old",
        "MERGE (a)-[:HAS_BEAT]->(b)",
      ].join(" "),
      params: {
        beats: outline.beats.map((b) => ({
          uid: beatUid(project, b.episode),
          arcUid: arcUid(project, b.arc),
          project,
          episode: int(b.episode),
          arc: b.arc,
          text: b.text,
          title: b.title ?? null,
          characters: [...b.characters],
          threads: [...b.threads],
          state: b.state,
          history: JSON.stringify(b.history),
        })),
      },
    },
    {
      query: "MATCH (t:OutlineThread {project: $project}) WHERE NOT t.id IN $ids DETACH DELETE t",
      params: { project, ids: outline.threads.map((t) => t.id) },
    },
    {
      query: [
        "MATCH (o:Outline {project: $project})",
        "UNWIND $threads AS thread",
        "MERGE (t:OutlineThread {uid: thread.uid})",
        "SET t += thread",
        "MERGE (o)-[:HAS_THREAD]->(t)",
      ].join(" "),
      params: {
        project,
        threads: outline.threads.map((t, i) => ({
          uid: threadUid(project, t.id),
          project,
          id: t.id,
          ord: int(i),
          description: t.description,
          plantedIn: int(t.plantedIn),
          hints: t.hints.map(int),
          plannedPayoff: intOrNull(t.plannedPayoff),
          paidOffIn: intOrNull(t.paidOffIn),
          state: t.state,
        })),
      },
    },
  ]
}

type Props = Record<string, unknown>

/** A property as the driver returns it with `disableLosslessIntegers` (null for a property never set). */
const present = (value: unknown): boolean => value !== null && value !== undefined

const decode = Schema.decodeUnknownSync(Outline)

/**
 * The outline from the four reads' node properties; throws a `SchemaError` naming the path when
 * the graph holds something that is not an outline.
 */
export const outlineFromRecords = (
  project: string,
  premise: string,
  arcs: ReadonlyArray<Props>,
  beats: ReadonlyArray<Props>,
  threads: ReadonlyArray<Props>,
): Outline =>
  decode({
    project,
    premise,
    arcs: arcs.map((a) => ({ id: a["id"], title: a["title"], goal: a["goal"], from: a["from"], to: a["to"], by: a["by"] })),
    beats: beats.map((b) => ({
      episode: b["episode"],
      arc: b["arc"],
      text: b["text"],
      ...(present(b["title"]) ? { title: b["title"] } : {}),
      characters: b["characters"] ?? [],
      threads: b["threads"] ?? [],
      state: b["state"],
      history: JSON.parse(String(b["history"])),
    })),
    threads: threads.map((t) => ({
      id: t["id"],
      description: t["description"],
      plantedIn: t["plantedIn"],
      hints: t["hints"] ?? [],
      ...(present(t["plannedPayoff"]) ? { plannedPayoff: t["plannedPayoff"] } : {}),
      ...(present(t["paidOffIn"]) ? { paidOffIn: t["paidOffIn"] } : {}),
      state: t["state"],
    })),
  })
