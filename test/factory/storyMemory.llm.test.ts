/**
 * Story memory with a provider that writes like a real model (issue: "the Bible learns what each
 * episode actually did"). A fake OpenAI-compatible server (the loopback simulator with a scripted
 * `respond` hook) answers the writer with hand-written episodes (`test/support/llmLikeStory.ts`):
 * a character and a place met only in the text, chat wrapping around an answer, a death in the text
 * of episode 3, a dead character acting in a later draft, a copy of episode 1. The whole episode
 * worker runs in-process on the real queue and story store, through the real OpenAI provider.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { bibleCommand } from "../../src/cli/commands/story.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"
import { Effect, Layer, Option } from "effect"
import { Analyst } from "../../src/analyst/Analyst.ts"
import { storyStagesLayer } from "../../src/analyst/StoryStagesLayer.ts"
import { characterIdOf, placeIdOf } from "../../src/domain/Analysis.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import type { LlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { type SimRequest, type Simulator, startSimulator } from "../../src/llm/Simulator.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { processLease } from "../../actors/episodeWorker.ts"
import * as Story from "../support/llmLikeStory.ts"

const KEY = "sk-story-memory-test"

/** The writer's answers by `episode:draft`; a later draft of an episode gets its last scripted answer. */
const WRITER: Record<string, string> = {
  "1:1": Story.EPISODE_1,
  "2:1": Story.EPISODE_2_WRAPPED,
  "3:1": Story.EPISODE_3,
  "4:1": Story.EPISODE_4_DEAD_ACTS,
  "4:2": Story.EPISODE_4,
  "5:1": Story.EPISODE_5_COPY,
  "5:2": Story.EPISODE_5,
}

interface Recorded {
  readonly episode: number
  readonly draft: number
  readonly user: string
}

/** The fake provider: the writer's prompts are recorded and answered from the script; JSON stages from `json`. */
const startProvider = (json: (request: SimRequest) => string = () => "{}", writer: Record<string, string> = WRITER) => {
  const writerPrompts: Array<Recorded> = []
  let continuations = 0
  const jsonRequests: Array<SimRequest> = []
  const respond = (request: SimRequest): string => {
    const last = request.messages.at(-1)
    if (last?.role === "user" && last.content.includes("Continue the story exactly where it stops")) {
      continuations++
      return Story.EPISODE_1_CONTINUATION
    }
    if (request.responseFormat !== undefined) {
      jsonRequests.push(request)
      return json(request)
    }
    const user = request.messages.find((m) => m.role === "user")?.content ?? ""
    const heading = /^# Episode (\d+)(?: — draft (\d+))?$/m.exec(user)
    if (heading === null) throw new Error(`not a writer prompt: ${user.slice(0, 120)}`)
    const episode = Number(heading[1])
    const draft = heading[2] === undefined ? 1 : Number(heading[2])
    writerPrompts.push({ episode, draft, user })
    const answer = writer[`${episode}:${draft}`] ?? writer[`${episode}:${Math.max(...Object.keys(writer).filter((k) => k.startsWith(`${episode}:`)).map((k) => Number(k.split(":")[1])))}`]
    if (answer === undefined) throw new Error(`no scripted answer for episode ${episode} draft ${draft}`)
    return answer
  }
  return Effect.acquireRelease(
    Effect.promise(() => startSimulator({ apiKey: KEY, models: ["story-model"], respond })),
    (sim: Simulator) => Effect.promise(() => sim.close()),
  ).pipe(Effect.map((sim) => ({ sim, writerPrompts, jsonRequests, continuations: () => continuations })))
}

const llmConfig = (baseUrl: string, analyst: "offline" | "openai"): LlmConfig => ({
  kind: "openai",
  baseUrl,
  model: "story-model",
  apiKeyEnv: "STORY_TEST_KEY",
  stages: { analyst: { kind: analyst }, summary: { kind: "offline" } },
})

const factory = (config: LlmConfig, database: Layer.Layer<Database, unknown> = Database.layer({ path: ":memory:" })) => {
  const model = Layer.effect(LanguageModel, makeOpenAiLanguageModel(config as never, { env: { STORY_TEST_KEY: KEY } }))
  return Layer.mergeAll(FaultPoints.none, Layer.succeed(PipelineSettings, { ...defaultConfig("/nonexistent").pipeline, maxDrafts: 3 })).pipe(
    Layer.provideMerge(storyStagesLayer(config).pipe(Layer.provideMerge(model))),
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(database),
    Layer.provideMerge(EventBus.layer()),
  )
}

/** Creates the story, queues episodes 1..n and runs each delivery to its end, in order. */
const serialize = (episodes: number, project = Story.storyProject()) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const queue = yield* JobQueue
    yield* store.createProject(project, Story.storyBible())
    yield* queue.enqueue(Story.STORY_SLUG, Array.from({ length: episodes }, (_, i) => i + 1))
    for (let n = 1; n <= episodes; n++) {
      const lease = Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 600_000 }))
      expect(lease.job.episode).toBe(n)
      yield* processLease(lease)
    }
  })

describe("story memory with an LLM-like provider (offline analyst)", () => {
  const data = makeDataDir("nf-story-memory-")
  afterAll(data.cleanup)

  it.live("learns characters, places and a death from the text; every later prompt says so; a dead actor and a copy are rejected", () =>
    Effect.gen(function* () {
      const provider = yield* startProvider()
      return yield* Effect.gen(function* () {
        yield* serialize(5)
        const store = yield* StoryStore
        const queue = yield* JobQueue
        for (let n = 1; n <= 5; n++) expect(Option.getOrThrow(yield* queue.get(`${Story.STORY_SLUG}:${n}`)).state).toBe("committed")
        const bible = yield* store.getBible(Story.STORY_SLUG)

        // A character and a place met only in the text of episode 1, valid from episode 1.
        expect(bible.characters.find((c) => c.name === "하은")).toMatchObject({ id: characterIdOf("하은"), firstEpisode: 1, status: "alive" })
        expect(bible.places.find((p) => p.name.startsWith("붉은바위"))).toMatchObject({ id: placeIdOf("붉은바위 마을"), firstEpisode: 1 })

        // 도하 died in the text of episode 3, with the quote as evidence.
        expect(bible.characters.find((c) => c.id === "doha")?.status).toBe("dead")
        const death = bible.statusHistory?.find((r) => r.character === "doha" && r.status === "dead")
        expect(death?.episode).toBe(3)
        expect(Story.EPISODE_3).toContain(death?.evidence?.text ?? "∅")

        // Every writer prompt from episode 4 on lists 도하 as dead; none before.
        for (const p of provider.writerPrompts) {
          const listsDeath = /## Dead[^\n]*\n- 도하 — died in episode 3/.test(p.user)
          expect([p.episode, p.draft, listsDeath]).toEqual([p.episode, p.draft, p.episode >= 4])
        }
        // The draft in which he fights and speaks was rejected with evidence; so was the copy of episode 1.
        const ep4 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 4))
        const ep5 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 5))
        expect([ep4.drafts, ep5.drafts]).toEqual([2, 2])
        const redraft4 = provider.writerPrompts.find((p) => p.episode === 4 && p.draft === 2)!.user
        expect(redraft4).toMatch(/character\.dead-acts[^\n]*«도하가/)
        const redraft5 = provider.writerPrompts.find((p) => p.episode === 5 && p.draft === 2)!.user
        expect(redraft5).toMatch(/repetition\.copy[^\n]*episode 1/)

        // The chat wrapping of episode 2 is gone from the stored episode, and recorded as findings.
        const ep2 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 2))
        expect(ep2.body).not.toMatch(/물론입니다|```|마음에 드셨으면/)
        expect(ep2.findings.map((f) => f.code)).toEqual(expect.arrayContaining(["sanitize.preamble", "sanitize.code-fence", "sanitize.sign-off"]))

        // The summary handed on carries the death, not generic sentences.
        const ep3 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 3))
        expect(ep3.summary).toContain("도하")
        expect(provider.jsonRequests).toEqual([])
        // What an operator sees: `novel-factory bible --json` on the data directory.
        const cli = yield* Effect.promise(() => runCommand([bibleCommand], ["bible", Story.STORY_SLUG, "--json"], { FACTORY_HOME: data.dir }, data.dir))
        expect(cli.code, cli.err).toBe(0)
        const shown = JSON.parse(cli.out).bible as Bible
        expect(shown.characters.find((c) => c.id === "doha")).toMatchObject({ status: "dead" })
        expect(shown.characters.find((c) => c.name === "하은")?.firstEpisode).toBe(1)
        expect(shown.statusHistory?.some((r) => r.character === "doha" && r.status === "dead" && r.episode === 3)).toBe(true)
      }).pipe(Effect.provide(factory(llmConfig(provider.sim.url, "offline"), Database.layerIn(data.dir))))
    }).pipe(Effect.scoped))
})

describe("story memory with the LLM analyst", () => {
  it.live("takes grounded deltas from structured output, drops ungrounded ones, and falls back to the offline analyst on junk", () =>
    Effect.gen(function* () {
      let analystCalls = 0
      const provider = yield* startProvider((request) => {
        analystCalls++
        const episode = Number(/## Episode (\d+)/.exec(request.messages.map((m) => m.content).join("\n"))?.[1] ?? 0)
        if (episode === 2) return "죄송합니다, JSON을 만들 수 없습니다."
        const empty = { charactersIntroduced: [], placesIntroduced: [], statusChanges: [], relations: [], facts: [], events: [] }
        if (episode === 1) {
          return JSON.stringify({
            ...empty,
            charactersIntroduced: [{ name: "하은", aliases: ["대장장이"], role: "대장장이", quote: "하은이라는 여인이 망치를 내리치고 있었다" }],
            // ungrounded: no such quote in the text, and a character nobody introduced
            statusChanges: [
              { character: "미라", status: "dead", note: "죽었다", quote: "미라는 그날 밤 죽었다" },
              { character: "유령", status: "missing", note: "사라졌다", quote: "새벽안개가 물골의 지붕을 천천히 적셨다" },
            ],
            facts: [{ text: "서윤의 검은 달의 문 쪽 사람들이 쓰던 검이다", subjects: ["서윤"], quote: "달의 문 쪽 사람들이 쓰던 검이네요" }],
            events: [{ description: "서윤과 도하가 붉은바위 마을의 대장장이 하은에게 검을 맡긴다", characters: ["서윤", "도하", "하은"] }],
          })
        }
        return JSON.stringify({
          ...empty,
          statusChanges: [{ character: "doha", status: "dead", note: "서윤의 품에서 숨을 거두었다", quote: "서윤의 품에서 조용히 숨을 거두었다" }],
        })
      })
      return yield* Effect.gen(function* () {
        yield* serialize(3)
        const store = yield* StoryStore
        const bible = yield* store.getBible(Story.STORY_SLUG)
        expect(analystCalls).toBeGreaterThanOrEqual(3 + 2) // episode 2's junk is retried
        expect(provider.jsonRequests[0]!.responseFormat?.jsonSchema?.name).toBe("episode_analysis")
        expect(bible.characters.find((c) => c.id === characterIdOf("하은"))).toMatchObject({ aliases: ["대장장이"], firstEpisode: 1 })
        expect(bible.characters.find((c) => c.id === "mira")?.status).toBe("alive")
        expect(bible.characters.find((c) => c.id === "doha")).toMatchObject({ status: "dead", statusNote: "서윤의 품에서 숨을 거두었다" })
        expect(bible.facts?.map((f) => [f.text, f.validFrom, f.subjects])).toEqual([["서윤의 검은 달의 문 쪽 사람들이 쓰던 검이다", 1, ["seoyun"]]])
        const ep1 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 1))
        expect(ep1.findings.filter((f) => f.code === "analyst.ungrounded").length).toBe(2)
        const ep2 = Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 2))
        expect(ep2.findings.map((f) => f.code)).toContain("analyst.fallback")
        expect((yield* Analyst).analyze).toBeTypeOf("function")
      }).pipe(Effect.provide(factory(llmConfig(provider.sim.url, "openai"))))
    }).pipe(Effect.scoped))
})

describe("length repair with an LLM-like provider", () => {
  const band = { min: 900, max: 1_400 }
  const body = (episode: string) => episode.split("\n").slice(1).join("\n").trim()
  const tooLong = `# 제2화 오래된 서약\n\n${[Story.EPISODE_2_WRAPPED.split("```markdown")[1]!.split("```")[0]!.split("\n").slice(2).join("\n").trim(), body(Story.EPISODE_5), body(Story.EPISODE_4)].join("\n\n")}`

  it.live("continues a short draft and trims a long one at a paragraph, instead of rewriting them", () =>
    Effect.gen(function* () {
      const provider = yield* startProvider(() => "{}", { "1:1": Story.EPISODE_1, "2:1": tooLong })
      return yield* Effect.gen(function* () {
        yield* serialize(2, { ...Story.storyProject(), lengthBand: band })
        const store = yield* StoryStore
        const [ep1, ep2] = [Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 1)), Option.getOrThrow(yield* store.getEpisode(Story.STORY_SLUG, 2))]
        expect([ep1.drafts, ep2.drafts]).toEqual([1, 1])
        expect(provider.writerPrompts.map((p) => `${p.episode}:${p.draft}`)).toEqual(["1:1", "2:1"])
        expect(provider.continuations()).toBe(1)
        // Episode 1: the draft, then the continuation the writer was asked for.
        expect(ep1.body).toContain("붉은바위 마을")
        expect(ep1.body).toContain("깊은 잠에 빠져들었다")
        // Episode 2: whole paragraphs of the long draft, within the band.
        expect(tooLong.length).toBeGreaterThan(band.max)
        for (const e of [ep1, ep2]) {
          expect(e.charCount).toBeGreaterThanOrEqual(band.min)
          expect(e.charCount).toBeLessThanOrEqual(band.max)
        }
        expect(tooLong).toContain(ep2.body.split("\n\n").at(-1)!)
      }).pipe(Effect.provide(factory(llmConfig(provider.sim.url, "offline"))))
    }).pipe(Effect.scoped))
})
