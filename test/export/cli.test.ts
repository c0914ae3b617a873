import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { makeExportCommand } from "../../src/cli/commands/export.ts"
import { FONT_ENV } from "../../src/export/Pdf.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { configWith, fakeWithFactory, runCommand } from "../support/cliHarness.ts"
import { fixtureBible, fixtureEpisode, fixtureProject, seedFactory, storeLayer } from "../support/factoryFixture.ts"
import { testFonts } from "./font.ts"

const root = mkdtempSync(join(tmpdir(), "nf-export-cli-"))
const home = join(root, "home")
const EPISODES = 8
afterAll(() => rmSync(root, { recursive: true, force: true }))
beforeAll(async () => {
  await Effect.runPromise(seedFactory(home, { episodes: EPISODES }))
  await Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* StoryStore
      yield* store.createProject({ ...fixtureProject("empty-one"), title: "빈 작품" }, fixtureBible())
    }).pipe(Effect.provide(storeLayer(home))),
  )
}, 60_000)

const commands = [makeExportCommand({ withFactory: fakeWithFactory(() => configWith(home)) })]
const cli = (...argv: Array<string>) => runCommand(commands, ["export", ...argv], { FACTORY_HOME: home }, root)

describe("novel-factory export", () => {
  it("md: one file per episode, byte-identical to the committed Markdown, plus an index", async () => {
    const r = await cli("moon-gate", "--format", "md", "--out", "book-md")
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    expect(r.out).toContain(`wrote ${EPISODES + 1} Markdown files (episodes 1–${EPISODES}`)
    const dir = join(root, "book-md")
    expect(readdirSync(dir).sort()).toEqual([...Array.from({ length: EPISODES }, (_, i) => `episode-${String(i + 1).padStart(4, "0")}.md`), "index.md"])
    expect(readFileSync(join(dir, "episode-0003.md"), "utf8")).toBe(`${fixtureEpisode("moon-gate", 3).body}\n`)
    const index = readFileSync(join(dir, "index.md"), "utf8")
    expect(index).toContain("# 달의 문 <외전> & 이야기")
    expect(index).toContain("3. [제3화 — 문턱 너머](episode-0003.md)")
  })

  it("epub with a range, to the default path", async () => {
    const r = await cli("moon-gate", "--from", "2", "--to", "4")
    expect(r.code).toBe(0)
    expect(r.out).toContain("EPUB, episodes 2–4")
    expect(statSync(join(root, "moon-gate.epub")).size).toBeGreaterThan(1000)
  })

  it("pdf with the font from NOVEL_FACTORY_PDF_FONT", async () => {
    const out = join(root, "out.pdf")
    const r = await runCommand(commands, ["export", "moon-gate", "-f", "pdf", "-o", out, "--to", "2"], { FACTORY_HOME: home, [FONT_ENV]: testFonts().regular }, root)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("%PDF-")
  }, 60_000)

  it("a missing font fails with the package to install (exit 1)", async () => {
    const r = await runCommand(commands, ["export", "moon-gate", "-f", "pdf", "-o", join(root, "nofont.pdf")], { FACTORY_HOME: home, [FONT_ENV]: "/no/such/font.ttf" }, root)
    expect(r.code).toBe(1)
    expect(r.err).toContain("npm install @expo-google-fonts/noto-sans-kr")
    expect(existsSync(join(root, "nofont.pdf"))).toBe(false)
  })

  it("an unknown project: message, exit 2", async () => {
    const r = await cli("no-such-novel")
    expect(r.code).toBe(2)
    expect(r.err).toContain("no project 'no-such-novel'")
  })

  it("a project without episodes (or none in the range): says so, exit 1", async () => {
    const empty = await cli("empty-one", "--format", "md")
    expect(empty.code).toBe(1)
    expect(empty.err).toContain("project 'empty-one' has no committed episodes yet")
    const range = await cli("moon-gate", "--from", "50")
    expect(range.code).toBe(1)
    expect(range.err).toContain(`no committed episodes in 50–end (it has ${EPISODES})`)
  })

  it("bad arguments: exit 2 naming the flag", async () => {
    expect((await cli("moon-gate", "--format", "docx")).err).toContain("--format expects one of epub, pdf, md, got 'docx'")
    const r = await cli("moon-gate", "--from", "5", "--to", "3")
    expect(r.code).toBe(2)
    expect(r.err).toContain("--from 5 is after --to 3")
    expect((await cli("moon-gate", "--from", "x")).code).toBe(2)
    expect((await cli("Bad_Slug")).code).toBe(2)
  })
})
