import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { draftTail, lengthStep, trimToBand } from "../../src/pipeline/LengthRepair.ts"

const paragraph = fc.string({ unit: fc.constantFrom("가", "나", "다", " ", "."), minLength: 1, maxLength: 400 })
  .map((p) => `문${p.trim()}끝`)
const draft = fc.array(paragraph, { minLength: 1, maxLength: 30 }).map((ps) => ps.join("\n\n"))

describe("length repair helpers", () => {
  it("the continuation's context is the draft's last whole paragraphs, within the limit unless one paragraph alone is longer", () => {
    fc.assert(fc.property(draft, fc.integer({ min: 1, max: 3_000 }), (text, limit) => {
      const tail = draftTail(text, limit)
      const paragraphs = text.split("\n\n")
      const kept = tail.split("\n\n")
      expect(kept).toEqual(paragraphs.slice(-kept.length))
      if (kept.length > 1) expect(tail.length).toBeLessThanOrEqual(limit)
      // Greedy: one paragraph more would not have fitted.
      if (kept.length < paragraphs.length) expect(tail.length + 2 + paragraphs[paragraphs.length - kept.length - 1]!.length).toBeGreaterThan(limit)
    }), { numRuns: 500 })
  })

  it("a trimmed draft fits the band, and the step after it is 'fits'", () => {
    fc.assert(fc.property(draft, fc.integer({ min: 100, max: 4_000 }), fc.integer({ min: 0, max: 1_000 }), (text, min, width) => {
      const band = { min, max: min + width }
      const trimmed = trimToBand(text, band)
      if (trimmed === undefined) return
      expect(text.startsWith(trimmed)).toBe(true)
      expect(lengthStep(trimmed, band)).toBe("fits")
      const n = countCharsWithSpaces(trimmed)
      expect(n >= band.min && n <= band.max).toBe(true)
    }), { numRuns: 500 })
  })

  it("lengthStep reads the band as the guard does", () => {
    const band = { min: 10, max: 20 }
    expect([lengthStep("가".repeat(9), band), lengthStep("가".repeat(10), band), lengthStep("가".repeat(20), band), lengthStep("가".repeat(21), band)])
      .toEqual(["extend", "fits", "fits", "trim"])
  })
})
