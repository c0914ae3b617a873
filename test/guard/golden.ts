/** The cases of the guard's golden (see `golden-mk.ts` and `Golden.test.ts`). */
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import type { GuardVerdict } from "../../src/domain/Episode.ts"
import { type EpisodeFingerprint, fingerprintEpisode, guardDraft, type GuardInput } from "../../src/guard/Guard.ts"
import { composeEpisode } from "../../src/llm/OfflineWriter.ts"
import type { CorpusEntry as Entry } from "./corpus/manifest.ts"
import { worlds } from "./corpus/worlds.ts"

const corpus = new URL("./corpus/", import.meta.url)
const read = (f: string) => readFileSync(new URL(f, corpus), "utf8")

const corpusCases = (): Array<GuardInput> => {
  const manifest: ReadonlyArray<Entry> = JSON.parse(read("manifest.json"))
  return manifest.map((e) => {
    const w = worlds[e.world]
    const earlier = [...(e.older ?? []), ...e.recent]
    const history: Array<EpisodeFingerprint> = earlier.map((f, i) => ({ number: i + 1, sentences: fingerprintEpisode(read(f)) }))
    return {
      text: read(e.file),
      episode: e.episode ?? earlier.length + 1,
      project: w.project,
      bible: w.bible,
      recent: e.recent.map((f, i) => ({ number: (e.older?.length ?? 0) + i + 1, body: read(f) })),
      history,
    }
  })
}

const writerCases = (): Array<GuardInput> => {
  const briefs: ReadonlyArray<WriterBrief> = JSON.parse(readFileSync(new URL("../writer/golden/briefs.json", import.meta.url), "utf8"))
  const drafts = briefs.map(composeEpisode)
  return briefs.flatMap((brief, i) => {
    const project = { language: brief.language, bannedWords: brief.bannedWords, lengthBand: brief.lengthBand, styleRules: ["3인칭 시점"] }
    const bible = { characters: brief.cast, places: brief.places, worldRules: brief.worldRules }
    const before = drafts.slice(Math.max(0, i - 3), i)
    const recent = before.map((body, j) => ({ number: j + 1, body, summary: body.slice(0, 80) }))
    const history = before.map((body, j) => ({ number: j + 1, sentences: fingerprintEpisode(body) }))
    const base: GuardInput = { text: drafts[i], episode: before.length + 1, project, bible, recent, history }
    const cases: Array<GuardInput> = [base]
    if (i % 5 === 0) {
      const copy = drafts[i].split("\n\n").slice(0, 4).join("\n\n")
      cases.push({ ...base, recent: [...recent, { number: recent.length + 1, body: copy }], episode: recent.length + 2 })
      cases.push({ ...base, extraBannedWords: ["그림자", "바람"], options: { endingSeverity: "error", shingleSize: 8, recentPassageWarning: 30 } })
    }
    return cases
  })
}

export const guardGoldenCases = (): Array<GuardInput> => [...corpusCases(), ...writerCases()]

export const hashOf = (verdict: GuardVerdict): string => createHash("sha256").update(JSON.stringify(verdict)).digest("hex").slice(0, 16)

export const verdictHash = (input: GuardInput): string => hashOf(guardDraft(input))
