import { describe, expect, it } from "@effect/vitest"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import { JudgeParseError, locateQuote, parseJudgeVerdict, renderJudgePrompt, renderWriterPrompt } from "../../src/llm/Prompt.ts"

const brief: WriterBrief = {
  project: "black-tower",
  projectTitle: "검은 탑의 기사",
  genre: "fantasy_kr",
  language: "ko",
  episode: 7,
  seed: 1,
  draft: 2,
  premise: "몰락한 기사 가문의 막내가 검은 탑에 오른다.",
  tone: "담담하고 비장하게",
  styleRules: ["문장은 짧게", "대사는 큰따옴표"],
  bannedWords: ["갑분싸", "레알"],
  beat: "서준이 탑의 3층에서 스승의 검을 찾는다.",
  episodeTitle: null,
  nextBeat: "스승이 살아 있다는 사실이 드러난다.",
  previousSummary: "서준은 2층의 수문장을 쓰러뜨렸다.",
  storySoFar: [
    { episode: 2, title: "", summary: "백도윤이 탑의 문 앞에서 숨을 거두었다." },
    { episode: 6, title: "수문장", summary: "서준은 2층의 수문장을 쓰러뜨렸다." },
  ],
  deadCharacters: [{ name: "백도윤", note: "숨을 거두었다", episode: 2 }, { name: "한결", note: "", episode: 0 }],
  cast: [
    { id: "seojun", name: "이서준", aliases: ["막내", "서준"], role: "주인공", status: "alive", traits: ["고집", "검술"], firstEpisode: 0 },
    { id: "master", name: "백도윤", aliases: ["스승"], role: "스승", status: "dead", traits: ["과묵"], firstEpisode: 0 },
  ],
  places: [{ id: "tower", name: "검은 탑", description: "열 개 층의 탑" }],
  relations: [{ from: "seojun", to: "master", type: "SERVES", since: 1 }],
  worldRules: ["마력은 해가 진 뒤에만 쓸 수 있다"],
  lengthBand: { min: 5000, max: 5500 },
  findingsToFix: [{ code: "dead-speaks", category: "characterization", severity: "error", message: "죽은 스승이 말을 한다", evidence: { start: 10, end: 20, text: "스승이 말했다" } }],
  promptAdditions: ["회차 끝에 떡밥을 하나 남길 것"],
}

describe("writer prompt", () => {
  it("renders the bible: cast with aliases/traits/status, dead flagged, rules, beats, length, fixes, plugins", () => {
    const [system, user] = renderWriterPrompt(brief)
    expect(system!.role).toBe("system")
    expect(system!.content).toContain("Korean")
    expect(system!.content).toContain("문장은 짧게")
    expect(system!.content).toContain("갑분싸")
    expect(system!.content).toContain("마력은 해가 진 뒤에만")
    expect(system!.content).toContain("몰락한 기사 가문")
    expect(system!.content).toContain("Between 5000 and 5500 characters")
    // who the characters are: the standing Bible, in the system message
    expect(system!.content).toContain("also called: 막내, 서준")
    expect(system!.content).toContain("traits: 고집, 검술")
    expect(system!.content).toContain("이서준 —SERVES→ 백도윤")
    expect(system!.content).toContain("열 개 층의 탑")
    const u = user!.content
    // how they are now: with the episode
    expect(u).toMatch(/백도윤.*DEAD/)
    expect(u).toContain("2층의 수문장")
    // every dead character, in the cast or not, with how and when
    expect(u).toMatch(/## Dead[^\n]*\n- 백도윤 — died in episode 2: 숨을 거두었다\n- 한결/)
    expect(u).toMatch(/Story so far\n- Episode 2: 백도윤이 탑의 문 앞에서[^\n]*\n- Episode 6 «수문장»: 서준은/)
    expect(u).toContain("스승의 검을 찾는다")
    expect(u).toMatch(/DO NOT reveal[\s\S]*스승이 살아 있다/)
    expect(u).toMatch(/draft 1[\s\S]*죽은 스승이 말을 한다/)
    expect(u).toContain("떡밥")
    expect(u).toMatch(/^# Episode 7 — draft 2$/m)
  })

  it("orders the prompt from the most to the least stable: rules, standing Bible, story so far, this episode", () => {
    const prompt = renderWriterPrompt(brief).map((m) => m.content).join("\n")
    const at = (text: string) => {
      const i = prompt.indexOf(text)
      expect(i, text).toBeGreaterThanOrEqual(0)
      return i
    }
    const order = [at("## World rules"), at("## Length"), at("## Places"), at("## Characters"), at("## Story so far"), at("# Episode 7"), at("## Cast of this episode"), at("## This episode's beat"), at("## Fix these problems")]
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })

  it("keeps the system message identical across episodes (a cacheable prefix)", () => {
    const a = renderWriterPrompt(brief)[0]!.content
    const b = renderWriterPrompt({ ...brief, episode: 8, beat: "다른 비트", draft: 1, findingsToFix: [] })[0]!.content
    expect(a).toBe(b)
  })

  it("states the block's standing Bible in the system message, and what changed since with the episode", () => {
    const standing = { asOfEpisode: 0, characters: brief.cast, places: brief.places, relations: brief.relations }
    const newcomer = { id: "rin", name: "린", aliases: ["여우"], role: "안내자", status: "alive" as const, traits: ["장난"], firstEpisode: 5 }
    const injured = { ...brief.cast[0]!, status: "injured" as const, statusNote: "왼팔", traits: ["고집", "검술", "외팔 검법"] }
    const later: WriterBrief = {
      ...brief,
      episode: 8,
      standing,
      cast: [injured, brief.cast[1]!, newcomer],
      places: [...brief.places, { id: "well", name: "마른 우물", description: "탑 아래의 우물" }],
      relations: [...brief.relations, { from: "rin", to: "seojun", type: "KNOWS", since: 5 }],
    }
    const [system, user] = renderWriterPrompt(later)
    // Same standing Bible, same system message, whatever the episode's cast is.
    expect(system!.content).toBe(renderWriterPrompt({ ...brief, standing })[0]!.content)
    expect(system!.content).not.toContain("린")
    const u = user!.content
    expect(u).toMatch(/## Characters new or changed since episode 0\n- \*\*이서준\*\*[^\n]*외팔 검법\n- \*\*린\*\* \(id: rin\) — 안내자; also called: 여우; traits: 장난/)
    expect(u).not.toMatch(/new or changed[^#]*백도윤/)
    expect(u).toMatch(/## Places new or changed since episode 0\n- \*\*마른 우물\*\*/)
    expect(u).toContain("린 —KNOWS→ 이서준 (since episode 5)")
    expect(u).toContain("**이서준**: injured (왼팔) — keep it consistent")
  })

  it("omits the next-beat and fixes sections when there are none", () => {
    const u = renderWriterPrompt({ ...brief, nextBeat: null, findingsToFix: [], promptAdditions: [], draft: 1 })[1]!.content
    expect(u).not.toContain("DO NOT reveal")
    expect(u).not.toContain("Fix these problems")
    expect(u).not.toContain("new or changed since")
  })
})

describe("LLM judge", () => {
  const draft = "서준은 탑을 올랐다. 스승이 말했다. \"가거라.\" 서준은   고개를 끄덕였다."

  it("renders a rubric prompt holding the draft", () => {
    const messages = renderJudgePrompt(brief, draft)
    expect(messages[0]!.content).toContain("characterization")
    expect(messages[1]!.content).toContain(draft)
  })

  it("parses a fenced JSON verdict and maps quotes to evidence spans", () => {
    const raw = "Here you go:\n```json\n" + JSON.stringify({
      accepted: false,
      score: 0.4,
      findings: [
        { code: "dead-speaks", category: "characterization", severity: "error", message: "dead master speaks", quote: "스승이 말했다" },
        { code: "ws", category: "style", severity: "error", message: "spacing", quote: "서준은 고개를" },
        { code: "ghost", category: "style", severity: "error", message: "not in the draft", quote: "없는 문장" },
      ],
    }) + "\n```"
    const verdict = parseJudgeVerdict(raw, draft)
    if (verdict instanceof JudgeParseError) throw verdict
    expect(verdict.accepted).toBe(false)
    expect(verdict.reward).toBe(0.4)
    const [dead, ws, ghost] = verdict.findings
    expect(dead!.evidence).toEqual({ start: draft.indexOf("스승이 말했다"), end: draft.indexOf("스승이 말했다") + 7, text: "스승이 말했다" })
    expect(draft.slice(ws!.evidence!.start, ws!.evidence!.end)).toBe("서준은   고개를")
    expect(ghost!.evidence).toBeUndefined()
    expect(ghost!.severity).toBe("warning")
  })

  it("refuses what is not a verdict", () => {
    expect(parseJudgeVerdict("I think it is fine.", draft)).toBeInstanceOf(JudgeParseError)
    expect(parseJudgeVerdict('{"accepted": "yes"}', draft)).toBeInstanceOf(JudgeParseError)
    expect(parseJudgeVerdict('{"accepted": true, "score": 2, "findings": []}', draft)).toEqual({ accepted: true, reward: 1, findings: [] })
  })

  it("locates quotes across whitespace differences", () => {
    expect(locateQuote("a  b\nc", "a b c")).toEqual({ start: 0, end: 6, text: "a  b\nc" })
    expect(locateQuote("abc", "")).toBeUndefined()
  })
})
