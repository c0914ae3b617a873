/**
 * Display width of terminal text: Hangul, CJK, fullwidth forms and emoji take two
 * columns, combining marks and zero-width characters none. Tables pad and truncate
 * by these widths (never by `string.length`, which would misalign Korean text).
 * Pure functions; no terminal needed.
 */

/** East Asian Wide (W) and Fullwidth (F) ranges, plus emoji shown as wide by terminals. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo extended-A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff], // Tangut
  [0x1b000, 0x1b2ff], // Kana supplement / extended
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f202],
  [0x1f210, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f250, 0x1f251],
  [0x1f260, 0x1f265],
  [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335],
  [0x1f337, 0x1f37c],
  [0x1f37e, 0x1f393],
  [0x1f3a0, 0x1f3ca],
  [0x1f3cf, 0x1f3d3],
  [0x1f3e0, 0x1f3f0],
  [0x1f3f4, 0x1f3f4],
  [0x1f3f8, 0x1f43e],
  [0x1f440, 0x1f440],
  [0x1f442, 0x1f4fc],
  [0x1f4ff, 0x1f53d],
  [0x1f54b, 0x1f54e],
  [0x1f550, 0x1f567],
  [0x1f57a, 0x1f57a],
  [0x1f595, 0x1f596],
  [0x1f5a4, 0x1f5a4],
  [0x1f5fb, 0x1f64f],
  [0x1f680, 0x1f6c5],
  [0x1f6cc, 0x1f6cc],
  [0x1f6d0, 0x1f6d2],
  [0x1f6d5, 0x1f6d7],
  [0x1f6eb, 0x1f6ec],
  [0x1f6f4, 0x1f6fc],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f93a],
  [0x1f93c, 0x1f945],
  [0x1f947, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd], // CJK extensions B–F
  [0x30000, 0x3fffd], // CJK extension G+
]

const inRanges = (code: number, ranges: ReadonlyArray<readonly [number, number]>): boolean => {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [from, to] = ranges[mid]!
    if (code < from) hi = mid - 1
    else if (code > to) lo = mid + 1
    else return true
  }
  return false
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\ud7b0-\ud7ff]$/u

/** True for a character drawn over two terminal columns (east-asian wide or fullwidth). */
export const isWide = (code: number): boolean => code >= 0x1100 && inRanges(code, WIDE)

/** Columns one code point takes: 0 (controls, combining marks, zero-width), 1 or 2. */
export const charWidth = (ch: string): number => {
  const code = ch.codePointAt(0)!
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0
  if (code < 0x300) return 1
  if (isWide(code)) return 2
  if (ZERO_WIDTH.test(ch)) return 0
  return 1
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/

/** Columns a string takes in a terminal. */
export const displayWidth = (text: string): number => {
  if (ASCII_PRINTABLE.test(text)) return text.length
  let width = 0
  for (const ch of text) width += charWidth(ch)
  return width
}

/** Replaces line breaks and tabs with spaces and drops other control characters, so one value stays on one line. */
export const oneLine = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\r\n\t]+/g, " ").replace(/[\x00-\x1f\x7f-\x9f]/g, "")

/**
 * The longest prefix of `text` that fits `width` columns; when something was cut, the
 * last column becomes `ellipsis` (itself one column wide). Never splits a wide character.
 */
export const truncate = (text: string, width: number, ellipsis = "…"): string => {
  if (width <= 0) return ""
  if (displayWidth(text) <= width) return text
  const room = width - displayWidth(ellipsis)
  if (room < 0) return truncate(text, width, "")
  let out = ""
  let used = 0
  for (const ch of text) {
    const w = charWidth(ch)
    if (used + w > room) break
    out += ch
    used += w
  }
  return out + ellipsis
}

/** Exactly `width` columns: truncated with an ellipsis or padded with spaces on the right (left for `"right"`). */
export const fit = (text: string, width: number, align: "left" | "right" = "left"): string => {
  if (width <= 0) return ""
  const cut = truncate(text, width)
  const pad = " ".repeat(Math.max(0, width - displayWidth(cut)))
  return align === "left" ? cut + pad : pad + cut
}

export const padEnd = (text: string, width: number): string => text + " ".repeat(Math.max(0, width - displayWidth(text)))

export const padStart = (text: string, width: number): string => " ".repeat(Math.max(0, width - displayWidth(text))) + text

/** Keeps the end of `text` (`…tail`) within `width` columns: for paths whose leaf matters most. */
export const truncateStart = (text: string, width: number, ellipsis = "…"): string => {
  if (width <= 0) return ""
  if (displayWidth(text) <= width) return text
  const room = width - displayWidth(ellipsis)
  if (room < 0) return ""
  const chars = [...text]
  let out = ""
  let used = 0
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!)
    if (used + w > room) break
    out = chars[i]! + out
    used += w
  }
  return ellipsis + out
}

export interface Column {
  readonly title: string
  /** Columns for this field; one column may be `"flex"` and takes the rest of the line. */
  readonly width: number | "flex"
  readonly align?: "left" | "right"
  /** Cut long values at the start instead of the end (paths). */
  readonly keepEnd?: boolean
  /** Share of the flexible room for a `"flex"` column (default 1). */
  readonly weight?: number
}

/** Resolves column widths for a line of `total` columns, with a one-space gap between columns. */
export const columnWidths = (columns: ReadonlyArray<Column>, total: number): ReadonlyArray<number> => {
  const gaps = Math.max(0, columns.length - 1)
  const fixed = columns.reduce((sum, c) => sum + (c.width === "flex" ? 0 : c.width), 0)
  const flex = Math.max(0, total - fixed - gaps)
  const weights = columns.reduce((sum, c) => sum + (c.width === "flex" ? (c.weight ?? 1) : 0), 0)
  let given = 0
  let flexLeft = columns.filter((c) => c.width === "flex").length
  let widths = columns.map((c) => {
    if (c.width !== "flex") return c.width
    flexLeft--
    // The last flexible column takes the rounding remainder.
    const share = flexLeft === 0 ? flex - given : Math.floor((flex * (c.weight ?? 1)) / weights)
    given += share
    return share
  })
  // Too narrow even without flex room: shrink the widest columns first.
  let over = widths.reduce((a, b) => a + b, 0) + gaps - total
  while (over > 0) {
    const widest = widths.indexOf(Math.max(...widths))
    if (widths[widest]! <= 1) break
    widths = widths.map((w, i) => (i === widest ? w - 1 : w))
    over--
  }
  return widths
}

const cell = (value: string, width: number, column: Column): string => {
  const text = oneLine(value)
  if (column.keepEnd && displayWidth(text) > width) return padEnd(truncateStart(text, width), width)
  return fit(text, width, column.align ?? "left")
}

/** One table line of exactly `total` columns (when the columns fit): cells padded and cut by display width. */
export const tableRow = (columns: ReadonlyArray<Column>, values: ReadonlyArray<string>, total: number): string => {
  const widths = columnWidths(columns, total)
  const line = columns.map((c, i) => cell(values[i] ?? "", widths[i]!, c)).join(" ")
  return fit(line, total)
}

export const tableHeader = (columns: ReadonlyArray<Column>, total: number): string =>
  tableRow(columns, columns.map((c) => c.title), total)
