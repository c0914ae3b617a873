import type { Book } from "./Book.ts"
import type { Block, Inline } from "./Markup.ts"

export interface MarkdownFile {
  readonly name: string
  readonly content: string
}

export const episodeFileName = (n: number): string => `episode-${String(n).padStart(4, "0")}.md`

/** Markdown link text: brackets and backslashes escaped. */
const linkText = (s: string) => s.replace(/[\\[\]]/g, (c) => `\\${c}`)

const inline = (i: Inline) => (i.kind === "strong" ? `**${i.text}**` : i.kind === "em" ? `*${i.text}*` : i.text)

const blockMarkdown = (b: Block): string => {
  switch (b.kind) {
    case "heading":
      return `${"#".repeat(Math.max(2, b.level))} ${b.text}`
    case "break":
      return "* * *"
    case "paragraph":
      return b.inlines.map(inline).join("")
  }
}

/**
 * One file per episode (`episode-0001.md`: the episode's Markdown as committed, with a `# title`
 * line first when the body has none) and an `index.md` with the project and links to every episode.
 */
const withTitle = (title: string, body: string): string => {
  const text = body.endsWith("\n") ? body : `${body}\n`
  return /^#\s/.test(body.trimStart()) ? text : `# ${title}\n\n${text}`
}

/** The blocks back as normalised Markdown (one paragraph per line). */
export const chapterMarkdown = (title: string, blocks: ReadonlyArray<Block>): string =>
  `# ${title}\n\n${blocks.map(blockMarkdown).join("\n\n")}\n`

export const blocksToMarkdown = (book: Book): ReadonlyArray<MarkdownFile> => {
  const p = book.project
  const episodes = book.chapters.map((c) => ({
    name: episodeFileName(c.number),
    content: withTitle(c.title, c.episode.body),
  }))
  const index = [
    `# ${p.title}`,
    "",
    `- 장르: ${p.genre}`,
    `- 언어: ${p.language}`,
    `- 회차: ${book.chapters.length} (${book.chapters[0]!.number}–${book.chapters[book.chapters.length - 1]!.number})`,
    `- 식별자: ${book.identifier}`,
    "",
    ...(p.premise ? [p.premise, ""] : []),
    "## 목차",
    "",
    ...book.chapters.map((c) => `${c.number}. [${linkText(c.title)}](${episodeFileName(c.number)})`),
    "",
  ].join("\n")
  return [{ name: "index.md", content: index }, ...episodes]
}
