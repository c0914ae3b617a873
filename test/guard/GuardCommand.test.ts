/**
 * `novel-factory guard <slug> <file.md> [--episode n]`: the text is checked as episode n (the next
 * one by default) against every committed episode before it, on a real data directory.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { guardCommand } from "../../src/cli/commands/guard.ts"
import { newCommand } from "../../src/cli/commands/story.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-guard-cli-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) => runCommand([newCommand, guardCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

/** An episode long enough for the template's band, its sentences its own. */
const episodeBody = (n: number) =>
  Array.from({ length: 60 }, (_, i) =>
    `차도윤은 ${n}번째 사건의 ${i + 1}번째 단서를 수첩에 옮겨 적으며 비에 젖은 부두의 불빛을 오래 바라보았다. 윤세라가 옆에서 조용히 고개를 끄덕였다.`
  ).join("\n\n")

describe("novel-factory guard", () => {
  it("checks a text as the job's episode, against every earlier committed episode", async () => {
    expect((await cli("new", "rain-city", "--genre", "modern_noir")).code).toBe(0)
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* StoryStore
        for (let n = 1; n <= 5; n++) {
          const body = episodeBody(n)
          yield* store.commitEpisode(
            { project: "rain-city", number: n, title: `제${n}화`, body, summary: `${n}화`, charCount: countCharsWithSpaces(body), findings: [], reward: 1, drafts: 1, committedAt: n },
            emptyBibleChanges,
          )
        }
      }).pipe(Effect.provide(SqliteStoryStore.layer.pipe(Layer.provide(Database.layerIn(data.dir))))),
    )
    // episode 1 again, as episode 6: no recent episode holds it, the history does
    const file = join(data.dir, "copy.md")
    writeFileSync(file, `# 제6화 다시\n\n${episodeBody(1)}\n`)
    const copy = await cli("guard", "rain-city", file, "--json")
    expect(copy.code).toBe(1)
    const verdict = JSON.parse(copy.out)
    const finding = verdict.findings.find((f: { code: string }) => f.code === "repetition.copy")
    expect(finding.message).toMatch(/episode 1\b/)
    // checked as episode 1 itself (a redraft), nothing before it is a source
    expect((await cli("guard", "rain-city", file, "--episode", "1", "--json")).out).not.toContain("repetition.copy")
    const bad = await cli("guard", "rain-city", file, "--episode", "0")
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--episode must be at least 1/)
  })
})
