/**
 * What a chat model wraps around an episode, taken off before the guard reads it: the answer as a
 * JSON object or in a code fence, "물론입니다! …" preambles and "도움이 되었길 바랍니다" sign-offs,
 * author's notes, a "지난 화 요약" recap under its own header, Markdown headers inside the body,
 * JSON or YAML blobs. Each strip is a warning finding `sanitize.<kind>` whose evidence is the
 * stripped span of the ORIGINAL answer (offsets and text), so an operator sees what was cut.
 *
 * A draft that still ends mid-sentence (the model ran out of tokens, continuations included) or
 * that has nothing left is `rejected`, with an error finding (`sanitize.cut-mid-sentence`,
 * `sanitize.empty`).
 *
 * Pure and deterministic; each stage is one scan of the text. Korean first, English patterns beside
 * the Korean ones; only the sentence-end rule for a bare final syllable (다/요/까/죠/네) is Korean.
 */
import type { Evidence, GuardFinding } from "../domain/Episode.ts"

export interface SanitizeOptions {
  /** BCP 47 tag of the project (`ko`, `en` …). */
  readonly language: string
}

export interface SanitizedDraft {
  readonly text: string
  readonly findings: ReadonlyArray<GuardFinding>
  readonly rejected: boolean
}

/** What a strip was, as the finding's code says it: `sanitize.<kind>`. */
export type StripKind =
  | "code-fence"
  | "json"
  | "yaml"
  | "preamble"
  | "sign-off"
  | "author-note"
  | "recap"
  | "header"
  | "separator"

const STRIP_MESSAGES: Record<StripKind, string> = {
  "code-fence": "a code fence around or inside the episode was removed",
  json: "a JSON wrapper or blob was removed (the episode's prose kept)",
  yaml: "a YAML blob (metadata) was removed",
  preamble: "the model's preamble to the episode was removed",
  "sign-off": "the model's sign-off after the episode was removed",
  "author-note": "an author's note was removed",
  recap: "a recap of earlier episodes under its own header was removed",
  header: "a Markdown header inside the episode was removed (only the title line is kept)",
  separator: "a separator line left at the start or end was removed",
}

// ---------------------------------------------------------------------------
// The draft as it is being cut: its text and, per code unit, where it came from in the original.

interface Doc {
  readonly text: string
  /** Offset in the original answer of each code unit of `text`. */
  readonly at: Int32Array
  /** How many code units of the original each code unit of `text` stands for (`\n` in JSON: 2). */
  readonly width: Uint8Array
}

interface Cut {
  readonly start: number
  readonly end: number
  readonly kind: StripKind
}

const docOf = (text: string): Doc => {
  const at = new Int32Array(text.length)
  for (let i = 0; i < at.length; i++) at[i] = i
  return { text, at, width: new Uint8Array(text.length).fill(1) }
}

const EMPTY_DOC: Doc = { text: "", at: new Int32Array(0), width: new Uint8Array(0) }

/** The original span a range of the doc came from (a decoded JSON string maps back to its escapes). */
const originalSpan = (original: string, doc: Doc, start: number, end: number): Evidence => {
  const s = doc.at[start] ?? original.length
  const e = end > start ? (doc.at[end - 1] ?? s) + (doc.width[end - 1] ?? 1) : s
  const from = Math.min(s, e)
  const to = Math.max(from, e)
  return { start: from, end: to, text: original.slice(from, to) }
}

/** The doc without the cuts (which may overlap); a finding per cut, its evidence in the original. */
const applyCuts = (original: string, doc: Doc, cuts: ReadonlyArray<Cut>, findings: Array<GuardFinding>): Doc => {
  if (cuts.length === 0) return doc
  const sorted = [...cuts].sort((a, b) => a.start - b.start || b.end - a.end)
  const keep = new Uint8Array(doc.text.length).fill(1)
  let covered = -1
  for (const c of sorted) {
    if (c.end <= covered) continue // inside a cut already made
    const start = Math.max(c.start, covered)
    for (let i = start; i < c.end; i++) keep[i] = 0
    covered = Math.max(covered, c.end)
    if (doc.text.slice(start, c.end).trim().length === 0) continue
    findings.push({
      code: `sanitize.${c.kind}`,
      category: "style",
      severity: "warning",
      message: STRIP_MESSAGES[c.kind],
      evidence: originalSpan(original, doc, start, c.end),
    })
  }
  const parts: Array<string> = []
  const at: Array<number> = []
  const width: Array<number> = []
  let runStart = -1
  for (let i = 0; i <= doc.text.length; i++) {
    const kept = i < doc.text.length && keep[i] === 1
    if (kept) {
      if (runStart < 0) runStart = i
      at.push(doc.at[i]!)
      width.push(doc.width[i]!)
    } else if (runStart >= 0) {
      parts.push(doc.text.slice(runStart, i))
      runStart = -1
    }
  }
  return { text: parts.join(""), at: Int32Array.from(at), width: Uint8Array.from(width) }
}

interface Line {
  readonly start: number
  /** End of the line's content (before its line break). */
  readonly end: number
  /** After the line break (the next line's start). */
  readonly next: number
  readonly text: string
}

const linesOf = (text: string): Array<Line> => {
  const out: Array<Line> = []
  let start = 0
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    const next = end < 0 ? text.length : end + 1
    if (end < 0) end = text.length
    const contentEnd = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end
    out.push({ start, end: contentEnd, next, text: text.slice(start, contentEnd) })
    start = next
  }
  return out
}

const isBlank = (line: Line): boolean => line.text.trim().length === 0

/** Index of the first non-blank line at or after `from` (lines.length when none). */
const nextContent = (lines: ReadonlyArray<Line>, from: number): number => {
  let i = from
  while (i < lines.length && isBlank(lines[i]!)) i++
  return i
}

/** Index of the last non-blank line at or before `from` (-1 when none). */
const previousContent = (lines: ReadonlyArray<Line>, from: number): number => {
  let i = from
  while (i >= 0 && isBlank(lines[i]!)) i--
  return i
}

// ---------------------------------------------------------------------------
// Code fences

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/

/** Share of Hangul among letters, and whether code-like punctuation dominates: prose or code? */
const readsAsProse = (text: string, korean: boolean): boolean => {
  let letters = 0
  let hangul = 0
  let code = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xac00 && c <= 0xd7a3) {
      letters++
      hangul++
    } else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters++
    else if (c === 0x7b || c === 0x7d || c === 0x3b || c === 0x3d || c === 0x3c || c === 0x3e) code++ // { } ; = < >
  }
  if (letters === 0) return false
  if (code * 10 > letters) return false
  return korean ? hangul / letters >= 0.6 : true
}

/**
 * A fence around the whole answer is unwrapped (its markers cut); a fence inside keeps its content
 * when that reads as prose (a status window, a letter) and goes whole when it is code or data.
 */
const fenceCuts = (doc: Doc, korean: boolean): { cuts: Array<Cut>; unwrapped: boolean } => {
  const lines = linesOf(doc.text)
  const cuts: Array<Cut> = []
  const first = nextContent(lines, 0)
  const last = previousContent(lines, lines.length - 1)
  let unwrapped = false
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!.text)
    if (open === null) continue
    let close = -1
    for (let j = i + 1; j < lines.length; j++) {
      const m = FENCE.exec(lines[j]!.text)
      if (m !== null && m[1] === open[1] && m[2] === "") {
        close = j
        break
      }
    }
    const openLine = lines[i]!
    if (close < 0) {
      // an unclosed fence (the answer was cut inside it): its marker goes, the rest stays for the checks
      cuts.push({ start: openLine.start, end: openLine.next, kind: "code-fence" })
      break
    }
    const closeLine = lines[close]!
    const inner = doc.text.slice(openLine.next, closeLine.start)
    const whole = i === first && close === last
    if (whole) unwrapped = true
    if (whole || readsAsProse(inner, korean)) {
      cuts.push({ start: openLine.start, end: openLine.next, kind: "code-fence" })
      cuts.push({ start: closeLine.start, end: closeLine.next, kind: "code-fence" })
    } else cuts.push({ start: openLine.start, end: closeLine.next, kind: "code-fence" })
    i = close
  }
  return { cuts, unwrapped }
}

// ---------------------------------------------------------------------------
// JSON

/** Fields that hold an episode's prose, most likely first. */
const PROSE_KEYS = ["content", "body", "text", "episode", "story", "prose", "본문", "내용", "episode_text", "chapter"]
const TITLE_KEYS = ["title", "제목", "episode_title"]

/**
 * The JSON string literal that starts at `quote` (a `"`), decoded, with each decoded code unit's
 * offset in `doc`. An unterminated literal (an answer cut inside it) is decoded to its end.
 */
const decodeLiteral = (doc: Doc, quote: number): { text: string; at: Array<number>; width: Array<number> } => {
  const s = doc.text
  let text = ""
  const at: Array<number> = []
  const width: Array<number> = []
  for (let i = quote + 1; i < s.length; i++) {
    const c = s[i]!
    if (c === "\"") break
    if (c !== "\\") {
      text += c
      at.push(doc.at[i]!)
      width.push(doc.width[i]!)
      continue
    }
    const e = s[i + 1]
    const from = doc.at[i]!
    if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      text += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16))
      at.push(from)
      width.push(6)
      i += 5
      continue
    }
    const decoded = e === undefined ? undefined : JSON_ESCAPES[e]
    if (decoded !== undefined) {
      text += decoded
      at.push(from)
      width.push(2)
      i++
      continue
    }
    text += c
    at.push(from)
    width.push(1)
  }
  return { text, at, width }
}

/** `"key": "` for each key a prose or a title may stand under, compiled once. */
const KEY_LITERALS = new Map([...PROSE_KEYS, ...TITLE_KEYS].map((key) => [key, new RegExp(`"${key}"\\s*:\\s*"`)]))

const JSON_ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "\"": "\"", "\\": "\\", "/": "/" }

/** Where the string value of `key` starts (its opening quote) in a JSON text, or -1. */
const literalOf = (text: string, key: string): number => {
  const m = KEY_LITERALS.get(key)!.exec(text)
  return m === null ? -1 : m.index + m[0].length - 1
}

const hasLetters = (s: string): boolean => /\p{L}/u.test(s)

/**
 * The whole answer is a JSON object: its prose field, decoded, becomes the draft (under its title
 * as a heading when it has one and the prose does not). A JSON answer cut before its end is read
 * the same way up to the cut, which the sentence-end rule then catches.
 */
const fromJsonAnswer = (original: string, doc: Doc, findings: Array<GuardFinding>): Doc | undefined => {
  const lead = doc.text.length - doc.text.trimStart().length
  const body = doc.text.trim()
  if (!body.startsWith("{")) return undefined
  let parsed: unknown
  let complete = true
  try {
    parsed = JSON.parse(body)
  } catch {
    complete = false
  }
  if (complete && (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))) return undefined
  const fields = complete ? (parsed as Record<string, unknown>) : undefined
  let quote = -1
  for (const key of PROSE_KEYS) {
    if (fields !== undefined && (typeof fields[key] !== "string" || !hasLetters(fields[key] as string))) continue
    quote = literalOf(doc.text, key)
    if (quote >= 0) break
  }
  if (quote < 0) {
    if (!complete && !/^\{\s*"/.test(body)) return undefined // not JSON at all: prose that starts with a brace
    // a JSON answer without prose: all of it goes
    findings.push({
      code: "sanitize.json",
      category: "style",
      severity: "warning",
      message: "the answer is a JSON object with no prose field (content, body, text, episode …): nothing of it is an episode",
      evidence: originalSpan(original, doc, lead, lead + body.length),
    })
    return EMPTY_DOC
  }
  const prose = decodeLiteral(doc, quote)
  let text = prose.text
  let at = prose.at
  let width = prose.width
  for (const key of TITLE_KEYS) {
    const title = fields !== undefined ? fields[key] : undefined
    const tq = literalOf(doc.text, key)
    if (tq < 0 || (fields !== undefined && typeof title !== "string")) continue
    const decoded = decodeLiteral(doc, tq)
    if (decoded.text.trim() === "" || /^\s*#/.test(text)) break
    const heading = `# ${decoded.text.trim()}\n\n`
    text = heading + text
    // the heading stands for the title's literal: each of its code units points at the opening quote
    at = [...new Array<number>(heading.length).fill(doc.at[tq]!), ...at]
    width = [...new Array<number>(heading.length).fill(1), ...width]
    break
  }
  findings.push({
    code: "sanitize.json",
    category: "style",
    severity: "warning",
    message: `the answer is a JSON object${complete ? "" : " (cut before its end)"}: its prose field was taken, the rest removed`,
    evidence: originalSpan(original, doc, lead, quote + 1),
  })
  return { text, at: Int32Array.from(at), width: Uint8Array.from(width) }
}

/** The end of the balanced `{…}` or `[…]` block starting at `from` (strings respected), or -1. */
const balancedEnd = (s: string, from: number): number => {
  let depth = 0
  let inString = false
  for (let i = from; i < s.length; i++) {
    const c = s[i]!
    if (inString) {
      if (c === "\\") i++
      else if (c === "\"") inString = false
      continue
    }
    if (c === "\"") inString = true
    else if (c === "{" || c === "[") depth++
    else if (c === "}" || c === "]") {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}

/** Keys a model puts in metadata (YAML front matter, a trailing block): lower-case ASCII only. */
const YAML_KEYS = new Set([
  "title", "episode", "chapter", "number", "summary", "synopsis", "characters", "character", "content", "body", "text", "notes", "note",
  "word_count", "wordcount", "length", "tags", "genre", "pov", "setting", "location", "mood", "tone", "next", "hook", "cliffhanger",
  "author_note", "language", "scene", "scenes", "beats", "beat", "status", "date", "author", "keywords",
])
const YAML_LINE = /^\s*([a-z_][a-z0-9_]*)\s*:(?:\s|$)/
const YAML_ITEM = /^\s*-\s+\S/
const SEPARATOR = /^\s*(?:-{3,}|\*{3,}|_{3,}|(?:\*\s*){3,}|={3,})\s*$/

/** JSON objects or arrays on lines of their own, and YAML metadata blocks (front matter included). */
const blobCuts = (doc: Doc): Array<Cut> => {
  const cuts: Array<Cut> = []
  const s = doc.text
  const lines = linesOf(s)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const t = line.text.trimStart()
    if (t.startsWith("{") || (t.startsWith("[") && /^\[\s*[{"\d\]]/.test(t))) {
      const from = line.start + (line.text.length - t.length)
      const end = balancedEnd(s, from)
      if (end < 0) continue
      try {
        const v: unknown = JSON.parse(s.slice(from, end))
        if (typeof v !== "object" || v === null) continue
      } catch {
        continue
      }
      let last = i
      while (last + 1 < lines.length && lines[last + 1]!.start < end) last++
      cuts.push({ start: line.start, end: lines[last]!.next, kind: "json" })
      i = last
      continue
    }
    // YAML: two or more metadata lines (or list items under them), maybe between `---` lines
    let j = i
    let keys = 0
    while (j < lines.length) {
      const m = YAML_LINE.exec(lines[j]!.text)
      if (m !== null && YAML_KEYS.has(m[1]!)) keys++
      else if (!(keys > 0 && YAML_ITEM.test(lines[j]!.text))) break
      j++
    }
    if (keys >= 2) {
      let start = line.start
      let end = lines[j - 1]!.next
      const before = previousContent(lines, i - 1)
      if (before >= 0 && SEPARATOR.test(lines[before]!.text) && nextContent(lines, 0) === before) start = lines[before]!.start
      const after = nextContent(lines, j)
      if (after < lines.length && SEPARATOR.test(lines[after]!.text)) end = lines[after]!.next
      cuts.push({ start, end, kind: "yaml" })
      i = j - 1
    }
  }
  return cuts
}

// ---------------------------------------------------------------------------
// Preambles, sign-offs, author's notes

/** How an assistant opens an answer. */
const PREAMBLE_OPENING =
  /^\s*(?:\*\*)?(?:물론|네[,!.\s]|예[,!.\s]|알겠습니다|좋습니다|좋아요|기꺼이|다음은|아래는|요청하신|말씀하신|여기\s?있습니다|sure\b|certainly\b|of course\b|here\s+is\b|here's\b|below\s+is\b|okay[,!.]|ok[,!.])/i
/** What the opening talks about: the task, not the story. */
const ASSISTANT_TALK =
  /(?:드리겠|드릴게|드립니다|드려요|이번\s?화|작성했|작성하|작성한|작성해|써\s?드|써\s?보았|써\s?봤|이어서\s?쓰|이어\s?가겠|보내\s?드|요청|말씀|에피소드|원고|회차|제\s?\d+\s?화|\d+\s?화|episode|chapter|story|draft|continu)/i
/** How an assistant closes one. */
const SIGN_OFF =
  /^\s*(?:\*\*)?(?:이번?\s?(?:화|에피소드|이야기)(?:는|가|도)?\s)?(?:이상으로|이상입니다|이상이|도움이\s?되|마음에\s?드셨|마음에\s?드시|더\s?필요하|수정이\s?필요|수정을\s?원하|원하시면|필요하시면|궁금한\s?점|피드백|어떠신가요|어떠셨나요|어떠세요|수정하고\s?싶|원하는\s?방향|다음\s?(?:화|편|에피소드)(?:를|도)?\s?(?:원하|필요|써|작성|이어)|i hope\b|hope this\b|let me know\b|feel free\b|if you(?:'d| would)? like\b)/i
/** An author's note, at a line's start. */
const AUTHOR_NOTE_LINE =
  /^\s*[[(（【<*#\s]*(?:작가의?\s?말|작가\s?노트|작가\s?후기|작가\s?코멘트|후기|author'?s?\s+note|a\/n|note from the author|집필\s?노트|창작\s?노트)/i
/** An author's note inside a line: `(작가 노트: …)`. */
const AUTHOR_NOTE_INLINE = /[(（[【]\s*(?:작가의?\s?말|작가\s?노트|author'?s?\s+note|a\/n)\s*[:：][^)）\]】\n]*[)）\]】]/gi
/** How notes after a closing separator begin (rather than a last scene). */
const META_AFTER_SEPARATOR =
  /^\s*[[(【<*#_\s]*(?:작가|노트|참고|메모|다음\s?화|예고|note|설명|해설|요약|등장인물|독자|분량|글자\s?수|word count|이번\s?(?:화|에피소드)|이\s?에피소드|this episode|characters?\b|summary|p\.?s\b)/i
/** An assistant's polite register (하십시오체, 해요체) or English: a story's narration is neither. */
const ASSISTANT_REGISTER = /(?:니다|세요|네요|어요|아요|해요|래요|바랍|까요|[a-z]{3})/i

/**
 * The preamble (opening lines in an assistant's voice, and a separator after them), sign-offs and
 * author's notes at the end (with everything after them), notes after a closing `---`, and inline
 * `(작가 노트: …)`.
 */
const frameCuts = (doc: Doc): Array<Cut> => {
  const cuts: Array<Cut> = []
  const s = doc.text
  const lines = linesOf(s)
  // opening: consecutive assistant lines at the top (a title line between them is the story's)
  let i = nextContent(lines, 0)
  let preambleEnd = -1
  while (i < lines.length) {
    const t = lines[i]!.text
    if (t.length > 300 || !(PREAMBLE_OPENING.test(t) || (preambleEnd >= 0 && ASSISTANT_TALK.test(t) && !/^\s*#/.test(t)))) break
    if (!ASSISTANT_TALK.test(t) && !/[:：]\s*\**\s*$/.test(t)) break
    preambleEnd = i
    i = nextContent(lines, i + 1)
  }
  if (preambleEnd >= 0) {
    let end = lines[preambleEnd]!.next
    const after = nextContent(lines, preambleEnd + 1)
    if (after < lines.length && SEPARATOR.test(lines[after]!.text)) end = lines[after]!.next
    cuts.push({ start: lines[nextContent(lines, 0)]!.start, end, kind: "preamble" })
  }
  // closing: the first sign-off or author's note in the last third, then all after it
  const from = Math.max(0, Math.floor(lines.length * 2 / 3) - 1)
  for (let k = Math.max(from, preambleEnd + 1); k < lines.length; k++) {
    const t = lines[k]!.text
    const note = AUTHOR_NOTE_LINE.test(t) && /(?:작가|후기|note|a\/n|노트)/i.test(t)
    const signOff = !note && SIGN_OFF.test(t) && ASSISTANT_REGISTER.test(t) && t.length <= 300
    if (!note && !signOff) continue
    let start = lines[k]!.start
    const before = previousContent(lines, k - 1)
    if (before >= 0 && SEPARATOR.test(lines[before]!.text)) start = lines[before]!.start
    cuts.push({ start, end: s.length, kind: note ? "author-note" : "sign-off" })
    break
  }
  // a closing separator whose tail is notes, not story
  const lastSep = (() => {
    for (let k = lines.length - 1; k >= Math.max(0, lines.length - 12); k--) if (SEPARATOR.test(lines[k]!.text)) return k
    return -1
  })()
  if (lastSep >= 0) {
    const tail = s.slice(lines[lastSep]!.next)
    const tailLetters = tail.replace(/\s+/g, "").length
    if (tail.trim().length === 0 || (META_AFTER_SEPARATOR.test(tail.trimStart()) && tailLetters * 4 < s.replace(/\s+/g, "").length)) {
      cuts.push({ start: lines[lastSep]!.start, end: s.length, kind: tail.trim().length === 0 ? "separator" : "author-note" })
    }
  }
  AUTHOR_NOTE_INLINE.lastIndex = 0
  for (let m = AUTHOR_NOTE_INLINE.exec(s); m !== null; m = AUTHOR_NOTE_INLINE.exec(s)) {
    cuts.push({ start: m.index, end: m.index + m[0].length, kind: "author-note" })
  }
  return cuts
}

// ---------------------------------------------------------------------------
// Recaps and headers

/** A recap's header: alone on its line, or followed by a colon and the recap. */
const RECAP_HEADER =
  /^\s*(?:#{1,6}\s*)?[[(（【<*_\s]*(?:지난\s?(?:화|회|편|이야기|줄거리)(?:\s?(?:요약|줄거리|정리))?|이전\s?(?:이야기|화|회|편|줄거리)(?:\s?(?:요약|정리))?|앞\s?이야기|전편\s?(?:요약|줄거리)|지금까지의\s?(?:이야기|줄거리)|줄거리\s?요약|previously(?:\s+on\b[^:\n]*)?|recap|story so far|the story so far)\s*[\])）】>*_]*\s*(?:[:：\-—]\s*(.*))?$/i

/** Ends a recap section: a heading, a separator. */
const SECTION_END = /^\s*(?:#|-{3,}|\*{3,}|_{3,}|(?:\*\s*){3,}|={3,})/

/** A recap header, and its recap: the rest of its line and the paragraph after it, up to a separator if it is close. */
const recapCuts = (doc: Doc): Array<Cut> => {
  const cuts: Array<Cut> = []
  const lines = linesOf(doc.text)
  for (let i = 0; i < lines.length; i++) {
    const m = RECAP_HEADER.exec(lines[i]!.text)
    if (m === null) continue
    let last = i
    const inline = (m[1] ?? "").trim().length > 0
    // the paragraph after the header (or continuing its line)
    let k = inline ? i + 1 : nextContent(lines, i + 1)
    if (!inline && k < lines.length && SECTION_END.test(lines[k]!.text)) k = lines.length // a header with no recap
    while (k < lines.length && !isBlank(lines[k]!) && !SECTION_END.test(lines[k]!.text)) last = k++
    // a separator right after the recap closes it
    const after = nextContent(lines, last + 1)
    let end = lines[last]!.next
    if (after < lines.length && SEPARATOR.test(lines[after]!.text)) end = lines[after]!.next
    cuts.push({ start: lines[i]!.start, end, kind: "recap" })
    while (i + 1 < lines.length && lines[i + 1]!.start < end) i++
  }
  return cuts
}

const HEADING = /^\s{0,3}#{1,6}(?:\s|$)/

/** Markdown headers other than the first line's title (`# 제N화 …` or `# title`). */
const headerCuts = (doc: Doc): Array<Cut> => {
  const cuts: Array<Cut> = []
  const lines = linesOf(doc.text)
  const first = nextContent(lines, 0)
  for (let i = 0; i < lines.length; i++) {
    if (i === first || !HEADING.test(lines[i]!.text)) continue
    cuts.push({ start: lines[i]!.start, end: lines[i]!.next, kind: "header" })
  }
  return cuts
}

/** Separator lines left at the very start or end of the draft. */
const edgeSeparatorCuts = (doc: Doc): Array<Cut> => {
  const lines = linesOf(doc.text)
  const cuts: Array<Cut> = []
  const first = nextContent(lines, 0)
  if (first < lines.length && SEPARATOR.test(lines[first]!.text)) cuts.push({ start: lines[first]!.start, end: lines[first]!.next, kind: "separator" })
  const last = previousContent(lines, lines.length - 1)
  if (last > first && SEPARATOR.test(lines[last]!.text)) cuts.push({ start: lines[last]!.start, end: lines[last]!.next, kind: "separator" })
  return cuts
}

// ---------------------------------------------------------------------------
// The end of the draft

/** Ends a sentence by itself. */
const TERMINAL = new Set([".", "!", "?", "…", "。", "！", "？", "‥", "~", "～", "—", "―"])
/** Emphasis and straight quotes after a sentence's end: look through them. */
const CLOSERS = new Set(["\"", "'", "*", "_"])
/** A closing quotation mark or bracket: a final line of dialogue, a closed aside (끝), is whole. */
const QUOTE_CLOSERS = new Set(["”", "’", "」", "』", ")", "]", "》", "〉", "）"])
/** Final endings of a Korean sentence written without a full stop (했다, 해요, 할까, 하죠, 하네). */
const KOREAN_FINALS = new Set(["다", "요", "까", "죠", "네"])

/**
 * Whether the draft ends where a sentence may end: a terminator, a closing quotation mark of a line
 * of dialogue, or (Korean) a final ending of a word of two syllables or more, each maybe followed
 * by closing brackets or emphasis. A heading is no ending: a draft must end in its body.
 */
export const endsSentence = (text: string, language: string): boolean => {
  const trimmed = text.trimEnd()
  const lastLine = trimmed.slice(trimmed.lastIndexOf("\n") + 1)
  if (HEADING.test(lastLine)) return false
  const chars = [...trimmed.slice(-16)]
  let i = chars.length - 1
  if (i < 0) return false
  if (QUOTE_CLOSERS.has(chars[i]!)) return true
  // a straight quote closes a line of dialogue when the line holds an even number of them
  const last = chars[i]!
  if ((last === "\"" || last === "'") && lastLine.split(last).length % 2 === 1 && lastLine.length > 1) return true
  while (i >= 0 && CLOSERS.has(chars[i]!)) i--
  if (i < 0) return false
  const c = chars[i]!
  if (TERMINAL.has(c)) return true
  if (/^ko(?:-|$)/i.test(language) && KOREAN_FINALS.has(c)) {
    const before = chars[i - 1]
    return before !== undefined && /[가-힣]/.test(before)
  }
  return false
}

/** A few words before the end, as the evidence of a cut (in the original). */
const tailEvidence = (original: string, doc: Doc, text: string): Evidence => {
  const end = text.trimEnd().length
  const lineStart = text.lastIndexOf("\n", end - 1) + 1
  const start = Math.max(lineStart, end - 40)
  return originalSpan(original, doc, start, end)
}

// ---------------------------------------------------------------------------

const squeezeBlankLines = (doc: Doc): Doc => {
  // trim, and no more than one blank line in a row: whitespace only, so no finding
  const lines = linesOf(doc.text)
  const first = nextContent(lines, 0)
  const last = previousContent(lines, lines.length - 1)
  if (first > last) return EMPTY_DOC
  const parts: Array<string> = []
  const at: Array<number> = []
  const width: Array<number> = []
  let blank = 0
  for (let i = first; i <= last; i++) {
    const line = lines[i]!
    if (isBlank(line)) {
      blank++
      continue
    }
    if (parts.length > 0) {
      const sep = blank > 0 ? "\n\n" : "\n"
      parts.push(sep)
      for (let k = 0; k < sep.length; k++) {
        at.push(doc.at[Math.max(0, line.start - 1)]!)
        width.push(1)
      }
    }
    blank = 0
    const t = line.text.trimEnd()
    parts.push(t)
    for (let k = 0; k < t.length; k++) {
      at.push(doc.at[line.start + k]!)
      width.push(doc.width[line.start + k]!)
    }
  }
  return { text: parts.join(""), at: Int32Array.from(at), width: Uint8Array.from(width) }
}

const hasBodyLetters = (text: string): boolean => {
  for (const line of text.split("\n")) if (!HEADING.test(line) && hasLetters(line)) return true
  return false
}

/**
 * `text` with what a chat model wraps around an episode taken off, the strips as warnings
 * (`sanitize.<kind>`, evidence in `text`), and whether the draft must be rejected: it ends
 * mid-sentence (`sanitize.cut-mid-sentence`) or nothing is left of it (`sanitize.empty`).
 */
export const sanitizeDraft = (text: string, options: SanitizeOptions): SanitizedDraft => {
  const original = text.replace(/^\uFEFF/, "")
  const korean = /^ko(?:-|$)/i.test(options.language)
  const findings: Array<GuardFinding> = []
  let doc = docOf(original)
  const fences = fenceCuts(doc, korean)
  doc = applyCuts(original, doc, fences.cuts, findings)
  const fromJson = fromJsonAnswer(original, doc, findings)
  // the prose of a JSON answer, or the inside of a fence around the whole answer, may hold fences of its own
  if (fromJson !== undefined || fences.unwrapped) doc = applyCuts(original, fromJson ?? doc, fenceCuts(fromJson ?? doc, korean).cuts, findings)
  doc = applyCuts(original, doc, blobCuts(doc), findings)
  doc = applyCuts(original, doc, frameCuts(doc), findings)
  doc = applyCuts(original, doc, recapCuts(doc), findings)
  doc = applyCuts(original, doc, headerCuts(doc), findings)
  doc = applyCuts(original, doc, edgeSeparatorCuts(doc), findings)
  doc = squeezeBlankLines(doc)
  if (!hasBodyLetters(doc.text)) {
    findings.push({
      code: "sanitize.empty",
      category: "length",
      severity: "error",
      message: "nothing of an episode is left once the model's wrapping is removed",
      ...(original.trim().length > 0 ? { evidence: { start: 0, end: original.length, text: original } } : {}),
    })
    return { text: doc.text, findings, rejected: true }
  }
  if (!endsSentence(doc.text, options.language)) {
    findings.push({
      code: "sanitize.cut-mid-sentence",
      category: "length",
      severity: "error",
      message: "the draft ends mid-sentence (no sentence end after its last words): the answer was cut off",
      evidence: tailEvidence(original, doc, doc.text),
    })
    return { text: doc.text, findings, rejected: true }
  }
  return { text: doc.text, findings, rejected: false }
}
