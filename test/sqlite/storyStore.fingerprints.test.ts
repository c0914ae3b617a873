/**
 * The SQLite store keeps the fingerprints it read per project: a read after a commit (by this
 * connection or by another one on the same file, "another process") still has every committed
 * episode's, and a read of an unchanged project hands back the same objects.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { tempDatabases } from "./helpers.ts"

const files = tempDatabases("story-fingerprints")
const storeOn = (path: string) => SqliteStoryStore.layer.pipe(Layer.provide(Database.layer({ path })))

describe("SqliteStoryStore fingerprints", () => {
  it.effect("are kept as read, and a commit on either connection is in the next read", () =>
    Effect.gen(function* () {
      const path = files.next()
      const here = Context.get(yield* Layer.build(storeOn(path)), StoryStore)
      const there = Context.get(yield* Layer.build(storeOn(path)), StoryStore)
      yield* here.createProject(sampleProject("moon-gate"), sampleBible())
      expect(yield* here.fingerprints("moon-gate")).toEqual([])
      yield* here.commitEpisode(sampleEpisode(1), emptyBibleChanges, { fingerprint: [3, 1, 4] })
      const first = yield* here.fingerprints("moon-gate")
      expect(first).toEqual([{ number: 1, sentences: [3, 1, 4] }])
      yield* there.commitEpisode(sampleEpisode(2), emptyBibleChanges, { fingerprint: [1, 5] })
      const second = yield* here.fingerprints("moon-gate")
      expect(second).toEqual([{ number: 1, sentences: [3, 1, 4] }, { number: 2, sentences: [1, 5] }])
      expect(second[0]).toBe(first[0])
      yield* here.commitEpisode(sampleEpisode(3), emptyBibleChanges, { fingerprint: [9] })
      expect((yield* there.fingerprints("moon-gate")).map((f) => f.number)).toEqual([1, 2, 3])
      expect((yield* here.fingerprints("moon-gate")).map((f) => f.number)).toEqual([1, 2, 3])
      expect(yield* here.fingerprints("nope")).toEqual([])
    }).pipe(Effect.scoped))
})
