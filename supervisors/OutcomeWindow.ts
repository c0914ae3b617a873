/**
 * Call outcomes over a sliding time window, kept as counts per time bucket in a fixed ring: a
 * call records in O(1), and asking for the counts costs the same however busy the last window
 * was (a breaker's `info` backs `/readyz` and `/api/v1/status`; copying every outcome of the
 * window made them slower the more traffic there was).
 *
 * Times fall into buckets of `bucketMs` (the window / 60 by default). An outcome at `at` is in
 * the window at `now` when its bucket starts after `now - windowMs`, so the window is at most
 * one bucket shorter than `windowMs`; for outcomes at the start of their bucket it is exactly
 * `at > now - windowMs`. Outcomes recorded more than a window before the newest one are gone.
 */
export interface OutcomeCounts {
  readonly calls: number
  readonly failures: number
}

export interface OutcomeWindow {
  readonly windowMs: number
  readonly bucketMs: number
  readonly record: (at: number, failed: boolean) => void
  readonly counts: (now: number) => OutcomeCounts
  readonly reset: () => void
}

export const DEFAULT_BUCKETS = 60

export const makeOutcomeWindow = (windowMs: number, buckets: number = DEFAULT_BUCKETS): OutcomeWindow => {
  if (!(windowMs > 0)) throw new RangeError(`an outcome window needs a positive length, got ${windowMs} ms`)
  const bucketMs = Math.max(1, Math.ceil(windowMs / Math.max(1, Math.floor(buckets))))
  // every bucket that can be in the window at once: see `counts`
  const size = Math.ceil(windowMs / bucketMs) + 1
  const index = new Float64Array(size).fill(Number.NEGATIVE_INFINITY)
  const calls = new Uint32Array(size)
  const failures = new Uint32Array(size)
  const slotOf = (bucket: number) => ((bucket % size) + size) % size

  const record = (at: number, failed: boolean) => {
    const bucket = Math.floor(at / bucketMs)
    const slot = slotOf(bucket)
    const held = index[slot]!
    if (held > bucket) return // a newer bucket holds the slot: this outcome left the window already
    if (held < bucket) {
      index[slot] = bucket
      calls[slot] = 0
      failures[slot] = 0
    }
    calls[slot]!++
    if (failed) failures[slot]!++
  }

  const counts = (now: number): OutcomeCounts => {
    // the buckets starting after now - windowMs (and any ahead of `now`, should the clock step back)
    const oldest = Math.floor((now - windowMs) / bucketMs)
    let c = 0
    let f = 0
    for (let slot = 0; slot < size; slot++) {
      if (index[slot]! > oldest) {
        c += calls[slot]!
        f += failures[slot]!
      }
    }
    return { calls: c, failures: f }
  }

  const reset = () => {
    index.fill(Number.NEGATIVE_INFINITY)
    calls.fill(0)
    failures.fill(0)
  }

  return { windowMs, bucketMs, record, counts, reset }
}
