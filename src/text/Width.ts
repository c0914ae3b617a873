/**
 * Display width of terminal text: Hangul, CJK, fullwidth forms and emoji take two
 * columns, combining marks and zero-width characters none. Tables pad and truncate
 * by these widths (never by `string.length`, which would misalign Korean text).
 * Pure functions; no terminal needed. Which characters are wide is Unicode's East Asian Width
 * table, kept by `get-east-asian-width`; ambiguous ones count as narrow, as UAX #11 advises.
 */
import { eastAsianWidth } from "get-east-asian-width"

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\ud7b0-\ud7ff]$/u

/** True for a character drawn over two terminal columns (East Asian Wide or Fullwidth, emoji included, by Unicode's table). */
export const isWide = (code: number): boolean => code >= 0x1100 && eastAsianWidth(code, { ambiguousAsWide: false }) === 2

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
