/**
 * The guard against the offline writer's drafts: run each genre template
 * through the pipeline's pure steps (brief → draft → guard → editor → summary →
 * Bible changes) and require that ≥ 95 % of first drafts are accepted with a
 * mean reward ≥ 0.8. Then plant defects in those drafts (an unknown speaker, a
 * banned word, a paragraph copied from the previous episode, a dead character
 * walking in, a truncated draft, an old episode submitted again) and require that ≥ 95 % are caught.
 * Every draft is checked with the fingerprints of all the episodes before it, as the pipeline does:
 * the writer's formulas must not read as a copy of an old episode.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Bible } from "../../src/domain/Bible.ts"
import { countCharsWithSpaces, type Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import { editEpisode } from "../../src/editor/Editor.ts"
import { type EpisodeFingerprint, fingerprintEpisode, guardDraft } from "../../src/guard/Guard.ts"
import { composeEpisode } from "../../src/llm/OfflineWriter.ts"
import { extractBibleChanges } from "../../src/pipeline/BibleChanges.ts"
import { mergeBibleChanges } from "../../src/story/BibleTime.ts"
import { beatOf, buildBrief } from "../../src/pipeline/Brief.ts"
import { loadAllTemplates, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import { hasBatchim } from "../../src/text/Hangul.ts"
import { splitParagraphs } from "../../src/text/Sentences.ts"
import { summarizeEpisode } from "../../src/text/Summary.ts"

const SEEDS = [1, 2, 3]
const EPISODES = 12
const RECENT = 3

interface Draft {
  readonly project: Project
  readonly bible: Bible
  readonly text: string
  readonly episode: number
  readonly recent: ReadonlyArray<Episode>
  readonly history: ReadonlyArray<EpisodeFingerprint>
  readonly older: ReadonlyArray<Episode>
}

const subject = (name: string) => `${name}${hasBatchim(name[name.length - 1]) ? "이" : "가"}`

/** Inserts a paragraph at the paragraph boundary nearest the middle of the draft. */
const plant = (text: string, paragraph: string): { text: string; start: number } => {
  const ps = splitParagraphs(text)
  const at = ps[Math.floor(ps.length / 2)]?.start ?? text.length
  const insert = `${paragraph}\n\n`
  return { text: text.slice(0, at) + insert + text.slice(at), start: at }
}

describe("guard × offline writer", () => {
  it.effect("accepts ≥ 95 % of clean drafts with mean reward ≥ 0.8, and catches defects planted in them", () =>
    Effect.gen(function* () {
      const templates = yield* loadAllTemplates()
      const drafts: Array<Draft> = []
      let accepted = 0
      let rewardSum = 0
      const rejected: Array<string> = []
      for (const t of templates) {
        for (const seed of SEEDS) {
          let { project, bible } = projectFromTemplate(t.template, { slug: t.template.name, seed, now: 0 })
          const episodes: Array<Episode> = []
          const history: Array<EpisodeFingerprint> = []
          for (let n = 1; n <= EPISODES; n++) {
            const previous = episodes.at(-1) ?? null
            const brief = buildBrief({ project, bible, episode: n, previous, draft: 1, findingsToFix: [], promptAdditions: [] })
            const text = composeEpisode(brief)
            const recent = episodes.slice(-RECENT)
            const v = guardDraft({ text, episode: n, project, bible, recent, history: [...history] })
            rewardSum += v.reward
            if (v.accepted) accepted++
            else rejected.push(`${t.template.name}/${seed}/${n}: ${v.findings.map((f) => `${f.code} “${f.evidence?.text ?? ""}”`).join(", ")}`)
            drafts.push({ project, bible, text, episode: n, recent, history: [...history], older: episodes.slice(0, -RECENT) })
            const body = editEpisode(text, { language: project.language })
            const summary = summarizeEpisode(body, { names: bible.characters.flatMap((c) => [c.name, ...c.aliases]) })
            const beat = beatOf(project.beats, n)
            const changes = extractBibleChanges({ text: body, bible, episode: n, beat: beat === null ? "" : beat.cycled ? beat.text : beat.raw })
            bible = mergeBibleChanges(bible, changes, n)
            episodes.push({
              project: project.slug, number: n, title: "", body, summary, charCount: countCharsWithSpaces(body),
              findings: v.findings, reward: v.reward, drafts: 1, committedAt: 0,
            })
            history.push({ number: n, sentences: fingerprintEpisode(body) })
          }
        }
      }
      const acceptRate = accepted / drafts.length
      const meanReward = rewardSum / drafts.length
      console.log(
        `offline writer: ${templates.length} templates × ${SEEDS.length} seeds × ${EPISODES} episodes = ${drafts.length} drafts; ` +
          `accepted ${(acceptRate * 100).toFixed(1)}%, guard failure ${((1 - acceptRate) * 100).toFixed(1)}%, mean reward ${meanReward.toFixed(3)}`,
      )
      if (rejected.length > 0) console.log(`rejected: ${rejected.slice(0, 10).join("\n")}`)
      expect(acceptRate).toBeGreaterThanOrEqual(0.95)
      expect(meanReward).toBeGreaterThanOrEqual(0.8)

      // planted defects
      let planted = 0
      let caught = 0
      const missed: Array<string> = []
      const expectCode = (d: Draft, text: string, code: string, what: string, at?: number, bible: Bible = d.bible) => {
        planted++
        const v = guardDraft({ text, episode: d.episode, project: d.project, bible, recent: d.recent, history: d.history })
        const hit = v.findings.some((f) =>
          f.code === code && f.severity === "error" &&
          (at === undefined || f.evidence === undefined || (f.evidence.start <= at + 200 && f.evidence.end >= at))
        )
        if (hit && !v.accepted) caught++
        else missed.push(`${what} (${d.project.slug}): ${v.findings.map((f) => f.code).join(", ") || "no findings"}`)
      }
      drafts.forEach((d, i) => {
        if (i % 3 !== 0) return // a third of the drafts is plenty
        const p1 = plant(d.text, "“여기서 뭘 하는 거지?”\n\n박무영이 낮게 말했다.")
        expectCode(d, p1.text, "name.unknown", "unknown speaker", p1.start)
        const p2 = plant(d.text, `그때 누군가 ${d.project.bannedWords[0]} 이야기를 꺼냈다.`)
        expectCode(d, p2.text, "banned-word", "banned word", p2.start)
        const prev = d.recent.at(-1)
        if (prev !== undefined) {
          const longest = splitParagraphs(prev.body)
            .filter((p) => !p.text.startsWith("#") && !prev.summary.includes(p.text))
            .sort((a, b) => b.text.length - a.text.length)[0]
          if (longest !== undefined && longest.text.replace(/\s/g, "").length >= 80) {
            const p3 = plant(d.text, longest.text)
            expectCode(d, p3.text, "repetition.recent", "copied paragraph", p3.start)
          }
        }
        const victim = d.bible.characters.find((c) => c.status === "alive" && c.role !== "주인공")
        if (victim !== undefined) {
          const deadBible: Bible = {
            ...d.bible,
            characters: d.bible.characters.map((c) => (c.id === victim.id ? { ...c, status: "dead" as const } : c)),
          }
          const p4 = plant(d.text, `${subject(victim.name)} 문을 열고 성큼 들어왔다.`)
          expectCode(d, p4.text, "character.dead-acts", "dead character acting", undefined, deadBible)
        }
        // an episode older than the recent ones, submitted again as this one
        const old = d.older[0]
        if (old !== undefined) expectCode(d, `# 제${d.episode}화\n\n${old.body}`, "repetition.copy", `copy of episode ${old.number}`)
        const short = d.text.slice(0, Math.floor(d.text.length / 3))
        expectCode(d, short, "length.short", "truncated draft")
      })
      const recall = caught / planted
      console.log(`planted in writer drafts: ${planted}; caught ${caught} (recall ${(recall * 100).toFixed(1)}%)`)
      if (missed.length > 0) console.log(`missed: ${missed.slice(0, 10).join("\n")}`)
      expect(recall).toBeGreaterThanOrEqual(0.95)
    }))
})
