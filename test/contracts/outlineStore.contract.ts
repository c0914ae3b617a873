/**
 * The `OutlineStore` contract: every adapter runs these cases.
 *
 *   outlineStoreContract("sqlite :memory:", {
 *     makeLayer: () => SqliteOutlineStore.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" }))),
 *     makeDurable: () => { const path = tempFile(); return () => … same path … },
 *   })
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import type { Project } from "../../src/domain/Project.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"

export interface OutlineStoreHarness<E> {
  readonly makeLayer: () => Layer.Layer<OutlineStore, E>
  readonly makeDurable?: () => () => Layer.Layer<OutlineStore, E>
}

export const outlineProject = (slug = "moon-gate", beats = 9): Project => ({
  slug,
  title: "달의 문",
  genre: "fantasy",
  language: "ko",
  seed: 7,
  premise: "문지기의 딸이 열린 달의 문을 발견한다.",
  tone: "wistful",
  styleRules: [],
  bannedWords: [],
  lengthBand: { min: 5_000, max: 5_500 },
  beats: Array.from({ length: beats }, (_, i) => (i === 4 ? `${i + 1}번째 비트 [사망: doha]` : `${i + 1}번째 비트`)),
  createdAt: 0,
})

export const outlineStoreContract = <E>(name: string, harness: OutlineStoreHarness<E>): void => {
  const withStore = <A, E2>(self: Effect.Effect<A, E2, OutlineStore>) => Effect.provide(self, harness.makeLayer())

  describe(`OutlineStore contract: ${name}`, () => {
    it.effect("seeds from the template beats: beat i is episode i+1, approved, by template, three acts; seeding again changes nothing", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* TestClock.setTime(1_000)
        const outline = yield* store.seed(outlineProject())
        expect(outline.beats.map((b) => b.episode)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
        expect(outline.beats.every((b) => b.state === "approved" && b.history[0]!.by === "template" && b.history[0]!.at === 1_000)).toBe(true)
        expect(outline.arcs.map((a) => [a.id, a.from, a.to])).toEqual([["act-1", 1, 3], ["act-2", 4, 6], ["act-3", 7, 9]])
        expect(outline.beats[4]!.text).toBe("5번째 비트 [사망: doha]")
        expect(Option.getOrThrow(yield* store.get("moon-gate"))).toEqual(outline)
        yield* store.editBeat("moon-gate", 2, { text: "바뀐 비트" }, "operator")
        const again = yield* store.seed(outlineProject())
        expect(again.beats[1]!.text).toBe("바뀐 비트")
        const single = yield* store.seed(outlineProject("one-arc", 4), "single")
        expect(single.arcs.map((a) => [a.from, a.to])).toEqual([[1, 4]])
        expect(yield* store.get("nope")).toEqual(Option.none())
      })))

    it.effect("adds, edits, approves and removes beats, each change in the history with who and when", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        yield* TestClock.setTime(5_000)
        yield* store.addBeat("moon-gate", 10, { text: "새 비트", characters: ["seoyun"], threads: ["gate-key"] }, "planner:llm", "planned")
        const added = Option.getOrThrow(yield* store.beatFor("moon-gate", 10))
        expect(added).toMatchObject({ arc: "act-3", state: "planned", characters: ["seoyun"], threads: ["gate-key"] })
        yield* TestClock.setTime(6_000)
        yield* store.editBeat("moon-gate", 10, { text: "고친 비트" }, "operator")
        yield* TestClock.setTime(7_000)
        yield* store.approve("moon-gate", 10, 10, "operator")
        const beat = Option.getOrThrow(yield* store.beatFor("moon-gate", 10))
        expect(beat.state).toBe("approved")
        expect(beat.history.map((h) => [h.change, h.by, h.at, h.text, h.state])).toEqual([
          ["created", "planner:llm", 5_000, "새 비트", "planned"],
          ["edited", "operator", 6_000, "고친 비트", "planned"],
          ["approved", "operator", 7_000, "고친 비트", "approved"],
        ])
        expect((yield* store.get("moon-gate").pipe(Effect.map(Option.getOrThrow))).arcs.at(-1)!.to).toBe(10)
        yield* store.removeBeat("moon-gate", 10)
        expect(yield* store.beatFor("moon-gate", 10)).toEqual(Option.none())
        expect((yield* Effect.flip(store.addBeat("moon-gate", 3, { text: "중복" }, "operator")))._tag).toBe("BeatExists")
        expect((yield* Effect.flip(store.editBeat("moon-gate", 42, { text: "x" }, "operator")))._tag).toBe("BeatNotFound")
        const badMarker = yield* Effect.flip(store.addBeat("moon-gate", 11, { text: "누군가 죽는다 [사망: Not An Id]" }, "operator"))
        expect(badMarker._tag).toBe("InvalidOutlineEdit")
        expect(badMarker.message).toContain("[사망: Not An Id]")
        expect((yield* Effect.flip(store.editBeat("nope", 1, { text: "x" }, "operator")))._tag).toBe("OutlineNotFound")
      })))

    it.effect("a written beat is frozen: edit, removal and removing its arc are refused; marking it again is harmless", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        yield* store.markWritten("moon-gate", 1)
        yield* store.markWritten("moon-gate", 1)
        const beat = Option.getOrThrow(yield* store.beatFor("moon-gate", 1))
        expect(beat.state).toBe("written")
        expect(beat.history.map((h) => h.change)).toEqual(["created", "written"])
        const edit = yield* Effect.flip(store.editBeat("moon-gate", 1, { text: "다시 쓰기" }, "operator"))
        expect(edit._tag).toBe("BeatFrozen")
        expect(edit.message).toContain("episode 1 is written")
        expect((yield* Effect.flip(store.removeBeat("moon-gate", 1)))._tag).toBe("BeatFrozen")
        expect((yield* Effect.flip(store.removeArc("moon-gate", "act-1")))._tag).toBe("BeatFrozen")
        expect((yield* Effect.flip(store.editArc("moon-gate", "act-1", { from: 2 }, "operator")))._tag).toBe("BeatFrozen")
        expect((yield* Effect.flip(store.markWritten("moon-gate", 77)))._tag).toBe("BeatNotFound")
        expect(Option.getOrThrow(yield* store.beatFor("moon-gate", 1))).toEqual(beat)
      })))

    it.effect("deleteProject removes the outline, written beats and threads included, and no other; again it is a no-op; seeding starts afresh", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        const other = yield* store.seed(outlineProject("sun-gate", 4))
        yield* store.markWritten("moon-gate", 1)
        yield* store.markWritten("moon-gate", 2)
        yield* store.upsertThread("moon-gate", { id: "gate-key", description: "은열쇠", plantedIn: 1, hints: [], state: "open" })
        expect(yield* store.deleteProject("moon-gate")).toBe(true)
        expect(yield* store.get("moon-gate")).toEqual(Option.none())
        expect(yield* store.beatFor("moon-gate", 1)).toEqual(Option.none())
        expect(yield* store.deleteProject("moon-gate")).toBe(false)
        expect(Option.getOrThrow(yield* store.get("sun-gate"))).toEqual(other)
        const again = yield* store.seed(outlineProject("moon-gate", 3))
        expect(again.beats.map((b) => [b.episode, b.state])).toEqual([[1, "approved"], [2, "approved"], [3, "approved"]])
        expect(again.threads).toEqual([])
        // a written beat is still frozen while its outline stands
        yield* store.markWritten("moon-gate", 1)
        expect((yield* Effect.flip(store.removeBeat("moon-gate", 1)))._tag).toBe("BeatFrozen")
      })))

    it.effect("arcs: add, edit and remove keep spans apart and beats filed under the arc that spans them", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        const overlap = yield* Effect.flip(store.addArc("moon-gate", { id: "arc-2", title: "둘째", goal: "", from: 9, to: 20, by: "operator" }))
        expect(overlap.message).toContain("overlaps arc 'act-3'")
        yield* store.addArc("moon-gate", { id: "arc-2", title: "둘째", goal: "왕도로", from: 10, to: 20, by: "operator" })
        yield* store.addBeat("moon-gate", 12, { text: "왕도에 닿는다" }, "operator")
        expect(Option.getOrThrow(yield* store.beatFor("moon-gate", 12)).arc).toBe("arc-2")
        yield* store.editArc("moon-gate", "arc-2", { title: "왕도 편" }, "operator")
        const bad = yield* Effect.flip(store.editArc("moon-gate", "arc-2", { to: 11 }, "operator"))
        expect(bad.message).toContain("episode 12")
        yield* store.removeArc("moon-gate", "arc-2")
        const outline = Option.getOrThrow(yield* store.get("moon-gate"))
        expect(outline.arcs.map((a) => a.id)).toEqual(["act-1", "act-2", "act-3"])
        expect(outline.beats.some((b) => b.episode === 12)).toBe(false)
        expect((yield* Effect.flip(store.removeArc("moon-gate", "nope")))._tag).toBe("ArcNotFound")
      })))

    it.effect("threads: add, update, pay off, remove; a payoff before the planting is refused", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        yield* store.upsertThread("moon-gate", { id: "gate-key", description: "은열쇠는 누구의 것인가", plantedIn: 2, hints: [4], plannedPayoff: 8, state: "open" })
        yield* store.upsertThread("moon-gate", { id: "mother", description: "어머니의 행방", plantedIn: 3, hints: [], state: "open" })
        yield* store.upsertThread("moon-gate", { id: "gate-key", description: "은열쇠는 누구의 것인가", plantedIn: 2, hints: [4, 6], plannedPayoff: 8, paidOffIn: 8, state: "paid" })
        const outline = Option.getOrThrow(yield* store.get("moon-gate"))
        expect(outline.threads).toEqual([
          { id: "gate-key", description: "은열쇠는 누구의 것인가", plantedIn: 2, hints: [4, 6], plannedPayoff: 8, paidOffIn: 8, state: "paid" },
          { id: "mother", description: "어머니의 행방", plantedIn: 3, hints: [], state: "open" },
        ])
        const early = yield* Effect.flip(store.upsertThread("moon-gate", { id: "x", description: "d", plantedIn: 5, hints: [], plannedPayoff: 2, state: "open" }))
        expect(early.message).toContain("before it is planted")
        yield* store.removeThread("moon-gate", "mother")
        expect(Option.getOrThrow(yield* store.get("moon-gate")).threads.map((t) => t.id)).toEqual(["gate-key"])
        expect((yield* Effect.flip(store.removeThread("moon-gate", "mother")))._tag).toBe("ThreadNotFound")
      })))

    it.effect("approving an arc approves its planned beats; writing a beat moves the threads it names (hint, payoff)", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        yield* store.seed(outlineProject())
        yield* store.addArc("moon-gate", { id: "arc-4", title: "넷째", goal: "", from: 10, to: 12, by: "planner:offline" })
        yield* store.upsertThread("moon-gate", { id: "key", description: "열쇠의 주인", plantedIn: 2, hints: [], plannedPayoff: 11, state: "open" })
        yield* store.addBeat("moon-gate", 10, { text: "열쇠가 다시 빛난다", threads: ["key"] }, "planner:offline", "planned")
        yield* store.addBeat("moon-gate", 11, { text: "열쇠의 주인이 밝혀진다", threads: ["key"] }, "planner:offline", "planned")
        yield* store.approveArc("moon-gate", "arc-4", "operator")
        const approved = Option.getOrThrow(yield* store.get("moon-gate"))
        expect(approved.beats.filter((b) => b.arc === "arc-4").map((b) => b.state)).toEqual(["approved", "approved"])
        for (let n = 1; n <= 10; n++) yield* store.markWritten("moon-gate", n)
        expect(Option.getOrThrow(yield* store.get("moon-gate")).threads[0]).toMatchObject({ hints: [10], state: "open" })
        const after = yield* store.markWritten("moon-gate", 11)
        expect(after.threads[0]).toEqual({ id: "key", description: "열쇠의 주인", plantedIn: 2, hints: [10], plannedPayoff: 11, paidOffIn: 11, state: "paid" })
        expect((yield* Effect.flip(store.approveArc("moon-gate", "nope", "operator")))._tag).toBe("ArcNotFound")
      })))

    it.effect("a failed edit writes nothing", () =>
      withStore(Effect.gen(function* () {
        const store = yield* OutlineStore
        const before = yield* store.seed(outlineProject())
        yield* Effect.flip(store.editBeat("moon-gate", 3, { text: "[관계: a NOPE b] 만" }, "operator"))
        expect(Option.getOrThrow(yield* store.get("moon-gate"))).toEqual(before)
      })))

    if (harness.makeDurable) {
      const makeDurable = harness.makeDurable
      it.effect("survives a restart: a new store on the same storage reads the same outline", () =>
        Effect.gen(function* () {
          const open = makeDurable()
          const written = yield* Effect.gen(function* () {
            const store = yield* OutlineStore
            yield* store.seed(outlineProject())
            yield* store.markWritten("moon-gate", 1)
            return yield* store.upsertThread("moon-gate", { id: "t", description: "떡밥", plantedIn: 1, hints: [], state: "open" })
          }).pipe(Effect.provide(open()))
          const read = yield* Effect.gen(function* () {
            return yield* (yield* OutlineStore).get("moon-gate")
          }).pipe(Effect.provide(open()))
          expect(Option.getOrThrow(read)).toEqual(written)
        }))
    }
  })
}
