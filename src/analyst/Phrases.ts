/**
 * Every phrase the analyst looks for (status changes, relation changes, arrivals, facts), matched in one
 * pass over the narration's words.
 */
import {
  ARRIVAL_VERBS, type ArrivalRule, FACT_RULES, type FactRule, RELATION_RULES, type RelationRule, STATUS_RULES, type StatusRule,
} from "./KoreanPatterns.ts"
import type { Word } from "./NameIndex.ts"
import { matchPhrases, type PhraseHit, phraseMatcher } from "./PhraseMatcher.ts"

export type AnalystRule = StatusRule | RelationRule | ArrivalRule | FactRule

const PHRASES = phraseMatcher<AnalystRule>([...STATUS_RULES, ...RELATION_RULES, ...ARRIVAL_VERBS, ...FACT_RULES])

export const findPhrases = (words: ReadonlyArray<Word>): ReadonlyArray<PhraseHit<AnalystRule>> => matchPhrases(PHRASES, words)

export const isStatusRule = (r: AnalystRule): r is StatusRule => "status" in r
export const isRelationRule = (r: AnalystRule): r is RelationRule => "change" in r
export const isArrivalRule = (r: AnalystRule): r is ArrivalRule => "arrival" in r
export const isFactRule = (r: AnalystRule): r is FactRule => "fact" in r
