import { Effect } from "effect"
import type { Episode } from "/work/main/src/domain/Episode.ts"
import { editEpisode } from "/work/main/src/editor/Editor.ts"
import { splitEpisode } from "/work/main/src/factory/EpisodeText.ts"
import { guardDraft } from "/work/main/src/guard/Guard.ts"
import { composeEpisode } from "/work/main/src/llm/OfflineWriter.ts"
import { buildBrief } from "/work/main/src/pipeline/Brief.ts"
import { loadTemplate, projectFromTemplate } from "/work/main/src/templates/TemplateLoader.ts"
import { summarizeEpisode } from "/work/main/src/text/Summary.ts"
const { template } = await Effect.runPromise(loadTemplate("modern_noir"))
const { project, bible } = projectFromTemplate(template, { slug: "bare", seed: 42, now: 0 })
const recent: Array<Episode> = []
const t = { brief: 0, compose: 0, guard: 0, edit: 0, summary: 0 }
for (let n = 1; n <= 300; n++) {
  let a = performance.now()
  const brief = buildBrief({ project, bible, episode: n, previous: recent.at(-1) ?? null, draft: 1, findingsToFix: [], promptAdditions: [] })
  let b = performance.now(); t.brief += b - a; a = b
  const draft = composeEpisode(brief)
  b = performance.now(); t.compose += b - a; a = b
  guardDraft({ text: draft, project, bible, recent: recent.slice(-3) })
  b = performance.now(); t.guard += b - a; a = b
  const { title, body } = splitEpisode(editEpisode(draft, { language: "ko" }), n)
  b = performance.now(); t.edit += b - a; a = b
  const summary = summarizeEpisode(body)
  b = performance.now(); t.summary += b - a; a = b
  recent.push({ project: "bare", number: n, title, body, summary, charCount: body.length, findings: [], reward: 1, drafts: 1, committedAt: 0 })
}
console.log(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v / 300).toFixed(2) + "ms"])))
