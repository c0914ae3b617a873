import { describe, expect, it } from "@effect/vitest"
import { turnBatcher } from "../../src/redis/TurnBatcher.ts"

describe("turnBatcher", () => {
  it("sends the calls of one turn as one request, in order, split at maxBatch", async () => {
    const sent: Array<ReadonlyArray<number>> = []
    const call = turnBatcher<number, string>(async (items) => {
      sent.push(items)
      return items.map((n) => `#${n}`)
    }, 3)
    const answers = await Promise.all([1, 2, 3, 4, 5].map(call))
    expect(answers).toEqual(["#1", "#2", "#3", "#4", "#5"])
    expect(sent).toEqual([[1, 2, 3], [4, 5]])
    // A later turn is a new request.
    expect(await call(6)).toBe("#6")
    expect(sent.at(-1)).toEqual([6])
  })

  it("an Error answer fails its item alone; a failed request fails all of its items", async () => {
    let fail = false
    const call = turnBatcher<number, number>(async (items) => {
      if (fail) throw new Error("connection lost")
      return items.map((n) => (n === 2 ? new Error("bad 2") : n * 10))
    }, 10)
    const settled = await Promise.allSettled([1, 2, 3].map(call))
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message))).toEqual([10, "bad 2", 30])
    fail = true
    const down = await Promise.allSettled([1, 2].map(call))
    expect(down.map((s) => s.status === "rejected" && (s.reason as Error).message)).toEqual(["connection lost", "connection lost"])
  })

  it("a send that throws, or answers the wrong number of items, fails the request", async () => {
    const throwing = turnBatcher<number, number>(() => {
      throw new Error("sync boom")
    }, 10)
    await expect(throwing(1)).rejects.toThrow("sync boom")
    const short = turnBatcher<number, number>(async () => [1], 10)
    const settled = await Promise.allSettled([1, 2].map(short))
    expect(settled.every((s) => s.status === "rejected")).toBe(true)
  })
})
