/** The shipped plugins, and `novel-factory plugins list`. */
import { describe, expect, it } from "@effect/vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { pluginsCommand } from "../../src/cli/commands/plugins.ts"
import type { Character } from "../../src/domain/Bible.ts"
import { guardContext, guardDraft } from "../../src/guard/Guard.ts"
import { shippedPluginsDir } from "../../src/plugins/Loader.ts"
import { Plugins } from "../../src/plugins/Plugins.ts"
import { honorificFindings } from "../../plugins/honorifics/index.ts"
import { trimDialogueAdverbs } from "../../plugins/noir_dialogue/index.ts"
import { runCommand } from "../support/cliHarness.ts"

const ch = (id: string, name: string, aliases: ReadonlyArray<string> = []): Character =>
  ({ id, name, aliases: [...aliases], role: "조연", status: "alive", traits: [], firstEpisode: 0 })
const bible = { characters: [ch("cha-doyun", "차도윤", ["도윤"]), ch("yun-sera", "윤세라", ["세라", "윤 기자"]), ch("gwon-haram", "권하람", ["하람"])] }
const project = { language: "ko", lengthBand: { min: 1, max: 10_000 }, bannedWords: [] }
const job = { episode: 1, language: "ko", genre: "modern_noir" }

describe("noir_dialogue", () => {
  it("drops a manner adverb before the speech verb on dialogue tags only", () => {
    const text = [
      "“가.”",
      "노상철이 천천히 속삭였다.",
      "",
      "차도윤은 천천히 말했다고 생각했다.",
      "그는 조용히 문을 닫았다.",
      "“정말?”",
      "세라가 조용히 물었다.",
    ].join("\n")
    const out = trimDialogueAdverbs(text)
    expect(out.split("\n")).toEqual([
      "“가.”",
      "노상철이 속삭였다.",
      "",
      "차도윤은 천천히 말했다고 생각했다.", // not a tag line (no dialogue right before)
      "그는 조용히 문을 닫았다.",
      "“정말?”",
      "세라가 물었다.",
    ])
    expect(trimDialogueAdverbs(out)).toBe(out)
  })
})

describe("honorifics", () => {
  it("flags one speaker addressing one character with both 씨 and 님, with evidence", () => {
    const text = [
      "“세라 씨, 늦었네요.”",
      "도윤이 말했다.",
      "“하람 씨는 어디 있어요?”",
      "세라가 물었다.",
      "“세라 님, 그건 제가 알아볼게요.”",
      "도윤이 대답했다.",
      "“세라 씨, 가요.”",
      "도윤이 말했다.",
    ].join("\n")
    const ctx = guardContext({ text, episode: 1, project, bible, recent: [] })
    const findings = honorificFindings(ctx)
    expect(findings).toHaveLength(1)
    const f = findings[0]!
    expect(f).toMatchObject({ code: "honorific.inconsistent", category: "characterization", severity: "warning" })
    expect(f.evidence!.text).toBe("세라 님")
    expect(text.slice(f.evidence!.start, f.evidence!.end)).toBe("세라 님")
    expect(f.message).toMatch(/차도윤 calls 윤세라 “세라 님” here but “세라 씨” elsewhere/)
  })

  it("says nothing when the speakers differ, or the speaker is unknown", () => {
    const text = ["“세라 씨, 늦었네요.”", "도윤이 말했다.", "“세라 님, 오셨어요.”", "하람이 말했다.", "“세라 님.”", "누군가 불렀다."].join("\n")
    expect(honorificFindings(guardContext({ text, episode: 1, project, bible, recent: [] }))).toEqual([])
  })
})

describe("banned_words_ko and honorifics through the Plugins service", () => {
  it.effect("the data file and per-project options feed the guard; the honorific check runs guarded", () =>
    Effect.gen(function* () {
      const home = mkdtempSync(join(tmpdir(), "nf-shipped-"))
      writeFileSync(
        join(home, "plugins.yaml"),
        [
          "enabled: [banned_words_ko]",
          "projects:",
          "  noir:",
          "    enabled: [honorifics]",
          "    options:",
          "      banned_words_ko: { extraWords: [대박], exclude: [지랄] }",
          "      honorifics: { severity: error }",
        ].join("\n") + "\n",
      )
      const plugins = yield* Plugins.make({ home, dirs: [shippedPluginsDir], stateFile: null })
      const other = yield* plugins.snapshot("other")
      const noir = yield* plugins.snapshot("noir")
      const otherWords = yield* other.bannedWords(job)
      const noirWords = yield* noir.bannedWords(job)
      expect(otherWords).toContain("개새끼")
      expect(otherWords).toContain("지랄")
      expect(otherWords).not.toContain("대박")
      expect(noirWords).toContain("대박")
      expect(noirWords).not.toContain("지랄")
      const text = "“세라 씨, 대박을 터뜨렸네요.”\n도윤이 말했다.\n“세라 님.”\n도윤이 말했다.\n"
      const verdict = guardDraft({ text, episode: 1, project, bible, recent: [], extraBannedWords: noirWords, extraChecks: noir.checks })
      expect(verdict.findings.map((f) => [f.code, f.severity])).toEqual([["banned-word", "error"], ["honorific.inconsistent", "error"]])
      expect(yield* noir.promptAdditions(job)).toHaveLength(2)
      rmSync(home, { recursive: true, force: true })
    }))
})

describe("novel-factory plugins list", () => {
  it("shows each plugin, where it is enabled, and a refused plugin's reason", async () => {
    const home = mkdtempSync(join(tmpdir(), "nf-cli-"))
    mkdirSync(join(home, "plugins", "broken"), { recursive: true })
    writeFileSync(join(home, "plugins", "broken", "index.ts"), "export const register = 'nope'\n")
    writeFileSync(join(home, "plugins.yaml"), "enabled: [banned_words_ko]\nprojects:\n  noir:\n    enabled: [noir_dialogue, broken]\n")
    const run = await runCommand([pluginsCommand], ["plugins", "list"], { FACTORY_HOME: home }, home)
    expect(run.code).toBe(0)
    const lines = run.out.split("\n")
    expect(lines[0]).toMatch(/^plugin\s+status\s+enabled\s+hooks\s+faults\s+last error$/)
    expect(lines.find((l) => l.startsWith("banned_words_ko"))).toMatch(/banned_words_ko\s+on\s+global\s+prompt, banned-words\s+0\s+-/)
    expect(lines.find((l) => l.startsWith("noir_dialogue"))).toMatch(/noir_dialogue\s+on\s+noir\s+prompt, transform/)
    expect(lines.find((l) => l.startsWith("honorifics"))).toMatch(/honorifics\s+off\s+-\s+prompt, check:honorific-consistency/)
    expect(lines.find((l) => l.startsWith("broken"))).toMatch(/broken\s+refused\s+noir.*plugin 'broken' refused: `register` is string/)
    const json = await runCommand([pluginsCommand], ["plugins", "list", "--json"], { FACTORY_HOME: home }, home)
    expect(JSON.parse(json.out).plugins.map((p: { name: string }) => p.name)).toEqual(["banned_words_ko", "broken", "honorifics", "noir_dialogue"])
    rmSync(home, { recursive: true, force: true })
  })
})
