/**
 * The `StoryStore` contract: every adapter (SQLite, Neo4j …) runs these cases.
 *
 *   storyStoreContract("sqlite :memory:", {
 *     makeLayer: () => SqliteStoryStore.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" }))),
 *     makeDurable: () => { const path = tempFile(); return () => … same path … },
 *   })
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import type { Bible, BibleChanges, ProvisionalFacts } from "../../src/domain/Bible.ts"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import { bibleAsOf, mergeBibleChanges } from "../../src/story/BibleTime.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"

export interface StoryStoreHarness<E> {
  /** A fresh, empty store (called once per case). */
  readonly makeLayer: () => Layer.Layer<StoryStore, E>
  /** For durable adapters: one storage location; every layer the opener returns is a new "process" on it. */
  readonly makeDurable?: () => () => Layer.Layer<StoryStore, E>
}

export const sampleProject = (slug = "moon-gate", createdAt = 1_000): Project => ({
  slug,
  title: "달의 문",
  genre: "fantasy",
  language: "ko",
  seed: 42,
  premise: "A gatekeeper's daughter finds the moon gate open.",
  tone: "wistful",
  styleRules: ["short paragraphs"],
  bannedWords: ["갑자기"],
  lengthBand: { min: 5_000, max: 5_500 },
  beats: ["the gate opens", "the first crossing", "the price"],
  createdAt,
})

export const sampleBible = (): Bible => ({
  characters: [
    { id: "seoyun", name: "서윤", aliases: ["윤이"], role: "protagonist", status: "alive", traits: ["stubborn", "curious"], firstEpisode: 0 },
    { id: "doha", name: "도하", aliases: [], role: "rival", status: "alive", traits: ["proud"], firstEpisode: 0 },
    { id: "mira", name: "미라", aliases: ["the keeper"], role: "mentor", status: "alive", traits: [], firstEpisode: 0, provisional: false },
  ],
  places: [
    { id: "gate", name: "달의 문", description: "A stone arch on the hill" },
    { id: "village", name: "물골", description: "A river village" },
  ],
  factions: [{ id: "keepers", name: "문지기", description: "Guardians of the gate" }],
  items: [{ id: "key", name: "은열쇠", description: "A silver key" }],
  worldRules: ["The gate opens only under a full moon.", "No one returns unchanged."],
  relations: [
    { from: "seoyun", to: "doha", type: "RIVAL_OF", since: 0 },
    { from: "mira", to: "keepers", type: "MEMBER_OF", since: 0 },
  ],
  events: [],
})

export const sampleEpisode = (number: number, project = "moon-gate", overrides?: Partial<Episode>): Episode => ({
  project,
  number,
  title: `${number}화`,
  body: `# ${number}화\n\n서윤은 문 앞에 섰다. (${number})`,
  summary: `Summary of episode ${number}`,
  charCount: 5_100 + number,
  findings: [],
  reward: 0.9,
  drafts: 1,
  committedAt: 10_000 + number,
  ...overrides,
})

const quote = (text: string) => ({ start: 0, end: text.length, text })

/** What the text of episodes 2 and 3 changes: a newcomer and a place, an injury then a death, a relation ended and formed again, a fact. */
export const sampleChangesOfEpisode2: BibleChanges = {
  ...emptyBibleChanges,
  appearances: ["seoyun", "c-haeun"],
  newCharacters: [{ id: "c-haeun", name: "하은", aliases: ["대장장이"], role: "대장장이", status: "alive", traits: [], firstEpisode: 2 }],
  newPlaces: [{ id: "p-forge", name: "붉은 대장간", description: "강가의 대장간", firstEpisode: 2 }],
  statusChanges: [
    { character: "doha", status: "injured", note: "왼팔을 잃었다", evidence: quote("도하는 왼팔을 잃었다.") },
    { character: "c-haeun", status: "captured", note: "끌려갔다" },
  ],
  newRelations: [{ from: "c-haeun", to: "seoyun", type: "KNOWS", since: 2 }],
  endedRelations: [{ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 0 }],
  events: [{ episode: 2, description: "하은이 끌려갔다", characters: ["c-haeun"], place: "p-forge" }],
  facts: [{ text: "은열쇠가 부러졌다", subjects: ["key"], validFrom: 2, evidence: quote("은열쇠가 부러졌다.") }],
}
export const sampleChangesOfEpisode3: BibleChanges = {
  ...emptyBibleChanges,
  statusChanges: [{ character: "doha", status: "dead", note: "숨을 거두었다" }],
  newRelations: [{ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 3 }],
}

export const storyStoreContract = <E>(name: string, harness: StoryStoreHarness<E>): void => {
  const withStore = <A, E2>(self: Effect.Effect<A, E2, StoryStore>) => Effect.provide(self, harness.makeLayer())

  const created = Effect.gen(function* () {
    const store = yield* StoryStore
    yield* store.createProject(sampleProject(), sampleBible())
    return store
  })

  describe(`StoryStore contract: ${name}`, () => {
    it.effect("creates a project once; a duplicate is refused and changes nothing", () =>
      Effect.gen(function* () {
        const store = yield* created
        expect(Option.getOrThrow(yield* store.getProject("moon-gate"))).toEqual(sampleProject())
        const dup = yield* Effect.flip(store.createProject({ ...sampleProject(), title: "other" }, { ...sampleBible(), characters: [] }))
        expect(dup).toMatchObject({ _tag: "ProjectExists", slug: "moon-gate" })
        expect(Option.getOrThrow(yield* store.getProject("moon-gate")).title).toBe("달의 문")
        expect((yield* store.getBible("moon-gate")).characters.length).toBe(3)
        expect(Option.isNone(yield* store.getProject("nope"))).toBe(true)

        yield* store.createProject(sampleProject("second", 2_000), { ...sampleBible(), characters: [] })
        const summaries = yield* store.listProjects
        expect(summaries.map((s) => [s.project.slug, s.episodes, s.lastEpisode, s.characters])).toEqual([
          ["moon-gate", 0, 0, 3],
          ["second", 0, 0, 0],
        ])
      }).pipe(withStore))

    it.effect("getBible returns the Bible as created; an unknown project is ProjectNotFound", () =>
      Effect.gen(function* () {
        const store = yield* created
        expect(yield* store.getBible("moon-gate")).toEqual(sampleBible())
        expect(yield* Effect.flip(store.getBible("nope"))).toMatchObject({ _tag: "ProjectNotFound", slug: "nope" })
      }).pipe(withStore))

    it.effect("commits an episode once: a second commit of the same number is a no-op", () =>
      Effect.gen(function* () {
        const store = yield* created
        const changes: BibleChanges = {
          appearances: ["seoyun"],
          events: [{ episode: 1, description: "서윤 opens the gate", characters: ["seoyun"], place: "gate" }],
          statusChanges: [],
          newRelations: [{ from: "seoyun", to: "mira", type: "KNOWS", since: 1 }],
        }
        expect(yield* store.commitEpisode(sampleEpisode(1), changes)).toEqual({ committed: true })
        const bible = yield* store.getBible("moon-gate")

        const redelivered: BibleChanges = {
          appearances: ["doha"],
          events: [{ episode: 1, description: "a different draft", characters: ["doha"] }],
          statusChanges: [{ character: "doha", status: "dead" }],
          newRelations: [{ from: "doha", to: "mira", type: "HATES", since: 1 }],
        }
        expect(yield* store.commitEpisode(sampleEpisode(1, "moon-gate", { body: "another draft" }), redelivered)).toEqual({ committed: false })
        expect(yield* store.getBible("moon-gate")).toEqual(bible)
        expect(Option.getOrThrow(yield* store.getEpisode("moon-gate", 1))).toEqual(sampleEpisode(1))
        expect((yield* store.listEpisodes("moon-gate")).length).toBe(1)

        expect(yield* Effect.flip(store.commitEpisode(sampleEpisode(1, "nope"), emptyBibleChanges))).toMatchObject({
          _tag: "ProjectNotFound",
          slug: "nope",
        })
      }).pipe(withStore))

    it.effect("merges an episode's Bible changes: events appended, relations without duplicates", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.commitEpisode(sampleEpisode(1), {
          appearances: ["seoyun", "mira", "seoyun"],
          events: [
            { episode: 1, description: "서윤 finds the key", characters: ["seoyun"], place: "village" },
            { episode: 1, description: "미라 warns her", characters: ["mira", "seoyun"] },
          ],
          statusChanges: [],
          newRelations: [
            { from: "seoyun", to: "mira", type: "KNOWS", since: 1 },
            { from: "seoyun", to: "doha", type: "RIVAL_OF", since: 1 }, // already known since 0
            { from: "seoyun", to: "key", type: "OWNS", since: 1 },
          ],
        })
        yield* store.commitEpisode(sampleEpisode(2), {
          appearances: ["doha"],
          events: [{ episode: 2, description: "도하 follows", characters: ["doha"], place: "gate" }],
          statusChanges: [],
          newRelations: [
            { from: "seoyun", to: "mira", type: "KNOWS", since: 2 }, // duplicate of episode 1's
            { from: "seoyun", to: "mira", type: "LOVES", since: 2 }, // same pair, another type
          ],
        })
        const bible = yield* store.getBible("moon-gate")
        expect(bible.events).toEqual([
          { episode: 1, description: "서윤 finds the key", characters: ["seoyun"], place: "village" },
          { episode: 1, description: "미라 warns her", characters: ["mira", "seoyun"] },
          { episode: 2, description: "도하 follows", characters: ["doha"], place: "gate" },
        ])
        const key = (r: { from: string; to: string; type: string }) => `${r.from}-${r.type}-${r.to}`
        expect([...bible.relations].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
          [
            { from: "seoyun", to: "doha", type: "RIVAL_OF", since: 0 },
            { from: "mira", to: "keepers", type: "MEMBER_OF", since: 0 },
            { from: "seoyun", to: "mira", type: "KNOWS", since: 1 },
            { from: "seoyun", to: "key", type: "OWNS", since: 1 },
            { from: "seoyun", to: "mira", type: "LOVES", since: 2 },
          ].sort((a, b) => key(a).localeCompare(key(b))),
        )
        // Nodes that no change touched are as they were.
        const initial = sampleBible()
        expect(bible.characters).toEqual(initial.characters)
        expect(bible.places).toEqual(initial.places)
        expect(bible.factions).toEqual(initial.factions)
        expect(bible.items).toEqual(initial.items)
        expect(bible.worldRules).toEqual(initial.worldRules)
      }).pipe(withStore))

    it.effect("applies status changes", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.commitEpisode(sampleEpisode(1), {
          ...emptyBibleChanges,
          appearances: ["doha"],
          statusChanges: [{ character: "doha", status: "dead" }],
        })
        const after1 = yield* store.getBible("moon-gate")
        expect(after1.characters.find((c) => c.id === "doha")?.status).toBe("dead")
        expect(after1.characters.filter((c) => c.status === "alive").map((c) => c.id)).toEqual(["seoyun", "mira"])
        // A later episode can bring someone back; an unknown id changes nothing.
        yield* store.commitEpisode(sampleEpisode(2), {
          ...emptyBibleChanges,
          statusChanges: [
            { character: "doha", status: "alive" },
            { character: "ghost", status: "dead" },
          ],
        })
        const after2 = yield* store.getBible("moon-gate")
        expect(after2.characters.map((c) => [c.id, c.status])).toEqual([
          ["seoyun", "alive"],
          ["doha", "alive"],
          ["mira", "alive"],
        ])
      }).pipe(withStore))

    it.effect("lists episodes in order and returns the recent ones newest last", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.createProject(sampleProject("other", 2_000), sampleBible())
        for (const n of [1, 2, 3, 4, 5]) yield* store.commitEpisode(sampleEpisode(n), emptyBibleChanges)
        yield* store.commitEpisode(sampleEpisode(1, "other"), emptyBibleChanges)

        expect((yield* store.recentEpisodes("moon-gate", 3)).map((e) => e.number)).toEqual([3, 4, 5])
        expect(yield* store.recentEpisodes("moon-gate", 3)).toEqual([sampleEpisode(3), sampleEpisode(4), sampleEpisode(5)])
        expect((yield* store.recentEpisodes("moon-gate", 10)).map((e) => e.number)).toEqual([1, 2, 3, 4, 5])
        expect(yield* store.recentEpisodes("moon-gate", 0)).toEqual([])
        expect(yield* store.recentEpisodes("nope", 3)).toEqual([])

        const list = yield* store.listEpisodes("moon-gate")
        expect(list.map((e) => e.number)).toEqual([1, 2, 3, 4, 5])
        expect(list[1]).toEqual({ number: 2, title: "2화", charCount: 5_102, reward: 0.9, drafts: 1, committedAt: 10_002 })

        const summaries = yield* store.listProjects
        expect(summaries.map((s) => [s.project.slug, s.episodes, s.lastEpisode])).toEqual([
          ["moon-gate", 5, 5],
          ["other", 1, 1],
        ])
      }).pipe(withStore))

    it.effect("an episode not committed is Option.none", () =>
      Effect.gen(function* () {
        const store = yield* created
        expect(Option.isNone(yield* store.getEpisode("moon-gate", 1))).toBe(true)
        expect(Option.isNone(yield* store.getEpisode("nope", 1))).toBe(true)
        yield* store.commitEpisode(sampleEpisode(1, "moon-gate", { findings: [{ code: "style.long", category: "style", severity: "warning", message: "long" }] }), emptyBibleChanges)
        expect(Option.getOrThrow(yield* store.getEpisode("moon-gate", 1)).findings).toEqual([
          { code: "style.long", category: "style", severity: "warning", message: "long" },
        ])
        expect(Option.isNone(yield* store.getEpisode("moon-gate", 2))).toBe(true)
        expect(yield* store.listEpisodes("nope")).toEqual([])
      }).pipe(withStore))

    it.effect("merges what the text introduced and changed, each fact with its episode, exactly as mergeBibleChanges does", () =>
      Effect.gen(function* () {
        const store = yield* created
        const initial = yield* store.getBible("moon-gate")
        yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges)
        yield* store.commitEpisode(sampleEpisode(2), sampleChangesOfEpisode2)
        const after2 = yield* store.getBible("moon-gate")
        expect(after2).toEqual(mergeBibleChanges(mergeBibleChanges(initial, emptyBibleChanges, 1), sampleChangesOfEpisode2, 2))
        expect(after2.characters.find((c) => c.id === "c-haeun")).toMatchObject({ name: "하은", firstEpisode: 2, status: "captured", statusNote: "끌려갔다" })
        expect(after2.places.find((p) => p.id === "p-forge")?.firstEpisode).toBe(2)
        expect(after2.relations.find((r) => r.type === "RIVAL_OF")?.until).toBe(2)
        yield* store.commitEpisode(sampleEpisode(3), sampleChangesOfEpisode3)
        const after3 = yield* store.getBible("moon-gate")
        expect(after3).toEqual(mergeBibleChanges(after2, sampleChangesOfEpisode3, 3))
        expect(after3.characters.find((c) => c.id === "doha")).toMatchObject({ status: "dead", statusNote: "숨을 거두었다" })
        expect(after3.statusHistory?.filter((r) => r.character === "doha").map((r) => [r.episode, r.status])).toEqual([
          [0, "alive"],
          [2, "injured"],
          [3, "dead"],
        ])
        // In story time: as episode 1 left it, nothing of episode 2 or 3 is there.
        // (A relation is one row per (from, to, type): formed again, it holds from then on, and the
        // span before it ended is not kept — so "as of 1" is read from the Bible before that.)
        const { statusHistory: history1, facts: facts1, ...asOf1 } = bibleAsOf(after2, 1)
        expect(asOf1).toEqual(initial)
        expect(history1?.every((r) => r.episode === 0)).toBe(true)
        expect(facts1).toEqual([])
        const asOf2 = bibleAsOf(after3, 2)
        expect(asOf2.characters.find((c) => c.id === "doha")).toMatchObject({ status: "injured", statusNote: "왼팔을 잃었다" })
        expect(asOf2.relations.some((r) => r.type === "RIVAL_OF")).toBe(false)
        expect(bibleAsOf(after3, 3).relations.find((r) => r.type === "RIVAL_OF")).toEqual({ from: "seoyun", to: "doha", type: "RIVAL_OF", since: 3 })
      }).pipe(withStore))

    it.effect("a fenced commit is refused once a later delivery raised the fence, or a later episode is in", () =>
      Effect.gen(function* () {
        const store = yield* created
        expect(yield* store.fenceEpisode("moon-gate", 1, 5)).toBe(true)
        expect(yield* store.fenceEpisode("moon-gate", 1, 6)).toBe(true)
        // The fence never goes down.
        expect(yield* store.fenceEpisode("moon-gate", 1, 5)).toBe(false)
        const stale = yield* Effect.flip(store.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fence: 5 }))
        expect(stale).toMatchObject({ _tag: "StaleCommit", slug: "moon-gate", episode: 1 })
        expect(Option.isNone(yield* store.getEpisode("moon-gate", 1))).toBe(true)
        expect((yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fence: 6 })).committed).toBe(true)
        // An overtaken delivery of episode 2, after episode 3 is in: refused, nothing written.
        yield* store.commitEpisode(sampleEpisode(3), emptyBibleChanges, { fence: 1 })
        expect(yield* Effect.flip(store.commitEpisode(sampleEpisode(2), emptyBibleChanges, { fence: 1 }))).toMatchObject({ _tag: "StaleCommit" })
        expect((yield* store.listEpisodes("moon-gate")).map((e) => e.number)).toEqual([1, 3])
      }).pipe(withStore))

    it.effect("the outbox: a commit with its job holds its JobCommitted until acknowledged; a repeated, stale or jobless commit adds none", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.createProject(sampleProject("second", 2_000), { ...sampleBible(), characters: [] })
        expect(yield* store.pendingCommits(10)).toEqual([])
        yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fence: 1, job: { id: "moon-gate:1", durationMs: 1_500 } })
        yield* store.commitEpisode(sampleEpisode(1, "second"), emptyBibleChanges, { job: { id: "second:1", durationMs: 700 } })
        // The same episode again (a redelivery), one without a job, one refused as stale: no event of theirs.
        yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fence: 2, job: { id: "moon-gate:1", durationMs: 9 } })
        yield* store.commitEpisode(sampleEpisode(2), emptyBibleChanges)
        yield* store.fenceEpisode("moon-gate", 3, 8)
        yield* Effect.flip(store.commitEpisode(sampleEpisode(3), emptyBibleChanges, { fence: 7, job: { id: "moon-gate:3", durationMs: 1 } }))
        const pending = yield* store.pendingCommits(10)
        expect(pending).toEqual([
          { job: "moon-gate:1", project: "moon-gate", episode: 1, reward: 0.9, durationMs: 1_500, at: sampleEpisode(1).committedAt },
          { job: "second:1", project: "second", episode: 1, reward: 0.9, durationMs: 700, at: sampleEpisode(1, "second").committedAt },
        ])
        expect(yield* store.pendingCommits(1)).toEqual(pending.slice(0, 1))
        yield* store.acknowledgeCommits([{ project: "moon-gate", episode: 1 }])
        // Acknowledging again, or what was never pending, changes nothing.
        yield* store.acknowledgeCommits([{ project: "moon-gate", episode: 1 }, { project: "moon-gate", episode: 2 }, { project: "nope", episode: 1 }])
        expect(yield* store.pendingCommits(10)).toEqual(pending.slice(1))
        yield* store.acknowledgeCommits(pending)
        expect(yield* store.pendingCommits(10)).toEqual([])
        // The episodes themselves are untouched by the outbox.
        expect(Option.getOrThrow(yield* store.getEpisode("moon-gate", 1))).toEqual(sampleEpisode(1))
      }).pipe(withStore))

    it.effect("keeps each committed episode's fingerprint", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fingerprint: [3, 1, 4] })
        yield* store.commitEpisode(sampleEpisode(2), emptyBibleChanges, { fingerprint: [1, 5] })
        yield* store.commitEpisode(sampleEpisode(2), emptyBibleChanges, { fingerprint: [9] })
        expect(yield* store.fingerprints("moon-gate")).toEqual([
          { number: 1, sentences: [3, 1, 4] },
          { number: 2, sentences: [1, 5] },
        ])
        expect(yield* store.fingerprints("nope")).toEqual([])
      }).pipe(withStore))

    const draftFacts = (episode: number, draft: number, who: string): ProvisionalFacts => ({
      episode,
      draft,
      stagedAt: 20_000 + episode * 10 + draft,
      changes: {
        ...emptyBibleChanges,
        appearances: [who],
        events: [{ episode, description: `draft ${draft}`, characters: [who] }],
        statusChanges: [{ character: who, status: "dead" }],
      },
    })

    it.effect("a draft's facts are provisional: beside the Bible, never in it, a later draft replaces them", () =>
      Effect.gen(function* () {
        const store = yield* created
        const before = yield* store.getBible("moon-gate")
        expect(yield* store.provisionalFacts("moon-gate")).toEqual([])
        yield* store.stageProvisional("moon-gate", draftFacts(1, 1, "seoyun"))
        yield* store.stageProvisional("moon-gate", draftFacts(1, 2, "mira"))
        expect(yield* store.provisionalFacts("moon-gate")).toEqual([draftFacts(1, 2, "mira")])
        // The writer of the next episode reads the committed Bible only.
        expect(yield* store.getBible("moon-gate")).toEqual(before)
        expect(yield* store.provisionalFacts("nope")).toEqual([])
        expect(yield* Effect.flip(store.stageProvisional("nope", draftFacts(1, 1, "mira")))).toMatchObject({ _tag: "ProjectNotFound" })
      }).pipe(withStore))

    it.effect("the commit drops the episode's provisional facts; a dead job's are discarded; a late stage after the commit changes nothing", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.stageProvisional("moon-gate", draftFacts(1, 1, "doha"))
        yield* store.commitEpisode(sampleEpisode(1), { ...emptyBibleChanges, appearances: ["doha"] })
        expect(yield* store.provisionalFacts("moon-gate")).toEqual([])
        yield* store.stageProvisional("moon-gate", draftFacts(2, 1, "mira"))
        // A delivery overtaken after the commit stages its draft late: nothing comes back.
        yield* store.stageProvisional("moon-gate", draftFacts(1, 3, "seoyun"))
        expect((yield* store.provisionalFacts("moon-gate")).map((f) => f.episode)).toEqual([2])
        // Only the commit's own changes reached the Bible: doha appeared, nobody died.
        expect((yield* store.getBible("moon-gate")).characters.every((c) => c.status === "alive")).toBe(true)
        yield* store.discardProvisional("moon-gate", 2)
        yield* store.discardProvisional("moon-gate", 9)
        expect(yield* store.provisionalFacts("moon-gate")).toEqual([])
        // Drafting episode 4 means 3 is final: whatever 3 left behind goes.
        yield* store.stageProvisional("moon-gate", draftFacts(3, 1, "mira"))
        yield* store.stageProvisional("moon-gate", draftFacts(4, 1, "doha"))
        expect((yield* store.provisionalFacts("moon-gate")).map((f) => f.episode)).toEqual([4])
      }).pipe(withStore))

    it.effect("deleteProject removes the project and all it kept, leaves the others alone; again it is a no-op; the slug starts afresh", () =>
      Effect.gen(function* () {
        const store = yield* created
        yield* store.createProject(sampleProject("sun-gate"), sampleBible())
        yield* store.commitEpisode(sampleEpisode(1, "sun-gate"), sampleChangesOfEpisode2)
        const otherBible = yield* store.getBible("sun-gate")
        yield* store.fenceEpisode("moon-gate", 1, 5)
        yield* store.commitEpisode(sampleEpisode(1), sampleChangesOfEpisode2, { fence: 5, fingerprint: [1, 2] })
        yield* store.commitEpisode(sampleEpisode(2), emptyBibleChanges, { fingerprint: [3] })
        yield* store.stageProvisional("moon-gate", draftFacts(3, 1, "mira"))
        expect((yield* store.recentEpisodes("moon-gate", 3)).length).toBe(2)

        expect(yield* store.deleteProject("moon-gate")).toBe(true)
        expect(yield* store.getProject("moon-gate")).toEqual(Option.none())
        expect((yield* store.listProjects).map((p) => p.project.slug)).toEqual(["sun-gate"])
        expect(yield* Effect.flip(store.getBible("moon-gate"))).toMatchObject({ _tag: "ProjectNotFound" })
        expect(yield* store.listEpisodes("moon-gate")).toEqual([])
        expect(yield* store.getEpisode("moon-gate", 1)).toEqual(Option.none())
        expect(yield* store.recentEpisodes("moon-gate", 3)).toEqual([])
        expect(yield* store.fingerprints("moon-gate")).toEqual([])
        expect(yield* store.provisionalFacts("moon-gate")).toEqual([])
        expect(yield* store.deleteProject("moon-gate")).toBe(false)
        expect(yield* store.getBible("sun-gate")).toEqual(otherBible)
        expect((yield* store.listEpisodes("sun-gate")).map((e) => e.number)).toEqual([1])

        // Created again: the Bible it starts from, no old fence (token 1 commits), no old episode text.
        yield* store.createProject(sampleProject(), sampleBible())
        expect(yield* store.getBible("moon-gate")).toEqual(sampleBible())
        const reborn = sampleEpisode(1, "moon-gate", { body: "# 1화\n\n새 이야기.", committedAt: 99_000 })
        expect(yield* store.commitEpisode(reborn, emptyBibleChanges, { fence: 1 })).toEqual({ committed: true })
        expect(yield* store.recentEpisodes("moon-gate", 3)).toEqual([reborn])
      }).pipe(withStore))

    if (harness.makeDurable !== undefined) {
      const makeDurable = harness.makeDurable
      it.effect("projects, Bible and episodes survive a restart on the same storage", () =>
        Effect.gen(function* () {
          const open = makeDurable()
          const changes: BibleChanges = {
            appearances: ["seoyun"],
            events: [{ episode: 1, description: "the gate opens", characters: ["seoyun"], place: "gate" }],
            statusChanges: [{ character: "doha", status: "dead" }],
            newRelations: [{ from: "seoyun", to: "key", type: "OWNS", since: 1 }],
          }
          const bible = yield* Effect.gen(function* () {
            const store = yield* created
            yield* store.commitEpisode(sampleEpisode(1), changes, { job: { id: "moon-gate:1", durationMs: 40 } })
            yield* store.stageProvisional("moon-gate", draftFacts(2, 1, "mira"))
            return yield* store.getBible("moon-gate")
          }).pipe(Effect.provide(open()))

          yield* Effect.gen(function* () {
            const store = yield* StoryStore
            expect(yield* store.getBible("moon-gate")).toEqual(bible)
            expect(yield* store.provisionalFacts("moon-gate")).toEqual([draftFacts(2, 1, "mira")])
            expect(Option.getOrThrow(yield* store.getEpisode("moon-gate", 1))).toEqual(sampleEpisode(1))
            expect(yield* store.commitEpisode(sampleEpisode(1), changes)).toEqual({ committed: false })
            // A commit whose process died before its event went out still has it pending.
            expect((yield* store.pendingCommits(10)).map((c) => c.job)).toEqual(["moon-gate:1"])
            expect((yield* Effect.flip(store.createProject(sampleProject(), sampleBible())))._tag).toBe("ProjectExists")
          }).pipe(Effect.provide(open()))
        }))

      it.effect("a project deleted and created again by another process is not read from what this one kept", () =>
        Effect.gen(function* () {
          const open = makeDurable()
          yield* Effect.gen(function* () {
            const store = yield* created
            yield* store.commitEpisode(sampleEpisode(1), sampleChangesOfEpisode2)
            expect((yield* store.recentEpisodes("moon-gate", 3)).map((e) => e.body)).toEqual([sampleEpisode(1).body])
            yield* store.getBible("moon-gate")
            const reborn = sampleEpisode(1, "moon-gate", { body: "# 1화\n\n새 이야기.", committedAt: 99_000 })
            yield* Effect.gen(function* () {
              const other = yield* StoryStore
              expect(yield* other.deleteProject("moon-gate")).toBe(true)
              yield* other.createProject(sampleProject(), sampleBible())
              yield* other.commitEpisode(reborn, emptyBibleChanges)
            }).pipe(Effect.provide(Layer.fresh(open())))
            expect(yield* store.recentEpisodes("moon-gate", 3)).toEqual([reborn])
            expect(yield* store.getBible("moon-gate")).toEqual(sampleBible())
          }).pipe(Effect.provide(open()))
        }))
    }
  })
}
