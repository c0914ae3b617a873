/**
 * The LLM analyst (`llm.stages.analyst`): the offline analyst's deltas first ($0, conservative), then
 * the model's reading of the text as structured output, decoded with Schema. What the model says is
 * kept only where it is grounded: each claim's quote must be found in the text (its evidence), and
 * each character it names must be one the Bible knows or the answer introduces. An answer that stays
 * unusable after the bounded retries falls back to the offline deltas with a finding: the novel is
 * never held up by the analyst. Outages (transient errors) go up, like the writer's.
 */
import { Effect, Schema } from "effect"
import {
  type BibleDelta,
  characterIdOf,
  type EpisodeAnalysis,
  placeIdOf,
} from "../domain/Analysis.ts"
import { type Bible, CharacterStatus, type FactEvidence, RelationType } from "../domain/Bible.ts"
import type { GuardFinding } from "../domain/Episode.ts"
import { LanguageModel } from "../llm/LanguageModel.ts"
import { languageName, locateQuote } from "../llm/Prompt.ts"
import { completeStructured } from "../llm/Structured.ts"
import type { AnalystInput, AnalystShape } from "./Analyst.ts"
import { analyzeOffline } from "./OfflineAnalyst.ts"

const Quote = Schema.String
export const AnalystAnswer = Schema.Struct({
  charactersIntroduced: Schema.Array(Schema.Struct({ name: Schema.String, aliases: Schema.Array(Schema.String), role: Schema.String, quote: Quote })),
  placesIntroduced: Schema.Array(Schema.Struct({ name: Schema.String, description: Schema.String, quote: Quote })),
  statusChanges: Schema.Array(Schema.Struct({ character: Schema.String, status: CharacterStatus, note: Schema.String, quote: Quote })),
  relations: Schema.Array(Schema.Struct({
    from: Schema.String,
    to: Schema.String,
    type: RelationType,
    change: Schema.Literals(["formed", "broken"]),
    quote: Quote,
  })),
  facts: Schema.Array(Schema.Struct({ text: Schema.String, subjects: Schema.Array(Schema.String), quote: Quote })),
  events: Schema.Array(Schema.Struct({ description: Schema.String, characters: Schema.Array(Schema.String) })),
  /** Only when the prompt lists open threads. */
  threads: Schema.optionalKey(Schema.Array(Schema.Struct({
    thread: Schema.String,
    mark: Schema.Literals(["planted", "hinted", "paid"]),
    quote: Quote,
  }))),
})
export type AnalystAnswer = typeof AnalystAnswer.Type

/** Constant for every call: the cacheable prefix. */
const SYSTEM = [
  "You are the continuity analyst of a serialized web novel. You read one episode and report, as JSON, what it changed in the story bible.",
  "Report only what the text states happened in this episode — not threats, plans, dreams, rumours, memories of earlier episodes or near misses.",
  "- charactersIntroduced: people who appear for the first time (not in the roster), with the name the text gives, aliases, role in the text's words.",
  "- placesIntroduced: named places that are new (not in the roster).",
  `- statusChanges: a character who ${CharacterStatus.literals.filter((s) => s !== "alive").join(" / ")} in this episode (or comes back: alive); note = what happened in the text's words.`,
  `- relations: formed or broken, type one of ${RelationType.literals.join(", ")}.`,
  "- facts: things worth remembering later (an item lost or gained, a secret revealed, a promise made).",
  "- events: at most five plot events of the episode, each one sentence.",
  "- threads: for the open foreshadowing threads listed (by id), those this episode plants, hints at or pays off (resolves).",
  "Refer to characters by their roster id, or by the exact name of a character you list as introduced.",
  "Every quote must be copied verbatim from the episode (10–80 characters) as evidence.",
].join("\n")

const rosterLines = (bible: Bible): string =>
  [
    "## Roster (id — name (aliases): status)",
    ...bible.characters.map((c) =>
      `- ${c.id} — ${c.name}${c.aliases.length > 0 ? ` (${c.aliases.join(", ")})` : ""}: ${c.status}${c.statusNote ? ` (${c.statusNote})` : ""}`
    ),
    "## Places",
    ...bible.places.map((p) => `- ${p.id} — ${p.name}`),
  ].join("\n")

const threadLines = (input: AnalystInput): string =>
  (input.threads ?? []).length === 0
    ? ""
    : ["", "## Open threads (id — description)", ...(input.threads ?? []).map((t) => `- ${t.id} — ${t.description}`)].join("\n")

export const renderAnalystPrompt = (input: AnalystInput) => [
  { role: "system" as const, content: `${SYSTEM}\nThe episode is written in ${languageName(input.language)}; write notes and descriptions in that language.` },
  { role: "user" as const, content: `${rosterLines(input.bible)}${threadLines(input)}\n\n## Episode ${input.episode}\n${input.text}` },
]

/**
 * The answer's claims as deltas, each grounded in the text and naming known or introduced ids only;
 * what cannot be grounded becomes a finding instead.
 */
export const groundAnswer = (answer: AnalystAnswer, input: AnalystInput): { deltas: Array<BibleDelta>; findings: Array<GuardFinding> } => {
  const { text, bible } = input
  const deltas: Array<BibleDelta> = []
  const findings: Array<GuardFinding> = []
  const dropped = (what: string, why: string) =>
    findings.push({ code: "analyst.ungrounded", category: "factual-detail", severity: "warning", message: `the analyst's ${what} was dropped: ${why}` })
  const evidenceOf = (quote: string, what: string): FactEvidence | undefined => {
    const e = locateQuote(text, quote)
    if (e === undefined) dropped(what, `its quote «${quote.slice(0, 40)}» is not in the text`)
    return e
  }
  const ids = new Map<string, string>()
  for (const c of bible.characters) for (const n of [c.id, c.name, ...c.aliases]) ids.set(n.trim(), c.id)
  for (const c of answer.charactersIntroduced) {
    const name = c.name.trim()
    if (name === "" || ids.has(name)) continue
    const evidence = evidenceOf(c.quote, `introduction of ${name}`)
    if (evidence === undefined) continue
    const id = characterIdOf(name)
    ids.set(name, id)
    ids.set(id, id)
    for (const a of c.aliases) if (a.trim() !== "" && !ids.has(a.trim())) ids.set(a.trim(), id)
    deltas.push({ _tag: "CharacterIntroduced", id, name, aliases: c.aliases.filter((a) => a.trim() !== ""), role: c.role, evidence })
  }
  const places = new Set(bible.places.flatMap((p) => [p.id, p.name]))
  for (const p of answer.placesIntroduced) {
    const name = p.name.trim()
    if (name === "" || places.has(name)) continue
    const evidence = evidenceOf(p.quote, `place ${name}`)
    if (evidence === undefined) continue
    places.add(name)
    deltas.push({ _tag: "PlaceIntroduced", id: placeIdOf(name), name, description: p.description, evidence })
  }
  const idOf = (ref: string, what: string): string | undefined => {
    const id = ids.get(ref.trim())
    if (id === undefined) dropped(what, `'${ref}' is no character of the roster or of this episode`)
    return id
  }
  for (const s of answer.statusChanges) {
    const id = idOf(s.character, `status change (${s.status})`)
    const evidence = id === undefined ? undefined : evidenceOf(s.quote, `status change of ${s.character}`)
    if (id !== undefined && evidence !== undefined) deltas.push({ _tag: "StatusChanged", character: id, status: s.status, note: s.note, evidence })
  }
  for (const r of answer.relations) {
    const from = idOf(r.from, `relation ${r.type}`)
    const to = from === undefined ? undefined : idOf(r.to, `relation ${r.type}`)
    const evidence = to === undefined ? undefined : evidenceOf(r.quote, `relation ${r.from} ${r.type} ${r.to}`)
    if (from !== undefined && to !== undefined && evidence !== undefined) {
      deltas.push({ _tag: "RelationChanged", from, to, type: r.type, change: r.change, evidence })
    }
  }
  for (const f of answer.facts) {
    const evidence = evidenceOf(f.quote, `fact «${f.text.slice(0, 30)}»`)
    if (evidence === undefined) continue
    const subjects = f.subjects.flatMap((s) => {
      const id = ids.get(s.trim())
      return id === undefined ? [] : [id]
    })
    deltas.push({ _tag: "FactNoted", text: f.text, subjects, evidence })
  }
  const threads = new Set((input.threads ?? []).map((t) => t.id))
  for (const t of answer.threads ?? []) {
    if (!threads.has(t.thread)) {
      dropped(`thread mark (${t.mark})`, `'${t.thread}' is no open thread of the outline`)
      continue
    }
    const evidence = evidenceOf(t.quote, `thread ${t.thread} ${t.mark}`)
    if (evidence !== undefined) deltas.push({ _tag: "ThreadMarked", thread: t.thread, mark: t.mark, evidence })
  }
  for (const e of answer.events.slice(0, 5)) {
    const characters = e.characters.flatMap((c) => {
      const id = ids.get(c.trim())
      return id === undefined ? [] : [id]
    })
    deltas.push({ _tag: "EventHappened", description: e.description, characters })
  }
  return { deltas, findings }
}

export const llmAnalyst = (model: typeof LanguageModel.Service): AnalystShape => ({
  analyze: (input) => {
    const offline = analyzeOffline({ text: input.text, bible: input.bible, episode: input.episode })
    /** The offline deltas, with why the model's are not there. */
    const fallback = (why: string): EpisodeAnalysis => ({
      ...offline,
      findings: [
        ...offline.findings,
        { code: "analyst.fallback", category: "factual-detail", severity: "warning", message: `${why}; the offline analyst's deltas were used` },
      ],
    })
    return completeStructured({ stage: "analyst", name: "episode_analysis", schema: AnalystAnswer, messages: renderAnalystPrompt(input) }).pipe(
      Effect.map(({ value }): EpisodeAnalysis => {
        const grounded = groundAnswer(value, input)
        // The offline deltas first, so that where both speak of one character's status the model's
        // reading wins; where both introduce one name, the model's (with aliases and role) is kept.
        const events = grounded.deltas.some((d) => d._tag === "EventHappened")
        const introduced = new Set(grounded.deltas.flatMap((d) => (d._tag === "CharacterIntroduced" || d._tag === "PlaceIntroduced" ? [d.id] : [])))
        const kept = offline.deltas.filter((d) =>
          !(events && d._tag === "EventHappened") &&
          !((d._tag === "CharacterIntroduced" || d._tag === "PlaceIntroduced") && introduced.has(d.id))
        )
        return {
          episode: input.episode,
          deltas: [...kept, ...grounded.deltas],
          findings: [...offline.findings, ...grounded.findings],
          analyst: "llm",
        }
      }),
      Effect.catchTag("StructuredOutputInvalid", (invalid) =>
        Effect.succeed(fallback(`the LLM analyst gave no usable answer in ${invalid.attempts} attempts (${invalid.message})`))
      ),
      Effect.catchTag("LlmFatalError", (e) => (e.refused === true ? Effect.succeed(fallback(e.message)) : Effect.fail(e))),
      Effect.provideService(LanguageModel, model),
    )
  },
})
