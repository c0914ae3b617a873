/**
 * Writes the offline writer's golden: briefs over the three genre templates (series with recaps,
 * seeds, redrafts, a dead character, a redraft with findings and banned words, English) and the hash of
 * each draft. Run once, by hand, on the code whose output is to be kept (the record is in
 * `Golden.test.ts`); re-running it after a change would only record the change.
 *
 *     npx node test/writer/golden/mk.ts
 */
import { writeFileSync } from "node:fs"
import { createHash } from "node:crypto"
import type { WriterBrief } from "../../../src/domain/Brief.ts"
import { composeEpisode } from "../../../src/llm/OfflineWriter.ts"
import { buildBrief } from "../../../src/pipeline/Brief.ts"
import { projectFromTemplate } from "../../../src/templates/TemplateLoader.ts"
import { runSeries, templates } from "../../../test/writer/helpers.ts"

const briefs: Array<WriterBrief> = []
for (const t of templates) {
  // a series: recaps, rotation over episodes, the Bible evolving
  for (const p of runSeries(t, 8, 7)) briefs.push(p.brief)
  for (const seed of [1, 99]) for (const draft of [1, 2]) for (const episode of [1, 40]) {
    const { project, bible } = projectFromTemplate(t, { slug: `g-${seed}`, seed, now: 0 })
    briefs.push(buildBrief({ project, bible, episode, previous: null, draft, findingsToFix: [], promptAdditions: [] }))
  }
  // a dead character, a redraft with findings, banned words, English
  const { project, bible } = projectFromTemplate(t, { slug: "dead", seed: 3, now: 0 })
  const dead = { ...bible, characters: bible.characters.map((c, i) => (i === 1 ? { ...c, status: "dead" as const } : c)) }
  const b = buildBrief({ project, bible: dead, episode: 6, previous: null, draft: 2, findingsToFix: [], promptAdditions: [] })
  briefs.push(b)
  const line = composeEpisode(b).split("\n").find((l) => l.startsWith("“"))!
  briefs.push({ ...b, draft: 3, bannedWords: [...b.bannedWords, "그림자"], findingsToFix: [
    { code: "repetition.recent", category: "style", severity: "warning", message: "a copy", evidence: { start: 0, end: line.length, text: line } },
    { code: "character.dead-acts", category: "characterization", severity: "error", message: `${bible.characters[0].name} acts` },
  ] })
  briefs.push({ ...b, language: "en", draft: 4 })
  briefs.push({ ...b, language: "en", previousSummary: "Something happened before.", episode: 7 })
}
// what the composer does not read is left out, to keep the fixture small
const slim = briefs.map(({ standing: _standing, ...b }) => ({ ...b, premise: "", styleRules: [], nextBeat: null, storySoFar: [], promptAdditions: [] }))
writeFileSync(new URL("./briefs.json", import.meta.url), JSON.stringify(slim))
const hashes = slim.map((b) => createHash("sha256").update(composeEpisode(b)).digest("hex").slice(0, 16))
writeFileSync(new URL("./hashes.json", import.meta.url), JSON.stringify(hashes, null, 1) + "\n")
console.log(slim.length, createHash("sha256").update(hashes.join("")).digest("hex"))
