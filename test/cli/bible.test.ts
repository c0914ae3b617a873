/**
 * `novel-factory bible <slug>`: the Bible, and beside it the provisional facts of a draft that
 * is still in the pipeline, against a real data directory.
 */
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { bibleCommand, newCommand } from "../../src/cli/commands/story.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-bible-cli-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) => runCommand([newCommand, bibleCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

describe("novel-factory bible", () => {
  it("prints the Bible and the provisional facts of an uncommitted draft; names a bad slug or project", async () => {
    expect((await cli("new", "rain-city", "--genre", "modern_noir")).code).toBe(0)
    const empty = await cli("bible", "rain-city")
    expect(empty.code).toBe(0)
    expect(empty.out).toMatch(/^characters \(\d+\):/)
    expect(empty.out).toContain("provisional: none")

    const bible = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* StoryStore
        const bible = yield* store.getBible("rain-city")
        const [first, second] = bible.characters
        yield* store.stageProvisional("rain-city", {
          episode: 1,
          draft: 2,
          stagedAt: Date.UTC(2026, 10, 22, 9, 30),
          changes: {
            appearances: [first!.id],
            events: [{ episode: 1, description: "비 내리는 부두의 거래", characters: [first!.id] }],
            statusChanges: [{ character: second!.id, status: "dead" }],
            newRelations: [],
          },
        })
        return bible
      }).pipe(Effect.provide(SqliteStoryStore.layer.pipe(Layer.provide(Database.layerIn(data.dir))))),
    )
    const [first, second] = bible.characters
    const text = await cli("bible", "rain-city")
    expect(text.code).toBe(0)
    expect(text.out).toContain("provisional — episode 1, draft 2, staged 2026-11-22 09:30:00:")
    expect(text.out).toContain(`  appear: ${first!.name}`)
    expect(text.out).toContain("  event: 비 내리는 부두의 거래")
    expect(text.out).toContain(`  status: ${second!.name} → dead`)
    // The Bible itself still has everyone alive: the death is only a draft's.
    expect(text.out).toContain(`  ${second!.name}`)
    expect(text.out).not.toMatch(new RegExp(`^  ${second!.name}.*, dead`, "m"))

    const json = JSON.parse((await cli("bible", "rain-city", "--json")).out)
    expect(json.bible).toEqual(bible)
    expect(json.provisional.map((f: { episode: number; draft: number }) => [f.episode, f.draft])).toEqual([[1, 2]])

    const unknown = await cli("bible", "nope")
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain("no project 'nope'")
    const bad = await cli("bible", "../etc")
    expect(bad.code).toBe(2)
    expect(bad.err).toContain("not a valid slug")
  })
})
