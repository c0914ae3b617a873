/**
 * The stages on worker threads answer exactly what they answer in-process, a stage that throws
 * fails its own call (as a defect) and not the pool, and the config picks the pool's size.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { defaultConfig, FactoryConfigSchema } from "../../src/config/FactoryConfig.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import { splitEpisode } from "../../src/factory/EpisodeText.ts"
import { buildBrief } from "../../src/pipeline/Brief.ts"
import { inProcessStages, Stages, type StagesShape } from "../../src/pipeline/Stages.ts"
import { stageThreadsLayer } from "../../src/pipeline/StageThreads.ts"
import { editEpisode } from "../../src/editor/Editor.ts"
import { loadTemplate, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import { summarizeEpisode } from "../../src/text/Summary.ts"
import { Schema } from "effect"

/** Three episodes of one project through every stage, the results of each call recorded. */
const pipeline = (stages: StagesShape, episodes = 3) =>
  Effect.gen(function* () {
    const { template } = yield* loadTemplate("modern_noir")
    const { project, bible } = projectFromTemplate(template, { slug: "threads", seed: 7, now: 0 })
    const recent: Array<Episode> = []
    const out: Array<unknown> = []
    for (let n = 1; n <= episodes; n++) {
      const brief = buildBrief({ project, bible, episode: n, previous: recent.at(-1) ?? null, draft: 1, findingsToFix: [], promptAdditions: [] })
      const draft = yield* stages.compose(brief)
      // a draft with a copied passage and an unknown name too, so that the guard has findings to report
      const flawed = `${draft}\n\n박철수가 조용히 말했다. ${recent.at(-1)?.body.slice(0, 120) ?? ""}`
      const verdicts = yield* Effect.all([stages.guard({ text: draft, episode: n, project, bible, recent }), stages.guard({ text: flawed, episode: n, project, bible, recent })], {
        concurrency: "unbounded",
      })
      const edited = yield* stages.edit(draft, project.language)
      const { title, body } = splitEpisode(edited, n)
      const summary = yield* stages.summarize(body)
      out.push(draft, verdicts, edited, summary)
      recent.push({ project: project.slug, number: n, title, body, summary, charCount: body.length, findings: [], reward: 1, drafts: 1, committedAt: 0 })
    }
    return out
  })

describe("stages on worker threads", () => {
  it.effect("answer exactly what the in-process stages answer", () =>
    Effect.gen(function* () {
      const here = yield* pipeline(inProcessStages)
      const there = yield* Stages.use(pipeline).pipe(Effect.provide(stageThreadsLayer(2)))
      expect(there).toEqual(here)
      // the flawed drafts were reported
      expect(JSON.stringify(there)).toContain("name.unknown")
    }).pipe(Effect.scoped), 30_000)

  it.effect("send a recent episode's texts to a thread once, and again after it was told to forget them", () =>
    Effect.gen(function* () {
      const here = yield* pipeline(inProcessStages, 6)
      // three recent episodes a call and room for three texts: every call makes the thread forget some
      const there = yield* Stages.use((stages) => pipeline(stages, 6)).pipe(Effect.provide(stageThreadsLayer(1, { keptTexts: 3 })))
      expect(there).toEqual(here)
    }).pipe(Effect.scoped), 30_000)

  it.effect("answer an edit or a summary the thread worked out unasked only for exactly its input", () =>
    Effect.gen(function* () {
      const { template } = yield* loadTemplate("fantasy_kr")
      const { project, bible } = projectFromTemplate(template, { slug: "spec", seed: 3, now: 0 })
      const brief = buildBrief({ project, bible, episode: 1, previous: null, draft: 1, findingsToFix: [], promptAdditions: [] })
      const stages = yield* Stages
      const draft = yield* stages.compose(brief)
      expect((yield* stages.guard({ text: draft, episode: 1, project, bible, recent: [] })).accepted).toBe(true)
      // another language than the thread assumed: a call of its own
      expect(yield* stages.edit(draft, "en")).toBe(editEpisode(draft, { language: "en" }))
      const edited = yield* stages.edit(draft, "ko")
      expect(edited).toBe(editEpisode(draft, { language: "ko" }))
      // a plugin rewrote the edited text: its summary is not the one worked out
      const rewritten = splitEpisode(edited, 1).body.replace(/다\./g, "었다.")
      expect(yield* stages.summarize(rewritten)).toBe(summarizeEpisode(rewritten))
      const body = splitEpisode(edited, 1).body
      expect(yield* stages.summarize(body)).toBe(summarizeEpisode(body))
    }).pipe(Effect.provide(stageThreadsLayer(1)), Effect.scoped), 30_000)

  it.effect("warm up before the layer is ready, then answer the same", () =>
    Effect.gen(function* () {
      const here = yield* pipeline(inProcessStages)
      const there = yield* Stages.use(pipeline).pipe(Effect.provide(stageThreadsLayer(1, { warmUp: 4 })))
      expect(there).toEqual(here)
    }).pipe(Effect.scoped), 60_000)

  it.effect("fail a call whose stage throws, as a defect, and go on answering", () =>
    Effect.gen(function* () {
      const stages = yield* Stages
      const exit = yield* Effect.exit(stages.guard({ text: "x" } as never))
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      expect(Cause.pretty((exit as Exit.Failure<unknown, unknown>).cause)).toContain("TypeError")
      expect(yield* stages.summarize("첫 문장이다. 둘째 문장이다.")).toBe("첫 문장이다. 둘째 문장이다.")
    }).pipe(Effect.provide(stageThreadsLayer(1)), Effect.scoped), 30_000)

  it.effect("run in-process with 0 threads (the default when nothing is provided)", () =>
    Effect.gen(function* () {
      expect(yield* Stages.use(Effect.succeed)).toBe(inProcessStages)
      expect(yield* Stages.use(Effect.succeed).pipe(Effect.provide(stageThreadsLayer(0)))).toBe(inProcessStages)
    }))

  it("are configured by pipeline.stageThreads (a count or auto, absent meaning auto) and stageWarmUp", () => {
    const decode = Schema.decodeUnknownSync(FactoryConfigSchema)
    const base = defaultConfig("/tmp/x")
    expect(decode({ ...base, pipeline: { ...base.pipeline, stageThreads: 3 } }).pipeline.stageThreads).toBe(3)
    expect(decode({ ...base, pipeline: { ...base.pipeline, stageThreads: "auto" } }).pipeline.stageThreads).toBe("auto")
    expect(decode(base).pipeline.stageThreads).toBeUndefined()
    expect(decode({ ...base, pipeline: { ...base.pipeline, stageWarmUp: 200 } }).pipeline.stageWarmUp).toBe(200)
    expect(() => decode({ ...base, pipeline: { ...base.pipeline, stageThreads: -1 } })).toThrow(/stageThreads/)
  })
})
