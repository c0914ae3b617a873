/**
 * Chaos: deliveries killed after the LLM answered and before the commit (episode 1's first draft is
 * rejected by the guard each time: a reply the job throws away is billed, so it is booked). The real episode worker
 * runs in-process on the real queue, story store and ledger, through the real OpenAI provider,
 * against the loopback simulator. Each episode's first deliveries are interrupted at the editor,
 * the analyst and the commit — after the writer's (and then the analyst's) call returned — and
 * handed back to the queue, as a killed worker's lease would be; the next delivery finishes.
 *
 * With the call journal the provider is asked each request once, and the ledger's tokens are the
 * simulator's; without it (the control run) the same kills make the provider answer the writer's
 * request again for each delivery.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option } from "effect"
import { storyStagesLayer } from "../../src/analyst/StoryStagesLayer.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints, type FaultPoint } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { Ledger, withLedger } from "../../src/finance/Ledger.ts"
import { makePriceTable } from "../../src/finance/Price.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { CallJournal, withJournal } from "../../src/llm/CallJournal.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import type { LlmConfig } from "../../src/llm/LlmConfig.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { type SimRequest, type Simulator, startSimulator } from "../../src/llm/Simulator.ts"
import { SqliteCallJournal } from "../../src/llm/SqliteCallJournal.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { processLease } from "../../actors/episodeWorker.ts"
import * as Story from "../support/llmLikeStory.ts"

const KEY = "sk-journal-chaos"
const EPISODES = 3
const WRITER: Record<number, string> = { 1: Story.EPISODE_1, 2: Story.EPISODE_2_WRAPPED, 3: Story.EPISODE_3 }
/** Episode 1's first draft: far under the length band, so the guard rejects it — billed all the same. */
const SHORT_DRAFT = "# 제1화 짧은 초고\n\n서윤은 길을 떠났다."
const EMPTY_ANALYSIS = JSON.stringify({ charactersIntroduced: [], placesIntroduced: [], statusChanges: [], relations: [], facts: [], events: [] })
/** Where each episode's deliveries are killed, in order; the delivery after the last one finishes. */
const KILLS: ReadonlyArray<FaultPoint> = ["editor", "analyst", "commit"]

/** The provider: answers the writer from the script and the analyst with an empty analysis; counts each distinct request. */
const startProvider = Effect.acquireRelease(
  Effect.promise(async () => {
    const asked = new Map<string, number>()
    const respond = (request: SimRequest): string => {
      const key = JSON.stringify([request.messages, request.responseFormat ?? null])
      asked.set(key, (asked.get(key) ?? 0) + 1)
      if (request.responseFormat !== undefined) return EMPTY_ANALYSIS
      const heading = /^# Episode (\d+)(?: — draft (\d+))?$/m.exec(request.messages.map((m) => m.content).join("\n"))
      const episode = Number(heading?.[1])
      if (episode === 1 && heading?.[2] === undefined) return SHORT_DRAFT
      const answer = WRITER[episode]
      if (answer === undefined) throw new Error(`no scripted answer for episode ${episode}`)
      return answer
    }
    const sim = await startSimulator({ apiKey: KEY, models: ["chaos-model"], respond })
    return { sim, asked }
  }),
  ({ sim }: { readonly sim: Simulator; readonly asked: Map<string, number> }) => Effect.promise(() => sim.close()),
)

const llm = (baseUrl: string): LlmConfig => ({
  kind: "openai",
  baseUrl,
  model: "chaos-model",
  apiKeyEnv: "CHAOS_KEY",
  stages: { summary: { kind: "offline" } },
})

/** Kills (interrupts) the current delivery at the point `killAt()` names, if any. */
const killingFaults = (killAt: () => FaultPoint | undefined) =>
  Layer.succeed(FaultPoints, FaultPoints.of({ reach: (point) => (point === killAt() ? Effect.interrupt : Effect.void) }))

const factory = (config: LlmConfig, journaled: boolean, killAt: () => FaultPoint | undefined) => {
  const model = Layer.effect(
    LanguageModel,
    Effect.gen(function* () {
      const provider = yield* makeOpenAiLanguageModel(config as never, { env: { CHAOS_KEY: KEY } })
      const metered = withLedger(provider, yield* Ledger, makePriceTable())
      return journaled ? withJournal(metered, yield* CallJournal) : metered
    }),
  )
  return Layer.mergeAll(killingFaults(killAt), Layer.succeed(PipelineSettings, { ...defaultConfig("/nonexistent").pipeline, maxDrafts: 2 })).pipe(
    Layer.provideMerge(storyStagesLayer(config).pipe(Layer.provideMerge(model))),
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 10 }), SqliteLedger.layer, SqliteCallJournal.layer)),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer()),
  )
}

/** Serializes the story; each episode's deliveries are killed at KILLS in turn, then one finishes. */
const serializeUnderKills = (kill: { current: FaultPoint | undefined }) =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const queue = yield* JobQueue
    yield* store.createProject(Story.storyProject(), Story.storyBible())
    yield* queue.enqueue(Story.STORY_SLUG, Array.from({ length: EPISODES }, (_, i) => i + 1))
    for (let n = 1; n <= EPISODES; n++) {
      for (const point of [...KILLS, undefined]) {
        kill.current = point
        const lease = Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 600_000 }))
        expect(lease.job.episode).toBe(n)
        const exit = yield* Fiber.await(yield* Effect.forkChild(processLease(lease)))
        if (point === undefined) {
          expect(Exit.isSuccess(exit)).toBe(true)
        } else {
          expect(Exit.hasInterrupts(exit)).toBe(true)
          // The killed worker's job comes back to the queue (as its expired lease would).
          yield* queue.retry(lease, { reason: `killed at ${point}`, delayMs: 0, transient: true })
        }
      }
    }
    for (let n = 1; n <= EPISODES; n++) {
      expect(Option.getOrThrow(yield* queue.get(`${Story.STORY_SLUG}:${n}`)).state).toBe("committed")
    }
  })

const bookedTokens = Effect.gen(function* () {
  const days = yield* (yield* Ledger).dailyCosts()
  return {
    promptTokens: days.reduce((n, d) => n + d.promptTokens, 0),
    cachedTokens: days.reduce((n, d) => n + d.cachedTokens, 0),
    completionTokens: days.reduce((n, d) => n + d.completionTokens, 0),
  }
})

describe("deliveries killed between the LLM's answer and the commit", () => {
  it.live("with the call journal: no completed call is asked twice, and the ledger books what the provider billed", () =>
    Effect.gen(function* () {
      const provider = yield* startProvider
      const kill = { current: undefined as FaultPoint | undefined }
      return yield* Effect.gen(function* () {
        yield* serializeUnderKills(kill)
        const repeated = [...provider.asked.values()].filter((n) => n > 1)
        expect(repeated).toEqual([])
        // Episode 1 took two drafts (the first was too short), asked once each.
        const ep1 = Option.getOrThrow(yield* (yield* StoryStore).getEpisode(Story.STORY_SLUG, 1))
        expect(ep1.drafts).toBe(2)
        // Writer and analyst of every episode were asked.
        expect(provider.asked.size).toBeGreaterThanOrEqual(2 * EPISODES)
        const billed = provider.sim.stats()
        expect(billed.requests).toBe(provider.asked.size)
        expect(yield* bookedTokens).toEqual({
          promptTokens: billed.promptTokens,
          cachedTokens: billed.cachedTokens,
          completionTokens: billed.completionTokens,
        })
      }).pipe(Effect.provide(factory(llm(provider.sim.url), true, () => kill.current)))
    }).pipe(Effect.scoped))

  it.live("without it (control): every killed delivery pays for the writer's request again", () =>
    Effect.gen(function* () {
      const provider = yield* startProvider
      const kill = { current: undefined as FaultPoint | undefined }
      return yield* Effect.gen(function* () {
        yield* serializeUnderKills(kill)
        const writerAsks = [...provider.asked.entries()].filter(([key]) => key.endsWith(",null]")).map(([, n]) => n)
        expect(Math.max(...writerAsks)).toBe(KILLS.length + 1)
        // Still, every request billed was booked: the ledger matches the bill, the bill is just higher.
        const billed = provider.sim.stats()
        expect((yield* bookedTokens).promptTokens).toBe(billed.promptTokens)
      }).pipe(Effect.provide(factory(llm(provider.sim.url), false, () => kill.current)))
    }).pipe(Effect.scoped))
})
