/**
 * Memos: a value computed from immutable inputs, kept for the next call that asks for it. The guard
 * reads the same Bible, outline and recent episodes for every draft of an episode, and the same
 * draft in several checks; these keep what it worked out.
 *
 * - `memoize(limit, compute)`: keyed by one value (a string by content, an object by identity). Two
 *   generations of about `limit / 2` entries: a hit in the young one is one `Map.get`, a hit in the
 *   old one moves back to the young one, and when the young one is full it becomes the old one (the
 *   older is dropped). Near an LRU at the cost of a plain Map on a hit.
 * - `memoizeParts(limit)`: keyed by a short list of parts compared one by one (objects by identity,
 *   strings by value), the most recently used first; for values that depend on several inputs.
 */

export const memoize = <K, V>(limit: number, compute: (key: K) => V): ((key: K) => V) => {
  const half = Math.max(1, Math.ceil(limit / 2))
  let young = new Map<K, V>()
  let old = new Map<K, V>()
  return (key) => {
    const hit = young.get(key)
    if (hit !== undefined || young.has(key)) return hit as V
    const value = old.has(key) ? old.get(key) as V : compute(key)
    if (young.size >= half) {
      old = young
      young = new Map()
    }
    young.set(key, value)
    return value
  }
}

export const memoizeParts = <V>(limit: number): ((parts: ReadonlyArray<unknown>, compute: () => V) => V) => {
  const entries: Array<{ readonly parts: ReadonlyArray<unknown>; readonly value: V }> = []
  return (parts, compute) => {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.parts.length !== parts.length) continue
      let same = true
      for (let k = 0; k < parts.length && same; k++) same = e.parts[k] === parts[k]
      if (!same) continue
      if (i > 0) {
        entries.splice(i, 1)
        entries.unshift(e)
      }
      return e.value
    }
    const value = compute()
    entries.unshift({ parts, value })
    if (entries.length > limit) entries.pop()
    return value
  }
}

/**
 * Where an instance keeps its memos and scratch buffers (a guard per stage thread, say): a module
 * declares what it remembers once (`rememberedIn`, `rememberedPartsIn`, `scratchIn`), and each
 * `Memory` holds its own tables, made on first use. Nothing is shared between two memories.
 */
export class Memory {
  private readonly slots = new Map<object, unknown>()
  /** The value of `slot` in this memory, made by `make` the first time. */
  of<T>(slot: object, make: () => T): T {
    let value = this.slots.get(slot) as T | undefined
    if (value === undefined) this.slots.set(slot, value = make())
    return value
  }
}

/** `memoize(limit, compute)`, one per `Memory`; `compute` may read the same memory. */
export const rememberedIn = <K, V>(limit: number, compute: (key: K, memory: Memory) => V): ((memory: Memory, key: K) => V) => {
  const slot = {}
  return (memory, key) => memory.of(slot, () => memoize(limit, (k: K) => compute(k, memory)))(key)
}

/** `memoizeParts(limit)`, one per `Memory`. */
export const rememberedPartsIn = <V>(limit: number): ((memory: Memory, parts: ReadonlyArray<unknown>, compute: () => V) => V) => {
  const slot = {}
  const make = () => memoizeParts<V>(limit)
  return (memory, parts, compute) => memory.of(slot, make)(parts, compute)
}

/** A scratch value (buffers reused call after call), one per `Memory`. */
export const scratchIn = <T>(make: () => T): ((memory: Memory) => T) => {
  const slot = {}
  return (memory) => memory.of(slot, make)
}
