/**
 * Character trigrams as small integers, for comparing many sentences by their trigram sets.
 * Keyed by number, a set of 48-bit trigrams means boxed doubles in a `Set` (slow to hash,
 * garbage for the collector). A {@link TrigramTable} instead gives each distinct trigram of one
 * computation a dense id, so a sentence is a short `Int32Array` and "in this set" an array index.
 */

/** Dense ids for the trigrams of one computation; `clear` starts the next (the storage is reused). */
export class TrigramTable {
  private keys = new Float64Array(0)
  private rounds = new Int32Array(0)
  private slotIds = new Int32Array(0)
  private mask = 0
  private round = 0
  private count = 0

  /** Forgets every id; room for `atMost` distinct trigrams. */
  clear(atMost: number): void {
    let size = 1024
    while (size < atMost * 2) size *= 2
    if (size > this.keys.length) {
      this.keys = new Float64Array(size)
      this.rounds = new Int32Array(size)
      this.slotIds = new Int32Array(size)
      this.round = 0
    }
    this.mask = this.keys.length - 1
    if (this.round === 0x7fffffff) {
      this.rounds.fill(0)
      this.round = 0
    }
    this.round++
    this.count = 0
  }

  /** Number of ids given since `clear`: every id is below it. */
  get size(): number {
    return this.count
  }

  /** The id of the trigram of code units `a b c`, made on first sight. */
  idOf(a: number, b: number, c: number): number {
    if (this.count * 2 >= this.keys.length) this.grow()
    const key = a * 4294967296 + b * 65536 + c
    let h = Math.imul(((a << 16) | b) ^ Math.imul(c, 0x9e3779b1), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    const { keys, rounds, mask, round } = this
    for (let at = h & mask;; at = (at + 1) & mask) {
      if (rounds[at] !== round) {
        rounds[at] = round
        keys[at] = key
        this.slotIds[at] = this.count
        return this.count++
      }
      if (keys[at] === key) return this.slotIds[at]!
    }
  }

  /** Twice the room, same ids (when a caller's `atMost` was short). */
  private grow(): void {
    const { keys, rounds, slotIds, round } = this
    const size = Math.max(1024, keys.length * 2)
    this.keys = new Float64Array(size)
    this.rounds = new Int32Array(size)
    this.slotIds = new Int32Array(size)
    this.mask = size - 1
    this.round = 1
    const count = this.count
    for (let at = 0; at < keys.length; at++) {
      if (rounds[at] !== round) continue
      const key = keys[at]!
      const q = Math.floor(key / 65536)
      const c = key - q * 65536
      const a = Math.floor(q / 65536)
      this.count = slotIds[at]!
      this.idOf(a, q - a * 65536, c)
    }
    this.count = count
  }
}

/**
 * Marks and values per id, for one computation at a time: `next(size)` starts a round in which
 * nothing is marked yet (no clearing: a round number per id).
 */
export class IdMarks {
  private stamps = new Int32Array(0)
  private vals = new Int32Array(0)
  private round = 0

  /** Starts a round for ids below `size`. */
  next(size: number): void {
    if (this.stamps.length < size) {
      const n = Math.max(size, this.stamps.length * 2, 1024)
      this.stamps = new Int32Array(n)
      this.vals = new Int32Array(n)
      this.round = 0
    }
    if (this.round === 0x7fffffff) {
      this.stamps.fill(0)
      this.round = 0
    }
    this.round++
  }

  /** Marks `id` in this round with a value; false if it was marked already (the value is kept). */
  mark(id: number, value = 0): boolean {
    if (this.stamps[id] === this.round) return false
    this.stamps[id] = this.round
    this.vals[id] = value
    return true
  }

  /** The value `id` was marked with in this round, or -1. */
  value(id: number): number {
    return this.stamps[id] === this.round ? this.vals[id]! : -1
  }
}
