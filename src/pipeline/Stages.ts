/**
 * The CPU-bound stages of the pipeline — the offline writer's composer, the guard's checks, the
 * editor, and the offline analyst with the sentence fingerprint — behind one service, so that
 * they can run on other threads.
 *
 * They are pure functions of their inputs (no clock, no randomness, no I/O): where they run
 * changes nothing but which core does the work. The default is in-process, which is what the
 * deterministic simulation and most tests use; the factory provides a pool of worker threads
 * (`StageThreads.ts`) so that a multi-core machine does the stages of several jobs at once while
 * the main thread runs the queue, the store and the supervision tree.
 */
import { Context, Effect } from "effect"
import { analyzeOffline } from "../analyst/OfflineAnalyst.ts"
import type { EpisodeAnalysis } from "../domain/Analysis.ts"
import type { Bible } from "../domain/Bible.ts"
import type { WriterBrief } from "../domain/Brief.ts"
import type { Episode, GuardVerdict } from "../domain/Episode.ts"
import { editEpisode } from "../editor/Editor.ts"
import { splitEpisode } from "../domain/EpisodeText.ts"
import { fingerprintEpisode } from "../guard/Fingerprint.ts"
import { type GuardInput, makeGuard } from "../guard/Guard.ts"
import { composeEpisode } from "../llm/OfflineWriter.ts"
import { loadTemplate, projectFromTemplate } from "../templates/TemplateLoader.ts"
import { summarizeEpisode } from "../text/Summary.ts"
import { buildBrief } from "./Brief.ts"

/**
 * A guard call without plugin checks: those are functions of this thread's plugins and run here,
 * after the built-in checks (see `withExtraChecks` in `Guard.ts`).
 */
export type GuardRequest = Omit<GuardInput, "extraChecks">

/** An episode's text to analyse, against the Bible as the previous episode left it. */
export interface AnalyzeRequest {
  /** The text (a draft, or the final body with no title line). */
  readonly text: string
  readonly bible: Bible
  readonly episode: number
}

/** The offline analyst's reading of a text (`analyzeOffline`) and its sentence fingerprint (`fingerprintEpisode`). */
export interface AnalyzedText {
  readonly analysis: EpisodeAnalysis
  readonly fingerprint: ReadonlyArray<number>
}

export interface StagesShape {
  /** The offline writer's draft of a brief (`composeEpisode`). */
  readonly compose: (brief: WriterBrief) => Effect.Effect<string>
  readonly guard: (input: GuardRequest) => Effect.Effect<GuardVerdict>
  /** `editEpisode` (Korean web-novel formatting). */
  readonly edit: (markdown: string, language: string) => Effect.Effect<string>
  /**
   * `analyzeOffline` and `fingerprintEpisode` of a text. The same request again (the same text, the
   * same Bible object, the same episode) is answered from memory: a job asks once for the
   * analysis of its final body and once more for its fingerprint.
   */
  readonly analyze: (request: AnalyzeRequest) => Effect.Effect<AnalyzedText>
  /**
   * `analyzeOffline` of a draft, whose introductions the guard then reads: no fingerprint (only a
   * committed body's is kept). A thread remembers the Bible, to analyse the body of the draft
   * against it if the guard accepts (see `StageThreads.ts`).
   */
  readonly analyzeDraft: (request: AnalyzeRequest) => Effect.Effect<EpisodeAnalysis>
}

/**
 * What `analyzeOffline` reads of a Bible: not its events, world rules or histories, and of its
 * relations only those still holding — the parts that grow with every episode stay on this side
 * of a thread boundary. Must cover everything the analyst reads: the stage-thread tests compare
 * the threads' answers with the in-process ones, which analyse the whole Bible.
 */
export const analysisBibleOf = (bible: Bible): Bible => ({
  characters: bible.characters,
  places: bible.places,
  factions: bible.factions,
  items: bible.items,
  worldRules: [],
  relations: bible.relations.filter((r) => r.until === undefined),
  events: [],
})

export const analyzeDraftText = (request: AnalyzeRequest): EpisodeAnalysis =>
  analyzeOffline({ text: request.text, bible: request.bible, episode: request.episode })

export const analyzeText = (request: AnalyzeRequest): AnalyzedText => ({
  analysis: analyzeDraftText(request),
  fingerprint: fingerprintEpisode(request.text),
})

/** Answers kept for a repeated request: a few jobs' worth (each asks twice in a row). */
const REMEMBERED_ANALYSES = 64

/** `analyze` that answers a repeated request (same text, same Bible object, same episode) from memory. */
export const rememberingAnalyses = (analyze: StagesShape["analyze"]): StagesShape["analyze"] => {
  // by text: a Map keyed by the string hashes it once, and a job hands over the same string object each time
  const answers = new Map<string, { readonly bible: Bible; readonly episode: number; readonly answer: AnalyzedText }>()
  return (request) => {
    const known = answers.get(request.text)
    if (known !== undefined && known.bible === request.bible && known.episode === request.episode) return Effect.succeed(known.answer)
    return Effect.tap(analyze(request), (answer) =>
      Effect.sync(() => {
        answers.delete(request.text)
        answers.set(request.text, { bible: request.bible, episode: request.episode, answer })
        if (answers.size > REMEMBERED_ANALYSES) answers.delete(answers.keys().next().value!)
      }))
  }
}

/**
 * The guard of this thread: a stage thread (or the main thread, for the in-process stages) loads this
 * module once, and its guard keeps what it read of the projects' Bibles and recent episodes.
 */
const guard = makeGuard()

/** The stages as plain calls on the calling fiber's thread. */
export const inProcessStages: StagesShape = {
  compose: (brief) => Effect.sync(() => composeEpisode(brief)),
  guard: (input) => Effect.sync(() => guard.draft(input)),
  edit: (markdown, language) => Effect.sync(() => editEpisode(markdown, { language })),
  analyze: rememberingAnalyses((request) => Effect.sync(() => analyzeText(request))),
  analyzeDraft: (request) => Effect.sync(() => analyzeDraftText(request)),
}

/** Where the stages run: in-process unless a layer (the factory's thread pool) says otherwise. */
export const Stages = Context.Reference<StagesShape>("novel-factory/pipeline/Stages", { defaultValue: () => inProcessStages })

/** The operations a stage thread answers, with their arguments: what crosses the thread boundary. */
export type StageCall =
  | { readonly op: "compose"; readonly brief: WriterBrief }
  | { readonly op: "guard"; readonly input: GuardRequest }
  | { readonly op: "edit"; readonly markdown: string; readonly language: string }
  | { readonly op: "analyze"; readonly request: AnalyzeRequest }
  | { readonly op: "analyzeDraft"; readonly request: AnalyzeRequest }

/** Runs one call here (a stage thread runs them with this). */
export const runStageCall = (call: StageCall): unknown => {
  switch (call.op) {
    case "compose":
      return composeEpisode(call.brief)
    case "guard":
      return guard.draft(call.input)
    case "edit":
      return editEpisode(call.markdown, { language: call.language })
    case "analyze":
      return analyzeText(call.request)
    case "analyzeDraft":
      return analyzeDraftText(call.request)
  }
}

const WARM_UP_GENRES = ["fantasy_kr", "modern_noir", "romance_comedy"]

/**
 * Runs `episodes` synthetic episodes of the shipped templates through every stage, results thrown
 * away. V8 compiles and optimises code that has run hot: a fresh thread runs its first few hundred
 * episodes markedly slower (up to ~1.5x here) until then, which a thread can get over before its first job.
 */
export const warmUpStages = (episodes: number): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    if (episodes <= 0) return
    const perGenre = Math.ceil(episodes / WARM_UP_GENRES.length)
    let left = episodes
    for (const [i, genre] of WARM_UP_GENRES.entries()) {
      const { template } = yield* loadTemplate(genre)
      const { project, bible } = projectFromTemplate(template, { slug: `warm-up-${i}`, seed: 7919 * (i + 1), now: 0 })
      const recent: Array<Episode> = []
      for (let n = 1; n <= perGenre && left > 0; n++, left--) {
        const brief = buildBrief({ project, bible, episode: n, previous: recent.at(-1) ?? null, draft: 1, findingsToFix: [], promptAdditions: [] })
        const text = composeEpisode(brief)
        analyzeDraftText({ text, bible, episode: n })
        guard.draft({ text, episode: n, project, bible, recent: recent.slice(-3) })
        const { title, body } = splitEpisode(editEpisode(text, { language: project.language }), n)
        analyzeText({ text: body, bible, episode: n })
        // the recent episodes' summaries only feed the guard's checks: any summary does here
        const summary = summarizeEpisode(body)
        recent.push({ project: project.slug, number: n, title, body, summary, charCount: body.length, findings: [], reward: 1, drafts: 1, committedAt: 0 })
      }
    }
  })
