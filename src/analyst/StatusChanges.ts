/**
 * Deaths, injuries, disappearances and captures the narration tells of a character, each with the
 * clause that tells it. Only narration counts (a threat or a report in dialogue is words, not an
 * event), only what happens now (not a dream, a memory, a hypothesis, nor something the next
 * sentences take back), and only to a character the analyst can name: a wrong death silences a
 * live character for the rest of the novel, so when in doubt nothing is reported.
 */
import type { CharacterStatus } from "../domain/Bible.ts"
import { FIGURATIVE_BEFORE, FIGURATIVE_WOUND, type StatusRule, TARGET_PARTICLES } from "./KoreanPatterns.ts"
import type { NameIndex } from "./NameIndex.ts"
import { type CastReading, followingText, impliedSubject, isNotNow, isTakenBack, type Narration, sentenceAt, wordsBefore } from "./Narration.ts"
import type { PhraseHit } from "./PhraseMatcher.ts"
import { type AnalystRule, isStatusRule } from "./Phrases.ts"
import { type Found, markedBefore, ownerBefore, subjectBefore } from "./Roles.ts"

export interface StatusFound {
  readonly character: string
  readonly status: CharacterStatus
  /** The clause, in the text's words. */
  readonly note: string
  /** The narration sentence that tells it (index into `narration.sentences`). */
  readonly sentence: number
}

const NOTE_MAX = 40

const clause = (n: Narration, from: number, to: number, phrase: string): string => {
  const c = n.text.slice(from, to).replace(/\s+/g, " ").replace(/^[\s,]+|[\s,.]+$/g, "")
  return c.length > 0 && c.length <= NOTE_MAX ? c : phrase
}

/** Who the phrase at `[start, end)` of sentence `i` is about, by the rule's target. */
const targetOf = (n: Narration, cast: NameIndex, rule: StatusRule, i: number, start: number, phrase: string): { found: Found; from: number } => {
  const s = n.sentences[i]!
  const words = wordsBefore(n, i, start)
  const before = words.length
  if (rule.target === "owner") {
    const owner = ownerBefore(cast, words, before)
    return { found: owner, from: owner._tag === "Named" ? words[owner.word]!.start : start }
  }
  if (rule.target === "object") {
    const object = markedBefore(cast, words, before, TARGET_PARTICLES.object)
    return { found: object, from: object._tag === "Named" ? words[object.word]!.start : start }
  }
  // the owner right before the phrase (태주의 숨이 끊어졌다), else the subject
  const owner = ownerBefore(cast, words, before)
  if (owner._tag === "Named" && /^[가-힣]+[이가을를]\s/.test(phrase)) return { found: owner, from: words[owner.word]!.start }
  const subject = subjectBefore(cast, words, before)
  return { found: subject, from: subject._tag === "Named" || subject._tag === "Pronoun" ? subject.end : s.start }
}

/** Extra doubts a few phrases raise: `사라졌다` toward somewhere, a feeling `사로잡혔다`, a wound to the heart. */
const isFigurative = (n: Narration, phrase: string, start: number, from: number): boolean => {
  const before = n.masked.slice(Math.max(0, start - 16), start)
  if (phrase === "사라졌다" || phrase === "사라졌고") {
    // 어둠 속으로 사라졌다: someone left the scene, not went missing
    return /(?:로|으로|쪽|너머|속|밖|뒤|안)\s/.test(n.masked.slice(from, start) + " ")
  }
  if (phrase.startsWith("사로잡혔") || phrase.startsWith("붙잡혔")) return FIGURATIVE_BEFORE.test(before)
  if (phrase.startsWith("돌아가셨")) return /(?:로|으로|에|에게|께)\s*$/.test(before)
  if (/상처|부상|중상|자상/.test(phrase)) return FIGURATIVE_WOUND.test(before)
  return false
}

export const findStatusChanges = (
  n: CastReading,
  cast: NameIndex,
  statusOf: (id: string) => CharacterStatus | undefined,
  phrases: ReadonlyArray<PhraseHit<AnalystRule>>,
): Array<StatusFound> => {
  const out: Array<StatusFound> = []
  for (const { rule, start, end } of phrases) {
    if (!isStatusRule(rule)) continue
    const phrase = n.masked.slice(start, end)
    const i = sentenceAt(n.sentences, start)
    if (i < 0) continue
    const { found, from } = targetOf(n, cast, rule, i, start, phrase)
    let ids: ReadonlyArray<string>
    if (found._tag === "Named") ids = found.ids
    else if ((found._tag === "Pronoun" || found._tag === "None") && rule.target === "subject" && !phrase.startsWith("사라졌")) {
      // a state found (윤하는 태주에게 달려갔다. 이미 숨이 끊어져 있었다) is the other one's: the sentence
      // before must then name one character only, as for a pronoun
      const foundInState = /있었|이미|벌써/.test(n.masked.slice(n.sentences[i]!.start, end))
      const implied = impliedSubject(n, cast, i, found._tag === "Pronoun" || foundInState ? "pronoun" : "unstated")
      ids = implied === undefined ? [] : [implied]
    } else ids = []
    if (ids.length === 0) continue
    if (isFigurative(n, phrase, start, from)) continue
    if (isNotNow(n, i, end) || isTakenBack(n, end)) continue
    if (rule.confirmedBy !== undefined && !rule.confirmedBy.test(followingText(n, end))) continue
    const note = rule.target === "owner" || rule.target === "object"
      ? clause(n, from, Math.max(end, n.sentences[i]!.end), phrase)
      : clause(n, from, end, phrase)
    for (const id of ids) {
      // a bare 사라졌다 is a disappearance only if the character is not met again in the narration
      if ((phrase === "사라졌다" || phrase === "사라졌고") && n.mentions.some((x) => x.id === id && x.start >= n.sentences[i]!.end)) continue
      const now = statusOf(id)
      if (now === undefined || now === "dead") continue
      if (now === rule.status && rule.status !== "injured") continue
      // a release ends a capture, a return ends a disappearance: only for one who was captured or missing
      if (rule.ends !== undefined && !rule.ends.includes(now)) continue
      if (out.some((o) => o.character === id && o.status === rule.status && (o.status !== "injured" || o.note === note))) continue
      // once dead in this text, nothing else happens to a character
      if (out.some((o) => o.character === id && o.status === "dead")) continue
      out.push({ character: id, status: rule.status, note, sentence: i })
    }
  }
  return out
}
