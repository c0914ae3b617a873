/**
 * A project seeded from a manuscript already written: the episodes go through the analyst in order
 * (the Bible learns their characters, places, deaths and relations, each from its episode on), each
 * is committed with its summary and fingerprint, and the outline records one written beat per
 * episode — so the factory continues from the next episode with a Bible and an outline of the story
 * so far, and the planner plans from there.
 */
import { Clock, Effect, Random } from "effect"
import { Analyst } from "../analyst/Analyst.ts"
import { Summarizer } from "../analyst/Summarizer.ts"
import { countCharsWithSpaces, type Episode } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import { fingerprintEpisode } from "../guard/Fingerprint.ts"
import { changesFromAnalysis } from "../pipeline/BibleChanges.ts"
import { OutlineStore } from "../planner/OutlineStore.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { StoryStore } from "../story/StoryStore.ts"
import { listTemplates, loadTemplate, projectFromTemplate } from "../templates/TemplateLoader.ts"
import { UnknownGenre } from "./Projects.ts"

export interface ManuscriptEpisode {
  readonly title: string
  /** Markdown, without its heading. */
  readonly body: string
}

export interface ImportManuscript {
  readonly slug: string
  readonly genre: string
  readonly title?: string | undefined
  readonly episodes: ReadonlyArray<ManuscriptEpisode>
}

export interface Imported {
  readonly project: Project
  readonly episodes: number
  /** Characters and places the Bible learned from the manuscript. */
  readonly introduced: number
}

/**
 * Splits a Markdown manuscript at its top-level headings (`# …`), one episode each, or takes a
 * heading-less text as one episode; a `제N화` prefix of a heading is not part of the title.
 */
export const splitManuscript = (markdown: string): Array<ManuscriptEpisode> => {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n")
  const out: Array<{ title: string; lines: Array<string> }> = []
  for (const line of lines) {
    const heading = /^#\s+(.+?)\s*$/.exec(line)
    if (heading !== null) out.push({ title: heading[1]!.replace(/^제\s*\d+\s*화\s*[:.\-–—]?\s*/, "").trim(), lines: [] })
    else if (out.length === 0) out.push({ title: "", lines: [line] })
    else out.at(-1)!.lines.push(line)
  }
  return out
    .map((e) => ({ title: e.title, body: e.lines.join("\n").trim() }))
    .filter((e) => e.body !== "")
}

export const importManuscript = Effect.fn("factory.importManuscript")(function* (input: ImportManuscript) {
  const store = yield* StoryStore
  const outlines = yield* OutlineStore
  const queue = yield* JobQueue
  const analyst = yield* Analyst
  const summarizer = yield* Summarizer

  const known = (yield* listTemplates()).map((t) => t.name)
  if (!known.includes(input.genre)) return yield* new UnknownGenre({ genre: input.genre, known })
  const { template } = yield* loadTemplate(input.genre)
  const seed = yield* Random.nextIntBetween(1, 2 ** 31 - 1)
  const now = yield* Clock.currentTimeMillis
  // The template gives the world (premise, tone, rules, cast); the manuscript replaces its outline.
  const seeded = projectFromTemplate(template, { slug: input.slug, title: input.title, seed, now })
  const project: Project = { ...seeded.project, beats: [] }
  yield* store.createProject(project, seeded.bible)

  const summaries: Array<string> = []
  for (const [i, source] of input.episodes.entries()) {
    const n = i + 1
    const bible = yield* store.getBible(project.slug)
    const analysis = yield* analyst.analyze({ text: source.body, bible, episode: n, language: project.language })
    const title = source.title === "" ? `제${n}화` : source.title
    const { changes, findings } = changesFromAnalysis({ text: source.body, bible, episode: n, beat: title, analysis })
    const summary = yield* summarizer.summarize({ title, body: source.body, analysis, bible, language: project.language })
    const episode: Episode = {
      project: project.slug,
      number: n,
      title,
      body: source.body,
      summary,
      charCount: countCharsWithSpaces(source.body),
      findings: [...analysis.findings, ...findings],
      reward: 1,
      // Not drafted here: 0 marks an imported episode.
      drafts: 0,
      committedAt: yield* Clock.currentTimeMillis,
    }
    yield* store.commitEpisode(episode, changes, { fingerprint: fingerprintEpisode(source.body) })
    summaries.push(summary.trim() === "" ? title : summary)
  }

  // The outline of what was written: one arc (seeded empty, it grows with each beat), one written beat per episode.
  yield* outlines.seed(project, "single")
  if (summaries.length > 0) {
    for (const [i, text] of summaries.entries()) {
      yield* outlines.addBeat(project.slug, i + 1, { text, title: input.episodes[i]!.title || `제${i + 1}화` }, "operator")
      yield* outlines.markWritten(project.slug, i + 1)
    }
    // The queue's episodes start after the manuscript: its episodes are jobs whose first delivery
    // finds them committed and completes them, so `enqueue` continues at the next number.
    yield* queue.enqueue(project.slug, summaries.map((_, i) => i + 1))
  }
  const after = yield* store.getBible(project.slug)
  return {
    project,
    episodes: summaries.length,
    introduced: after.characters.length - seeded.bible.characters.length + after.places.length - seeded.bible.places.length,
  } satisfies Imported
})
