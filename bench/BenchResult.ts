/** One figure of a benchmark, beside the baseline measured in the same run (never a timed assertion). */
export interface BenchResult {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly baseline?: number
  readonly ratio?: number
  readonly note?: string
}
