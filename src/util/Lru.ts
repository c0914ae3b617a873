/**
 * A `Map` used as an LRU cache: its insertion order is the order of use, oldest first.
 */

/** Puts `key` last (most recently used) with `value`, and drops the oldest entries beyond `limit`. */
export const keepRecent = <K, V>(map: Map<K, V>, key: K, value: V, limit: number): void => {
  map.delete(key)
  map.set(key, value)
  while (map.size > limit) map.delete(map.keys().next().value!)
}
