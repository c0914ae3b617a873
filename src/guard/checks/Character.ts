/**
 * `character.*`: a dead character acting or speaking outside a memory (`dead-acts`); one character's
 * alias used as the title of another (`alias-swap`: `흑월 대주 한태주` when 흑월 대주 is 강무결); a
 * fixed trait on the wrong side or in another colour (`trait-contradiction`: `왼뺨의 흉터` →
 * `오른뺨의 흉터`) in a sentence about that character.
 */
import type { Bible, Character } from "../../domain/Bible.ts"
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck, isKorean } from "../Context.ts"
import { DEATH_CONTEXT, NOT_NAMES, RECOLLECTION_FRAME } from "../Lexicon.ts"
import { givenNames, isKnown, isNotNameIn, knownFormsOf, type NameCheckInput, narrationOf, sentenceWords, subjectBefore } from "../Names.ts"
import { bodySentences, escapeRegExp, formsOfCharacter, namedOthers } from "../Readings.ts"
import { isParticleSuffix } from "../../text/Particles.ts"
import { type Span, splitParagraphs } from "../../text/Sentences.ts"

/** `character.dead-acts`: see `Names.ts`. Korean only. */
export const deadCharacterCheck: GuardCheck = (ctx) =>
  isKorean(ctx.project.language)
    ? deadCharacterFindings({
      text: ctx.text,
      characters: ctx.bible.characters as ReadonlyArray<Character>,
      others: namedOthers(ctx.bible),
      recaps: ctx.recent.flatMap((e) => (e.summary ? [e.body, e.summary] : [e.body])),
      memory: ctx.memory,
    })
    : []

/** `character.dead-acts` findings: a dead character as the subject of an action or speech, or their voice heard, outside memory. */
export const deadCharacterFindings = (input: NameCheckInput): Array<GuardFinding> => {
  const { text } = input
  const dead = input.characters.filter((c) => c.status === "dead")
  if (dead.length === 0) return []
  const owner = new Map<string, Character>()
  for (const c of dead) for (const f of knownFormsOf(input.memory, [c])) owner.set(f, c)
  // a form shared with a living character names nobody in particular
  for (const c of input.characters) if (c.status !== "dead") for (const f of knownFormsOf(input.memory, [c])) owner.delete(f)
  const whoIs = (noun: string): Character | undefined => {
    const direct = owner.get(noun)
    if (direct !== undefined) return direct
    for (let k = noun.length - 1; k >= 2; k--) {
      const head = noun.slice(0, k)
      const c = owner.get(head)
      if (c !== undefined && isParticleSuffix(noun.slice(k), head[head.length - 1])) return c
    }
    return undefined
  }

  const ownerForms = [...owner.keys()]
  if (ownerForms.length === 0) return []
  const allKnown = knownFormsOf(input.memory, [...input.characters, ...input.others])
  const narration = narrationOf(input.memory, text)
  const { masked, sentences } = narration
  const out: Array<GuardFinding> = []
  const flagged = new Set<number>()
  let paragraphs: Array<Span> | undefined
  /**
   * A sentence is a recollection when its paragraph sets an explicit frame (떠올렸다, 기억이 났다,
   * 회상, 생전에, 곤 했다, a dream, a grave …): a paragraph tells a memory around its frame, before
   * it or after. 그날, 그때 or a -던 clause is no frame: it dates a scene, it does not make it a memory.
   */
  const inMemory = (i: number): boolean => {
    const s = sentences[i]
    paragraphs ??= splitParagraphs(text)
    const p = paragraphs.find((q) => q.start <= s.start && s.end <= q.end)
    return RECOLLECTION_FRAME.test(p === undefined ? text.slice(s.start, s.end) : p.text)
  }
  const report = (c: Character, s: Span, how: string) => {
    if (flagged.has(s.start)) return
    flagged.add(s.start)
    const start = s.start
    const end = s.end
    out.push({
      code: "character.dead-acts",
      category: "timeline-plot",
      severity: "error",
      message: `${c.name} is dead but ${how} outside a memory or dream`,
      evidence: { start, end, text: text.slice(start, end) },
    })
  }

  const squeezeText = (t: string) => t.normalize("NFC").replace(/\s+/g, "")
  let recaps: Array<string> | undefined
  const isRecap = (seg: string): boolean => {
    const sq = squeezeText(seg)
    if (sq.length < 8) return false
    recaps ??= (input.recaps ?? []).map(squeezeText)
    return recaps.some((r) => r.includes(sq))
  }

  // What a sentence would report is found first; whether it is exempt (a death, a memory, a recap) is
  // asked only then: both are pure, and most sentences name no dead character at all.
  sentences.forEach((s, i) => {
    const seg = text.slice(s.start, s.end)
    // every subject and every possessor is a word of this sentence: no dead form in it, no report
    if (!ownerForms.some((f) => seg.includes(f))) return
    const found: Array<readonly [Character, string]> = []
    const words = sentenceWords(narration, i)
    for (const v of narration.hits[i]) {
      const subj = subjectBefore(words, v.at, (noun) => isKnown(noun, allKnown) || isNotNameIn(input.memory, noun))
      if (subj === undefined) continue
      const c = whoIs(subj.noun)
      if (c !== undefined) found.push([c, v.kind === "speech" ? "speaks" : "acts"])
    }
    // “…” 지훈의 목소리가 들렸다 — a voice in the room is the character speaking
    for (const w of words) {
      const m = /^(.+)의$/.exec(w.text)
      if (m === null) continue
      const c = whoIs(m[1])
      if (c === undefined) continue
      const after = masked.slice(w.end, s.end)
      if (/^\s*(?:목소리|음성|외침|웃음소리|발소리)/.test(after)) found.push([c, "is heard"])
    }
    if (found.length === 0) return
    if (DEATH_CONTEXT.test(seg) || inMemory(i) || isRecap(seg)) return
    for (const [c, how] of found) report(c, s, how)
  })
  return out
}

/** Kinship and address words used as aliases (오라버니, 형님): said of anyone, so never a swap. */
const KINSHIP = /^(?:오라버니|오라비|오빠|형|형님|누나|누님|언니|동생|아우|아버지|어머니|아버님|어머님|할아버지|할머니|삼촌|이모|고모|사부|스승|선배|후배|도련님|아가씨|주인님|나리|마님|어르신)$/

export const aliasSwapCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const text = ctx.text
  const characters = ctx.bible.characters as ReadonlyArray<Character>
  // who owns each form; a form two characters share names nobody in particular
  const owners = new Map<string, Set<string>>()
  for (const c of characters) for (const f of formsOfCharacter(c)) owners.set(f, (owners.get(f) ?? new Set()).add(c.id))
  const own = (f: string) => {
    const o = owners.get(f)
    return o !== undefined && o.size === 1 ? [...o][0]! : undefined
  }
  const out: Array<GuardFinding> = []
  const byId = new Map(characters.map((c) => [c.id, c]))
  const names = [...owners.keys()].filter((f) => own(f) !== undefined)
  if (names.length === 0) return []
  const nameAlt = names.sort((a, b) => b.length - a.length).map(escapeRegExp).join("|")
  for (const c of characters) {
    for (const alias of c.aliases.map((a) => a.normalize("NFC").trim())) {
      if (alias.length < 2 || own(alias) !== c.id || KINSHIP.test(alias) || NOT_NAMES.has(alias)) continue
      // `alias name` or `alias인 name`, the name another character's
      const re = new RegExp(`(?<![가-힣])${escapeRegExp(alias)}(?: |인 )(${nameAlt})(?=[^가-힣]|이|가|은|는|을|를|의|에게|와|과|도|만|께서|$)`, "g")
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const other = own(m[1]!)
        if (other === undefined || other === c.id) continue
        // the name may itself carry the alias's words (`서가의 막내 서윤하` when both are 서윤하's): covered by own()
        const o = byId.get(other)!
        out.push({
          code: "character.alias-swap",
          category: "characterization",
          severity: "error",
          message: `"${alias}" is ${c.name}'s alias in the Bible, but here it is attached to ${o.name}`,
          evidence: evidenceOf(text, m.index, m.index + m[0].length),
        })
      }
    }
  }
  return out.sort((a, b) => a.evidence!.start - b.evidence!.start)
}

// ---------------------------------------------------------------------------
// character.trait-contradiction

const BODY = "뺨|볼|눈|눈썹|팔|팔뚝|손|손목|손등|다리|발|발목|어깨|귀|이마|턱|옆구리|허벅지|가슴|목덜미"
const SIDE_TRAIT = new RegExp(`(왼|오른)(?:쪽)?\\s?(${BODY})`)
const COLOURS = ["검은", "까만", "흑색", "붉은", "빨간", "적색", "푸른", "파란", "청색", "금빛", "금색", "황금빛", "은빛", "은색", "하얀", "흰", "백색", "갈색", "잿빛", "회색", "초록", "녹색", "보랏빛", "자색"]
const COLOUR_GROUP: Record<string, string> = {
  검은: "black", 까만: "black", 흑색: "black", 붉은: "red", 빨간: "red", 적색: "red", 푸른: "blue", 파란: "blue", 청색: "blue",
  금빛: "gold", 금색: "gold", 황금빛: "gold", 은빛: "silver", 은색: "silver", 하얀: "white", 흰: "white", 백색: "white",
  갈색: "brown", 잿빛: "grey", 회색: "grey", 초록: "green", 녹색: "green", 보랏빛: "purple", 자색: "purple",
}
const COLOUR_NOUNS = "머리카락|머리칼|머리|눈동자|눈|수염"
const COLOUR_TRAIT = new RegExp(`(${COLOURS.join("|")})\\s?(${COLOUR_NOUNS})`)

interface TraitRule {
  readonly character: Character
  readonly trait: string
  /** Finds a contradiction in a sentence, as [start, end) within it. */
  readonly contradicts: (sentence: string) => { start: number; end: number } | undefined
}

const traitRules = (characters: ReadonlyArray<Character>): Array<TraitRule> => {
  const rules: Array<TraitRule> = []
  for (const c of characters) {
    for (const trait of c.traits) {
      const t = trait.normalize("NFC")
      const side = SIDE_TRAIT.exec(t)
      if (side !== null) {
        const opposite = side[1] === "왼" ? "오른" : "왼"
        const part = side[2]!
        const mark = /(흉터|상처|점|문신|화상|흔적|자국|의수|의족|붕대)/.exec(t.slice(side.index + side[0].length))?.[1]
        const re = new RegExp(`${opposite}(?:쪽)?\\s?${part}${part === "눈" ? "(?!썹)" : ""}`)
        rules.push({
          character: c,
          trait: t,
          contradicts: (s) => {
            const m = re.exec(s)
            if (m === null) return undefined
            if (mark !== undefined && !s.slice(m.index).includes(mark)) return undefined
            return { start: m.index, end: m.index + m[0].length }
          },
        })
      }
      const colour = COLOUR_TRAIT.exec(t)
      if (colour !== null) {
        const group = COLOUR_GROUP[colour[1]!]
        const noun = colour[2]!.startsWith("머리") ? "머리카락|머리칼|머리" : colour[2]!.startsWith("눈") ? "눈동자|눈" : colour[2]!
        const re = new RegExp(`(${COLOURS.join("|")})\\s?(?:${noun})`, "g")
        rules.push({
          character: c,
          trait: t,
          contradicts: (s) => {
            re.lastIndex = 0
            for (let m = re.exec(s); m !== null; m = re.exec(s)) {
              if (COLOUR_GROUP[m[1]!] !== group) return { start: m.index, end: m.index + m[0].length }
            }
            return undefined
          },
        })
      }
    }
  }
  return rules
}

export const traitContradictionCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const text = ctx.text
  const characters = ctx.bible.characters as ReadonlyArray<Character>
  const rules = traitRules(characters)
  if (rules.length === 0) return []
  const formsOf = new Map(characters.map((c) => [c.id, formsOfCharacter(c)]))
  const out: Array<GuardFinding> = []
  const sentences = bodySentences(ctx.memory, text)
  for (const s of sentences) {
    const seg = text.slice(s.start, s.end)
    for (const r of rules) {
      const forms = formsOf.get(r.character.id)!
      if (!forms.some((f) => seg.includes(f))) continue
      const hit = r.contradicts(seg)
      if (hit === undefined) continue
      // the feature must be the character's: another character's possessive right before it hands it to them
      const before = seg.slice(Math.max(0, hit.start - 12), hit.start)
      const owner = characters.find((c) => c.id !== r.character.id && formsOf.get(c.id)!.some((f) => before.includes(`${f}의`)))
      if (owner !== undefined) continue
      out.push({
        code: "character.trait-contradiction",
        category: "characterization",
        severity: "error",
        message: `${r.character.name}'s fixed trait is "${r.trait}", but here: "${seg.slice(hit.start, hit.end)}"`,
        evidence: evidenceOf(text, s.start + hit.start, s.start + hit.end),
      })
    }
  }
  return out
}

