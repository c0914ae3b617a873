import { Effect } from "effect"
import type { Bible, Character } from "../../src/domain/Bible.ts"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { GenreTemplate } from "../../src/domain/Template.ts"
import { composeEpisode } from "../../src/llm/OfflineWriter.ts"
import { extractBibleChanges } from "../../src/pipeline/BibleChanges.ts"
import { mergeBibleChanges } from "../../src/story/BibleTime.ts"
import { beatOf, buildBrief } from "../../src/pipeline/Brief.ts"
import { loadAllTemplates, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"

export const templates: ReadonlyArray<GenreTemplate> = await Effect.runPromise(loadAllTemplates()).then((all) =>
  all.map((t) => t.template)
)

/** Every form of a character's name (two characters or longer). */
export const formsOf = (c: Character): ReadonlyArray<string> => [c.name, ...c.aliases].filter((n) => n.length >= 2)

/** The memory words the writer's memory sentences use; a dead name elsewhere would be the dead acting. */
export const MEMORY = /기억|떠올|생전|빈자리|그리/

/** Sentences and lines of a text (dialogue lines, narration sentences), heading excluded. */
export const sentencesOf = (text: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((l) => l.trim().length > 0 && !l.startsWith("#"))
    .flatMap((l) => (l.startsWith("“") || l.startsWith("‘") ? [l] : l.split(/(?<=[.!?])\s+/)))
    .map((s) => s.trim())
    .filter((s) => s.length > 0)

/** A stand-in for the editor's extractive summary: the first and last narration sentences. */
export const summaryOf = (text: string): string => {
  const narration = sentencesOf(text).filter((s) => !s.startsWith("“") && !s.startsWith("‘") && s !== "* * *")
  return [narration[0], narration[narration.length - 1]].filter((s) => s !== undefined).join(" ")
}

export const shingles = (text: string, n = 8): Set<string> => {
  const flat = text.replace(/\n+/g, " ")
  const out = new Set<string>()
  for (let i = 0; i + n <= flat.length; i++) out.add(flat.slice(i, i + n))
  return out
}

/** Share of `b`'s shingles that also occur in `a`. */
export const overlap = (a: string, b: string, n = 8): number => {
  const sa = shingles(a, n)
  const sb = shingles(b, n)
  let shared = 0
  for (const s of sb) if (sa.has(s)) shared++
  return sb.size === 0 ? 0 : shared / sb.size
}

export const hangulShare = (text: string): number => {
  const letters = text.match(/\p{L}/gu) ?? []
  const hangul = letters.filter((ch) => /[가-힣ㄱ-ㅎㅏ-ㅣ]/.test(ch))
  return letters.length === 0 ? 1 : hangul.length / letters.length
}

export interface Produced {
  readonly episode: number
  readonly brief: WriterBrief
  readonly bible: Bible
  readonly text: string
}

/** Runs a project through `count` episodes the way the pipeline does: brief → compose → Bible changes. */
export const runSeries = (template: GenreTemplate, count: number, seed = 7): ReadonlyArray<Produced> => {
  const created = projectFromTemplate(template, { slug: template.name, seed, now: 0 })
  const project = created.project
  let bible = created.bible
  let previous: Episode | null = null
  const out: Array<Produced> = []
  for (let episode = 1; episode <= count; episode++) {
    const brief = buildBrief({ project, bible, episode, previous, draft: 1, findingsToFix: [], promptAdditions: [] })
    const text = composeEpisode(brief)
    out.push({ episode, brief, bible, text })
    const beat = beatOf(project.beats, episode)!
    bible = mergeBibleChanges(bible, extractBibleChanges({ text, bible, episode, beat: beat.raw }), episode)
    previous = {
      project: project.slug, number: episode, title: "", body: text, summary: summaryOf(text), charCount: 0,
      findings: [], reward: 1, drafts: 1, committedAt: 0,
    }
  }
  return out
}
