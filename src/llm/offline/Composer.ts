/**
 * The offline writer's composer: a deterministic *draft generator*, not a language model.
 *
 * It composes an episode from the `WriterBrief` alone: same (project, episode, seed, draft) → same text,
 * through a seeded PRNG (no `Math.random`, no clock). Prose is assembled from the phrase banks
 * (`PhraseBanks.ts`, templates in the language of `Templates.ts`), combined per beat, place and
 * character traits, drawn without replacement within an episode so it does not repeat itself, and
 * shuffled per episode so consecutive episodes share little text. It lands inside the brief's length
 * band (characters with spaces, NFC, line breaks not counted — `countCharsWithSpaces`), never writes a
 * banned word or a name outside the cast, and lets a dead character only be remembered.
 *
 * Korean (`language: "ko"`) is the real thing; any other language gets a plainer English draft.
 * The state of one draft lives in one `Composer`; nothing outlives `composeEpisode`.
 */
import type { Character, Place } from "../../domain/Bible.ts"
import type { WriterBrief } from "../../domain/Brief.ts"
import { finalOfCode, nfc } from "../../text/Hangul.ts"
import { josa } from "../../text/Particles.ts"
import { beatInPast } from "../../text/Verbs.ts"
import { memoize } from "../../util/Memo.ts"
import { fnv1a32, type SeededRandom, seededRandom } from "../../util/Prng.ts"
import { EN, type Genre, KO } from "./PhraseBanks.ts"
import { fillTitle, NEEDS_B, NEEDS_D, NEEDS_KW, renderTemplate, type Template, type TemplateNode } from "./Templates.ts"

/** The PRNG seed of one draft: a hash of (project, episode, seed, draft). */
export const draftSeed = (brief: Pick<WriterBrief, "project" | "episode" | "seed" | "draft">): number =>
  fnv1a32(`${brief.project}\u0000${brief.episode}\u0000${brief.seed}\u0000${brief.draft}`)

const genreOf = (brief: WriterBrief): Genre => {
  const s = `${brief.genre} ${brief.tone}`.toLowerCase()
  if (/판타지|무협|fantasy|검|마법|wuxia/.test(s)) return "fantasy"
  if (/누아르|느와르|noir|스릴러|thriller|범죄|crime|추리|mystery|탐정/.test(s)) return "noir"
  if (/로맨|romance|코미디|comedy|로코|연애|rom-com/.test(s)) return "romance"
  return "generic"
}

interface Actor {
  readonly c: Character
  readonly forms: ReadonlyArray<string>
  mentioned: boolean
}

/**
 * Phrase pools rotate: a bank of at least `ROTATION * 2` items is split into `ROTATION` partitions and
 * episode `e` draws from partition `e mod ROTATION` first, so the episodes just before it (the ones the
 * guard compares a draft with) used other phrases. A spent partition is reshuffled, never left: the
 * no-repeat rule within an episode (`Composer.say`) then asks for a new combination of its slots.
 */
const ROTATION = 4

/** The partitions of a bank of `n` items (a pure function of `n`, asked for by every deck: remembered). */
const partitionsOf = memoize(256, (n: number): ReadonlyArray<ReadonlyArray<number>> => {
  const all = Array.from({ length: n }, (_, i) => i)
  return Array.from({ length: ROTATION }, (_, r) => (n >= ROTATION * 2 ? all.filter((i) => i % ROTATION === r) : all))
})
const partitionOf = (n: number, rotation: number): ReadonlyArray<number> => partitionsOf(n)[rotation]

/** Draws without replacement from its partition, reshuffled each round. */
class Deck<T> {
  private order: Array<number> = []
  private at = 0
  private readonly items: ReadonlyArray<T>
  private readonly part: ReadonlyArray<number>
  private readonly rng: SeededRandom
  /** Uses left in this episode (templates: the sum of their caps over the partition). */
  left: number
  constructor(items: ReadonlyArray<T>, rng: SeededRandom, rotation: number) {
    this.items = items
    this.rng = rng
    this.part = partitionOf(items.length, rotation)
    let left = 0
    for (const i of this.part) {
      const it = items[i] as unknown
      left += typeof it === "object" && it !== null && "cap" in it ? (it as Template).cap : Number.POSITIVE_INFINITY
    }
    this.left = left
  }
  get partSize(): number {
    return this.part.length
  }
  draw(): T {
    if (this.at >= this.order.length) {
      this.order = [...this.part]
      const n = this.order.length
      for (let i = n - 1; i > 0; i--) {
        const j = this.rng.int(i + 1)
        const t = this.order[i]
        this.order[i] = this.order[j]
        this.order[j] = t
      }
      this.at = 0
    }
    return this.items[this.order[this.at++]]
  }
}

type Para = { readonly lines: Array<string>; readonly kind: "recap" | "body" | "beat" | "close" | "break"; chars: number }

const lineChars = (s: string): number => {
  // Characters with spaces; our lines hold no line breaks, and Hangul, punctuation and the quotes are BMP.
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff) continue // low surrogate: counted with its pair
    n++
  }
  return n
}

interface Scene {
  readonly place: Place | null
}

class Composer {
  readonly brief: WriterBrief
  readonly rng: SeededRandom
  readonly ko: boolean
  readonly genre: Genre
  readonly alive: ReadonlyArray<Actor>
  readonly dead: ReadonlyArray<Actor>
  readonly speakers: ReadonlyArray<Actor>
  readonly leads: ReadonlyArray<Actor>
  readonly beatActors: ReadonlyArray<Actor>
  readonly avoid: ReadonlyArray<string>
  readonly avoidRe: RegExp | null
  readonly keywords: ReadonlyArray<string>
  readonly rules: ReadonlyArray<string>
  readonly deadForms: ReadonlyArray<string>
  recapKeys: ReadonlyArray<string> = []
  readonly emitted = new Set<string>()
  readonly uses = new Map<Template, number>()
  readonly rotation: number
  private readonly decks = new Map<unknown, Deck<unknown>>()
  scene: Scene = { place: null }
  a: Actor | null = null
  b: Actor | null = null
  d: Actor | null = null
  x = ""

  constructor(brief: WriterBrief) {
    this.brief = brief
    this.rng = seededRandom(draftSeed(brief))
    this.ko = brief.language === "ko" || brief.language.startsWith("ko-")
    this.genre = genreOf(brief)
    this.rotation = ((brief.episode % ROTATION) + ROTATION) % ROTATION
    const findings = brief.findingsToFix
    // A redraft avoids the evidence the guard quoted, besides the banned words.
    this.avoid = [
      ...brief.bannedWords,
      // the quotes around a quoted line are not part of what to avoid
      ...findings.flatMap((f) => (f.evidence !== undefined ? [f.evidence.text.trim().replace(/^[“‘"']+|[”’"']+$/g, "").trim()] : [])),
    ].filter((w) => w.length >= 2 || (w.length === 1 && /[^\s\p{P}]/u.test(w)))
    this.avoidRe = this.avoid.length === 0
      ? null
      : new RegExp(this.avoid.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"))
    const actors = brief.cast.map((c): Actor => ({
      c,
      forms: [c.name, ...c.aliases].filter((n) => n.trim().length > 0 && !this.avoided(n)),
      mentioned: false,
    })).filter((a) => a.forms.length > 0)
    this.alive = actors.filter((a) => a.c.status !== "dead")
    this.dead = actors.filter((a) => a.c.status === "dead")
    // A character the guard flagged in a finding's evidence does not speak in the redraft.
    const flagged = findings
      .filter((f) => f.category === "characterization" || f.category === "timeline-plot")
      .map((f) => `${f.evidence?.text ?? ""} ${f.message}`)
    this.speakers = this.alive.filter((a) => !flagged.some((t) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && t.includes(n))))
    const beat = brief.beat
    this.beatActors = this.alive.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && beat.includes(n)))
    const leads = this.alive.filter((a) => /^(주인공|protagonist|main|lead)/i.test(a.c.role.trim()))
    this.leads = leads.length > 0 ? leads : this.alive.slice(0, 1)
    this.keywords = this.extractKeywords(beat)
    // a world rule that names a dead character would have them act
    const deadForms = this.dead.flatMap((a) => [a.c.name, ...a.c.aliases]).filter((n) => n.length >= 2)
    this.deadForms = deadForms
    this.rules = brief.worldRules.filter((r) => !deadForms.some((f) => r.includes(f)) && !this.avoided(r))
    this.x = this.ko ? KO.words.extras[this.genre][0] : "a stranger"
  }

  avoided(s: string): boolean {
    return this.avoidRe !== null && this.avoidRe.test(s)
  }

  deck<T>(items: ReadonlyArray<T>): Deck<T> {
    let d = this.decks.get(items) as Deck<T> | undefined
    if (d === undefined) {
      d = new Deck(items, this.rng, this.rotation)
      this.decks.set(items, d as Deck<unknown>)
    }
    return d
  }

  draw<T>(items: ReadonlyArray<T>): T {
    return this.deck(items).draw()
  }

  /** Nouns of the beat: words that carried a particle, minus names. */
  extractKeywords(beat: string): ReadonlyArray<string> {
    const names = this.brief.cast.flatMap((c) => [c.name, ...c.aliases]).filter((n) => n.length >= 2)
    const out: Array<string> = []
    for (const raw of beat.split(/[\s,.!?“”"'‘’…]+/)) {
      const m = /^([가-힣]{2,})(을|를|이|가|은|는|에서|에게|으로|로|와|과|의|에|도|까지|부터|처럼|만)$/.exec(raw)
      if (m === null) continue
      const w = m[1]
      if (w.endsWith("다") || KO.words.keywordStopWords.has(w)) continue
      if (names.some((n) => w.includes(n) || n.includes(w))) continue
      if (this.brief.places.some((p) => p.name.includes(w))) continue
      if (!out.includes(w) && !this.avoided(w)) out.push(w)
    }
    return out
  }

  // — naming —

  /** Full name on first mention, then the name or an alias (`…의 막내` is not followed by another `의`). */
  nameOf(a: Actor, particle: string): string {
    if (!a.mentioned) {
      a.mentioned = true
      return a.forms[0]
    }
    if (a.forms.length < 2 || !this.rng.chance(0.4)) return a.forms[0]
    const alias = a.forms[1 + this.rng.int(a.forms.length - 1)]
    return particle === "의" && alias.includes("의 ") ? a.forms[0] : alias
  }

  slot(name: string, particle = ""): string {
    const ko = this.ko
    switch (name) {
      case "A": return this.a !== null ? this.nameOf(this.a, particle) : this.x
      case "B": return this.b !== null ? this.nameOf(this.b, particle) : this.x
      case "D": return this.d !== null ? this.nameOf(this.d, particle) : ""
      case "X": return this.x
      case "P": return this.scene.place?.name ?? (ko ? "그곳" : "that place")
      case "ADV": return this.draw(KO.words.adverbs)
      case "GES": return this.draw(KO.words.gestures) + "."
      case "EMO": return this.draw(ko ? KO.words.emotions : EN.words.emotions)
      case "OBJ": return this.draw(KO.words.objects[this.genre])
      case "TR": return this.traitOf(this.a)
      case "TRB": return this.traitOf(this.b)
      case "KW": return this.keywords.length > 0 ? this.draw(this.keywords) : (ko ? "그 일" : "it")
      case "TIME": return this.draw(ko ? KO.words.times : EN.words.times)
      case "PADJ": return this.draw(KO.words.placeMoods) + "."
      case "SENSE": return ko ? this.sense() : this.draw(EN.words.senses)
      case "R": return this.recapKeys.length > 0 ? this.draw(this.recapKeys) : (ko ? "그 일" : "it")
      case "RULE": return this.rules.length > 0 ? this.draw(this.rules) : ""
      default: return ""
    }
  }

  traitOf(a: Actor | null): string {
    const traits = a?.c.traits.filter((t) => t.trim().length > 0 && !this.avoided(t) && !this.deadForms.some((f) => t.includes(f))) ?? []
    if (traits.length === 0) return this.ko ? "고집" : "stubbornness"
    return traits[this.rng.int(traits.length)]
  }

  sense(): string {
    const own = KO.words.senses[this.genre]
    return own.length > 0 && this.rng.chance(0.55) ? this.draw(own) : this.draw(KO.words.senses.common)
  }

  private readonly fillSlot = (name: string, particle: string): string => this.slot(name, particle)
  private readonly choose = (n: number): number => this.rng.int(n)

  render(nodes: ReadonlyArray<TemplateNode>): string {
    return renderTemplate(nodes, this.fillSlot, this.choose)
  }

  canUse(t: Template): boolean {
    const n = t.needs
    if ((n & NEEDS_B) !== 0 && this.b === null) return false
    if ((n & NEEDS_D) !== 0 && this.d === null) return false
    if ((n & NEEDS_KW) !== 0 && this.keywords.length === 0) return false
    return true
  }

  /** A fresh sentence from a bank: not said before in this episode, no banned word; null after a few failures. */
  say(templates: ReadonlyArray<Template>, maxFailures = 6): string | null {
    const deck = this.deck(templates)
    if (deck.left <= 0) return null
    let failures = 0
    for (let i = 0; i < deck.partSize + maxFailures; i++) {
      const t = deck.draw()
      if (!this.canUse(t)) continue
      const used = this.uses.get(t) ?? 0
      if (used >= t.cap) continue
      this.uses.set(t, used + 1)
      if (--deck.left <= 0) maxFailures = Math.min(maxFailures, failures + 1)
      let s = this.render(t.nodes)
      if (!this.ko && s.length > 0) s = s[0].toUpperCase() + s.slice(1)
      if (s.length === 0 || this.emitted.has(s) || this.avoided(s)) {
        if (++failures >= maxFailures) return null
        continue
      }
      this.emitted.add(s)
      return s
    }
    return null
  }

  /** A chunk (no sentence of its own): only the template caps apply. */
  sayChunk(templates: ReadonlyArray<Template>): string | null {
    const deck = this.deck(templates)
    if (deck.left <= 0) return null
    for (let i = 0; i < deck.partSize; i++) {
      const t = deck.draw()
      if (!this.canUse(t)) continue
      const used = this.uses.get(t) ?? 0
      if (used >= t.cap) continue
      this.uses.set(t, used + 1)
      deck.left--
      return this.render(t.nodes)
    }
    return null
  }

  sayAll(...banks: ReadonlyArray<ReadonlyArray<Template>>): Array<string> {
    const out: Array<string> = []
    for (const b of banks) {
      const s = this.say(b)
      if (s !== null) out.push(s)
    }
    return out
  }

  // — choosing who —

  pickFocus(): void {
    const pool = this.rng.chance(0.6) && this.leads.length > 0 ? this.leads : this.alive
    const a = pool.length > 0 ? pool[this.rng.int(pool.length)] : null
    this.a = a
    // a partner: preferably one the beat names, never the focus itself
    const from = this.beatActors.length > 0 && this.rng.chance(0.6) ? this.beatActors : this.alive
    let b: Actor | null = null
    for (let tries = 0; tries < 4 && from.length > 0; tries++) {
      const c = from[this.rng.int(from.length)]
      if (c !== a) {
        b = c
        break
      }
    }
    if (b === null) for (const c of this.alive) if (c !== a) { b = c; break }
    this.b = b
    if (this.dead.length > 0) this.d = this.dead[this.rng.int(this.dead.length)]
  }

  /** A new scene: its place (the beat's when it names one, with probability `beatPlace`) and its one extra. */
  newScene(beatPlace: number): void {
    this.x = this.ko ? this.draw(KO.words.extras[this.genre]) : "a stranger"
    const places = this.brief.places
    if (places.length === 0) {
      this.scene = { place: null }
      return
    }
    const inBeat = places.filter((p) => this.brief.beat.includes(p.name))
    const place = inBeat.length > 0 && this.rng.chance(beatPlace) ? inBeat[this.rng.int(inBeat.length)] : this.draw(places)
    this.scene = { place }
  }
}

// ───────────────────────────── Korean episode ─────────────────────────────

const para = (kind: Para["kind"], lines: Array<string>): Para => ({
  kind,
  lines,
  chars: lines.reduce((n, l) => n + lineChars(l), 0),
})

const koTitle = (k: Composer): string => {
  if (k.brief.episodeTitle !== null && k.brief.episodeTitle.trim() !== "") return k.brief.episodeTitle.trim()
  const beat = k.brief.beat
  const dead = k.dead.flatMap((a) => [a.c.name, ...a.c.aliases]).filter((n) => n.length >= 2)
  const tokens = beat.split(/[\s,.!?“”"'‘’…]+/).filter((t) => t.length > 0)
  let core: string | null = null
  for (let i = tokens.length - 1; i >= 0 && core === null; i--) {
    const m = /^([가-힣0-9]{1,})(을|를)$/.exec(tokens[i])
    if (m === null || m[1].length < 2) continue
    let phrase = m[1]
    const prev = i > 0 ? tokens[i - 1] : ""
    // a modifier ending in -ㄴ (떠난, 잃어버린) belongs to the noun
    const modifier = prev.length > 0 && finalOfCode(prev.charCodeAt(prev.length - 1)) === 4
    if (prev.endsWith("의") && prev.length >= 3) phrase = `${prev} ${phrase}`
    else if (modifier && prev.length >= 2 && !/있던|하던/.test(prev)) {
      const before = i > 1 ? tokens[i - 2] : ""
      phrase = /[어아여]$/.test(before) && before.length >= 2 ? `${before} ${prev} ${phrase}` : `${prev} ${phrase}`
    }
    else if (/^(옛|새|첫|헌|온갖)$/.test(prev)) phrase = `${prev} ${phrase}`
    if (!dead.some((n) => phrase.includes(n)) && !k.avoided(phrase)) core = phrase
  }
  if (core === null) {
    const place = k.brief.places.find((p) => beat.includes(p.name) && !k.avoided(p.name))
    core = place?.name ?? (k.keywords[0] ?? `${k.brief.episode}번째 밤`)
  }
  const patterns = core.includes("의 ") ? KO.titles.filter((p) => !fillTitle(p, "X").includes("의")) : KO.titles
  const title = fillTitle(k.rng.pick(patterns), core)
  return k.avoided(title) ? core : title
}

/**
 * A short recap of the previous episode. The summary is extractive (sentences of the previous episode),
 * so quoting it would copy a passage of a recent episode: the recap names its keywords instead, and
 * remembers a dead character it mentions.
 */
const koRecap = (k: Composer): Para | null => {
  const summary = k.brief.previousSummary?.trim()
  if (summary === undefined || summary.length === 0) return null
  k.recapKeys = k.extractKeywords(summary).slice(0, 6)
  k.pickFocus()
  const named = k.alive.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && summary.includes(n)))
  if (named.length > 0) k.a = named[k.rng.int(named.length)]
  const s: Array<string> = []
  if (k.recapKeys.length >= 3) s.push(...k.sayAll(KO.recaps))
  else if (k.recapKeys.length > 0) s.push(...k.sayAll(KO.recapOne))
  const gone = k.dead.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && summary.includes(n)))
  if (gone.length > 0 && k.a !== null) {
    k.d = gone[0]
    s.push(...k.sayAll(KO.memories))
  }
  s.push(...k.sayAll(KO.recapTails))
  return s.length > 0 ? para("recap", [s.join(" ")]) : null
}

const koOpening = (k: Composer, beatPlace: number): Para => {
  k.newScene(beatPlace)
  k.pickFocus()
  const s = k.sayAll(KO.openings)
  if (k.rng.chance(0.8)) s.push(...k.sayAll(KO.description))
  return para("body", [s.join(" ")])
}

/** `[CONN] S [MOD] [ADV] PRED.` — the workhorse of the narration, built from short partitioned chunks. */
const koClause = (k: Composer, who: Actor | null = k.a, particle = "은"): string | null => {
  for (let attempt = 0; attempt < 4; attempt++) {
    const parts: Array<string> = []
    if (k.rng.chance(0.35)) parts.push(k.draw(KO.words.connectives))
    const saved = k.a
    const savedB = k.b
    // The chunk's {B} is always someone else than the subject.
    if (who !== null && who === k.b) k.b = saved !== who ? saved : null
    k.a = who
    parts.push(josa(k.slot("A", particle), particle))
    if (k.rng.chance(0.55)) {
      const mod = k.sayChunk(KO.modifiers)
      if (mod !== null) parts.push(mod)
    }
    if (k.rng.chance(0.3)) parts.push(k.draw(KO.words.adverbs))
    parts.push(k.rng.chance(0.5) ? k.draw(KO.words.gestures) : k.draw(KO.words.predicates))
    k.a = saved
    k.b = savedB
    const s = parts.join(" ") + (parts[parts.length - 1].endsWith(".") ? "" : ".")
    if (!k.emitted.has(s) && !k.avoided(s)) {
      k.emitted.add(s)
      return s
    }
  }
  return null
}

const koAction = (k: Composer): Para => {
  k.pickFocus()
  const n = 2 + k.rng.int(3)
  const s: Array<string> = []
  for (let i = 0; i < n; i++) {
    const r = k.rng.next()
    const line = r < 0.3
      ? k.say(k.b !== null && k.rng.chance(0.5) ? KO.narrationAB : KO.narrationA)
      : koClause(k, r < 0.45 && k.b !== null ? k.b : k.a)
    if (line !== null) s.push(line)
  }
  return para("body", [s.join(" ")])
}

/** A speech tag: a manner and a verb, or a small act of the speaker. */
const koTag = (k: Composer, question: boolean): string | null => {
  const r = k.rng.next()
  if (r < 0.2) return k.say(question ? KO.askTags : KO.sayTags)
  if (r < 0.45) return koClause(k, k.a, "이")
  for (let attempt = 0; attempt < 4; attempt++) {
    const verb = question && k.rng.chance(0.8) ? k.draw(KO.words.askVerbs) : k.draw(KO.words.speechVerbs)
    const s = `${josa(k.slot("A", "이"), "이")} ${k.draw(KO.words.speechManners)} ${verb}.`
    if (!k.emitted.has(s) && !k.avoided(s)) {
      k.emitted.add(s)
      return s
    }
  }
  return null
}

const koDialogue = (k: Composer): Array<Para> => {
  k.pickFocus()
  const speakers = k.speakers.filter((x) => x === k.a || x === k.b)
  const voices: Array<Actor | null> = speakers.length >= 2 ? speakers : speakers.length === 1 ? [speakers[0], null] : [null]
  const turns = 2 + k.rng.int(2)
  const out: Array<Para> = []
  const lines = KO.lines[k.genre]
  for (let i = 0; i < turns; i++) {
    const v = voices[i % voices.length]
    const saved = k.a
    k.a = v
    const line = k.say(lines)
    if (line !== null) {
      const lines = [`“${line}”`]
      if (k.rng.chance(0.7) || v === null) {
        const tag = koTag(k, /[?？]$/.test(line))
        if (tag !== null) lines.push(tag)
      }
      out.push(para("body", lines))
    }
    k.a = saved
  }
  return out
}

const koThought = (k: Composer): Para => {
  k.pickFocus()
  if (k.a === null) return para("body", [])
  const lines: Array<string> = []
  if (k.rng.chance(0.5)) {
    const lead = koClause(k)
    if (lead !== null) lines.push(lead)
  }
  const t = k.say(KO.thoughts)
  if (t === null) return para("body", lines)
  lines.push(`‘${t}’`)
  const f = k.rng.chance(0.5) ? k.say(KO.thoughtFrames) : koClause(k)
  if (f !== null) lines.push(f)
  return para("body", lines)
}

const koRelation = (k: Composer): Para | null => {
  const alive = new Map(k.alive.map((a) => [a.c.id, a]))
  const rels = k.brief.relations.filter((r) => alive.has(r.from) && alive.has(r.to) && KO.relations[r.type] !== undefined)
  if (rels.length === 0) return null
  const r = k.draw(rels)
  k.pickFocus()
  k.a = alive.get(r.from) ?? null
  k.b = alive.get(r.to) ?? null
  const s = k.sayAll(KO.relations[r.type] ?? [])
  const c = koClause(k, k.rng.chance(0.5) ? k.a : k.b)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koMemory = (k: Composer): Para | null => {
  if (k.dead.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO.memories)
  if (k.rng.chance(0.5)) s.push(...k.sayAll(KO.memories))
  if (k.a !== null) {
    const c = koClause(k)
    if (c !== null) s.push(c)
  }
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koRule = (k: Composer): Para | null => {
  if (k.rules.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO.rules)
  const c = koClause(k)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koKeyword = (k: Composer): Para | null => {
  if (k.keywords.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO.keywords)
  if (s.length === 0) return null
  const c = koClause(k, k.b ?? k.a)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koBeat = (k: Composer): Para | null => {
  k.pickFocus()
  const beat = k.brief.beat.trim()
  const names = (a: Actor) => [a.c.name, ...a.c.aliases].filter((n) => n.length >= 2)
  // The beat is told as it stands only when it names no dead character and no banned word.
  const usable = beat.length > 0 && !k.dead.some((a) => names(a).some((n) => beat.includes(n))) && !k.avoided(beat)
  const past = usable ? beatInPast(beat) : null
  const s: Array<string> = []
  const frame = k.say(KO.beatFrames)
  if (frame !== null) s.push(frame)
  if (past !== null && !k.emitted.has(past)) {
    const told = varyBeat(k, past)
    k.emitted.add(told)
    s.push(told)
  } else s.push(...k.sayAll(KO.keywords))
  s.push(...k.sayAll(KO.beatAfter))
  return para("beat", [s.join(" ")])
}

/**
 * A beat repeats past the end of the outline; an adverb after its subject keeps the retelling from
 * being a copy of the last time.
 */
const varyBeat = (k: Composer, past: string): string => {
  const words = past.split(" ")
  for (let i = 0; i < words.length - 3; i++) {
    if (/[가-힣](은|는|이|가)$/.test(words[i]) && words[i].length >= 2) {
      const adv = KO.words.beatAdverbs[k.rng.int(KO.words.beatAdverbs.length)]
      if (words[i + 1] === adv) break
      return [...words.slice(0, i + 1), adv, ...words.slice(i + 1)].join(" ")
    }
  }
  return past
}

const koClose = (k: Composer): Para => {
  k.pickFocus()
  const s = k.say(KO.closings, 12)
  return para("close", [s ?? "그리고 밤이 깊었다."])
}

type Step = (k: Composer) => Para | Array<Para> | null

const KO_STEPS: ReadonlyArray<readonly [Step, number]> = [
  [koAction, 3],
  [koDialogue, 2.2],
  [koThought, 1.4],
  [(k) => { k.pickFocus(); const s = k.sayAll(KO.description, KO.description); return s.length > 0 ? para("body", [s.join(" ")]) : null }, 0.9],
  [koRelation, 0.6],
  [koMemory, 0.5],
  [koKeyword, 0.8],
]

// ───────────────────────────── English episode (fallback) ─────────────────────────────

const enTitle = (k: Composer): string => {
  const words = k.brief.beat.replace(/[.,!?]/g, "").split(/\s+/).filter((w) => w.length > 3)
  return words.length > 0 ? words.slice(-2).join(" ").replace(/^\w/, (c) => c.toUpperCase()) : `Night ${k.brief.episode}`
}

const EN_STEPS: ReadonlyArray<readonly [Step, number]> = [
  [(k) => { k.pickFocus(); return para("body", [k.sayAll(EN.narrationA, k.b !== null ? EN.narrationAB : EN.narrationA, EN.narrationA).join(" ")]) }, 3],
  [(k) => {
    k.pickFocus()
    const out: Array<Para> = []
    for (let i = 0; i < 3; i++) {
      const saved = k.a
      if (i % 2 === 1 && k.b !== null) k.a = k.b
      const line = k.say(EN.lines)
      if (line !== null) out.push(para("body", [`“${line}”`, ...k.sayAll(EN.tags)]))
      k.a = saved
    }
    return out
  }, 3],
  [(k) => { k.pickFocus(); const t = k.say(EN.thoughts); return t === null ? null : para("body", [`‘${t}’`, ...k.sayAll(EN.narrationA)]) }, 1.2],
  [(k) => { k.pickFocus(); return k.d === null ? null : para("body", k.sayAll(EN.memories)) }, 0.5],
  [(k) => { k.pickFocus(); return para("body", [`${k.draw(EN.words.senses)} ${k.draw(EN.words.senses)}`]) }, 0.8],
]

// ───────────────────────────── assembly ─────────────────────────────

/** A weighted lottery over the steps; a step that came back empty twice drops out (its banks are spent). */
const pickStep = (k: Composer, steps: ReadonlyArray<readonly [Step, number]>, misses: Array<number>): number => {
  let total = 0
  for (let i = 0; i < steps.length; i++) if (misses[i] < 2) total += steps[i][1]
  let r = k.rng.next() * total
  for (let i = 0; i < steps.length; i++) {
    if (misses[i] >= 2) continue
    r -= steps[i][1]
    if (r < 0) return i
  }
  return 0
}

/** Trims a paragraph from its end, sentence by sentence, to at most `room` characters; false if nothing is left. */
const trimTo = (p: Para, room: number): boolean => {
  while (p.chars > room && p.lines.length > 0) {
    const last = p.lines[p.lines.length - 1]
    const quoted = last.startsWith("“") || last.startsWith("‘")
    const cut = quoted ? -1 : Math.max(last.lastIndexOf(". ", last.length - 2), last.lastIndexOf("? ", last.length - 2), last.lastIndexOf("! ", last.length - 2))
    if (cut > 0) p.lines[p.lines.length - 1] = last.slice(0, cut + 1)
    else p.lines.pop()
    p.chars = p.lines.reduce((n, l) => n + lineChars(l), 0)
  }
  return p.lines.length > 0 && p.chars <= room
}

const SCENE_BREAK = "* * *"

const assemble = (k: Composer): string => {
  const { min, max } = k.brief.lengthBand
  const lo = Math.min(min, max)
  const hi = Math.max(min, max)
  const ko = k.ko
  const heading = ko ? `# 제${k.brief.episode}화 ${koTitle(k)}` : `# Episode ${k.brief.episode}: ${enTitle(k)}`
  const headChars = lineChars(heading)
  const paras: Array<Para> = []
  let total = headChars
  const push = (p: Para) => {
    if (p.lines.length === 0 || p.chars === 0) return
    paras.push(p)
    total += p.chars
  }

  const close = ko ? koClose(k) : para("close", [k.say(EN.closings) ?? "And the night went on."])
  // Aim a little above the floor, so the end can be adjusted either way.
  const target = lo + Math.floor((hi - lo) * 0.35)
  const budget = target - close.chars

  if (ko) {
    const recap = koRecap(k)
    if (recap !== null && total + recap.chars <= budget) push(recap)
    push(koOpening(k, 0.85))
  } else {
    k.newScene(0.85)
    k.pickFocus()
    if (k.brief.previousSummary !== null && k.brief.previousSummary.length > 0) {
      push(para("recap", [k.brief.previousSummary.slice(0, 240)]))
    }
    push(para("body", k.sayAll(EN.openings)))
  }

  const steps = ko ? KO_STEPS : EN_STEPS
  const misses = steps.map(() => 0)
  let sceneTwo = false
  let sceneThree = false
  let beatDone = false
  let rules = 0
  let guard = 0
  while (total < budget && guard++ < 400) {
    const progress = (total - headChars) / Math.max(1, budget - headChars)
    let produced: Para | Array<Para> | null
    if (ko && !sceneTwo && progress >= 0.34) {
      sceneTwo = true
      produced = [para("break", [SCENE_BREAK]), koOpening(k, 1)]
    } else if (!beatDone && progress >= 0.5) {
      beatDone = true
      produced = ko ? koBeat(k) : para("beat", [k.brief.beat])
    } else if (ko && !sceneThree && progress >= 0.74) {
      sceneThree = true
      produced = [para("break", [SCENE_BREAK]), koOpening(k, 0.2)]
    } else if (ko && rules < 1 && progress > 0.15 && k.rng.chance(0.08)) {
      rules++
      produced = koRule(k)
    } else {
      const i = pickStep(k, steps, misses)
      produced = steps[i][0](k)
      const empty = produced === null || (Array.isArray(produced) ? produced.length === 0 : produced.lines.length === 0)
      if (empty && i !== 0) misses[i]++
    }
    const list = produced === null ? [] : Array.isArray(produced) ? produced : [produced]
    for (const p of list) {
      if (p.lines.length === 0) continue
      const room = hi - close.chars - total
      if (p.chars <= room) push(p)
      else if (p.kind !== "break" && trimTo(p, room)) push(p)
    }
  }
  if (!beatDone && k.brief.beat.length > 0) {
    const p = ko ? koBeat(k) : para("beat", [k.brief.beat])
    if (p !== null && trimTo(p, hi - close.chars - total)) push(p)
  }
  push(close)

  // Adjust: drop trailing sentences while above the band, add short ones while below it.
  const body = () => paras.filter((p) => p.kind === "body")
  let safety = 0
  while (total > hi && safety++ < 200) {
    const candidates = body()
    if (candidates.length === 0) break
    const p = candidates[candidates.length - 1]
    const before = p.chars
    const ok = trimTo(p, Math.max(0, p.chars - (total - hi)))
    if (!ok) {
      paras.splice(paras.indexOf(p), 1)
      total -= before
    } else total -= before - p.chars
  }
  const fillers = ko ? KO.words.fillers : EN.words.fillers
  safety = 0
  while (total < lo && safety++ < 500) {
    const room = hi - total
    const fitting = fillers.filter((f) => lineChars(f) + 1 <= room && !k.avoided(f))
    const fresh = fitting.filter((f) => !k.emitted.has(f))
    const options = fresh.length > 0 ? fresh : fitting
    const candidates = body()
    if (options.length === 0 || candidates.length === 0) break
    const f = options[k.rng.int(options.length)]
    k.emitted.add(f)
    const p = candidates[k.rng.int(candidates.length)]
    const i = p.lines.length - 1
    if (p.lines[i].startsWith("“") || p.lines[i].startsWith("‘")) {
      p.lines.push(f)
      p.chars += lineChars(f)
      total += lineChars(f)
    } else {
      p.lines[i] = `${p.lines[i]} ${f}`
      p.chars += lineChars(f) + 1
      total += lineChars(f) + 1
    }
  }
  return [heading, ...paras.map((p) => p.lines.join("\n"))].join("\n\n")
}

/**
 * Composes one episode draft from a brief. Pure and deterministic: the same brief gives the same text.
 * The first line is `# 제N화 <title>` (Korean) or `# Episode N: <title>`.
 */
export const composeEpisode = (brief: WriterBrief): string => {
  const k = new Composer(normalizeBrief(brief))
  // Every input was normalised and the banks are NFC: the text is NFC as it stands.
  return assemble(k)
}

/** NFC for every text the composer copies, so its running count equals `countCharsWithSpaces`. */
const normalizeBrief = (b: WriterBrief): WriterBrief => ({
  ...b,
  beat: nfc(b.beat),
  previousSummary: b.previousSummary === null ? null : nfc(b.previousSummary),
  bannedWords: b.bannedWords.map(nfc),
  worldRules: b.worldRules.map(nfc),
  cast: b.cast.map((c) => ({ ...c, name: nfc(c.name), aliases: c.aliases.map(nfc), traits: c.traits.map(nfc), role: nfc(c.role) })),
  places: b.places.map((p) => ({ ...p, name: nfc(p.name), description: nfc(p.description) })),
  findingsToFix: b.findingsToFix.map((f) => (f.evidence === undefined ? f : { ...f, evidence: { ...f.evidence, text: nfc(f.evidence.text) } })),
})
