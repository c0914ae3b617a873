import { Effect } from "effect"
import { editEpisode } from "../src/editor/Editor.ts"

/** The editor: Korean web-novel formatting of an accepted draft. */
export const editDraft = Effect.fn("editor.edit")(function* (markdown: string, language: string) {
  return editEpisode(markdown, { language })
})
