/**
 * `style.point-of-view`: first-person narration in a project whose style rules ask for the third
 * person (the shipped templates: "3인칭 제한 시점으로 …", "1인칭처럼 가까운 3인칭으로 …").
 *
 * Which person a project asks for is read from its style rules, explicitly:
 * {@link pointOfViewOf}. No rule naming a person, or a first-person rule: no check.
 *
 * The narration is the draft with its dialogue and thoughts masked (quotes of any kind): a
 * character saying “나는 안 가.” is no first-person narration. A narration sentence is first person
 * when it holds a first-person pronoun form as a word (나는, 내가, 나의, 내, 나를, 나에게, 우리는,
 * 우리가, 저는, 제가 …). Korean only.
 */
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck, isKorean } from "../Context.ts"
import { narrationSentences } from "../Names.ts"
import type { Memory } from "../../util/Memo.ts"

export type PointOfView = "first" | "third"

const THIRD = /(?:3인칭|삼인칭|third[- ]person)/gi
const FIRST = /(?:1인칭|일인칭|first[- ]person)/gi
/** A person named as a comparison or a prohibition is not the one asked for: `1인칭처럼`, `1인칭은 쓰지 않는다`. */
const NOT_ASKED = /^\s*(?:처럼|같이|같은|에 가까운|[은는을를]\s*(?:쓰지|피한|금지|피하)|\s*금지|\s*(?:not|is forbidden|avoided))/i

const askedIn = (rule: string, person: RegExp): boolean => {
  person.lastIndex = 0
  for (let m = person.exec(rule); m !== null; m = person.exec(rule)) if (!NOT_ASKED.test(rule.slice(m.index + m[0].length))) return true
  return false
}

/**
 * The narrative person a project's style rules ask for: the first rule that names a person
 * (3인칭/삼인칭/third person, 1인칭/일인칭/first person) not as a comparison or a prohibition.
 * Undefined when no rule does: then the guard does not judge the point of view.
 */
export const pointOfViewOf = (styleRules: ReadonlyArray<string>): PointOfView | undefined => {
  for (const rule of styleRules) {
    const third = askedIn(rule, THIRD)
    const first = askedIn(rule, FIRST)
    if (third && !first) return "third"
    if (first && !third) return "first"
  }
  return undefined
}

/** First-person pronoun forms (the pronoun with its particle), as whole words. */
const FIRST_PERSON = new Set(
  `나는 내가 나의 내 나를 나에게 나한테 나도 나만 나조차 나보다 나와 나랑 나로서는 나로선 내게 내겐 나에겐
  우리는 우리가 우리의 우리를 우리에게 우리도 우리만 우리와 우린
  저는 제가 저의 저를 저에게 저도 저한테`.trim().split(/\s+/),
)

/** Code units that end a word (whitespace, punctuation, quotes, brackets). */
const isBreak = (c: number): boolean =>
  c <= 0x40 ? true : c < 0xac00 ? !((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x3130 && c <= 0x318f)) : c > 0xd7a3
/** First syllables of the forms, to try a word only when it can be one. */
const FIRST_SYLLABLES: ReadonlySet<number> = new Set([...FIRST_PERSON].map((f) => f.charCodeAt(0)))
const LONGEST_FORM = Math.max(...[...FIRST_PERSON].map((f) => f.length))

export interface PointOfViewOptions {
  /** Share of the narration's sentences in the first person that is an error. Default 0.2. */
  readonly firstPersonShare: number
  /** … and at least this many of them. Default 3. */
  readonly firstPersonMinSentences: number
}

export const defaultPointOfViewOptions: PointOfViewOptions = { firstPersonShare: 0.2, firstPersonMinSentences: 3 }

/** Whether the masked sentence holds a first-person form as a word of its own. */
const hasFirstPerson = (masked: string, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) {
    if (!FIRST_SYLLABLES.has(masked.charCodeAt(i)) || (i > from && !isBreak(masked.charCodeAt(i - 1)))) continue
    let j = i + 1
    while (j < to && j - i <= LONGEST_FORM && !isBreak(masked.charCodeAt(j))) j++
    if (FIRST_PERSON.has(masked.slice(i, j))) return true
  }
  return false
}

const hasHangul = (masked: string, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) {
    const c = masked.charCodeAt(i)
    if (c >= 0xac00 && c <= 0xd7a3) return true
  }
  return false
}

/**
 * The narration's sentences (those with Hangul once dialogue and thoughts are masked; headings
 * left out), and those with a first-person form.
 */
export const firstPersonNarration = (memory: Memory, text: string) => {
  const { masked, sentences } = narrationSentences(memory, text)
  let narration = 0
  const firstPerson: Array<{ start: number; end: number }> = []
  for (const s of sentences) {
    if (masked.charCodeAt(s.start) === 0x23 || !hasHangul(masked, s.start, s.end)) continue // a heading; a line of dialogue
    narration++
    if (hasFirstPerson(masked, s.start, s.end)) firstPerson.push({ start: s.start, end: s.end })
  }
  return { narration, firstPerson }
}

export const pointOfViewCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  if (pointOfViewOf(ctx.project.styleRules ?? []) !== "third") return []
  const o = defaultPointOfViewOptions
  const { narration, firstPerson } = firstPersonNarration(ctx.memory, ctx.text)
  if (firstPerson.length < o.firstPersonMinSentences || firstPerson.length < narration * o.firstPersonShare) return []
  const first = firstPerson[0]!
  const finding: GuardFinding = {
    code: "style.point-of-view",
    category: "style",
    severity: "error",
    message: `${firstPerson.length} of ${narration} narration sentences are in the first person (나는/내가/우리는 …), but the style rules ask for the third person`,
    evidence: evidenceOf(ctx.text, first.start, first.end),
  }
  return [finding]
}
