import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { GuardFinding, GuardVerdict } from "../../src/domain/Episode.ts"
import { GuardVerdict as GuardVerdictSchema } from "../../src/domain/Episode.ts"
import { Schema } from "effect"
import { clip, formatFinding, formatVerdict, lineColumn, verdictJson } from "../../src/guard/Findings.ts"
import { guardDraft, type GuardInput, rewardOf } from "../../src/guard/Guard.ts"
import { isNotName, knownNameForms, maskQuotes } from "../../src/guard/Names.ts"
import { fantasy, modern, type World } from "./corpus/worlds.ts"

/** A world with a band that any of these short passages fits. */
const loose = (w: World): World => ({ ...w, project: { ...w.project, lengthBand: { min: 1, max: 100_000 } } })
const F = loose(fantasy)
const M = loose(modern)

const guard = (text: string, world: World = F, extra: Partial<GuardInput> = {}): GuardVerdict =>
  guardDraft({ text, episode: 1, project: world.project, bible: world.bible, recent: [], ...extra } as GuardInput)

const only = (v: GuardVerdict, code: string): Array<GuardFinding> => v.findings.filter((f) => f.code === code)

/** Every finding's evidence is a span of the text. */
const expectHonestEvidence = (text: string, v: GuardVerdict) => {
  for (const f of v.findings) if (f.evidence) expect(text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
}

const CLEAN = `# 제1화 새벽의 강

새벽안개가 강 위에 낮게 깔려 있었다. 서윤하는 나룻배의 뱃전에 앉아 물살을 바라보았다.

“윤하야, 저기 성벽이 보여.”

한태주가 말했다. 윤하는 고개를 끄덕이고 월광검을 고쳐 안았다.`

describe("guard: a clean draft", () => {
  it("is accepted with reward 1 and no findings", () => {
    const v = guard(CLEAN)
    expect(v.findings).toEqual([])
    expect(v.reward).toBe(1)
    expect(v.accepted).toBe(true)
    expect(Schema.decodeUnknownSync(GuardVerdictSchema)(v)).toEqual(v)
  })
})

describe("guard: length", () => {
  const band = (min: number, max: number): World => ({ ...fantasy, project: { ...fantasy.project, lengthBand: { min, max } } })

  it("reports a draft below the band, with the draft as evidence", () => {
    const text = "\n  짧은 글이다.  \n"
    const v = guard(text, band(100, 200))
    const [f] = only(v, "length.short")
    expect(f.category).toBe("length")
    expect(f.severity).toBe("error")
    expect(f.evidence?.text).toBe("짧은 글이다.")
    expectHonestEvidence(text, v)
    expect(v.accepted).toBe(false)
  })

  it("reports a draft above the band, with everything past the max as evidence", () => {
    const text = "가나다\n라마바사"
    const v = guard(text, band(1, 5))
    const [f] = only(v, "length.long")
    expect(f.category).toBe("length")
    expect(f.evidence?.text).toBe("바사") // 5 counted characters (line breaks excluded) are 가나다라마
    expectHonestEvidence(text, v)
  })

  it("counts characters with spaces, NFC, line breaks excluded: the band is inclusive", () => {
    expect(only(guard("가 나\n다", band(4, 4)), "length.short")).toEqual([])
    expect(only(guard("가 나\n다", band(4, 4)), "length.long")).toEqual([])
    expect(only(guard("가 나\n다".normalize("NFD"), band(4, 4)), "length.long")).toEqual([])
  })
})

describe("guard: banned words", () => {
  it("reports every occurrence, case-insensitively, with project and extra words", () => {
    const text = "윤하는 스마트폰을 꺼냈다. 인터넷은 없었다. 스마트폰이 울렸다. OK, Deus ex machina."
    const v = guard(text, F, { extraBannedWords: ["ok", "deus ex"] })
    const found = only(v, "banned-word")
    expect(found.map((f) => f.evidence?.text)).toEqual(["스마트폰", "인터넷", "스마트폰", "OK", "Deus ex"])
    for (const f of found) {
      expect(f.category).toBe("style")
      expect(f.severity).toBe("error")
    }
    expectHonestEvidence(text, v)
  })

  it("matches a short banned word only as a word of its own (with particles)", () => {
    const world: World = { ...F, project: { ...F.project, bannedWords: ["헐"] } }
    const text = "그는 숨을 헐떡였다. “헐, 진짜요?” 헐이라니."
    const found = only(guard(text, world), "banned-word")
    expect(found.map((f) => f.evidence?.text)).toEqual(["헐", "헐"])
    expect(found.map((f) => f.evidence?.start)).toEqual([text.indexOf("헐,"), text.indexOf("헐이라니")])
  })
})

describe("guard: Hangul share", () => {
  it("reports a Korean draft with too little Hangul; evidence is the longest Hangul-free stretch", () => {
    const text = "윤하는 두루마리를 펼쳤다. The moon keeps the sword of the one born of the blood, and the old gate opens at the full moon. 백린이 읽었다."
    const v = guard(text)
    const [f] = only(v, "language.hangul-share")
    expect(f.category).toBe("language")
    expect(f.severity).toBe("error")
    expect(f.evidence?.text).toBe("The moon keeps the sword of the one born of the blood, and the old gate opens at the full moon")
    expectHonestEvidence(text, v)
  })

  it("accepts a few foreign words and ignores non-Korean projects", () => {
    expect(only(guard("블루문 바의 간판에서 N 하나가 꺼져 있었다. 그는 OK라고 말하지 않았다."), "language.hangul-share")).toEqual([])
    const en: World = { ...F, project: { ...F.project, language: "en" } }
    expect(only(guard("An English draft.", en), "language.hangul-share")).toEqual([])
  })

  it("honours the threshold option", () => {
    // five Latin words: fewer would be let pass as a few foreign words, whatever their letters
    const text = "가나다라마바사아자차카타파하 ab cd ef gh ij"
    expect(only(guard(text, F, { options: { minHangulShare: 0.5 } }), "language.hangul-share")).toEqual([])
    expect(only(guard(text, F, { options: { minHangulShare: 0.6 } }), "language.hangul-share")).toHaveLength(1)
  })
})

describe("guard: unknown names", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["speaker of a speech verb", "“따라오시오.”\n\n박무영이 말했다. 윤하는 그를 따라갔다.", "박무영"],
    ["speaker with a hypocoristic 이", "“같이 가.”\n\n민준이가 말했다.", "민준"],
    ["speaker after a modifier", "“누구냐.”\n\n칼을 든 강철민은 낮은 목소리로 물었다.", "강철민"],
    ["name before 씨", "“정소희 씨라고 했죠?” 도윤이 물었다.", "정소희"],
    ["name before 님, attached", "“소희님께서 기다리십니다.”", "소희"],
    ["a gesture and a second mention", "강우진은 고개를 끄덕였다. 윤하는 강우진의 도끼질을 바라보았다.", "강우진"],
    ["a vocative and a second mention", "“태식아, 말하지 마!”\n\n태식이의 눈이 반짝였다.", "태식"],
    ["a title and a gesture", "남궁현 공작이 잔을 들었다. 남궁현은 천천히 고개를 돌렸다.", "남궁현"],
  ]
  for (const [what, text, name] of cases) {
    it(`finds ${what}`, () => {
      const v = guard(text, text.includes("도윤") ? M : F)
      const found = only(v, "name.unknown")
      expect(found).toHaveLength(1)
      expect(found[0].category).toBe("characterization")
      expect(found[0].severity).toBe("error")
      expect(found[0].evidence?.text).toBe(name)
      expect(found[0].message).toContain(name)
      expectHonestEvidence(text, v)
    })
  }

  const clean: ReadonlyArray<readonly [string, string]> = [
    ["cast names, aliases, given names, vocatives and titles", "서윤하가 말했다. 윤하는 웃었다. “태주야, 가자.” 한 호위가 고개를 끄덕였다. 백 술사님이 물었다. 연화 공주가 미소 지었다."],
    ["pronouns and role nouns as speakers", "그가 말했다. 그녀는 고개를 저었다. 노인이 물었다. 상인이 말했다. 늙은 뱃사공이 중얼거렸다. 기사단장이 외쳤다. 경비병들이 소리쳤다. 여관 주인이 말했다."],
    ["adnominals before a title or a modified noun", "늙은 공작이 잔을 들었다. 떨리는 목소리로 윤하가 말했다. 작은 목소리로 태주가 대답했다."],
    ["lexical honorifics", "“선생님, 하느님이 보고 계십니다.” 손님이 말했다. “아저씨, 날씨가 좋네요.”"],
    ["a single weak hint", "“괜찮아, 걱정 마.” 윤하가 말했다. “좋아, 가자.”"],
    ["places and items as subjects", "월하성이 불타고 있었다. 흑월회가 움직였다. 월광검이 울었다."],
  ]
  for (const [what, text] of clean) {
    it(`does not flag ${what}`, () => {
      expect(only(guard(text), "name.unknown")).toEqual([])
    })
  }

  it("knows given names and alias words", () => {
    const forms = knownNameForms(fantasy.bible.characters)
    for (const f of ["서윤하", "윤하", "한태주", "태주", "호위", "백린", "도진명", "진명", "노인", "오라버니"]) expect(forms.has(f)).toBe(true)
  })

  it("has a stop list of common nouns", () => {
    for (const w of ["그녀", "사람들", "남자", "여자", "아이", "소년", "소녀", "노인", "병사", "기사", "경비병", "사냥꾼", "문지기", "기사단장"]) {
      expect(isNotName(w)).toBe(true)
    }
    for (const w of ["박무영", "민규", "강우진", "김민수", "이지원"]) expect(isNotName(w)).toBe(false)
  })
})

describe("guard: dead characters", () => {
  it("reports a dead character who speaks", () => {
    const text = "발소리가 들렸다.\n\n“많이 컸구나, 윤하야.”\n\n서진우가 말했다. 그는 허리에 손을 얹고 서 있었다."
    const v = guard(text)
    const [f] = only(v, "character.dead-acts")
    expect(f.category).toBe("timeline-plot")
    expect(f.severity).toBe("error")
    expect(f.evidence?.text).toBe("서진우가 말했다.")
    expect(f.message).toContain("서진우")
    expectHonestEvidence(text, v)
  })

  it("reports a dead character who acts (alias, far from the verb)", () => {
    const text = "창고 뒤편에서 철문이 삐걱거렸다.\n\n예담은 옥상 문 앞에 서서 두 사람을 향해 고개를 끄덕였다."
    const v = guard(text, M)
    const [f] = only(v, "character.dead-acts")
    expect(f.evidence?.text).toBe("예담은 옥상 문 앞에 서서 두 사람을 향해 고개를 끄덕였다.")
    expectHonestEvidence(text, v)
  })

  it("reports a dead character's voice heard in the scene", () => {
    const text = "바람이 멈췄다. 서진우의 목소리가 제단 너머에서 또렷하게 들려왔다."
    const [f] = only(guard(text), "character.dead-acts")
    expect(f.evidence?.text).toBe("서진우의 목소리가 제단 너머에서 또렷하게 들려왔다.")
  })

  it("accepts a dead character remembered, mourned, dreamt of, or spoken about", () => {
    const texts = [
      "윤하는 무덤 앞에 섰다. 진우는 늘 그녀보다 한 걸음 앞에서 걸었다.",
      "기억 속의 진우가 말했다. 검은 마음으로 쥐는 것이라고.",
      "진우는 웃으며 손을 흔들곤 했다.",
      "꿈에서 진우가 그녀를 불렀다.",
      "진우가 죽은 지 삼 년이 지났다.",
      "“진우가 살아 있었다면 뭐라고 말했을까.”",
      "진우가 남긴 검을 윤하가 휘둘렀다.",
      "윤하는 진우를 떠올렸다. 진우는 그날도 웃었다.",
    ]
    for (const t of texts) expect(only(guard(t), "character.dead-acts")).toEqual([])
  })

  it("lets a recap of a recent episode retell what the dead did", () => {
    const before = "# 제7화\n\n서진우는 윤하에게 낡은 검을 내밀었다. 그날 밤 그는 돌아오지 않았다."
    const text = "# 제8화\n\n서진우는 윤하에게 낡은 검을 내밀었다. 그리고 시간은 흘렀다.\n\n윤하는 검을 닦았다."
    expect(only(guard(text), "character.dead-acts")).toHaveLength(1)
    expect(only(guard(text, F, { recent: [{ number: 7, body: before }] }), "character.dead-acts")).toEqual([])
  })

  it("does not confuse the living with the dead", () => {
    expect(only(guard("윤하가 말했다. 태주가 웃었다."), "character.dead-acts")).toEqual([])
  })
})

describe("guard: repetition", () => {
  const previous = `# 제11화 안개 나루의 밤

나루터 끝의 주막에서는 기름 타는 냄새가 흘러나왔다. 주모는 두 사람을 힐끗 보더니 구석 자리를 턱짓으로 가리켰다. 창밖으로는 안개가 물결처럼 밀려와 등불 하나하나를 삼키고 있었다.`

  it("reports a passage copied from a recent episode, with the copy as evidence", () => {
    const copied = "주모는 두 사람을 힐끗 보더니 구석 자리를 턱짓으로 가리켰다. 창밖으로는 안개가 물결처럼 밀려와 등불 하나하나를 삼키고 있었다."
    const text = `# 제12화 다시 나루로\n\n윤하는 창가에 앉았다. 그날 밤도 ${copied.replace("턱짓으로 ", "턱짓으로\n")}\n\n태주가 짐을 꾸렸다.`
    const v = guard(text, F, { recent: [{ number: 11, body: previous }] })
    const [f] = only(v, "repetition.recent")
    expect(f.category).toBe("repetition")
    expect(f.severity).toBe("error")
    expect(f.evidence?.text.replace(/\s+/g, " ")).toBe(copied)
    expectHonestEvidence(text, v)
  })

  it("does not report shared names and stock phrases", () => {
    const text = "# 제12화 나루\n\n주모는 두 사람을 보았다. 안개가 밀려왔다. 서윤하는 고개를 끄덕였다. 한태주는 말없이 그녀의 뒤를 따랐다."
    expect(only(guard(text, F, { recent: [{ number: 11, body: previous }] }), "repetition.recent")).toEqual([])
  })

  it("does not count a recap of a recent episode's summary, nor text quoted from the Bible", () => {
    const recap = "주모는 두 사람을 힐끗 보더니 구석 자리를 턱짓으로 가리켰다. 창밖으로는 안개가 물결처럼 밀려와 등불 하나하나를 삼키고 있었다."
    const text = `# 제12화 다시 나루로\n\n${recap}\n\n윤하는 창가에 앉았다.`
    const withSummary = guard(text, F, { recent: [{ number: 11, body: previous, summary: recap }] })
    expect(only(withSummary, "repetition.recent")).toEqual([])
    const place = "강 하류의 나루터. 새벽마다 짙은 안개가 끼어 쫓기는 자들이 숨어들기 좋은 곳이라 이름도 안개 나루였다."
    const world: World = {
      ...F,
      bible: { ...F.bible, places: [{ id: "angae-naru", name: "안개 나루", description: place }] },
    }
    const v = guard(`# 제13화\n\n${place}\n\n윤하는 걸었다.`, world, { recent: [{ number: 12, body: `# 제12화\n\n${place}\n\n태주가 웃었다.` }] })
    expect(only(v, "repetition.recent")).toEqual([])
  })

  it("reports a passage repeated within the draft (the later copy)", () => {
    const para = "성벽 위의 등불이 하나둘 꺼지기 시작했다. 서윤하는 망루의 그늘에 몸을 숨기고 순찰병들이 지나가기를 기다렸다. 발소리가 멀어질 때마다 그녀는 숨을 내쉬었다."
    const text = `${para}\n\n“이 길이 맞습니까?”\n\n${para}`
    const v = guard(text)
    const [f] = only(v, "repetition.internal")
    expect(f.category).toBe("repetition")
    expect(f.severity).toBe("error")
    expect(f.evidence?.text).toBe(para)
    expect(f.evidence?.start).toBe(text.lastIndexOf(para))
    expectHonestEvidence(text, v)
  })

  it("a shorter repetition is a warning", () => {
    const s = "등불이 하나둘 꺼지기 시작했고 바람은 점점 거세졌다."
    const v = guard(`${s} 그리고 ${s}`, F, { options: { internalPassageWarning: 20, internalPassageError: 60 } })
    expect(only(v, "repetition.internal")[0].severity).toBe("warning")
  })
})

describe("guard: reward, acceptance and plugins", () => {
  it("reward = 0.6^errors × 0.9^warnings", () => {
    expect(rewardOf([])).toBe(1)
    expect(rewardOf([{ severity: "error" }])).toBeCloseTo(0.6)
    expect(rewardOf([{ severity: "warning" }, { severity: "warning" }])).toBeCloseTo(0.81)
    expect(rewardOf([{ severity: "error" }, { severity: "warning" }])).toBeCloseTo(0.54)
    fc.assert(fc.property(fc.array(fc.constantFrom("error" as const, "warning" as const)), (sev) => {
      const r = rewardOf(sev.map((severity) => ({ severity })))
      return r >= 0 && r <= 1
    }))
  })

  const warn = (n: number) => (): Array<GuardFinding> =>
    Array.from({ length: n }, () => ({ code: "style.plugin", category: "style" as const, severity: "warning" as const, message: "meh" }))

  it("accepts warnings up to the threshold, never an error", () => {
    expect(guard(CLEAN, F, { extraChecks: [warn(4)] }).accepted).toBe(true) // 0.9^4 = 0.656
    expect(guard(CLEAN, F, { extraChecks: [warn(5)] }).accepted).toBe(false) // 0.59
    expect(guard(CLEAN, F, { extraChecks: [warn(5)], options: { acceptThreshold: 0.5 } }).accepted).toBe(true)
    const err = () => [{ code: "x", category: "style" as const, severity: "error" as const, message: "no" }]
    expect(guard(CLEAN, F, { extraChecks: [err], options: { acceptThreshold: 0 } }).accepted).toBe(false)
  })

  it("runs extra checks with the context, repairs their evidence and survives their crashes", () => {
    const text = CLEAN
    const v = guard(text, F, {
      extraChecks: [
        {
          name: "no-dawn",
          check: (ctx) => {
            const i = ctx.text.indexOf("새벽")
            return [{ code: "style.dawn", category: "style", severity: "warning", message: "dawn again", evidence: { start: i, end: i + 2, text: "wrong" } }]
          },
        },
        () => {
          throw new Error("boom")
        },
      ],
    })
    const dawn = only(v, "style.dawn")[0]
    expect(dawn.evidence?.text).toBe("새벽")
    const crash = only(v, "check.crashed")[0]
    expect(crash.severity).toBe("warning")
    expect(crash.message).toContain("boom")
    expect(v.reward).toBeCloseTo(0.81)
  })

  it("gives offsets into the NFC text", () => {
    const text = "윤하는 스마트폰을 꺼냈다.".normalize("NFD")
    const [f] = only(guard(text), "banned-word")
    expect(text.normalize("NFC").slice(f.evidence!.start, f.evidence!.end)).toBe("스마트폰")
  })

  it("every finding's evidence is a span of the text, whatever the text", () => {
    const unit = fc.constantFrom("윤하", "진우가", " 말했다.", "스마트폰", "“", "”", "\n\n", "박무영이", " 씨", "abc ", "고개를 끄덕였다.", "…")
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
      const v = guard(text)
      return v.findings.every((f) => f.evidence === undefined || text.normalize("NFC").slice(f.evidence.start, f.evidence.end) === f.evidence.text)
    }), { numRuns: 200 })
  })
})

describe("findings for the CLI", () => {
  const text = "첫 줄\n윤하는 스마트폰을 꺼냈다."
  const v = guard(text)

  it("prints each finding with line:column and evidence, then the reward", () => {
    const out = formatVerdict(v, { text })
    expect(out).toContain("error    banned-word  [style]  2:5  banned word \"스마트폰\"")
    expect(out).toContain("    > 스마트폰")
    expect(out).toMatch(/rejected — reward 0\.600 \(1 error, 0 warnings\)$/)
    expect(formatFinding({ code: "c", category: "style", severity: "warning", message: "m" })).toBe("warning  c  [style]  m")
  })

  it("prints the verdict as JSON", () => {
    expect(JSON.parse(verdictJson(v))).toEqual(v)
  })

  it("clips long evidence and finds line and column", () => {
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 })
    expect([...clip("가".repeat(200), 21)].length).toBe(21)
    expect(clip("a\nb")).toBe("a ⏎ b")
  })

  it("masks quotes without moving offsets", () => {
    const t = "그가 “가자.” 말했다 ‘생각’ 끝"
    const m = maskQuotes(t)
    expect(m.length).toBe(t.length)
    expect(m).toBe(`그가 ${" ".repeat(5)} 말했다 ${" ".repeat(4)} 끝`)
  })
})
