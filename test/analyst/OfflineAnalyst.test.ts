/**
 * The offline analyst on passages chosen to show one rule each: who a death is about, what a name
 * pattern introduces, when a relation changes, what an appearance quotes, which sentences are events.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { analyzeOffline, InvalidAnalysisInput } from "../../src/analyst/OfflineAnalyst.ts"
import { type BibleDelta, characterIdOf, type EpisodeAnalysis } from "../../src/domain/Analysis.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import { templateBible } from "./bibles.ts"

const ofTag = <T extends BibleDelta["_tag"]>(a: EpisodeAnalysis, tag: T): Array<Extract<BibleDelta, { _tag: T }>> =>
  a.deltas.filter((d): d is Extract<BibleDelta, { _tag: T }> => d._tag === tag)

describe("analyzeOffline", () => {
  let bible: Bible
  beforeAll(async () => {
    bible = await templateBible("fantasy_kr")
  })
  const analyze = (text: string, b: Bible = bible) => analyzeOffline({ text, bible: b, episode: 5 })

  it("reads a death with its clause, the sentence as evidence, and leaves the killer alive", () => {
    const text = "안개가 짙었다. 강무결의 검이 번뜩였다. 한태주는 윤하의 품에서 끝내 숨을 거두었다. 무결은 검을 거두었다."
    const [death, ...others] = ofTag(analyze(text), "StatusChanged")
    expect(others).toEqual([])
    expect(death).toMatchObject({ character: "han-taeju", status: "dead", note: "윤하의 품에서 끝내 숨을 거두었다" })
    expect(death!.evidence.text).toBe("한태주는 윤하의 품에서 끝내 숨을 거두었다.")
    expect(text.slice(death!.evidence.start, death!.evidence.end)).toBe(death!.evidence.text)
  })

  it("finds a subject named with a title after it", () => {
    const [d] = ofTag(analyze("아침이 밝자 궁이 뒤집혔다. 이연화 공주가 행방불명되었다."), "StatusChanged")
    expect(d).toMatchObject({ character: "lee-yeonhwa", status: "missing" })
  })

  it("reads the object of a killing, not its subject", () => {
    const [death, ...others] = ofTag(analyze("강무결은 망설임 없이 백린을 베어 죽였다."), "StatusChanged")
    expect(others).toEqual([])
    expect(death).toMatchObject({ character: "baek-rin", status: "dead" })
  })

  it("carries the subject of the previous sentence to a sentence that states none", () => {
    const deaths = ofTag(analyze("태주는 윤하의 손을 마지막으로 꼭 쥐었다. 그리고 조용히 숨을 거두었다."), "StatusChanged")
    expect(deaths.map((d) => d.character)).toEqual(["han-taeju"])
  })

  it("reads closing eyes as a death only when what follows confirms it", () => {
    const dies = "태주는 윤하의 얼굴을 올려다보았다. 그리고 조용히 눈을 감았다. 다시는 눈을 뜨지 않았다."
    const sleeps = "태주는 윤하의 얼굴을 올려다보았다. 그리고 조용히 눈을 감았다. 바람 소리가 자장가처럼 들려왔다."
    expect(ofTag(analyze(dies), "StatusChanged")).toMatchObject([{ character: "han-taeju", status: "dead" }])
    expect(ofTag(analyze(sleeps), "StatusChanged")).toEqual([])
  })

  it("ends a capture with a release, but leaves an injury alone", () => {
    const withStatus = (status: "captured" | "injured"): Bible => ({
      ...bible,
      characters: bible.characters.map((c) => (c.id === "baek-rin" ? { ...c, status } : c)),
    })
    const text = "근위대가 뇌옥을 덮쳤다. 백린은 마침내 구출되었다."
    expect(ofTag(analyze(text, withStatus("captured")), "StatusChanged")).toMatchObject([{ character: "baek-rin", status: "alive" }])
    expect(ofTag(analyze(text, withStatus("injured")), "StatusChanged")).toEqual([])
  })

  it("names no one when the one who dies is someone else", () => {
    for (const text of [
      "윤하의 눈앞에서 늙은 뱃사공이 숨을 거두었다.",
      "태주의 아버지는 그 전투에서 전사했다.",
      "태주가 지켜보는 앞에서 무진이 숨을 거두었다.",
      "태주가 지켜보는 앞에서 사내가 숨을 거두었다.",
      "태주가 지켜보는 앞에서 무진은 눈을 감았다. 다시는 눈을 뜨지 않았다.",
      "태주가 지켜보는 앞에서 이서아는 숨을 거두었다.",
      "윤하는 쓰러진 태주에게 달려갔다. 이미 숨이 끊어져 있었다.",
      "윤하는 태주를 끌어안았다. 그리고 끝내 숨을 거두었다.",
      "태주가 숨을 거두었다는 소식이 돌았다. 태주는 죽었다. 하지만 그것은 사실이 아니었다.",
      "태주가 지켜보는 앞에서 무진은 바람을 가르며 쓰러졌고, 끝내 숨을 거두었다.",
      "윤하는 태주를 끌어안았다. 그는 끝내 숨을 거두었다.",
    ]) expect(ofTag(analyze(text), "StatusChanged"), text).toEqual([])
  })

  it("reads no death in a threat, a heading, a negation, a hypothesis or a memory", () => {
    for (const text of [
      "“태주, 너는 오늘 죽었다.” 무결이 웃었다.",
      "# 제5화 태주는 죽었다\n\n태주는 새벽같이 일어났다.",
      "태주는 죽지 않았다.",
      "한 치만 늦었다면 태주는 죽었다.",
      "삼 년 전, 태주는 그 전투에서 한 번 죽었다 살아났다.",
      "모두가 태주가 숨을 거두었다고 믿었다.",
    ]) expect(ofTag(analyze(text), "StatusChanged").filter((d) => d.status === "dead"), text).toEqual([])
  })

  it("changes nothing for a character the Bible has dead, who neither appears nor dies again", () => {
    const dead: Bible = { ...bible, characters: bible.characters.map((c) => (c.id === "han-taeju" ? { ...c, status: "dead" } : c)) }
    const a = analyze("한태주는 다시 숨을 거두었다. 윤하는 태주의 무덤 앞에 섰다.", dead)
    expect(ofTag(a, "StatusChanged")).toEqual([])
    expect(ofTag(a, "Appeared").map((d) => d.character)).toEqual(["seo-yunha"])
  })

  it("introduces a name with its role and given name, but never a Bible name or a common noun", () => {
    const a = analyze("대장장이 마석두가 고개를 들었다. 그의 이름은 마석두였다. 윤하라는 소녀가 찾아왔다. 사람이라는 존재는 알 수 없었다. 그녀라는 사람은 늘 그랬다.")
    const introduced = ofTag(a, "CharacterIntroduced")
    expect(introduced.map((d) => [d.name, d.role, d.aliases])).toEqual([["마석두", "대장장이", ["석두"]]])
    expect(introduced[0]!.id).toBe(characterIdOf("마석두"))
  })

  it("introduces a full name after an occupation only when the text names it again", () => {
    const intro = (text: string) => ofTag(analyze(text), "CharacterIntroduced").map((d) => [d.name, d.role])
    expect(intro("경사 문태오가 명함을 내밀었다. 윤하는 문태오를 올려다보았다.")).toEqual([["문태오", "경사"]])
    expect(intro("경사 문태오가 명함을 내밀었다.")).toEqual([])
    expect(intro("태주는 낡은 기사 배지를 꺼냈다. 기사 배지를 닦았다. 자객 하나가 쓰러지고 또 자객 하나가 쓰러졌다.")).toEqual([])
  })

  it("takes a role from a title after the name", () => {
    const [d] = ofTag(analyze("흑월회의 부대주, 사혁이라는 사내가 나섰다. 사혁 장로는 말이 없었다."), "CharacterIntroduced")
    expect(d).toMatchObject({ name: "사혁", role: "장로" })
  })

  it("lets a newcomer die in the episode that introduces them", () => {
    const a = analyze("사혁이라는 사내가 나섰다. 태주의 검이 번뜩였다. 사혁은 쓰러져 숨졌다.")
    expect(ofTag(a, "StatusChanged")).toMatchObject([{ character: characterIdOf("사혁"), status: "dead" }])
  })

  it("introduces places by name, never a Bible place", () => {
    const a = analyze("일행은 하람이라는 작은 마을에 닿았다. 이튿날 청운객잔에 도착했다. 그리고 월하성에 도착했다.")
    expect(ofTag(a, "PlaceIntroduced").map((d) => [d.name, d.description])).toEqual([["하람", "작은 마을"], ["청운객잔", "객잔"]])
  })

  it("forms a relation that does not hold, and breaks only one that does", () => {
    // 한태주 SERVES 서윤하 holds in the template; 백린 SERVES 서윤하 does not
    const a = analyze("백린은 윤하에게 충성을 맹세했다. 태주는 윤하에게 충성을 맹세했다. 윤하는 백린을 배신했다. 태주는 윤하를 배신했다.")
    expect(ofTag(a, "RelationChanged").map((r) => `${r.from} ${r.type} ${r.change} ${r.to}`)).toEqual([
      "baek-rin SERVES formed seo-yunha",
      "han-taeju SERVES broken seo-yunha",
    ])
  })

  it("notes what befalls a Bible item or a character's own thing, nothing else", () => {
    const facts = (text: string) => ofTag(analyze(text), "FactNoted").map((f) => [f.text, f.subjects])
    expect(facts("무결의 일격에 월광검이 두 동강 났다.")).toEqual([["월광검이 두 동강 났다", ["wolgwang-geom"]]])
    expect(facts("백린의 검이 부러졌다.")).toEqual([["백린의 검이 부러졌다", ["baek-rin"]]])
    for (const text of ["윤하의 마음이 부서졌다.", "꿈속에서 월광검이 부러졌다.", "백린은 다리가 부러졌다.", "사내의 검이 부러졌다."]) {
      expect(facts(text), text).toEqual([])
    }
  })

  it("reads a relation of two subjects, and of two who act together", () => {
    const relations = (text: string) => ofTag(analyze(text), "RelationChanged").map((r) => `${r.from} ${r.type} ${r.change} ${r.to}`)
    expect(relations("태주와 백린은 처음 인사를 나누었다.")).toEqual(["han-taeju KNOWS formed baek-rin", "baek-rin KNOWS formed han-taeju"])
    expect(relations("백린과 소월은 연화 공주에게 충성을 맹세했다.")).toEqual(["baek-rin SERVES formed lee-yeonhwa", "sowol SERVES formed lee-yeonhwa"])
  })

  it("quotes each living character's first mention as its appearance", () => {
    const text = "“윤하야!” 멀리서 태주가 불렀다. 서윤하는 돌아보았다."
    const appeared = ofTag(analyze(text), "Appeared")
    expect(appeared.map((d) => [d.character, d.evidence.text, d.evidence.start])).toEqual([
      ["seo-yunha", "윤하", 1],
      ["han-taeju", "태주", 11],
    ])
  })

  it("chooses at most five events, the sentences with a change first, never a speech tag or a repeated filler", () => {
    const plot = [
      "윤하는 담장 위의 자객을 단칼에 베었다.", "태주는 흑월회의 추격대를 골목 끝에서 막아섰다.", "백린은 봉인된 서고의 문을 부쉈다.",
      "연화 공주는 근위대를 이끌고 궁을 떠났다.", "도진명은 흑월산 기슭에서 옛 제단을 발견했다.", "소월은 윤하와 새 계약을 맺고 힘을 되찾았다.",
      "무결은 왕실 서고의 인장을 빼앗아 달아났다.",
    ]
    const text = `${plot.map((p) => `백린이 말했다. ${p}`).join(" ")} 한태주는 결국 숨을 거두었다.`
    const events = ofTag(analyze(text), "EventHappened")
    expect(events.length).toBe(5)
    expect(events.some((e) => e.description === "한태주는 결국 숨을 거두었다.")).toBe(true)
    expect(events.every((e) => !e.description.endsWith("말했다."))).toBe(true)
    for (const e of events) expect(text.slice(e.evidence!.start, e.evidence!.end)).toBe(e.evidence!.text)
    const filler = Array.from({ length: 6 }, (_, i) => `윤하는 ${i + 1}번째 자객을 베었다.`).join(" ")
    expect(ofTag(analyze(`${filler} 태주는 흑월회의 추격대를 골목 끝에서 막아섰다.`), "EventHappened").map((e) => e.description))
      .toEqual(["태주는 흑월회의 추격대를 골목 끝에서 막아섰다."])
  })

  it("refuses an episode number that is not a whole number, naming it", () => {
    expect(() => analyzeOffline({ text: "윤하", bible, episode: 1.5 })).toThrow(/episode must be a whole number ≥ 0, got 1.5/)
    expect(() => analyzeOffline({ text: "윤하", bible, episode: -1 })).toThrow(InvalidAnalysisInput)
  })

  it("gives nothing but appearances for plain prose", () => {
    const a = analyze("윤하는 창밖을 바라보았다. 달빛이 고요했다.")
    expect(a.deltas.map((d) => d._tag)).toEqual(["Appeared"])
    expect(a).toMatchObject({ episode: 5, findings: [], analyst: "offline" })
  })
})
