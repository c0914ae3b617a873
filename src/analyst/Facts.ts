/**
 * Facts about things the narration tells: a Bible item that breaks, burns or is lost (`월광검이
 * 부러졌다`), or a character's own thing (`백린의 검이 두 동강 났다`). Only when the thing is the
 * subject right before the phrase, and only what happens now (not a dream, a memory, a hypothesis).
 */
import { isAllHangulSyllables } from "../text/Hangul.ts"
import { OWNED_THINGS, TARGET_PARTICLES } from "./KoreanPatterns.ts"
import { type NameIndex, nameAt } from "./NameIndex.ts"
import { type CastReading, isNotNow, isTakenBack, sentenceAt, wordsBefore } from "./Narration.ts"
import type { PhraseHit } from "./PhraseMatcher.ts"
import { type AnalystRule, isFactRule } from "./Phrases.ts"

export interface FactFound {
  /** The clause, in the text's words (`백린의 검이 두 동강 났다`). */
  readonly text: string
  /** The item, or the character whose thing it is. */
  readonly subjects: ReadonlyArray<string>
  readonly sentence: number
}

const SUBJECT = ["이", "가", "은", "는", "도", "마저"]

export const findFacts = (
  n: CastReading,
  cast: NameIndex,
  items: () => NameIndex,
  phrases: ReadonlyArray<PhraseHit<AnalystRule>>,
): Array<FactFound> => {
  const out: Array<FactFound> = []
  for (const { rule, start, end } of phrases) {
    if (!isFactRule(rule)) continue
    const i = sentenceAt(n.sentences, start)
    if (i < 0) continue
    const words = wordsBefore(n, i, start)
    const at = words.length - 1
    if (at < 0) continue
    let subjects: ReadonlyArray<string> | undefined
    let from = words[at]!.start
    const item = nameAt(items(), words, at)
    if (item !== undefined && TARGET_PARTICLES.subject.has(item.particle)) {
      subjects = [item.id]
      from = words[item.first]!.start
    } else if (at >= 1) {
      // 백린의 검이: a thing of the character's own
      const w = words[at]!.text
      const particle = SUBJECT.find((p) => w.length > p.length && w.endsWith(p))
      const noun = particle === undefined ? "" : w.slice(0, w.length - particle.length)
      const owner = nameAt(cast, words, at - 1)
      if (isAllHangulSyllables(noun) && OWNED_THINGS.has(noun) && owner !== undefined && TARGET_PARTICLES.owner.has(owner.particle)) {
        subjects = [owner.id]
        from = words[owner.first]!.start
      }
    }
    if (subjects === undefined) continue
    if (isNotNow(n, i, end) || isTakenBack(n, end)) continue
    const text = n.text.slice(from, end).replace(/\s+/g, " ")
    if (!out.some((f) => f.text === text)) out.push({ text, subjects, sentence: i })
  }
  return out
}
