/**
 * The stages on worker threads answer exactly what they answer in-process, what a thread works out
 * unasked spares exactly the calls it answers, a stage that throws fails its own call (as a
 * defect) and not the pool, and the config picks the pool's size.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { defaultConfig, FactoryConfigSchema } from "../../src/config/FactoryConfig.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import type { EpisodeFingerprint } from "../../src/guard/Fingerprint.ts"
import { splitEpisode } from "../../src/domain/EpisodeText.ts"
import { buildBrief } from "../../src/pipeline/Brief.ts"
import { analyzeText, inProcessStages, type StageCall, Stages, type StagesShape } from "../../src/pipeline/Stages.ts"
import { stageThreadsLayer } from "../../src/pipeline/StageThreads.ts"
import { editEpisode } from "../../src/editor/Editor.ts"
import { loadTemplate, projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import { Schema } from "effect"

/** A line the offline analyst reads as a newcomer's introduction (박철수), which the guard accepts. */
const NEWCOMER = "\"저는 박철수라고 합니다.\" 사내가 말했다."

/**
 * The Bible with what the analyst must not be sent in vain and must still read: an event, a relation
 * that ended (neither changes the analysis) besides the template's holding ones.
 */
const withHistory = (bible: Bible): Bible => ({
  ...bible,
  relations: [...bible.relations, { ...bible.relations[0]!, type: "HATES", since: 0, until: 0 }],
  events: [{ episode: 0, description: "프롤로그", characters: [] }],
})

/** The Bible as the worker hands it to the guard: the draft's newcomers in it, provisional. */
const withNewcomers = (bible: Bible, text: string, episode: number): Bible => ({
  ...bible,
  characters: [
    ...bible.characters,
    ...analyzeText({ text, bible, episode }).analysis.deltas.flatMap((d) =>
      d._tag === "CharacterIntroduced"
        ? [{ ...bible.characters[0]!, id: d.id, name: d.name, aliases: d.aliases, role: d.role, provisional: true }]
        : []
    ),
  ],
})

/** Three episodes of one project through every stage, the results of each call recorded. */
const pipeline = (stages: StagesShape, episodes = 3) =>
  Effect.gen(function* () {
    const { template } = yield* loadTemplate("modern_noir")
    const created = projectFromTemplate(template, { slug: "threads", seed: 7, now: 0 })
    const project = created.project
    const bible = withHistory(created.bible)
    const recent: Array<Episode> = []
    const history: Array<EpisodeFingerprint> = []
    const out: Array<unknown> = []
    for (let n = 1; n <= episodes; n++) {
      const brief = buildBrief({ project, bible, episode: n, previous: recent.at(-1) ?? null, draft: 1, findingsToFix: [], promptAdditions: [] })
      // every other episode introduces someone: the guard's Bible then differs from the analyst's
      const composed = yield* stages.compose(brief)
      const draft = n % 2 === 1 ? composed.replace(/\n\n/, `\n\n${NEWCOMER}\n\n`) : composed
      // a draft with a copied passage and an unknown name too, so that the guard has findings to report
      const flawed = `${draft}\n\n김영호가 조용히 말했다. ${recent.at(-1)?.body.slice(0, 120) ?? ""}`
      const drafts = yield* Effect.all([stages.analyzeDraft({ text: draft, bible, episode: n }), stages.analyzeDraft({ text: flawed, bible, episode: n })], {
        concurrency: "unbounded",
      })
      const verdicts = yield* Effect.all([
        stages.guard({ text: draft, episode: n, project, bible: withNewcomers(bible, draft, n), recent, history }),
        stages.guard({ text: flawed, episode: n, project, bible, recent, history }),
      ], { concurrency: "unbounded" })
      const edited = yield* stages.edit(draft, project.language)
      const { title, body } = splitEpisode(edited, n)
      const analyzed = yield* stages.analyze({ text: body, bible, episode: n })
      const again = yield* stages.analyze({ text: body, bible, episode: n })
      out.push(draft, drafts, verdicts, edited, analyzed, again)
      const summary = analyzed.analysis.deltas.filter((d) => d._tag === "EventHappened").map((d) => d.description).join(" ")
      recent.push({ project: project.slug, number: n, title, body, summary, charCount: body.length, findings: [], reward: 1, drafts: 1, committedAt: 0 })
      history.push({ number: n, sentences: analyzed.fingerprint })
    }
    return out
  })

describe("stages on worker threads", () => {
  it.effect("answer exactly what the in-process stages answer", () =>
    Effect.gen(function* () {
      const here = yield* pipeline(inProcessStages)
      const there = yield* Stages.use(pipeline).pipe(Effect.provide(stageThreadsLayer(2)))
      expect(there).toEqual(here)
      // the flawed drafts were reported, the newcomer was introduced
      expect(JSON.stringify(there)).toContain("name.unknown")
      expect(JSON.stringify(there)).toContain("\"CharacterIntroduced\",\"id\":\"c-")
    }).pipe(Effect.scoped), 30_000)

  it.effect("send a recent episode's texts and a fingerprint to a thread once, and again after it was told to forget them", () =>
    Effect.gen(function* () {
      const here = yield* pipeline(inProcessStages, 6)
      // three recent episodes a call and room for three texts, up to five fingerprints and room for two:
      // every call makes the thread forget some
      const there = yield* Stages.use((stages) => pipeline(stages, 6)).pipe(Effect.provide(stageThreadsLayer(1, { keptTexts: 3, keptFingerprints: 2 })))
      expect(there).toEqual(here)
    }).pipe(Effect.scoped), 30_000)

  it.effect("answer an edit or an analysis the thread worked out unasked only for exactly its input", () => {
    const sent: Array<StageCall["op"]> = []
    const count = (op: StageCall["op"]) => sent.filter((o) => o === op).length
    return Effect.gen(function* () {
      const { template } = yield* loadTemplate("fantasy_kr")
      const { project, bible } = projectFromTemplate(template, { slug: "spec", seed: 3, now: 0 })
      const brief = buildBrief({ project, bible, episode: 1, previous: null, draft: 1, findingsToFix: [], promptAdditions: [] })
      const stages = yield* Stages
      const draft = (yield* stages.compose(brief)).replace(/\n\n/, `\n\n${NEWCOMER}\n\n`)
      expect(yield* stages.analyzeDraft({ text: draft, bible, episode: 1 })).toEqual(analyzeText({ text: draft, bible, episode: 1 }).analysis)
      expect((yield* stages.guard({ text: draft, episode: 1, project, bible: withNewcomers(bible, draft, 1), recent: [] })).accepted).toBe(true)
      expect([count("analyzeDraft"), count("guard")]).toEqual([1, 1])
      // another language than the thread assumed: a call of its own
      expect(yield* stages.edit(draft, "en")).toBe(editEpisode(draft, { language: "en" }))
      const edited = yield* stages.edit(draft, "ko")
      expect(edited).toBe(editEpisode(draft, { language: "ko" }))
      expect(count("edit")).toBe(1)
      const body = splitEpisode(edited, 1).body
      // a plugin rewrote the edited text: its analysis is not the one worked out
      const rewritten = body.replace(/다\./g, "었다.")
      expect(yield* stages.analyze({ text: rewritten, bible, episode: 1 })).toEqual(analyzeText({ text: rewritten, bible, episode: 1 }))
      // an equal Bible that is another object, or another episode: not known to be the same input
      expect(yield* stages.analyze({ text: body, bible: { ...bible }, episode: 1 })).toEqual(analyzeText({ text: body, bible, episode: 1 }))
      expect(yield* stages.analyze({ text: body, bible, episode: 2 })).toEqual(analyzeText({ text: body, bible, episode: 2 }))
      expect(count("analyze")).toBe(3)
      // the job's own call: worked out against the draft's Bible (the newcomer is new), not the guard's
      const answer = yield* stages.analyze({ text: body, bible, episode: 1 })
      expect(answer).toEqual(analyzeText({ text: body, bible, episode: 1 }))
      expect(answer.analysis.deltas.some((d) => d._tag === "CharacterIntroduced" && d.name === "박철수")).toBe(true)
      // … and asked again (for the fingerprint), from memory
      expect(yield* stages.analyze({ text: body, bible, episode: 1 })).toBe(answer)
      expect(count("analyze")).toBe(3)
    }).pipe(Effect.provide(stageThreadsLayer(1, { onMessage: (op) => sent.push(op) })), Effect.scoped)
  }, 30_000)

  it.effect("analyse the edited body with a message when the thread did not analyse the draft", () => {
    const sent: Array<StageCall["op"]> = []
    return Effect.gen(function* () {
      const { template } = yield* loadTemplate("romance_comedy")
      const { project, bible } = projectFromTemplate(template, { slug: "no-spec", seed: 5, now: 0 })
      const stages = yield* Stages
      const draft = yield* stages.compose(buildBrief({ project, bible, episode: 1, previous: null, draft: 1, findingsToFix: [], promptAdditions: [] }))
      expect((yield* stages.guard({ text: draft, episode: 1, project, bible, recent: [] })).accepted).toBe(true)
      const body = splitEpisode(yield* stages.edit(draft, "ko"), 1).body
      expect(yield* stages.analyze({ text: body, bible, episode: 1 })).toEqual(analyzeText({ text: body, bible, episode: 1 }))
      expect(sent).toEqual(["compose", "guard", "analyze"])
    }).pipe(Effect.provide(stageThreadsLayer(1, { onMessage: (op) => sent.push(op) })), Effect.scoped)
  }, 30_000)

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
      expect(yield* stages.edit("첫 문장이다. 둘째 문장이다.", "ko")).toBe(editEpisode("첫 문장이다. 둘째 문장이다.", { language: "ko" }))
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
