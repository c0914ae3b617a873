import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Bible } from "../../src/domain/Bible.ts"
import { Project } from "../../src/domain/Project.ts"
import { parseBeat } from "../../src/templates/BeatMarkers.ts"
import {
  defaultTemplateDir,
  listTemplates,
  loadAllTemplates,
  loadTemplate,
  loadTemplateFile,
  projectFromTemplate,
  type TemplateError,
} from "../../src/templates/TemplateLoader.ts"

const dir = mkdtempSync(join(tmpdir(), "nf-templates-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A small valid template; each test breaks one thing. Line numbers below refer to this text. */
const VALID = `name: tiny
genre: 판타지
title: 작은 이야기
premise: 한 소녀가 검을 얻는다.
tone: 담담하다.
styleRules: []
lengthBand: { min: 100, max: 200 }
bannedWords: [스마트폰]
cast:
  - id: hero
    name: 서윤하
    role: 주인공
    traits: [고집]
  - id: guard
    name: 한태주
    aliases: [태주]
    role: 호위
    traits: [충성심]
places:
  - { id: ruin, name: 폐허, description: 무너진 검장. }
worldRules: [죽은 자는 돌아오지 않는다.]
relations:
  - { from: guard, to: hero, type: SERVES }
beats:
  - 윤하가 검을 뽑는다.
  - "태주가 쓰러진다. [사망: guard]"
`

const write = (name: string, text: string): string => {
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

const failure = (file: string) => Effect.flip(loadTemplateFile(file))

const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1

describe("TemplateLoader", () => {
  it.effect("lists and loads every shipped template", () =>
    Effect.gen(function* () {
      const entries = yield* listTemplates()
      expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(["fantasy_kr", "modern_noir", "romance_comedy"]))
      const all = yield* loadAllTemplates()
      expect(all.length).toBe(entries.length)
      for (const { template } of all) {
        expect(template.lengthBand).toEqual({ min: 5000, max: 5500 })
        expect(template.cast.length).toBeGreaterThanOrEqual(5)
        expect(template.cast.length).toBeLessThanOrEqual(8)
        expect(template.places.length).toBeGreaterThanOrEqual(4)
        expect(template.beats.length).toBeGreaterThanOrEqual(12)
        expect(template.bannedWords.length).toBeGreaterThan(0)
        for (const c of template.cast) expect(c.name).toMatch(/^[가-힣]+$/)
      }
      // at least one template declares a death with the beat marker syntax
      const markers = all.flatMap(({ template }) => template.beats.flatMap((b) => parseBeat(b).markers))
      expect(markers.some((m) => m._tag === "Status" && m.status === "dead")).toBe(true)
      expect(markers.some((m) => m._tag === "Relation")).toBe(true)
    }))

  it.effect("loads by file name, dashed name or path", () =>
    Effect.gen(function* () {
      const a = yield* loadTemplate("fantasy_kr")
      const b = yield* loadTemplate("fantasy-kr")
      const c = yield* loadTemplate(join(defaultTemplateDir, "fantasy_kr.yaml"))
      expect(a.template).toEqual(b.template)
      expect(a.template).toEqual(c.template)
      const custom = yield* loadTemplate("tiny", { dir: (write("tiny.yaml", VALID), dir) })
      expect(custom.template.name).toBe("tiny")
      const err = yield* Effect.flip(loadTemplate("no-such-genre"))
      expect(err._tag).toBe("TemplateError")
      expect(err.message).toContain("no template 'no-such-genre'")
      expect(err.message).toContain("fantasy_kr")
    }))

  it.effect("projectFromTemplate yields a consistent project and Bible", () =>
    Effect.gen(function* () {
      for (const { template } of yield* loadAllTemplates()) {
        const { project, bible } = projectFromTemplate(template, { slug: "my-story", seed: 42, now: 1_700_000_000_000 })
        // both decode with the domain schemas
        expect(Schema.decodeUnknownSync(Project)(project)).toEqual(project)
        expect(Schema.decodeUnknownSync(Bible)(bible)).toEqual(bible)
        expect(project.title).toBe(template.title)
        expect(project.language).toBe("ko")
        expect(project.beats).toEqual(template.beats)
        const ids = [...bible.characters, ...bible.places, ...bible.factions, ...bible.items].map((x) => x.id)
        expect(new Set(ids).size).toBe(ids.length)
        for (const r of bible.relations) {
          expect(ids).toContain(r.from)
          expect(ids).toContain(r.to)
          expect(r.since).toBe(0)
        }
        for (const c of bible.characters) {
          expect(c.firstEpisode).toBe(0)
          expect(c.status).toBe("alive")
        }
        expect(bible.events).toEqual([])
      }
      const titled = projectFromTemplate((yield* loadTemplate("modern_noir")).template, { slug: "x", title: "다른 제목", seed: 1, now: 0 })
      expect(titled.project.title).toBe("다른 제목")
    }))

  describe("a broken template is refused with file, line and key", () => {
    const expectError = (err: TemplateError, file: string, line: number, key: string, detail: RegExp) => {
      expect(err._tag).toBe("TemplateError")
      expect(err.line).toBe(line)
      expect(err.key).toBe(key)
      expect(err.file.endsWith(file.split("/").pop()!)).toBe(true)
      expect(err.message.split("\n")[0]).toMatch(new RegExp(`${err.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${line}: ${key.replace(/[[\].]/g, "\\$&")}${key === "" ? "" : ": "}`))
      expect(err.message).toMatch(detail)
    }

    it.effect("the valid fixture loads", () =>
      Effect.gen(function* () {
        const ok = yield* loadTemplateFile(write("valid.yaml", VALID))
        expect(ok.template.cast.length).toBe(2)
      }))

    it.effect("YAML syntax error", () =>
      Effect.gen(function* () {
        const text = VALID.replace("traits: [충성심]", "traits: [충성심")
        const file = write("syntax.yaml", text)
        const err = yield* failure(file)
        expect(err.key).toBe("")
        expect(err.message).toMatch(/YAML syntax error/)
        // the parser notices the unclosed list on that line or the next ones
        expect(err.line).toBeGreaterThanOrEqual(lineOf(text, "traits: [충성심"))
        expect(err.line).toBeLessThanOrEqual(lineOf(text, "traits: [충성심") + 3)
        expect(err.message.startsWith(`${err.file}:${err.line}: YAML syntax error`)).toBe(true)
      }))

    it.effect("an alias bomb is refused at its line, not expanded", () =>
      Effect.gen(function* () {
        const bomb = [
          "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
          ...Array.from({ length: 7 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(10).fill(`*x${i}`).join(", ")}]`),
        ].join("\n")
        const text = `${bomb}\n${VALID}`
        const file = write("bomb.yaml", text)
        const err = yield* failure(file)
        expect(err.key).toBe("")
        // 10 + 10×11 + 10×111 + 10×1111 > 10,000: the fourth line of aliases tips it over
        expect(err.line).toBe(4)
        expect(err.message).toMatch(new RegExp(`^${err.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4: YAML alias \\*x2 expands the document to \\d+ nodes \\(an alias bomb\\?\\)`))
      }))

    it.effect("a missing key", () =>
      Effect.gen(function* () {
        const text = VALID.replace("title: 작은 이야기\n", "")
        const file = write("missing.yaml", text)
        expectError(yield* failure(file), file, 1, "title", /Missing key/)
      }))

    it.effect("a missing key inside a list item points at the item", () =>
      Effect.gen(function* () {
        const text = VALID.replace("    role: 호위\n", "")
        const file = write("missing-role.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "- id: guard"), "cast[1].role", /Missing key/)
      }))

    it.effect("a wrong type deep inside cast[1]", () =>
      Effect.gen(function* () {
        const text = VALID.replace("traits: [충성심]", "traits: 충성심")
        const file = write("type.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "traits: 충성심"), "cast[1].traits", /Expected array/)
      }))

    it.effect("an empty name", () =>
      Effect.gen(function* () {
        const text = VALID.replace("name: 한태주", 'name: ""')
        const file = write("empty.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, 'name: ""'), "cast[1].name", /Expected a non-empty string/)
      }))

    it.effect("an unknown key", () =>
      Effect.gen(function* () {
        const text = VALID.replace("    role: 호위\n", "    role: 호위\n    rol: 오타\n")
        const file = write("excess.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "rol: 오타"), "cast[1].rol", /Unknown key/)
      }))

    it.effect("a relation to an unknown id", () =>
      Effect.gen(function* () {
        const text = VALID.replace("{ from: guard, to: hero, type: SERVES }", "{ from: guard, to: villain, type: SERVES }")
        const file = write("relation.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "to: villain"), "relations[0].to", /Unknown id 'villain'/)
      }))

    it.effect("an unknown relation type", () =>
      Effect.gen(function* () {
        const text = VALID.replace("type: SERVES", "type: ADORES")
        const file = write("reltype.yaml", text)
        const err = yield* failure(file)
        expectError(err, file, lineOf(text, "type: ADORES"), "relations[0].type", /Expected/)
      }))

    it.effect("duplicate ids", () =>
      Effect.gen(function* () {
        const text = VALID.replace("- id: guard", "- id: hero")
        const file = write("dup.yaml", text)
        expectError(yield* failure(file), file, lineOf(VALID, "- id: guard"), "cast[1].id", /Duplicate id 'hero'/)
      }))

    it.effect("lengthBand.min > max", () =>
      Effect.gen(function* () {
        const text = VALID.replace("{ min: 100, max: 200 }", "{ min: 300, max: 200 }")
        const file = write("band.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "lengthBand"), "lengthBand.min", /min ≤ max/)
      }))

    it.effect("a beat marker naming an unknown character", () =>
      Effect.gen(function* () {
        const text = VALID.replace("[사망: guard]", "[사망: ghost]")
        const file = write("marker.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "[사망: ghost]"), "beats[1]", /unknown character 'ghost'/)
      }))

    it.effect("an unquoted marker (': ' makes a map) is explained", () =>
      Effect.gen(function* () {
        const text = VALID.replace('  - "태주가 쓰러진다. [사망: guard]"', "  - 태주가 쓰러진다. [사망: guard]")
        const file = write("unquoted.yaml", text)
        expectError(yield* failure(file), file, lineOf(text, "태주가 쓰러진다"), "beats[1]", /quote the text/)
      }))

    it.effect("every problem is listed, the first in the message head", () =>
      Effect.gen(function* () {
        const text = VALID.replace("traits: [충성심]", "traits: 충성심").replace("title: 작은 이야기\n", "")
        const file = write("many.yaml", text)
        const err = yield* failure(file)
        expect(err.issues.map((i) => i.key)).toEqual(["title", "cast[1].traits"])
        expect(err.message.split("\n").length).toBe(2)
      }))
  })

  it("the shipped files stay valid YAML with quoted marker beats", () => {
    for (const f of ["fantasy_kr.yaml", "modern_noir.yaml", "romance_comedy.yaml"]) {
      const text = readFileSync(join(defaultTemplateDir, f), "utf8")
      for (const line of text.split("\n")) {
        if (/^\s+- .*\[(사망|관계|생환):/.test(line)) expect(line.trim().startsWith('- "')).toBe(true)
      }
    }
  })
})
