/**
 * The continuity checks (`src/guard/checks/`): each on a planted case and its clean
 * twin, evidence and category; and over the labelled corpus, recall and false alarms for
 * the new codes alone (the corpus test counts false alarms over the built-in codes).
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { aliasSwapCheck, traitContradictionCheck } from "../../src/guard/checks/Character.ts"
import { unknownPlaceCheck } from "../../src/guard/checks/NamesAndPlaces.ts"
import { aheadOfOutlineCheck } from "../../src/guard/checks/Plot.ts"
import { distinctNCheck, retellCheck } from "../../src/guard/checks/Repetition.ts"
import { builtinChecks } from "../../src/guard/Registry.ts"
import { type GuardCheck, guardContext, guardDraft } from "../../src/guard/Guard.ts"
import { saga, worlds } from "./corpus/worlds.ts"

const dir = fileURLToPath(new URL("./corpus/", import.meta.url))
const read = (f: string) => readFileSync(dir + f, "utf8")
const prev = [{ number: 1, body: read("prev-fantasy.md") }]

const run = (check: GuardCheck, text: string, recent = prev) => {
  const ctx = guardContext({ text, episode: recent.length + 1, project: saga.project, bible: saga.bible, recent })
  const out = check(ctx)
  for (const f of out) if (f.evidence) expect(ctx.text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
  return out
}

describe("continuity checks", () => {
  it("place.unknown: a place someone travels to that the world does not have", () => {
    const [f] = run(unknownPlaceCheck, "그날 저녁 윤하는 백운성으로 향했다.")
    expect(f).toMatchObject({ code: "place.unknown", category: "world-building", severity: "error", evidence: { text: "백운성" } })
    expect(run(unknownPlaceCheck, "그날 저녁 윤하는 월하성으로 향했다. 작은 마을에 들어섰다. 동네 병원에 도착했다.")).toEqual([])
    expect(run(unknownPlaceCheck, "윤하는 백운성의 전설을 떠올렸다.")).toEqual([]) // no movement: not enough evidence
  })

  it("character.alias-swap: one character's alias as another's title", () => {
    const [f] = run(aliasSwapCheck, "흑월 대주 백린이 가면을 벗었다.")
    expect(f).toMatchObject({ code: "character.alias-swap", category: "characterization", evidence: { text: "흑월 대주 백린" } })
    expect(run(aliasSwapCheck, "흑월 대주 강무결이 가면을 벗었다. 은둔 검성 도진명이 웃었다.")).toEqual([])
  })

  it("character.trait-contradiction: a fixed trait on the other side, or in another colour", () => {
    expect(run(traitContradictionCheck, "태주의 오른뺨에 난 흉터가 붉어졌다.")[0]).toMatchObject({ code: "character.trait-contradiction", evidence: { text: "오른뺨" } })
    expect(run(traitContradictionCheck, "소월이 검은 머리카락을 쓸어 넘겼다.")[0]).toMatchObject({ evidence: { text: "검은 머리카락" } })
    expect(run(traitContradictionCheck, "태주의 왼뺨에 난 흉터가 붉어졌다. 소월이 은빛 머리카락을 쓸어 넘겼다.")).toEqual([])
    expect(run(traitContradictionCheck, "윤하는 오른뺨의 흉터를 만졌다.")).toEqual([]) // about someone else
  })

  it("plot.ahead-of-outline: a death the outline has later, a later beat told now; the next beat is fine", () => {
    const death = run(aheadOfOutlineCheck, "한태주는 그 밤에 숨을 거두었다.")
    expect(death[0]).toMatchObject({ code: "plot.ahead-of-outline", category: "timeline-plot" })
    expect(death[0]!.message).toMatch(/dies here, but the outline has that death in episode 6 \(this is episode 2\)/)
    expect(run(aheadOfOutlineCheck, "윤하는 왕실 서고에 잠입해 서리 인장의 비밀을 찾아냈다.")[0]!.message).toMatch(/episode 4/)
    // next beat (3) may be foreshadowed; a death in a dream is no death
    expect(run(aheadOfOutlineCheck, "흑월회의 자객들이 나루를 습격하고 한태주가 윤하를 지켰다.")).toEqual([])
    expect(run(aheadOfOutlineCheck, "꿈에서 한태주는 숨을 거두었다.")).toEqual([])
    // past the outline, every beat has been reached
    const late = Array.from({ length: 9 }, (_, i) => ({ number: i + 1, body: "" }))
    expect(run(aheadOfOutlineCheck, "한태주는 그 밤에 숨을 거두었다.", late)).toEqual([])
  })

  it("repetition.retell and repetition.distinct-n on the corpus cases, and silent on clean ones", () => {
    expect(run(retellCheck, read("defect-retell-01-fantasy.md"))[0]).toMatchObject({ code: "repetition.retell", category: "timeline-plot" })
    expect(run(retellCheck, read("clean-17-saga-recap.md"))).toEqual([])
    expect(run(distinctNCheck, read("defect-distinct-02-loop.md"))[0]).toMatchObject({ code: "repetition.distinct-n", category: "style" })
    expect(run(distinctNCheck, read("clean-14-saga-travel.md"))).toEqual([])
  })
})

describe("continuity over the labelled corpus", () => {
  it("recall ≥ 0.95 and false alarms ≤ 2 % for the new codes", () => {
    const manifest: ReadonlyArray<{ file: string; world: keyof typeof worlds; recent: ReadonlyArray<string>; expect: ReadonlyArray<string> }> =
      JSON.parse(read("manifest.json"))
    const codes = ["place.unknown", "character.alias-swap", "character.trait-contradiction", "plot.ahead-of-outline", "repetition.retell", "repetition.distinct-n"]
    let defects = 0
    let caught = 0
    let chances = 0
    let alarms = 0
    const notes: Array<string> = []
    for (const e of manifest) {
      const w = worlds[e.world]
      const v = guardDraft({ text: read(e.file), episode: e.recent.length + 1, project: w.project, bible: w.bible, recent: e.recent.map((f, i) => ({ number: i + 1, body: read(f) })) })
      const errors = new Set(v.findings.filter((f) => f.severity === "error").map((f) => f.code))
      for (const code of codes) {
        if (e.expect.includes(code)) {
          defects++
          if (errors.has(code) && !v.accepted) caught++
          else notes.push(`missed ${e.file}: ${code}`)
        } else {
          chances++
          if (errors.has(code)) {
            alarms++
            notes.push(`false alarm ${e.file}: ${code}`)
          }
        }
      }
    }
    console.log(`continuity corpus: ${defects} planted, caught ${caught}; false alarms ${alarms}/${chances}${notes.length ? `\n${notes.join("\n")}` : ""}`)
    expect(defects).toBeGreaterThanOrEqual(12)
    expect(caught / defects).toBeGreaterThanOrEqual(0.95)
    expect(alarms / chances).toBeLessThanOrEqual(0.02)
    const continuity = [unknownPlaceCheck, aliasSwapCheck, traitContradictionCheck, aheadOfOutlineCheck, retellCheck, distinctNCheck]
    expect(continuity.every((c) => builtinChecks.some((b) => b.check === c))).toBe(true)
  })
})
