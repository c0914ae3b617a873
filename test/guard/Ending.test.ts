/**
 * The cliffhanger checks (`ending.no-hook`, `ending.monotonous`) and the reading of an ending
 * they stand on (`endingOf`). The labelled corpus measures them on whole passages
 * (`Corpus.test.ts`); here each rule is pinned on its own.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { GuardFinding, GuardVerdict } from "../../src/domain/Episode.ts"
import { endingSimilarity } from "../../src/guard/checks/Ending.ts"
import { endingOf, sentenceKind, TAIL_CHARS } from "../../src/guard/Ending.ts"
import { guardDraft, GuardInputInvalid, type GuardInput, type RecentEpisode } from "../../src/guard/Guard.ts"
import { fantasy, type World } from "./corpus/worlds.ts"

const F: World = { ...fantasy, project: { ...fantasy.project, lengthBand: { min: 1, max: 100_000 } } }
const EN: World = { ...F, project: { ...F.project, language: "en" } }

const BODY = "새벽안개가 강 위에 낮게 깔려 있었다. 서윤하는 나룻배의 뱃전에 앉아 물살을 바라보았다.\n\n" +
  "“저기 성벽이 보여.”\n\n한태주가 말했다. 윤하는 고개를 끄덕이고 월광검을 고쳐 안았다.\n\n"

const guard = (text: string, extra: Partial<GuardInput> = {}, world: World = F): GuardVerdict =>
  guardDraft({ text, episode: 4, project: world.project, bible: world.bible, recent: [], ...extra })

const only = (v: GuardVerdict, code: string): Array<GuardFinding> => v.findings.filter((f) => f.code === code)

const honest = (text: string, v: GuardVerdict) => {
  for (const f of v.findings) if (f.evidence) expect(text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
}

/** Episodes 1…n before the draft (episode n + 1), each ending on its own line. */
const before = (...endings: ReadonlyArray<string>): Array<RecentEpisode> =>
  endings.map((end, i) => ({ number: i + 1, body: `${BODY}${end}` }))

describe("ending.no-hook", () => {
  it("flags a Korean episode that closes down, quoting from the closing sentence to the end, as a warning", () => {
    const text = `${BODY}그렇게 하루가 저물었다. 창밖에는 별이 총총했다.`
    const v = guard(text)
    const [f] = only(v, "ending.no-hook")
    expect(f?.severity).toBe("warning")
    expect(f?.category).toBe("style")
    expect(f?.evidence?.text).toBe("그렇게 하루가 저물었다. 창밖에는 별이 총총했다.")
    expect(f?.message).toContain("그렇게 하루가 저물었다.")
    honest(text, v)
    expect(v.accepted).toBe(true)
    expect(v.reward).toBeCloseTo(0.9)
  })

  it.each([
    ["a sudden arrival after the closing line", "그렇게 하루가 저물었다. 그때, 문이 열렸다."],
    ["an interruption in the closing sentence itself", "잠자리에 들려던 순간, 누군가 문을 두드렸다."],
    ["a danger the sleeper does not know of", "윤하는 깊은 잠에 빠졌다. 창밖에서 누군가 지켜보고 있다는 것도 모른 채."],
    ["a question in narration", "그렇게 하루가 저물었다. 그런데 그 편지는 누가 보낸 것일까."],
    ["an unresolved line of dialogue", "그들은 잠자리에 들었다.\n\n“일어나. 누가 왔어.”"],
    ["an ellipsis of suspense", "평화로운 밤이었다. 적어도 그때까지는……"],
  ])("lets %s pass", (_, ending) => {
    expect(only(guard(`${BODY}${ending}`), "ending.no-hook")).toEqual([])
  })

  it("still flags a hook that the closing line comes after", () => {
    const v = guard(`${BODY}멀리서 발소리가 들렸다. 그러나 윤하는 이미 깊은 잠에 빠져 있었다.`)
    expect(only(v, "ending.no-hook")).toHaveLength(1)
  })

  it("reads a line of dialogue as left open only when the episode stops on it, a speech tag aside", () => {
    expect(only(guard(`${BODY}그들은 잠자리에 들었다.\n\n“잘 자.”\n\n윤하가 작게 속삭였다.`), "ending.no-hook")).toEqual([])
    const closed = guard(`${BODY}그들은 잠자리에 들었다.\n\n“잘 자.”\n\n윤하는 촛불을 불어 껐다.`)
    expect(only(closed, "ending.no-hook")[0]?.evidence?.text).toBe("그들은 잠자리에 들었다.\n\n“잘 자.”\n\n윤하는 촛불을 불어 껐다.")
  })

  it("does not judge a plain ending that neither hooks nor closes", () => {
    expect(only(guard(`${BODY}두 사람은 나란히 산길을 내려갔다.`), "ending.no-hook")).toEqual([])
  })

  it("reads past a scene-break line after the last sentence", () => {
    const v = guard(`${BODY}그렇게 하루가 저물었다.\n\n* * *\n`)
    expect(only(v, "ending.no-hook")[0]?.evidence?.text).toBe("그렇게 하루가 저물었다.")
  })

  it("is an error, or nothing, as endingSeverity says", () => {
    const text = `${BODY}그들은 잠자리에 들었다.`
    const asError = guard(text, { options: { endingSeverity: "error" } })
    expect(only(asError, "ending.no-hook")[0]?.severity).toBe("error")
    expect(asError.accepted).toBe(false)
    expect(only(guard(text, { options: { endingSeverity: "off" } }), "ending.no-hook")).toEqual([])
  })

  it("is Korean only: other languages have no closing words to read", () => {
    expect(only(guard("They walked home. And so the day came to an end.", {}, EN), "ending.no-hook")).toEqual([])
  })
})

describe("ending.monotonous", () => {
  it("flags the third episode in a row ending on the same kind of hook", () => {
    const text = `${BODY}바로 그 순간, 창고 문이 벌컥 열렸다.`
    const v = guard(text, { episode: 3, recent: before("그때, 누군가 문을 두드렸다.", "갑자기 휴대폰이 울렸다.") })
    const [f] = only(v, "ending.monotonous")
    expect(f?.severity).toBe("warning")
    expect(f?.message).toContain("arrival")
    expect(f?.evidence?.text).toBe("바로 그 순간, 창고 문이 벌컥 열렸다.")
    honest(text, v)
  })

  it("does not flag two in a row, a varied run, or a run broken by a missing episode", () => {
    const text = `${BODY}바로 그 순간, 창고 문이 벌컥 열렸다.`
    expect(only(guard(text, { episode: 2, recent: before("그때, 누군가 문을 두드렸다.") }), "ending.monotonous")).toEqual([])
    expect(only(guard(text, { episode: 3, recent: before("복면 아래의 얼굴은, 다름 아닌 백린이었다.", "갑자기 휴대폰이 울렸다.") }), "ending.monotonous"))
      .toEqual([])
    // episodes 1 and 2 before a draft for episode 4: episode 3 is missing, so no run of three is known
    expect(only(guard(text, { episode: 4, recent: before("그때, 누군가 문을 두드렸다.", "갑자기 휴대폰이 울렸다.") }), "ending.monotonous"))
      .toEqual([])
  })

  it("flags nearly the same final sentence as the episode before, whatever its kind", () => {
    const v = guard(`${BODY}윤하는 조용히 검을 내려놓았다.`, { episode: 2, recent: before("윤하는 조용히 검을 내려 놓았다!") })
    expect(only(v, "ending.monotonous")[0]?.message).toContain("nearly the same sentence")
  })

  it("takes the run lengths from the options", () => {
    const text = `${BODY}바로 그 순간, 창고 문이 벌컥 열렸다.`
    const recent = before("그때, 누군가 문을 두드렸다.")
    expect(only(guard(text, { episode: 2, recent, options: { monotonousEndingRun: 2 } }), "ending.monotonous")).toHaveLength(1)
    const same = before("윤하는 조용히 검을 내려놓았다.", "윤하는 조용히 검을 내려놓았다.")
    expect(only(guard(`${BODY}윤하는 조용히 검을 내려놓았다.`, { episode: 3, recent: same, options: { similarEndingRun: 3 } }), "ending.monotonous"))
      .toHaveLength(1)
    expect(only(guard(`${BODY}윤하는 조용히 검을 내려놓았다.`, { episode: 3, recent: same.slice(1).map((e) => ({ ...e, number: 2 })), options: { similarEndingRun: 3 } }), "ending.monotonous"))
      .toEqual([])
  })

  it("works in any language on questions, ellipses and dialogue", () => {
    const recent = before("Who opened the door?", "\"Where were you last night?\"").map((e) => ({ ...e, body: `They walked on.\n\n${e.body.slice(BODY.length)}` }))
    const v = guard("She looked up. Why was the lamp still burning?", { episode: 3, recent }, EN)
    expect(only(v, "ending.monotonous")[0]?.message).toContain("question")
  })
})

describe("guard options for the endings", () => {
  it.each([
    [{ endingSeverity: "loud" }, "options.endingSeverity"],
    [{ monotonousEndingRun: 1 }, "options.monotonousEndingRun"],
    [{ similarEndingRun: 2.5 }, "options.similarEndingRun"],
  ])("refuses %j, naming the option", (options, name) => {
    expect(() => guard(BODY, { options } as unknown as Partial<GuardInput>)).toThrow(GuardInputInvalid)
    expect(() => guard(BODY, { options } as unknown as Partial<GuardInput>)).toThrow(name)
  })
})

describe("endingOf", () => {
  it.each([
    ["“그거, 진심이었어요?”", "question"],
    ["‘왜 내 이름이 여기 있는 거지?’", "question"],
    ["그렇다면 그 사서는 어떻게 소월의 이름을 알고 있었을까.", "question"],
    ["“그리고 그 사람의 이름은……”", "ellipsis"],
    ["“다음엔 경고로 안 끝납니다.”", "dialogue"],
    ["그때, 객잔의 문이 벌컥 열렸다.", "arrival"],
    ["복면 아래의 얼굴은, 다름 아닌 백린이었다.", "reveal"],
    ["마진혁의 반지였다.", "reveal"],
    ["흑월회였다.", "reveal"],
    ["윤하는 고개를 숙였다.", "plain"],
    ["윤하가 작게 속삭였다.", "plain"],
    ["차가운 칼끝이 그녀의 목덜미에 닿았다.", "danger"],
    ["윤하는 아직 몰랐다.", "suspense"],
    ["긴 하루였다.", "flat"],
    ["위험했던 하루가 저물었다.", "flat"],
    ["잠자리에 들려던 순간, 전화가 울렸다.", "arrival"],
    ["세 사람의 여정은 그렇게 계속되었다.", "flat"],
    ["식은 커피를 한 모금 마셨다.", "plain"],
  ])("reads %s as %s", (sentence, kind) => {
    expect(sentenceKind(sentence, true)).toBe(kind)
  })

  it("reads only the tail: what comes before it changes nothing", () => {
    const ending = "그렇게 하루가 저물었다. 그때, 문이 열렸다."
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (prefix) => {
        const text = `${prefix}\n${"가".repeat(TAIL_CHARS)}\n\n${ending}`
        const e = endingOf(text, true)
        expect(e?.kind).toBe("arrival")
        expect(text.slice(e!.cue.start, e!.last.end)).toBe("그때, 문이 열렸다.")
      }),
      { numRuns: 50 },
    )
  })

  it("gives spans of the text, the deciding sentence at or before the last, on any text", () => {
    const piece = fc.constantFrom(
      "그렇게 하루가 저물었다.", "그때, 문이 열렸다.", "“누구야?”", "‘설마……’", "윤하는 웃었다.", "\n", "\n\n", "* * *", "…", "?", "\"", "“", "# 제2화", " ",
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 40 }), fc.nat(150), fc.boolean(), (parts, filler, korean) => {
        // a filler before the pieces, so that the tail is cut mid-text as often as not
        const text = "가나다라. ".repeat(filler) + parts.join(" ")
        const e = endingOf(text, korean)
        if (e === undefined) return
        for (const span of [e.cue, e.last]) expect(text.slice(span.start, span.end)).toBe(span.text)
        expect(e.cue.start).toBeLessThanOrEqual(e.last.start)
        const v = guard(text, { episode: 2, recent: [{ number: 1, body: parts.slice().reverse().join(" ") }] })
        honest(text, v)
      }),
      { numRuns: 300 },
    )
  })

  it("has no ending without a sentence with a letter", () => {
    expect(endingOf("", true)).toBeUndefined()
    expect(endingOf("* * *\n---\n", true)).toBeUndefined()
  })
})

describe("endingSimilarity", () => {
  it("ignores spaces and punctuation and is symmetric", () => {
    expect(endingSimilarity("그때, 누군가 문을 두드렸다.", "그때 누군가 문을두드렸다!")).toBe(1)
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      expect(endingSimilarity(a, b)).toBeCloseTo(endingSimilarity(b, a))
      const s = endingSimilarity(a, b)
      expect(s >= 0 && s <= 1).toBe(true)
    }))
  })

  it("tells a different sentence apart", () => {
    expect(endingSimilarity("그때, 누군가 문을 두드렸다.", "복면 아래의 얼굴은 백린이었다.")).toBeLessThan(0.3)
  })
})
