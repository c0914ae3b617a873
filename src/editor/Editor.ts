/**
 * The editor: formats an episode's markdown to Korean web-novel conventions.
 * Pure and idempotent: `editEpisode(editEpisode(x)) === editEpisode(x)`.
 *
 * - NFC; CRLF → LF; zero-width characters dropped; tabs, NBSP, ideographic spaces → spaces;
 * - straight "…" → “…”, straight '…' → ‘…’ (thoughts); apostrophes inside words stay;
 * - `..`/`...` → `…`;
 * - runs of spaces collapsed, no space before . , ? !, none just inside quotes, lines trimmed;
 * - `#` headings kept (as `# 제목`), scene breaks (`***`, `---`) kept;
 * - paragraphs separated by exactly one blank line; lines of a paragraph joined;
 * - for Korean (`ko`): each standalone dialogue “…” becomes its own paragraph
 *   (a quote glued to narration, as in `“가자”라고 말했다`, stays in it), and
 *   narration paragraphs of more than three sentences are split evenly.
 */
import { isNfcInert } from "../text/Hangul.ts"
import { splitSentences } from "../text/Sentences.ts"

export interface EditOptions {
  readonly language: string
  /** Most sentences in one narration paragraph. Default 3. */
  readonly maxSentences?: number
}

const isKorean = (language: string): boolean => /^ko(?:-|$)/i.test(language)

const HEADING = /^#{1,6}(?:\s|$)|^#{1,6}[^#]/
const SCENE_BREAK = /^(?:[*＊]\s*){3,}$|^-{3,}$|^={3,}$|^◇+$|^◆+$/

/** Whitespace and invisible characters. */
export const cleanChars = (text: string): string => {
  // One look at the text decides which of the rewrites can change anything (usually none of them).
  let nfc = true
  let cr = false
  let invisible = false
  let spaces = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x300) {
      if (c === 0x0d) cr = true
      else if (c === 0x09 || c === 0xa0) spaces = true
    } else if (c >= 0xac00 && c <= 0xd7a3) continue
    else if (c === 0x200b || c === 0x200c || c === 0x200d || c === 0x2060 || c === 0xfeff) invisible = true
    else if (c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f) spaces = true
    else if (!isNfcInert(c)) nfc = false
  }
  let t = nfc ? text : text.normalize("NFC")
  if (!nfc || cr) t = t.replace(/\r\n?/g, "\n")
  if (!nfc || invisible) t = t.replace(/[\u200b-\u200d\u2060\ufeff]/g, "")
  if (!nfc || spaces) t = t.replace(/[\t\u00a0\u3000\u2000-\u200a\u202f\u205f]/g, " ")
  return t
}

const convertStraightDoubles = (s: string): string => {
  const count = (s.match(/"/g) ?? []).length
  if (count < 2) return s
  const pairs = Math.floor(count / 2) * 2
  let k = 0
  return s.replace(/"/g, (q) => {
    if (k >= pairs) return q
    return k++ % 2 === 0 ? "“" : "”"
  })
}

const convertStraightSingles = (s: string): string =>
  s.replace(/(^|[\s(“‘「『])'([^'\n]*[^'\s\n])'(?=$|[\s.,?!…”’」』)~]|[가-힣])/g, "$1‘$2’")

/**
 * Whether some rewrite of {@link normalizeInline} could change `s`: it holds a straight quote or a
 * pair the rewrites look for (two spaces, a space before . , ? ! or a closing quote, two dots, an
 * opening quote before a space). Most paragraphs of a draft hold none.
 */
const needsInline = (s: string): boolean => {
  let prev = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22 || c === 0x27) return true
    if (prev === 0x20) {
      if (c === 0x20 || c === 0x2e || c === 0x2c || c === 0x3f || c === 0x21 || c === 0x201d || c === 0x2019 || c === 0x300d || c === 0x300f) return true
    } else if (prev === 0x2e) {
      if (c === 0x2e) return true
    } else if (prev === 0x201c || prev === 0x2018 || prev === 0x300c || prev === 0x300e) {
      if (c === 0x20) return true
    }
    prev = c
  }
  return false
}

/** Inline normalisation of one paragraph's text. */
export const normalizeInline = (s: string): string => {
  if (!needsInline(s)) return s.trim()
  // Each rewrite runs only when the text holds what its pattern needs (the result is the same).
  let t = s.includes("  ") ? s.replace(SPACE_RUN, " ") : s
  if (t.includes("\"")) t = convertStraightDoubles(t)
  if (t.includes("'")) t = convertStraightSingles(t)
  if (t.includes(" .") || t.includes(" ,") || t.includes(" ?") || t.includes(" !")) t = t.replace(SPACE_BEFORE_STOP, "$1")
  if (t.includes("..")) t = t.replace(DOTS, "…")
  if (t.includes("“ ") || t.includes("‘ ") || t.includes("「 ") || t.includes("『 ")) t = t.replace(SPACE_AFTER_OPEN, "$1")
  if (t.includes(" ”") || t.includes(" ’") || t.includes(" 」") || t.includes(" 』")) t = t.replace(SPACE_BEFORE_CLOSE, "$1")
  if (t.includes("  ")) t = t.replace(SPACE_RUN, " ")
  return t.trim()
}

const SPACE_RUN = / {2,}/g
const SPACE_BEFORE_STOP = / +([.,?!])/g
const DOTS = /\.{2,}/g
const SPACE_AFTER_OPEN = /([“‘「『]) +/g
const SPACE_BEFORE_CLOSE = / +([”’」』])/g

const normalizeHeading = (line: string): string => {
  const m = /^(#{1,6})\s*(.*)$/.exec(line)
  if (m === null) return line
  const rest = m[2].replace(/\s+/g, " ").trim()
  return rest.length === 0 ? m[1] : `${m[1]} ${rest}`
}

/** What may follow a quote glued to the narration (`“…” 하고 말했다`). */
const QUOTATIVE = /^(?:하고|라고|이라고|하며|라며|이라며|하는|라는|하자|하니|하더니|라니|란|하면서|라면서)(?![가-힣])/

interface Segment {
  readonly kind: "dialogue" | "narration"
  readonly text: string
}

/** Splits a paragraph into standalone dialogue quotes and the narration between them. */
export const segmentDialogue = (p: string): Array<Segment> => {
  const out: Array<Segment> = []
  let narrationStart = 0
  let i = 0
  while (i < p.length) {
    if (p[i] !== "“") {
      i++
      continue
    }
    // the matching close quote (nesting allowed)
    let depth = 0
    let j = i
    for (; j < p.length; j++) {
      if (p[j] === "“") depth++
      else if (p[j] === "”") {
        depth--
        if (depth === 0) break
      }
    }
    if (j >= p.length) break // unmatched: the rest is narration
    const before = i === 0 || p[i - 1] === " "
    const afterEnd = j + 1 === p.length
    const after = afterEnd || (p[j + 1] === " " && !QUOTATIVE.test(p.slice(j + 2)))
    if (before && after) {
      const narration = p.slice(narrationStart, i).trim()
      if (narration.length > 0) out.push({ kind: "narration", text: narration })
      out.push({ kind: "dialogue", text: p.slice(i, j + 1) })
      narrationStart = j + 1
    }
    i = j + 1
  }
  const rest = p.slice(narrationStart).trim()
  if (rest.length > 0) out.push({ kind: "narration", text: rest })
  return out
}

/** Splits narration into paragraphs of at most `max` sentences, as even as possible. */
export const splitNarration = (text: string, max: number): Array<string> => {
  const sentences = splitSentences(text).map((s) => s.text)
  if (sentences.length <= max) return [text]
  const k = Math.ceil(sentences.length / max)
  const base = Math.floor(sentences.length / k)
  const extra = sentences.length % k
  const out: Array<string> = []
  let at = 0
  for (let p = 0; p < k; p++) {
    const size = base + (p < extra ? 1 : 0)
    out.push(sentences.slice(at, at + size).join(" "))
    at += size
  }
  return out
}

/** The paragraphs of one block of lines between blank lines (a function of the block alone). */
const editBlock = (block: string, korean: boolean, max: number): Array<string> => {
  const paragraphs: Array<string> = []
  const lines = block.split("\n").map((l) => (l.includes("  ") ? l.replace(SPACE_RUN, " ") : l).trim()).filter((l) => l.length > 0)
  let pending: Array<string> = []
  const flush = () => {
    if (pending.length === 0) return
    const joined = normalizeInline(pending.join(" "))
    pending = []
    if (joined.length === 0) return
    if (!korean) {
      paragraphs.push(joined)
      return
    }
    for (const seg of segmentDialogue(joined)) {
      if (seg.kind === "dialogue") paragraphs.push(seg.text)
      else paragraphs.push(...splitNarration(seg.text, max))
    }
  }
  for (const line of lines) {
    if (HEADING.test(line)) {
      flush()
      paragraphs.push(normalizeHeading(line))
    } else if (SCENE_BREAK.test(line)) {
      flush()
      paragraphs.push(line.replace(/\s+/g, " "))
    } else pending.push(line)
  }
  flush()
  return paragraphs
}

/**
 * One pass of the rules. `edited` remembers each block's paragraphs across the passes of one
 * `editEpisode`: the check pass meets again every block the first left as it was (most of them).
 */
const editOnce = (markdown: string, options: EditOptions, edited: Map<string, ReadonlyArray<string>>): string => {
  const korean = isKorean(options.language)
  const max = Math.max(1, options.maxSentences ?? 3)
  const paragraphs: Array<string> = []
  for (const block of cleanChars(markdown).split(/\n[ ]*\n/)) {
    let out = edited.get(block)
    if (out === undefined) edited.set(block, out = editBlock(block, korean, max))
    for (const p of out) paragraphs.push(p)
  }
  const body = paragraphs.map((p) => p.trim()).filter((p) => p.length > 0).join("\n\n")
  return body.length === 0 ? "" : body + "\n"
}

/** Formats an episode (see the module comment). Idempotent: applying it again changes nothing. */
export const editEpisode = (markdown: string, options: EditOptions): string => {
  const edited = new Map<string, ReadonlyArray<string>>()
  let out = editOnce(markdown, options, edited)
  // the rules reach a fixed point in one pass on real text; the loop guards the odd corner case
  for (let k = 0; k < 4; k++) {
    const next = editOnce(out, options, edited)
    if (next === out) break
    out = next
  }
  return out
}
