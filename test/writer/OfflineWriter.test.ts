import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import type { Character } from "../../src/domain/Bible.ts"
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { composeEpisode, estimateTokens, OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { josa } from "../../src/text/Particles.ts"
import { beatInPast, pastOfWord } from "../../src/text/Verbs.ts"
import { buildBrief } from "../../src/pipeline/Brief.ts"
import { projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import { formsOf, hangulShare, MEMORY, overlap, runSeries, sentencesOf, summaryOf, templates } from "./helpers.ts"

const briefFor = (t: number, episode: number, options: { seed?: number; draft?: number; dead?: ReadonlyArray<string> } = {}) => {
  const { project, bible } = projectFromTemplate(templates[t], { slug: "story", seed: options.seed ?? 7, now: 0 })
  const dead = new Set(options.dead ?? [])
  const b = { ...bible, characters: bible.characters.map((c) => (dead.has(c.id) ? { ...c, status: "dead" as const } : c)) }
  return { project, bible: b, brief: buildBrief({ project, bible: b, episode, previous: null, draft: options.draft ?? 1, findingsToFix: [], promptAdditions: [] }) }
}

/** The invariants every Korean draft keeps. */
const checkDraft = (text: string, brief: ReturnType<typeof briefFor>["brief"], everyone: ReadonlyArray<Character>) => {
  const n = countCharsWithSpaces(text)
  expect(n, `length ${n}`).toBeGreaterThanOrEqual(brief.lengthBand.min)
  expect(n, `length ${n}`).toBeLessThanOrEqual(brief.lengthBand.max)
  expect(text.split("\n")[0]).toMatch(new RegExp(`^# 제${brief.episode}화 \\S`))
  for (const w of brief.bannedWords) expect(text, `banned word ${w}`).not.toContain(w)
  const cast = new Set(brief.cast.map((c) => c.id))
  for (const c of everyone) {
    if (cast.has(c.id)) continue
    for (const f of formsOf(c)) expect(text, `${f} is not in the cast`).not.toContain(f)
  }
  expect(hangulShare(text)).toBeGreaterThanOrEqual(0.9)
  for (const d of brief.cast.filter((c) => c.status === "dead")) {
    for (const raw of sentencesOf(text)) {
      // a place may carry a person's name (차도윤 사무소): that is no appearance
      const s = brief.places.reduce((acc, p) => acc.split(p.name).join("□"), raw)
      if (formsOf(d).some((f) => s.includes(f))) {
        expect(s.startsWith("“"), `the dead ${d.name} speaks: ${s}`).toBe(false)
        expect(s, `the dead ${d.name} acts: ${s}`).toMatch(MEMORY)
      }
    }
  }
  // dialogue in “ ”, one speaker's line per line; thoughts in ‘ ’
  for (const line of text.split("\n")) {
    if (line.startsWith("“")) expect(line.endsWith("”")).toBe(true)
    if (line.startsWith("‘")) expect(line.endsWith("’")).toBe(true)
  }
}

describe("OfflineWriter.composeEpisode", () => {
  it("is deterministic: same brief, same text; another episode, another text", () => {
    const a = briefFor(0, 3).brief
    expect(composeEpisode(a)).toBe(composeEpisode(a))
    expect(composeEpisode({ ...a })).toBe(composeEpisode(structuredClone(a)))
    expect(composeEpisode(briefFor(0, 4).brief)).not.toBe(composeEpisode(a))
    expect(composeEpisode(briefFor(0, 3, { seed: 8 }).brief)).not.toBe(composeEpisode(a))
  })

  for (const [t, template] of templates.entries()) {
    it(`${template.name}: episodes 1..30 keep every invariant and share little text`, () => {
      const series = runSeries(template, 30)
      const { bible } = projectFromTemplate(template, { slug: "s", seed: 7, now: 0 })
      let worst = 0
      for (const p of series) {
        checkDraft(p.text, p.brief, bible.characters)
        // no sentence repeats within an episode
        const seen = new Set<string>()
        for (const s of sentencesOf(p.text)) {
          if (s.length < 12) continue
          expect(seen.has(s), `repeated: ${s}`).toBe(false)
          seen.add(s)
        }
      }
      for (let i = 1; i < series.length; i++) worst = Math.max(worst, overlap(series[i - 1].text, series[i].text))
      expect(worst).toBeLessThan(0.15)
      void t
    })
  }

  it("a character who dies in the outline is only remembered afterwards", () => {
    const fantasy = templates.find((t) => t.name === "fantasy-kr")!
    const series = runSeries(fantasy, 14)
    const after = series.filter((p) => p.episode >= 10)
    expect(after[0].bible.characters.find((c) => c.id === "han-taeju")!.status).toBe("dead")
    for (const p of after) checkDraft(p.text, p.brief, p.bible.characters)
    // when the previous summary tells his death, he is in the cast, dead: remembered, never acting
    const { project } = projectFromTemplate(fantasy, { slug: "story", seed: 7, now: 0 })
    for (const seed of [1, 2, 3, 4, 5]) {
      const brief = buildBrief({
        project: { ...project, seed }, bible: after[0].bible, episode: 10, draft: 1, findingsToFix: [], promptAdditions: [],
        previous: {
          project: "story", number: 9, title: "", body: "", charCount: 0, findings: [], reward: 1, drafts: 1, committedAt: 0,
          summary: "한태주는 강무결의 검을 몸으로 막아섰다. 태주는 윤하의 품에서 숨을 거두었다.",
        },
      })
      expect(brief.cast.find((c) => c.id === "han-taeju")!.status).toBe("dead")
      const text = composeEpisode(brief)
      checkDraft(text, brief, after[0].bible.characters)
      expect(text).toMatch(/태주/) // remembered
    }
  })

  it("a redraft with findings differs and avoids the quoted evidence", () => {
    const { brief } = briefFor(1, 5)
    const first = composeEpisode(brief)
    const quoted = sentencesOf(first).filter((s) => s.length > 15).slice(3, 6)
    const findings = quoted.map((text, i) => ({
      code: "repetition.recent",
      category: "repetition" as const,
      severity: "error" as const,
      message: "copied",
      evidence: { start: first.indexOf(text), end: first.indexOf(text) + text.length, text },
    }))
    const second = composeEpisode({ ...brief, draft: 2, findingsToFix: findings })
    expect(second).not.toBe(first)
    for (const q of quoted) expect(second).not.toContain(q)
    expect(overlap(first, second)).toBeLessThan(0.5)
    checkDraft(second, brief, brief.cast)
  })

  it("a character flagged by the guard does not speak in the redraft", () => {
    const { brief } = briefFor(2, 6)
    const lead = brief.cast[1]
    const finding = { code: "character.voice", category: "characterization" as const, severity: "error" as const, message: `${lead.name} is out of character` }
    const text = composeEpisode({ ...brief, draft: 2, findingsToFix: [finding] })
    const tags = text.split("\n").filter((_, i, lines) => i > 0 && lines[i - 1].startsWith("“"))
    for (const tag of tags) for (const f of formsOf(lead)) expect(tag.startsWith(f + "이 ") || tag.startsWith(f + "가 ")).toBe(false)
  })

  it("property: any (template, episode, seed, draft, deaths) stays in band, clean and faithful to the cast", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: templates.length - 1 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
        fc.boolean(),
        (t, episode, seed, draft, deadIdx, withSummary) => {
          const cast = templates[t].cast
          const dead = deadIdx.map((i) => cast[i % cast.length].id)
          const base = briefFor(t, episode, { seed, draft, dead })
          const brief = withSummary
            ? buildBrief({
              project: base.project, bible: base.bible, episode, draft, findingsToFix: [], promptAdditions: [],
              previous: {
                project: "story", number: episode - 1, title: "", body: "", charCount: 0, findings: [], reward: 1, drafts: 1, committedAt: 0,
                summary: summaryOf(composeEpisode(briefFor(t, Math.max(1, episode - 1), { seed, dead }).brief)),
              },
            })
            : base.brief
          const text = composeEpisode(brief)
          checkDraft(text, brief, base.bible.characters)
          expect(composeEpisode(brief)).toBe(text)
        },
      ),
      { numRuns: 150 },
    )
  })

  it("lands inside narrow and unusual bands too", () => {
    const { brief } = briefFor(0, 2)
    for (const band of [{ min: 800, max: 900 }, { min: 2000, max: 2100 }, { min: 9000, max: 9300 }, { min: 300, max: 330 }]) {
      const text = composeEpisode({ ...brief, lengthBand: band })
      const n = countCharsWithSpaces(text)
      expect(n, JSON.stringify(band)).toBeGreaterThanOrEqual(band.min)
      expect(n, JSON.stringify(band)).toBeLessThanOrEqual(band.max)
    }
  })

  it("writes a plainer English draft for other languages", () => {
    const { brief } = briefFor(0, 4)
    const en = {
      ...brief,
      language: "en",
      beat: "Yunha finds the moon sword in the ruined hall.",
      cast: brief.cast.map((c) => ({ ...c, name: c.id === "seo-yunha" ? "Yunha" : c.name, aliases: [], traits: ["stubborn pride"] })),
      places: [{ id: "hall", name: "the ruined hall", description: "" }],
    }
    const text = composeEpisode(en)
    expect(text.split("\n")[0]).toMatch(/^# Episode 4: /)
    const n = countCharsWithSpaces(text)
    expect(n).toBeGreaterThanOrEqual(5000)
    expect(n).toBeLessThanOrEqual(5500)
    expect(text).toContain("Yunha")
    expect(text).toMatch(/“[^”]+”/)
  })

  it("grammar helpers: particles and past tense", () => {
    expect(josa("윤하", "은")).toBe("윤하는")
    expect(josa("서윤하", "이")).toBe("서윤하가")
    expect(josa("한태주", "을")).toBe("한태주를")
    expect(josa("월광검", "을")).toBe("월광검을")
    expect(josa("검장", "으로")).toBe("검장으로")
    expect(josa("서울", "으로")).toBe("서울로")
    expect(josa("바다", "과")).toBe("바다와")
    expect(pastOfWord("뽑는다")).toBe("뽑았다")
    expect(pastOfWord("찾는다")).toBe("찾았다")
    expect(pastOfWord("꺾는다")).toBe("꺾었다")
    expect(pastOfWord("거둔다")).toBe("거뒀다")
    expect(pastOfWord("고민한다")).toBe("고민했다")
    expect(pastOfWord("느낀다")).toBe("느꼈다")
    expect(pastOfWord("된다")).toBe("되었다")
    expect(pastOfWord("맞선다")).toBe("맞섰다")
    expect(pastOfWord("찾아간다")).toBe("찾아갔다")
    expect(pastOfWord("약해진다")).toBe("약해졌다")
    expect(pastOfWord("지새운다")).toBe("지새웠다")
    expect(pastOfWord("감싼다")).toBe("감쌌다")
    expect(pastOfWord("빠르다")).toBeNull()
    // every shipped beat can be told in the past tense
    for (const t of templates) for (const b of t.beats) expect(beatInPast(b.replace(/\[[^\]]*\]/g, "").trim()), b).not.toBeNull()
  })

  it.effect("the LanguageModel layer completes writer requests and refuses others", () =>
    Effect.gen(function* () {
      const lm = yield* LanguageModel
      const { brief } = briefFor(0, 1)
      const c = yield* lm.complete({ stage: "writer", messages: [{ role: "user", content: "write" }], brief })
      expect(c.text).toBe(composeEpisode(brief))
      expect(c.finishReason).toBe("stop")
      expect(c.provider).toBe("offline")
      expect(c.model).toBe("offline-writer-1")
      expect(c.usage.completionTokens).toBe(estimateTokens(c.text))
      expect(c.usage.completionTokens).toBeGreaterThan(3000)
      expect(c.usage.promptTokens).toBeGreaterThan(0)
      expect(c.usage.cachedTokens).toBe(0)
      const err = yield* Effect.flip(lm.complete({ stage: "critic", messages: [] }))
      expect(err._tag).toBe("LlmFatalError")
    }).pipe(Effect.provide(OfflineWriter.layer)))

  it("measures composition throughput (reported, not asserted)", () => {
    const briefs = templates.flatMap((_, t) => Array.from({ length: 20 }, (_, e) => briefFor(t, e + 1).brief))
    for (const b of briefs) composeEpisode(b) // warm up
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    let n = 0
    while (performance.now() - t0 < 1500) composeEpisode(briefs[n++ % briefs.length])
    const wall = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    console.log(`offline writer: ${(n / wall).toFixed(0)} episodes/s wall, ${(n / ((cpu.user + cpu.system) / 1e6)).toFixed(0)} per CPU-second (${n} episodes)`)
    expect(n).toBeGreaterThan(0)
  })
})
