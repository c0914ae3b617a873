import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { inflateRawSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { bookIdentifier, loadBook } from "../../src/export/Book.ts"
import { buildEpub, wrapTitle } from "../../src/export/Epub.ts"
import { crc32 } from "../../src/export/Zip.ts"
import { seedFactory, storeLayer } from "../support/factoryFixture.ts"

const run = promisify(execFile)
/** Debian's `epubcheck` is the jar itself (run through binfmt where configured): call it with java. */
const epubcheck = (() => {
  const path = execFileSync("sh", ["-c", "command -v epubcheck"], { encoding: "utf8" }).trim()
  const real = realpathSync(path)
  return real.endsWith(".jar") ? { command: "java", args: ["-XX:TieredStopAtLevel=1", "-jar", real] } : { command: path, args: [] as Array<string> }
})()
const root = mkdtempSync(join(tmpdir(), "nf-epub-"))
const data = join(root, "data")
beforeAll(() => Effect.runPromise(seedFactory(data, { episodes: 12 })), 60_000)
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Reads the local file headers of a ZIP (enough to check order, method and content). */
const entries = (buf: Buffer) => {
  const out: Array<{ name: string; method: number; extra: number; data: Buffer; crc: number }> = []
  let p = 0
  while (buf.readUInt32LE(p) === 0x04034b50) {
    const method = buf.readUInt16LE(p + 8)
    const crc = buf.readUInt32LE(p + 14)
    const size = buf.readUInt32LE(p + 18)
    const nameLen = buf.readUInt16LE(p + 26)
    const extra = buf.readUInt16LE(p + 28)
    const name = buf.subarray(p + 30, p + 30 + nameLen).toString("utf8")
    const body = buf.subarray(p + 30 + nameLen + extra, p + 30 + nameLen + extra + size)
    out.push({ name, method, extra, crc, data: method === 0 ? body : inflateRawSync(body) })
    p += 30 + nameLen + extra + size
  }
  return out
}

describe("EPUB export", () => {
  it.effect("passes epubcheck with no errors and no warnings", () =>
    Effect.gen(function* () {
      const book = yield* loadBook("moon-gate").pipe(Effect.provide(storeLayer(data)))
      const epub = buildEpub(book)
      const file = join(root, "moon-gate.epub")
      writeFileSync(file, epub)
      const result = yield* Effect.promise(() =>
        run(epubcheck.command, [...epubcheck.args, file, "--json", join(root, "epubcheck.json")], { maxBuffer: 64 * 1024 * 1024 }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
        )
      )
      expect(result.stdout + result.stderr).toContain("No errors or warnings detected")
      const report = JSON.parse(readFileSync(join(root, "epubcheck.json"), "utf8")) as { messages: Array<{ severity: string; ID: string; message: string; locations: Array<{ path: string; line: number }> }> }
      const problems = report.messages.filter((m) => m.severity !== "INFO" && m.severity !== "USAGE")
      expect(problems.map((m) => `${m.severity} ${m.ID} ${m.message} @ ${m.locations.map((l) => `${l.path}:${l.line}`).join(",")}`)).toEqual([])
      expect(result.code).toBe(0)
      console.log(`[epub] ${book.chapters.length} episodes → ${epub.length} bytes`)
    }), 120_000)

  it.effect("mimetype comes first, stored, without extra field; chapters are escaped XHTML; identifier is stable", () =>
    Effect.gen(function* () {
      const book = yield* loadBook("moon-gate", { from: 2, to: 3 }).pipe(Effect.provide(storeLayer(data)))
      const epub = buildEpub(book)
      const files = entries(epub)
      expect(files[0]!.name).toBe("mimetype")
      expect(files[0]!.method).toBe(0)
      expect(files[0]!.extra).toBe(0)
      expect(files[0]!.data.toString()).toBe("application/epub+zip")
      expect(epub.subarray(30, 38).toString()).toBe("mimetype")
      for (const f of files) expect(crc32(f.data)).toBe(f.crc)
      expect(files.map((f) => f.name)).toEqual([
        "mimetype",
        "META-INF/container.xml",
        "OEBPS/content.opf",
        "OEBPS/nav.xhtml",
        "OEBPS/style.css",
        "OEBPS/images/cover.svg",
        "OEBPS/text/cover.xhtml",
        "OEBPS/text/title.xhtml",
        "OEBPS/text/episode-0002.xhtml",
        "OEBPS/text/episode-0003.xhtml",
      ])
      const opf = files[2]!.data.toString()
      expect(opf).toContain(`<dc:identifier id="book-id">${bookIdentifier("moon-gate")}</dc:identifier>`)
      expect(bookIdentifier("moon-gate")).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(bookIdentifier("moon-gate")).not.toBe(bookIdentifier("other"))
      expect(opf).toContain("<dc:language>ko</dc:language>")
      expect(opf).toContain("<dc:title>달의 문 &lt;외전&gt; &amp; 이야기</dc:title>")
      expect(opf).toMatch(/<meta property="dcterms:modified">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/meta>/)
      const chapter = files[8]!.data.toString()
      expect(chapter).toContain("<h1>제2화 — 문턱 너머</h1>")
      expect(chapter).toContain("<h2>두 번째 장면</h2>")
      expect(chapter).toContain(`<p class="dialogue">“두려워도 가야 해.” 서윤이 답했다. &lt;빛&gt; &amp; &#39;그림자&#39;</p>`)
      expect(chapter).toContain(`<hr class="scene-break"/>`)
      expect(files[4]!.data.toString()).toContain("word-break: keep-all")
      expect(files[5]!.data.toString()).toContain("달의 문")
      // Deterministic.
      expect(buildEpub(book).equals(epub)).toBe(true)
    }))

  it("wraps cover titles at spaces, and splits words longer than a line", () => {
    expect(wrapTitle("달의 문 외전 이야기", 6)).toEqual(["달의 문", "외전 이야기"])
    expect(wrapTitle("가나다라마바사아", 3)).toEqual(["가나다", "라마바", "사아"])
  })
})
