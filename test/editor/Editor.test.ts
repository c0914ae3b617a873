import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { cleanChars, editEpisode, normalizeInline, segmentDialogue, splitNarration } from "../../src/editor/Editor.ts"
import { splitSentences } from "../../src/text/Sentences.ts"

const ko = (s: string) => editEpisode(s, { language: "ko" })
const paragraphs = (s: string) => s.trimEnd().split("\n\n")

describe("editor: Korean web-novel conventions", () => {
  it("keeps the heading and separates paragraphs by one blank line", () => {
    const out = ko("#   제1화   달빛의   검\n\n\n\n첫 문단이다.\n\n\n둘째 문단이다.\n")
    expect(out).toBe("# 제1화 달빛의 검\n\n첫 문단이다.\n\n둘째 문단이다.\n")
  })

  it("normalises a heading without a space", () => {
    expect(ko("#제2화 나루")).toBe("# 제2화 나루\n")
  })

  it("puts each line of dialogue on its own line, in curly quotes", () => {
    const out = ko("윤하가 돌아보았다. \"거기 누구 있어?\" 태주가 물었다. \"대답해!\"")
    expect(paragraphs(out)).toEqual(["윤하가 돌아보았다.", "“거기 누구 있어?”", "태주가 물었다.", "“대답해!”"])
  })

  it("splits consecutive speakers", () => {
    expect(paragraphs(ko("“가자.” “그래.”"))).toEqual(["“가자.”", "“그래.”"])
    expect(paragraphs(ko("“가자.”\n“그래.”"))).toEqual(["“가자.”", "“그래.”"])
  })

  it("leaves a quote glued to narration in its sentence", () => {
    expect(paragraphs(ko("그는 “가자”라고 말했다."))).toEqual(["그는 “가자”라고 말했다."])
    expect(paragraphs(ko("“가자.” 하고 그가 말했다."))).toEqual(["“가자.” 하고 그가 말했다."])
  })

  it("puts thoughts in ‘ ’ and keeps apostrophes", () => {
    expect(ko("'정말 여기에 있을까.' 그녀는 생각했다.")).toBe("‘정말 여기에 있을까.’ 그녀는 생각했다.\n")
    expect(ko("그는 '검성'이라 불렸다.")).toBe("그는 ‘검성’이라 불렸다.\n")
    expect(editEpisode("Don't stop.", { language: "en" })).toBe("Don't stop.\n")
  })

  it("splits narration paragraphs longer than three sentences, evenly", () => {
    const out = ko("하나다. 둘이다. 셋이다. 넷이다.")
    expect(paragraphs(out)).toEqual(["하나다. 둘이다.", "셋이다. 넷이다."])
    const seven = ko("1이다. 2이다. 3이다. 4이다. 5이다. 6이다. 7이다.")
    expect(paragraphs(seven).map((p) => splitSentences(p).length)).toEqual([3, 2, 2])
    expect(splitNarration("가. 나. 다.", 3)).toEqual(["가. 나. 다."])
  })

  it("normalises spacing, punctuation and ellipses", () => {
    expect(ko("  그는   걸었다 .  비가 왔다 ,  그리고... 멈췄다 !  ")).toBe("그는 걸었다. 비가 왔다, 그리고… 멈췄다!\n")
    expect(ko("정말 ?! ")).toBe("정말?!\n")
    expect(ko("“  가자  ”")).toBe("“가자”\n")
    expect(ko("그는..그녀는")).toBe("그는…그녀는\n")
    expect(normalizeInline("a\u00a0\u00a0b")).toBe("a\u00a0\u00a0b") // NBSP is turned into spaces before, by the editor
    expect(ko("a\u00a0\u00a0b\u200b")).toBe("a b\n")
  })

  it("joins soft-wrapped lines of a paragraph and trims them", () => {
    expect(ko("  그는 천천히\n   걸었다.  \n")).toBe("그는 천천히 걸었다.\n")
  })

  it("composes NFC and normalises line endings", () => {
    const nfd = "한국어 문장이다.\r\n\r\n다음 문단.".normalize("NFD")
    expect(ko(nfd)).toBe("한국어 문장이다.\n\n다음 문단.\n")
  })

  it("keeps scene breaks", () => {
    expect(paragraphs(ko("끝났다.\n***\n시작했다."))).toEqual(["끝났다.", "***", "시작했다."])
  })

  it("leaves an unmatched quote alone", () => {
    expect(ko("그가 말했다. \"끝나지 않은")).toBe("그가 말했다. \"끝나지 않은\n")
  })

  it("segments dialogue and narration", () => {
    expect(segmentDialogue("앞. “가.” 뒤.")).toEqual([
      { kind: "narration", text: "앞." },
      { kind: "dialogue", text: "“가.”" },
      { kind: "narration", text: "뒤." },
    ])
  })

  it("only trims and spaces a non-Korean text", () => {
    expect(editEpisode("One. Two. Three. Four. \"Hi,\" she said.", { language: "en" })).toBe("One. Two. Three. Four. “Hi,” she said.\n")
  })

  it("formats a realistic draft", () => {
    const draft = `#제3화  안개 나루의 밤
안개 나루에 닿았을 때 해는 이미 넘어가 있었다 . 서윤하는 젖은 소매를 털었다. 판자가 삐걱거렸다. 태주는 말없이 뒤를 따랐다. "오늘 밤은 여기서 묵는다." 윤하의 말에 태주가 고개를 끄덕였다.
'검이 조용하다...' 윤하는 생각했다.`
    expect(ko(draft)).toBe(`# 제3화 안개 나루의 밤

안개 나루에 닿았을 때 해는 이미 넘어가 있었다. 서윤하는 젖은 소매를 털었다.

판자가 삐걱거렸다. 태주는 말없이 뒤를 따랐다.

“오늘 밤은 여기서 묵는다.”

윤하의 말에 태주가 고개를 끄덕였다. ‘검이 조용하다…’ 윤하는 생각했다.
`)
  })
})

describe("editor: idempotence", () => {
  const unit = fc.constantFrom(
    "가", "나", "윤하", "말했다", " ", "  ", "\n", "\n\n", ".", "..", "...", "…", ",", "?", "!", "\"", "'", "“", "”", "‘", "’",
    "#", "# ", "***", "\t", "\u00a0", "라고", "하고", "a", "3.5", "\r\n", "-", "(", ")",
  )
  for (const language of ["ko", "en"]) {
    it(`edit(edit(x)) == edit(x) (${language})`, () => {
      fc.assert(fc.property(fc.string({ unit, maxLength: 80 }), (x) => {
        const once = editEpisode(x, { language })
        return editEpisode(once, { language }) === once
      }), { numRuns: 2000 })
    })
  }

  it("idempotent on arbitrary Unicode too", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (x) => {
      const once = ko(x)
      return ko(once) === once
    }), { numRuns: 500 })
  })

  it("keeps every letter of the text", () => {
    fc.assert(fc.property(fc.string({ unit, maxLength: 80 }), (x) => {
      const letters = (s: string) => [...s.normalize("NFC")].filter((c) => /\p{L}|\p{N}/u.test(c)).join("")
      return letters(ko(x)) === letters(x)
    }), { numRuns: 1000 })
  })
})

describe("editor: the quick paths give the straightforward answers", () => {
  // the versions before the quick paths: every rewrite tried in turn
  const cleanSlowly = (text: string) =>
    text.normalize("NFC").replace(/\r\n?/g, "\n").replace(/[\u200b-\u200d\u2060\ufeff]/g, "").replace(/[\t\u00a0\u3000\u2000-\u200a\u202f\u205f]/g, " ")
  const inlineSlowly = (s: string) => {
    let t = s.replace(/ {2,}/g, " ")
    const count = (t.match(/"/g) ?? []).length
    if (count >= 2) {
      const pairs = Math.floor(count / 2) * 2
      let k = 0
      t = t.replace(/"/g, (q) => (k >= pairs ? q : k++ % 2 === 0 ? "“" : "”"))
    }
    t = t.replace(/(^|[\s(“‘「『])'([^'\n]*[^'\s\n])'(?=$|[\s.,?!…”’」』)~]|[가-힣])/g, "$1‘$2’")
    t = t.replace(/ +([.,?!])/g, "$1").replace(/\.{2,}/g, "…").replace(/([“‘「『]) +/g, "$1").replace(/ +([”’」』])/g, "$1").replace(/ {2,}/g, " ")
    return t.trim()
  }
  const unit = fc.constantFrom(
    "가", "다", " ", "  ", ".", "..", ",", "?", "!", "\"", "'", "“", "”", "‘", "’", "「", "」", "『", "』", "\r", "\n", "\t", "\u00a0",
    "\u2000", "\u2001", "\u200a", "\u200b", "\u2060", "\ufeff", "\u3000", "\u202f", "\u205f", "\u1100", "\u1161", "\u11a8", "e\u0301", "Å", "＊", "…", "a",
  )
  it("cleans characters as the four rewrites in a row do", () => {
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), (x) => cleanChars(x) === cleanSlowly(x)), { numRuns: 3000 })
  })
  it("normalises inline text as every rewrite in turn does", () => {
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), (x) => normalizeInline(x) === inlineSlowly(x)), { numRuns: 3000 })
  })
})
