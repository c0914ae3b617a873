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

export const isTerminator = (ch: string): boolean => TERMINATORS.has(ch)

// The splitter works on UTF-16 code units.
const isTerminatorCode = (c: number): boolean =>
  c === 0x2e || c === 0x3f || c === 0x21 || c === 0x2026 || c === 0x3002 || c === 0xff1f || c === 0xff01 || c === 0x2025
/** ” ’ " ' ) ] 」 』 》 〉 ） */
const isCloserCode = (c: number): boolean =>
  c === 0x201d || c === 0x2019 || c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x300d || c === 0x300f ||
  c === 0x300b || c === 0x3009 || c === 0xff09
/** Whitespace as `/\s/` decides it. */
const isWhitespaceCode = (c: number): boolean =>
  c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
      c === 0x205f || c === 0x3000 || c === 0xfeff)
/** What lets a sentence end before it: the end of the text, a space, a line break. */
const endsAt = (text: string, j: number): boolean => {
  if (j >= text.length) return true
  const c = text.charCodeAt(j)
  return c === 0x20 || c === 0x09 || c === 0xa0 || c === 0x3000 || c === 0x0a || c === 0x0d
}

const OPEN_DOUBLE = 0x201c // “
const CLOSE_DOUBLE = 0x201d // ”
const OPEN_SINGLE = 0x2018 // ‘
const CLOSE_SINGLE = 0x2019 // ’
const STRAIGHT = 0x22 // "

/** Splits `text` into trimmed sentences with their offsets in `text`. */
export const splitSentences = (text: string): Array<Span> => {
  const out: Array<Span> = []
  const length = text.length
  let segStart = 0
  let double = 0
  let single = 0
  let straight = false

  const push = (start: number, end: number) => {
    let s = start
    let e = end
    while (s < e && isWhitespaceCode(text.charCodeAt(s))) s++
    while (e > s && isWhitespaceCode(text.charCodeAt(e - 1))) e--
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e) })
  }

  let i = 0
  while (i < length) {
    const c = text.charCodeAt(i)
    // Hangul syllables and spaces, most of a Korean text, change no state: skip them first
    if ((c >= 0xac00 && c <= 0xd7a3) || c === 0x20) {
      i++
      continue
    }
    if (c === 0x0a || c === 0x0d) {
      push(segStart, i)
      segStart = i + 1
      double = 0
      single = 0
      straight = false
      i++
      continue
    }
    const quoted = double > 0 || single > 0 || straight
    if (c === OPEN_DOUBLE) {
      double++
      i++
      continue
    }
    if (c === OPEN_SINGLE) {
      single++
      i++
      continue
    }
    if (c === CLOSE_DOUBLE || c === CLOSE_SINGLE || (c === STRAIGHT && straight)) {
      const wasQuoted = quoted
      if (c === CLOSE_DOUBLE && double > 0) double--
      else if (c === CLOSE_SINGLE && single > 0) single--
      else if (c === STRAIGHT) straight = false
      const nowQuoted = double > 0 || single > 0 || straight
      if (wasQuoted && !nowQuoted && i > 0 && isTerminatorCode(text.charCodeAt(i - 1))) {
        let j = i + 1
        while (j < length && isCloserCode(text.charCodeAt(j))) j++
        if (endsAt(text, j)) {
          push(segStart, j)
          segStart = j
          i = j
          continue
        }
      }
      i++
      continue
    }
    if (c === STRAIGHT) {
      straight = true
      i++
      continue
    }
    if (!quoted && isTerminatorCode(c)) {
      let j = i
      while (j < length && isTerminatorCode(text.charCodeAt(j))) j++
      while (j < length && isCloserCode(text.charCodeAt(j)) && text.charCodeAt(j) !== STRAIGHT) j++
      if (endsAt(text, j)) {
        push(segStart, j)
        segStart = j
      }
      i = j
      continue
    }
    i++
  }
  push(segStart, length)
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
