/**
 * The memo helper: a memoized function answers what the function answers, whatever the order of
 * the keys and the limit; it computes a key asked again at once only once; and two `Memory`s share
 * nothing (a guard instance's readings are its own).
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { memoize, memoizeParts, Memory, rememberedIn, scratchIn } from "../../src/util/Memo.ts"

const keys = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "", "가"), { maxLength: 60 })

describe("memoize", () => {
  it("answers compute(key) for any sequence of keys, computing a repeated key once", () => {
    fc.assert(fc.property(keys, fc.integer({ min: 1, max: 8 }), (sequence, limit) => {
      let calls = 0
      const memo = memoize(limit, (k: string) => {
        calls++
        return k === "" ? undefined : `${k}!`
      })
      for (const k of sequence) {
        const before = calls
        expect(memo(k)).toBe(k === "" ? undefined : `${k}!`)
        expect(memo(k)).toBe(k === "" ? undefined : `${k}!`)
        expect(calls - before).toBeLessThanOrEqual(1)
      }
    }))
  })

  it("keeps at least the last ⌈limit/2⌉ keys", () => {
    fc.assert(fc.property(keys, fc.integer({ min: 2, max: 8 }), (sequence, limit) => {
      const computed: Array<string> = []
      const memo = memoize(limit, (k: string) => computed.push(k))
      sequence.forEach((k) => memo(k))
      const recent = [...new Set([...sequence].reverse())].slice(0, Math.ceil(limit / 2))
      const before = computed.length
      recent.forEach((k) => memo(k))
      expect(computed.length).toBe(before)
    }))
  })
})

describe("memoizeParts", () => {
  it("answers compute() for the parts, by identity of each part", () => {
    const objects = [{}, {}, {}]
    const part = fc.oneof(fc.constantFrom(...objects), fc.constantFrom("x", "y"))
    fc.assert(fc.property(fc.array(fc.array(part, { maxLength: 3 }), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (lists, limit) => {
      const memo = memoizeParts<string>(limit)
      const label = (parts: ReadonlyArray<unknown>) => parts.map((p) => (typeof p === "string" ? p : objects.indexOf(p as object))).join(",")
      for (const parts of lists) expect(memo(parts, () => label(parts))).toBe(label(parts))
    }))
  })
})

describe("Memory", () => {
  it("keeps each memory's memos and scratch apart", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom("a", "b", "c")), { maxLength: 40 }), (asks) => {
      const computedBy = new Map<string, number>()
      let memory: Memory | undefined
      const remembered = rememberedIn(16, (k: string) => {
        const tag = `${memories.indexOf(memory!)}:${k}`
        computedBy.set(tag, (computedBy.get(tag) ?? 0) + 1)
        return tag
      })
      const scratch = scratchIn(() => ({ uses: 0 }))
      const memories = [new Memory(), new Memory()]
      for (const [second, k] of asks) {
        memory = memories[second ? 1 : 0]!
        expect(remembered(memory, k)).toBe(`${second ? 1 : 0}:${k}`)
        scratch(memory).uses++
      }
      for (const n of computedBy.values()) expect(n).toBe(1)
      expect(scratch(memories[0]!).uses + scratch(memories[1]!).uses).toBe(asks.length)
      expect(scratch(memories[1]!).uses).toBe(asks.filter(([second]) => second).length)
    }))
  })
})
