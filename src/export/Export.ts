import { randomBytes } from "node:crypto"
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { Data, Effect } from "effect"
import type { StoreUnavailable, StoryStore } from "../story/StoryStore.ts"
import { type Book, type ExportProjectNotFound, loadBook, type NoEpisodes } from "./Book.ts"
import { buildEpub } from "./Epub.ts"
import { blocksToMarkdown } from "./MarkdownExport.ts"
import { buildPdf, KoreanFontMissing, type PdfFonts, resolveKoreanFont } from "./Pdf.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export const EXPORT_FORMATS = ["epub", "pdf", "md"] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export class ExportFailed extends Data.TaggedError("ExportFailed")<{ readonly message: string; readonly cause?: unknown }> {}

export interface ExportRequest {
  readonly slug: string
  readonly format: ExportFormat
  /** File (epub, pdf) or directory (md). Default: `<cwd>/<slug>.epub`, `<cwd>/<slug>.pdf`, `<cwd>/<slug>-md/`. */
  readonly out?: string | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly cwd: string
  /** For the PDF font override (`NOVEL_FACTORY_PDF_FONT`). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Font files to use instead of resolving them (tests). */
  readonly fonts?: PdfFonts | undefined
  readonly creator?: string | undefined
}

export interface ExportResult {
  readonly format: ExportFormat
  /** The file written (epub, pdf) or the index (md). */
  readonly path: string
  readonly files: ReadonlyArray<string>
  readonly bytes: number
  readonly episodes: number
  readonly first: number
  readonly last: number
}

export type ExportError = ExportProjectNotFound | NoEpisodes | StoreUnavailable | KoreanFontMissing | ExportFailed

/** Writes through a temp file and a rename: a reader never sees half a book. */
const writeAtomic = (path: string, bytes: Uint8Array | string): number => {
  mkdirSync(dirname(path), { recursive: true })
  const temp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`)
  try {
    writeFileSync(temp, bytes)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
  return typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length
}

const attempt = <A>(what: string, thunk: () => A): Effect.Effect<A, ExportFailed> =>
  Effect.try({ try: thunk, catch: (error) => new ExportFailed({ message: `${what}: ${errorMessage(error)}`, cause: error }) })

const defaultOut = (slug: string, format: ExportFormat) => (format === "md" ? `${slug}-md` : `${slug}.${format}`)

/** Renders a loaded book in one format and writes it. */
export const writeBook = (book: Book, request: Omit<ExportRequest, "slug" | "from" | "to">): Effect.Effect<ExportResult, KoreanFontMissing | ExportFailed> =>
  Effect.gen(function* () {
    const outRaw = request.out ?? defaultOut(book.project.slug, request.format)
    const out = isAbsolute(outRaw) ? outRaw : resolve(request.cwd, outRaw)
    const summary = {
      format: request.format,
      episodes: book.chapters.length,
      first: book.chapters[0]!.number,
      last: book.chapters[book.chapters.length - 1]!.number,
    }
    switch (request.format) {
      case "epub": {
        const bytes = yield* attempt(`writing ${out}`, () => writeAtomic(out, buildEpub(book)))
        return { ...summary, path: out, files: [out], bytes }
      }
      case "pdf": {
        const fonts = request.fonts ?? resolveKoreanFont(request.env)
        if (fonts instanceof KoreanFontMissing) return yield* fonts
        const pdf = yield* Effect.tryPromise({
          try: () => buildPdf(book, fonts),
          catch: (error) => new ExportFailed({ message: `rendering the PDF: ${errorMessage(error)}`, cause: error }),
        })
        const bytes = yield* attempt(`writing ${out}`, () => writeAtomic(out, pdf))
        return { ...summary, path: out, files: [out], bytes }
      }
      case "md": {
        const rendered = blocksToMarkdown(book)
        let bytes = 0
        const files: Array<string> = []
        for (const file of rendered) {
          const path = join(out, file.name)
          bytes += yield* attempt(`writing ${path}`, () => writeAtomic(path, file.content))
          files.push(path)
        }
        return { ...summary, path: join(out, "index.md"), files, bytes }
      }
    }
  })

/** `novel-factory export`: loads the project's episodes `from`..`to` and writes them as EPUB, PDF or Markdown. */
export const exportBook = (request: ExportRequest): Effect.Effect<ExportResult, ExportError, StoryStore> =>
  Effect.gen(function* () {
    const book = yield* loadBook(request.slug, { from: request.from, to: request.to, creator: request.creator })
    return yield* writeBook(book, request)
  })
