import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { GuardFinding } from "../../src/domain/Episode.ts"
import { endsSentence, sanitizeDraft } from "../../src/pipeline/Sanitize.ts"

const ko = (text: string) => sanitizeDraft(text, { language: "ko" })
const codes = (fs: ReadonlyArray<GuardFinding>) => fs.map((f) => f.code)

/** Every finding's evidence is a span of the ORIGINAL answer. */
const honest = (original: string, fs: ReadonlyArray<GuardFinding>) => {
  for (const f of fs) if (f.evidence) expect(original.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
}

const BODY = "윤하는 검을 뽑았다. 달빛이 검신에 맺혔다.\n\n“가자.”\n\n태주가 고개를 끄덕였다."

describe("sanitizeDraft: what a chat model wraps around an episode", () => {
  it("strips a preamble, its separator, and an author's note after a closing separator", () => {
    const raw = `물론입니다! 요청하신 대로 제12화를 작성해 드리겠습니다.\n\n---\n\n# 제12화 달빛\n\n${BODY}\n\n---\n\n**작가의 말**: 이번 화에서는 두 사람의 관계를 보여 주고 싶었습니다.`
    const out = ko(raw)
    expect(out.rejected).toBe(false)
    expect(out.text).toBe(`# 제12화 달빛\n\n${BODY}`)
    expect(codes(out.findings)).toEqual(["sanitize.preamble", "sanitize.author-note"])
    expect(out.findings.every((f) => f.severity === "warning")).toBe(true)
    expect(out.findings[0]!.evidence!.text).toMatch(/^물론입니다! 요청하신 대로 제12화를 작성해 드리겠습니다\.\n\n---/)
    expect(out.findings[1]!.evidence!.text).toMatch(/^---\n\n\*\*작가의 말\*\*/)
    honest(raw, out.findings)
  })

  it("strips an English preamble, a sign-off, and an inline (작가 노트: …)", () => {
    const raw = `Here is the next episode:\n\n${BODY}(작가 노트: 여기서 긴장감을 높였습니다.)\n\n이상으로 제7화를 마칩니다. 도움이 되었길 바랍니다!`
    const out = ko(raw)
    expect(out.text).toBe(BODY)
    expect(codes(out.findings).sort()).toEqual(["sanitize.author-note", "sanitize.preamble", "sanitize.sign-off"])
    honest(raw, out.findings)
  })

  it("strips the usual sign-offs, in Korean and English", () => {
    for (const signOff of [
      "이번 화는 어떠신가요? 수정하고 싶은 부분이 있으면 알려 주세요.",
      "다음 화를 원하시면 말씀해 주세요!",
      "마음에 드셨으면 좋겠습니다.",
      "I hope you enjoyed this episode! Let me know if you'd like any changes.",
    ]) {
      const out = ko(`${BODY}\n\n${signOff}`)
      expect(out.text, signOff).toBe(BODY)
      expect(codes(out.findings), signOff).toEqual(["sanitize.sign-off"])
    }
  })

  it("unwraps an answer fenced whole, keeps a fenced status window, drops a fenced piece of code", () => {
    const whole = ko("```markdown\n# 제3화 비\n\n" + BODY + "\n```")
    expect(whole.text).toBe("# 제3화 비\n\n" + BODY)
    expect(codes(whole.findings)).toEqual(["sanitize.code-fence", "sanitize.code-fence"])
    const status = ko(`${BODY}\n\n\`\`\`\n[레벨이 올랐습니다.]\n[새로운 스킬: 약점 간파]\n\`\`\`\n\n소율은 웃었다.`)
    expect(status.text).toBe(`${BODY}\n\n[레벨이 올랐습니다.]\n[새로운 스킬: 약점 간파]\n\n소율은 웃었다.`)
    const code = "```js\nconst x = { a: 1 };\n```"
    const withCode = ko(`${BODY}\n\n${code}\n\n소율은 웃었다.`)
    expect(withCode.text).toBe(`${BODY}\n\n소율은 웃었다.`)
    expect(withCode.findings[0]!.evidence!.text).toBe(code + "\n")
  })

  it("takes the prose of a JSON answer (under its title), maps evidence back through the escapes", () => {
    const raw = JSON.stringify({ title: "제5화 검은 장부", content: BODY, summary: "요약" }, null, 2)
    const out = ko(raw)
    expect(out.rejected).toBe(false)
    expect(out.text).toBe(`# 제5화 검은 장부\n\n${BODY}`)
    expect(codes(out.findings)).toEqual(["sanitize.json"])
    expect(out.findings[0]!.evidence!.text).toMatch(/^\{\n {2}"title": "제5화 검은 장부",\n {2}"content": "$/)
    honest(raw, out.findings)
    // a fenced JSON answer under another key, with a header inside the prose: the header's evidence is in the raw answer
    const fenced = "```json\n" + JSON.stringify({ episode: "# 제6화\n\n## 장면 1\n\n" + BODY }) + "\n```"
    const f = ko(fenced)
    expect(f.text).toBe("# 제6화\n\n" + BODY)
    expect(codes(f.findings)).toEqual(["sanitize.code-fence", "sanitize.code-fence", "sanitize.json", "sanitize.header"])
    honest(fenced, f.findings)
    expect(f.findings[3]!.evidence!.text).toBe("## 장면 1\\n")
  })

  it("rejects a JSON answer without prose, and one cut inside its prose", () => {
    const noProse = ko(JSON.stringify({ episode: 3, scenes: [{ summary: "윤하가 떠난다" }] }))
    expect(noProse.rejected).toBe(true)
    expect(codes(noProse.findings)).toEqual(["sanitize.json", "sanitize.empty"])
    const cut = ko(`{"title": "제9화", "content": "윤하는 천천히 걸음을 옮기며 생각에`)
    expect(cut.rejected).toBe(true)
    expect(codes(cut.findings)).toEqual(["sanitize.json", "sanitize.cut-mid-sentence"])
    expect(cut.findings[1]!.severity).toBe("error")
    expect(cut.findings[1]!.evidence!.text).toBe("윤하는 천천히 걸음을 옮기며 생각에")
  })

  it("strips JSON and YAML metadata blobs, front matter included", () => {
    const trailing = ko(`${BODY}\n\n{\n  "summary": "윤하가 검을 뽑는다",\n  "characters": ["서윤하"]\n}`)
    expect(trailing.text).toBe(BODY)
    expect(codes(trailing.findings)).toEqual(["sanitize.json"])
    const yaml = ko(`---\ntitle: 제4화\nsummary: 윤하가 간다\ncharacters:\n  - 서윤하\n---\n\n${BODY}`)
    expect(yaml.text).toBe(BODY)
    expect(codes(yaml.findings)).toEqual(["sanitize.yaml"])
    // a status window's `HP: 100` lines are the story, not metadata
    const hp = `${BODY}\n\nHP: 100/100\nMP: 40/40\n\n소율은 숨을 골랐다.`
    expect(ko(hp)).toEqual({ text: hp, findings: [], rejected: false })
  })

  it("strips a recap under its header (a section, a bold lead, Previously), not a recap woven into the prose", () => {
    const section = ko(`## 지난 화 요약\n윤하는 나루를 떠났다.\n백린이 길잡이를 자처했다.\n\n---\n\n# 제2화\n\n${BODY}`)
    expect(section.text).toBe(`# 제2화\n\n${BODY}`)
    expect(codes(section.findings)).toEqual(["sanitize.recap"])
    const bold = ko(`**이전 이야기:** 윤하는 나루를 떠났다.\n\n${BODY}`)
    expect(bold.text).toBe(BODY)
    const previously = ko(`Previously: 윤하는 나루를 떠났다.\n\n${BODY}`)
    expect(previously.text).toBe(BODY)
    const woven = `지난밤 나루에서 흑월회를 피해 도망친 일이 아직 생생했다. 지난 화에서처럼 도망칠 수는 없었다.\n\n${BODY}`
    expect(ko(woven)).toEqual({ text: woven, findings: [], rejected: false })
  })

  it("keeps the title line and strips other Markdown headers", () => {
    const out = ko(`# 제8화 두 번째 게이트\n\n## 장면 1\n\n${BODY}\n\n### 장면 2\n\n소율은 웃었다.`)
    expect(out.text).toBe(`# 제8화 두 번째 게이트\n\n${BODY}\n\n소율은 웃었다.`)
    expect(codes(out.findings)).toEqual(["sanitize.header", "sanitize.header"])
  })

  it("leaves the story alone: scene breaks, narration that starts like a sign-off, a last line of dialogue", () => {
    for (const text of [
      `${BODY}\n\n* * *\n\n다음 날 아침, 윤하는 일찍 일어났다.`,
      `${BODY}\n\n도움이 되지 않았다. 윤하는 검을 다시 들었다.`,
      `${BODY}\n\n“이상이 없습니다. 가시지요.”`,
      `${BODY}\n\n네 번째 자객이 쓰러졌다.`,
    ]) expect(ko(text), text).toEqual({ text, findings: [], rejected: false })
  })

  it("rejects nothing-left and empty answers", () => {
    expect(ko("").rejected).toBe(true)
    expect(codes(ko("").findings)).toEqual(["sanitize.empty"])
    const onlyTalk = ko("물론입니다! 제3화를 작성해 드리겠습니다:\n\n# 제3화")
    expect(onlyTalk.rejected).toBe(true)
    expect(codes(onlyTalk.findings)).toContain("sanitize.empty")
  })

  it("is idempotent: a sanitized draft has nothing more to strip", () => {
    const raw = `네, 다음은 제7화의 본문입니다:\n\n# 제7화\n\n## 장면\n\n${BODY}\n\n이상입니다. 수정이 필요하시면 말씀해 주세요.`
    const once = ko(raw)
    expect(ko(once.text)).toEqual({ text: once.text, findings: [], rejected: false })
  })
})

describe("endsSentence: a draft must not stop mid-sentence", () => {
  it("accepts a terminator, a closing quote of dialogue, a Korean final ending", () => {
    for (const t of ["그는 떠났다.", "정말?", "그리고…", "“가자.”", "“가자”", "‘이건 아니야’", "그는 떠났다", "괜찮아요", "갈까", "그렇죠", "좋네", "(끝)", "그는 떠났다.**", "끝이 아니다 —"]) {
      expect(endsSentence(t, "ko"), t).toBe(true)
    }
  })

  it("rejects a cut: mid-word, after a particle, a comma, an open quote, a bare 다, a heading", () => {
    for (const t of ["윤하는 검을 들어 올리며 천천히", "그러니까 제 말은, 그 요양원 이사장이 바로", "그는 말했다,", "“그러니까 내 말은", "그는 다", "", "본문\n\n# 제2화"]) {
      expect(endsSentence(t, "ko"), t).toBe(false)
    }
  })

  it("is language-agnostic beyond the Korean endings", () => {
    expect(endsSentence("He left.", "en")).toBe(true)
    expect(endsSentence("He left and the", "en")).toBe(false)
    // 다 ends a Korean sentence, not an English one
    expect(endsSentence("그는 떠났다", "en")).toBe(false)
  })

  it("a draft ending mid-sentence is rejected with the tail as evidence", () => {
    const raw = `${BODY}\n\n중간쯤 내려왔을 때였다. 검은 복면의 손에 들린 단검이 밧줄을 향해 천천히`
    const out = ko(raw)
    expect(out.rejected).toBe(true)
    expect(out.findings).toHaveLength(1)
    expect(out.findings[0]).toMatchObject({ code: "sanitize.cut-mid-sentence", severity: "error" })
    expect(raw.endsWith(out.findings[0]!.evidence!.text)).toBe(true)
    honest(raw, out.findings)
  })
})

describe("sanitizeDraft on clean prose", () => {
  const word = fc.constantFrom("윤하는", "검을", "천천히", "바람이", "달빛", "아래", "태주가", "조용히", "마을로", "소월은", "그날", "나루터의", "판자를")
  const sentence = fc.tuple(fc.array(word, { minLength: 2, maxLength: 8 }), fc.constantFrom("다.", "다!", "까?", "요.", "다…"))
    .map(([ws, end]) => `${ws.join(" ")}${end}`)
  const line = fc.oneof(
    sentence,
    sentence.map((s) => `“${s}”`),
    sentence.map((s) => `‘${s}’`),
  )
  const paragraph = fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.join(" "))
  const draft = fc.tuple(fc.option(fc.constantFrom("# 제1화 달빛", "# 바람의 검"), { nil: undefined }), fc.array(paragraph, { minLength: 1, maxLength: 8 }))
    .map(([title, ps]) => [...(title === undefined ? [] : [title]), ...ps].join("\n\n"))

  it("is the identity, with no finding", () => {
    fc.assert(fc.property(draft, (text) => {
      const out = ko(text)
      expect(out).toEqual({ text, findings: [], rejected: false })
    }), { numRuns: 300 })
  })
})
