/**
 * Issue #19's bar, CI-sized: a factory whose LLM writer misses the length band as real models do
 * (lengths drawn N(band centre, σ = 450 characters)) loses ≤ 5 % of its episodes and spends
 * ≤ 1.3× the writer tokens per committed episode of the same run with every draft in band —
 * counts, not timings. `bench/lengthVariance.ts` runs the larger version and prints the figures.
 */
import { describe, expect, it } from "vitest"
import { compareLengthVariance } from "../support/lengthVarianceRun.ts"

describe("length variance σ≈450 around the band", () => {
  it("≤ 5 % of episodes dead and ≤ 1.3× the in-band run's tokens per committed episode", async () => {
    const { inBand, varied, uncommittedShare, tokenRatio } = await compareLengthVariance(3, 10, 19)
    console.log(`length variance: ${varied.dead}/${varied.episodes} dead (${varied.uncommitted} not committed), ${tokenRatio.toFixed(2)}× tokens per committed episode; ` +
      `${varied.outOfBand}/${varied.drafts} drafts out of band: ${varied.trimmed} trimmed, ${varied.continued} continuations, ${varied.redrafted} redrafts`)
    // The runs are what they claim to be: every in-band draft fits, and the varied run misses often.
    expect(inBand.outOfBand).toBe(0)
    expect(inBand.committed).toBe(inBand.episodes)
    expect(varied.outOfBand).toBeGreaterThanOrEqual(varied.drafts / 3)
    expect(varied.trimmed).toBeGreaterThan(0)
    expect(varied.continued).toBeGreaterThan(0)
    // Held episodes count as lost too: stricter than counting the dead alone.
    expect(uncommittedShare).toBeLessThanOrEqual(0.05)
    expect(tokenRatio).toBeLessThanOrEqual(1.3)
  }, 180_000)
})
