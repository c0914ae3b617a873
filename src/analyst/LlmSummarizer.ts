/**
 * The abstractive summary (`llm.stages.summary`): a few sentences that name who did what, who died or
 * was hurt, who was introduced and where, for the writers of the next episodes. An empty or runaway
 * answer falls back to the offline summary (the analysis' events and status changes).
 */
import { Effect } from "effect"
import { type ChatMessage, LanguageModel } from "../llm/LanguageModel.ts"
import { languageName } from "../llm/Prompt.ts"
import { sanitizeDraft } from "../pipeline/Sanitize.ts"
import { offlineSummarizer, type SummarizerShape, type SummaryInput } from "./Summarizer.ts"

/** Longer than this is no summary: the offline one is used instead. */
export const MAX_SUMMARY_CHARS = 800

export const renderSummaryPrompt = (input: SummaryInput): Array<ChatMessage> => {
  const changes = input.analysis.deltas.flatMap((d) =>
    d._tag === "StatusChanged" ? [`- ${input.bible.characters.find((c) => c.id === d.character)?.name ?? d.character}: ${d.status} (${d.note})`]
      : d._tag === "CharacterIntroduced" ? [`- introduced: ${d.name}${d.role === "" ? "" : ` (${d.role})`}`]
      : []
  )
  return [
    {
      role: "system",
      content: [
        "You summarize one episode of a serialized web novel for the writer of the next episodes.",
        `Write 3 to 6 plain sentences in ${languageName(input.language)}, no headings, no lists, no preamble.`,
        "Name the characters; say what happened, who died or was hurt, who was introduced, where they are at the end, and what is left open.",
      ].join("\n"),
    },
    {
      role: "user",
      content: [`# ${input.title}`, input.body, ...(changes.length > 0 ? ["", "## Changes the analyst found", ...changes] : [])].join("\n"),
    },
  ]
}

export const llmSummarizer = (model: typeof LanguageModel.Service): SummarizerShape => ({
  summarize: (input) =>
    model.complete({ stage: "summary", messages: renderSummaryPrompt(input) }).pipe(
      Effect.flatMap((completion) => {
        const text = sanitizeDraft(completion.text, { language: input.language }).text.replace(/\s+/g, " ").trim()
        return text.length === 0 || text.length > MAX_SUMMARY_CHARS || completion.finishReason === "length"
          ? offlineSummarizer.summarize(input)
          : Effect.succeed(text)
      }),
      // a refused summary is no reason to hold the episode: the offline one carries its events
      Effect.catchTag("LlmFatalError", (e) => (e.refused === true ? offlineSummarizer.summarize(input) : Effect.fail(e))),
    ),
})
