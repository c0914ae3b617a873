/**
 * Character n-gram shingles for finding repeated passages. Whitespace is
 * dropped before shingling (re-wrapping a paragraph must not hide a copy) and
 * every shingle remembers where it starts in the original text.
 *
 * The guard runs on every draft, so the hot paths avoid building a string per
 * n-gram: {@link NgramIndex} keys each n-gram by a rolling hash and confirms a
 * hit by comparing the characters, so its answers are exactly those of a
 * `Set<string>` of the n-grams (a hash collision costs time, never a wrong answer).
 */
import type { Span } from "./Sentences.ts"

export interface Squeezed {
  /** The text without whitespace. */
  readonly chars: string
  /** `offsets[i]` = offset in the original text of `chars[i]`. */
  readonly offsets: ArrayLike<number>
}

/** Whether a UTF-16 code unit is whitespace, exactly as `/\s/` decides it. */
export const isWhitespaceCode = (c: number): boolean =>
  c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
      c === 0x205f || c === 0x3000 || c === 0xfeff)

const WHITESPACE_RUNS = /\s+/g
const utf16 = new TextDecoder("utf-16le")
let kept = new Uint16Array(4096)

/**
 * The text without whitespace (the `chars` of {@link squeeze}, without the offsets). The kept code
 * units are gathered and decoded in one go, two to three times faster than `replace(/\s+/g, "")`
 * on a long text; a text with a surrogate takes the regular expression (the decoder would mend a
 * lone one), and so does a short one (not worth it).
 */
export const squeezeChars = (text: string, offsets?: Int32Array): string => {
  if (text.length < 64 && offsets === undefined) return text.replace(WHITESPACE_RUNS, "")
  if (kept.length < text.length) kept = new Uint16Array(text.length * 2)
  let n = 0
  let surrogate = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // a Hangul syllable (most of the text) is neither whitespace nor a surrogate
    if ((c < 0xac00 || c > 0xd7a3) && isWhitespaceCode(c)) continue
    if (c >= 0xd800 && c <= 0xdfff) surrogate = true
    if (offsets !== undefined) offsets[n] = i
    kept[n++] = c
  }
  return surrogate ? text.replace(WHITESPACE_RUNS, "") : utf16.decode(kept.subarray(0, n))
}

/** Removes whitespace (NFC is the caller's business), remembering original offsets. */
export const squeeze = (text: string): Squeezed => {
  const at = new Int32Array(text.length)
  const chars = squeezeChars(text, at)
  return { chars, offsets: at.subarray(0, chars.length) }
}

// ---------------------------------------------------------------------------
// Hashed n-grams

const HASH_BASE = 0x01000193

/** Whether `n` is an n-gram size the hashed paths take (a positive integer); others take the string-keyed ones. */
export const isGramSize = (n: number): boolean => Number.isInteger(n) && n > 0

/** `out[i]` = a 32-bit rolling hash of `s.slice(i, i + n)`, for every n-gram of `s`. */
export const ngramHashes = (s: string, n: number): Int32Array => {
  const count = s.length - n + 1
  if (n <= 0 || count <= 0) return new Int32Array(0)
  const out = new Int32Array(count)
  let top = 1 // HASH_BASE ** (n - 1), mod 2^32
  for (let k = 1; k < n; k++) top = Math.imul(top, HASH_BASE)
  let h = 0
  for (let k = 0; k < n; k++) h = (Math.imul(h, HASH_BASE) + s.charCodeAt(k)) | 0
  out[0] = h
  for (let i = 1; i < count; i++) {
    h = (Math.imul(h - Math.imul(s.charCodeAt(i - 1), top), HASH_BASE) + s.charCodeAt(i + n - 1)) | 0
    out[i] = h
  }
  return out
}

/** The hash {@link ngramHashes} gives the n-gram `s.slice(i, i + n)`. */
export const ngramHash = (s: string, i: number, n: number): number => {
  let h = 0
  for (let k = 0; k < n; k++) h = (Math.imul(h, HASH_BASE) + s.charCodeAt(i + k)) | 0
  return h
}

const mix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

const sameChars = (a: string, i: number, b: string, j: number, n: number): boolean => {
  for (let k = 0; k < n; k++) if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false
  return true
}

/**
 * The distinct n-grams of one or more squeezed texts (whitespace-free: a text
 * boundary is never inside an n-gram), each with the position of its first
 * occurrence. Lookups take the n-gram as (string, position, hash from {@link ngramHashes}).
 */
export class NgramIndex {
  readonly n: number
  /** The indexed texts joined by "\n" (which no squeezed text contains). */
  readonly chars: string
  private readonly hashes: Int32Array
  private readonly slots: Int32Array // position + 1; 0 = empty
  private readonly mask: number
  /**
   * One bit per hash (of 8 per slot): most lookups are of n-grams that are not there (another
   * episode's text against a draft), and a clear bit says so without touching the table.
   */
  private readonly bits: Int32Array
  private readonly bitShift: number
  private count = 0

  constructor(texts: string | ReadonlyArray<string>, n: number, capacity?: number) {
    this.n = n
    this.chars = typeof texts === "string" ? texts : texts.join("\n")
    const grams = Math.max(0, capacity ?? this.chars.length - n + 1)
    let size = 16
    while (size < grams * 2) size *= 2
    this.mask = size - 1
    this.hashes = new Int32Array(size)
    this.slots = new Int32Array(size)
    this.bits = new Int32Array(size >> 2) // 8 bits per slot
    this.bitShift = 32 - Math.log2(size * 8)
  }

  private bitOf(h: number): number {
    return Math.imul(h, 0x9e3779b1) >>> this.bitShift
  }

  /** Indexes every n-gram of `chars` that holds no text boundary. */
  static of(texts: string | ReadonlyArray<string>, n: number): NgramIndex {
    const index = new NgramIndex(texts, n)
    const s = index.chars
    const hashes = ngramHashes(s, n)
    let nextSep = s.indexOf("\n")
    for (let i = 0; i < hashes.length; i++) {
      if (nextSep >= 0 && nextSep < i) nextSep = s.indexOf("\n", i)
      if (nextSep >= 0 && nextSep < i + n) continue
      index.firstOrAdd(s, i, hashes[i])
    }
    return index
  }

  /** Number of distinct n-grams. */
  get size(): number {
    return this.count
  }

  /** Position (in `chars`) of the n-gram `s[i, i + n)`, or -1. */
  find(s: string, i: number, h: number): number {
    const bit = this.bitOf(h)
    if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1
    const { mask, hashes, slots, n } = this
    for (let at = mix(h) & mask;; at = (at + 1) & mask) {
      const slot = slots[at]
      if (slot === 0) return -1
      if (hashes[at] === h && sameChars(this.chars, slot - 1, s, i, n)) return slot - 1
    }
  }

  has(s: string, i: number, h: number): boolean {
    return this.find(s, i, h) >= 0
  }

  /**
   * The first position of the n-gram `s[i, i + n)` when it is indexed already; else
   * indexes it at `i` (only valid when `s` is this index's `chars`) and returns -1.
   */
  firstOrAdd(s: string, i: number, h: number): number {
    const { mask, hashes, slots, n } = this
    let at = mix(h) & mask
    for (;; at = (at + 1) & mask) {
      const slot = slots[at]
      if (slot === 0) break
      if (hashes[at] === h && sameChars(this.chars, slot - 1, s, i, n)) return slot - 1
    }
    hashes[at] = h
    slots[at] = i + 1
    const bit = this.bitOf(h)
    this.bits[bit >>> 5]! |= 1 << (bit & 31)
    this.count++
    return -1
  }
}

/** The n-grams of one squeezed text, each position mapped to the first occurrence of its n-gram. */
export interface TextGrams {
  readonly chars: string
  readonly n: number
  /** `first[i]` = the first position of the n-gram at `i` (`i` itself for a first occurrence). */
  readonly first: Int32Array
  /** Number of distinct n-grams. */
  readonly distinct: number
  readonly index: NgramIndex
}

export const textGrams = (chars: string, n: number): TextGrams => {
  const hashes = ngramHashes(chars, n)
  const index = new NgramIndex(chars, n)
  const first = new Int32Array(hashes.length)
  for (let i = 0; i < hashes.length; i++) {
    const found = index.firstOrAdd(chars, i, hashes[i])
    first[i] = found >= 0 ? found : i
  }
  return { chars, n, first, distinct: index.size, index }
}

/** A squeezed text and the hashes of its n-grams, computed once per n. */
export class SqueezedText {
  readonly chars: string
  private readonly hashes = new Map<number, Int32Array>()
  constructor(chars: string) {
    this.chars = chars
  }
  hashesOf(n: number): Int32Array {
    let h = this.hashes.get(n)
    if (h === undefined) {
      h = ngramHashes(this.chars, n)
      this.hashes.set(n, h)
    }
    return h
  }
}

/** What is known of a text's k-grams: `at[j]` = the first position (in the other text) of its k-gram at `j`, or -1. */
export interface KnownHits {
  readonly k: number
  readonly at: Int32Array
}

/**
 * Which n-grams of `text` occur in `grams` (the n-grams of another text): returns `at` with
 * `at[j]` = the first position (in `grams`) of the n-gram of `text` at `j`, or -1, and sets
 * `marks[p] = 1` at each first position found. With `known`, the same for k ≤ n of the same pair
 * of texts, positions whose k-grams at `j` and `j + n − k` were not found are skipped: an n-gram
 * found holds both, so the answers are the same.
 */
export const occurrencesIn = (grams: TextGrams, text: SqueezedText, marks: Uint8Array, known?: KnownHits): Int32Array => {
  const { n, index } = grams
  const chars = text.chars
  const count = chars.length - n + 1
  const at = new Int32Array(Math.max(0, count)).fill(-1)
  if (count <= 0 || grams.distinct === 0) return at
  if (known !== undefined && known.k <= n) {
    const d = n - known.k
    const pre = known.at
    for (let j = 0; j < count; j++) {
      if (pre[j]! < 0 || pre[j + d]! < 0) continue
      const p = index.find(chars, j, ngramHash(chars, j, n))
      if (p >= 0) {
        marks[p] = 1
        at[j] = p
      }
    }
    return at
  }
  const hashes = text.hashesOf(n)
  for (let j = 0; j < count; j++) {
    const p = index.find(chars, j, hashes[j]!)
    if (p >= 0) {
      marks[p] = 1
      at[j] = p
    }
  }
  return at
}

/**
 * The m-grams of a squeezed text for k ≤ m ≤ 2k, from its k-grams: the m-gram at `i` is the
 * k-grams at `i` and `i + m − k` (together they cover it), so two m-grams are equal exactly when
 * both pairs of k-grams are, and a k-gram is its first position. An m-gram whose first k-gram
 * occurs once in the text occurs once too; only the others need a table of pairs.
 */
export interface PairGrams {
  readonly n: number
  readonly base: TextGrams
  /** `first[i]` = the first position of the m-gram at `i`. */
  readonly first: Int32Array
  readonly distinct: number
  /** How many times each k-gram (by its first position) occurs. */
  readonly counts: Int32Array
  /** (first k-gram position at i, at i + m − k) → first position of that m-gram, for k-grams that recur. */
  readonly index: PairIndex
}

/** Open addressing from a pair of non-negative integers to a position. */
export class PairIndex {
  private readonly a: Int32Array
  private readonly b: Int32Array
  private readonly slots: Int32Array // position + 1; 0 = empty
  private readonly mask: number
  count = 0

  constructor(capacity: number) {
    let size = 16
    while (size < capacity * 2) size *= 2
    this.mask = size - 1
    this.a = new Int32Array(size)
    this.b = new Int32Array(size)
    this.slots = new Int32Array(size)
  }

  private start(a: number, b: number): number {
    return mix(Math.imul(a, 0x9e3779b1) ^ b) & this.mask
  }

  find(a: number, b: number): number {
    for (let at = this.start(a, b);; at = (at + 1) & this.mask) {
      const slot = this.slots[at]!
      if (slot === 0) return -1
      if (this.a[at] === a && this.b[at] === b) return slot - 1
    }
  }

  /** The position stored for (a, b), or stores `i` for it and returns -1. */
  firstOrAdd(a: number, b: number, i: number): number {
    let at = this.start(a, b)
    for (;; at = (at + 1) & this.mask) {
      const slot = this.slots[at]!
      if (slot === 0) break
      if (this.a[at] === a && this.b[at] === b) return slot - 1
    }
    this.a[at] = a
    this.b[at] = b
    this.slots[at] = i + 1
    this.count++
    return -1
  }
}

/** The m-grams of `base.chars` (base.n ≤ m ≤ 2·base.n), as pairs of its k-grams. */
export const pairGrams = (base: TextGrams, m: number): PairGrams => {
  const d = m - base.n
  const count = Math.max(0, base.chars.length - m + 1)
  const bf = base.first
  const counts = new Int32Array(bf.length)
  for (let i = 0; i < bf.length; i++) counts[bf[i]!]!++
  let recurring = 0
  for (let i = 0; i < count; i++) if (counts[bf[i]!]! > 1) recurring++
  const index = new PairIndex(recurring)
  const first = new Int32Array(count)
  let unique = 0
  for (let i = 0; i < count; i++) {
    if (counts[bf[i]!]! === 1) {
      first[i] = i
      unique++
      continue
    }
    const found = index.firstOrAdd(bf[i]!, bf[i + d]!, i)
    first[i] = found >= 0 ? found : i
  }
  return { n: m, base, first, distinct: unique + index.count, counts, index }
}

/**
 * {@link occurrencesIn} for pair m-grams, from where the other text's k-grams occur (`known.at`,
 * against `grams.base`): the m-gram at `j` occurs when its two k-grams do, as that pair.
 */
export const pairOccurrencesIn = (grams: PairGrams, known: KnownHits, length: number, marks: Uint8Array): void => {
  const d = grams.n - grams.base.n
  const count = length - grams.n + 1
  const pre = known.at
  const { counts, first } = grams
  const bf = grams.base.first
  for (let j = 0; j < count; j++) {
    const a = pre[j]!
    if (a < 0) continue
    const b = pre[j + d]!
    if (b < 0) continue
    if (counts[a] === 1) {
      // the k-gram occurs only at `a`: so does the m-gram, if it is there at all
      if (a < first.length && bf[a + d] === b) marks[a] = 1
      continue
    }
    const p = grams.index.find(a, b)
    if (p >= 0) marks[p] = 1
  }
}

// ---------------------------------------------------------------------------

/** The set of character n-grams of `text` (whitespace ignored). */
export const charShingles = (text: string, n: number): Set<string> => {
  const chars = squeezeChars(text)
  const out = new Set<string>()
  for (let i = 0; i + n <= chars.length; i++) out.add(chars.slice(i, i + n))
  return out
}

/** Share of the n-grams of `a` that also occur in `b` (0 when `a` has none). */
export const shingleOverlap = (a: string, b: string | ReadonlySet<string>, n: number): number => {
  if (typeof b === "string") {
    if (!isGramSize(n)) return setOverlap(a, charShingles(b, n), n)
    const sa = squeezeChars(a)
    if (sa.length < n) return 0
    return distinctShare(sa, n, NgramIndex.of(squeezeChars(b), n))
  }
  return setOverlap(a, b, n)
}

const setOverlap = (a: string, sb: ReadonlySet<string>, n: number): number => {
  const sa = charShingles(a, n)
  if (sa.size === 0) return 0
  let shared = 0
  for (const s of sa) if (sb.has(s)) shared++
  return shared / sa.size
}

/**
 * Share of the distinct n-grams of the squeezed text `chars` that `isShared`
 * accepts (called once per distinct n-gram, at its first position, with its hash); 0 when it has none.
 */
export const distinctShareWhere = (chars: string, n: number, isShared: (i: number, h: number) => boolean): number => {
  const hashes = ngramHashes(chars, n)
  if (hashes.length === 0) return 0
  const seen = new NgramIndex(chars, n)
  let shared = 0
  for (let i = 0; i < hashes.length; i++) {
    if (seen.firstOrAdd(chars, i, hashes[i]) >= 0) continue
    if (isShared(i, hashes[i])) shared++
  }
  return shared / seen.size
}

const distinctShare = (chars: string, n: number, reference: NgramIndex): number =>
  distinctShareWhere(chars, n, (i, h) => reference.has(chars, i, h))

export interface SharedPassage extends Span {
  /** Characters of the passage, whitespace excluded. */
  readonly length: number
}

const toSpan = (text: string, sq: Squeezed, from: number, to: number): SharedPassage => {
  const start = sq.offsets[from]!
  const end = sq.offsets[to - 1]! + 1
  return { start, end, text: text.slice(start, end), length: to - from }
}

/**
 * {@link sharedPassages} with the reference given as a test: `isShared(i)` says
 * whether the n-gram at position `i` of `sq.chars` is shared.
 */
export const sharedPassagesWhere = (
  text: string,
  sq: Squeezed,
  isShared: (i: number) => boolean,
  n: number,
  minLength = n,
): Array<SharedPassage> => {
  const out: Array<SharedPassage> = []
  let runStart = -1
  const close = (i: number) => {
    if (runStart < 0) return
    const to = i - 1 + n // last shared n-gram starts at i-1
    if (to - runStart >= minLength) out.push(toSpan(text, sq, runStart, to))
    runStart = -1
  }
  for (let i = 0; i + n <= sq.chars.length; i++) {
    if (isShared(i)) {
      if (runStart < 0) runStart = i
    } else close(i)
  }
  close(Math.max(0, sq.chars.length - n + 1))
  return out.sort((a, b) => b.length - a.length || a.start - b.start)
}

/**
 * Passages of `text` that also occur in `reference` (a set of n-grams built
 * with {@link charShingles}), longest first: maximal runs of consecutive
 * shared n-grams. Only passages of at least `minLength` non-space characters.
 */
export const sharedPassages = (
  text: string,
  reference: ReadonlySet<string>,
  n: number,
  minLength = n,
): Array<SharedPassage> => {
  const sq = squeeze(text)
  return sharedPassagesWhere(text, sq, (i) => reference.has(sq.chars.slice(i, i + n)), n, minLength)
}

/**
 * Passages that occur twice within `text` (the later copy is reported),
 * longest first: maximal runs of n-grams that already occurred earlier without
 * overlapping the current position.
 */
export const repeatedPassages = (text: string, n: number, minLength = n): Array<SharedPassage> => {
  const sq = squeeze(text)
  if (!isGramSize(n)) return repeatedPassagesSlow(text, sq, n, minLength)
  return repeatedPassagesIn(text, sq, textGrams(sq.chars, n), minLength)
}

/** {@link repeatedPassages} of `text`, given its squeezed form and the n-grams of that. */
export const repeatedPassagesIn = (text: string, sq: Squeezed, grams: TextGrams, minLength = grams.n): Array<SharedPassage> => {
  const { n, first } = grams
  const out: Array<SharedPassage> = []
  let runStart = -1
  const close = (i: number) => {
    if (runStart < 0) return
    const to = i - 1 + n
    if (to - runStart >= minLength) out.push(toSpan(text, sq, runStart, to))
    runStart = -1
  }
  for (let i = 0; i < first.length; i++) {
    // an earlier occurrence (first[i] < i) that ends before the run (or this n-gram) starts
    const repeated = first[i] !== i && first[i] + n <= (runStart < 0 ? i : runStart)
    if (repeated) {
      if (runStart < 0) runStart = i
    } else close(i)
  }
  close(Math.max(0, sq.chars.length - n + 1))
  return out.sort((a, b) => b.length - a.length || a.start - b.start)
}

/** The string-keyed loop, for a degenerate n (not a positive integer). */
const repeatedPassagesSlow = (text: string, sq: Squeezed, n: number, minLength: number): Array<SharedPassage> => {
  const first = new Map<string, number>()
  const out: Array<SharedPassage> = []
  let runStart = -1
  const close = (i: number) => {
    if (runStart < 0) return
    const to = i - 1 + n
    if (to - runStart >= minLength) out.push(toSpan(text, sq, runStart, to))
    runStart = -1
  }
  for (let i = 0; i + n <= sq.chars.length; i++) {
    const g = sq.chars.slice(i, i + n)
    const seen = first.get(g)
    if (seen === undefined) first.set(g, i)
    const repeated = seen !== undefined && seen + n <= (runStart < 0 ? i : runStart)
    if (repeated) {
      if (runStart < 0) runStart = i
    } else close(i)
  }
  close(Math.max(0, sq.chars.length - n + 1))
  return out.sort((a, b) => b.length - a.length || a.start - b.start)
}
