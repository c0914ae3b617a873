import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { BeatSource, isHold } from "../../src/planner/BeatSource.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { createStory, runEpisodes, templateProject, worldLayer } from "./world.ts"

describe("planning.review: approve", () => {
  it.effect("planned arcs wait: the project holds on the first unapproved beat, and approving resumes it", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("romance_comedy")
      yield* createStory(project, bible)
      const outlines = yield* OutlineStore
      const first = yield* runEpisodes(project.slug, 1, 30, bible)
      const last = first.answers.at(-1)!
      expect(last.episode).toBe(16)
      expect(isHold(last) && last.hold).toBe(`${project.slug}: the beat of episode 16 awaits approval (novel-factory outline approve ${project.slug} 16)`)
      // The template's last beat is written without a look at the unapproved one after it.
      const fifteen = first.answers.find((a) => a.episode === 15)!
      expect(!isHold(fifteen) && fifteen.nextBeat).toBe(null)
      const outline = Option.getOrThrow(yield* outlines.get(project.slug))
      const planned = outline.beats.filter((b) => b.episode > 15)
      expect(planned.length).toBeGreaterThanOrEqual(10)
      expect(planned.every((b) => b.state === "planned")).toBe(true)
      // Asking again holds again, without planning another arc.
      const again = yield* (yield* BeatSource).beatFor(project.slug, 16, first.bible)
      expect(isHold(again)).toBe(true)
      expect(Option.getOrThrow(yield* outlines.get(project.slug)).arcs).toEqual(outline.arcs)

      yield* outlines.approve(project.slug, 16, 18, "operator")
      const second = yield* runEpisodes(project.slug, 16, 30, first.bible)
      expect(second.answers.filter((a) => !isHold(a)).map((a) => a.episode)).toEqual([16, 17, 18])
      expect(second.answers.at(-1)!.episode).toBe(19)
      expect(isHold(second.answers.at(-1)!)).toBe(true)
      const after = Option.getOrThrow(yield* outlines.get(project.slug))
      expect(after.beats.find((b) => b.episode === 16)!.history.map((h) => [h.change, h.by])).toEqual([
        ["created", "planner:offline"],
        ["approved", "operator"],
        ["written", "planner:offline"],
      ])
    }).pipe(Effect.provide(worldLayer(Planner.offline, { review: "approve" }))))

  it.effect("in auto mode the same story runs on through the planned arcs", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("romance_comedy")
      yield* createStory(project, bible)
      const run = yield* runEpisodes(project.slug, 1, 30, bible)
      expect(run.answers.filter(isHold)).toEqual([])
    }).pipe(Effect.provide(worldLayer(Planner.offline, { review: "auto", aheadEpisodes: 5, arcLength: { min: 10, max: 12 } }))))
})
