import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { isHold } from "../../src/planner/BeatSource.ts"
import { planArcOffline } from "../../src/planner/OfflinePlanner.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { seedOutline } from "../../src/planner/OutlineEdits.ts"
import { parseBeat } from "../../src/templates/BeatMarkers.ts"
import { createStory, runEpisodes, templateProject, worldLayer } from "./world.ts"

const TEMPLATES = ["fantasy_kr", "modern_noir", "romance_comedy"]

describe("offline planner", () => {
  for (const name of TEMPLATES) {
    it.effect(`${name}: 40 episodes, each with its own beat; no beat text or planned title repeats; the dead never act`, () =>
      Effect.gen(function* () {
        const { project, bible } = yield* templateProject(name)
        yield* createStory(project, bible)
        const { answers, bible: after } = yield* runEpisodes(project.slug, 1, 40, bible)
        expect(answers.filter(isHold)).toEqual([])
        const outline = Option.getOrThrow(yield* (yield* OutlineStore).get(project.slug))
        const written = outline.beats.filter((b) => b.state === "written")
        expect(written.map((b) => b.episode)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
        const texts = outline.beats.map((b) => parseBeat(b.text).text)
        expect(new Set(texts).size).toBe(texts.length)
        const planned = outline.beats.filter((b) => b.history[0]!.by === "planner:offline")
        expect(planned.length).toBeGreaterThanOrEqual(25)
        const titles = planned.map((b) => b.title)
        expect(titles.every((t) => t !== undefined && t.length > 0)).toBe(true)
        expect(new Set(titles).size).toBe(titles.length)
        // Look-ahead: after episode 40, at least `aheadEpisodes` (10) beats are ready.
        expect(Math.max(...outline.beats.map((b) => b.episode))).toBeGreaterThanOrEqual(50)
        // Nobody the story killed acts in a beat planned after the death.
        const dead = after.characters.filter((c) => c.status === "dead")
        for (const beat of planned) {
          for (const c of dead) {
            const diedAt = outline.beats.find((b) => parseBeat(b.text).markers.some((m) => m._tag === "Status" && m.character === c.id && m.status === "dead"))!.episode
            if (beat.episode > diedAt) {
              expect(beat.characters).not.toContain(c.id)
              expect(beat.text).not.toContain(c.name)
            }
          }
        }
        // The foreshadowing ledger moves: threads were planted and some were paid on schedule.
        expect(outline.threads.length).toBeGreaterThan(0)
        const paid = outline.threads.filter((t) => t.state === "paid")
        expect(paid.length).toBeGreaterThan(0)
        for (const t of paid) expect(t.paidOffIn).toBe(t.plannedPayoff)
        expect(outline.arcs.map((a) => a.by).slice(3).every((by) => by === "planner:offline")).toBe(true)
      }).pipe(Effect.provide(worldLayer(Planner.offline))))
  }

  it.effect("fantasy_kr: a death a template beat declares ahead (han-taeju, episode 9) already keeps him out of an arc planned before it", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("fantasy_kr")
      const outline = seedOutline(project, 0)
      const arc = planArcOffline({ project, outline, bible, from: 16, arcLength: { min: 30, max: 30 } })
      expect(arc.beats).toHaveLength(30)
      const han = bible.characters.find((c) => c.id === "han-taeju")!
      expect(han.status).toBe("alive")
      for (const b of arc.beats) {
        expect(b.characters).not.toContain("han-taeju")
        expect(b.text).not.toContain(han.name)
      }
    }))

  it.effect("no beat repeats the title an episode was committed under (a template beat without a title lets the writer name it)", () =>
    Effect.gen(function* () {
      for (const genre of ["fantasy_kr", "modern_noir", "romance_comedy"]) {
        const { project, bible } = yield* templateProject(genre)
        const request = { project, outline: seedOutline(project, 0), bible, from: 16, arcLength: { min: 12, max: 12 } }
        // the same request plans the same arc: its titles, taken by episodes already written, must all give way
        const first = planArcOffline(request).beats.flatMap((b) => (b.title === undefined ? [] : [b.title]))
        expect(first.length).toBeGreaterThan(0)
        const again = planArcOffline({ ...request, writtenTitles: first }).beats.flatMap((b) => (b.title === undefined ? [] : [b.title]))
        expect(again.filter((t) => first.includes(t)), genre).toEqual([])
      }
    }))

  it.effect("a story down to one living character still gets distinct beats, none pairing her with herself", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("romance_comedy")
      const [lead, ...rest] = bible.characters
      const lonely = { ...bible, characters: [lead!, ...rest.map((c) => ({ ...c, status: "dead" as const }))], relations: [] }
      const arc = planArcOffline({ project, outline: seedOutline(project, 0), bible: lonely, from: 15, arcLength: { min: 20, max: 20 } })
      expect(new Set(arc.beats.map((b) => b.text)).size).toBe(20)
      for (const b of arc.beats) {
        expect(b.characters).toEqual([lead!.id])
        expect(b.text.split(lead!.name).length - 1).toBeLessThanOrEqual(1)
        for (const c of rest) expect(b.text).not.toContain(c.name)
      }
    }))

  it.effect("deals with what the Bible's recent changes left: the captured rescued, the wounded recovering, the recently dead mourned", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("fantasy_kr")
      const statusOf: Record<string, "captured" | "injured" | "dead"> = { "lee-yeonhwa": "captured", "baek-rin": "injured", "han-taeju": "dead" }
      const changed = {
        ...bible,
        characters: bible.characters.map((c) => (statusOf[c.id] ? { ...c, status: statusOf[c.id]! } : c)),
        statusHistory: [{ character: "han-taeju", status: "dead" as const, episode: 9 }],
      }
      const name = (id: string) => bible.characters.find((c) => c.id === id)!.name
      const arc = planArcOffline({ project, outline: seedOutline(project, 0), bible: changed, from: 16, arcLength: { min: 12, max: 12 } })
      const rescue = arc.beats.find((b) => b.title?.endsWith("구출"))!
      expect(rescue.text).toContain(`붙잡힌 ${name("lee-yeonhwa")}`)
      expect(rescue.characters).not.toContain("lee-yeonhwa")
      const recovery = arc.beats.find((b) => b.title?.endsWith("회복"))!
      expect(recovery.characters).toContain("baek-rin")
      const memorial = arc.beats.find((b) => b.title?.endsWith("추모"))!
      expect(memorial.text).toContain(`${name("han-taeju")}의 죽음을 기리며`)
      expect(memorial.characters).not.toContain("han-taeju")
      // Long after, the death is no longer news.
      const later = planArcOffline({ project, outline: seedOutline(project, 0), bible: changed, from: 40, arcLength: { min: 12, max: 12 } })
      expect(later.beats.some((b) => b.title?.endsWith("추모"))).toBe(false)
    }))

  it.effect("is deterministic: the same project and arc plan the same beats; another seed plans others", () =>
    Effect.gen(function* () {
      const { project, bible } = yield* templateProject("modern_noir")
      const outline = seedOutline(project, 0)
      const request = { project, outline, bible, from: 16, arcLength: { min: 10, max: 30 } }
      const a = planArcOffline(request)
      expect(planArcOffline(request)).toEqual(a)
      expect(a.beats.length).toBeGreaterThanOrEqual(10)
      expect(a.beats.length).toBeLessThanOrEqual(30)
      const other = planArcOffline({ ...request, project: { ...project, seed: project.seed + 1 } })
      expect(other.beats.map((b) => b.text)).not.toEqual(a.beats.map((b) => b.text))
      // A later arc of the same story is not the same arc again.
      const second = planArcOffline(request, { arcIndex: 4 })
      expect(second.beats.map((b) => b.text)).not.toEqual(a.beats.map((b) => b.text))
    }))
})
