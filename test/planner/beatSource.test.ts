import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { BeatSource } from "../../src/planner/BeatSource.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { createStory, templateProject, worldLayer } from "./world.ts"

/** A planner whose arc the outline must refuse (an unreadable marker slipped through). */
const brokenPlanner = Layer.succeed(Planner, {
  planArc: (request) =>
    Effect.succeed({
      title: "깨진 편",
      goal: "",
      beats: Array.from({ length: 10 }, (_, i) => ({ text: i === 3 ? "누군가 쓰러진다 [사망: ]" : `깨진 비트 ${request.from + i}` })),
      threads: [],
      by: "planner:offline" as const,
      findings: [],
    }),
})

describe("beatFor", () => {
  it.effect("holds, naming why, when the planned arc cannot join the outline; nothing of it is stored", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("modern_noir")
      yield* createStory(project, bible)
      const source = yield* BeatSource
      const answer = yield* source.beatFor(project.slug, 15, bible)
      expect(answer).toEqual({ hold: expect.stringContaining("no beat for episode 15: the planned arc could not join the outline") })
      expect("hold" in answer && answer.hold).toContain("[사망: ]")
      const outline = Option.getOrThrow(yield* (yield* OutlineStore).get(project.slug))
      expect(outline.arcs.map((a) => a.id)).toEqual(["act-1", "act-2", "act-3"])
      expect(outline.beats).toHaveLength(14)
    }).pipe(Effect.provide(worldLayer(brokenPlanner))))

  it.effect("holds for a project that does not exist", () =>
    Effect.gen(function* () {
      const { bible } = yield* templateProject("modern_noir")
      expect(yield* (yield* BeatSource).beatFor("ghost", 1, bible)).toEqual({ hold: "no project 'ghost'" })
    }).pipe(Effect.provide(worldLayer(Planner.offline))))
})
