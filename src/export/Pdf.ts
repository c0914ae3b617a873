import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { Data } from "effect"
import PDFDocument from "pdfkit"
import type { Book } from "./Book.ts"
import { plainText } from "./Markup.ts"

/** The npm package that ships the Korean font PDF export embeds (a dependency of novel-factory). */
export const KOREAN_FONT_PACKAGE = "@expo-google-fonts/noto-sans-kr"
const FONT_FILES = {
  regular: `${KOREAN_FONT_PACKAGE}/400Regular/NotoSansKR_400Regular.ttf`,
  bold: `${KOREAN_FONT_PACKAGE}/700Bold/NotoSansKR_700Bold.ttf`,
} as const
/** Overrides the font: a TTF/OTF path with Hangul glyphs. */
export const FONT_ENV = "NOVEL_FACTORY_PDF_FONT"

export class KoreanFontMissing extends Data.TaggedError("KoreanFontMissing")<{ readonly tried: ReadonlyArray<string> }> {
  override get message() {
    return `PDF export needs a font with Hangul glyphs and found none (tried ${this.tried.join(", ")}). ` +
      `Install it with 'npm install ${KOREAN_FONT_PACKAGE}' in the novel-factory directory, ` +
      `or set ${FONT_ENV}=/path/to/a-korean-font.ttf`
  }
}

export interface PdfFonts {
  readonly regular: string
  readonly bold: string
}

/** The font files: `$NOVEL_FACTORY_PDF_FONT`, else the Noto Sans KR package. */
export const resolveKoreanFont = (env: Readonly<Record<string, string | undefined>>): PdfFonts | KoreanFontMissing => {
  const explicit = env[FONT_ENV]
  if (explicit) return existsSync(explicit) ? { regular: explicit, bold: explicit } : new KoreanFontMissing({ tried: [`${FONT_ENV}=${explicit}`] })
  const require = createRequire(import.meta.url)
  try {
    const regular = require.resolve(FONT_FILES.regular)
    let bold = regular
    try {
      bold = require.resolve(FONT_FILES.bold)
    } catch {
      // Regular for headings too.
    }
    return { regular, bold }
  } catch {
    return new KoreanFontMissing({ tried: [`${FONT_ENV} (unset)`, KOREAN_FONT_PACKAGE] })
  }
}

const A5: [number, number] = [419.53, 595.28]
const MARGINS = { top: 56, bottom: 60, left: 50, right: 50 }
const BODY_SIZE = 10.5
const TOC_ROW = 20

/**
 * A5 book: title page, table of contents (with page numbers, linked), one chapter per
 * episode starting on a new page, an outline (bookmark) per episode, page numbers in the
 * footer. The font is embedded (subset) with its Unicode map, so text extraction gives the
 * Hangul back.
 */
export const buildPdf = (book: Book, fonts: PdfFonts): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const modified = new Date(book.modified)
    const doc = new PDFDocument({
      size: A5,
      margins: MARGINS,
      bufferPages: true,
      autoFirstPage: false,
      lang: book.project.language,
      displayTitle: true,
      info: {
        Title: book.project.title,
        Author: book.creator,
        Subject: book.project.genre,
        Creator: "novel-factory",
        Producer: "novel-factory (pdfkit)",
        CreationDate: modified,
        ModDate: modified,
      },
    })
    const chunks: Array<Buffer> = []
    doc.on("data", (c: Buffer) => chunks.push(c))
    doc.on("end", () => resolve(Buffer.concat(chunks)))
    doc.on("error", reject)
    try {
      doc.registerFont("body", fonts.regular)
      doc.registerFont("bold", fonts.bold)
      const width = A5[0] - MARGINS.left - MARGINS.right

      // Title page.
      doc.addPage()
      doc.font("bold").fontSize(24).fillColor("#111111")
      doc.text(book.project.title, MARGINS.left, A5[1] * 0.3, { width, align: "center" })
      doc.moveDown(1.5)
      doc.font("body").fontSize(12).fillColor("#444444")
      doc.text(book.project.genre, { width, align: "center" })
      doc.moveDown(0.5)
      doc.text(book.creator, { width, align: "center" })
      const firstNumber = book.chapters[0]!.number
      const lastNumber = book.chapters[book.chapters.length - 1]!.number
      doc.moveDown(0.5)
      doc.text(firstNumber === lastNumber ? `${firstNumber}화` : `${firstNumber}화 – ${lastNumber}화`, { width, align: "center" })
      doc.fillColor("#111111")

      // Table of contents: reserve its pages now, fill them in once chapter pages are known.
      const tocHeadingSpace = 60
      const rowsFirst = Math.floor((A5[1] - MARGINS.top - MARGINS.bottom - tocHeadingSpace) / TOC_ROW)
      const rowsNext = Math.floor((A5[1] - MARGINS.top - MARGINS.bottom) / TOC_ROW)
      const tocPages = book.chapters.length <= rowsFirst ? 1 : 1 + Math.ceil((book.chapters.length - rowsFirst) / rowsNext)
      const tocStart = doc.bufferedPageRange().count
      for (let i = 0; i < tocPages; i++) doc.addPage()
      doc.switchToPage(tocStart)
      doc.outline.addItem("목차")

      // Chapters.
      const starts: Array<number> = []
      book.chapters.forEach((chapter, i) => {
        doc.addPage()
        starts.push(doc.bufferedPageRange().count - 1)
        doc.addNamedDestination(`ep-${chapter.number}`)
        doc.outline.addItem(chapter.title)
        doc.font("bold").fontSize(16)
        doc.text(chapter.title, MARGINS.left, MARGINS.top + 20, { width, align: "center" })
        doc.moveDown(1.5)
        doc.font("body").fontSize(BODY_SIZE)
        for (const block of chapter.blocks) {
          switch (block.kind) {
            case "heading":
              doc.moveDown(0.5)
              doc.font("bold").fontSize(12).text(block.text, MARGINS.left, doc.y, { width })
              doc.moveDown(0.5)
              doc.font("body").fontSize(BODY_SIZE)
              break
            case "break":
              doc.moveDown(0.5)
              doc.text("* * *", MARGINS.left, doc.y, { width, align: "center" })
              doc.moveDown(0.5)
              break
            case "paragraph":
              doc.text(plainText(block.inlines), MARGINS.left, doc.y, {
                width,
                align: "justify",
                lineGap: 4,
                paragraphGap: 5,
                indent: block.dialogue ? 0 : BODY_SIZE,
              })
              break
          }
        }
        void i
      })

      // Fill in the table of contents.
      let page = tocStart
      doc.switchToPage(page)
      doc.font("bold").fontSize(16).text("목차", MARGINS.left, MARGINS.top, { width, align: "center" })
      let y = MARGINS.top + tocHeadingSpace
      doc.font("body").fontSize(BODY_SIZE)
      book.chapters.forEach((chapter, i) => {
        if (y + TOC_ROW > A5[1] - MARGINS.bottom) {
          page++
          doc.switchToPage(page)
          y = MARGINS.top
        }
        const destination = `ep-${chapter.number}`
        const pageNumber = String(starts[i]! + 1)
        doc.text(chapter.title, MARGINS.left, y, { width: width - 40, lineBreak: false, ellipsis: true, goTo: destination })
        doc.text(pageNumber, MARGINS.left, y, { width, align: "right", lineBreak: false, goTo: destination })
        y += TOC_ROW
      })

      // Page numbers on every page but the title page.
      const range = doc.bufferedPageRange()
      for (let p = range.start + 1; p < range.start + range.count; p++) {
        doc.switchToPage(p)
        const bottom = doc.page.margins.bottom
        doc.page.margins.bottom = 0
        doc.font("body").fontSize(8).fillColor("#666666")
        doc.text(String(p + 1), MARGINS.left, A5[1] - 36, { width, align: "center", lineBreak: false })
        doc.fillColor("#111111")
        doc.page.margins.bottom = bottom
      }
      doc.flushPages()
      doc.end()
    } catch (error) {
      reject(error)
    }
  })
