/**
 * Issue #19's length bar: a factory whose LLM writer misses the length band as real models do —
 * each draft's length drawn N(band centre, σ = 450 characters), LLM-like Korean prose from the
 * loopback simulator (`test/support/variedLengthWriter.ts`) — against the same run with every
 * draft in band. Figures are counts and token ratios, never timings:
 *
 * - episodes lost: dead, or held behind a dead one (target ≤ 5 %);
 * - writer tokens per committed episode relative to the in-band run (target ≤ 1.3×);
 * - what became of the drafts that missed: trimmed, continued, or fully redrafted.
 *
 * `npx node bench/lengthVariance.ts` alone, or `npm run bench -- lengthVariance`.
 */
import { compareLengthVariance } from "../test/support/lengthVarianceRun.ts"
import type { BenchResult } from "./BenchResult.ts"

const PROJECTS = 6
const EPISODES = 15
const SEED = 450

export const run = async (): Promise<ReadonlyArray<BenchResult>> => {
  const { inBand, varied, uncommittedShare, tokenRatio } = await compareLengthVariance(PROJECTS, EPISODES, SEED)
  const perEpisode = (r: typeof inBand) => r.tokens / Math.max(1, r.committed)
  return [
    {
      name: `σ≈450 lengths: episodes lost, ${varied.episodes} episodes / ${PROJECTS} projects`,
      value: uncommittedShare * 100,
      unit: "%",
      note: `${varied.dead} dead, ${varied.uncommitted - varied.dead} held behind them (target ≤ 5 %)`,
    },
    {
      name: "σ≈450 lengths: writer tokens per committed episode",
      value: perEpisode(varied),
      unit: "tokens",
      baseline: perEpisode(inBand),
      ratio: tokenRatio,
      note: `baseline: the same run with every draft in band (target ≤ 1.3×); ${varied.outOfBand} of ${varied.drafts} drafts out of band: ` +
        `${varied.trimmed} trimmed, ${varied.continued} continuation requests, ${varied.redrafted} full redrafts`,
    },
  ]
}

if (import.meta.main) {
  for (const r of await run()) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.ratio === undefined ? "" : ` (baseline ${r.baseline?.toFixed(0)}, ${r.ratio.toFixed(2)}×)`} — ${r.note}`)
}
