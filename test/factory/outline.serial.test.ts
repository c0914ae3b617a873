/**
 * Arcs that grow: a 15-beat template serialized to 40 episodes. The worker asks the planner for each
 * episode's beat (`BeatSource`), which seeds the outline from the template and plans new arcs ahead;
 * nothing loops back over the template's last third, and every committed episode's beat is frozen.
 * In approve mode the project holds at the first unapproved beat and goes on once it is approved.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { processLease } from "../../actors/episodeWorker.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import type { LlmConfig } from "../../src/llm/LlmConfig.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { makeOpenAiLanguageModel } from "../../src/llm/OpenAiLanguageModel.ts"
import { routedLanguageModel } from "../../src/llm/RoutedLanguageModel.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"
import { BeatSource } from "../../src/planner/BeatSource.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { outlineStoreLayer } from "../../src/planner/OutlineStoreLayer.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { PlanningSettings } from "../../src/planner/PlanningConfig.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"

const SLUG = "long-road"
const EPISODES = 40

const factory = (review: "auto" | "approve", threadOverdueEpisodes?: number) =>
  Layer.mergeAll(Projects.layer, FaultPoints.none, OfflineWriter.layer, Layer.succeed(PipelineSettings, defaultConfig("/nonexistent").pipeline)).pipe(
    Layer.provideMerge(BeatSource.layer),
    Layer.provideMerge(Layer.mergeAll(outlineStoreLayer({ kind: "sqlite" }), Planner.offline, PlanningSettings.layer({ review, ...(threadOverdueEpisodes === undefined ? {} : { threadOverdueEpisodes }) }))),
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(Database.layer({ path: ":memory:" })),
    Layer.provideMerge(EventBus.layer({ keep: 10_000 })),
  )

/** Claims and runs what the queue hands out, stepping the clock past any wait, until nothing commits any more. */
const drain = Effect.gen(function* () {
  const queue = yield* JobQueue
  for (let stale = 0; stale < 3;) {
    const before = (yield* queue.stats).committed
    const lease = yield* queue.claim("writer-1", { leaseMs: 600_000 })
    if (Option.isSome(lease)) yield* processLease(lease.value)
    else yield* TestClock.adjust(61_000)
    stale = (yield* queue.stats).committed > before ? 0 : stale + 1
  }
})

describe("the outline grows past the template", () => {
  it.effect(`a 15-beat template runs to ${EPISODES} episodes: distinct beats and titles, nothing repeated, every written beat frozen`, () =>
    Effect.gen(function* () {
      const project = yield* Projects.use((p) => p.create({ slug: SLUG, genre: "fantasy_kr" }))
      expect(project.beats.length).toBe(15)
      yield* JobQueue.use((q) => q.enqueue(SLUG, Array.from({ length: EPISODES }, (_, i) => i + 1)))
      yield* drain
      const store = yield* StoryStore
      const episodes = yield* store.listEpisodes(SLUG)
      expect(episodes.map((e) => e.number)).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))
      const outline = Option.getOrThrow(yield* OutlineStore.use((o) => o.get(SLUG)))
      const beats = outline.beats.filter((b) => b.episode <= EPISODES)
      expect(beats.length).toBe(EPISODES)
      expect(new Set(beats.map((b) => b.text)).size).toBe(EPISODES)
      expect(beats.every((b) => b.state === "written")).toBe(true)
      // Planned ahead of the last commit, by the planner.
      expect(outline.beats.length).toBeGreaterThanOrEqual(EPISODES + 1)
      expect(outline.arcs.length).toBeGreaterThan(1)
      const titles = episodes.map((e) => e.title)
      expect(new Set(titles).size, `repeated titles: ${titles.filter((t, i) => titles.indexOf(t) !== i).join(", ")}`).toBe(EPISODES)
    }).pipe(Effect.provide(factory("auto"))), 120_000)

  it.effect("in approve mode the project holds at the first unapproved beat; approving resumes it", () =>
    Effect.gen(function* () {
      const project = yield* Projects.use((p) => p.create({ slug: SLUG, genre: "modern_noir" }))
      const template = project.beats.length
      yield* JobQueue.use((q) => q.enqueue(SLUG, Array.from({ length: template + 3 }, (_, i) => i + 1)))
      yield* drain
      const store = yield* StoryStore
      const queue = yield* JobQueue
      const committed = (yield* store.listEpisodes(SLUG)).map((e) => e.number)
      // The template's beats are approved; the planner's next arc waits for the operator.
      expect(committed).toEqual(Array.from({ length: template }, (_, i) => i + 1))
      const waiting = Option.getOrThrow(yield* queue.get(`${SLUG}:${template + 1}`))
      expect(waiting.state).toBe("queued")
      expect(waiting.reason).toMatch(/awaits approval/)
      const held = (yield* EventBus.use((b) => b.recent())).filter((e) => e._tag === "ProjectHeld")
      expect(held.length).toBeGreaterThan(0)
      // one alert when the wait starts, however often the job looks again
      const firing = (yield* EventBus.use((b) => b.recent())).filter((e) => e._tag === "Alert" && e.state === "firing")
      expect(firing.map((a) => (a as { rule: string }).rule)).toEqual([`outline.no-beat:${SLUG}`])
      const outlines = yield* OutlineStore
      const before = Option.getOrThrow(yield* outlines.get(SLUG))
      expect(before.beats.find((b) => b.episode === template + 1)?.state).toBe("planned")
      yield* outlines.approve(SLUG, template + 1, template + 3, "operator")
      yield* TestClock.adjust(61_000)
      yield* drain
      expect((yield* store.listEpisodes(SLUG)).map((e) => e.number)).toEqual(Array.from({ length: template + 3 }, (_, i) => i + 1))
      const resolved = (yield* EventBus.use((b) => b.recent())).filter((e) => e._tag === "Alert" && e.state === "resolved")
      expect(resolved.map((a) => (a as { rule: string }).rule)).toEqual([`outline.no-beat:${SLUG}`])
    }).pipe(Effect.provide(factory("approve"))), 120_000)

  it.effect("a thread left unpaid past its payoff raises an alert once, as the episode that makes it overdue commits", () =>
    Effect.gen(function* () {
      const project = yield* Projects.use((p) => p.create({ slug: SLUG, genre: "romance_comedy" }))
      const outlines = yield* OutlineStore
      yield* outlines.seed(project)
      yield* outlines.upsertThread(SLUG, { id: "lost-ring", description: "잃어버린 반지의 행방", plantedIn: 1, hints: [], plannedPayoff: 2, state: "open" })
      yield* JobQueue.use((q) => q.enqueue(SLUG, [1, 2, 3, 4, 5]))
      yield* drain
      const alerts = (yield* EventBus.use((b) => b.recent())).filter((e) => e._tag === "Alert")
      expect(alerts.map((a) => [(a as { rule: string }).rule, (a as { state: string }).state])).toEqual([[`outline.thread-overdue:${SLUG}:lost-ring`, "firing"]])
      expect((alerts[0] as { message: string }).message).toMatch(/lost-ring.*episode 2, 2 episodes ago/)
    }).pipe(Effect.provide(factory("auto", 2))), 120_000)

  it.live(`with the LLM planner (the test provider answers arcs as structured output) the same ${EPISODES} episodes: distinct beats and titles, planned by the model`, () =>
    Effect.gen(function* () {
      let arcs = 0
      const sim = yield* simulatorScoped({
        apiKey: "sk-planner",
        models: ["sim-korean"],
        respond: () => {
          arcs++
          return JSON.stringify({
            title: `${arcs}부`,
            goal: `윤하는 ${arcs}번째 고비에서 월광검의 비밀에 한 걸음 다가선다.`,
            beats: Array.from({ length: 12 }, (_, i) => ({
              title: `${arcs}부 ${i + 1}장`,
              text: `윤하는 ${arcs}부의 ${i + 1}번째 갈림길에서 백린과 함께 새로운 단서를 좇는다.`,
              characters: ["seo-yunha", "baek-rin"],
              threads: [],
            })),
            payoffs: [],
          })
        },
      })
      const llm: LlmConfig = {
        kind: "openai", baseUrl: sim.url, model: "sim-korean", apiKeyEnv: "SIM_KEY", timeoutMs: 10_000,
        retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
        stages: { writer: { kind: "offline" }, analyst: { kind: "offline" }, summary: { kind: "offline" } },
      }
      const openai = yield* makeOpenAiLanguageModel(llm, { env: { SIM_KEY: "sk-planner" } })
      const model = Layer.succeed(LanguageModel, routedLanguageModel(llm, { offline: OfflineWriter.make, openai }))
      const layer = Layer.mergeAll(Projects.layer, FaultPoints.none, Layer.succeed(PipelineSettings, defaultConfig("/nonexistent").pipeline)).pipe(
        Layer.provideMerge(BeatSource.layer),
        Layer.provideMerge(Layer.mergeAll(outlineStoreLayer({ kind: "sqlite" }), Planner.llm(), PlanningSettings.layer({ review: "auto" }))),
        Layer.provideMerge(model),
        Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
        Layer.provideMerge(Database.layer({ path: ":memory:" })),
        Layer.provideMerge(EventBus.layer({ keep: 10_000 })),
      )
      return yield* Effect.gen(function* () {
        yield* Projects.use((p) => p.create({ slug: SLUG, genre: "fantasy_kr" }))
        yield* JobQueue.use((q) => q.enqueue(SLUG, Array.from({ length: EPISODES }, (_, i) => i + 1)))
        const queue = yield* JobQueue
        for (;;) {
          const lease = yield* queue.claim("writer-1", { leaseMs: 600_000 })
          if (Option.isNone(lease)) break
          yield* processLease(lease.value)
        }
        const episodes = yield* StoryStore.use((st) => st.listEpisodes(SLUG))
        expect(episodes.map((e) => e.number)).toEqual(Array.from({ length: EPISODES }, (_, i) => i + 1))
        const outline = Option.getOrThrow(yield* OutlineStore.use((o) => o.get(SLUG)))
        const beats = outline.beats.filter((b) => b.episode <= EPISODES)
        expect(new Set(beats.map((b) => b.text)).size).toBe(EPISODES)
        expect(beats.filter((b) => b.history[0]!.by === "planner:llm").length).toBe(EPISODES - 15)
        const titles = episodes.map((e) => e.title)
        expect(new Set(titles).size, `repeated titles: ${titles.filter((t, i) => titles.indexOf(t) !== i).join(", ")}`).toBe(EPISODES)
        expect(arcs).toBeGreaterThanOrEqual(3)
      }).pipe(Effect.provide(layer))
    }).pipe(Effect.scoped), 120_000)
})
