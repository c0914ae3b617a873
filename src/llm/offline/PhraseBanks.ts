/**
 * The offline writer's phrase banks: words the slots are filled with and templates (see
 * `Templates.ts`), per language, kept as data in `phrases/ko.json` and `phrases/en.json`.
 *
 * Loaded, decoded and compiled once when this module loads (synchronously: a stage thread imports the
 * writer too, and composes as soon as it is up). In the files, a template bank is a list of templates
 * each usable once an episode, or `{ cap, templates }` for a bank whose templates may be used `cap`
 * times. Every bank is one array for the life of the process: the composer keys its decks by it.
 *
 * Korean is the real thing: per genre senses, things at hand, extras and dialogue; English is a
 * plainer fallback.
 */
import { readFileSync } from "node:fs"
import { Schema } from "effect"
import type { Relation } from "../../domain/Bible.ts"
import { compileTemplate, type Template } from "./Templates.ts"

export type Genre = "fantasy" | "noir" | "romance" | "generic"

const Words = Schema.Array(Schema.String)
const PerGenre = Schema.Struct({ fantasy: Words, noir: Words, romance: Words, generic: Words })
const CappedBank = Schema.Struct({ cap: Schema.Int, templates: Words })
const TemplateBank = Schema.Union([Words, CappedBank])

const KoreanFile = Schema.Struct({
  words: Schema.Struct({
    adverbs: Words, gestures: Words, emotions: Words, times: Words, placeMoods: Words,
    senses: Schema.Struct({ common: Words, fantasy: Words, noir: Words, romance: Words, generic: Words }),
    objects: PerGenre, extras: PerGenre,
    connectives: Words, predicates: Words, speechManners: Words, speechVerbs: Words, askVerbs: Words,
    fillers: Words, beatAdverbs: Words, keywordStopWords: Words,
  }),
  titles: Words,
  templates: Schema.Struct({
    modifiers: TemplateBank,
    lines: Schema.Struct({ common: TemplateBank, fantasy: TemplateBank, noir: TemplateBank, romance: TemplateBank }),
    sayTags: TemplateBank, askTags: TemplateBank, thoughts: TemplateBank, thoughtFrames: TemplateBank,
    narrationA: TemplateBank, narrationAB: TemplateBank, openings: TemplateBank,
    description: Schema.Array(CappedBank),
    relations: Schema.Struct({ LOVES: TemplateBank, HATES: TemplateBank, RIVAL_OF: TemplateBank, KNOWS: TemplateBank, SERVES: TemplateBank }),
    memories: TemplateBank, rules: TemplateBank, keywords: TemplateBank, beatFrames: TemplateBank, beatAfter: TemplateBank,
    closings: TemplateBank, recaps: TemplateBank, recapOne: TemplateBank, recapTails: TemplateBank,
  }),
})

const EnglishFile = Schema.Struct({
  words: Schema.Struct({ senses: Words, times: Words, emotions: Words, fillers: Words }),
  templates: Schema.Struct({
    openings: TemplateBank, narrationA: TemplateBank, narrationAB: TemplateBank, lines: TemplateBank,
    tags: TemplateBank, thoughts: TemplateBank, memories: TemplateBank, closings: TemplateBank,
  }),
})

const readPhrases = (file: string): unknown => JSON.parse(readFileSync(new URL(`./phrases/${file}`, import.meta.url), "utf8"))
const strict = { onExcessProperty: "error" } as const

type Bank = ReadonlyArray<Template>

const compileBank = (bank: typeof TemplateBank.Type): Bank =>
  Array.isArray(bank) ? bank.map((t: string) => compileTemplate(t)) : compileCapped(bank as typeof CappedBank.Type)
const compileCapped = (bank: typeof CappedBank.Type): Bank => bank.templates.map((t) => compileTemplate(t, bank.cap))

const ko = Schema.decodeUnknownSync(KoreanFile, strict)(readPhrases("ko.json"))
const en = Schema.decodeUnknownSync(EnglishFile, strict)(readPhrases("en.json"))

const koLinesCommon = compileBank(ko.templates.lines.common)

export const KO = {
  words: {
    ...ko.words,
    keywordStopWords: new Set(ko.words.keywordStopWords) as ReadonlySet<string>,
  },
  /** Title patterns around a core (`{T}의 밤`); plain `{T}` weighs the core alone more. */
  titles: ko.titles,
  modifiers: compileBank(ko.templates.modifiers),
  /** What characters say: the common lines and the genre's own; a generic story has the common ones. */
  lines: {
    fantasy: [...koLinesCommon, ...compileBank(ko.templates.lines.fantasy)],
    noir: [...koLinesCommon, ...compileBank(ko.templates.lines.noir)],
    romance: [...koLinesCommon, ...compileBank(ko.templates.lines.romance)],
    generic: koLinesCommon,
  } as Readonly<Record<Genre, Bank>>,
  sayTags: compileBank(ko.templates.sayTags),
  askTags: compileBank(ko.templates.askTags),
  thoughts: compileBank(ko.templates.thoughts),
  thoughtFrames: compileBank(ko.templates.thoughtFrames),
  narrationA: compileBank(ko.templates.narrationA),
  narrationAB: compileBank(ko.templates.narrationAB),
  openings: compileBank(ko.templates.openings),
  description: ko.templates.description.flatMap(compileCapped) as Bank,
  relations: {
    LOVES: compileBank(ko.templates.relations.LOVES),
    HATES: compileBank(ko.templates.relations.HATES),
    RIVAL_OF: compileBank(ko.templates.relations.RIVAL_OF),
    KNOWS: compileBank(ko.templates.relations.KNOWS),
    SERVES: compileBank(ko.templates.relations.SERVES),
  } as Partial<Record<Relation["type"], Bank>>,
  /** A dead character is only ever remembered: every one of these says so (기억, 떠올리다, 생전, 빈자리, 그리움). */
  memories: compileBank(ko.templates.memories),
  rules: compileBank(ko.templates.rules),
  keywords: compileBank(ko.templates.keywords),
  beatFrames: compileBank(ko.templates.beatFrames),
  beatAfter: compileBank(ko.templates.beatAfter),
  closings: compileBank(ko.templates.closings),
  /** The recap names what happened by its keywords (`{R}`), never copying the previous summary's sentences. */
  recaps: compileBank(ko.templates.recaps),
  recapOne: compileBank(ko.templates.recapOne),
  recapTails: compileBank(ko.templates.recapTails),
} as const

export const EN = {
  words: en.words,
  openings: compileBank(en.templates.openings),
  narrationA: compileBank(en.templates.narrationA),
  narrationAB: compileBank(en.templates.narrationAB),
  lines: compileBank(en.templates.lines),
  tags: compileBank(en.templates.tags),
  thoughts: compileBank(en.templates.thoughts),
  memories: compileBank(en.templates.memories),
  closings: compileBank(en.templates.closings),
} as const
