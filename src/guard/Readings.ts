/**
 * Readings of a draft and of its project that several check families share (the body without its
 * headings, squeezed texts, the body's sentences, parsed beats). What is worth keeping between drafts
 * is remembered in the guard instance's memory (`ctx.memory`): the Bible, the outline and the recent
 * episodes are the same for every draft of an episode.
 */
import type { Character } from "../domain/Bible.ts"
import type { GuardBible, GuardContext } from "./Context.ts"
import { givenNames } from "./Names.ts"
import { parseBeat } from "../templates/BeatMarkers.ts"
import { type Span, splitSentences } from "../text/Sentences.ts"
import { squeezeChars, SqueezedText } from "../text/Shingles.ts"
import { type Memory, rememberedIn } from "../util/Memo.ts"

const HEADING_LINE = /^[ \t]*#[^\n]*$/gm
/** The text with its heading lines blanked (offsets kept). */
export const bodyOnly = (text: string): string =>
  text.includes("#") ? text.replace(HEADING_LINE, (line) => " ".repeat(line.length)) : text

/** `bodyOnly`, remembered: several checks read the draft's body. */
export const bodyOf = rememberedIn(4, (text: string) => bodyOnly(text))

/** Text the Bible supplies (descriptions, rules, premise-like facts): quoting it is not copying an episode. */
export const bibleText = (bible: GuardBible): string =>
  [
    ...(bible.places ?? []).map((p) => `${p.name} ${p.description}`),
    ...(bible.factions ?? []).map((f) => `${f.name} ${f.description}`),
    ...(bible.items ?? []).map((i) => `${i.name} ${i.description}`),
    ...(bible.worldRules ?? []),
    ...bible.characters.flatMap((c) => [...c.traits]),
  ].join("\n").normalize("NFC")

/**
 * Squeezed recent episodes, summaries and Bible texts with their n-gram hashes, by their text: a
 * committed episode is compared with the next few drafts of its project. An LRU with room for
 * every project's recent episodes (the factory interleaves the jobs of many projects).
 */
const SQUEEZED_CACHE_SIZE = 160
const squeezedBodies = rememberedIn(SQUEEZED_CACHE_SIZE, (source: string) => new SqueezedText(squeezeChars(bodyOnly(source.normalize("NFC")))))
const squeezedTexts = rememberedIn(SQUEEZED_CACHE_SIZE, (source: string) => new SqueezedText(squeezeChars(source.normalize("NFC"))))
export const squeezedOnce = (memory: Memory, kind: "body" | "text", source: string): SqueezedText =>
  // bodyOnly leaves a text without `#` as it is (NFC makes none): a committed body has no heading,
  // and the place check squeezes the same bodies as texts
  kind === "body" && source.includes("#") ? squeezedBodies(memory, source) : squeezedTexts(memory, source)

/** `squeezeChars(text.normalize("NFC"))`, remembered with the recent episodes' texts. */
export const squeezedNfc = (memory: Memory, text: string): string => squeezedOnce(memory, "text", text).chars

export const squeezeNfc = (s: string) => squeezeChars(s.normalize("NFC"))

/** One UTF-16 code unit is whitespace as `/\s/` decides it. */
export const isSpaceCode = (c: number): boolean =>
  c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
      c === 0x205f || c === 0x3000 || c === 0xfeff)

/** The draft without whitespace, with each character's offset in the draft. */
export const squeezedWithOffsets = (text: string): { s: string; at: Int32Array } => {
  const at = new Int32Array(text.length)
  const s = squeezeChars(text, at)
  return { s, at: at.subarray(0, s.length) }
}

/** The parts a value computed from the recent episodes depends on. */
export const recentKey = (ctx: GuardContext): Array<unknown> => {
  const out: Array<unknown> = []
  for (const e of ctx.recent) out.push(e.body, e.summary)
  return out
}

/**
 * `squeeze(parts.join("\n"))`, part by part: a line break is a normalization boundary and whitespace, so the
 * squeezed join is the concatenation of the squeezed parts (each cached: recent episodes recur for many drafts).
 */
export const squeezeJoined = (memory: Memory, parts: ReadonlyArray<string>): string => {
  let out = ""
  for (const part of parts) out += part.length >= 256 ? squeezedNfc(memory, part) : squeezeNfc(part)
  return out
}

/** `splitSentences(bodyOnly(text))` of the last few drafts (three checks read it). */
export const bodySentences = rememberedIn(4, (text: string, memory): ReadonlyArray<Span> => splitSentences(bodyOf(memory, text)))

export const parseBeatCached = rememberedIn(2000, (raw: string) => parseBeat(raw))

export const sentenceAt = (sentences: ReadonlyArray<Span>, offset: number): Span | undefined =>
  sentences.find((s) => s.start <= offset && offset < s.end)

export const namedOthers = (bible: GuardBible) => [...(bible.places ?? []), ...(bible.factions ?? []), ...(bible.items ?? [])]

export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

export const formsOfCharacter = (c: Character): ReadonlyArray<string> =>
  [...new Set([c.name, ...givenNames(c.name), ...c.aliases].map((s) => s.normalize("NFC").trim()).filter((s) => s.length >= 2))]
