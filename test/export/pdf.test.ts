import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadBook } from "../../src/export/Book.ts"
import { buildPdf, FONT_ENV, KoreanFontMissing, resolveKoreanFont } from "../../src/export/Pdf.ts"
import { fixtureEpisode, seedFactory, storeLayer } from "../support/factoryFixture.ts"
import { testFonts } from "./font.ts"

const run = promisify(execFile)
const root = mkdtempSync(join(tmpdir(), "nf-pdf-"))
const data = join(root, "data")
const EPISODES = 12
beforeAll(() => Effect.runPromise(seedFactory(data, { episodes: EPISODES })), 60_000)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const squash = (s: string) => s.replace(/\s+/g, "")

describe("PDF export", () => {
  it.effect("embeds a Korean font: pdftotext gives the episode text back; title page, contents, outline, page numbers", () =>
    Effect.gen(function* () {
      const fonts = testFonts()
      const book = yield* loadBook("moon-gate").pipe(Effect.provide(storeLayer(data)))
      const t0 = performance.now()
      const pdf = yield* Effect.promise(() => buildPdf(book, fonts))
      const ms = performance.now() - t0
      const file = join(root, "moon-gate.pdf")
      writeFileSync(file, pdf)
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-")

      const { stdout: text } = yield* Effect.promise(() => run("pdftotext", ["-enc", "UTF-8", file, "-"], { maxBuffer: 64 * 1024 * 1024 }))
      const pages = text.split("\f")
      // Title page.
      expect(squash(pages[0]!)).toContain(squash("달의 문 <외전> & 이야기"))
      // Contents, with the page each episode starts on.
      expect(pages[1]).toContain("목차")
      expect(squash(pages[1]!)).toContain(squash("제1화 — 문턱 너머"))
      // Every episode's text (Korean), in full, in order.
      const all = squash(text)
      let at = 0
      for (let n = 1; n <= EPISODES; n++) {
        const episode = fixtureEpisode("moon-gate", n)
        const firstParagraph = episode.body.split("\n\n")[1]!
        const found = all.indexOf(squash(firstParagraph), at)
        expect(found, `episode ${n}`).toBeGreaterThan(at)
        at = found
      }
      expect(all).toContain(squash("“두려워도 가야 해.” 서윤이 답했다. <빛> & '그림자'"))

      // Page numbers in the footers: the last page carries its number.
      const count = pages.filter((p) => p.trim().length > 0).length
      expect(pages[count - 1]!.trim().split("\n").pop()!.trim()).toBe(String(count))

      // Outline: one bookmark per episode plus the contents.
      const { stdout: info } = yield* Effect.promise(() => run("pdfinfo", [file]))
      expect(info).toMatch(/Title:\s+달의 문 <외전> & 이야기/)
      expect(info).toMatch(/Pages:\s+\d+/)
      const raw = pdf.toString("latin1")
      expect(raw).toMatch(/\/FontFile2/)
      expect(raw).toMatch(/\/ToUnicode/)
      const { stdout: xml } = yield* Effect.promise(() => run("pdftohtml", ["-xml", "-i", "-stdout", "-q", file], { maxBuffer: 64 * 1024 * 1024 }))
      const outline = [...xml.matchAll(/<item page="(\d+)">([^<]*)<\/item>/g)].map((m) => ({ page: Number(m[1]), title: m[2]! }))
      expect(outline.map((o) => o.title)).toEqual(["목차", ...book.chapters.map((c) => c.title)])
      // Each bookmark points at the page where pdftotext finds its episode's title at the top.
      for (const o of outline.slice(1)) expect(squash(pages[o.page - 1]!).startsWith(squash(o.title)), o.title).toBe(true)
      console.log(`[pdf] ${EPISODES} episodes → ${pdf.length} bytes, ${info.match(/Pages:\s+(\d+)/)![1]} pages, ${ms.toFixed(0)} ms`)
    }), 120_000)

  it("without the font, the error names the package to install (and the variable to set)", () => {
    const missing = resolveKoreanFont({ [FONT_ENV]: "/nonexistent/font.ttf" })
    expect(missing).toBeInstanceOf(KoreanFontMissing)
    expect((missing as KoreanFontMissing).message).toContain("npm install @expo-google-fonts/noto-sans-kr")
    expect((missing as KoreanFontMissing).message).toContain(FONT_ENV)
  })
})
