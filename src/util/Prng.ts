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
