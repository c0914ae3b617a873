/**
 * The LLM planner against the loopback simulator: a `respond` hook answers the arc as JSON. A beat
 * naming a dead character is refused and re-planned; junk is asked again and, still junk, replaced
 * by the offline planner's arc; an unreachable model holds the project.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import type { Bible } from "../../src/domain/Bible.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { type SimRequest, simulatorScoped } from "../../src/llm/Simulator.ts"
import { BeatSource, isHold } from "../../src/planner/BeatSource.ts"
import { planArcLlm } from "../../src/planner/LlmPlanner.ts"
import { seedOutline } from "../../src/planner/OutlineEdits.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { createStory, templateProject, worldLayer } from "./world.ts"

const KEY = "sk-test-planner"

const config = (url: string): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl: url,
  model: "sim-korean",
  apiKeyEnv: "SIM_KEY",
  maxTokens: 4_000,
  timeoutMs: 5_000,
  retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
})

const modelFor = (respond: (request: SimRequest) => string) =>
  Effect.gen(function* () {
    const sim = yield* simulatorScoped({ apiKey: KEY, respond })
    const model = yield* makeOpenAiLanguageModel(config(sim.url), { env: { SIM_KEY: KEY } })
    return { sim, model }
  })

const arcJson = (beats: ReadonlyArray<{ text: string; characters: ReadonlyArray<string>; threads?: ReadonlyArray<string> }>, payoffs: ReadonlyArray<{ thread: string; beat: number }> = []) =>
  JSON.stringify({
    title: "왕도의 겨울",
    goal: "윤하는 흑월회의 자금줄을 끊는다.",
    beats: beats.map((b, i) => ({ title: `겨울 ${i + 1}`, text: b.text, characters: b.characters, threads: b.threads ?? [] })),
    payoffs,
  })

const goodBeats = Array.from({ length: 10 }, (_, i) => ({ text: `윤하는 왕도의 겨울 ${i + 1}번째 고비를 넘는다.`, characters: ["seo-yunha", "baek-rin"] }))

const fantasy = Effect.gen(function* () {
  const { project, bible } = yield* templateProject("fantasy_kr")
  // Episode 9 is written: han-taeju died in it.
  const dead: Bible = { ...bible, characters: bible.characters.map((c) => (c.id === "han-taeju" ? { ...c, status: "dead" as const } : c)) }
  const outline = {
    ...seedOutline(project, 0),
    threads: [{ id: "moon-seal", description: "서리 인장의 주인", plantedIn: 7, hints: [], plannedPayoff: 20, state: "open" as const }],
  }
  return { project, bible: dead, outline }
})

describe("LLM planner", () => {
  it.live("refuses a beat naming a dead character with a finding, re-plans, and keeps the second answer", () =>
    Effect.gen(function* () {
      const { project, bible, outline } = yield* fantasy
      const prompts: Array<string> = []
      const { model } = yield* modelFor((request) => {
        prompts.push(request.prompt)
        if (request.prompt.includes("cannot be used")) return arcJson(goodBeats, [{ thread: "moon-seal", beat: 5 }])
        return arcJson([{ text: "한태주가 돌아와 윤하를 구한다.", characters: ["han-taeju", "seo-yunha"] }, ...goodBeats.slice(1)])
      })
      const arc = yield* planArcLlm({ project, outline, bible, from: 16, arcLength: { min: 10, max: 30 } }).pipe(Effect.provideService(LanguageModel, model))
      expect(arc.by).toBe("planner:llm")
      expect(arc.beats.map((b) => b.text)).toEqual(goodBeats.map((b) => b.text))
      expect(arc.threads).toEqual([{ ...outline.threads[0]!, plannedPayoff: 20 }])
      const refused = arc.findings.find((f) => f.code === "planner.llm.refused")!
      expect(refused.message).toContain("beat 1 (episode 16)")
      expect(refused.message).toContain("its text has 'han-taeju' (한태주) act, who is dead")
      expect(prompts).toHaveLength(2)
      // The roster the model saw says who is dead.
      expect(prompts[0]).toMatch(/han-taeju — 한태주: .*, dead/)
    }))

  it.live("refuses a beat whose title an episode was already committed under, and re-plans", () =>
    Effect.gen(function* () {
      const { project, bible, outline } = yield* fantasy
      let requests = 0
      const { model } = yield* modelFor((request) => {
        requests++
        if (request.prompt.includes("cannot be used")) {
          return JSON.stringify({ ...JSON.parse(arcJson(goodBeats)), beats: goodBeats.map((b, i) => ({ title: `눈 내린 왕도 ${i + 1}`, ...b, threads: [] })) })
        }
        return arcJson(goodBeats)
      })
      // episode 3 was titled by the writer (its template beat had none) as the model's first beat would be
      const arc = yield* planArcLlm({ project, outline, bible, from: 16, arcLength: { min: 10, max: 30 }, writtenTitles: ["겨울 1"] })
        .pipe(Effect.provideService(LanguageModel, model))
      expect(requests).toBe(2)
      expect(arc.by).toBe("planner:llm")
      expect(arc.beats.map((b) => b.title)).not.toContain("겨울 1")
      expect(arc.findings.some((f) => f.code === "planner.llm.refused" && f.message.includes("its title '겨울 1' repeats an episode's title"))).toBe(true)
    }))

  it.live("refuses unknown characters, repeated beats and unknown threads; after the bounded re-plans the offline planner fills in", () =>
    Effect.gen(function* () {
      const { project, bible, outline } = yield* fantasy
      let requests = 0
      const { model } = yield* modelFor(() => {
        requests++
        return arcJson([
          { text: outline.beats[0]!.text, characters: ["seo-yunha"] },
          { text: "낯선 자가 나타난다.", characters: ["nobody-known"] },
          { text: "윤하가 떡밥을 줍는다.", characters: ["seo-yunha"], threads: ["no-such-thread"] },
          ...goodBeats.slice(3),
        ])
      })
      const arc = yield* planArcLlm({ project, outline, bible, from: 16, arcLength: { min: 10, max: 30 } }, { maxReplans: 1 })
        .pipe(Effect.provideService(LanguageModel, model))
      expect(requests).toBe(2)
      expect(arc.by).toBe("planner:offline")
      const messages = arc.findings.map((f) => `${f.code}: ${f.message}`)
      expect(messages.some((m) => m.includes("beat 1 (episode 16) is refused: its text repeats a beat of the outline"))).toBe(true)
      expect(messages.some((m) => m.includes("'nobody-known', who is no character of the Bible"))).toBe(true)
      expect(messages.some((m) => m.includes("thread 'no-such-thread'"))).toBe(true)
      expect(messages.some((m) => m.startsWith("planner.llm.fallback: no usable arc from the model"))).toBe(true)
      expect(arc.beats.length).toBeGreaterThanOrEqual(10)
    }))

  it.live("a junk answer is asked again by the structured output; still junk, the offline planner plans the arc", () =>
    Effect.gen(function* () {
      const { project, bible, outline } = yield* fantasy
      let requests = 0
      const { model } = yield* modelFor(() => {
        requests++
        return requests % 2 === 0 ? "죄송하지만 계획을 세울 수 없습니다." : JSON.stringify({ title: 3, beats: "many" })
      })
      const arc = yield* planArcLlm({ project, outline, bible, from: 16, arcLength: { min: 10, max: 30 } }, { maxAttempts: 2 })
        .pipe(Effect.provideService(LanguageModel, model))
      expect(requests).toBe(2)
      expect(arc.by).toBe("planner:offline")
      expect(arc.findings.map((f) => f.code)).toEqual(expect.arrayContaining(["planner.llm.invalid", "planner.llm.fallback"]))
    }))

  it.live("through beatFor: the model's arc joins the outline by planner:llm, and the worker gets its beats", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("fantasy_kr")
      const { model } = yield* modelFor(() => arcJson(goodBeats))
      const { sixteen, outline } = yield* Effect.gen(function* () {
        yield* createStory(project, bible)
        const sixteen = yield* (yield* BeatSource).beatFor(project.slug, 16, bible)
        const outline = yield* (yield* OutlineStore).get(project.slug)
        return { sixteen, outline }
      }).pipe(Effect.provide(worldLayer(Planner.llm().pipe(Layer.provide(Layer.succeed(LanguageModel, model))))))
      expect(sixteen).toEqual({ beat: goodBeats[0]!.text, title: "겨울 1", nextBeat: goodBeats[1]!.text, arc: { title: "왕도의 겨울", goal: "윤하는 흑월회의 자금줄을 끊는다." }, findings: [] })
      const o = Option.getOrThrow(outline)
      expect(o.arcs.at(-1)).toEqual({ id: "arc-4", title: "왕도의 겨울", goal: "윤하는 흑월회의 자금줄을 끊는다.", from: 16, to: 25, by: "planner:llm" })
      expect(o.beats.find((b) => b.episode === 16)).toMatchObject({ title: "겨울 1", characters: ["seo-yunha", "baek-rin"], state: "approved" })
      expect(o.beats.find((b) => b.episode === 16)!.history[0]!.by).toBe("planner:llm")
    }))

  it.live("through beatFor: the model unreachable and no beat left, the project is held with the reason; never a write without a beat", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("fantasy_kr")
      const sim = yield* simulatorScoped({ apiKey: KEY, script: Array.from({ length: 20 }, () => "500" as const) })
      const model = yield* makeOpenAiLanguageModel(config(sim.url), { env: { SIM_KEY: KEY } })
      const answer = yield* Effect.gen(function* () {
        yield* createStory(project, bible)
        const source = yield* BeatSource
        // The template's 15 beats serve episode 15 even while planning ahead fails …
        const fifteen = yield* source.beatFor(project.slug, 15, bible)
        expect(isHold(fifteen)).toBe(false)
        // … but episode 16 has no beat: hold, naming the planner's failure.
        return yield* source.beatFor(project.slug, 16, bible)
      }).pipe(Effect.provide(worldLayer(Planner.llm().pipe(Layer.provide(Layer.succeed(LanguageModel, model))))))
      expect(isHold(answer)).toBe(true)
      if (isHold(answer)) {
        expect(answer.hold).toContain("no beat for episode 16")
        expect(answer.hold).toContain("the LLM planner failed")
      }
    }))
})
