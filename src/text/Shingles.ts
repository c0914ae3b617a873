/**
 * Character n-gram shingles for finding repeated passages. Whitespace is
 * dropped before shingling (re-wrapping a paragraph must not hide a copy) and
 * every shingle remembers where it starts in the original text.
 */
import type { Span } from "./Sentences.ts"

export interface Squeezed {
  /** The text without whitespace. */
  readonly chars: string
  /** `offsets[i]` = offset in the original text of `chars[i]`. */
  readonly offsets: ReadonlyArray<number>
}

/** Removes whitespace (NFC is the caller's business), remembering original offsets. */
export const squeeze = (text: string): Squeezed => {
  let chars = ""
  const offsets: Array<number> = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (/\s/.test(ch)) continue
    chars += ch
    offsets.push(i)
  }
  return { chars, offsets }
}

/** The set of character n-grams of `text` (whitespace ignored). */
export const charShingles = (text: string, n: number): Set<string> => {
  const { chars } = squeeze(text)
  const out = new Set<string>()
  for (let i = 0; i + n <= chars.length; i++) out.add(chars.slice(i, i + n))
  return out
}

/** Share of the n-grams of `a` that also occur in `b` (0 when `a` has none). */
export const shingleOverlap = (a: string, b: string | ReadonlySet<string>, n: number): number => {
  const sa = charShingles(a, n)
  if (sa.size === 0) return 0
  const sb = typeof b === "string" ? charShingles(b, n) : b
  let shared = 0
  for (const s of sa) if (sb.has(s)) shared++
  return shared / sa.size
}

export interface SharedPassage extends Span {
  /** Characters of the passage, whitespace excluded. */
  readonly length: number
}

const toSpan = (text: string, sq: Squeezed, from: number, to: number): SharedPassage => {
  const start = sq.offsets[from]
  const end = sq.offsets[to - 1] + 1
  return { start, end, text: text.slice(start, end), length: to - from }
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
  const out: Array<SharedPassage> = []
  let runStart = -1
  const close = (i: number) => {
    if (runStart < 0) return
    const to = i - 1 + n // last shared n-gram starts at i-1
    if (to - runStart >= minLength) out.push(toSpan(text, sq, runStart, to))
    runStart = -1
  }
  for (let i = 0; i + n <= sq.chars.length; i++) {
    if (reference.has(sq.chars.slice(i, i + n))) {
      if (runStart < 0) runStart = i
    } else close(i)
  }
  close(Math.max(0, sq.chars.length - n + 1))
  return out.sort((a, b) => b.length - a.length || a.start - b.start)
}

/**
 * Passages that occur twice within `text` (the later copy is reported),
 * longest first: maximal runs of n-grams that already occurred earlier without
 * overlapping the current position.
 */
export const repeatedPassages = (text: string, n: number, minLength = n): Array<SharedPassage> => {
  const sq = squeeze(text)
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
