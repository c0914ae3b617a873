/**
 * The Neo4j store's writes and reads against `mergeBibleChanges`, without a server: the
 * statements `createProjectStatements` and `commitChangeStatements` build are applied to the
 * in-memory model of `fakeGraph.ts` and read back through `toBible`, and the Bible must be
 * exactly the one `mergeBibleChanges` computes — the contract's case, then arbitrary Bibles and
 * changes. (That Neo4j runs the Cypher as the model says is what the contract test against a real
 * server checks, when `NEO4J_URL` is set.)
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  type Bible,
  type BibleChanges,
  type Character,
  type CharacterStatus,
  emptyBibleChanges,
  type Relation,
} from "../../src/domain/Bible.ts"
import { mergeBibleChanges } from "../../src/story/BibleTime.ts"
import * as Q from "../../src/story/cypher.ts"
import { sampleBible, sampleChangesOfEpisode2, sampleChangesOfEpisode3, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { FakeGraph } from "./fakeGraph.ts"

describe("Neo4j writes read back as mergeBibleChanges merges", () => {
  it("a created project reads back as given", () => {
    expect(FakeGraph.created(sampleProject(), sampleBible()).bible()).toEqual(sampleBible())
  })

  it("the contract's episodes: introduced nodes, status changes with their history, an ended relation formed again, facts", () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    let expected: Bible = sampleBible()
    for (const [n, changes] of [[1, emptyBibleChanges], [2, sampleChangesOfEpisode2], [3, sampleChangesOfEpisode3]] as const) {
      graph.commit(sampleEpisode(n), changes)
      expected = mergeBibleChanges(expected, changes, n)
      expect(graph.bible(), `after episode ${n}`).toEqual(expected)
    }
    const bible = graph.bible()
    expect(bible.characters.find((c) => c.id === "doha")).toMatchObject({ status: "dead", statusNote: "숨을 거두었다" })
    expect(bible.statusHistory?.map((r) => [r.character, r.episode, r.status])).toEqual([
      ["doha", 0, "alive"],
      ["doha", 2, "injured"],
      ["c-haeun", 2, "alive"],
      ["c-haeun", 2, "captured"],
      ["doha", 3, "dead"],
    ])
    // Formed again after it ended: holds anew, in its old place.
    expect(bible.relations[0]).toEqual({ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 3 })
  })

  it("a relation to an id not yet known leaves a stub that the character introduced later takes over", () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    const ep1: BibleChanges = { ...emptyBibleChanges, newRelations: [{ from: "seoyun", to: "c-new", type: "KNOWS", since: 1 }] }
    const ep2: BibleChanges = {
      ...emptyBibleChanges,
      newCharacters: [{ id: "c-new", name: "새", aliases: [], role: "stranger", status: "missing", traits: [], firstEpisode: 0, statusNote: "사라졌다" }],
    }
    graph.commit(sampleEpisode(1), ep1)
    expect(graph.bible().characters.map((c) => c.id)).toEqual(["seoyun", "doha", "mira"])
    graph.commit(sampleEpisode(2), ep2)
    expect(graph.bible()).toEqual(mergeBibleChanges(mergeBibleChanges(sampleBible(), ep1, 1), ep2, 2))
    expect(graph.bible().characters.at(-1)).toMatchObject({ id: "c-new", status: "missing", statusNote: "사라졌다", firstEpisode: 2 })
  })

  it("without any status change or fact, the Bible has no statusHistory or facts at all", () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    graph.commit(sampleEpisode(1), { ...emptyBibleChanges, statusChanges: [{ character: "ghost", status: "dead" }] })
    const bible = graph.bible()
    expect("statusHistory" in bible || "facts" in bible).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Arbitrary Bibles and episodes. Ids are unique across kinds (the graph's rule: relations name
// their ends by id alone), and drawn from small pools so that changes collide with what exists.

const statuses: ReadonlyArray<CharacterStatus> = ["alive", "dead", "injured", "missing", "captured"]
const text = fc.string({ maxLength: 6 })
const characterIds = ["c0", "c1", "c2", "c3", "c4", "c5"]
const placeIds = ["p0", "p1", "p2", "p3"]
const relationEnds = [...characterIds, ...placeIds, "f0", "i0", "x-unknown"]
const evidence = fc.record({ start: fc.nat(99), end: fc.nat(99), text })

const arbCharacter = (id: string, firstEpisode: number): fc.Arbitrary<Character> =>
  fc.record(
    {
      id: fc.constant(id),
      name: text,
      aliases: fc.array(text, { maxLength: 2 }),
      role: text,
      status: fc.constantFrom(...statuses),
      traits: fc.array(text, { maxLength: 2 }),
      firstEpisode: fc.constant(firstEpisode),
      provisional: fc.boolean(),
      statusNote: text,
    },
    { requiredKeys: ["id", "name", "aliases", "role", "status", "traits", "firstEpisode"] },
  )

const arbRelation = (since: fc.Arbitrary<number>): fc.Arbitrary<Relation> =>
  fc.record({ from: fc.constantFrom(...relationEnds), to: fc.constantFrom(...relationEnds), type: fc.constantFrom("KNOWS" as const, "HATES" as const, "SERVES" as const), since })

/** A template Bible: its cast from episode 0, its relations unique, its history and facts (if any) at episode 0. */
const arbBible: fc.Arbitrary<Bible> = fc
  .record({
    cast: fc.subarray(characterIds.slice(0, 4), { minLength: 1 }),
    places: fc.subarray(placeIds.slice(0, 2)),
    relations: fc.uniqueArray(fc.record({ r: arbRelation(fc.constant(0)), ended: fc.option(fc.nat(3), { nil: undefined }) }), {
      maxLength: 4,
      selector: ({ r }) => `${r.from}/${r.to}/${r.type}`,
    }),
    worldRules: fc.array(text, { maxLength: 2 }),
    withHistory: fc.boolean(),
    facts: fc.array(fc.record({ text, subjects: fc.array(fc.constantFrom(...relationEnds), { maxLength: 2 }), validFrom: fc.constant(0) }), { maxLength: 2 }),
  })
  .chain(({ cast, places, relations, worldRules, withHistory, facts }) =>
    fc.tuple(...cast.map((id) => arbCharacter(id, 0))).map((characters): Bible => ({
      characters,
      // The template's places have no firstEpisode; one written back by a store may.
      places: places.map((id, i) => ({ id, name: id.toUpperCase(), description: `place ${id}`, ...(i === 1 ? { firstEpisode: 0 } : {}) })),
      factions: [{ id: "f0", name: "F", description: "faction" }],
      items: [{ id: "i0", name: "I", description: "item" }],
      worldRules,
      relations: relations.map(({ r, ended }) => (ended === undefined ? r : { ...r, until: ended })),
      events: [{ episode: 0, description: "prologue", characters: [cast[0]!] }],
      ...(withHistory ? { statusHistory: characters.map((c) => ({ character: c.id, status: c.status, episode: 0 })) } : {}),
      ...(facts.length > 0 ? { facts } : {}),
    }))
  )

const arbChanges = (episode: number): fc.Arbitrary<BibleChanges> =>
  fc.record(
    {
      appearances: fc.array(fc.constantFrom(...characterIds), { maxLength: 3 }),
      events: fc.array(
        fc.record({ episode: fc.constant(episode), description: text, characters: fc.array(fc.constantFrom(...characterIds), { maxLength: 2 }), place: fc.constantFrom(...placeIds) }, {
          requiredKeys: ["episode", "description", "characters"],
        }),
        { maxLength: 2 },
      ),
      statusChanges: fc.array(
        fc.record(
          { character: fc.constantFrom(...characterIds, "x-unknown"), status: fc.constantFrom(...statuses), note: text, evidence },
          { requiredKeys: ["character", "status"] },
        ),
        { maxLength: 3 },
      ),
      // `since` and `until` as the analyst might send them: the store takes the episode's word.
      newRelations: fc.array(
        fc.tuple(arbRelation(fc.nat(episode)), fc.option(fc.nat(9), { nil: undefined })).map(([r, until]) => (until === undefined ? r : { ...r, until })),
        { maxLength: 4 },
      ),
      newCharacters: fc.array(fc.constantFrom(...characterIds).chain((id) => arbCharacter(id, 99)), { maxLength: 3 }),
      newPlaces: fc.array(
        fc.record({ id: fc.constantFrom(...placeIds), name: text, description: text, firstEpisode: fc.constant(99) }, { requiredKeys: ["id", "name", "description"] }),
        { maxLength: 2 },
      ),
      endedRelations: fc.array(arbRelation(fc.constant(0)), { maxLength: 3 }),
      facts: fc.array(
        fc.record({ text, subjects: fc.array(fc.constantFrom(...relationEnds), { maxLength: 2 }), validFrom: fc.constant(99), validTo: fc.nat(9), evidence }, {
          requiredKeys: ["text", "subjects", "validFrom"],
        }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ["appearances", "events", "statusChanges", "newRelations"] },
  )

const arbStory = arbBible.chain((bible) => fc.tuple(fc.constant(bible), fc.tuple(arbChanges(1), arbChanges(2), arbChanges(3), arbChanges(4))))

describe("Neo4j writes read back as mergeBibleChanges merges: arbitrary Bibles and episodes", () => {
  it("after creating the project and after each committed episode", () => {
    fc.assert(
      fc.property(arbStory, ([bible, episodes]) => {
        const graph = FakeGraph.created(sampleProject(), bible)
        expect(graph.bible()).toEqual(bible)
        let expected = bible
        episodes.forEach((changes, i) => {
          const n = i + 1
          graph.commit(sampleEpisode(n), changes)
          expected = mergeBibleChanges(expected, changes, n)
          expect(graph.bible()).toEqual(expected)
        })
      }),
      { numRuns: Number(process.env.CHAOS_RUNS ?? 300) },
    )
  })

  it("a project created before ordSeq existed still puts new nodes after its own", () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    delete graph.project.ordSeq
    const changes: BibleChanges = {
      ...emptyBibleChanges,
      newCharacters: [{ id: "c-late", name: "늦게", aliases: [], role: "", status: "alive", traits: [], firstEpisode: 0 }],
      newPlaces: [{ id: "p-late", name: "늦은 곳", description: "" }],
    }
    graph.commit(sampleEpisode(1), changes)
    expect(graph.bible()).toEqual(mergeBibleChanges(sampleBible(), changes, 1))
    expect(Q.RESERVE_SEQUENCES).toContain("coalesce(p.ordSeq, size([(p)-[:HAS]->(x:BibleNode) | x]))")
  })
})
