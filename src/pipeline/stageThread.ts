/**
 * The body of a stage thread (see `StageThreads.ts`): answers each call with the stage's result,
 * or with the error it threw.
 */
import { parentPort, workerData } from "node:worker_threads"
import { Effect } from "effect"
import type { GuardVerdict } from "../domain/Episode.ts"
import { splitEpisode } from "../factory/EpisodeText.ts"
import { runStageCall, type StageCall, warmUpStages } from "./Stages.ts"

interface Request {
  readonly id: number
  readonly call: StageCall
  /** After an accepted guard call: edit the draft and summarise the edited body too, unasked. */
  readonly speculate?: boolean
}

const port = parentPort
if (port === null) throw new Error("stageThread.ts runs as a worker thread")

// Calls that arrive meanwhile wait in the port until the listener below is attached.
const warmUp = (workerData as { readonly warmUp?: number } | null)?.warmUp ?? 0
await Effect.runPromise(warmUpStages(warmUp).pipe(Effect.ignore))
port.postMessage({ ready: true })

const errorOf = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) }

/** Runs one call and posts its answer; returns the value, or undefined if it threw. */
const answer = (id: number, run: () => unknown, part?: "edit" | "summary"): { value: unknown } | undefined => {
  try {
    const value = run()
    port.postMessage({ id, part, ok: true, value })
    return { value }
  } catch (error) {
    port.postMessage({ id, part, ok: false, error: errorOf(error) })
    return undefined
  }
}

port.on("message", ({ id, call, speculate }: Request) => {
  const done = answer(id, () => runStageCall(call))
  if (speculate !== true || call.op !== "guard") return
  if (done === undefined || !(done.value as GuardVerdict).accepted) {
    port.postMessage({ id, part: "skipped", ok: true })
    return
  }
  const markdown = call.input.text
  const language = call.input.project.language
  const edited = answer(id, () => runStageCall({ op: "edit", markdown, language }), "edit")
  if (edited === undefined) return
  answer(id, () => runStageCall({ op: "summarize", markdown: splitEpisode(edited.value as string, 1).body }), "summary")
})
