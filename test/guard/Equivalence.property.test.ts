/**
 * The guard's faster algorithms against the straightforward ones they replaced, on random texts:
 * the answers must be the same, not merely close (findings and rewards are pinned byte for byte).
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { GuardContext } from "../../src/guard/Context.ts"
import { placeMatches } from "../../src/guard/checks/NamesAndPlaces.ts"
import { firstRuns } from "../../src/guard/checks/Plot.ts"
import { distinct2, retoldSentences } from "../../src/guard/checks/Repetition.ts"
import { guardContext } from "../../src/guard/Guard.ts"
import { ACTION_VERB, GESTURE_VERB, SPEECH_VERB } from "../../src/guard/Lexicon.ts"
import { maskQuotes, verbHitsIn } from "../../src/guard/Names.ts"
import { splitSentences, type Span } from "../../src/text/Sentences.ts"
import { occurrencesIn, pairGrams, pairOccurrencesIn, squeeze, squeezeChars, SqueezedText, textGrams } from "../../src/text/Shingles.ts"
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { fantasy } from "./corpus/worlds.ts"

const RUNS = Number(process.env.CHAOS_RUNS ?? 200)

// ---------------------------------------------------------------------------
// random Korean-ish text: few words, so that sentences share trigrams; some non-NFC input too

const WORDS = [
  "윤하는", "태주가", "검을", "들었다", "바람이", "불었다", "그는", "조용히", "말했다", "마을로", "향했다", "달빛", "아래", "서윤하", "한태주",
  "“가자.”", "‘이건", "아니야.’", "'속'", "\"좋아\"", "...", "…", "!", "?", "가\u11a8", "\u1100\u1161", "e\u0301", "Å", "—", "(웃음)", "3.5", "다.",
]
const sentence = fc
  .tuple(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }), fc.constantFrom(".", "!", "?", "…", ""))
  .map(([ws, end]) => ws.join(" ") + end)
const text = fc
  .array(fc.oneof({ weight: 12, arbitrary: sentence }, { weight: 1, arbitrary: fc.constantFrom("\n", "\n\n", "# 제목\n", "\r\n", "\t", "\u2028") }), {
    maxLength: 60,
  })
  .map((parts) => parts.join(" "))

/** A previous episode that retells parts of the draft, in order or not, with small edits. */
const retelling = (draft: string) =>
  fc.record({
    keep: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
    shuffle: fc.boolean(),
    extra: text,
    summary: fc.option(text, { nil: undefined }),
  }).map(({ keep, shuffle, extra, summary }) => {
    const kept = splitSentences(draft).map((s) => s.text).filter((_, i) => keep[i % keep.length])
    if (shuffle) kept.reverse()
    return { body: [...kept, extra].join(" "), summary }
  })

const contextOf = (draft: string, previous: { body: string; summary?: string | undefined }): GuardContext =>
  guardContext({
    text: draft,
    episode: 2,
    project: fantasy.project,
    bible: fantasy.bible,
    recent: [{ number: 1, body: previous.body, ...(previous.summary === undefined ? {} : { summary: previous.summary }) }],
  })

// ---------------------------------------------------------------------------
// repetition.retell: trigram sets of numbers, every draft sentence against every previous one

const bodyOnly = (t: string): string => t.replace(/^[ \t]*#[^\n]*$/gm, (line) => " ".repeat(line.length))
const isSpace = (c: string) => /\s/.test(c)
const isPunct = (c: string) => /[“”‘’"'.,!?…·:;()\-—]/.test(c)

const trigramSet = (s: string): { grams: Set<string>; squeezed: number } => {
  const chars = [...s.normalize("NFC")].flatMap((ch) => ch.split("")).filter((c) => !isSpace(c))
  const kept = chars.filter((c) => !isPunct(c))
  const grams = new Set<string>()
  for (let i = 0; i + 3 <= kept.length; i++) grams.add(kept.slice(i, i + 3).join(""))
  return { grams, squeezed: chars.length }
}

const longestIncreasing = (xs: ReadonlyArray<number>): Array<number> => {
  // O(n²) dynamic programme; among chains of the same length, the one patience sorting builds
  const tails: Array<number> = []
  const tailIdx: Array<number> = []
  const prev: Array<number> = new Array(xs.length).fill(-1)
  xs.forEach((x, i) => {
    if (x < 0) return
    let lo = 0
    while (lo < tails.length && tails[lo]! < x) lo++
    tails[lo] = x
    tailIdx[lo] = i
    prev[i] = lo > 0 ? tailIdx[lo - 1]! : -1
  })
  const out: Array<number> = []
  for (let i = tailIdx[tails.length - 1] ?? -1; i >= 0; i = prev[i]!) out.push(i)
  return out.reverse()
}

const retoldSlowly = (ctx: GuardContext, similarity: number) => {
  const last = ctx.recent[ctx.recent.length - 1]!
  const ref = [last.summary ?? "", bodyOnly(last.body.normalize("NFC"))].join("\n")
  const refGrams = splitSentences(ref).map((s) => trigramSet(s.text).grams).filter((g) => g.size >= 6)
  const eligible: Array<Span> = []
  const match: Array<number> = []
  for (const s of splitSentences(bodyOnly(ctx.text))) {
    const { grams, squeezed } = trigramSet(s.text)
    if (squeezed < 10) continue
    eligible.push(s)
    let best = -1
    let bestSim = similarity
    refGrams.forEach((r, j) => {
      let inter = 0
      for (const g of grams) if (r.has(g)) inter++
      if (inter === 0) return
      const sim = inter / (grams.size + r.size - inter)
      if (sim >= bestSim) {
        bestSim = sim
        best = j
      }
    })
    match.push(best)
  }
  return { eligible: eligible.length, retold: longestIncreasing(match).map((i) => eligible[i]!) }
}

describe("guard algorithms: the same answers as the straightforward ones", () => {
  it("retold sentences (trigram ids and an inverted index)", () => {
    fc.assert(
      fc.property(
        text.chain((draft) => fc.tuple(fc.constant(draft), retelling(draft), fc.constantFrom(0.4, 0.2, 0.75, 0, 1))),
        ([draft, previous, similarity]) => {
          const ctx = contextOf(draft, previous)
          expect(retoldSentences(ctx, similarity)).toEqual(retoldSlowly(ctx, similarity))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it("first runs of later beats in a draft (one index of all beats)", () => {
    // small alphabets, so that n-grams recur
    const str = (max: number) => fc.array(fc.constantFrom("가", "나", "다", "□", "a"), { maxLength: max }).map((cs) => cs.join(""))
    fc.assert(
      fc.property(str(200), fc.array(str(40), { maxLength: 6 }), fc.integer({ min: 1, max: 6 }), str(60), (draft, beats, n, allowed) => {
        const counts = (g: string) => !allowed.includes(g)
        const slowly = beats.map((beat) => {
          const grams = new Set<string>()
          for (let i = 0; i + n <= beat.length; i++) {
            const g = beat.slice(i, i + n)
            if (draft.includes(g) && counts(g)) grams.add(g)
          }
          for (let i = 0; i + n <= draft.length; i++) if (grams.has(draft.slice(i, i + n))) return i
          return -1
        })
        expect([...firstRuns(draft, beats, n, counts)]).toEqual(slowly)
      }),
      { numRuns: RUNS },
    )
  })

  it("m-grams as pairs of k-grams (k ≤ m ≤ 2k): the same first positions, count and occurrences", () => {
    const str = (max: number) => fc.array(fc.constantFrom("가", "나", "다", "a"), { maxLength: max }).map((cs) => cs.join(""))
    fc.assert(
      fc.property(str(150), fc.array(str(150), { maxLength: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), (chars, others, k, extra) => {
        const m = k + Math.min(extra, k)
        const direct = textGrams(chars, m)
        const base = textGrams(chars, k)
        const pairs = pairGrams(base, m)
        expect([...pairs.first]).toEqual([...direct.first])
        expect(pairs.distinct).toBe(direct.distinct)
        for (const o of others) {
          const text = new SqueezedText(o)
          const viaDirect = new Uint8Array(direct.first.length)
          occurrencesIn(direct, text, viaDirect)
          const viaPairs = new Uint8Array(direct.first.length)
          const known = { k, at: occurrencesIn(base, text, new Uint8Array(base.first.length)) }
          pairOccurrencesIn(pairs, known, o.length, viaPairs)
          expect([...viaPairs]).toEqual([...viaDirect])
        }
      }),
      { numRuns: RUNS },
    )
  })

  it("distinct word bigrams (words found in place, bigrams as pairs of numbers)", () => {
    const slowly = (text: string, window: number) => {
      const t: Array<{ start: number; end: number; text: string }> = []
      const re = /[^\s“”‘’"'.,!?…·:;()[\]「」『』—–\-~]+/g
      const body = bodyOnly(text)
      for (let m = re.exec(body); m !== null; m = re.exec(body)) t.push({ start: m.index, end: m.index + m[0].length, text: m[0] })
      const total = Math.max(0, t.length - 1)
      if (total === 0) return { ratio: 1, total, top: null }
      const grams = t.slice(0, -1).map((w, i) => `${w.text} ${t[i + 1]!.text}`)
      const size = Math.min(window, total)
      let best = { ratio: 2, from: 0 }
      const stride = Math.max(1, Math.floor(size / 3))
      for (let from = 0; ; from = Math.min(from + stride, total - size)) {
        const ratio = new Set(grams.slice(from, from + size)).size / size
        if (ratio < best.ratio) best = { ratio, from }
        if (from + size >= total) break
      }
      const counts = new Map<string, { count: number; at: { start: number; end: number; text: string } }>()
      for (let i = best.from; i < best.from + size; i++) {
        const at = { start: t[i]!.start, end: t[i + 1]!.end, text: grams[i]! }
        const c = counts.get(grams[i]!)
        if (c === undefined) counts.set(grams[i]!, { count: 1, at })
        else {
          c.count++
          c.at = at
        }
      }
      let top: { gram: string; count: number; at: { start: number; end: number; text: string } } | null = null
      for (const [gram, c] of counts) if (top === null || c.count > top.count) top = { gram, count: c.count, at: c.at }
      return { ratio: best.ratio, total, top }
    }
    const unit = fc.constantFrom("가", "나", "다", " ", "  ", ".", "…", "“", "”", "‘", "’", "-", "–", "—", "~", "\u3000", "\u2028", "\ufeff", "\u00a0", "a", "\n", "# 제목\n", "·", "[", "]", "(", ")", "!", "?", "'", "\"", ":", ";", ",", "「", "」", "『", "』", "\t")
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (text, window) => {
        expect(distinct2(text, window)).toEqual(slowly(text, window))
      }),
      { numRuns: RUNS },
    )
  })

  it("text without whitespace (code units gathered and decoded), with the offsets", () => {
    const unit = fc.constantFrom("가", "a", " ", "\t", "\n", "\u00a0", "\u3000", "\u2028", "\ufeff", "\ufffe", "\ud83d", "\ude00", "😀", "\u1680", "\u200b", "\u200a")
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (text) => {
        expect(squeezeChars(text)).toBe(text.replace(/\s+/g, ""))
        const { chars, offsets } = squeeze(text)
        expect(chars).toBe(text.replace(/\s+/g, ""))
        expect(Array.from(offsets)).toEqual(text.split("").map((c, i) => (/\s/.test(c) ? -1 : i)).filter((i) => i >= 0))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it("sentences (a scan of code units that skips Hangul and spaces)", () => {
    // the rules of Sentences.ts, one character at a time, as strings
    const TERM = new Set([".", "?", "!", "…", "。", "？", "！", "‥"])
    const CLOSER = new Set(["”", "’", "\"", "'", ")", "]", "」", "』", "》", "〉", "）"])
    const endsAt = (t: string, j: number) => j >= t.length || [" ", "\t", "\u00a0", "\u3000", "\n", "\r"].includes(t[j]!)
    const slowly = (t: string): Array<Span> => {
      const out: Array<Span> = []
      const push = (a: number, b: number) => {
        while (a < b && /\s/.test(t[a]!)) a++
        while (b > a && /\s/.test(t[b - 1]!)) b--
        if (b > a) out.push({ start: a, end: b, text: t.slice(a, b) })
      }
      let from = 0
      let double = 0
      let single = 0
      let straight = false
      for (let i = 0; i < t.length;) {
        const c = t[i]!
        const quoted = double > 0 || single > 0 || straight
        if (c === "\n" || c === "\r") {
          push(from, i)
          from = i + 1
          double = single = 0
          straight = false
          i++
        } else if (c === "“") double++, i++
        else if (c === "‘") single++, i++
        else if (c === "”" || c === "’" || (c === "\"" && straight)) {
          if (c === "”" && double > 0) double--
          else if (c === "’" && single > 0) single--
          else if (c === "\"") straight = false
          let j = i + 1
          while (j < t.length && CLOSER.has(t[j]!)) j++
          if (quoted && !(double > 0 || single > 0 || straight) && i > 0 && TERM.has(t[i - 1]!) && endsAt(t, j)) {
            push(from, j)
            from = i = j
          } else i++
        } else if (c === "\"") straight = true, i++
        else if (!quoted && TERM.has(c)) {
          let j = i
          while (j < t.length && TERM.has(t[j]!)) j++
          while (j < t.length && CLOSER.has(t[j]!) && t[j] !== "\"") j++
          if (endsAt(t, j)) push(from, from = j)
          i = j
        } else i++
      }
      push(from, t.length)
      return out
    }
    const unit = fc.constantFrom("가", "나", "힣", " ", "  ", ".", "…", "‥", "。", "？", "！", "!", "?", "“", "”", "‘", "’", "\"", "'", ")", "]", "」", "』", "》", "〉", "）", "\n", "\r", "\t", "\u00a0", "\u3000", "\u2028", "a", "3")
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit, maxLength: 200 })), (t) => {
        expect(splitSentences(t)).toEqual(slowly(t))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it("quotes masked (runs of kept text and of spaces, Hangul tested first)", () => {
    const slowly = (t: string): string => {
      let depth = 0
      let straight = false
      return t.split("").map((c) => {
        let blank: boolean
        if (c === "\n") {
          depth = 0
          straight = false
          blank = false
        } else if ("“‘「『".includes(c)) {
          depth++
          blank = true
        } else if ("”’」』".includes(c) && depth > 0) {
          depth--
          blank = true
        } else if (c === "\"") {
          straight = !straight
          blank = true
        } else blank = depth > 0 || straight
        return blank ? " " : c
      }).join("")
    }
    const unit = fc.constantFrom("가", "힣", "a", " ", "\n", "“", "”", "‘", "’", "「", "」", "『", "』", "\"", "'", ".", "\uac00", "\ud7a3", "\ud7a4", "\uabff")
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit, maxLength: 200 })), (t) => {
        expect(maskQuotes(t)).toBe(slowly(t))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it("place-like words before a location particle (a scan of syllable runs, not regular expressions)", () => {
    const nouns = ["마을", "성", "산", "숲", "나루", "항구", "사원", "신전", "계곡", "호수", "섬", "왕국", "요새", "거리", "시장", "빌딩", "호텔", "병원", "역", "공원", "경찰서", "학교", "고등학교", "대학교", "아파트", "타워", "성당", "교회", "절"]
    const one = /(?<![가-힣])([가-힣]{3,8})(?=에서|으로|로|에|까지)/g
    const two = new RegExp(`(?<![가-힣])([가-힣]{2,5}) (${nouns.slice().sort((a, b) => b.length - a.length).join("|")})(?=에서|으로|로|에|까지)`, "g")
    const unit = fc.constantFrom("가", "청", "룡", "고등", "학교", "대학교", "마을", "성", "산", "역", "에", "서", "으", "로", "까", "지", "에서", "으로", "까지", " ", " ", " ", ".", "“", "a", "\n", "\ud7a4", "\uabff")
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit, maxLength: 120 })), (t) => {
        const { one: ones, two: twos } = placeMatches(t)
        expect(ones).toEqual([...t.matchAll(one)].map((m) => ({ index: m.index, word: m[1] })))
        expect(twos).toEqual([...t.matchAll(two)].map((m) => ({ index: m.index, head: m[1], noun: m[2] })))
      }),
      { numRuns: RUNS * 10 },
    )
  })

  it("verbs of speech, gestures and actions (one pass, words by their first code unit)", () => {
    const slowly = (text: string, from: number, to: number) => {
      const seg = text.slice(from, to)
      const out: Array<{ kind: string; at: number; end: number }> = []
      for (const [re, kind] of [[SPEECH_VERB, "speech"], [GESTURE_VERB, "gesture"], [ACTION_VERB, "action"]] as const) {
        for (const m of seg.matchAll(re)) out.push({ kind, at: from + m.index, end: from + m.index + m[0].length })
      }
      return out.sort((a, b) => a.at - b.at)
    }
    const words = [SPEECH_VERB, GESTURE_VERB, ACTION_VERB].flatMap((re) => re.source.slice(3, -1).split("|"))
    // words, their prefixes (so that an earlier, longer word fails where a later one fits) and noise
    const unit = fc.oneof(fc.constantFrom(...words), fc.constantFrom(...words).map((w) => w.slice(0, -1)), fc.constantFrom("가", " ", "다", ".", "\n", "“"))
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 60 }).map((us) => us.join("")), fc.nat(), fc.nat(), (t, a, b) => {
        expect(verbHitsIn(t, 0, t.length)).toEqual(slowly(t, 0, t.length))
        const from = t.length === 0 ? 0 : a % t.length
        const to = from + (t.length - from === 0 ? 0 : b % (t.length - from + 1))
        expect(verbHitsIn(t, from, to)).toEqual(slowly(t, from, to))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it("characters with spaces counted by code unit as iterating the string counts them", () => {
    // Hangul, punctuation and Latin counted as they stand; jamo, combining marks, singletons (Å, Ω) and surrogates through NFC
    const unit = fc.constantFrom("가", "a", " ", "\n", "\r", "\r\n", "“", "…", "。", "😀", "\ud83d", "\ude00", "\u1100\u1161", "\u11a8", "e\u0301", "\u212b", "\u2126")
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 100 }), (text) => {
        let n = 0
        for (const ch of text.normalize("NFC")) if (ch !== "\n" && ch !== "\r") n++
        expect(countCharsWithSpaces(text)).toBe(n)
      }),
      { numRuns: RUNS * 5 },
    )
  })
})
