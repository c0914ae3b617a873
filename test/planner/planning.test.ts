import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Result, Schema } from "effect"
import type { Outline, Thread } from "../../src/domain/Outline.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { PlanningConfig, resolvePlanning } from "../../src/planner/PlanningConfig.ts"
import { seedOutline } from "../../src/planner/OutlineEdits.ts"
import { overdueThreads } from "../../src/planner/Threads.ts"
import { actsInText, beatRefusal } from "../../src/planner/ArcPlan.ts"
import { outlineProject } from "../contracts/outlineStore.contract.ts"
import { templateProject } from "./world.ts"

const thread = (id: string, plannedPayoff: number | undefined, state: Thread["state"] = "open"): Thread => ({
  id,
  description: id,
  plantedIn: 1,
  hints: [],
  ...(plannedPayoff === undefined ? {} : { plannedPayoff }),
  ...(state === "paid" ? { paidOffIn: plannedPayoff ?? 1 } : {}),
  state,
})

describe("overdueThreads", () => {
  it("reports open threads at least N committed episodes past their planned payoff, most overdue first", () => {
    const outline: Outline = {
      ...seedOutline(outlineProject(), 0),
      threads: [thread("due-10", 10), thread("due-5", 5), thread("paid", 2, "paid"), thread("unscheduled", undefined), thread("due-20", 20)],
    }
    expect(overdueThreads(outline, 19, 10).map((o) => [o.thread.id, o.overdueBy])).toEqual([["due-5", 14]])
    expect(overdueThreads(outline, 20, 10).map((o) => [o.thread.id, o.overdueBy])).toEqual([["due-5", 15], ["due-10", 10]])
    expect(overdueThreads(outline, 4, 1)).toEqual([])
    // The default threshold is planning.threadOverdueEpisodes' default (10).
    expect(overdueThreads(outline, 20).map((o) => o.thread.id)).toEqual(["due-5", "due-10"])
  })
})

describe("beatRefusal", () => {
  const han = { id: "han", name: "한태주", aliases: ["태주"], role: "guard", status: "dead" as const, traits: [], firstEpisode: 0 }
  const yun = { id: "yun", name: "서윤하", aliases: [], role: "hero", status: "alive" as const, traits: [], firstEpisode: 0 }
  const status = new Map([["han", "dead" as const], ["yun", "alive" as const]])
  const refuse = (text: string, characters: Array<string> = ["yun"]) =>
    beatRefusal({ text, characters }, status, new Set(), { texts: new Set(), titles: new Set() }, [han, yun])

  it("refuses a dead character acting in the text even when unlisted, and lets the dead be remembered", () => {
    expect(refuse("한태주가 돌아와 윤하를 구한다.")).toBe("its text has 'han' (한태주) act, who is dead")
    expect(refuse("태주는 마지막 힘을 짜낸다.")).toBe("its text has 'han' (한태주) act, who is dead")
    expect(refuse("서윤하는 한태주의 무덤 앞에서 맹세한다.")).toBe(undefined)
    expect(refuse("서윤하는 길을 떠난다.", ["han"])).toBe("it has 'han' act, who is dead")
    expect(actsInText("한태주께서 말씀하셨다", han)).toBe(true)
  })
})

describe("planning config", () => {
  it("fills the defaults and names a bad key", () => {
    expect(resolvePlanning(undefined)).toEqual({ aheadEpisodes: 10, arcLength: { min: 10, max: 30 }, review: "auto", threadOverdueEpisodes: 10 })
    expect(resolvePlanning({ review: "approve", aheadEpisodes: 3 })).toMatchObject({ review: "approve", aheadEpisodes: 3, arcLength: { min: 10, max: 30 } })
    const decode = Schema.decodeUnknownResult(PlanningConfig)
    const inverted = decode({ arcLength: { min: 20, max: 5 } })
    expect(Result.isFailure(inverted) && inverted.failure.message).toMatch(/max \(5\) must be at least min \(20\)/)
    const review = decode({ review: "sometimes" })
    expect(Result.isFailure(review) && review.failure.message).toMatch(/review/)
    const zero = decode({ aheadEpisodes: 0 })
    expect(Result.isFailure(zero) && zero.failure.message).toMatch(/aheadEpisodes/)
  })
})

describe("Planner.layerFor", () => {
  const noModel = Layer.succeed(LanguageModel, {
    complete: () => Effect.die("the offline planner must not call the model"),
  } as unknown as LanguageModel["Service"])

  const plan = (request: Parameters<Planner["Service"]["planArc"]>[0]) =>
    Effect.gen(function* () {
      return yield* (yield* Planner).planArc(request)
    })

  it.effect("routes llm.stages.planner: offline config and kind: offline plan without the model", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("fantasy_kr")
      const request = { project, outline: seedOutline(project, 0), bible, from: 16, arcLength: { min: 10, max: 10 } }
      const offline = yield* plan(request).pipe(Effect.provide(Planner.layerFor({ kind: "offline" }).pipe(Layer.provide(noModel))))
      expect(offline.by).toBe("planner:offline")
      const forced = yield* plan(request).pipe(
        Effect.provide(Planner.layerFor({ kind: "openai", baseUrl: "http://127.0.0.1:9", model: "m", apiKeyEnv: "K", stages: { planner: { kind: "offline" } } }).pipe(Layer.provide(noModel))),
      )
      expect(forced).toEqual(offline)
    }))
})
