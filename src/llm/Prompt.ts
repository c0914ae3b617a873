import { Data, Result, Schema } from "effect"
import type { Character, Relation } from "../domain/Bible.ts"
import type { WriterBrief } from "../domain/Brief.ts"
import { type Evidence, FindingCategory, type GuardFinding, type GuardVerdict } from "../domain/Episode.ts"
import { parseJsonAnswer } from "./JsonAnswer.ts"
import type { ChatMessage } from "./LanguageModel.ts"

/**
 * Prompts rendered from the structured brief, laid out like a story-bible tool.
 *
 * Cache-friendly order, from the most to the least stable: OpenAI-compatible providers bill a
 * prompt's longest prefix already seen (from 1,024 tokens on, in 128-token blocks) at the cached
 * price, so whatever changes per episode must come after whatever does not.
 *
 *   system  1. the writer's rules: premise, tone, style, banned words, world rules, output
 *              format, length band — constant for a project;
 *           2. the standing Bible (`brief.standing`: as the start of the current block of
 *              episodes left it): places, who each character is (role, aliases, traits),
 *              relations — the same for every episode of the block;
 *   user    3. the story so far, oldest first — each episode appends a line;
 *           4. this episode: heading, what the Bible gained since the block's start (characters,
 *              places, relations), the cast's state now (alive, ☠ dead, injured …), the dead,
 *              the beat, the next beat, the fixes, plugins' additions.
 *
 * Against the simulator's OpenAI-like cache this serves 60 %+ of the writer's input from the
 * cache from episode 2 on (bench/llmCache.ts); with the per-episode cast first it was 0 %.
 */

const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  ko: "Korean (한국어)",
  en: "English",
  ja: "Japanese (日本語)",
  zh: "Chinese (中文)",
}

export const languageName = (tag: string): string => LANGUAGE_NAMES[tag.split("-")[0]!] ?? tag

const bullets = (items: ReadonlyArray<string>, empty = "(none)"): string =>
  items.length === 0 ? `- ${empty}` : items.map((i) => `- ${i}`).join("\n")

/** Who a character is: what stays true from episode to episode. */
const characterLine = (c: Character): string => {
  const parts = [`**${c.name}** (id: ${c.id}) — ${c.role}`]
  if (c.aliases.length > 0) parts.push(`also called: ${c.aliases.join(", ")}`)
  if (c.traits.length > 0) parts.push(`traits: ${c.traits.join(", ")}`)
  return parts.join("; ")
}

/** How a character is now: changes with the story, so it comes late in the prompt. */
const stateLine = (c: Character): string => {
  const state = c.status === "dead"
    ? "☠ DEAD — must not act, speak or appear alive; may only be remembered"
    : c.status === "alive"
    ? "alive"
    : `${c.status}${c.statusNote === undefined ? "" : ` (${c.statusNote})`} — keep it consistent`
  return `**${c.name}**: ${state}${c.provisional ? " (introduced in an uncommitted draft)" : ""}`
}

/** Oldest first, so a character met later is appended and the lines before it stay the same. */
const byFirstEpisode = (cast: ReadonlyArray<Character>): ReadonlyArray<Character> =>
  [...cast].sort((a, b) => (a.firstEpisode ?? 0) - (b.firstEpisode ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

const relationLine = (r: Relation, names: ReadonlyMap<string, string>): string =>
  `${names.get(r.from) ?? r.from} —${r.type}→ ${names.get(r.to) ?? r.to} (since episode ${r.since})`

const findingLine = (f: GuardFinding): string => {
  const where = f.evidence ? ` — at ${f.evidence.start}–${f.evidence.end}: «${f.evidence.text}»` : ""
  return `[${f.severity}] ${f.category} (${f.code}): ${f.message}${where}`
}

/**
 * The Bible the system message states: the standing one (as the block's start left it) when the
 * brief carries it, else this episode's cast, places and relations; and what the episode part must
 * add — characters, places and relations the standing Bible lacks or states differently.
 */
const splitBible = (brief: WriterBrief) => {
  const standing = brief.standing ?? { asOfEpisode: brief.episode - 1, characters: brief.cast, places: brief.places, relations: brief.relations }
  const standingCharacters = new Map(standing.characters.map((c) => [c.id, characterLine(c)]))
  const standingPlaces = new Set(standing.places.map((p) => placeLine(p)))
  const relationKey = (r: Relation) => `${r.from}|${r.type}|${r.to}|${r.since}`
  const standingRelations = new Set(standing.relations.map(relationKey))
  return {
    standing,
    newCharacters: byFirstEpisode(brief.cast).filter((c) => standingCharacters.get(c.id) !== characterLine(c)),
    newPlaces: brief.places.filter((p) => !standingPlaces.has(placeLine(p))),
    newRelations: brief.relations.filter((r) => !standingRelations.has(relationKey(r))),
  }
}

const placeLine = (p: WriterBrief["places"][number]): string => `**${p.name}** (id: ${p.id}): ${p.description}`

const namesOf = (brief: WriterBrief): ReadonlyMap<string, string> => {
  const names = new Map<string, string>()
  for (const c of brief.standing?.characters ?? []) names.set(c.id, c.name)
  for (const c of brief.cast) names.set(c.id, c.name)
  return names
}

/** The system message: the rules, then the Bible's standing facts — the prompt's stable, cacheable prefix. */
export const renderWriterSystem = (brief: WriterBrief): string => {
  const { standing } = splitBible(brief)
  const names = namesOf(brief)
  return [
    `You are the serial writer of the web novel «${brief.projectTitle}» (genre: ${brief.genre}).`,
    `Write in ${languageName(brief.language)} only.`,
    "",
    "## Premise",
    brief.premise,
    "",
    "## Tone",
    brief.tone,
    "",
    "## Style rules",
    bullets(brief.styleRules),
    "",
    "## Banned words (never use them, not even in dialogue)",
    bullets(brief.bannedWords),
    "",
    "## World rules (never break them)",
    bullets(brief.worldRules),
    "",
    "## Output format",
    "- First line: `# ` followed by the episode title.",
    "- Then the episode body in Markdown paragraphs; dialogue in quotation marks.",
    "- No notes, no summaries, no commentary outside the story.",
    "- End on a hook that makes the reader pay for the next episode (a question, a reveal, danger, an unanswered line), not on a scene that closes.",
    "",
    "## Length",
    `Between ${brief.lengthBand.min} and ${brief.lengthBand.max} characters including spaces (the title line excluded).`,
    "",
    // A brief without a standing Bible states this episode's: no episode number, so it stays the same while the cast does.
    brief.standing === undefined ? "# Story bible" : `# Story bible (as of episode ${standing.asOfEpisode}; what changed since is given with the episode)`,
    "",
    "## Places",
    bullets(standing.places.map(placeLine)),
    "",
    "## Characters (who they are; their state now is given with the episode)",
    bullets(byFirstEpisode(standing.characters).map(characterLine)),
    "",
    "## Relations",
    bullets(standing.relations.map((r) => relationLine(r, names))),
  ].join("\n")
}

/** The user message: the story so far (it grows at its end), then this episode's changes, state, beat and fixes. */
export const renderWriterUser = (brief: WriterBrief): string => {
  const { standing, newCharacters, newPlaces, newRelations } = splitBible(brief)
  const names = namesOf(brief)
  const sections: Array<string> = [
    "## Story so far",
    brief.storySoFar.length > 0
      ? brief.storySoFar.map((e) => `- Episode ${e.episode}${e.title === "" ? "" : ` «${e.title}»`}: ${e.summary}`).join("\n")
      : brief.previousSummary ?? "(this is the first episode)",
    "",
    `# Episode ${brief.episode}${brief.draft > 1 ? ` — draft ${brief.draft}` : ""}`,
  ]
  if (newCharacters.length > 0) {
    sections.push("", `## Characters new or changed since episode ${standing.asOfEpisode}`, bullets(newCharacters.map(characterLine)))
  }
  if (newPlaces.length > 0) {
    sections.push("", `## Places new or changed since episode ${standing.asOfEpisode}`, bullets(newPlaces.map(placeLine)))
  }
  if (newRelations.length > 0) {
    sections.push("", `## Relations new since episode ${standing.asOfEpisode}`, bullets(newRelations.map((r) => relationLine(r, names))))
  }
  sections.push(
    "",
    "## Cast of this episode, as they are now",
    bullets(byFirstEpisode(brief.cast).map(stateLine)),
  )
  if (brief.deadCharacters.length > 0) {
    sections.push(
      "",
      "## Dead — they cannot act, speak or appear alive in any scene; they may only be remembered",
      bullets(brief.deadCharacters.map((d) => `${d.name}${d.episode > 0 ? ` — died in episode ${d.episode}` : ""}${d.note === "" ? "" : `: ${d.note}`}`)),
    )
  }
  sections.push(
    "",
    "## This episode's beat",
    brief.beat,
  )
  if (brief.episodeTitle !== null) sections.push("", "## Title (use it as the episode's title)", brief.episodeTitle)
  if (brief.nextBeat !== null) {
    sections.push(
      "",
      "## Next episode (for foreshadowing only — DO NOT reveal or resolve any of it yet)",
      brief.nextBeat,
    )
  }
  if (brief.findingsToFix.length > 0) {
    sections.push(
      "",
      `## Fix these problems of the previous draft (draft ${brief.draft - 1})`,
      bullets(brief.findingsToFix.map(findingLine)),
    )
  }
  if (brief.promptAdditions.length > 0) {
    sections.push("", "## Additional instructions", bullets(brief.promptAdditions))
  }
  sections.push("", `Write episode ${brief.episode} now.`)
  return sections.join("\n")
}

/** The writer's chat: the stable system message, then the story so far and this episode's brief. */
export const renderWriterPrompt = (brief: WriterBrief): Array<ChatMessage> => [
  { role: "system", content: renderWriterSystem(brief) },
  { role: "user", content: renderWriterUser(brief) },
]

/** The user message that asks for the rest of an answer cut by `finish_reason: "length"`. */
export const CONTINUE_PROMPT = "Continue exactly where you stopped. Do not repeat anything already written and add no commentary."

// ---------------------------------------------------------------------------------------------
// LLM judge (optional; the guard's deterministic checks stay authoritative)

export const JUDGE_RUBRIC: ReadonlyArray<{ readonly category: FindingCategory; readonly question: string }> = [
  { category: "characterization", question: "Do characters act and speak according to their traits? Does a dead character act or speak?" },
  { category: "factual-detail", question: "Do names, aliases, places and relations match the bible?" },
  { category: "timeline-plot", question: "Does the draft follow this episode's beat, and does it reveal events of the next beat too early?" },
  { category: "world-building", question: "Is any world rule broken?" },
  { category: "style", question: "Are the style rules and tone respected? Is a banned word used?" },
  { category: "repetition", question: "Are sentences or scenes repeated?" },
  { category: "language", question: "Is the whole text in the required language, without meta commentary?" },
]

export const renderJudgePrompt = (brief: WriterBrief, draft: string): Array<ChatMessage> => [
  {
    role: "system",
    content: [
      "You are a strict continuity editor for a serialized web novel. Judge the draft against the story bible below.",
      "Answer with ONE JSON object and nothing else:",
      '{"accepted": boolean, "score": number between 0 and 1, "findings": [{"code": string, "category": one of ' +
      FindingCategory.literals.map((l) => `"${l}"`).join(", ") +
      ', "severity": "error" | "warning", "message": string, "quote": exact text copied from the draft}]}',
      "Every finding must quote the offending passage verbatim (10–80 characters) so a person can find it.",
      "",
      "## Rubric",
      ...JUDGE_RUBRIC.map((r) => `- ${r.category}: ${r.question}`),
      "",
      renderWriterSystem(brief),
    ].join("\n"),
  },
  {
    role: "user",
    content: [renderWriterUser(brief), "", "---", "## Draft to judge", draft].join("\n"),
  },
]

const JudgeFindingJson = Schema.Struct({
  code: Schema.String,
  category: FindingCategory,
  severity: Schema.Literals(["error", "warning"]),
  message: Schema.String,
  quote: Schema.optionalKey(Schema.NullOr(Schema.String)),
})

const JudgeVerdictJson = Schema.Struct({
  accepted: Schema.Boolean,
  score: Schema.Number,
  findings: Schema.Array(JudgeFindingJson),
})

export class JudgeParseError extends Data.TaggedError("JudgeParseError")<{
  readonly message: string
  readonly raw: string
}> {}

/** Where a quote sits in the draft: exact match first, then ignoring runs of whitespace. */
export const locateQuote = (draft: string, quote: string): Evidence | undefined => {
  const q = quote.trim()
  if (q.length === 0) return undefined
  const at = draft.indexOf(q)
  if (at >= 0) return { start: at, end: at + q.length, text: q }
  const pattern = q.split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+")
  const m = new RegExp(pattern).exec(draft)
  return m ? { start: m.index, end: m.index + m[0].length, text: m[0] } : undefined
}

/**
 * Parses the judge's answer into a `GuardVerdict`. A finding whose quote cannot be found in the
 * draft keeps its message but loses its evidence and is downgraded to a warning: a finding nobody
 * can check must not reject a draft.
 */
export const parseJudgeVerdict = (raw: string, draft: string): GuardVerdict | JudgeParseError => {
  const parsed = parseJsonAnswer(raw)
  if (Result.isFailure(parsed)) return new JudgeParseError({ message: `the judge's answer: ${parsed.failure}`, raw })
  const value: unknown = parsed.success
  let decoded: typeof JudgeVerdictJson.Type
  try {
    decoded = Schema.decodeUnknownSync(JudgeVerdictJson)(value)
  } catch (error) {
    return new JudgeParseError({ message: `the judge's verdict is malformed: ${(error as Error).message}`, raw })
  }
  const findings: Array<GuardFinding> = decoded.findings.map((f) => {
    const evidence = f.quote ? locateQuote(draft, f.quote) : undefined
    if (evidence) return { code: `judge/${f.code}`, category: f.category, severity: f.severity, message: f.message, evidence }
    return {
      code: `judge/${f.code}`,
      category: f.category,
      severity: "warning",
      message: `${f.message} (quoted evidence not found in the draft)`,
    }
  })
  const reward = Math.min(1, Math.max(0, Number.isFinite(decoded.score) ? decoded.score : 0))
  const accepted = decoded.accepted && !findings.some((f) => f.severity === "error")
  return { accepted, reward, findings }
}
