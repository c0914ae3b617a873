import { Effect } from "effect"
import type { WriterBrief } from "../src/domain/Brief.ts"
import { type Completion, LanguageModel } from "../src/llm/LanguageModel.ts"
import { renderWriterPrompt } from "../src/llm/Prompt.ts"

/** The writer: one draft of one episode from its brief. */
export const writeDraft = Effect.fn("writer.writeDraft")(function* (brief: WriterBrief) {
  const model = yield* LanguageModel
  const completion: Completion = yield* model.complete({
    stage: "writer",
    messages: renderWriterPrompt(brief),
    brief,
  })
  return completion
})
