/**
 * A metric's normal band over a window: mean ± k·σ (population σ, k = 2 by default) of its
 * values, one per period (e.g. per hour). A period outside the band is flagged. With fewer
 * than three values there is no band: nothing is judged.
 */
export interface Band {
  readonly n: number
  readonly mean: number
  readonly sd: number
  readonly low: number
  readonly high: number
}

export const band = (values: ReadonlyArray<number>, k = 2): Band | null => {
  if (values.length < 3) return null
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
  return { n: values.length, mean, sd, low: mean - k * sd, high: mean + k * sd }
}

/** `below` / `above` the band, or null inside it (or when there is no band). */
export const outside = (b: Band | null, value: number): "below" | "above" | null => {
  if (b === null) return null
  // A tolerance for floating point: a constant series has σ = 0 and every value equal to the mean.
  const eps = 1e-9 * Math.max(1, Math.abs(b.mean))
  if (value < b.low - eps) return "below"
  if (value > b.high + eps) return "above"
  return null
}
