/**
 * The body of a stage thread (see `StageThreads.ts`): answers each call with the stage's result,
 * or with the error it threw.
 */
import { parentPort, workerData } from "node:worker_threads"
import { Effect } from "effect"
import { runStageCall, type StageCall, warmUpStages } from "./Stages.ts"

interface Request {
  readonly id: number
  readonly call: StageCall
}

const port = parentPort
if (port === null) throw new Error("stageThread.ts runs as a worker thread")

// Calls that arrive meanwhile wait in the port until the listener below is attached.
const warmUp = (workerData as { readonly warmUp?: number } | null)?.warmUp ?? 0
await Effect.runPromise(warmUpStages(warmUp).pipe(Effect.ignore))
port.postMessage({ ready: true })

port.on("message", ({ id, call }: Request) => {
  try {
    port.postMessage({ id, ok: true, value: runStageCall(call) })
  } catch (error) {
    port.postMessage({
      id,
      ok: false,
      error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) },
    })
  }
})
