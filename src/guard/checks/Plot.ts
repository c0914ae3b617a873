/**
 * `plot.ahead-of-outline`: an event of a beat at least two episodes ahead — a death the outline
 * declares later (`[사망: id]`), or a passage of a later beat that no earlier, current or next beat,
 * premise, Bible text or recent episode has. The outline and premise are read from the project when
 * the guard is given the whole `Project` (the pipeline does).
 */
import type { Character } from "../../domain/Bible.ts"
import type { GuardFinding } from "../../domain/Episode.ts"
import { defaultContinuityOptions, evidenceOf, type GuardCheck, type GuardContext, project } from "../Context.ts"
import { MEMORY_CONTEXT } from "../Lexicon.ts"
import { knownFormsOf } from "../Names.ts"
import { bibleText, bodyOf, bodyOnly, bodySentences, parseBeatCached, escapeRegExp, formsOfCharacter, sentenceAt, squeezeNfc, squeezedWithOffsets } from "../Readings.ts"
import { memoize, type Memory, rememberedIn } from "../../util/Memo.ts"
import { beatIndex } from "../../domain/Outline.ts"
import { parseBeat } from "../../templates/BeatMarkers.ts"
import { isGramSize, ngramHashes, NgramIndex } from "../../text/Shingles.ts"

const DEATH_OF = /(?:죽었|죽고 말았|죽어 있었|숨을 거두었|숨을 거뒀|숨을 거둔|숨졌|목숨을 잃었|숨이 끊어졌|숨이 멎었|전사했|살해당했|시신으로 발견|싸늘한 시신|주검으로)/
const NOT_YET = /(?:죽을지도|죽을 것|죽게 될|죽지 않|죽을까|죽으면|죽는다면|죽었다면|죽었으면|죽을 뻔|꿈|환영|예감|악몽|만약|상상)/

/** The Bible's name forms of two characters or more: characters, then places, factions, items. */
const bibleNameForms = (ctx: GuardContext): ReadonlyArray<string> => {
  const b = ctx.bible
  return [...knownFormsOf(ctx.memory, [...b.characters, ...(b.places ?? []), ...(b.factions ?? []), ...(b.items ?? [])])].filter((f) => f.length >= 2)
}

interface NameMask {
  /** The forms, joined: what the masker depends on. */
  readonly key: string
  readonly forms: ReadonlyArray<string>
  readonly mask: (s: string) => string
}

/** Replaces every Bible name form by `□` and spaces (offsets kept); one regular expression per set of forms. */
const nameMaskCache = rememberedIn(256, (key: string): NameMask => {
  const forms = key === "" ? [] : key.split("\u0000")
  const sorted = [...forms].sort((x, y) => y.length - x.length)
  if (sorted.length === 0) return { key, forms, mask: (s) => s }
  const re = new RegExp(sorted.map(escapeRegExp).join("|"), "g")
  return { key, forms, mask: (s) => s.replace(re, (m) => "□" + " ".repeat(m.length - 1)) }
})
const nameMask = (ctx: GuardContext): NameMask => nameMaskCache(ctx.memory, bibleNameForms(ctx).join("\u0000"))

/**
 * `squeezeNfc(mask(parts.join("\n")))` part by part when no name form holds a line break (a match then never
 * crosses one), with the masked, squeezed parts cached per set of name forms.
 */
/** Per set of names: the short parts (beats: all of a project's) and the long ones (a few recent episodes). */
/** `squeezeNfc(names.mask(part))`, remembered per set of names (the beats and the Bible's texts recur every job). */
const maskedPartsOf = rememberedIn(64, (names: NameMask) => {
  const compute = (p: string) => squeezeNfc(names.mask(p))
  return { short: memoize(128, compute), long: memoize(32, compute) }
})
const maskedSqueezed = (memory: Memory, names: NameMask, part: string): string => {
  const cached = maskedPartsOf(memory, names)
  return part.length < 256 ? cached.short(part) : cached.long(part)
}

const squeezeMaskedJoined = (memory: Memory, names: NameMask, parts: ReadonlyArray<string>): string => {
  if (names.forms.some((f) => f.includes("\n"))) return squeezeNfc(names.mask(parts.join("\n")))
  let out = ""
  for (const part of parts) out += maskedSqueezed(memory, names, part)
  return out
}

/**
 * For each beat, the first position of the draft where an n-gram of that beat occurs that `counts`
 * (or -1): one pass over the draft against an index of all the beats' n-grams, where a search of
 * the draft for each n-gram of each beat would do the same work once per beat and n-gram.
 */
export const firstRuns = (draft: string, beats: ReadonlyArray<string>, n: number, counts: (gram: string) => boolean): Int32Array => {
  const firstAt = new Int32Array(beats.length).fill(-1)
  if (!isGramSize(n) || draft.length < n) return firstAt
  let pending = beats.length
  const index = NgramIndex.of(beats, n)
  const hashes = ngramHashes(draft, n)
  const verdicts = new Map<string, boolean>()
  for (let i = 0; i < hashes.length && pending > 0; i++) {
    if (index.find(draft, i, hashes[i]!) < 0) continue
    const g = draft.slice(i, i + n)
    let yes = verdicts.get(g)
    if (yes === undefined) verdicts.set(g, yes = counts(g))
    if (!yes) continue
    for (let k = 0; k < beats.length; k++) {
      if (firstAt[k]! < 0 && beats[k]!.includes(g)) {
        firstAt[k] = i
        pending--
      }
    }
  }
  return firstAt
}

export const aheadOfOutlineCheck: GuardCheck = (ctx) => {
  const p = project(ctx)
  const beats = p.beats ?? []
  if (beats.length < 3) return []
  // the job's number: a guess from the recent episodes (newest + 1) is wrong after a dead-lettered episode
  const episode = ctx.episode
  if (episode > beats.length) return [] // past the outline: every beat has been reached
  const current = beatIndex(beats.length, episode)
  const later: Array<{ i: number; parsed: ReturnType<typeof parseBeat> }> = []
  for (let i = current + 2; i < beats.length; i++) later.push({ i, parsed: parseBeatCached(ctx.memory, beats[i]!) })
  if (later.length === 0) return []
  const text = ctx.text
  const out: Array<GuardFinding> = []
  const sentences = bodySentences(ctx.memory, text)
  const characters = ctx.bible.characters as ReadonlyArray<Character>

  // (a) a death the outline declares for a later episode
  const flagged = new Set<number>()
  for (const b of later) {
    for (const m of b.parsed.markers) {
      if (m._tag !== "Status" || m.status !== "dead") continue
      const c = characters.find((x) => x.id === m.character)
      if (c === undefined || c.status === "dead") continue
      const forms = formsOfCharacter(c)
      for (const s of sentences) {
        const seg = text.slice(s.start, s.end)
        if (flagged.has(s.start) || !forms.some((f) => seg.includes(f))) continue
        const d = DEATH_OF.exec(seg)
        if (d === null || NOT_YET.test(seg) || MEMORY_CONTEXT.test(seg)) continue
        // the character must be who dies: named before the death word, in the same clause
        const namedBefore = forms.some((f) => {
          const at = seg.indexOf(f)
          return at >= 0 && at < d.index
        })
        if (!namedBefore) continue
        flagged.add(s.start)
        out.push({
          code: "plot.ahead-of-outline",
          category: "timeline-plot",
          severity: "error",
          message: `${c.name} dies here, but the outline has that death in episode ${b.i + 1} (this is episode ${episode})`,
          evidence: evidenceOf(text, s.start, s.end),
        })
      }
    }
  }

  // (b) a passage of a later beat
  const n = defaultContinuityOptions.aheadRun
  // names are masked (one placeholder each) in the beats and the draft: a run must be more than names and particles
  const names = nameMask(ctx)
  const draft = squeezedWithOffsets(names.mask(bodyOf(ctx.memory, text)))
  const draftText = draft.s
  const beatTexts = later.map((b) => maskedSqueezed(ctx.memory, names, b.parsed.text))
  // Where each beat's n-grams first occur in the draft, from one pass over the draft against all of
  // them; an n-gram the allowed text has (a recap, the Bible …) does not count.
  let allowedText: string | undefined
  const allowed = (g: string): boolean =>
    (allowedText ??= squeezeMaskedJoined(ctx.memory, names, [
      ...beats.filter((_, i) => i <= current + 1).map((raw) => parseBeatCached(ctx.memory, raw).text),
      p.premise ?? "",
      bibleText(ctx.bible),
      ...ctx.recent.flatMap((e) => [e.body, e.summary ?? ""]),
    ])).includes(g)
  const firstAt = firstRuns(draftText, beatTexts, n, (g) => !allowed(g))
  for (let k = 0; k < later.length; k++) {
    const i = firstAt[k]!
    if (i < 0) continue
    const b = later[k]!
    const beat = beatTexts[k]!
    // extend the run as far as it goes
    let j = i + n
    while (j < draftText.length && beat.includes(draftText.slice(i, j + 1))) j++
    const start = draft.at[i]!
    const end = draft.at[j - 1]! + 1
    const s = sentenceAt(sentences, start)
    if (s !== undefined && flagged.has(s.start)) continue
    if (s !== undefined) flagged.add(s.start)
    out.push({
      code: "plot.ahead-of-outline",
      category: "timeline-plot",
      severity: "error",
      message: `this tells "${b.parsed.text}" — the outline's beat for episode ${b.i + 1}, but this is episode ${episode}`,
      evidence: evidenceOf(text, start, end),
    })
  }
  return out.sort((a, b) => a.evidence!.start - b.evidence!.start)
}

