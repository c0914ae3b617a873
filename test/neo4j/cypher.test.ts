/**
 * The pure parts of the Neo4j StoryStore, without a server: parameter building (domain →
 * Cypher parameters, integers as Neo4j integers, uids) and record mapping (node properties →
 * domain), including round trips over arbitrary domain values.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import neo4j from "neo4j-driver"
import type { BibleChanges, Character, CharacterStatus, Fact, Place, Relation, StatusRecord, StoryEvent } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import * as Q from "../../src/story/cypher.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { fromDriver as fromDriverValue } from "./fakeGraph.ts"

/** A node's properties as the driver hands them back (`disableLosslessIntegers`). */
const fromDriver = (props: Record<string, unknown>) => fromDriverValue(props) as Record<string, unknown>

const text = fc.string({ maxLength: 20 })
const id = fc.stringMatching(/^[a-z0-9-]{1,12}$/)
const smallInt = fc.integer({ min: 0, max: 1_000_000 })
const statuses: ReadonlyArray<CharacterStatus> = ["alive", "dead", "injured", "missing", "captured"]

const arbProject: fc.Arbitrary<Project> = fc.record({
  slug: id,
  title: text,
  genre: text,
  language: fc.constantFrom("ko", "en", "ja"),
  seed: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  premise: text,
  tone: text,
  styleRules: fc.array(text, { maxLength: 3 }),
  bannedWords: fc.array(text, { maxLength: 3 }),
  lengthBand: fc.record({ min: fc.integer({ min: 1, max: 10_000 }), max: fc.integer({ min: 1, max: 10_000 }) }),
  beats: fc.array(text, { maxLength: 4 }),
  createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
})

const arbCharacter: fc.Arbitrary<Character> = fc.record(
  {
    id,
    name: text,
    aliases: fc.array(text, { maxLength: 3 }),
    role: text,
    status: fc.constantFrom(...statuses),
    traits: fc.array(text, { maxLength: 3 }),
    firstEpisode: smallInt,
    provisional: fc.boolean(),
    statusNote: text,
  },
  { requiredKeys: ["id", "name", "aliases", "role", "status", "traits", "firstEpisode"] },
)

const arbEvidence = fc.record({ start: smallInt, end: smallInt, text })

const arbPlace: fc.Arbitrary<Place> = fc.record(
  { id, name: text, description: text, firstEpisode: smallInt },
  { requiredKeys: ["id", "name", "description"] },
)

const arbRelation: fc.Arbitrary<Relation> = fc.record(
  { from: id, to: id, type: fc.constantFrom(...Q.RELATION_TYPES), since: smallInt, until: smallInt },
  { requiredKeys: ["from", "to", "type", "since"] },
)

const arbStatusRecord: fc.Arbitrary<StatusRecord> = fc.record(
  { character: id, status: fc.constantFrom(...statuses), episode: smallInt, note: text, evidence: arbEvidence },
  { requiredKeys: ["character", "status", "episode"] },
)

const arbFact: fc.Arbitrary<Fact> = fc.record(
  { text, subjects: fc.array(id, { maxLength: 3 }), validFrom: smallInt, validTo: smallInt, evidence: arbEvidence },
  { requiredKeys: ["text", "subjects", "validFrom"] },
)

const arbEvent: fc.Arbitrary<StoryEvent> = fc.record(
  { episode: smallInt, description: text, characters: fc.array(id, { maxLength: 3 }), place: id },
  { requiredKeys: ["episode", "description", "characters"] },
)

const arbEpisode: fc.Arbitrary<Episode> = fc.record({
  project: id,
  number: fc.integer({ min: 1, max: 100_000 }),
  title: text,
  body: fc.string({ maxLength: 200 }),
  summary: text,
  charCount: smallInt,
  findings: fc.array(
    fc.record(
      {
        code: text,
        category: fc.constantFrom("style" as const, "timeline-plot" as const, "length" as const),
        severity: fc.constantFrom("error" as const, "warning" as const),
        message: text,
        evidence: fc.record({ start: smallInt, end: smallInt, text }),
      },
      { requiredKeys: ["code", "category", "severity", "message"] },
    ),
    { maxLength: 3 },
  ),
  reward: fc.double({ min: 0, max: 1, noNaN: true }),
  drafts: fc.integer({ min: 1, max: 10 }),
  committedAt: fc.integer({ min: 0, max: 2 ** 45 }),
})

describe("cypher: record mapping round trips", () => {
  it("project", () => {
    fc.assert(
      fc.property(arbProject, (p) => {
        expect(Q.toProject(fromDriver(Q.projectProps(p, [])))).toEqual(p)
      }),
    )
  })
  it("character (provisional and statusNote absent stay absent)", () => {
    fc.assert(
      fc.property(arbCharacter, smallInt, (c, ord) => {
        expect(Q.toCharacter(fromDriver(Q.characterProps("s", c, ord)))).toEqual(c)
      }),
    )
  })
  it("toCharacter keeps every status; an unknown one is an error naming the character and the value", () => {
    const base = Q.characterProps("s", { id: "doha", name: "도하", aliases: [], role: "rival", status: "alive", traits: [], firstEpisode: 0 }, 0)
    for (const status of statuses) expect(Q.toCharacter(fromDriver({ ...base, status })).status).toBe(status)
    expect(() => Q.toCharacter(fromDriver({ ...base, status: "asleep" }))).toThrow(/character 'doha' has an unknown status "asleep"/)
    expect(() => Q.toCharacter(fromDriver({ ...base, status: undefined }))).toThrow(/unknown status/)
  })
  it("place (firstEpisode absent stays absent)", () => {
    fc.assert(
      fc.property(arbPlace, smallInt, (x, ord) => {
        expect(Q.toPlace(fromDriver(Q.placeProps("s", x, ord)))).toEqual(x)
      }),
    )
  })
  it("relation (until absent stays absent), as GET_RELATIONS returns it", () => {
    fc.assert(
      fc.property(arbRelation, smallInt, (r, ord) => {
        const [{ row }] = Q.relationParams("s", [r], ord)
        const rel = fromDriver(row)
        // The query returns the ends' ids, the type, and `until` as null when the edge has none.
        expect(Q.toRelation({ from: rel.from, to: rel.to, type: r.type, since: rel.since, until: rel.until ?? null })).toEqual(r)
      }),
    )
    expect(() => Q.toRelation({ from: "a", to: "b", type: "FOLLOWS", since: 1, until: null })).toThrow(/unknown relation type 'FOLLOWS'/)
  })
  it("status record and fact (evidence as JSON; note, validTo, evidence absent stay absent)", () => {
    fc.assert(
      fc.property(arbStatusRecord, arbFact, smallInt, (r, f, seq) => {
        const recordProps = Q.statusRecordProps("s", r, seq)
        const factProps = Q.factProps("s", f, seq)
        expect(typeof (recordProps.evidence ?? "")).toBe("string")
        expect(typeof (factProps.evidence ?? "")).toBe("string")
        expect(Q.toStatusRecord(fromDriver(recordProps))).toEqual(r)
        expect(Q.toFact(fromDriver(factProps))).toEqual(f)
      }),
    )
    expect(() => Q.toStatusRecord({ character: "mira", status: "gone", episode: 3 })).toThrow(/status record of 'mira' at episode 3 has an unknown status "gone"/)
  })
  it("fingerprint: stored with the episode as JSON, read back as GET_FINGERPRINTS returns it", () => {
    fc.assert(
      fc.property(arbEpisode, fc.array(fc.maxSafeInteger(), { maxLength: 8 }), (e, sentences) => {
        const props = fromDriver(Q.episodeProps(e, sentences))
        expect(Q.toFingerprint({ number: props.number, sentences: props.fingerprint })).toEqual({ number: e.number, sentences })
      }),
    )
    expect("fingerprint" in Q.episodeProps(sampleEpisode(1))).toBe(false)
    expect(Q.GET_FINGERPRINTS).toContain("WHERE e.fingerprint IS NOT NULL")
    expect(Q.GET_FINGERPRINTS).toMatch(/ORDER BY e\.number\s*$/)
  })
  it("event (place absent stays absent)", () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 4 }), smallInt, (events, base) => {
        expect(Q.eventProps("s", events, base).map((e) => Q.toEvent(fromDriver(e)))).toEqual(events)
      }),
    )
  })
  it("episode (findings as JSON)", () => {
    fc.assert(
      fc.property(arbEpisode, (e) => {
        expect(Q.toEpisode(fromDriver(Q.episodeProps(e)))).toEqual(e)
      }),
    )
  })
  it("num accepts numbers, Integers, bigints and nothing", () => {
    expect(Q.num(3)).toBe(3)
    expect(Q.num(neo4j.int(5))).toBe(5)
    expect(Q.num(7n)).toBe(7)
    expect(Q.num(null)).toBe(0)
  })
})

describe("cypher: parameters", () => {
  it("integers are sent as Neo4j integers, floats as floats", () => {
    const props = Q.episodeProps(sampleEpisode(3))
    for (const key of ["number", "charCount", "drafts", "committedAt"]) expect(neo4j.isInt(props[key]), key).toBe(true)
    expect(props.reward).toBe(0.9)
    expect(props.uid).toBe("moon-gate/3")
    expect(typeof props.findings).toBe("string")
    const project = Q.projectProps(sampleProject(), ["rule"])
    for (const key of ["seed", "lengthMin", "lengthMax", "createdAt"]) expect(neo4j.isInt(project[key]), key).toBe(true)
    expect(project.worldRules).toEqual(["rule"])
  })

  it("uids are unique per project and kind of key", () => {
    expect(Q.bibleUid("moon-gate", "seoyun")).toBe("moon-gate/seoyun")
    expect(Q.episodeUid("moon-gate", 12)).toBe("moon-gate/12")
    expect(Q.eventUid("moon-gate", 4)).toBe("moon-gate/e4")
    expect(Q.episodeUid("a", 1)).not.toBe(Q.episodeUid("b", 1))
  })

  it("createProjectStatements: project, characters, each entity label, relations per type, events, sequences", () => {
    const statements = Q.createProjectStatements(sampleProject(), sampleBible())
    expect(statements[0].query).toBe(Q.CREATE_PROJECT)
    expect(statements[1].query).toBe(Q.CREATE_CHARACTERS)
    const characters = statements[1].params.characters as Array<Record<string, unknown>>
    expect(characters.map((c) => [c.uid, (c.ord as { toNumber(): number }).toNumber()])).toEqual([
      ["moon-gate/seoyun", 0],
      ["moon-gate/doha", 1],
      ["moon-gate/mira", 2],
    ])
    expect("provisional" in characters[0]).toBe(false)
    expect(characters[2].provisional).toBe(false)
    const queries = statements.map((s) => s.query)
    expect(queries).toContain(Q.createEntities("Place"))
    expect(queries).toContain(Q.createEntities("Faction"))
    expect(queries).toContain(Q.createEntities("Item"))
    expect(queries.filter((q) => q.includes("MERGE (a)-[rel:RIVAL_OF]->(b)")).length).toBe(1)
    expect(queries.filter((q) => q.includes("MERGE (a)-[rel:MEMBER_OF]->(b)")).length).toBe(1)
    // No events in the sample Bible: no event statements.
    expect(queries).not.toContain(Q.CREATE_EVENTS)
    const last = statements[statements.length - 1]
    expect((last.params.relSeq as { toNumber(): number }).toNumber()).toBe(2)
  })

  it("relations are grouped by type, keep their order and get ords from the reserved base", () => {
    const statements = Q.relationStatements(
      "p",
      [
        { from: "a", to: "b", type: "KNOWS", since: 1 },
        { from: "a", to: "c", type: "LOVES", since: 1 },
        { from: "b", to: "c", type: "KNOWS", since: 2 },
      ],
      10,
    )
    expect(statements.length).toBe(2)
    const knows = statements[0].params.relations as Array<Record<string, unknown>>
    expect(statements[0].query).toContain("[rel:KNOWS]")
    expect(knows.map((r) => [r.fromUid, r.toUid, (r.ord as { toNumber(): number }).toNumber()])).toEqual([
      ["p/a", "p/b", 10],
      ["p/b", "p/c", 12],
    ])
    expect(() => Q.mergeRelations("DROP_ALL" as never)).toThrow(/unknown relation type/)
    expect(() => Q.relationStatements("p", [{ from: "a", to: "b", type: "X) DETACH DELETE (a" as never, since: 1 }], 0)).toThrow()
  })

  const bases: Q.SequenceBases = { relBase: 5, eventBase: 7, statusBase: 20, factBase: 3, ordBase: 9 }
  const int = (v: unknown) => (v as { toNumber(): number }).toNumber()

  it("commitChangeStatements: in mergeBibleChanges' order, each id and relation once, sequence numbers from the reserved bases", () => {
    const evidence = { start: 0, end: 4, text: "왼팔을" }
    const changes: BibleChanges = {
      appearances: ["seoyun", "mira", "seoyun"],
      events: [{ episode: 2, description: "x", characters: ["seoyun"], place: "gate" }],
      statusChanges: [
        { character: "doha", status: "injured", note: "왼팔을 잃었다", evidence },
        { character: "c-haeun", status: "captured" },
      ],
      newRelations: [
        { from: "seoyun", to: "mira", type: "KNOWS", since: 2, until: 9 },
        { from: "seoyun", to: "mira", type: "KNOWS", since: 5 },
      ],
      newCharacters: [
        { id: "c-haeun", name: "하은", aliases: [], role: "smith", status: "alive", traits: [], firstEpisode: 77, statusNote: "x" },
        { id: "c-haeun", name: "twice", aliases: [], role: "", status: "dead", traits: [], firstEpisode: 0 },
        { id: "c-jun", name: "준", aliases: [], role: "", status: "missing", traits: [], firstEpisode: 0 },
      ],
      newPlaces: [{ id: "p-forge", name: "대장간", description: "d" }],
      endedRelations: [{ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 0 }],
      facts: [{ text: "은열쇠가 부러졌다", subjects: ["key"], validFrom: 99, validTo: 100 }],
    }
    const statements = Q.commitChangeStatements(sampleEpisode(2), changes, bases)
    expect(statements.map((s) => s.query)).toEqual([
      Q.introduceNodes("Character"),
      Q.RECORD_APPEARANCES,
      Q.APPLY_STATUS_CHANGE,
      Q.APPLY_STATUS_CHANGE,
      Q.introduceNodes("Place"),
      Q.endRelations("RIVAL_OF"),
      Q.mergeRelations("KNOWS"),
      Q.CREATE_EVENTS,
      Q.LINK_EVENT_CHARACTERS,
      Q.LINK_EVENT_PLACES,
      Q.CREATE_FACTS,
    ])
    const [characters, appearances, doha, haeun, places, ended, knows, events, , , facts] = statements.map((s) => s.params)
    // The first of an id wins; introduced in this episode whatever firstEpisode it came with.
    const nodes = characters!.nodes as Array<Record<string, unknown>>
    expect(nodes.map((n) => [n.uid, n.name, int(n.firstEpisode), int(n.ord), n.statusNote])).toEqual([
      ["moon-gate/c-haeun", "하은", 2, 9, "x"],
      ["moon-gate/c-jun", "준", 2, 10, undefined],
    ])
    expect(appearances!.characters).toEqual(["seoyun", "mira"])
    expect(appearances!.uid).toBe("moon-gate/2")
    // Two sequence numbers per change: the status before the first change, then the change.
    expect([doha!.uid, int(doha!.initialSeq)]).toEqual(["moon-gate/doha", 20])
    expect(fromDriverValue(doha!.record)).toEqual({
      project: "moon-gate",
      seq: 21,
      character: "doha",
      episode: 2,
      status: "injured",
      note: "왼팔을 잃었다",
      evidence: JSON.stringify(evidence),
    })
    expect(int(haeun!.initialSeq)).toBe(22)
    expect(fromDriverValue(haeun!.record)).toEqual({ project: "moon-gate", seq: 23, character: "c-haeun", episode: 2, status: "captured" })
    // Places' ords follow every new character's (the duplicate's included: reserved, left unused).
    const place = (places!.nodes as Array<Record<string, unknown>>)[0]!
    expect([place.uid, int(place.ord), int(place.firstEpisode)]).toEqual(["moon-gate/p-forge", 12, 2])
    expect(fromDriverValue(ended)).toEqual({ episode: 2, relations: [{ fromUid: "moon-gate/seoyun", toUid: "moon-gate/doha" }] })
    // One KNOWS row (the first), without the until it came with.
    expect(fromDriverValue(knows!.relations)).toEqual([
      { from: "seoyun", to: "mira", fromUid: "moon-gate/seoyun", toUid: "moon-gate/mira", since: 2, ord: 5 },
    ])
    expect((events!.events as Array<Record<string, unknown>>).map((e) => e.uid)).toEqual(["moon-gate/e7"])
    expect(fromDriverValue(facts!.facts)).toEqual([{ project: "moon-gate", seq: 3, text: "은열쇠가 부러졌다", subjects: ["key"], validFrom: 2, validTo: 100 }])
    // Nothing to change: no statements at all.
    expect(Q.commitChangeStatements(sampleEpisode(3), { appearances: [], events: [], statusChanges: [], newRelations: [] }, bases)).toEqual([])
  })

  it("reserveParams: two status records per change, one ord per introduced node, as Neo4j integers", () => {
    const params = Q.reserveParams("moon", {
      appearances: [],
      events: [{ episode: 1, description: "e", characters: [] }],
      statusChanges: [{ character: "a", status: "dead" }, { character: "b", status: "alive" }],
      newRelations: [{ from: "a", to: "b", type: "KNOWS", since: 1 }],
      newCharacters: [{ id: "c", name: "c", aliases: [], role: "", status: "alive", traits: [], firstEpisode: 1 }],
      newPlaces: [{ id: "p", name: "p", description: "" }, { id: "q", name: "q", description: "" }],
      facts: [{ text: "f", subjects: [], validFrom: 1 }],
    })
    expect(fromDriverValue(params)).toEqual({ slug: "moon", relations: 1, events: 1, statuses: 4, facts: 1, nodes: 3 })
    for (const key of ["relations", "events", "statuses", "facts", "nodes"] as const) expect(neo4j.isInt(params[key]), key).toBe(true)
    expect(fromDriverValue(Q.reserveParams("moon", emptyBibleChanges))).toEqual({ slug: "moon", relations: 0, events: 0, statuses: 0, facts: 0, nodes: 0 })
    // Every base RESERVE_SEQUENCES returns is one toSequenceBases reads.
    for (const base of ["relBase", "eventBase", "statusBase", "factBase", "ordBase"]) expect(Q.RESERVE_SEQUENCES).toContain(` AS ${base}`)
    expect(Q.toSequenceBases({ relBase: 1, eventBase: 2, statusBase: 3, factBase: 4, ordBase: neo4j.int(5) })).toEqual({ relBase: 1, eventBase: 2, statusBase: 3, factBase: 4, ordBase: 5 })
  })

  it("provisional facts: keyed by the episode's uid, integers as Neo4j integers, changes as JSON, round trip", () => {
    const facts = {
      episode: 3,
      draft: 2,
      stagedAt: 1_700_000_000_000,
      changes: { appearances: ["a"], events: [{ episode: 3, description: "x", characters: ["a"], place: "p" }], statusChanges: [], newRelations: [] },
    }
    const props = Q.provisionalProps("moon", facts)
    expect(props.uid).toBe(Q.episodeUid("moon", 3))
    expect(neo4j.isInt(props.episode) && neo4j.isInt(props.draft) && neo4j.isInt(props.stagedAt)).toBe(true)
    expect(typeof props.changes).toBe("string")
    expect(Q.toProvisional(fromDriver(props))).toEqual(facts)
  })

  it("every schema statement is idempotent", () => {
    for (const c of Q.CONSTRAINTS) expect(c).toContain("IF NOT EXISTS")
  })
})

describe("cypher: fences and stale commits", () => {
  const raise = "SET f.token = CASE WHEN f.token > $token THEN f.token ELSE $token END"

  it("a fence per (project, episode), unique, keyed like its episode; tokens as Neo4j integers", () => {
    expect(Q.CONSTRAINTS).toContain("CREATE CONSTRAINT nf_fence_uid IF NOT EXISTS FOR (f:Fence) REQUIRE f.uid IS UNIQUE")
    const params = Q.fenceParams("moon", 4, 17)
    expect(params.uid).toBe(Q.episodeUid("moon", 4))
    expect(params.slug).toBe("moon")
    expect(neo4j.isInt(params.episode) && neo4j.isInt(params.token)).toBe(true)
    expect(fromDriverValue(params)).toEqual({ slug: "moon", uid: "moon/4", episode: 4, token: 17 })
    expect(() => Q.fenceParams("moon", 4, 1.5)).toThrow("fencing token of moon:4 must be an integer, got 1.5")
    expect(() => Q.fenceParams("moon", 4, Number.NaN)).toThrow(/must be an integer/)
  })

  it("FENCE_EPISODE merges the fence by uid, only raises it (reading the token in the SET, so Cypher locks first), says whether the token is the newest", () => {
    expect(Q.FENCE_EPISODE).toContain("MERGE (f:Fence {uid: $uid})")
    expect(Q.FENCE_EPISODE).toContain("ON CREATE SET f.project = $slug, f.episode = $episode, f.token = $token")
    expect(Q.FENCE_EPISODE).toContain(raise)
    expect(Q.FENCE_EPISODE.trim().split("\n").at(-1)).toBe("RETURN f.token = $token AS newest")
  })

  it("FENCE_FOR_COMMIT raises the fence the same way, then returns it and the project's last episode", () => {
    const lines = Q.FENCE_FOR_COMMIT.trim().split("\n")
    expect(lines[0]).toBe("MATCH (p:Project {slug: $slug})")
    expect(Q.FENCE_FOR_COMMIT).toContain("MERGE (f:Fence {uid: $uid})")
    // The raise comes before the read of the episodes, and the result is read after the raise.
    expect(Q.FENCE_FOR_COMMIT.indexOf(raise)).toBeGreaterThan(0)
    expect(Q.FENCE_FOR_COMMIT.indexOf(raise)).toBeLessThan(Q.FENCE_FOR_COMMIT.indexOf("OPTIONAL MATCH (p)-[:HAS_EPISODE]->(e:Episode)"))
    expect(lines.at(-1)).toBe("RETURN f.token AS fence, max(e.number) AS lastEpisode")
  })

  it("the commit locks its project first: a write that leaves nothing, and no row when there is no project", () => {
    expect(Q.LOCK_PROJECT).toContain("MATCH (p:Project {slug: $slug})")
    expect(Q.LOCK_PROJECT).toContain("SET p._LOCK_ = true")
    expect(Q.LOCK_PROJECT).toContain("REMOVE p._LOCK_")
    expect(Q.LOCK_PROJECT.trim().split("\n").at(-1)).toBe("RETURN true AS found")
    expect(Q.EPISODE_COMMITTED).toBe("OPTIONAL MATCH (e:Episode {uid: $uid}) RETURN e IS NOT NULL AS committed")
  })

  it("staleCommitReason: a fence above the token, or a later episode committed; the SQLite store's words", () => {
    expect(Q.staleCommitReason(2, 5, { fence: 5, lastEpisode: null })).toBeUndefined()
    expect(Q.staleCommitReason(2, 5, { fence: 5, lastEpisode: 1 })).toBeUndefined()
    expect(Q.staleCommitReason(2, 5, {})).toBeUndefined()
    expect(Q.staleCommitReason(1, 5, { fence: 6, lastEpisode: null })).toBe("fencing token 5 is stale: delivery 6 holds the job")
    expect(Q.staleCommitReason(1, 5, { fence: neo4j.int(6), lastEpisode: 3 })).toBe("fencing token 5 is stale: delivery 6 holds the job")
    expect(Q.staleCommitReason(2, 1, { fence: 1, lastEpisode: 3 })).toBe("episode 3 is committed already")
    expect(Q.staleCommitReason(2, 1, { fence: 1, lastEpisode: neo4j.int(3) })).toBe("episode 3 is committed already")
  })
})

describe("cypher: what the statements' model (fakeGraph.ts) relies on", () => {
  const parameters = (query: string) => new Set([...query.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))

  const everything: BibleChanges = {
    appearances: ["seoyun"],
    events: [{ episode: 2, description: "x", characters: ["seoyun"], place: "gate" }],
    statusChanges: [{ character: "doha", status: "missing", note: "n" }],
    newRelations: [{ from: "seoyun", to: "c-new", type: "LOVES", since: 2 }],
    newCharacters: [{ id: "c-new", name: "n", aliases: [], role: "", status: "alive", traits: [], firstEpisode: 0 }],
    newPlaces: [{ id: "p-new", name: "p", description: "" }],
    endedRelations: [{ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 0 }],
    facts: [{ text: "f", subjects: [], validFrom: 2 }],
  }

  it("every parameter a statement's query names is in its parameters", () => {
    const bible = { ...sampleBible(), events: [{ episode: 0, description: "e", characters: ["seoyun"] }], statusHistory: [{ character: "doha", status: "alive" as const, episode: 0 }], facts: [{ text: "f", subjects: [], validFrom: 0 }] }
    const statements = [
      ...Q.createProjectStatements(sampleProject(), bible),
      ...Q.commitChangeStatements(sampleEpisode(2), everything, { relBase: 0, eventBase: 0, statusBase: 0, factBase: 0, ordBase: 0 }),
      { query: Q.FENCE_EPISODE, params: Q.fenceParams("s", 1, 1) },
      { query: Q.FENCE_FOR_COMMIT, params: Q.fenceParams("s", 1, 1) },
      { query: Q.RESERVE_SEQUENCES, params: Q.reserveParams("s", everything) },
    ]
    expect(statements.length).toBeGreaterThan(15)
    for (const s of statements) {
      for (const name of parameters(s.query)) expect(s.params, `$${name} in\n${s.query}`).toHaveProperty(name)
    }
  })

  it("introduced nodes take over a stub, and only a stub", () => {
    for (const label of ["Character", "Place"] as const) {
      const q = Q.introduceNodes(label)
      expect(q).toContain("MERGE (n:BibleNode {uid: x.uid})\n  ON CREATE SET n.stub = true\nWITH p, n, x WHERE n.stub = true")
      expect(q).toContain(`SET n:${label}, n += x\nREMOVE n.stub`)
    }
  })

  it("relations: a new one gets since, ord and until as given; an ended one formed again holds anew; ending touches only one that holds", () => {
    const merge = Q.mergeRelations("KNOWS")
    expect(merge).toContain("ON CREATE SET rel.since = r.since, rel.ord = r.ord, rel.until = r.until")
    expect(merge).toContain("ON MATCH SET rel.since = CASE WHEN rel.until IS NULL THEN rel.since ELSE r.since END, rel.until = null")
    const end = Q.endRelations("RIVAL_OF")
    expect(end).toContain("MATCH (a:BibleNode {uid: r.fromUid})-[rel:RIVAL_OF]->(b:BibleNode {uid: r.toUid})\nWHERE rel.until IS NULL\nSET rel.until = $episode")
    expect(() => Q.endRelations("X]->() DETACH DELETE (a" as never)).toThrow(/unknown relation type/)
    expect(Q.GET_RELATIONS).toContain("r.until AS until")
  })

  it("a status change records the status before the first change (initialRecord), then itself, then moves the character", () => {
    const q = Q.APPLY_STATUS_CHANGE
    expect(q).toContain("OPTIONAL MATCH (earlier:StatusRecord {project: $slug, character: c.id})")
    expect(q).toContain("CASE WHEN recorded = 0 THEN [1] ELSE [] END")
    expect(q).toContain("(:StatusRecord {project: $slug, seq: $initialSeq, character: c.id, status: c.status, episode: c.firstEpisode})")
    // The initial record reads the character before the change moves it.
    expect(q.indexOf("status: c.status")).toBeLessThan(q.indexOf("SET c.status = $record.status, c.statusNote = $record.note"))
    expect(q).toContain("SET r = $record")
  })

  it("status records and facts are read in story time, then in the order they were written", () => {
    expect(Q.GET_STATUS_HISTORY).toMatch(/ORDER BY r\.episode, r\.seq$/)
    expect(Q.GET_FACTS).toMatch(/ORDER BY f\.validFrom, f\.seq$/)
    expect(Q.GET_CHARACTERS).toMatch(/ORDER BY c\.ord$/)
    expect(Q.getEntities("Place")).toMatch(/ORDER BY x\.ord$/)
  })
})
