/**
 * The pure parts of the Neo4j StoryStore, without a server: parameter building (domain →
 * Cypher parameters, integers as Neo4j integers, uids) and record mapping (node properties →
 * domain), including round trips over arbitrary domain values.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import neo4j from "neo4j-driver"
import type { BibleChanges, Character, StoryEvent } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import * as Q from "../../src/story/cypher.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"

/** What the driver hands back with `disableLosslessIntegers`: Integers become numbers. */
const fromDriver = (props: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, neo4j.isInt(v) ? (v as { toNumber(): number }).toNumber() : v]))

const text = fc.string({ maxLength: 20 })
const id = fc.stringMatching(/^[a-z0-9-]{1,12}$/)
const smallInt = fc.integer({ min: 0, max: 1_000_000 })

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
    status: fc.constantFrom("alive" as const, "dead" as const),
    traits: fc.array(text, { maxLength: 3 }),
    firstEpisode: smallInt,
    provisional: fc.boolean(),
  },
  { requiredKeys: ["id", "name", "aliases", "role", "status", "traits", "firstEpisode"] },
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
  it("character (provisional absent stays absent)", () => {
    fc.assert(
      fc.property(arbCharacter, smallInt, (c, ord) => {
        expect(Q.toCharacter(fromDriver(Q.characterProps("s", c, ord)))).toEqual(c)
      }),
    )
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

  it("commitChangeStatements: distinct appearances, events from the reserved base, status changes, relations", () => {
    const changes: BibleChanges = {
      appearances: ["seoyun", "mira", "seoyun"],
      events: [{ episode: 2, description: "x", characters: ["seoyun"], place: "gate" }],
      statusChanges: [{ character: "doha", status: "dead" }],
      newRelations: [{ from: "seoyun", to: "mira", type: "KNOWS", since: 2 }],
    }
    const statements = Q.commitChangeStatements(sampleEpisode(2), changes, { relBase: 5, eventBase: 7 })
    const byQuery = new Map(statements.map((s) => [s.query, s.params]))
    expect(byQuery.get(Q.RECORD_APPEARANCES)?.characters).toEqual(["seoyun", "mira"])
    expect(byQuery.get(Q.RECORD_APPEARANCES)?.uid).toBe("moon-gate/2")
    const events = byQuery.get(Q.CREATE_EVENTS)?.events as Array<Record<string, unknown>>
    expect(events.map((e) => e.uid)).toEqual(["moon-gate/e7"])
    expect(byQuery.has(Q.LINK_EVENT_CHARACTERS) && byQuery.has(Q.LINK_EVENT_PLACES)).toBe(true)
    expect(byQuery.get(Q.APPLY_STATUS_CHANGES)?.changes).toEqual([{ character: "doha", status: "dead" }])
    expect(statements.some((s) => s.query.includes("[rel:KNOWS]"))).toBe(true)
    // Nothing to change: no statements at all.
    expect(Q.commitChangeStatements(sampleEpisode(3), { appearances: [], events: [], statusChanges: [], newRelations: [] }, { relBase: 0, eventBase: 0 })).toEqual([])
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
