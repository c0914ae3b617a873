import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { costOf, defaultPrices, makePriceTable } from "../../src/finance/Price.ts"

describe("price math", () => {
  const price = { input: 2.5, cachedInput: 1.25, output: 10 }

  it("converts per-1M prices", () => {
    expect(costOf({ promptTokens: 1_000_000, cachedTokens: 0, completionTokens: 0 }, price)).toBeCloseTo(2.5, 12)
    expect(costOf({ promptTokens: 0, cachedTokens: 0, completionTokens: 1_000_000 }, price)).toBeCloseTo(10, 12)
    expect(costOf({ promptTokens: 1_000, cachedTokens: 0, completionTokens: 500 }, price)).toBeCloseTo(0.0025 + 0.005, 12)
  })

  it("bills cached tokens at the cached price, not twice (prompt_tokens includes them)", () => {
    // 10k prompt of which 8k cached: 2k × 2.5 + 8k × 1.25 = 5 000 + 10 000 (per 1M) = 0.015
    expect(costOf({ promptTokens: 10_000, cachedTokens: 8_000, completionTokens: 0 }, price)).toBeCloseTo(0.015, 12)
    // More cached than prompt (a provider bug) is clamped.
    expect(costOf({ promptTokens: 100, cachedTokens: 500, completionTokens: 0 }, price)).toBeCloseTo(100 * 1.25 / 1e6, 12)
  })

  it("never costs more with cache hits than without, and is linear in output", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1e7 }),
      fc.integer({ min: 0, max: 1e7 }),
      fc.integer({ min: 0, max: 1e6 }),
      (prompt, cachedRaw, completion) => {
        const cached = Math.min(prompt, cachedRaw)
        const withCache = costOf({ promptTokens: prompt, cachedTokens: cached, completionTokens: completion }, price)
        const without = costOf({ promptTokens: prompt, cachedTokens: 0, completionTokens: completion }, price)
        const expected = ((prompt - cached) * 2.5 + cached * 1.25 + completion * 10) / 1e6
        return withCache <= without + 1e-12 && Math.abs(withCache - expected) < 1e-9
      },
    ))
  })

  it("looks prices up by name, then without the snapshot date, then by family; configured entries win; offline is free", () => {
    const table = makePriceTable({ "gpt-4o": { input: 9, cachedInput: 9, output: 9 }, "claude-3-5-sonnet": { input: 3, cachedInput: 0.3, output: 15, cacheWrite: 3.75 } })
    expect(table.lookup("gpt-4o-mini-2024-07-18").price).toEqual(defaultPrices["gpt-4o-mini"])
    expect(table.lookup("gpt-4o-2024-08-06").price.input).toBe(9)
    expect(table.lookup("gpt-4.1-mini-2025-04-14").key).toBe("gpt-4.1-mini")
    expect(table.lookup("claude-3-5-sonnet-20241022").key).toBe("claude-3-5-sonnet")
    expect(table.lookup("gpt-4o-0613").key).toBe("gpt-4o")
    expect(table.lookup("gpt-4.1-nano").key).toBe("gpt-4.1-nano")
    expect(table.lookup("sim-korean").key).toBe("sim-")
    // A look-alike is not priced as the model it begins with: its cost is unknown.
    expect(table.lookup("gpt-5-pro").known).toBe(false)
    expect(table.lookup("gpt-4o-mini-tts").known).toBe(false)
    const unknown = table.lookup("mystery-model")
    expect(unknown.known).toBe(false)
    expect(unknown.price.output).toBe(0)
    expect(table.lookup("gpt-4o", "offline").price.input).toBe(0)
  })
})
