import { describe, expect, it } from "@effect/vitest"
import type { Bible } from "../../src/domain/Bible.ts"
import { extractBibleChanges } from "../../src/pipeline/BibleChanges.ts"
import { mergeBibleChanges } from "../../src/story/BibleTime.ts"
import { beatIndex } from "../../src/domain/Outline.ts"
import { beatOf, buildBrief, isMainRole } from "../../src/pipeline/Brief.ts"
import { parseBeat } from "../../src/templates/BeatMarkers.ts"
import { projectFromTemplate } from "../../src/templates/TemplateLoader.ts"
import { templates } from "./helpers.ts"

const fantasy = templates.find((t) => t.name === "fantasy-kr")!
const noir = templates.find((t) => t.name === "modern-noir")!
const romance = templates.find((t) => t.name === "romance-comedy")!
const setup = (t = fantasy) => projectFromTemplate(t, { slug: "story", seed: 1, now: 0 })

const brief = (episode: number, bible?: Bible, summary?: string) => {
  const { project, bible: b } = setup()
  return buildBrief({
    project,
    bible: bible ?? b,
    episode,
    previous: summary === undefined
      ? null
      : { project: "story", number: episode - 1, title: "", body: "", summary, charCount: 0, findings: [], reward: 1, drafts: 1, committedAt: 0 },
    draft: 1,
    findingsToFix: [],
    promptAdditions: ["plugin says hi"],
  })
}

describe("beat markers", () => {
  it("parses deaths, returns and relations, and strips them", () => {
    const p = parseBeat("태주가 쓰러진다. [사망: han-taeju] [관계: a LOVES b-2] [생환: x] [dies: y]")
    expect(p.text).toBe("태주가 쓰러진다.")
    expect(p.markers).toEqual([
      { _tag: "Status", character: "han-taeju", status: "dead" },
      { _tag: "Relation", from: "a", to: "b-2", type: "LOVES" },
      { _tag: "Status", character: "x", status: "alive" },
      { _tag: "Status", character: "y", status: "dead" },
    ])
    expect(parseBeat("[관계: a ADORES b]").malformed).toEqual(["[관계: a ADORES b]"])
    expect(parseBeat("괄호 [메모] 는 그대로").text).toBe("괄호 [메모] 는 그대로")
  })
})

describe("buildBrief", () => {
  it("picks beats[episode-1] and cycles through the last third past the end", () => {
    expect(beatIndex(15, 1)).toBe(0)
    expect(beatIndex(15, 15)).toBe(14)
    // 15 beats: the last third is beats 10..14 (0-based)
    expect([16, 17, 18, 19, 20, 21].map((e) => beatIndex(15, e))).toEqual([10, 11, 12, 13, 14, 10])
    expect([13, 14, 15].map((e) => beatIndex(12, e))).toEqual([8, 9, 10])
    expect(beatIndex(1, 5)).toBe(0)
    expect(beatIndex(0, 1)).toBe(-1)
    const b = brief(16)
    expect(b.beat).toBe(fantasy.beats[10])
    expect(beatOf(fantasy.beats, 16)!.cycled).toBe(true)
  })

  it("strips markers from the beat and keeps them out of the writer's sight", () => {
    const b = brief(9)
    expect(fantasy.beats[8]).toContain("[사망: han-taeju]")
    expect(b.beat).not.toContain("[")
    expect(b.beat).toBe(fantasy.beats[8].replace(" [사망: han-taeju]", ""))
    expect(b.nextBeat).toBe(fantasy.beats[9])
    // a repeated beat declares nothing again
    expect(beatOf(fantasy.beats, 9)!.markers.length).toBe(1)
  })

  it("casts the main characters and those the beat names, with status and traits", () => {
    const b = brief(3)
    const ids = b.cast.map((c) => c.id)
    expect(ids[0]).toBe("seo-yunha")
    expect(ids).toContain("han-taeju") // named in beat 3
    expect(ids).not.toContain("gang-mugyeol")
    expect(b.cast.find((c) => c.id === "han-taeju")!.traits.length).toBeGreaterThan(0)
    for (const r of b.relations) {
      expect(ids).toContain(r.from)
      expect(ids).toContain(r.to)
    }
    expect(b.relations.some((r) => r.from === "han-taeju" && r.to === "seo-yunha")).toBe(true)
    expect(b.places.length).toBe(fantasy.places.length)
    expect(b.promptAdditions).toEqual(["plugin says hi"])
    expect(b.lengthBand).toEqual({ min: 5000, max: 5500 })
    expect(b.language).toBe("ko")
  })

  it("finds aliases in the beat and adds who the previous summary names", () => {
    const b = brief(2) // "윤하는 … 정령 소월과 …"
    expect(b.cast.map((c) => c.id)).toContain("sowol")
    const withSummary = brief(2, undefined, "연화 공주가 멀리서 지켜보았다.")
    expect(withSummary.previousSummary).toBe("연화 공주가 멀리서 지켜보았다.")
    expect(withSummary.cast.map((c) => c.id)).toContain("lee-yeonhwa")
  })

  it("knows a lead from a lead's helper", () => {
    expect(isMainRole("주인공")).toBe(true)
    expect(isMainRole("여주인공")).toBe(true)
    expect(isMainRole("Protagonist")).toBe(true)
    expect(isMainRole("주인공의 호위 무사")).toBe(false)
    const { project, bible } = setup(romance)
    const b = buildBrief({ project, bible, episode: 4, previous: null, draft: 1, findingsToFix: [], promptAdditions: [] })
    expect(b.cast.slice(0, 2).map((c) => c.id)).toEqual(["han-soyul", "kang-ijun"])
  })
})

describe("extractBibleChanges", () => {
  it("finds appearances by name and alias, and one event with the beat's place", () => {
    const { bible } = setup()
    const text = "# 제3화 피신\n\n윤하는 검을 쥐었다. 태주가 앞을 막아섰다. 멀리서 흑월 대주의 웃음이 들렸다."
    const changes = extractBibleChanges({ text, bible, episode: 3, beat: fantasy.beats[2] })
    expect(changes.appearances).toEqual(["seo-yunha", "han-taeju", "gang-mugyeol"])
    expect(changes.events).toEqual([{
      episode: 3,
      description: fantasy.beats[2],
      characters: ["seo-yunha", "han-taeju", "gang-mugyeol"],
      place: "angae-naru",
    }])
    expect(changes.statusChanges).toEqual([])
    expect(changes.newRelations).toEqual([])
  })

  it("takes the place from the text when the beat names none", () => {
    const { bible } = setup(noir)
    const changes = extractBibleChanges({ text: "도윤은 블루문 바의 문을 열었다.", bible, episode: 4, beat: "권하람이 경고한다." })
    expect(changes.events[0].place).toBe("bluemoon-bar")
    expect(changes.appearances).toEqual(["cha-doyun"])
  })

  it("applies a beat's death marker once, also from the stripped beat when the project is given", () => {
    const { project, bible } = setup()
    const raw = fantasy.beats[8]
    const text = "태주는 윤하의 품에서 숨을 거두었다."
    const viaRaw = extractBibleChanges({ text, bible, episode: 9, beat: raw })
    expect(viaRaw.statusChanges).toEqual([{ character: "han-taeju", status: "dead" }])
    expect(viaRaw.events[0].description).not.toContain("[")
    const viaProject = extractBibleChanges({ text, bible, episode: 9, beat: parseBeat(raw).text, project })
    expect(viaProject).toEqual(viaRaw)
    const after = mergeBibleChanges(bible, viaRaw, 9)
    expect(after.characters.find((c) => c.id === "han-taeju")!.status).toBe("dead")
    // idempotent merge, and a dead character no longer "appears"
    expect(mergeBibleChanges(after, viaRaw, 9)).toEqual(after)
    const again = extractBibleChanges({ text, bible: after, episode: 9, beat: raw })
    expect(again.statusChanges).toEqual([])
    expect(again.appearances).toEqual(["seo-yunha"])
    // a repeated beat past the outline's end changes nothing
    expect(extractBibleChanges({ text, bible, episode: 24, beat: brief(24).beat, project }).statusChanges).toEqual([])
  })

  it("adds relations declared with a marker", () => {
    const { project, bible } = setup(romance)
    const raw = romance.beats[11]
    const changes = extractBibleChanges({ text: "소율은 이준을 보았다.", bible, episode: 12, beat: raw })
    expect(changes.newRelations).toEqual([{ from: "han-soyul", to: "kang-ijun", type: "LOVES", since: 12 }])
    const merged = mergeBibleChanges(bible, changes, 12)
    expect(merged.relations.length).toBe(bible.relations.length + 1)
    expect(extractBibleChanges({ text: "", bible: merged, episode: 12, beat: raw }).newRelations).toEqual([])
    void project
  })
})
