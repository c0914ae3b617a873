/**
 * The SQLite story store keeps the Bible and the recent episodes it last read (and the episodes it
 * commits) per project. Two connections on one file ("two processes") run random interleavings of
 * commits (new episodes with Bible changes, and repeated commits of an episode already in, with
 * another body), project creations and reads; every `getBible` and `recentEpisodes` answer, on
 * either connection, must equal what a connection opened just then reads from the file. (A commit
 * merges its changes into the Bible its connection holds, as the rows merge them.)
 *
 * CHAOS_RUNS sets the number of runs (default 150, about a second). A failure prints fast-check's seed and path;
 * replay with `fc.assert(…, { seed, path })`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import type { BibleChanges } from "../../src/domain/Bible.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore, type StoryStoreShape } from "../../src/story/StoryStore.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { tempDatabases } from "./helpers.ts"

const RUNS = Number(process.env.CHAOS_RUNS ?? 150)
const PROJECTS = ["moon-gate", "river-song"] as const
// "ghost" is in no Bible: a status change of it changes nothing
const CHARACTERS = ["seoyun", "doha", "mira", "ghost"] as const

type Step =
  | { readonly t: "commit"; readonly on: 0 | 1; readonly project: 0 | 1; readonly changes: BibleChanges; readonly finding: boolean }
  | { readonly t: "recommit"; readonly on: 0 | 1; readonly project: 0 | 1; readonly back: number }
  | { readonly t: "create"; readonly on: 0 | 1 }
  | { readonly t: "bible"; readonly on: 0 | 1; readonly project: 0 | 1 }
  | { readonly t: "recent"; readonly on: 0 | 1; readonly project: 0 | 1; readonly count: number }

const on = fc.constantFrom(0 as const, 1 as const)
const project = fc.constantFrom(0 as const, 1 as const)
const character = fc.constantFrom(...CHARACTERS)
const pair = fc.constantFrom("seoyun", "doha")
const changes: fc.Arbitrary<BibleChanges> = fc.record({
  appearances: fc.array(character, { maxLength: 3 }),
  events: fc.array(
    fc.record(
      { description: fc.constantFrom("문이 열렸다", "도하가 떠났다"), characters: fc.array(character, { maxLength: 2 }), place: fc.constantFrom("gate", "village") },
      { requiredKeys: ["description", "characters"] },
    ),
    { maxLength: 2 },
  ),
  statusChanges: fc.array(fc.record({ character, status: fc.constantFrom("alive" as const, "dead" as const) }), { maxLength: 3 }),
  // few pairs, so that a relation already known comes again
  newRelations: fc.array(fc.record({ from: pair, to: pair, type: fc.constantFrom("KNOWS" as const, "HATES" as const) }), { maxLength: 3 }),
}).map((c) => ({
  appearances: c.appearances,
  events: c.events.map((e) => ({ episode: 0, ...e })),
  statusChanges: c.statusChanges,
  newRelations: c.newRelations.map((r) => ({ ...r, since: 0 })),
}))
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant("commit" as const), on, project, changes, finding: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("recommit" as const), on, project, back: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("create" as const), on }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("bible" as const), on, project }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("recent" as const), on, project, count: fc.integer({ min: 1, max: 4 }) }) },
)

const files = tempDatabases("story-cache")
const storeOn = (path: string) => SqliteStoryStore.layer.pipe(Layer.provide(Database.layer({ path })))

/** What a connection opened now reads. */
const freshly = <A, E>(path: string, read: (store: StoryStoreShape) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(Layer.build(storeOn(path)), (context) => read(Context.get(context, StoryStore))))

const run = (steps: ReadonlyArray<Step>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const path = files.next()
      const stores = [
        Context.get(yield* Layer.build(storeOn(path)), StoryStore),
        Context.get(yield* Layer.build(storeOn(path)), StoryStore),
      ] as const
      yield* stores[0].createProject(sampleProject(PROJECTS[0]), sampleBible())
      let created = false
      const committed = [0, 0]
      for (const s of steps) {
        const store = stores[s.on]
        switch (s.t) {
          case "create": {
            if (created) break
            yield* store.createProject(sampleProject(PROJECTS[1], 2_000), { ...sampleBible(), worldRules: ["Rivers remember."] })
            created = true
            break
          }
          case "commit": {
            if (s.project === 1 && !created) break
            const number = ++committed[s.project]!
            const findings = s.finding
              ? [{ code: "style.x", category: "style" as const, severity: "warning" as const, message: "m", evidence: { start: 0, end: 1, text: "#" } }]
              : []
            const episode = sampleEpisode(number, PROJECTS[s.project], { findings })
            const result = yield* store.commitEpisode(episode, {
              ...s.changes,
              events: s.changes.events.map((e) => ({ ...e, episode: number })),
              newRelations: s.changes.newRelations.map((r) => ({ ...r, since: number })),
            })
            expect(result.committed).toBe(true)
            break
          }
          case "recommit": {
            const number = committed[s.project]! - s.back
            if (number < 1) break
            const again = sampleEpisode(number, PROJECTS[s.project], { body: "another body", summary: "another summary" })
            const result = yield* store.commitEpisode(again, { appearances: ["doha"], events: [], statusChanges: [], newRelations: [] })
            expect(result.committed).toBe(false)
            break
          }
          case "bible": {
            if (s.project === 1 && !created) break
            const slug = PROJECTS[s.project]
            expect(yield* store.getBible(slug)).toEqual(yield* freshly(path, (fresh) => fresh.getBible(slug)))
            break
          }
          case "recent": {
            const slug = PROJECTS[s.project]
            expect(yield* store.recentEpisodes(slug, s.count)).toEqual(yield* freshly(path, (fresh) => fresh.recentEpisodes(slug, s.count)))
            break
          }
        }
      }
    }),
  )

describe("SqliteStoryStore read caches", () => {
  it(`answer as a fresh connection does, across two connections (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => Effect.runPromise(run(steps))),
      { numRuns: RUNS },
    )
  })
})
