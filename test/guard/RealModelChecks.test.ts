/**
 * The guard against what real models get wrong: the job's episode number (not a guess), copies of
 * any old episode (fingerprints), first-person narration, English mixed in, the dead acting in a
 * scene dated 그날/그때, and statuses other than alive and dead.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Character } from "../../src/domain/Bible.ts"
import type { GuardVerdict } from "../../src/domain/Episode.ts"
import { fingerprintEpisode, guardDraft, type GuardInput, GuardInputInvalid, pointOfViewOf } from "../../src/guard/Guard.ts"
import { hangulStats } from "../../src/text/Hangul.ts"
import { fantasy, mixed, modern, saga, type World } from "./corpus/worlds.ts"

const loose = (w: World): World => ({ ...w, project: { ...w.project, lengthBand: { min: 1, max: 100_000 } } })

const guard = (text: string, world: World, extra: Partial<GuardInput> = {}): GuardVerdict =>
  guardDraft({ text, episode: 2, project: world.project, bible: world.bible, recent: [], ...extra } as GuardInput)

const codes = (v: GuardVerdict) => v.findings.filter((f) => f.severity === "error").map((f) => f.code)

const honest = (text: string, v: GuardVerdict) => {
  for (const f of v.findings) if (f.evidence) expect(text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
}

describe("the job's episode number", () => {
  const S = loose(saga)
  // beat 5 of the outline: 강무결 shows himself
  const beat5 = "흑월 대주 강무결이 처음으로 모습을 드러내고, 윤하의 검을 가볍게 꺾는다."

  it("reads the outline at the job's number, not at the newest recent episode + 1", () => {
    // two episodes (3 and 4) died in the queue: the newest committed is 2, the job is 5
    const recent = [{ number: 2, body: "윤하는 안개 나루를 떠나 월하성으로 향했다." }]
    expect(codes(guard(beat5, S, { episode: 5, recent }))).not.toContain("plot.ahead-of-outline")
    // the same text as episode 3 is two beats early
    const early = guard(beat5, S, { episode: 3, recent })
    expect(codes(early)).toContain("plot.ahead-of-outline")
    expect(early.findings.find((f) => f.code === "plot.ahead-of-outline")!.message).toMatch(/this is episode 3/)
  })

  it("refuses an episode that is no positive integer, naming it", () => {
    for (const episode of [0, -1, 2.5, Number.NaN]) {
      expect(() => guard("윤하는 걸었다.", S, { episode })).toThrow(GuardInputInvalid)
      expect(() => guard("윤하는 걸었다.", S, { episode })).toThrow(/episode must be/)
    }
  })
})

describe("fingerprints and repetition.copy", () => {
  const F = loose(fantasy)
  const episode1 = [
    "안개 나루에 닿았을 때 해는 이미 강 건너로 넘어가 있었다.",
    "서윤하는 젖은 소매를 털며 나루터의 낡은 판자를 밟았다.",
    "판자는 발을 옮길 때마다 늙은 짐승처럼 삐걱거렸다.",
    "한태주는 말없이 그녀의 뒤를 따랐다.",
    "그의 손은 언제나처럼 칼자루 가까이에 머물러 있었다.",
    "나루터 끝의 주막에서는 기름 타는 냄새가 흘러나왔다.",
    "주모는 두 사람을 힐끗 보더니 구석 자리를 턱짓으로 가리켰다.",
    "창밖으로는 안개가 물결처럼 밀려와 등불 하나하나를 삼키고 있었다.",
  ].join(" ")
  const others = (n: number) => `제${n}화의 장면은 전혀 다른 곳에서 벌어졌다. 백린은 ${n}번째 시장에서 소금 값을 깎으며 한참을 실랑이했다.`
  const history = [
    { number: 1, sentences: fingerprintEpisode(episode1) },
    ...Array.from({ length: 9 }, (_, i) => ({ number: i + 2, sentences: fingerprintEpisode(others(i + 2)) })),
  ]

  it("a fingerprint is the distinct hashes of the sentences, whatever their spacing and punctuation; short ones left out", () => {
    const a = fingerprintEpisode("# 제1화\n\n서윤하는 젖은 소매를 털며 나루터의 낡은 판자를 밟았다. “응.” 그래.")
    const b = fingerprintEpisode("서윤하는  젖은 소매를 털며, 나루터의 낡은 판자를 밟았다!\n\n서윤하는 젖은 소매를 털며 나루터의 낡은 판자를 밟았다…")
    expect(a).toHaveLength(1)
    expect(b).toEqual(a)
    expect(fingerprintEpisode("")).toEqual([])
    const many = fingerprintEpisode(episode1)
    expect(many).toHaveLength(8)
    expect([...many].sort((x, y) => x - y)).toEqual(many)
    for (const h of many) expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true)
  })

  it("an old episode submitted as episode 11 is an error naming it, with the first copied sentence as evidence", () => {
    const text = `# 제11화 다시 나루\n\n${episode1}`
    const v = guard(text, F, { episode: 11, history })
    honest(text, v)
    const copy = v.findings.find((f) => f.code === "repetition.copy")!
    expect(copy).toMatchObject({ severity: "error", category: "repetition" })
    expect(copy.message).toMatch(/episode 1\b/)
    expect(copy.evidence!.text).toBe("안개 나루에 닿았을 때 해는 이미 강 건너로 넘어가 있었다.")
    expect(v.accepted).toBe(false)
    // without the history, nothing else catches it (episode 1 is not among the recent ones)
    expect(codes(guard(text, F, { episode: 11 }))).toEqual([])
  })

  it("a callback of two sentences is no copy; an episode's own or later fingerprints are no source", () => {
    const callback = `윤하는 오래전 그 밤을 생각했다. 서윤하는 젖은 소매를 털며 나루터의 낡은 판자를 밟았다. 판자는 발을 옮길 때마다 늙은 짐승처럼 삐걱거렸다. 이번에는 혼자가 아니었다. 백린이 웃었고 한태주가 그 뒤를 지켰다. 바람은 차고 맑았다.`
    expect(codes(guard(callback, F, { episode: 11, history }))).toEqual([])
    const redraft = `# 제1화\n\n${episode1}`
    expect(codes(guard(redraft, F, { episode: 1, history }))).toEqual([])
  })

  it("the input stays plain data: it crosses to a stage thread by structured clone", () => {
    const input: GuardInput = { text: episode1, episode: 11, project: F.project, bible: F.bible, recent: [], history }
    const cloned = structuredClone(input)
    expect(guardDraft(cloned)).toEqual(guardDraft(input))
  })
})

describe("style.point-of-view", () => {
  it("reads the person the style rules ask for, explicitly", () => {
    // the shipped templates' rules
    expect(pointOfViewOf(["3인칭 제한 시점으로 서윤하의 곁을 따라간다."])).toBe("third")
    expect(pointOfViewOf(["1인칭처럼 가까운 3인칭으로 차도윤의 시선을 따라간다."])).toBe("third")
    expect(pointOfViewOf(["3인칭으로 한소율의 속마음을 가까이 따라간다."])).toBe("third")
    expect(pointOfViewOf(["1인칭 시점으로 주인공이 직접 이야기한다."])).toBe("first")
    expect(pointOfViewOf(["Write in the first person."])).toBe("first")
    expect(pointOfViewOf(["1인칭은 쓰지 않는다."])).toBeUndefined()
    expect(pointOfViewOf(["문장은 짧게."])).toBeUndefined()
    expect(pointOfViewOf([])).toBeUndefined()
  })

  const firstPerson = [
    "나는 골목 끝에서 걸음을 멈췄다. 비가 내 어깨를 적셨다.",
    "“누구요?” 안쪽에서 목소리가 들렸다.",
    "나는 대답하지 않고 손전등을 비췄다. 내가 찾던 노인이 거기 있었다.",
    "노인은 나를 한참 보더니 장부를 내밀었다. 나는 그것을 받아 들었다.",
  ].join("\n\n")

  it("first-person narration in a third-person project is an error; a first-person project is fine", () => {
    const M = loose(modern)
    const v = guard(firstPerson, M)
    honest(firstPerson, v)
    const pov = v.findings.find((f) => f.code === "style.point-of-view")!
    expect(pov).toMatchObject({ severity: "error", category: "style" })
    expect(pov.evidence!.text).toBe("나는 골목 끝에서 걸음을 멈췄다.")
    const memoir = { ...M, project: { ...M.project, styleRules: ["1인칭 시점으로 차도윤이 직접 이야기한다."] } }
    expect(codes(guard(firstPerson, memoir))).not.toContain("style.point-of-view")
    const silent = { ...M, project: { ...M.project, styleRules: [] } }
    expect(codes(guard(firstPerson, silent))).not.toContain("style.point-of-view")
  })

  it("first person inside dialogue and thoughts is the characters speaking, not the narration", () => {
    const text = [
      "“나는 안 가. 내가 왜 가야 하는데?”",
      "세라가 말했다. 도윤은 대답하지 않았다.",
      "‘나는 여기서 뭘 하고 있는 걸까.’",
      "도윤은 창밖을 보았다. “우리는 이미 늦었어요. 제가 먼저 갈게요.”",
      "세라는 그를 노려보았다.",
    ].join("\n\n")
    expect(codes(guard(text, loose(modern)))).not.toContain("style.point-of-view")
  })
})

describe("language.mix", () => {
  const M = loose(modern)
  it("a draft with about 12 % English words (a model drifting into English) is rejected, though its letters are ≥ 85 % Hangul", () => {
    const text = [
      "차도윤은 골목 입구에서 just 멈춰 섰다. 골목 끝에서 누군가 그를 보고 있었다. 그는 숨을 죽였다.",
      "대답은 없었다. 그는 and 천천히 코트 안으로 손을 넣었다. 손끝에 차가운 금속이 too 닿았다. 빗소리가 모든 소리를 덮고 있었다.",
      "그림자가 움직였다. 도윤은 so 몸을 낮추고 벽에 붙었다. 심장이 빠르게 뛰었다. Not now. 혼자 온 게 실수였다.",
      "윤세라가 우산을 쓰고 골목 안으로 들어왔다. 그녀의 얼굴에는 the 걱정이 가득했다. 도윤의 어깨에서 힘이 all 빠져나갔다.",
      "세라는 but 더 묻지 않았다. 그녀는 우산을 그에게 기울여 주었다. 두 사람은 yet 말없이 골목을 빠져나갔다.",
    ].join("\n\n")
    const words = text.split(/\s+/).filter((w) => /\p{L}/u.test(w))
    const english = words.filter((w) => /^[A-Za-z.]+$/.test(w))
    expect(english.length / words.length).toBeGreaterThan(0.1)
    // the letter share alone lets it pass
    expect(hangulStats(text).share).toBeGreaterThanOrEqual(0.85)
    const v = guard(text, M)
    honest(text, v)
    expect(codes(v)).toEqual(["language.mix"])
    expect(v.findings[0]!.evidence!.text).toBe("Not now")
  })

  it("brand names, acronyms and a quoted OK are no mix", () => {
    const text = [
      "세라는 카페 구석에서 MacBook을 펼쳤다. 옆 테이블에서는 Netflix 드라마 이야기가 한창이었다.",
      "“OK, 알겠어요.” 도윤은 CCTV 화면을 돌려 보았다. 검은 BMW 한 대가 골목을 빠져나갔다.",
      "그는 SNS에 올라온 사진과 화면을 번갈아 보았다. 같은 차였다. 번호판의 숫자까지 같았다.",
    ].join("\n\n")
    expect(codes(guard(text, M))).toEqual([])
  })
})

describe("character.dead-acts: only an explicit recollection exempts", () => {
  const F = loose(fantasy)

  it("the dead acting in a scene dated 그날 or 그때, or after a -던 clause, is caught", () => {
    for (const text of [
      "그날 밤, 서진우가 문을 열고 들어왔다. 윤하는 숨을 멈췄다.",
      "그때 진우가 웃으며 말했다. “많이 컸구나.”",
      "늘 쓰던 목검을 들고 진우가 마당으로 걸어왔다. 윤하는 그를 바라보았다.",
    ]) {
      const v = guard(text, F)
      honest(text, v)
      expect(codes(v), text).toContain("character.dead-acts")
    }
  })

  it("a paragraph that recalls, dreams or visits a grave may let the dead act", () => {
    for (const text of [
      "그 웃음을 떠올리자 목이 메었다. 그날 진우는 목검을 휘두르며 윤하에게 자세를 가르쳤다.",
      "기억이 났다. 진우가 웃으며 말했다. 검은 마음으로 쥐는 것이라고.",
      "꿈속에서 진우가 문을 열고 들어왔다.",
      "오라버니는 생전에 이 나무 아래에서 검을 휘두르곤 했다. 진우가 웃었다.",
    ]) {
      expect(codes(guard(text, F)), text).not.toContain("character.dead-acts")
    }
  })

  it("injured, missing and captured characters are alive: they act freely", () => {
    for (const status of ["injured", "missing", "captured"] as const) {
      const bible = {
        ...F.bible,
        characters: F.bible.characters.map((c): Character => (c.id === "han-taeju" ? { ...c, status, statusNote: "옆구리를 다쳤다" } : c)),
      }
      const text = "그날 밤, 한태주가 문을 열고 들어왔다. 태주가 낮게 말했다. “아가씨, 떠나야 합니다.”"
      expect(codes(guard(text, { ...F, bible })), status).toEqual([])
    }
  })

  it("the other worlds' dead are caught the same way", () => {
    expect(codes(guard("그때 서예담이 편집국 문을 열고 들어왔다.", loose(modern)))).toContain("character.dead-acts")
    expect(codes(guard("그날도 백수련이 사당 문을 열고 들어왔다.", loose(mixed)))).toContain("character.dead-acts")
  })
})
