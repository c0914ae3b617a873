/**
 * The subset of Markdown that episodes use, as blocks: headings, paragraphs (one per line —
 * the web-novel convention), dialogue lines and scene breaks; inline `**strong**` and
 * `*emphasis*`. Everything else is text.
 */
export type Inline =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "strong"; readonly text: string }
  | { readonly kind: "em"; readonly text: string }

export type Block =
  | { readonly kind: "heading"; readonly level: number; readonly text: string }
  | { readonly kind: "paragraph"; readonly inlines: ReadonlyArray<Inline>; readonly dialogue: boolean }
  | { readonly kind: "break" }

/** XML 1.0 forbids most C0 controls; drop them, and lone surrogates. */
const clean = (s: string): string => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => {
  const code = c.charCodeAt(0)
  const next = all.charCodeAt(i + 1)
  const prev = all.charCodeAt(i - 1)
  if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) return c
  if (code >= 0xdc00 && prev >= 0xd800 && prev <= 0xdbff) return c
  return ""
})

export const escapeXml = (s: string): string =>
  clean(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const DIALOGUE = /^["“”'‘’「『\u2015\u2014-]/
const BREAK = /^(\*\s*){3,}$|^(-\s*){3,}$|^(_\s*){3,}$|^[#＊※◇◆○●]{1}(\s*[#＊※◇◆○●]){2,}$/

export const parseInlines = (line: string): ReadonlyArray<Inline> => {
  const out: Array<Inline> = []
  const re = /\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*?)\*/g
  let last = 0
  for (const m of line.matchAll(re)) {
    if (m.index > last) out.push({ kind: "text", text: line.slice(last, m.index) })
    out.push(m[1] !== undefined ? { kind: "strong", text: m[1] } : { kind: "em", text: m[2]! })
    last = m.index + m[0].length
  }
  if (last < line.length) out.push({ kind: "text", text: line.slice(last) })
  return out
}

export const plainText = (inlines: ReadonlyArray<Inline>): string => inlines.map((i) => i.text).join("")

export const parseMarkdown = (markdown: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  for (const rawLine of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    const line = rawLine.trim()
    if (line === "") continue
    const heading = /^(#{1,6})\s+(.*?)\s*#*$/.exec(line)
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]!.length, text: heading[2]! })
      continue
    }
    if (BREAK.test(line)) {
      blocks.push({ kind: "break" })
      continue
    }
    blocks.push({ kind: "paragraph", inlines: parseInlines(line.replace(/^>\s?/, "")), dialogue: DIALOGUE.test(line) })
  }
  return blocks
}

/**
 * The chapter of one episode: its title (the body's leading `#` heading, or the episode's
 * title) and the remaining blocks.
 */
export const chapterOf = (title: string, body: string): { readonly title: string; readonly blocks: ReadonlyArray<Block> } => {
  const blocks = parseMarkdown(body)
  const first = blocks[0]
  if (first && first.kind === "heading" && first.level === 1) return { title: first.text, blocks: blocks.slice(1) }
  return { title, blocks }
}

const inlineXhtml = (inlines: ReadonlyArray<Inline>): string =>
  inlines
    .map((i) => (i.kind === "strong" ? `<strong>${escapeXml(i.text)}</strong>` : i.kind === "em" ? `<em>${escapeXml(i.text)}</em>` : escapeXml(i.text)))
    .join("")

/** XHTML for the blocks of a chapter (its `h1` is written by the caller): body headings are `h2` at least. */
export const blocksToXhtml = (blocks: ReadonlyArray<Block>): string =>
  blocks
    .map((b) => {
      switch (b.kind) {
        case "heading": {
          const level = Math.max(2, b.level)
          return `<h${level}>${escapeXml(b.text)}</h${level}>`
        }
        case "break":
          return `<hr class="scene-break"/>`
        case "paragraph":
          return b.dialogue ? `<p class="dialogue">${inlineXhtml(b.inlines)}</p>` : `<p>${inlineXhtml(b.inlines)}</p>`
      }
    })
    .join("\n")
