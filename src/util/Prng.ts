/**
 * mulberry32: a tiny seeded PRNG for choices that must replay from a seed outside an Effect
 * (the offline writer's phrase picks, the LLM simulator's faults, the chaos runner's plan).
 * Effects draw from Effect's `Random` instead.
 */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a, 32 bit: a stable hash of a string, to derive or mix a seed. */
export const fnv1a32 = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** The choices a seeded composer makes, all from one mulberry32 stream. */
export interface SeededRandom {
  /** In [0, 1). */
  readonly next: () => number
  /** An integer in [0, n). */
  readonly int: (n: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <T>(xs: ReadonlyArray<T>) => T
}

export const seededRandom = (seed: number): SeededRandom => {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, chance: (p) => next() < p, pick: (xs) => xs[int(xs.length)] }
}
