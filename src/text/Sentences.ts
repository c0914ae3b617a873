/**
 * Korean sentence splitting with offsets.
 *
 * Rules:
 * - a line break always ends a sentence;
 * - outside quotes, a run of terminators (. ? ! … and their full-width forms),
 *   with any closing quotes or brackets right after it, ends a sentence when
 *   whitespace or the end of the line follows (so `3.5` and `...가` do not);
 * - inside “ ” ‘ ’ or straight "…" quotes nothing ends a sentence, except the
 *   quote itself: a closing quote right after a terminator (`“가자.”`) ends one
 *   when whitespace follows;
 * - an unmatched opening quote lasts until the end of its line.
 */

export interface Span {
  /** Offset of the first character (UTF-16 code units, as `String.prototype.slice`). */
  readonly start: number
  /** Offset after the last character. */
  readonly end: number
  readonly text: string
}

const TERMINATORS = new Set([".", "?", "!", "…", "。", "？", "！", "‥"])
const CLOSERS = new Set(["”", "’", "\"", "'", ")", "]", "」", "』", "》", "〉", "）"])
const OPEN_DOUBLE = "“"
const CLOSE_DOUBLE = "”"
const OPEN_SINGLE = "‘"
const CLOSE_SINGLE = "’"

export const isTerminator = (ch: string): boolean => TERMINATORS.has(ch)

const isSpace = (ch: string | undefined): boolean => ch === undefined || ch === " " || ch === "\t" || ch === "\u00a0" || ch === "\u3000"

/** Splits `text` into trimmed sentences with their offsets in `text`. */
export const splitSentences = (text: string): Array<Span> => {
  const out: Array<Span> = []
  let segStart = 0
  let double = 0
  let single = 0
  let straight = false

  const push = (start: number, end: number) => {
    let s = start
    let e = end
    while (s < e && /\s/.test(text[s])) s++
    while (e > s && /\s/.test(text[e - 1])) e--
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e) })
  }

  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === "\n" || ch === "\r") {
      push(segStart, i)
      segStart = i + 1
      double = 0
      single = 0
      straight = false
      i++
      continue
    }
    const quoted = double > 0 || single > 0 || straight
    if (ch === OPEN_DOUBLE) {
      double++
      i++
      continue
    }
    if (ch === OPEN_SINGLE) {
      single++
      i++
      continue
    }
    if (ch === CLOSE_DOUBLE || ch === CLOSE_SINGLE || (ch === "\"" && straight)) {
      const wasQuoted = quoted
      if (ch === CLOSE_DOUBLE && double > 0) double--
      else if (ch === CLOSE_SINGLE && single > 0) single--
      else if (ch === "\"") straight = false
      const nowQuoted = double > 0 || single > 0 || straight
      const prev = text[i - 1]
      if (wasQuoted && !nowQuoted && prev !== undefined && TERMINATORS.has(prev)) {
        let j = i + 1
        while (j < text.length && CLOSERS.has(text[j])) j++
        if (j >= text.length || isSpace(text[j]) || text[j] === "\n" || text[j] === "\r") {
          push(segStart, j)
          segStart = j
          i = j
          continue
        }
      }
      i++
      continue
    }
    if (ch === "\"") {
      straight = true
      i++
      continue
    }
    if (!quoted && TERMINATORS.has(ch)) {
      let j = i
      while (j < text.length && TERMINATORS.has(text[j])) j++
      while (j < text.length && CLOSERS.has(text[j]) && text[j] !== "\"") j++
      if (j >= text.length || isSpace(text[j]) || text[j] === "\n" || text[j] === "\r") {
        push(segStart, j)
        segStart = j
      }
      i = j
      continue
    }
    i++
  }
  push(segStart, text.length)
  return out
}

/** Paragraphs: runs of non-blank lines separated by blank lines, with offsets. */
export const splitParagraphs = (text: string): Array<Span> => {
  const out: Array<Span> = []
  let start = -1
  let end = -1
  let lineStart = 0
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === "\n") {
      let e = i
      if (e > lineStart && text[e - 1] === "\r") e--
      if (text.slice(lineStart, e).trim().length === 0) {
        if (start >= 0) out.push({ start, end, text: text.slice(start, end) })
        start = -1
      } else {
        if (start < 0) start = lineStart
        end = e
      }
      lineStart = i + 1
    }
  }
  if (start >= 0) out.push({ start, end, text: text.slice(start, end) })
  return out
}

/** Non-blank lines with offsets (line breaks excluded). */
export const splitLines = (text: string): Array<Span> => {
  const out: Array<Span> = []
  let start = 0
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === "\n") {
      let e = i
      if (e > start && text[e - 1] === "\r") e--
      if (text.slice(start, e).trim().length > 0) out.push({ start, end: e, text: text.slice(start, e) })
      start = i + 1
    }
  }
  return out
}
