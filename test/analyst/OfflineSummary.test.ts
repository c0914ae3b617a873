/**
 * The offline summary: what changed, said plainly and first, then the plot's sentences, in story
 * order, never over the limit, never the generic speech tags the extractive summary picked.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { analyzeOffline } from "../../src/analyst/OfflineAnalyst.ts"
import { SUMMARY_MAX, summarizeOffline } from "../../src/analyst/OfflineSummary.ts"
import type { EpisodeAnalysis } from "../../src/domain/Analysis.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import { templateBible } from "./bibles.ts"

describe("summarizeOffline", () => {
  let bible: Bible
  beforeAll(async () => {
    bible = await templateBible("fantasy_kr")
  })
  const summarize = (body: string, title?: string) =>
    summarizeOffline({ body, analysis: analyzeOffline({ text: body, bible, episode: 4 }), bible, ...(title === undefined ? {} : { title }) })

  it("says who died, who was hurt, who came in and where they went, in story order", () => {
    const body = [
      "# 제4화 안개 나루",
      "",
      "백린이 말했다. “서둘러야 해.” 백린이 말했다.",
      "",
      "흑월회의 화살이 쏟아졌다. 백린은 왼팔을 잃었다. 월광검이 두 동강 났다.",
      "",
      "“태주!” 윤하가 외쳤다. 태주는 윤하의 품에서 희미하게 웃었다. 그리고 끝내 숨을 거두었다.",
      "",
      "새벽이 되자 낯선 사내가 다가왔다. 그의 이름은 마석두였다. 대장장이 마석두는 윤하에게 충성을 맹세했다.",
      "",
      "일행은 마석두를 따라 청운객잔에 도착했다.",
    ].join("\n")
    const summary = summarize(body)
    expect(summary).toContain("백린은 왼팔을 잃었다.")
    expect(summary).toContain("한태주는 끝내 숨을 거두었다.")
    expect(summary).toContain("대장장이 마석두가 처음 등장했다.")
    expect(summary).toContain("마석두가 서윤하에게 충성을 맹세했다.")
    expect(summary).toContain("청운객잔에 도착했다")
    expect(summary).toContain("월광검이 두 동강 났다.")
    expect(summary).not.toContain("말했다")
    expect(summary.indexOf("왼팔")).toBeLessThan(summary.indexOf("숨을 거두었다"))
    expect(summary.indexOf("숨을 거두었다")).toBeLessThan(summary.indexOf("청운객잔"))
    expect([...summary].length).toBeLessThanOrEqual(SUMMARY_MAX)
  })

  it("keeps the changes and drops plot sentences when the episode holds more than fits", () => {
    const fights = Array.from({ length: 30 }, (_, i) =>
      `윤하는 흑월회의 ${i + 1}번째 자객이 휘두른 검을 월광검으로 받아 넘긴 뒤 몸을 낮추어 그 옆구리를 단칼에 베었고, 태주는 그 뒤를 막아서며 담장을 넘어 달려드는 흑월회의 자객들을 한 사람씩 차례로 쓰러뜨렸다.`
    ).join(" ")
    const summary = summarize(`${fights} 백린은 끝내 목숨을 잃었다. ${fights}`)
    expect([...summary].length).toBeLessThanOrEqual(SUMMARY_MAX)
    expect(summary).toContain("백린은 끝내 목숨을 잃었다.")
    // four plot sentences of this length are more than the limit holds
    expect(summary.split("쓰러뜨렸다.").length - 1).toBeLessThan(4)
  })

  it("names who died when the text said it of a body (태주의 시신)", () => {
    const summary = summarize("윤하는 무너진 회랑에서 태주의 싸늘한 시신을 찾아냈다.")
    expect(summary).toBe("한태주는 숨졌다.")
  })

  it("falls back to the extract of the text when nothing changed, and to the title when there is no text", () => {
    const plain = "달빛이 회랑을 적셨다. 바람이 불어와 등불이 흔들렸다. 먼 곳에서 종소리가 울렸다."
    const analysis: EpisodeAnalysis = { episode: 4, deltas: [], findings: [], analyst: "offline" }
    expect(summarizeOffline({ body: plain, analysis, bible })).toContain("달빛이 회랑을 적셨다.")
    const tagged = "백린이 말했다. “가자.” 백린이 말했다. 윤하가 물었다. 달빛이 회랑을 적셨다. 백린이 말했다."
    const fallback = summarizeOffline({ body: tagged, analysis, bible })
    expect(fallback).toContain("달빛이 회랑을 적셨다.")
    expect(fallback).not.toMatch(/말했다|물었다/)
    expect(summarizeOffline({ body: "", analysis, bible, title: "제4화 빈 밤" })).toBe("제4화 빈 밤")
    expect(summarizeOffline({ body: "", analysis, bible, title: "밤".repeat(500) }).length).toBeLessThanOrEqual(SUMMARY_MAX)
  })
})
