/** A drafted episode as Markdown: `# 제N화 <title>` then the body. */
export interface EpisodeText {
  readonly title: string
  readonly body: string
}

const HEADING = /^#\s+(.+?)\s*$/

/** Splits the heading from the body; an episode without a heading gets a title from its number. */
export const splitEpisode = (markdown: string, episode: number): EpisodeText => {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n")
  const first = lines.findIndex((line) => line.trim() !== "")
  const heading = first >= 0 ? HEADING.exec(lines[first]!) : null
  if (!heading) return { title: `제${episode}화`, body: markdown.trim() }
  const title = heading[1]!.replace(/^제\s*\d+\s*화\s*[:.\-–—]?\s*/, "").trim() || `제${episode}화`
  return { title, body: lines.slice(first + 1).join("\n").trim() }
}

export const joinEpisode = (episode: number, text: EpisodeText): string => `# 제${episode}화 ${text.title}\n\n${text.body}\n`
