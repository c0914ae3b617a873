import { Effect } from "effect"
import { Stages } from "../src/pipeline/Stages.ts"

/** The editor: Korean web-novel formatting of an accepted draft. */
export const editDraft = Effect.fn("editor.edit")(function* (markdown: string, language: string) {
  const stages = yield* Stages
  return yield* stages.edit(markdown, language)
})

