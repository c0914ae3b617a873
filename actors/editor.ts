import { Effect } from "effect"
import { Stages } from "../src/pipeline/Stages.ts"

/** The editor: Korean web-novel formatting of an accepted draft. */
export const editDraft = Effect.fn("editor.edit")(function* (markdown: string, language: string) {
  const stages = yield* Stages
  return yield* stages.edit(markdown, language)
})

/** The summary of a committed episode's body (the next episode's brief recaps it). */
export const summarizeBody = Effect.fn("editor.summarize")(function* (body: string) {
  const stages = yield* Stages
  return yield* stages.summarize(body)
})
