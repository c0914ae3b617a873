/**
 * Relations the narration forms or breaks, in the Bible's closed vocabulary, between entities the
 * analyst can name on both sides: `태주는 윤하에게 충성을 맹세했다` (SERVES formed), `무결을
 * 배신했다` (SERVES broken, if it held), `흑월회에 가입했다` (MEMBER_OF). A relation that already
 * holds is not formed again; one that does not hold is not broken.
 */
import type { Relation, RelationType } from "../domain/Bible.ts"
import { type RelationRule, TARGET_PARTICLES } from "./KoreanPatterns.ts"
import type { NameIndex } from "./NameIndex.ts"
import { type CastReading, impliedSubject, isNotNow, isTakenBack, sentenceAt, wordsBefore } from "./Narration.ts"
import type { PhraseHit } from "./PhraseMatcher.ts"
import { type AnalystRule, isRelationRule } from "./Phrases.ts"
import { markedBefore, ownerBefore, subjectBefore } from "./Roles.ts"

export interface RelationFound {
  readonly from: string
  readonly to: string
  readonly type: RelationType
  readonly change: "formed" | "broken"
  readonly sentence: number
}

export interface RelationContext {
  readonly cast: NameIndex
  readonly factions: () => NameIndex
  readonly items: () => NameIndex
  /** The relations that hold before the episode. */
  readonly holding: ReadonlyArray<Relation>
}

const holds = (held: ReadonlyArray<Pick<Relation, "from" | "to" | "type">>, from: string, to: string, type: RelationType): boolean =>
  held.some((r) => r.from === from && r.to === to && r.type === type)

export const findRelationChanges = (n: CastReading, ctx: RelationContext, phrases: ReadonlyArray<PhraseHit<AnalystRule>>): Array<RelationFound> => {
  const out: Array<RelationFound> = []
  const formed: Array<Pick<Relation, "from" | "to" | "type">> = []
  const broken: Array<Pick<Relation, "from" | "to" | "type">> = []
  for (const hit of phrases) if (isRelationRule(hit.rule)) readOne(hit.rule, hit)
  return out

  function readOne(rule: RelationRule, hit: PhraseHit<AnalystRule>): void {
    const { start, end } = hit
    const i = sentenceAt(n.sentences, start)
    if (i < 0) return
    const words = wordsBefore(n, i, start)
    const index = rule.kind === "faction" ? ctx.factions() : rule.kind === "item" ? ctx.items() : ctx.cast
    let froms: ReadonlyArray<string>
    let to: string
    const together = rule.target === "with" ? subjectBefore(ctx.cast, words, words.length) : undefined
    if (together?._tag === "Named" && together.ids.length === 2) {
      // 태주와 윤하는 헤어졌다: both sides are the subject
      froms = [together.ids[0]!]
      to = together.ids[1]!
    } else {
      // the other side, then the subject before it (the cast only: factions and items do not act)
      const other = rule.target === "owner" ? ownerBefore(index, words, words.length) : markedBefore(index, words, words.length, TARGET_PARTICLES[rule.target])
      if (other._tag !== "Named") return
      to = other.ids[0]!
      const subject = subjectBefore(ctx.cast, words, other.word)
      if (subject._tag === "Named") froms = subject.ids
      else if (subject._tag === "Blocked") return
      else {
        const implied = impliedSubject(n, ctx.cast, i, subject._tag === "Pronoun" ? "pronoun" : "unstated")
        froms = implied === undefined ? [] : [implied]
      }
    }
    if (isNotNow(n, i, end) || isTakenBack(n, end)) return
    const pairs: Array<readonly [string, string]> = froms.filter((from) => from !== to)
      .flatMap((from): Array<readonly [string, string]> => (rule.mutual === true ? [[from, to], [to, from]] : [[from, to]]))
    for (const [a, b] of pairs) {
      if (rule.change === "formed") {
        if (holds(ctx.holding, a, b, rule.type) || holds(formed, a, b, rule.type)) continue
        formed.push({ from: a, to: b, type: rule.type })
      } else {
        if (!holds(ctx.holding, a, b, rule.type) || holds(broken, a, b, rule.type)) continue
        broken.push({ from: a, to: b, type: rule.type })
      }
      out.push({ from: a, to: b, type: rule.type, change: rule.change, sentence: i })
    }
  }
}
