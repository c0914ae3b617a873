import type { Book } from "./Book.ts"
import { blocksToXhtml, escapeXml } from "./Markup.ts"
import { zip } from "./Zip.ts"

/**
 * EPUB 3.3: `mimetype` first and stored; `META-INF/container.xml`; the package document with
 * a stable `urn:uuid` identifier, title, language, creator and `dcterms:modified`; a
 * navigation document; an SVG cover carrying the title; one XHTML document per episode; a
 * stylesheet for Korean text. Deterministic: the same book gives the same bytes.
 */

const CSS = `@charset "UTF-8";
html, body { margin: 0; padding: 0; }
body {
  line-height: 1.8;
  word-break: keep-all;
  overflow-wrap: break-word;
  line-break: strict;
  text-align: justify;
}
h1 { font-size: 1.4em; line-height: 1.4; text-align: center; margin: 2em 0 1.5em; }
h2, h3, h4, h5, h6 { font-size: 1.1em; line-height: 1.4; margin: 1.5em 0 1em; }
p { margin: 0 0 0.6em; text-indent: 1em; }
p.dialogue { text-indent: 0; }
hr.scene-break { border: none; margin: 1.5em 0; text-align: center; }
hr.scene-break::after { content: "* * *"; }
nav ol { list-style: none; padding-left: 0; }
nav li { margin: 0.4em 0; }
.title-page { text-align: center; margin-top: 30%; }
.title-page .title { font-size: 1.8em; line-height: 1.4; margin-bottom: 1em; }
.cover { margin: 0; padding: 0; text-align: center; }
.cover img { max-width: 100%; max-height: 100%; }
`

const chapterFile = (n: number) => `text/episode-${String(n).padStart(4, "0")}.xhtml`

/** `2025-01-05T04:00:00Z` (no fractional seconds, as `dcterms:modified` requires). */
export const w3cdtf = (epochMs: number): string => new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")

const xhtml = (lang: string, title: string, body: string, cssHref = "../style.css"): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${escapeXml(lang)}" lang="${escapeXml(lang)}">
<head>
<meta charset="UTF-8"/>
<title>${escapeXml(title)}</title>
<link rel="stylesheet" type="text/css" href="${cssHref}"/>
</head>
<body>
${body}
</body>
</html>
`

/** Breaks a title into lines of at most `max` characters, at spaces when it can. */
export const wrapTitle = (title: string, max: number): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of title.split(/\s+/).filter((w) => w.length > 0)) {
    let w = word
    while ([...w].length > max) {
      const chars = [...w]
      if (line) {
        lines.push(line)
        line = ""
      }
      lines.push(chars.slice(0, max).join(""))
      w = chars.slice(max).join("")
    }
    if (!line) line = w
    else if ([...`${line} ${w}`].length <= max) line = `${line} ${w}`
    else {
      lines.push(line)
      line = w
    }
  }
  if (line) lines.push(line)
  return lines.length > 0 ? lines : [""]
}

/** A 1600×2400 SVG cover: the title (wrapped), a rule, the genre and the creator. */
export const coverSvg = (book: Book): string => {
  const lines = wrapTitle(book.project.title, 9).slice(0, 6)
  const size = lines.length > 3 ? 120 : 150
  const top = 900 - ((lines.length - 1) * size * 1.3) / 2
  const titleLines = lines
    .map((l, i) => `<text x="800" y="${Math.round(top + i * size * 1.3)}" font-size="${size}" font-weight="bold" text-anchor="middle" fill="#f5efe0">${escapeXml(l)}</text>`)
    .join("\n  ")
  const after = Math.round(top + (lines.length - 1) * size * 1.3 + 160)
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="1600" height="2400" viewBox="0 0 1600 2400">
  <title>${escapeXml(book.project.title)}</title>
  <rect width="1600" height="2400" fill="#1d2a44"/>
  <rect x="80" y="80" width="1440" height="2240" fill="none" stroke="#c9a86a" stroke-width="8"/>
  <circle cx="800" cy="1900" r="140" fill="#f5efe0" opacity="0.9"/>
  ${titleLines}
  <line x1="500" y1="${after}" x2="1100" y2="${after}" stroke="#c9a86a" stroke-width="6"/>
  <text x="800" y="${after + 110}" font-size="64" text-anchor="middle" fill="#c9a86a">${escapeXml(book.project.genre)}</text>
  <text x="800" y="2200" font-size="56" text-anchor="middle" fill="#f5efe0">${escapeXml(book.creator)}</text>
</svg>
`
}

export const buildEpub = (book: Book): Buffer => {
  const lang = book.project.language
  const title = book.project.title
  const modified = w3cdtf(book.modified)

  const chapters = book.chapters.map((c) => ({
    id: `ep${c.number}`,
    href: chapterFile(c.number),
    title: c.title,
    content: xhtml(lang, c.title, `<section epub:type="chapter" role="doc-chapter">\n<h1>${escapeXml(c.title)}</h1>\n${blocksToXhtml(c.blocks)}\n</section>`),
  }))

  const cover = xhtml(
    lang,
    title,
    `<section class="cover" epub:type="cover">\n<img src="../images/cover.svg" alt="${escapeXml(title)}"/>\n</section>`,
  )
  const titlePage = xhtml(
    lang,
    title,
    `<section class="title-page" epub:type="titlepage">\n<p class="title">${escapeXml(title)}</p>\n<p>${escapeXml(book.creator)}</p>\n</section>`,
  )
  const nav = xhtml(
    lang,
    title,
    `<nav epub:type="toc" id="toc" role="doc-toc">
<h1>${escapeXml(title)}</h1>
<ol>
${chapters.map((c) => `<li><a href="${c.href}">${escapeXml(c.title)}</a></li>`).join("\n")}
</ol>
</nav>
<nav epub:type="landmarks" id="landmarks" hidden="hidden">
<h2>Landmarks</h2>
<ol>
<li><a epub:type="cover" href="text/cover.xhtml">Cover</a></li>
<li><a epub:type="toc" href="nav.xhtml">Contents</a></li>
<li><a epub:type="bodymatter" href="${chapters[0]?.href ?? "text/title.xhtml"}">Start</a></li>
</ol>
</nav>`,
    "style.css",
  )

  const opf = `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="${escapeXml(lang)}">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="book-id">${escapeXml(book.identifier)}</dc:identifier>
<dc:title>${escapeXml(title)}</dc:title>
<dc:language>${escapeXml(lang)}</dc:language>
<dc:creator id="creator">${escapeXml(book.creator)}</dc:creator>
<dc:subject>${escapeXml(book.project.genre)}</dc:subject>
<meta property="dcterms:modified">${modified}</meta>
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="css" href="style.css" media-type="text/css"/>
<item id="cover-image" href="images/cover.svg" media-type="image/svg+xml" properties="cover-image"/>
<item id="cover" href="text/cover.xhtml" media-type="application/xhtml+xml"/>
<item id="title-page" href="text/title.xhtml" media-type="application/xhtml+xml"/>
${chapters.map((c) => `<item id="${c.id}" href="${c.href}" media-type="application/xhtml+xml"/>`).join("\n")}
</manifest>
<spine>
<itemref idref="cover"/>
<itemref idref="title-page"/>
<itemref idref="nav"/>
${chapters.map((c) => `<itemref idref="${c.id}"/>`).join("\n")}
</spine>
</package>
`

  const container = `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
`

  return zip(
    [
      { name: "mimetype", data: "application/epub+zip", store: true },
      { name: "META-INF/container.xml", data: container },
      { name: "OEBPS/content.opf", data: opf },
      { name: "OEBPS/nav.xhtml", data: nav },
      { name: "OEBPS/style.css", data: CSS },
      { name: "OEBPS/images/cover.svg", data: coverSvg(book) },
      { name: "OEBPS/text/cover.xhtml", data: cover },
      { name: "OEBPS/text/title.xhtml", data: titlePage },
      ...chapters.map((c) => ({ name: `OEBPS/${c.href}`, data: c.content })),
    ],
    new Date(book.modified),
  )
}
