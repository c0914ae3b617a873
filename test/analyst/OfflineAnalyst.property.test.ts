/**
 * Properties of the offline analyst on generated texts: fragments of Korean prose (names with
 * particles, status and relation phrases, introduction patterns, dialogue, negations, headings,
 * line breaks) mixed with random syllables and arbitrary Unicode. fast-check prints the seed and
 * the shrunk counterexample of a failure.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { analyzeOffline } from "../../src/analyst/OfflineAnalyst.ts"
import { SUMMARY_MAX, summarizeOffline } from "../../src/analyst/OfflineSummary.ts"
import { Schema } from "effect"
import { characterIdOf, EpisodeAnalysis, placeIdOf } from "../../src/domain/Analysis.ts"
import type { Bible, CharacterStatus } from "../../src/domain/Bible.ts"
import { josa } from "../../src/text/Particles.ts"
import { templateBible } from "./bibles.ts"

const PROSE = [
  "윤하는", "윤하가", "태주가", "태주는", "한태주는", "백린의", "백린을", "백 술사는", "연화 공주가", "이연화를", "흑월 대주는", "무결에게",
  "도진명은", "소월이", "윤하와", "태주와", "그는", "그녀가", "사내가", "아버지는", "마석두는", "하린이", "무진은",
  "숨을 거두었다.", "숨을 거두었다고 믿었다.", "죽었다.", "죽지 않았다.", "죽을 뻔했다.", "죽었다 깨어나도", "목숨을 잃었다.", "전사했다.",
  "베어 죽였다.", "살해했다.", "시신이", "시신을", "싸늘한 시신으로 발견되었다.", "왼팔을 잃었다.", "다리가 부러졌다.", "깊은 상처를 입었다.",
  "마음에", "행방불명되었다.", "사라졌다.", "포로로 잡혔다.", "끌려갔다.", "붙잡혔다.", "손목을", "충성을 맹세했다.", "배신했다.", "사랑한다고 고백했다.",
  "원수로 여겼다.", "월광검이", "검이", "두 동강 났다.", "부러졌다.", "흑월회에 가입했다.", "서리 인장을 손에 넣었다.", "처음 인사를 나누었다.", "헤어졌다.", "의절했다.",
  "이름은 마석두였다.", "무진이라는 사내가", "'흑랑'이라 불리는 자객", "자신을 하린이라고 소개했다.", "“마석두라고 하오.”", "제 이름은 나보람이에요.",
  "하람이라는 작은 마을에", "청운객잔에 도착했다.", "청풍 객잔에 닿았다.", "월하성에 도착했다.", "꿈이었다.", "삼 년 전", "그리고", "끝내", "결국",
  "“죽여 버리겠어.”", "‘살아 있어.’", "“", "”", "\"", "‘", "’", "# 제3화 달빛", "\n", "\n\n", "…", "?", "!", ".", ",", " ",
]

const syllables = fc.array(fc.integer({ min: 0xac00, max: 0xd7a3 }), { minLength: 1, maxLength: 4 }).map((cs) => String.fromCharCode(...cs))
const fragment = fc.oneof(
  { arbitrary: fc.constantFrom(...PROSE), weight: 8 },
  { arbitrary: syllables, weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 6 }), weight: 1 },
)
const separator = fc.constantFrom(" ", " ", " ", "", "\n", ". ")
const text = fc.array(fc.tuple(fragment, separator), { maxLength: 80 }).map((parts) => parts.map(([f, s]) => f + s).join(""))
const STATUSES: ReadonlyArray<CharacterStatus> = ["alive", "alive", "alive", "dead", "injured", "missing", "captured"]

/** A template's Bible with the cast's statuses drawn at random. */
const withStatuses = (bible: Bible) =>
  fc.array(fc.constantFrom(...STATUSES), { minLength: bible.characters.length, maxLength: bible.characters.length })
    .map((statuses): Bible => ({ ...bible, characters: bible.characters.map((c, i) => ({ ...c, status: statuses[i]! })) }))

const evidences = (a: typeof EpisodeAnalysis.Type) =>
  a.deltas.flatMap((d) => (d._tag === "EventHappened" ? (d.evidence === undefined ? [] : [d.evidence]) : [d.evidence]))

describe("offline analyst properties", () => {
  let fantasy: Bible
  let noir: Bible
  beforeAll(async () => {
    fantasy = await templateBible("fantasy_kr")
    noir = await templateBible("modern_noir")
  })
  const bibles = () => fc.oneof(withStatuses(fantasy), withStatuses(noir))

  it("quotes the text exactly in every delta's evidence", () => {
    fc.assert(fc.property(text, bibles(), fc.integer({ min: 1, max: 500 }), (t, bible, episode) => {
      const a = analyzeOffline({ text: t, bible, episode })
      for (const e of evidences(a)) {
        expect(e.start).toBeGreaterThanOrEqual(0)
        expect(e.end).toBeLessThanOrEqual(t.length)
        expect(e.end).toBeGreaterThan(e.start)
        expect(t.slice(e.start, e.end)).toBe(e.text)
      }
      expect(a.episode).toBe(episode)
      expect(a.analyst).toBe("offline")
      // what the lead's stores decode: the analysis is a valid EpisodeAnalysis
      expect(Schema.is(EpisodeAnalysis)(a)).toBe(true)
    }), { numRuns: 400 })
  })

  it("is deterministic, and so is its summary", () => {
    fc.assert(fc.property(text, bibles(), (t, bible) => {
      const a = analyzeOffline({ text: t, bible, episode: 4 })
      const b = analyzeOffline({ text: t, bible, episode: 4 })
      expect(b).toEqual(a)
      const summary = summarizeOffline({ body: t, analysis: a, bible })
      expect(summarizeOffline({ body: t, analysis: b, bible })).toBe(summary)
      expect([...summary].length).toBeLessThanOrEqual(SUMMARY_MAX)
    }), { numRuns: 300 })
  })

  it("gives a newcomer the id of its name, and never re-introduces a Bible name", () => {
    fc.assert(fc.property(text, bibles(), (t, bible) => {
      const a = analyzeOffline({ text: t, bible, episode: 2 })
      const bibleNames = new Set(bible.characters.flatMap((c) => [c.name, ...c.aliases]))
      for (const d of a.deltas) {
        if (d._tag === "CharacterIntroduced") {
          expect(d.id).toBe(characterIdOf(d.name))
          expect(bibleNames.has(d.name)).toBe(false)
        }
        if (d._tag === "PlaceIntroduced") {
          expect(d.id).toBe(placeIdOf(d.name))
          expect(bible.places.some((p) => p.name === d.name)).toBe(false)
        }
      }
    }), { numRuns: 300 })
  })

  it("names no id that is neither in the Bible nor introduced by the same analysis", () => {
    fc.assert(fc.property(text, bibles(), (t, bible) => {
      const a = analyzeOffline({ text: t, bible, episode: 9 })
      const characters = new Set([
        ...bible.characters.map((c) => c.id),
        ...a.deltas.flatMap((d) => (d._tag === "CharacterIntroduced" ? [d.id] : [])),
      ])
      const entities = new Set([
        ...characters,
        ...bible.factions.map((f) => f.id),
        ...bible.items.map((i) => i.id),
        ...bible.places.map((p) => p.id),
        ...a.deltas.flatMap((d) => (d._tag === "PlaceIntroduced" ? [d.id] : [])),
      ])
      const dead = new Set(bible.characters.filter((c) => c.status === "dead").map((c) => c.id))
      for (const d of a.deltas) {
        switch (d._tag) {
          case "StatusChanged":
            expect(characters.has(d.character)).toBe(true)
            // dead is final: nothing more happens to the dead
            expect(dead.has(d.character)).toBe(false)
            break
          case "Appeared":
            expect(characters.has(d.character)).toBe(true)
            expect(dead.has(d.character)).toBe(false)
            break
          case "RelationChanged":
            expect(characters.has(d.from)).toBe(true)
            expect(entities.has(d.to)).toBe(true)
            break
          case "FactNoted":
            for (const x of d.subjects) expect(entities.has(x)).toBe(true)
            break
          case "EventHappened":
            for (const c of d.characters) expect(characters.has(c)).toBe(true)
            if (d.place !== undefined) expect(entities.has(d.place)).toBe(true)
            break
          default:
            break
        }
      }
      expect(a.deltas.filter((d) => d._tag === "EventHappened").length).toBeLessThanOrEqual(5)
    }), { numRuns: 300 })
  })
})

describe("deaths over generated sentences", () => {
  let fantasy: Bible
  beforeAll(async () => {
    fantasy = await templateBible("fantasy_kr")
  })
  const alive = () => fantasy.characters.filter((c) => c.status !== "dead")
  const forms = () => alive().flatMap((c) => [c.name, ...c.aliases].map((form) => ({ id: c.id, form })))

  const NOT_A_DEATH: ReadonlyArray<(topic: string, name: string) => string> = [
    (t) => `${t} 죽지 않았다.`,
    (t) => `${t} 죽을 뻔했다.`,
    (t) => `${t} 하마터면 목숨을 잃을 뻔했다.`,
    (_, n) => `“${n}, 오늘 밤 죽여 버리겠어.”`,
    (_, n) => `모두가 ${josa(n, "이")} 죽었다고 생각했다.`,
    (t) => `꿈속에서 ${t} 숨을 거두었다.`,
    (_, n) => `죽은 줄 알았던 ${josa(n, "이")} 문을 열고 들어왔다.`,
    (t) => `${t} 죽은 척했다.`,
    (t) => `${t} 죽었을지도 모른다.`,
    (t) => `${t} 숨을 거두기 직전이었다.`,
    (t) => `삼 년 전, ${t} 그 전투에서 전사했다.`,
    (_, n) => `“${josa(n, "이")} 숨을 거두었습니다.” 전령이 외쳤다.`,
    (t) => `만약 그때 화살이 빗나가지 않았다면 ${t} 죽었다.`,
    (t) => `${t} 죽음을 각오했다.`,
    (t) => `${t} 죽은 듯이 잠들었다.`,
  ]
  const A_DEATH: ReadonlyArray<(topic: string) => string> = [
    (t) => `${t} 끝내 숨을 거두었다.`,
    (t) => `${t} 그 자리에서 목숨을 잃었다.`,
    (t) => `${t} 싸늘한 시신으로 발견되었다.`,
    (t) => `${t} 적의 칼에 찔려 전사했다.`,
    (t) => `${t} 조용히 숨졌다.`,
  ]
  const FILLER = ["달빛이 고요했다.", "바람이 불었다.", "먼 곳에서 종소리가 울렸다.", "“가자.” 누군가 말했다.", "윤하는 검을 쥐었다."]

  it("reads no death of anyone in sentences that only speak of death", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom(...forms()), fc.constantFrom(...NOT_A_DEATH), fc.constantFrom(...FILLER)), { minLength: 1, maxLength: 6 }),
      (parts) => {
        const text = parts.map(([{ form }, sentence, filler]) => `${sentence(josa(form, "은"), form)} ${filler}`).join("\n\n")
        const deaths = analyzeOffline({ text, bible: fantasy, episode: 3 }).deltas.filter((d) => d._tag === "StatusChanged" && d.status === "dead")
        expect(deaths).toEqual([])
      },
    ), { numRuns: 400 })
  })

  it("reads the death of the one a plain death sentence names", () => {
    fc.assert(fc.property(fc.constantFrom(...forms()), fc.constantFrom(...A_DEATH), fc.constantFrom(...FILLER), ({ id, form }, sentence, filler) => {
      const text = `${filler} ${sentence(josa(form, "은"))}`
      const deaths = analyzeOffline({ text, bible: fantasy, episode: 3 }).deltas.filter((d) => d._tag === "StatusChanged" && d.status === "dead")
      expect(deaths.map((d) => (d._tag === "StatusChanged" ? d.character : ""))).toEqual([id])
    }), { numRuns: 300 })
  })
})
