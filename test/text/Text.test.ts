import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  hangulShare, hangulStats, hasBatchim, isHangul, isHangulJamo, isHangulSyllable, isLetter, nfc,
} from "../../src/text/Hangul.ts"
import { nounCandidates, stripParticle, wordNames } from "../../src/text/Particles.ts"
import { splitLines, splitParagraphs, splitSentences } from "../../src/text/Sentences.ts"
import { charShingles, repeatedPassages, sharedPassages, shingleOverlap } from "../../src/text/Shingles.ts"
import { summarizeEpisode } from "../../src/text/Summary.ts"

const texts = (s: string) => splitSentences(s).map((x) => x.text)

describe("Hangul", () => {
  it("tells syllables, jamo and other letters apart", () => {
    expect(isHangulSyllable("가")).toBe(true)
    expect(isHangulSyllable("힣")).toBe(true)
    expect(isHangulSyllable("ㄱ")).toBe(false)
    expect(isHangulJamo("ㄱ")).toBe(true)
    expect(isHangulJamo("\u1100")).toBe(true)
    expect(isHangul("ㅏ")).toBe(true)
    expect(isHangul("a")).toBe(false)
    expect(isHangul("漢")).toBe(false)
    expect(isLetter("漢")).toBe(true)
    expect(isLetter("1")).toBe(false)
    expect(isLetter("…")).toBe(false)
  })

  it("computes the share of Hangul among letters, ignoring digits, spaces and punctuation", () => {
    expect(hangulShare("안녕하세요")).toBe(1)
    expect(hangulShare("안녕 abc")).toBeCloseTo(2 / 5)
    expect(hangulShare("123 … !?")).toBe(1)
    expect(hangulStats("가나 AB 漢").letters).toBe(5)
    expect(hangulStats("가나 AB 漢").hangul).toBe(2)
  })

  it("counts decomposed (NFD) text as the composed syllables", () => {
    const nfd = "한국어".normalize("NFD")
    expect(nfd.length).toBeGreaterThan(3)
    expect(nfc(nfd)).toBe("한국어")
    expect(hangulStats(nfd).letters).toBe(3)
    expect(hangulShare(nfd)).toBe(1)
  })

  it("finds final consonants", () => {
    expect(hasBatchim("윤")).toBe(true)
    expect(hasBatchim("하")).toBe(false)
    expect(hasBatchim("a")).toBe(false)
  })

  it("the share is always within [0, 1]", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const x = hangulShare(s)
      return x >= 0 && x <= 1
    }))
  })
})

describe("particles", () => {
  it("strips particles and the hypocoristic 이", () => {
    expect(stripParticle("도윤이가")).toBe("도윤")
    expect(stripParticle("서연에게")).toBe("서연")
    expect(stripParticle("윤하께서")).toBe("윤하")
    expect(stripParticle("태주한테")).toBe("태주")
    expect(stripParticle("세라는")).toBe("세라")
    expect(stripParticle("하람을")).toBe("하람")
    expect(stripParticle("백린의")).toBe("백린")
    expect(stripParticle("민지야")).toBe("민지")
    expect(stripParticle("도윤아")).toBe("도윤")
    expect(stripParticle("그대여")).toBe("그대")
    expect(stripParticle("소월이여")).toBe("소월")
    expect(stripParticle("태주와")).toBe("태주")
    expect(stripParticle("하람과")).toBe("하람")
    expect(stripParticle("세라도")).toBe("세라")
    expect(stripParticle("세라만")).toBe("세라")
    expect(stripParticle("검")).toBe("검")
    expect(stripParticle("검은", 1)).toBe("검")
  })

  it("matches a name followed by particles only", () => {
    expect(wordNames("도윤이가", "도윤")).toBe(true)
    expect(wordNames("도윤에게는", "도윤")).toBe(true)
    expect(wordNames("도윤", "도윤")).toBe(true)
    expect(wordNames("도윤아", "도윤")).toBe(true)
    expect(wordNames("세라야", "세라")).toBe(true)
    expect(wordNames("도윤하다", "도윤")).toBe(false)
    expect(wordNames("세라믹", "세라")).toBe(false)
  })

  it("lists bare-noun candidates", () => {
    expect(nounCandidates("서연이가")).toContain("서연")
    expect(nounCandidates("서연이가")).toContain("서연이")
  })
})

describe("sentence splitting", () => {
  it("splits on . ? ! … and keeps ?! runs together", () => {
    expect(texts("그는 걸었다. 비가 왔다! 정말?! 그래… 알았어.")).toEqual(["그는 걸었다.", "비가 왔다!", "정말?!", "그래…", "알았어."])
  })

  it("does not split inside quotes, and ends a sentence at a closing quote after punctuation", () => {
    expect(texts("“가자. 어서.” 그가 말했다. ‘정말일까? 아니야.’ 그녀는 생각했다."))
      .toEqual(["“가자. 어서.”", "그가 말했다.", "‘정말일까? 아니야.’", "그녀는 생각했다."])
  })

  it("keeps a quote glued to narration in its sentence", () => {
    expect(texts("“가자”라고 그가 말했다. 그녀는 웃었다.")).toEqual(["“가자”라고 그가 말했다.", "그녀는 웃었다."])
  })

  it("handles straight quotes, ellipses and decimals", () => {
    expect(texts("\"어디 가? 기다려.\" 그가 외쳤다... 3.5미터였다.")).toEqual(["\"어디 가? 기다려.\"", "그가 외쳤다...", "3.5미터였다."])
  })

  it("keeps closing brackets with the terminator", () => {
    expect(texts("그는 떠났다.) 그리고 돌아왔다.")).toEqual(["그는 떠났다.)", "그리고 돌아왔다."])
  })

  it("breaks at line ends and resets an unmatched quote there", () => {
    expect(texts("“끝나지 않은 말\n다음 줄. 그 다음.")).toEqual(["“끝나지 않은 말", "다음 줄.", "그 다음."])
  })

  it("gives offsets into the text", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom("가", "나", " ", ".", "?", "!", "…", "“", "”", "‘", "’", "\"", "\n", "a") }), (s) => {
      for (const sp of splitSentences(s)) {
        if (s.slice(sp.start, sp.end) !== sp.text) return false
        if (sp.text.trim() !== sp.text || sp.text.length === 0) return false
      }
      return true
    }))
  })

  it("splits paragraphs and lines with offsets", () => {
    const t = "첫 줄\n둘째 줄\n\n  \n셋째 문단\n"
    const ps = splitParagraphs(t)
    expect(ps.map((p) => p.text)).toEqual(["첫 줄\n둘째 줄", "셋째 문단"])
    for (const p of ps) expect(t.slice(p.start, p.end)).toBe(p.text)
    expect(splitLines(t).map((l) => l.text)).toEqual(["첫 줄", "둘째 줄", "셋째 문단"])
  })
})

describe("shingles", () => {
  const a = "서윤하는 무너진 회랑을 지나 검실로 내려갔다. 바람이 차가웠다."
  it("ignore whitespace", () => {
    expect(shingleOverlap(a, a.replace(/ /g, "  \n"), 5)).toBe(1)
    expect(charShingles("가 나 다 라", 3)).toEqual(new Set(["가나다", "나다라"]))
  })

  it("find the longest shared passage with offsets into the text", () => {
    const draft = "처음 보는 문장이다. 서윤하는 무너진 회랑을 지나 검실로 내려갔다. 끝."
    const [p] = sharedPassages(draft, charShingles(a, 6), 6)
    expect(p.text).toBe("서윤하는 무너진 회랑을 지나 검실로 내려갔다.")
    expect(draft.slice(p.start, p.end)).toBe(p.text)
  })

  it("find passages repeated within a text (the later copy)", () => {
    const s = "가나다라마바사 아자차카. 중간 문장. 가나다라마바사 아자차카."
    const [p] = repeatedPassages(s, 4)
    expect(p.text).toBe("가나다라마바사 아자차카.")
    expect(p.start).toBe(s.lastIndexOf("가나다라"))
  })

  it("do not call overlapping runs of one character a repetition of less than n", () => {
    expect(repeatedPassages("가나다라마바사아자차카타파하", 4)).toEqual([])
  })
})

describe("summary", () => {
  const episode = `# 제3화 안개 나루

안개 나루에 닿았을 때 해는 이미 강 건너로 넘어가 있었다. 서윤하는 젖은 소매를 털며 나루터의 낡은 판자를 밟았다.

“오늘 밤은 여기서 묵는다.”

윤하의 말에 한태주가 고개를 끄덕였다. 주막에서는 기름 타는 냄새가 흘러나왔다.

백린은 자정이 가까워서야 나타났다. 그는 흑월회가 강 상류까지 올라왔다고 전했다.

윤하는 품 안의 월광검을 가만히 쥐었다. 오늘 밤 검은 유난히 조용했다.`

  it("is 2–4 narration sentences, at most 300 characters, in story order", () => {
    const s = summarizeEpisode(episode, { names: ["서윤하", "윤하", "한태주", "백린"] })
    const sentences = splitSentences(s)
    expect(sentences.length).toBeGreaterThanOrEqual(2)
    expect(sentences.length).toBeLessThanOrEqual(4)
    expect([...s].length).toBeLessThanOrEqual(300)
    expect(s).not.toContain("#")
    expect(s).not.toContain("“")
    const positions = sentences.map((x) => episode.indexOf(x.text))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((x, y) => x - y)).toEqual(positions)
  })

  it("is deterministic", () => {
    expect(summarizeEpisode(episode)).toBe(summarizeEpisode(episode))
  })

  it("never exceeds its budget, whatever the text", () => {
    fc.assert(fc.property(
      fc.array(fc.string({ unit: fc.constantFrom("가", "나", "다", " ", ".", "\n", "“", "”", "#") , maxLength: 400 }), { maxLength: 8 }),
      (parts) => [...summarizeEpisode(parts.join(" "))].length <= 300,
    ))
  })

  it("is empty for an empty episode", () => {
    expect(summarizeEpisode("# 제1화\n\n")).toBe("")
  })
})
