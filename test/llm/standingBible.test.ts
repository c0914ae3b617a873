import { describe, expect, it } from "@effect/vitest"
import type { Bible } from "../../src/domain/Bible.ts"
import { STANDING_BIBLE_BLOCK, standingBible } from "../../src/pipeline/Brief.ts"

const bible: Bible = {
  characters: [
    { id: "a", name: "가온", aliases: [], role: "주인공", status: "alive", traits: [], firstEpisode: 0 },
    { id: "b", name: "보라", aliases: [], role: "동료", status: "alive", traits: [], firstEpisode: 12 },
  ],
  places: [
    { id: "x", name: "성", description: "오래된 성" },
    { id: "y", name: "숲", description: "깊은 숲", firstEpisode: 14 },
  ],
  relations: [
    { from: "a", to: "b", type: "KNOWS", since: 3 },
    { from: "b", to: "a", type: "RIVAL_OF", since: 4, until: 13 },
  ],
  events: [],
  worldRules: [],
} as unknown as Bible

describe("the standing Bible of the writer's prompt", () => {
  it("is the Bible as the block's start left it, the same for every episode of the block", () => {
    expect(STANDING_BIBLE_BLOCK).toBe(10)
    const first = standingBible(bible, 1)
    expect(first.asOfEpisode).toBe(0)
    expect(standingBible(bible, 10)).toEqual(first)
    expect(first.characters.map((c) => c.id)).toEqual(["a"])
    const second = standingBible(bible, 15)
    expect(second.asOfEpisode).toBe(10)
    expect(standingBible(bible, 11)).toEqual(second)
    expect(second.characters.map((c) => c.id)).toEqual(["a"])
    expect(standingBible(bible, 21).characters.map((c) => c.id)).toEqual(["a", "b"])
    expect(standingBible(bible, 21).places.map((p) => p.id)).toEqual(["x", "y"])
  })

  it("leaves out a relation that has ended since (the prompt must not state it as holding)", () => {
    expect(standingBible(bible, 15).relations.map((r) => r.type)).toEqual(["KNOWS"])
  })
})
