/**
 * The offline writer's output is part of every project written with it: a project replays the same
 * drafts from the same seed, and the tests and benches count on that. These briefs and hashes were
 * recorded from the writer before it was split into grammar, phrase banks, templates and composer
 * (`golden/mk.ts`); any change to what it writes fails here.
 */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import { composeEpisode } from "../../src/llm/OfflineWriter.ts"

const briefs: ReadonlyArray<WriterBrief> = JSON.parse(readFileSync(new URL("./golden/briefs.json", import.meta.url), "utf8"))
const recorded: ReadonlyArray<string> = JSON.parse(readFileSync(new URL("./golden/hashes.json", import.meta.url), "utf8"))

const sha = (text: string) => createHash("sha256").update(text).digest("hex")

describe("the offline writer's golden", () => {
  it("writes every recorded brief byte for byte as before the split", () => {
    expect(briefs.length).toBe(60)
    expect(sha(recorded.join(""))).toBe("370865588ef97171f14bf8768eca958b0a8e6539cbbeb1132c94925dd38f6495")
    const changed = briefs.flatMap((brief, i) => {
      const hash = sha(composeEpisode(brief)).slice(0, 16)
      return hash === recorded[i] ? [] : [`#${i} (${brief.project} ${brief.language} episode ${brief.episode} draft ${brief.draft})`]
    })
    expect(changed, "drafts that changed").toEqual([])
  })
})
